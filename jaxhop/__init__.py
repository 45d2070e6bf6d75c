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

__version__ = "0.1.0"
