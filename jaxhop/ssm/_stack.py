"""The pre-norm residual stack shared by the selective-scan and the ungated LTI baselines.

``tokens → embedding → layers × (h ← h + layer(RMSNorm(h))) → RMSNorm → linear head`` at the
last position: one logit vector per sequence (``jax.vmap`` for batches). The baselines differ
only in their sequence-mixing layer, so they share this body.
"""

from __future__ import annotations

import abc
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int, PRNGKeyArray

from .._checks import check_int

__all__ = ["RMSNorm", "AbstractPreNormStack"]


class RMSNorm(eqx.Module):
    """``x / rms(x) · weight`` over the last axis."""

    weight: Float[Array, " d"]
    eps: float = eqx.field(static=True, default=1e-6)

    def __call__(self, x: Float[Array, "*batch d"]) -> Float[Array, "*batch d"]:
        ms = jnp.mean(x * x, axis=-1, keepdims=True)
        return x * jax.lax.rsqrt(ms + self.eps) * jnp.expand_dims(self.weight, range(x.ndim - 1))


class AbstractPreNormStack(eqx.Module):
    """Embedding → pre-norm residual `layers` → RMSNorm → linear head at the last position.

    Each layer maps ``(L, width) → (L, width)`` and takes the keyword ``mode``; a concrete
    subclass says how to make one (:meth:`make_layer`) and which mode is its default.
    """

    embedding: eqx.nn.Embedding
    norms: list[RMSNorm]
    layers: list
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
        **layer_kwargs: Any,
    ) -> AbstractPreNormStack:
        """A stack of ``layers`` layers ``cls.make_layer(key, width, **layer_kwargs)``."""
        check_int("layers", layers, lo=1, hi=2**16)
        check_int("num_tokens", num_tokens, lo=1)
        check_int("num_classes", num_classes, lo=1)
        check_int("width", width, lo=1, hi=2**16)
        keys = jax.random.split(key, int(layers) + 2)
        return cls(
            embedding=eqx.nn.Embedding(num_tokens, width, key=keys[0]),
            norms=[RMSNorm(jnp.ones((width,))) for _ in range(int(layers))],
            layers=[cls.make_layer(k, width, **layer_kwargs) for k in keys[2:]],
            final_norm=RMSNorm(jnp.ones((width,))),
            head=eqx.nn.Linear(width, num_classes, key=keys[1]),
        )

    @classmethod
    @abc.abstractmethod
    def make_layer(cls, key: PRNGKeyArray, width: int, **kwargs: Any) -> eqx.Module:
        """One sequence-mixing layer ``(L, width) → (L, width)`` taking ``mode=``."""

    def _logits(self, tokens: Int[Array, " L"], mode: str) -> Float[Array, " v"]:
        h = jax.vmap(self.embedding)(tokens)
        for norm, layer in zip(self.norms, self.layers):
            h = h + layer(norm(h), mode=mode)
        return self.head(self.final_norm(h[-1]))
