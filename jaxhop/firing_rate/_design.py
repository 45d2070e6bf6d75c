r"""Synaptic design: memories as stable equilibria of ``ẋ = −x + Φ(Wx + u)``.

Source: Betteti, Baggio, Bullo, Zampieri, arXiv 2411.07388 (Neural Computation 2025); the
formulas follow the authors' released simulation settings (the theorem statements were not
available to us; see ``docs/firing_rate.md``).

Design fields a (target input of inactive units) and b (of active units), coding level q,
pairwise shared fraction r (``r = q`` for independent patterns):

- ``α = (b − a) / [q(1 − r)(Φ(b) − Φ(a))]``,
- ``β = q[(1 − r)Φ(a) + rΦ(b)] / [(1 − q)Φ(a) + qΦ(b)]``,
- ``γ = [(1 − β)a + βb] / [(1 − q)Φ(a) + qΦ(b)]``,
- ``W = (α/N) Σ_μ (ξ^μ − β1)(ξ^μ − β1)ᵀ + (γ/N) 11ᵀ``; with ``r = q``:
  ``W = α̃ (Ξ − q)(Ξ − q)ᵀ/(N q(1 − q)) + (γ/N) 11ᵀ``, ``α̃ = (b − a)/(Φ(b) − Φ(a))``.

Rescaled memories ``x̄^μ = Φ(a)1 + (Φ(b) − Φ(a))ξ^μ`` satisfy ``W x̄^μ = a1 + (b − a)ξ^μ``
(exactly when every pattern has qN ones and every pair shares rqN of them), so that
``Φ(W x̄^μ) = x̄^μ``.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from ._activations import AbstractActivation

__all__ = ["Design", "synaptic_design", "rescaled_memories", "GAMMA_SETTINGS"]

# The two published design settings: (a, b), named by the sign of the resulting γ.
GAMMA_SETTINGS: dict[str, tuple[float, float]] = {"negative": (-0.3, 0.95), "positive": (0.1, 0.95)}


class Design(eqx.Module):
    """The designed synaptic coefficients (final; all scalars).

    ``alpha`` α, ``beta`` β, ``gamma`` γ, ``alpha_tilde`` ``α̃ = (b − a)/(Φ(b) − Φ(a))``, and
    the design inputs ``a``, ``b``, ``phi_a = Φ(a)``, ``phi_b = Φ(b)``, ``q``, ``r``.
    """

    alpha: Float[Array, ""]
    beta: Float[Array, ""]
    gamma: Float[Array, ""]
    alpha_tilde: Float[Array, ""]
    a: Float[Array, ""]
    b: Float[Array, ""]
    phi_a: Float[Array, ""]
    phi_b: Float[Array, ""]
    q: Float[Array, ""]
    r: Float[Array, ""]


def synaptic_design(
    activation: AbstractActivation,
    a: Float[ArrayLike, ""] = -0.3,
    b: Float[ArrayLike, ""] = 0.95,
    q: Float[ArrayLike, ""] = 0.2,
    r: Float[ArrayLike, ""] | None = None,
) -> Design:
    """``(a, b, q, r, Φ) → (α, β, γ)`` and ``α̃`` (``r = None`` means ``r = q``).

    Requires ``Φ(b) > Φ(a)`` (checked when the values are concrete); works under ``jax.vmap``
    over the activation's parameters and a, b.
    """
    for name, value in (("a", a), ("b", b)):
        if isinstance(value, (int, float)) and not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
    if isinstance(q, (int, float)) and not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1), got {q!r}")
    if r is None:
        r = q
    if isinstance(r, (int, float)) and not 0 <= r < 1:
        raise ValueError(f"r must be in [0, 1), got {r!r}")
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not b > a:
        raise ValueError(f"b must be > a, got a={a!r}, b={b!r}")
    dtype = jnp.result_type(float)
    a, b, q, r = (jnp.asarray(v, dtype) for v in (a, b, q, r))
    phi_a, phi_b = activation(a), activation(b)
    spread = phi_b - phi_a
    mean_rate = (1 - q) * phi_a + q * phi_b
    alpha_tilde = (b - a) / spread
    alpha = alpha_tilde / (q * (1 - r))
    beta = q * ((1 - r) * phi_a + r * phi_b) / mean_rate
    gamma = ((1 - beta) * a + beta * b) / mean_rate
    return Design(alpha, beta, gamma, alpha_tilde, a, b, phi_a, phi_b, q, r)


def rescaled_memories(
    patterns: Float[Array, "n p"], phi_a: Float[ArrayLike, ""], phi_b: Float[ArrayLike, ""]
) -> Float[Array, "n p"]:
    """``x̄^μ = Φ(a)1 + (Φ(b) − Φ(a))ξ^μ`` (columns)."""
    return phi_a + (phi_b - phi_a) * patterns
