"""The ungated LTI stack baseline, and a factory for the three model kinds.

:class:`LTIStack`: embedding → ``layers`` × (RMSNorm → :class:`~jaxhop.ssm.DiagonalLTI`
(width → width, complex diagonal state) → GELU → linear → residual) → RMSNorm → linear head
at the last position. Every sequence map is LTI and no gate makes it input-selective: the
control of our comparison (``docs/ssm.md``), expected to fail the induction head.
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray, PyTree

from .._checks import check_int, check_memory
from ._associative import AssociativeModel
from ._lti import DiagonalLTI
from ._residual import ResidualModel
from ._selective import SelectiveModel
from ._ssd import SSDModel
from ._stack import AbstractPreNormStack
from ._tasks import InductionTask

__all__ = ["LTILayer", "LTIStack", "MODELS", "make_model", "count_params"]

MODELS = ("residual", "selective", "ssd", "lti", "associative")


class LTILayer(eqx.Module):
    """One ungated layer: :class:`~jaxhop.ssm.DiagonalLTI` → GELU → linear, per position."""

    ssm: DiagonalLTI
    mixer: eqx.nn.Linear

    def __call__(
        self, x: Float[Array, "L width"], *, mode: str = "conv"
    ) -> Float[Array, "L width"]:
        return jax.vmap(self.mixer)(jax.nn.gelu(self.ssm(x, mode=mode)))


class LTIStack(AbstractPreNormStack):
    """Ungated stack of :class:`LTILayer` s (module docstring); ``mode`` is the layers' mode."""

    @classmethod
    def make_layer(cls, key: PRNGKeyArray, width: int, *, state_size: int = 32) -> LTILayer:
        """An :class:`LTILayer` with a `state_size`-dimensional complex diagonal state."""
        k_ssm, k_mix = jax.random.split(key)
        return LTILayer(
            ssm=DiagonalLTI.init(k_ssm, width, state_size, width),
            mixer=eqx.nn.Linear(width, width, key=k_mix),
        )

    def __call__(self, tokens: Int[Array, " L"], *, mode: str = "conv") -> Float[Array, " v"]:
        return self._logits(tokens, mode)


def make_model(
    name: str, key: PRNGKeyArray, task: InductionTask, *, width: int = 32, **kwargs: Any
) -> eqx.Module:
    """A model of kind `name` (:data:`MODELS`: ``residual``, ``selective``, ``ssd``, ``lti``,
    ``associative``) sized for `task`.

    Extra keyword arguments go to the model's ``init`` (e.g. ``delays`` for ``residual``,
    ``layers``/``conv_width`` for ``selective``). For ``residual`` and ``associative`` the
    detector window defaults to ``delays = max(task.k, 2)`` (lags 0 … k: the trigger plus one
    spare).
    """
    width = check_int("width", width, lo=1, hi=2**16)
    if name not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)} (got {name!r})")
    layers = check_int("layers", kwargs.get("layers", 2), lo=1, hi=2**16)
    # parameters: the embedding and head, and per layer a few width × width matrices (the
    # residual model's detector and the selective scan's projections, with Adam's two moments)
    check_memory(
        "width",
        width,
        lambda w: 4 * 3 * (2 * w * (task.num_tokens + task.vocab) + 64 * layers * w * w),
    )
    args = (key, task.num_tokens, task.vocab)
    if name == "residual":
        kwargs.setdefault("delays", max(task.k, 2))
        return ResidualModel.init(*args, width=width, **kwargs)
    if name == "selective":
        return SelectiveModel.init(*args, width=width, **kwargs)
    if name == "ssd":
        return SSDModel.init(*args, width=width, **kwargs)
    if name == "lti":
        return LTIStack.init(*args, width=width, **kwargs)
    if name == "associative":
        kwargs.setdefault("delays", max(task.k, 2))
        return AssociativeModel.init(*args, width=width, **kwargs)
    raise ValueError(f"model must be one of {', '.join(MODELS)} (got {name!r})")


def count_params(model: PyTree) -> int:
    """Number of scalar parameters (float array leaves; complex counts as two)."""
    leaves = jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_inexact_array))
    return int(sum(np.size(x) * (2 if jnp.iscomplexobj(x) else 1) for x in leaves))
