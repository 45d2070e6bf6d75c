r"""Monte-Carlo solver of the single-site effective process (solver ours).

The single-site process is that of Mimura et al. (ICLR 2026; arXiv 2506.00851); the form of Γ
used here is our cavity derivation (:mod:`jaxhop.dam._theory`, ``docs/dam.md``).

The process (gauge frame, ``h(t) = ξ_i s_i(t)``):

.. math::  h(t+1) = \mathrm{sgn}\Big(m(t)^{n−1} + v(t) + \sum_{s<t} Γ(t,s)\, h(s)\Big),

``⟨v(t)v(s)⟩ = K(t,s) = α Σ_k a_k C(t,s)^k`` (:func:`noise_coefficients`),
``Γ(t,s) = α D(C(t,s)) G(t,s)`` (:func:`response_coefficients`), with the self-consistent
``m(t) = ⟨h(t)⟩``, ``C(t,s) = ⟨h(t)h(s)⟩`` and response ``G(t,s) = ∂⟨h(t)⟩/∂θ(s)`` to a field
θ(s) added inside the sgn producing h(s+1).

Algorithm (all of it causal, one time step per engine step, ``P`` paths at once):

- noise: ``v(t) = Σ_{s≤t} L(t,s) z(s)``, ``z`` i.i.d. N(0,1); row t of the Cholesky factor
  ``L`` of K is added once ``C(t, ·)`` is known (a triangular solve: incremental Cholesky);
- G pathwise: when the field producing h(s+1) has conditional mean μ and standard deviation
  ``L(s,s)`` given the past, the density of the field at zero is ``w_s = φ(μ/L(s,s))/L(s,s)``;
  pinning it at zero fixes ``z(s) = −μ/L(s,s)``. Two copies of the path continue from there with
  ``h(s+1) = ±1`` under the same later noise; ``G(t,s) = E[w_s (h⁺(t) − h⁻(t))]``. This is the
  exact first-order response (a pathwise Malliavin-type estimator), for every lag (even lags
  included; they come out ≈ 0 as the theory says).
- Cost ``O(T² P)`` memory (copies stored as int8), ``O(T³ P)`` work.

Included: all lags of Γ, non-Gaussian (sign) statistics of h, the full C(t,s) dependence of
the noise. Not included: O(1/N) corrections; n = 2 (classic Hopfield), whose noise depends on
the overlaps through the full generating functional, is rejected.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from .._checks import check_real, nan_unless
from .._integrate import integrate
from .._random import fast_key
from ._dynamics import kappa
from ._theory import noise_coefficients, response_coefficients

__all__ = ["EffectiveProcess", "effective_process", "effective_process_bytes"]


class EffectiveProcess(eqx.Module):
    """Result of :func:`effective_process`: ``m`` (T+1,), ``correlation`` C (T+1, T+1),
    ``response`` G (T+1, T) (``G[t, s]``), ``gamma`` Γ (T, T) (``Γ[t, s]``, s < t)."""

    m: Float[Array, " t1"]
    correlation: Float[Array, "t1 t1"]
    response: Float[Array, "t1 t"]
    gamma: Float[Array, "t t"]


class _Params(eqx.Module):
    alpha: Float[Array, ""]
    noise: Float[Array, " k"]
    response: Float[Array, " j"]
    order: int = eqx.field(static=True)
    steps: int = eqx.field(static=True)


def _poly(coeffs, c):
    out = jnp.zeros_like(c)
    for k in range(coeffs.shape[0] - 1, -1, -1):
        out = out * c + coeffs[k]
    return out


def _sgn(x):
    return jnp.where(x > 0, 1, -1).astype(jnp.int8)


UNROLL_MAX_STEPS = 64
"""Up to this many steps the copies' retarded sum over r is written out term by term."""


def _retarded(gam_row, Hc, T, dtype):
    """``Σ_r Γ(i, r) Hc[s, b, r, :]`` for every copy (s, b): (T, 2, P).

    Written out as T scaled int8 slabs added up (one fused elementwise loop that reads the
    int8 histories once, converting on the fly) for ``T ≤`` :data:`UNROLL_MAX_STEPS`: on CPU
    the ``einsum`` contracting the middle axis converts and transposes the histories to
    float32 first, ≈ 30–45× slower at T = 20, P = 2^16 (``benchmarks/README.md``)."""
    if T > UNROLL_MAX_STEPS:
        return jnp.einsum("r,sbrp->sbp", gam_row, Hc[:, :, :T].astype(dtype))
    acc = gam_row[0] * Hc[:, :, 0].astype(dtype)
    for r in range(1, T):
        acc = acc + gam_row[r] * Hc[:, :, r].astype(dtype)
    return acc


