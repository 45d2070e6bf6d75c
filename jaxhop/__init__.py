"""jaxhop: a JAX-accelerated, differentiable simulator of associative-memory dynamics.

The package and its families are lazy: ``import jaxhop`` imports no family and not JAX; each
name below is imported the first time it is used (``jh.saliency.period`` imports the saliency
family then), so the ``jaxhop`` command answers ``--help`` and argument errors at once
(:mod:`jaxhop._lazy`).
"""

from typing import TYPE_CHECKING

from ._lazy import attach as _attach

if TYPE_CHECKING:  # the public names, imported on first use (jaxhop._lazy reads this list)
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

__getattr__, __dir__, __all__ = _attach(__name__)

# The κ fits belong to the saliency family; ``jh.fit`` (the generic loop) keeps their old names
# so that existing code goes on working: ``jaxhop/fit.py`` looks them up here on first use, so
# that ``fit.py`` itself names no family.
_FIT_ALIASES = {
    name: "jaxhop.saliency"
    for name in (
        "KappaFit",
        "fit_kappa_to_period",
        "fit_kappa_to_dwell_times",
        "fit_kappa_to_retrievals",
    )
}

__version__ = "0.1.0"
