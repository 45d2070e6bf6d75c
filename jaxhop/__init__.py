"""jaxhop: a JAX-accelerated, differentiable simulator of associative-memory dynamics."""

from . import (
    dam as dam,
    firing_rate as firing_rate,
    fit as fit,
    idp as idp,
    saliency as saliency,
    ssm as ssm,
    sweep as sweep,
)
from ._integrate import (
    Solution as Solution,
    euler_maruyama_step as euler_maruyama_step,
    integrate as integrate,
    num_steps_for as num_steps_for,
)
from ._random import fast_key as fast_key

# The κ fits belong to the saliency family; ``jh.fit`` (the generic loop) keeps their old names
# so that existing code goes on working. Set here, in the package's face, so that ``fit.py``
# itself names no family.
for _name in (
    "KappaFit",
    "fit_kappa_to_period",
    "fit_kappa_to_dwell_times",
    "fit_kappa_to_retrievals",
):
    setattr(fit, _name, getattr(saliency, _name))
del _name

__version__ = "0.1.0"