def _step(p: _Params, state, t, key):
    H, Hc, Z, Zpin, W, L, G, Gam, m = (state[k] for k in "H Hc Z Zpin W L G Gam m".split())
    T = p.steps
    dtype = m.dtype
    i = t.astype(jnp.arange(1).dtype)
    hf = H.astype(dtype)
    c_row = jnp.mean(hf * hf[i][None, :], axis=1)  # C(i, s), zero for s > i
    below = jnp.arange(T) < i
    k_row = jnp.where(jnp.arange(T) <= i, p.alpha * _poly(p.noise, c_row[:T]), 0.0)
    # incremental Cholesky: L[i, :i] solves L[:i, :i] l = K[i, :i]. A column whose pivot is
    # below `tol` (the new noise variance is < tol² of the total: the paths have frozen and K is
    # singular to working precision) carries no new noise: it is dropped, not divided by ~0.
    tol = 1e-2 if dtype == jnp.float32 else 1e-5
    diag = jnp.diagonal(L)
    live = diag > tol * jnp.sqrt(k_row[i] + 1e-30)
    rows_done = (jnp.arange(T) < i)[:, None]
    l_fix = jnp.where(rows_done & live[None, :], L, jnp.eye(T, dtype=dtype))
    rhs = jnp.where(below & live, k_row, 0.0)
    l_row = jax.scipy.linalg.solve_triangular(l_fix, rhs, lower=True)
    l_row = jnp.where(below & live, l_row, 0.0)
    residual = k_row[i] - jnp.sum(l_row**2)
    l_ii = jnp.where(residual > (tol**2) * k_row[i], jnp.sqrt(jnp.maximum(residual, 0.0)), 0.0)
    L = L.at[i].set(l_row.at[i].set(l_ii))
    # response and retarded self-interaction from the copies
    diff = (Hc[:, 0, i] - Hc[:, 1, i]).astype(dtype)  # (T, P): copy branched at s, time i
    g_row = jnp.where(below, jnp.mean(W * diff, axis=1), 0.0)
    G = G.at[i].set(g_row)
    gam_row = jnp.where(below, p.alpha * _poly(p.response, c_row[:T]) * g_row, 0.0)
    Gam = Gam.at[i].set(gam_row)
    signal = m[i] ** (p.order - 1)
    # main paths
    noise_past = l_row @ Z
    mean = signal + noise_past + gam_row @ hf[:T]
    z = jax.random.normal(fast_key(key), mean.shape, dtype)
    H = H.at[i + 1].set(_sgn(mean + l_ii * z))
    # frozen column (l_ii = 0): the field is deterministic given the past, density 0 a.s.
    safe = jnp.where(l_ii > 0, l_ii, 1.0)
    u = mean / safe
    density = jnp.exp(-0.5 * u * u) / (math.sqrt(2 * math.pi) * safe)
    W = W.at[i].set(jnp.where(l_ii > 0, density, 0.0))
    Zpin = Zpin.at[i].set(jnp.where(l_ii > 0, -u, 0.0))
    Z = Z.at[i].set(z)
    # copies branched at s < i: same noise except the pinned z(s)
    noise_c = noise_past[None, :] + l_row[:, None] * (Zpin - Z)  # (T, P); uses new Zpin/Z rows
    retard_c = _retarded(gam_row, Hc, T, dtype)
    new_c = _sgn(signal + noise_c[:, None, :] + retard_c + l_ii * z[None, None, :])
    s_idx = jnp.arange(T)[:, None, None]
    plus_minus = jnp.asarray([1, -1], jnp.int8)[None, :, None]
    row = jnp.where(s_idx < i, new_c, jnp.where(s_idx == i, plus_minus, Hc[:, :, i + 1]))
    Hc = Hc.at[:, :, i + 1].set(row)
    history = jnp.where((jnp.arange(T + 1) <= i)[None, :, None], H[None], Hc[i])
    Hc = Hc.at[i].set(history)
    m = m.at[i + 1].set(jnp.mean(H[i + 1].astype(dtype)))
    return dict(H=H, Hc=Hc, Z=Z, Zpin=Zpin, W=W, L=L, G=G, Gam=Gam, m=m)


