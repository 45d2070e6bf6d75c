r"""Closed-form dynamical theory of parallel DAM recall (after Mimura et al., arXiv 2506.00851).

In the gauge frame the normalised field is ``φ = m(t)^{n−1} + η(t) + O(1/N)``, the crosstalk
``η`` Gaussian with covariance ``α Σ_k A(n−1,k) C(t,t')^k``, ``A(p,k) = c_k² k!`` from the
Hermite expansion ``y^p = Σ_k c_k He_k(y)`` (n-body: the top term ``(n−1)! C^{n−1}`` only).

1. Γ = 0 recurrence (paper): ``m(t+1) = erf(m(t)^{n−1} / √(2α'))``, capacity
   ``α'_c = max_m m^{2(n−1)} / (2 erfinv(m)²)`` (n = 3: 0.252190 at m* = 0.83848).
2. Retarded self-interaction at t = 2 (our cavity derivation, consistent with the paper's
   ``Γ = D∘G``): ``Γ(1,0) = α D(m0 m1) · 2 e^{−m0^{2(n−1)}/(2α')}/√(2πα')`` with
   ``D(C) = (n−1)² Σ_k A(n−2,k) C^k`` (n-body ``(n−1)²(n−2)! C^{n−2}``), and
   ``m2 = Σ_{h0=±1} P(h0) erf((m1^{n−1} + Γ(1,0) h0)/√(2α'))``, ``P(±1) = (1 ± m0)/2``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float
from numpy.polynomial import hermite_e

from .._checks import check_int, check_real, nan_unless
from ._dynamics import kappa

__all__ = [
    "hermite_weights",
    "noise_coefficients",
    "response_coefficients",
    "recurrence",
    "capacity",
    "two_step",
]


def hermite_weights(p: int) -> np.ndarray:
    """``A(p, k) = c_k² k!`` for ``y^p = Σ_k c_k He_k(y)``, k = 0 … p."""
    c = hermite_e.poly2herme([0] * p + [1])
    return np.array([c[k] ** 2 * math.factorial(k) for k in range(p + 1)])


def noise_coefficients(order: int, variant: str = "krotov") -> np.ndarray:
    """Coefficients ``a_k`` of the crosstalk covariance ``α Σ_k a_k C^k``."""
    kappa(order, variant)  # validates
    if variant == "nbody":
        out = np.zeros(order)
        out[order - 1] = math.factorial(order - 1)
        return out
    return hermite_weights(order - 1)


def response_coefficients(order: int, variant: str = "krotov") -> np.ndarray:
    """Coefficients ``d_k`` of ``D(C) = Σ_k d_k C^k`` (``Γ = α D(C) G``)."""
    kappa(order, variant)
    if variant == "nbody":
        out = np.zeros(order - 1)
        out[order - 2] = (order - 1) ** 2 * math.factorial(order - 2)
        return out
    return (order - 1) ** 2 * hermite_weights(order - 2)


def _check(order, load, m0=None):
    # Concrete arguments: order an integer >= 2, load finite > 0, m0 in [-1, 1].
    if isinstance(order, bool) or not isinstance(order, int) or order < 2:
        raise ValueError(f"order must be an integer >= 2, got {order!r}")
    check_real("load", load, lo=0, lo_open=True)
    if m0 is not None:
        check_real("m0", m0, lo=-1, hi=1)


def _valid(load, m0):
    # Traced arguments: where this is False the results are NaN.
    return jnp.isfinite(load) & (load > 0) & (jnp.abs(m0) <= 1)


def recurrence(
    m0: ArrayLike, load: float | Float[Array, ""], order: int, steps: int
) -> Float[Array, " steps_plus_1"]:
    """Γ = 0 recurrence ``m(t+1) = erf(m(t)^{n−1}/√(2α'))``, t = 0 … steps (α' = `load`).

    Domain: integer ``order ≥ 2``, finite ``load > 0``, overlap ``m0 ∈ [−1, 1]``, integer
    ``0 ≤ steps < 2³¹``; concrete arguments outside it raise ``ValueError``, traced ones give
    NaN.
    """
    _check(order, load, m0)
    steps = check_int("steps", steps, lo=0)
    dtype = jnp.result_type(float)
    m0 = jnp.asarray(m0, dtype)
    load = jnp.asarray(load, dtype)
    valid = _valid(load, m0)
    m0 = nan_unless(valid, m0)
    scale = jnp.sqrt(2 * jnp.where(valid, load, 1.0))

    def body(m, _):
        nxt = jax.scipy.special.erf(m ** (order - 1) / scale)
        return nxt, nxt

    _, ms = jax.lax.scan(body, m0, None, length=steps)
    return jnp.concatenate([m0[None], ms])


def capacity(order: int) -> tuple[float, float]:
    """``(α'_c, m*)`` with ``α'_c = max_m m^{2(n−1)}/(2 erfinv(m)²)`` (float64, NumPy/SciPy-free:
    a fine grid then golden-section refinement)."""
    if isinstance(order, bool) or not isinstance(order, int) or order < 3:
        raise ValueError(f"order must be an integer >= 3 (n = 2 has no such maximum), got {order}")
    from math import erf

    def erfinv(y):  # Newton on erf, float64
        x = 0.0
        for _ in range(60):
            x -= (erf(x) - y) / (2 / math.sqrt(math.pi) * math.exp(-x * x))
        return x

    def f(m):
        return m ** (2 * (order - 1)) / (2 * erfinv(m) ** 2)

    grid = np.linspace(0.01, 0.999, 2000)
    values = [f(m) for m in grid]
    i = int(np.argmax(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    golden = (math.sqrt(5) - 1) / 2
    for _ in range(80):
        a, b = hi - golden * (hi - lo), lo + golden * (hi - lo)
        if f(a) > f(b):
            hi = b
        else:
            lo = a
    m_star = 0.5 * (lo + hi)
    return f(m_star), m_star


def two_step(
    m0: float | Float[Array, ""],
    load: float | Float[Array, ""],
    order: int,
    variant: str = "krotov",
) -> tuple[Float[Array, ""], Float[Array, ""], Float[Array, ""]]:
    """``(m1, m2, Γ(1,0))`` of the effective process in closed form (module docstring).

    Domain as :func:`recurrence` (``m0 ∈ [−1, 1]``, finite ``load > 0``); traced arguments
    outside it give NaN.
    """
    _check(order, load, m0)
    dtype = jnp.result_type(float)
    m0 = jnp.asarray(m0, dtype)
    load = jnp.asarray(load, dtype)
    valid = _valid(load, m0)
    m0 = nan_unless(valid, m0)
    load = jnp.where(valid, load, 1.0)
    alpha = load / kappa(order, variant)
    scale = jnp.sqrt(2 * load)
    m1 = jax.scipy.special.erf(m0 ** (order - 1) / scale)
    d = jnp.polyval(jnp.asarray(response_coefficients(order, variant)[::-1], dtype), m0 * m1)
    density = jnp.exp(-(m0 ** (2 * (order - 1))) / (2 * load)) / jnp.sqrt(2 * jnp.pi * load)
    gamma = alpha * d * 2 * density
    signal = m1 ** (order - 1)
    erf = jax.scipy.special.erf
    m2 = (1 + m0) / 2 * erf((signal + gamma) / scale) + (1 - m0) / 2 * erf((signal - gamma) / scale)
    return m1, m2, gamma
