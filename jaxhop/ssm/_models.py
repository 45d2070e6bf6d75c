"""The ungated LTI stack baseline, and a factory for the three model kinds.

:class:`LTIStack`: embedding → ``layers`` × (RMSNorm → :class:`~jaxhop.ssm.DiagonalLTI`
(width → width, complex diagonal state) → GELU → linear → residual) → RMSNorm → linear head
at the last position. Every sequence map is LTI and no gate makes it input-selective (spec
``selection.md`` baseline (b); expected to fail the induction head).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray, PyTree

from ._lti import DiagonalLTI
from ._residual import ResidualModel
from ._selective import RMSNorm, SelectiveModel
from ._tasks import InductionTask

__all__ = ["LTIStack", "MODELS", "make_model", "count_params"]

MODELS = ("residual", "selective", "lti")


class LTIStack(eqx.Module):
    """Ungated stack of LTI layers (module docstring); ``mode`` is the layers' mode."""

    embedding: eqx.nn.Embedding
    norms: list[RMSNorm]
    ssms: list[DiagonalLTI]
    mixers: list[eqx.nn.Linear]
    final_norm: RMSNorm
    head: eqx.nn.Linear

    @classmethod
    def init(
        cls,
        key: PRNGKeyArray,
        num_tokens: int,
        num_classes: int,
        *,
        width: int = 32,
        layers: int = 2,
        state_size: int = 32,
    ) -> LTIStack:
        if layers < 1:
            raise ValueError(f"layers must be >= 1 (got {layers})")
        keys = jax.random.split(key, 2 * layers + 2)
        return cls(
            embedding=eqx.nn.Embedding(num_tokens, width, key=keys[0]),
            norms=[RMSNorm(jnp.ones((width,))) for _ in range(layers)],
            ssms=[DiagonalLTI.init(k, width, state_size, width) for k in keys[2 : 2 + layers]],
            mixers=[eqx.nn.Linear(width, width, key=k) for k in keys[2 + layers :]],
            final_norm=RMSNorm(jnp.ones((width,))),
            head=eqx.nn.Linear(width, num_classes, key=keys[1]),
        )

    def __call__(self, tokens: Int[Array, " L"], *, mode: str = "conv") -> Float[Array, " v"]:
        h = jax.vmap(self.embedding)(tokens)
        for norm, ssm, mixer in zip(self.norms, self.ssms, self.mixers):
            h = h + jax.vmap(mixer)(jax.nn.gelu(ssm(norm(h), mode=mode)))
        return self.head(self.final_norm(h[-1]))


def make_model(
    name: str, key: PRNGKeyArray, task: InductionTask, *, width: int = 32, **kwargs
) -> eqx.Module:
    """A model of kind `name` (``residual``, ``selective``, ``lti``) sized for `task`.

    Extra keyword arguments go to the model's ``init`` (e.g. ``delays`` for ``residual``,
    ``layers``/``conv_width`` for ``selective``). For ``residual`` the detector window
    defaults to ``delays = max(task.k, 2)`` (lags 0 … k: the trigger plus one spare).
    """
    if width < 1:
        raise ValueError(f"width must be >= 1 (got {width})")
    args = (key, task.num_tokens, task.vocab)
    if name == "residual":
        kwargs.setdefault("delays", max(task.k, 2))
        return ResidualModel.init(*args, width=width, **kwargs)
    if name == "selective":
        return SelectiveModel.init(*args, width=width, **kwargs)
    if name == "lti":
        return LTIStack.init(*args, width=width, **kwargs)
    raise ValueError(f"model must be one of {', '.join(MODELS)} (got {name!r})")


def count_params(model: PyTree) -> int:
    """Number of scalar parameters (float array leaves; complex counts as two)."""
    leaves = jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_inexact_array))
    return int(sum(np.size(x) * (2 if jnp.iscomplexobj(x) else 1) for x in leaves))
