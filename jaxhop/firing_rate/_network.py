r"""The firing-rate network ``τ ẋ = −x + Φ(W x + u(t))`` (+ noise σ dB).

Source: Betteti, Baggio, Bullo, Zampieri, Neural Computation 37(10), 2025 (arXiv 2411.07388).

``W = (α/N) Σ_μ (ξ^μ − β1)(ξ^μ − β1)ᵀ + (γ/N) 11ᵀ`` is kept in factored form: with
``s = 1ᵀx`` and ``c = Ξᵀx − β s 1`` (P numbers),

.. math::  W x = (α/N)(Ξ c − β (1ᵀc) 1) + (γ/N) s 1,

an O(NP) product. :meth:`FiringRateNetwork.dense_weights` forms the N×N matrix for tests and
baselines only. Energy (symmetric W, constant input u; Hopfield 1984):
``E(x) = −½ xᵀWx − uᵀx + Σ_i ∫_0^{x_i} Φ⁻¹(s) ds``, non-increasing along the noiseless flow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from ._activations import AbstractActivation
from ._design import rescaled_memories, synaptic_design

__all__ = ["FiringRateNetwork"]


class FiringRateNetwork(eqx.Module):
    """A firing-rate associative memory (final).

    **Fields:** `patterns` Ξ (N×P, 0/1 columns), `activation` Φ, the design coefficients
    `alpha`, `beta`, `gamma` (scalars) and the design fields `a`, `b` they were built from,
    `tau` τ; static: `coding_level` q (normalises overlaps),
    `noise` σ of the Euler–Maruyama diffusion; `input` u: ``None`` (no input), a constant
    N-vector, or a function ``t -> u(t)``.

    Build it from a design with :meth:`designed`.
    """

    patterns: Float[Array, "n p"]
    activation: AbstractActivation
    alpha: Float[ArrayLike, ""]
    beta: Float[ArrayLike, ""]
    gamma: Float[ArrayLike, ""]
    a: Float[ArrayLike, ""] = -0.3
    b: Float[ArrayLike, ""] = 0.95
    tau: Float[ArrayLike, ""] = 1.0
    input: Float[Array, " n"] | Callable | None = None
    coding_level: float = eqx.field(static=True, default=0.2)
    noise: float = eqx.field(static=True, default=0.0)

    def __check_init__(self):
        if self.patterns.ndim != 2:
            raise ValueError(f"patterns must be 2-D (N × P), got shape {self.patterns.shape}")
        if isinstance(self.tau, (int, float)) and not self.tau > 0:
            raise ValueError(f"tau must be > 0, got {self.tau!r}")
        if not 0 < self.coding_level < 1:
            raise ValueError(f"coding_level must be in (0, 1), got {self.coding_level!r}")
        if not self.noise >= 0:
            raise ValueError(f"noise must be >= 0, got {self.noise!r}")

    @classmethod
    def designed(
        cls,
        patterns: Float[Array, "n p"],
        activation: AbstractActivation,
        *,
        a: Float[ArrayLike, ""] = -0.3,
        b: Float[ArrayLike, ""] = 0.95,
        q: float = 0.2,
        r: Float[ArrayLike, ""] | None = None,
        **kwargs: Any,
    ) -> FiringRateNetwork:
        """The network whose W follows :func:`synaptic_design` ``(a, b, q, r, Φ)``."""
        d = synaptic_design(activation, a, b, q, r)
        return cls(
            patterns, activation, d.alpha, d.beta, d.gamma, d.a, d.b, coding_level=q, **kwargs
        )

    @property
    def size(self) -> int:
        return self.patterns.shape[0]

    def weights_times(self, x: Float[Array, " n"]) -> Float[Array, " n"]:
        """``W x`` in O(NP), W never formed."""
        n = x.shape[0]
        s = jnp.sum(x)
        c = self.patterns.T @ x - self.beta * s
        return (self.alpha / n) * (self.patterns @ c - self.beta * jnp.sum(c)) + (
            self.gamma / n
        ) * s

    def dense_weights(self) -> Float[Array, "n n"]:
        """The N×N matrix W — for tests and baselines only, never in the dynamics."""
        n = self.size
        centred = self.patterns - self.beta
        return (self.alpha / n) * centred @ centred.T + self.gamma / n

    def external_input(self, t: Float[ArrayLike, ""]) -> Float[Array, " n"] | Float[Array, ""]:
        """``u(t)`` (a scalar 0 when there is no input)."""
        if self.input is None:
            return jnp.zeros((), self.patterns.dtype)
        if callable(self.input):
            return self.input(t)
        return self.input

    def drift(self, t: Float[ArrayLike, ""], x: Float[Array, " n"]) -> Float[Array, " n"]:
        """``(−x + Φ(W x + u(t)))/τ``."""
        return (-x + self.activation(self.weights_times(x) + self.external_input(t))) / self.tau

    def diffusion(self, t: Float[ArrayLike, ""], x: Float[Array, " n"]) -> Float[Array, ""]:
        """``σ/τ`` (additive isotropic noise)."""
        return jnp.asarray(self.noise, x.dtype) / self.tau

    def energy(self, x: Float[Array, " n"], t: Float[ArrayLike, ""] = 0.0) -> Float[Array, ""]:
        """``E(x) = −½ xᵀWx − u(t)ᵀx + Σ_i ∫_0^{x_i} Φ⁻¹`` (``+∞`` if a rate leaves [0, 1])."""
        quadratic = jnp.dot(x, self.weights_times(x))
        drive = jnp.sum(self.external_input(t) * x)
        return -0.5 * quadratic - drive + jnp.sum(self.activation.inverse_integral(x))

    def rescaled_memories(self) -> Float[Array, "n p"]:
        """``x̄^μ = Φ(a)1 + (Φ(b) − Φ(a))ξ^μ`` (columns)."""
        a, b = jnp.asarray(self.a), jnp.asarray(self.b)
        return rescaled_memories(self.patterns, self.activation(a), self.activation(b))

    def overlaps(self, x: Float[Array, " n"]) -> Float[Array, " p"]:
        """``m^ν = x·ξ^ν/(N q)``."""
        return self.patterns.T @ x / (self.size * self.coding_level)
