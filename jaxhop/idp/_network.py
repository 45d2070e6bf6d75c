r"""The IDP Hopfield network and the classic additive-input comparator.

Source: Betteti, Baggio, Bullo, Zampieri, *Input-driven dynamics for robust memory retrieval in
Hopfield networks* (Sci. Adv. 11(17), 2025; arXiv 2411.05849); see ``docs/idp.md``.

IDP (input-driven plasticity): the input acts only through the synapses,

.. math::  dy = [-y + W(α(t))\,g(y)]\,dt + σ\,dB_t,\qquad W(α) = \tfrac1N Ξ\,\mathrm{diag}(α)\,Ξᵀ.

Additive comparator: ``dy = [−y + W_0 g(y) + u(t)] dt + σ dB``, ``W_0 = (1/N) ΞΞᵀ``,
``u(t) = Ξ α(t)``.

``W(α) g`` is computed as ``(1/N) Ξ (α ⊙ (Ξᵀ g))`` — O(NP); the N×N matrix is never formed
(:meth:`IDPNetwork.dense_weights` exists for tests and baselines only). A zeroed diagonal (as
in the published code) subtracts ``(1/N)(Σ_μ α_μ) g``, since ``(ξ^μ_i)² = 1``.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array, Float, Int

from .._checks import check_finite, check_real, is_traced

__all__ = [
    "ACTIVATIONS",
    "activation",
    "activation_integral",
    "AbstractMemoryNetwork",
    "IDPNetwork",
    "AdditiveNetwork",
    "SaliencySchedule",
]

ACTIVATIONS = ("tanh", "hardtanh")


def activation(name: str, gain: float, y: Float[Array, ...]) -> Float[Array, ...]:
    """``tanh(δ y)`` (``name="tanh"``, gain δ > 0 finite) or Hard Tanh ``clip(y, −1, 1)``."""
    _check_activation(name, gain)
    check_finite("y", y)
    if name == "tanh":
        return jnp.tanh(gain * y)
    return jnp.clip(y, -1.0, 1.0)


def activation_integral(name: str, gain: float, y: Float[Array, ...]) -> Float[Array, ...]:
    """``∫_0^y g(s) ds``: ``ln cosh(δ y)/δ`` for tanh, ``y²/2`` or ``|y| − 1/2`` for Hard Tanh."""
    _check_activation(name, gain)
    if name == "tanh":
        z = jnp.abs(gain * y)  # ln cosh z = z + log1p(e^{−2z}) − ln 2, stable for large z
        return (z + jnp.log1p(jnp.exp(-2 * z)) - jnp.log(2.0)) / gain
    a = jnp.abs(y)
    return jnp.where(a <= 1, 0.5 * y * y, a - 0.5)


def _check_activation(name: str, gain: float) -> None:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    check_real("gain", gain, lo=0, lo_open=True)


def _check_config(activation_name: str, gain: float, noise: float) -> None:
    _check_activation(activation_name, gain)
    check_real("noise", noise, lo=0)


def _low_rank_product(memories, saliencies, g, zero_diagonal):
    n = memories.shape[0]
    # Vector-on-the-left products: under vmap they batch into (trials × N) @ (N × P) GEMMs
    # with the trial axis leading, and no transpose of the (trials × N) result.
    out = ((saliencies / n) * (g @ memories)) @ memories.T
    if zero_diagonal:
        out = out - (jnp.sum(saliencies) / n) * g
    return out


class AbstractMemoryNetwork(eqx.Module):
    """What the IDP network and the additive comparator share (abstract): the memories, the
    activation and the noise, and the overlaps read-out.

    **Fields:** `memories` ``Ξ`` (N×P, ±1 columns); static: `activation` (``"tanh"`` or
    ``"hardtanh"``), `gain` δ of tanh (published 10), `zero_diagonal` (published code: True;
    theory: False), `noise` σ of the Euler–Maruyama diffusion.
    """

    memories: Float[Array, "n p"]
    activation: str = eqx.field(static=True, default="tanh")
    gain: float = eqx.field(static=True, default=10.0)
    zero_diagonal: bool = eqx.field(static=True, default=False)
    noise: float = eqx.field(static=True, default=0.0)

    def __check_init__(self):
        _check_config(self.activation, self.gain, self.noise)
        if jnp.ndim(self.memories) != 2 or 0 in jnp.shape(self.memories):
            raise ValueError(
                f"memories must be a non-empty 2-D array (N × P), got {jnp.shape(self.memories)}"
            )
        check_finite("memories", self.memories)

    def activate(self, y: Float[Array, " n"]) -> Float[Array, " n"]:
        return activation(self.activation, self.gain, y)

    def overlaps(self, y: Float[Array, " n"]) -> Float[Array, " p"]:
        """Signed overlaps ``m_μ = (1/N) ξ^μᵀ g(y)``."""
        return self.activate(y) @ self.memories / self.memories.shape[0]


class IDPNetwork(AbstractMemoryNetwork):
    """An IDP Hopfield network (final); fields as :class:`AbstractMemoryNetwork`."""

    def synaptic_input(
        self, saliencies: Float[Array, " p"], g: Float[Array, " n"]
    ) -> Float[Array, " n"]:
        """``W(α) g`` in O(NP)."""
        return _low_rank_product(self.memories, saliencies, g, self.zero_diagonal)

    def drift(self, y: Float[Array, " n"], saliencies: Float[Array, " p"]) -> Float[Array, " n"]:
        """``−y + W(α) g(y)``."""
        return -y + self.synaptic_input(saliencies, self.activate(y))

    def dominant(self, y: Float[Array, " n"]) -> Int[Array, ""]:
        """Index of the memory with the largest ``|m_μ|``."""
        return jnp.argmax(jnp.abs(self.overlaps(y)))

    def energy(self, y: Float[Array, " n"], saliencies: Float[Array, " p"]) -> Float[Array, ""]:
        """``E(y; α) = −½ gᵀ W(α) g + yᵀ g − Σ_i ∫_0^{y_i} g`` (non-increasing along the noiseless
        flow for frozen α; computed in O(NP))."""
        g = self.activate(y)
        quadratic = jnp.dot(g, self.synaptic_input(saliencies, g))
        integral = jnp.sum(activation_integral(self.activation, self.gain, y))
        return -0.5 * quadratic + jnp.dot(y, g) - integral

    def dense_weights(self, saliencies: Float[Array, " p"]) -> Float[Array, "n n"]:
        """The N×N matrix ``W(α)`` — for tests and baselines only, never in the dynamics."""
        n = self.memories.shape[0]
        w = (self.memories * saliencies[None, :]) @ self.memories.T / n
        if self.zero_diagonal:
            w = w - jnp.diag(jnp.diag(w))
        return w


class AdditiveNetwork(AbstractMemoryNetwork):
    """The classic comparator (final): fixed ``W_0 = (1/N) ΞΞᵀ`` and an additive input
    ``u = Ξ α``: ``dy = [−y + W_0 g(y) + u(t)] dt + σ dB``. Fields as
    :class:`AbstractMemoryNetwork`."""

    def drift(self, y: Float[Array, " n"], saliencies: Float[Array, " p"]) -> Float[Array, " n"]:
        """``−y + W_0 g(y) + Ξ α`` (the input's saliencies ``α``; zero means no input)."""
        ones = jnp.ones(self.memories.shape[1], y.dtype)
        recurrent = _low_rank_product(self.memories, ones, self.activate(y), self.zero_diagonal)
        return -y + recurrent + saliencies @ self.memories.T


class SaliencySchedule(eqx.Module):
    """Piecewise-constant saliencies: ``α(t) = values[k]`` for ``breaks[k] ≤ t < breaks[k+1]``,
    zero outside ``[breaks[0], breaks[-1])`` (no input). ``breaks`` must increase."""

    breaks: Float[Array, " k_plus_1"]
    values: Float[Array, "k p"]

    def __check_init__(self):
        if self.breaks.ndim != 1 or self.values.ndim != 2:
            raise ValueError("breaks must be 1-D and values 2-D (windows × memories)")
        if self.breaks.shape[0] != self.values.shape[0] + 1:
            raise ValueError(
                f"breaks must have one more entry than values has rows, got "
                f"{self.breaks.shape[0]} and {self.values.shape[0]}"
            )
        check_finite("breaks", self.breaks)
        check_finite("values", self.values)
        if not is_traced(self.breaks) and not (jnp.diff(self.breaks) > 0).all():
            raise ValueError(f"breaks must increase strictly, got {self.breaks!r}")

    def __call__(self, t: Float[Array, ""]) -> Float[Array, " p"]:
        index = jnp.searchsorted(self.breaks, t, side="right") - 1
        inside = (index >= 0) & (index < self.values.shape[0])
        row = self.values[jnp.clip(index, 0, self.values.shape[0] - 1)]
        return jnp.where(inside, row, jnp.zeros_like(row))
