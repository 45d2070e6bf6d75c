r"""Detailed balance of parallel dense-memory dynamics, by exact enumeration (ours).

The parallel dynamics of :func:`jaxhop.dam.parallel_step`, made stochastic in the usual way
(every site at once, independently, heat-bath at inverse temperature β), is the Markov chain

.. math::

    P(s \to s') = \prod_i \frac{e^{\beta s'_i \varphi_i(s)}}{2\cosh \beta\varphi_i(s)}
               = \frac{e^{\beta W(s', s)}}{\prod_i 2\cosh\beta\varphi_i(s)},\qquad
    W(s', s) = s' \cdot \varphi(s),

with the normalised field ``φ = u / N^{n−1}`` (``u`` the dominant-rule field of
:meth:`DenseMemory.fields`, self term removed). Since every ``P > 0``, the chain obeys detailed
balance for some distribution π (at every β) exactly when its antisymmetric part is a gradient,
``A(a, b) = W(b, a) − W(a, b) = f(a) − f(b)`` (Kolmogorov's criterion on triangles). The
**triangle affinity** through a reference state ``0``,

.. math::

    R(a, b) = A(a, b) + A(b, 0) + A(0, a)
            = \frac{1}{\beta}\log\frac{P(a\to b)\,P(b\to 0)\,P(0\to a)}
                                  {P(a\to 0)\,P(0\to b)\,P(b\to a)},

vanishes for all ``a, b`` if and only if detailed balance holds. ``R`` is computed in exact
integer arithmetic.

- **n = 2** (Hopfield): ``W(s', s) = s'ᵀ J s / N`` with symmetric J and zero diagonal, so
  ``R ≡ 0`` and the stationary law is Peretto's ``π(s) ∝ Π_i cosh βφ_i(s)``. At β = ∞ the
  Goles–Little theorem follows: every attractor is a fixed point or a 2-cycle.
- **n ≥ 3**: ``W(s', s) = Σ_μ (ξ^μ·s')(ξ^μ·s)^{n−1}/N^{n−1}`` (up to the self terms) is not
  symmetric, ``R ≠ 0``, the stationary state carries a probability current (entropy
  production > 0), and deterministic recall has attractors of period 3, 4, 6, 7, … .

What it means for the theory: the stationary state of parallel recall at n ≥ 3 is not a
Gibbs distribution of any energy, so the equilibrium (replica) fixed-point equations, whose
capacities are 0.252 (RS) and 0.266 (1RSB), describe a different process (asynchronous,
energy-descending dynamics) from the parallel one; fixed points ``s = sgn u(s)`` are shared by
both, but their basins, the long cycles and hence a *dynamical* capacity need not be. This is
why Mimura et al. (ICLR 2026) solve the dynamics by the generating functional rather than by
equilibrium statistical mechanics; see ``docs/dam.md``, "Detailed balance".

Everything here enumerates all ``2^N`` states, so ``N ≤`` :data:`MAX_ENUMERATION_SIZE`.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Int, Int8

from .._checks import check_real
from ._dynamics import _sgn_keep
from ._model import DenseMemory

__all__ = [
    "MAX_ENUMERATION_SIZE",
    "state_space",
    "coupling_matrix",
    "balance_residual",
    "transition_matrix",
    "DetailedBalance",
    "detailed_balance",
    "attractor_periods",
]

MAX_ENUMERATION_SIZE = 12
"""The largest N whose ``2^N × 2^N`` transition matrix the enumeration builds (16 M entries)."""


def _check_model(model: DenseMemory) -> None:
    if not isinstance(model, DenseMemory):
        raise ValueError(f"model must be a jaxhop.dam.DenseMemory; got {type(model).__name__}")
    if model.size > MAX_ENUMERATION_SIZE:
        raise ValueError(
            f"model.size must be <= {MAX_ENUMERATION_SIZE} to enumerate all 2^N states; "
            f"got N = {model.size}"
        )
    if model.separation != "power":
        raise ValueError(f"model.separation must be 'power'; got {model.separation!r}")


def state_space(size: int) -> Int8[Array, "n states"]:
    """All ``2^N`` states as columns: column ``k`` has ``s_i = +1`` where bit ``N − 1 − i`` of
    ``k`` is set (state 0 is all −1)."""
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 16:
        raise ValueError(f"size must be an integer in [1, 16]; got {size!r}")
    k = jnp.arange(2**size, dtype=jnp.int32)
    bits = (k[None, :] >> (size - 1 - jnp.arange(size, dtype=jnp.int32))[:, None]) & 1
    return (2 * bits - 1).astype(jnp.int8)


def _state_index(s: Int8[Array, "n batch"]) -> Int[Array, " batch"]:
    size = s.shape[0]
    weights = 2 ** (size - 1 - jnp.arange(size, dtype=jnp.int32))
    return jnp.sum((s > 0).astype(jnp.int32) * weights[:, None], axis=0)


@eqx.filter_jit
def _fields_and_weights(model):
    # the fields u(s_a) of every state (columns) and W[a, b] = s_b · u(s_a), in one pass
    states = state_space(model.size)
    u = model.fields(states)  # (n, states): u[:, a] = u(s_a)
    weights = jax.lax.dot_general(
        u.astype(jnp.int32), states.astype(jnp.int32), (((0,), (0,)), ((), ()))
    )
    return u, weights


def coupling_matrix(model: DenseMemory) -> Int[Array, "states states"]:
    """``W[a, b] = s_b · u(s_a)``: the exact integer log-weight (times ``N^{n−1}/β``) of the
    parallel transition ``s_a → s_b`` (row: from, column: to)."""
    _check_model(model)
    return _fields_and_weights(model)[1]


def _triangles(weights):
    antisym = weights - weights.T
    return antisym + antisym[:, 0][None, :] + antisym[0, :][:, None]


def balance_residual(model: DenseMemory) -> Int[Array, "states states"]:
    """The triangle affinities ``N^{n−1} R(a, b)`` (exact integers, see the module docstring):
    identically zero if and only if the stochastic parallel dynamics obeys detailed balance.
    ``R(a, b) = A(a, b) + A(b, 0) + A(0, a)`` with ``A(a, b) = W[a, b] − W[b, a]``; multiply by
    ``β / N^{n−1}`` for the log-ratio of the two directions round the triangle."""
    return _triangles(coupling_matrix(model))


def _host_transition(model, beta: float, u, weights) -> np.ndarray:
    # float64 on the host whatever JAX's precision: π spans tens of orders of magnitude at
    # moderate β, which a float32 linear solve gets wrong by O(1)
    scale = float(model.size) ** (model.order - 1)
    weights = np.asarray(weights, np.float64)
    u = np.asarray(u, np.float64) / scale
    log_norm = np.sum(np.logaddexp(beta * u, -beta * u), axis=0)  # Σ_i log 2cosh βφ_i
    return np.exp(beta * weights / scale - log_norm[:, None])


def transition_matrix(model: DenseMemory, beta: float) -> np.ndarray:
    """``P[a, b] = P(s_a → s_b)`` of the heat-bath parallel dynamics at inverse temperature
    `beta` (> 0, finite), in float64 (NumPy, on the host); rows sum to 1."""
    _check_model(model)
    check_real("beta", beta, lo=0.0, lo_open=True)
    return _host_transition(model, float(beta), *_fields_and_weights(model))


class DetailedBalance(eqx.Module):
    """What :func:`detailed_balance` measures (final; float64 NumPy values).

    **Fields:** `residual` max ``|R(a, b)|`` (the largest triangle affinity, in units of
    ``1/β``; 0 exactly under detailed balance), `entropy_production` the stationary entropy
    production per step ``½ Σ (π_a P_ab − π_b P_ba) log(π_a P_ab / π_b P_ba)`` (≥ 0; 0 under
    detailed balance), `current` the largest stationary probability current
    ``max |π_a P_ab − π_b P_ba|``, `stationary` π, `beta`.
    """

    residual: float
    entropy_production: float
    current: float
    stationary: np.ndarray
    beta: float


def detailed_balance(model: DenseMemory, beta: float = 1.0) -> DetailedBalance:
    """Measure how far the heat-bath parallel dynamics of `model` (``N ≤ 12``) is from
    detailed balance at inverse temperature `beta` (> 0; up to about ``700 N^{n−2}/M`` before
    the smallest transition probabilities underflow float64): the exact triangle affinities,
    the stationary law π (solved from ``π P = π`` in float64), its largest probability
    current and its entropy production. See the module docstring for the equations."""
    _check_model(model)
    check_real("beta", beta, lo=0.0, lo_open=True)
    beta = float(beta)
    u, weights = _fields_and_weights(model)
    p = _host_transition(model, beta, u, weights)
    states = p.shape[0]
    # π (Pᵀ − I) = 0 with Σ π = 1: the last equation replaced by the normalisation
    system = p.T - np.eye(states)
    system[-1] = 1.0
    rhs = np.zeros(states)
    rhs[-1] = 1.0
    pi = np.linalg.solve(system, rhs)
    flow = pi[:, None] * p
    current = flow - flow.T
    tiny = np.finfo(np.float64).tiny
    ratio = np.log(np.maximum(flow, tiny)) - np.log(np.maximum(flow.T, tiny))
    scale = float(model.size) ** (model.order - 1)
    residual = np.asarray(_triangles(weights))
    return DetailedBalance(
        residual=float(np.max(np.abs(residual))) / scale,
        entropy_production=float(0.5 * np.sum(current * ratio)),
        current=float(np.max(np.abs(current))),
        stationary=pi,
        beta=beta,
    )


@eqx.filter_jit
def attractor_periods(model: DenseMemory) -> Int[Array, " states"]:
    """For every start state (the columns of :func:`state_space`), the period of the attractor
    that deterministic parallel recall (:func:`jaxhop.dam.parallel_step`, ties keep the spin)
    reaches: 1 for a fixed point, 2 for a 2-cycle, … . Exact: the map is tabulated on all
    ``2^N`` states, every state is carried onto its attractor by ``2^N`` steps (repeated
    squaring), and the period is the first return time there."""
    _check_model(model)
    states = state_space(model.size)
    successor = _state_index(_sgn_keep(model.fields(states), states))
    count = states.shape[1]
    # after 2^N ≥ (transient length) steps every state sits on its cycle
    on_cycle = jax.lax.fori_loop(0, model.size, lambda _, f: f[f], successor)

    def body(carry):
        period, image, open_ = carry
        image = successor[image]
        period = period + open_.astype(period.dtype)
        return period, image, open_ & (image != on_cycle)

    period0 = jnp.ones(count, jnp.int32)
    image0 = successor[on_cycle]
    open0 = image0 != on_cycle
    period, _, _ = jax.lax.while_loop(lambda c: jnp.any(c[2]), body, (period0, image0, open0))
    return period
