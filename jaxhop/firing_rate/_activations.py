r"""Firing-rate activations with gain ρ and threshold x*, in closed form.

Source: Betteti, Baggio, Bullo, Zampieri, *Firing Rate Models as Associative Memory: Synaptic
Design for Robust Retrieval* (arXiv 2411.07388; Neural Computation 37(10), 2025).
Each activation provides ``Φ``, ``Φ'``, ``Φ⁻¹`` and the integral
``∫_0^x Φ⁻¹(s) ds`` used by the energy.

- :class:`Sigmoid`: ``Φ(y) = 1/(1 + exp(−4ρ(y − c)))``, ``c = x* + 1/(2ρ)``; maximal slope
  ``Φ'(c) = ρ``. ``Φ⁻¹(s) = c + logit(s)/(4ρ)`` on (0, 1);
  ``∫_0^x Φ⁻¹ = c x + [x ln x + (1 − x) ln(1 − x)]/(4ρ)``.
- :class:`RectTanh`: ``Φ(y) = tanh(ρ(y − x*))`` for ``y ≥ x*``, else 0. On [0, 1) the inverse
  is ``Φ⁻¹(s) = x* + artanh(s)/ρ`` (at ``s = 0`` the smallest preimage boundary x*);
  ``∫_0^x Φ⁻¹ = x* x + [x artanh x + ½ ln(1 − x²)]/ρ``.

``rho`` and ``threshold`` are float leaves (not static), so a batch of activations can be built
and mapped over with ``jax.vmap`` (the phase diagram does).
"""

from __future__ import annotations

import abc

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .._checks import check_real

__all__ = ["AbstractActivation", "Sigmoid", "RectTanh", "ACTIVATIONS", "make_activation"]

ACTIVATIONS = ("sigmoid", "rect-tanh")


class AbstractActivation(eqx.Module):
    """A monotone rate function ``Φ: R → [0, 1)`` with gain `rho` and threshold `threshold`."""

    rho: eqx.AbstractVar[Float[ArrayLike, ""]]
    threshold: eqx.AbstractVar[Float[ArrayLike, ""]]

    @abc.abstractmethod
    def __call__(self, y: Float[Array, "*s"]) -> Float[Array, "*s"]:
        """``Φ(y)``."""

    @abc.abstractmethod
    def derivative(self, y: Float[Array, "*s"]) -> Float[Array, "*s"]:
        """``Φ'(y)``."""

    @abc.abstractmethod
    def inverse(self, x: Float[Array, "*s"]) -> Float[Array, "*s"]:
        """``Φ⁻¹(x)`` on the range of Φ."""

    @abc.abstractmethod
    def inverse_integral(self, x: Float[Array, "*s"]) -> Float[Array, "*s"]:
        """``∫_0^x Φ⁻¹(s) ds`` (``+∞`` outside the closure of the range)."""


def _check(rho, threshold):
    # concrete values only (traced ones pass): gain finite > 0, threshold finite
    check_real("rho", rho, lo=0, lo_open=True)
    check_real("threshold", threshold)


def _xlogx(x):
    return jnp.where(x > 0, x * jnp.log(jnp.where(x > 0, x, 1.0)), 0.0)


class Sigmoid(AbstractActivation):
    """``Φ(y) = 1/(1 + exp(−4ρ(y − x* − 1/(2ρ))))`` (final): maximal slope ρ at
    ``y = x* + 1/(2ρ)``, where ``Φ = ½``."""

    rho: Float[ArrayLike, ""]
    threshold: Float[ArrayLike, ""]

    def __check_init__(self):
        _check(self.rho, self.threshold)

    def _centre(self):
        return self.threshold + 0.5 / self.rho

    def __call__(self, y: Float[ArrayLike, "*s"]) -> Float[Array, "*s"]:
        return jax.nn.sigmoid(4 * self.rho * (y - self._centre()))

    def derivative(self, y: Float[ArrayLike, "*s"]) -> Float[Array, "*s"]:
        s = self(y)
        return 4 * self.rho * s * (1 - s)

    def inverse(self, x: Float[ArrayLike, "*s"]) -> Float[Array, "*s"]:
        return self._centre() + (jnp.log(x) - jnp.log1p(-x)) / (4 * self.rho)

    def inverse_integral(self, x: Float[ArrayLike, "*s"]) -> Float[Array, "*s"]:
        inside = (x >= 0) & (x <= 1)
        xc = jnp.clip(x, 0.0, 1.0)
        value = self._centre() * xc + (_xlogx(xc) + _xlogx(1 - xc)) / (4 * self.rho)
        return jnp.where(inside, value, jnp.inf)


class RectTanh(AbstractActivation):
    """``Φ(y) = tanh(ρ(y − x*))`` for ``y ≥ x*``, else 0 (final). Range [0, 1)."""

    rho: Float[ArrayLike, ""]
    threshold: Float[ArrayLike, ""]

    def __check_init__(self):
        _check(self.rho, self.threshold)

    def __call__(self, y: Float[ArrayLike, "*s"]) -> Float[Array, "*s"]:
        return jnp.tanh(self.rho * jnp.maximum(y - self.threshold, 0.0))

    def derivative(self, y: Float[ArrayLike, "*s"]) -> Float[Array, "*s"]:
        t = jnp.tanh(self.rho * jnp.maximum(y - self.threshold, 0.0))
        return jnp.where(y > self.threshold, self.rho * (1 - t * t), 0.0)

    def inverse(self, x: Float[ArrayLike, "*s"]) -> Float[Array, "*s"]:
        return self.threshold + jnp.arctanh(x) / self.rho

    def inverse_integral(self, x: Float[ArrayLike, "*s"]) -> Float[Array, "*s"]:
        inside = (x >= 0) & (x < 1)
        xc = jnp.where(inside, jnp.clip(x, 0.0, 1.0), 0.0)
        value = self.threshold * xc + (xc * jnp.arctanh(xc) + 0.5 * jnp.log1p(-xc * xc)) / self.rho
        return jnp.where(inside, value, jnp.inf)


def make_activation(
    name: str, rho: Float[ArrayLike, ""], threshold: Float[ArrayLike, ""]
) -> AbstractActivation:
    """``Sigmoid`` (``name="sigmoid"``) or ``RectTanh`` (``"rect-tanh"``) with gain `rho` and
    threshold `threshold` (x*)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    cls = Sigmoid if name == "sigmoid" else RectTanh
    return cls(rho, threshold)