def effective_process(
    m0: float | Float[Array, ""],
    load: float | Float[Array, ""],
    order: int,
    steps: int,
    *,
    key: PRNGKeyArray,
    paths: int = 2**15,
    variant: str = "krotov",
) -> EffectiveProcess:
    """Solve the effective process for ``steps`` parallel steps by Monte Carlo over `paths`
    sample paths (α' = `load`; float64 when ``jax_enable_x64`` is on).

    Domain: ``m0 ∈ [−1, 1]``, finite ``load > 0``, integer ``order ≥ 3``, integers
    ``steps, paths ≥ 1``; concrete arguments outside it raise ``ValueError``, traced `m0` or
    `load` outside it give NaN in every field. Memory grows as ``2 steps² paths`` bytes (the
    int8 path histories): see :func:`effective_process_bytes`.
    """
    kappa(order, variant)
    if order < 3:
        raise ValueError("order must be >= 3: n = 2 needs the full GFA (not implemented)")
    for name, value in (("steps", steps), ("paths", paths)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    check_real("m0", m0, lo=-1, hi=1)
    check_real("load", load, lo=0, lo_open=True)
    dtype = jnp.result_type(float)
    m0 = jnp.asarray(m0, dtype)
    load = jnp.asarray(load, dtype)
    valid = jnp.isfinite(load) & (load > 0) & (jnp.abs(m0) <= 1)
    m0, load = jnp.where(valid, m0, 0.0), jnp.where(valid, load, 1.0)
    params = _Params(
        jnp.asarray(load, dtype) / kappa(order, variant),
        jnp.asarray(noise_coefficients(order, variant), dtype),
        jnp.asarray(response_coefficients(order, variant), dtype),
        order,
        steps,
    )
    result = _solve(params, m0, key, paths)
    return jax.tree_util.tree_map(lambda x: nan_unless(valid, x), result)


def effective_process_bytes(steps: int, paths: int) -> int:
    """Estimated peak bytes of :func:`effective_process`: the int8 histories ``H`` and ``Hc``
    (``(2 steps + 1)(steps + 1) paths``), three float path arrays and four
    ``(steps + 1)²`` matrices (float64 counted, the larger case)."""
    t, p = int(steps), int(paths)
    return (2 * t + 1) * (t + 1) * p + 3 * 8 * t * p + 4 * 8 * (t + 1) ** 2


@eqx.filter_jit
def _solve(params, m0, key, paths):
    T = params.steps
    dtype = m0.dtype
    k_run = key
    # stratified h(0): exactly round(P (1 + m0)/2) paths start at +1 (mean m0 up to 1/P)
    plus = jnp.round(paths * (1 + m0) / 2)
    h0 = jnp.where(jnp.arange(paths, dtype=dtype) < plus, 1, -1)
    H = jnp.zeros((T + 1, paths), jnp.int8).at[0].set(h0.astype(jnp.int8))
    state = dict(
        H=H,
        Hc=jnp.zeros((T, 2, T + 1, paths), jnp.int8),
        Z=jnp.zeros((T, paths), dtype),
        Zpin=jnp.zeros((T, paths), dtype),
        W=jnp.zeros((T, paths), dtype),
        L=jnp.zeros((T, T), dtype),
        G=jnp.zeros((T + 1, T), dtype),
        Gam=jnp.zeros((T, T), dtype),
        m=jnp.zeros((T + 1,), dtype).at[0].set(jnp.mean(h0.astype(dtype))),
    )
    final = integrate(_step, params, state, num_steps=T, dt=1.0, key=k_run).final
    hf = final["H"].astype(dtype)
    corr = hf @ hf.T / paths
    diff = (final["Hc"][:, 0, T] - final["Hc"][:, 1, T]).astype(dtype)
    last = jnp.mean(final["W"] * diff, axis=1)
    response = final["G"].at[T].set(last)
    return EffectiveProcess(final["m"], corr, response, final["Gam"])
