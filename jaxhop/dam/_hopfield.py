r"""Full generating-functional effective process of parallel Hopfield recall, n = 2.

The process is the paper-independent classic of the generating-functional analysis (Düring,
Coolen & Sherrington, J. Phys. A 31, 8607 (1998); Coolen, *Handbook of Biological Physics* 4
(2001), ch. "Statistical mechanics of recurrent neural networks II: dynamics"); the Monte-Carlo
solver and the response estimator are ours. For ``s ← sgn(Jx)``, ``J = ξᵀξ/N`` (no self
coupling), ``α = M/N`` (``α' = α`` at n = 2, ``κ_2 = 1``), in the gauge frame ``σ = ξ¹ s``:

.. math::  σ(t+1) = \mathrm{sgn}\Big(m(t) + α \sum_{s<t} R(t,s)\, σ(s) + \sqrt{α}\, φ(t)\Big),

.. math::  R = G(1 − G)^{-1},\qquad ⟨φ φ^T⟩ = Q = (1 − G)^{-1} C (1 − G^T)^{-1},

with the self-consistent ``m(t) = ⟨σ(t)⟩``, ``C(t,s) = ⟨σ(t)σ(s)⟩`` and the response
``G(t,s) = ∂⟨σ(t)⟩/∂θ(s)`` to a field θ(s) added to the argument of the sgn producing
σ(s+1) (G strictly lower triangular). Unlike n ≥ 3 (:mod:`jaxhop.dam._effective`, whose noise
variance is ``α Σ_k a_k C(t,t)^k = α κ_n`` at every t), the diagonal ``α Q(t,t)`` depends on
the recall through G and C: this is what lets an n = 2 run recall at first and then collapse.

Estimator of G (Gaussian integration by parts, Novikov): the noise is ``φ = L z`` with L the
Cholesky factor of Q and z i.i.d. N(0,1), and θ(u) enters where ``√α φ(u)`` does, so
``E[σ(t) z(v)] = E[∂σ(t)/∂z(v)] = √α Σ_u L(u,v) G(t,u)``, i.e.
``G(t, ·) = L^{-T} E[σ(t) z] / √α`` — one mean over the paths per row, no copies. A Cholesky
column whose pivot falls below a tolerance (frozen paths, Q singular to working precision)
carries no noise and its response is set to zero. Cost ``O(T P)`` memory, ``O(T² P)`` work.

Exact checks (``tests/test_dam_order2.py``): ``m(1) = erf(m0/√(2α))``, and the second step
equals the closed form with ``G(1,0) = 2 e^{−m0²/(2α)}/√(2πα)``, ``Q(1,1) = 1 + 2 G(1,0) m0 m1
+ G(1,0)²`` (the two-step result of Gardner, Derrida & Mottishaw 1987).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Bool, Float, PRNGKeyArray

from .._checks import check_real, nan_unless

__all__ = ["HopfieldProcess", "hopfield_process", "recall_then_collapse"]


class HopfieldProcess(eqx.Module):
    """Result of :func:`hopfield_process`: ``m`` (T+1,), ``correlation`` C (T+1, T+1),
    ``response`` G (T+1, T+1) (``G[t, s]``, s < t), ``kernel`` R = G(1−G)⁻¹ (T+1, T+1) and
    ``noise`` the field-noise covariance ``α Q`` (T, T) of h(0) … h(T−1)."""

    m: Float[Array, " t1"]
    correlation: Float[Array, "t1 t1"]
    response: Float[Array, "t1 t1"]
    kernel: Float[Array, "t1 t1"]
    noise: Float[Array, "t t"]


def _algebra(G, C):
    """``(R, Q) = (G(1−G)⁻¹, (1−G)⁻¹ C (1−G)⁻ᵀ)`` for strictly lower-triangular G."""
    eye = jnp.eye(G.shape[0], dtype=G.dtype)
    A = jax.scipy.linalg.solve_triangular(eye - G, eye, lower=True)
    return G @ A, A @ C @ A.T


def _sgn(x):
    return jnp.where(x > 0, 1.0, -1.0).astype(x.dtype)


@eqx.filter_jit
def _solve(alpha, m0, key, paths: int, steps: int):
    T = steps
    dtype = m0.dtype
    plus = jnp.round(paths * (1 + m0) / 2)
    s0 = jnp.where(jnp.arange(paths, dtype=dtype) < plus, 1.0, -1.0).astype(dtype)
    S = jnp.zeros((T + 1, paths), dtype).at[0].set(s0)
    Z = jnp.zeros((T, paths), dtype)
    L = jnp.zeros((T, T), dtype)
    G = jnp.zeros((T + 1, T + 1), dtype)
    tol = 1e-2 if dtype == jnp.float32 else 1e-5
    keys = jax.random.split(key, T)
    sq = jnp.sqrt(alpha)

    def body(i, carry):
        S, Z, L, G = carry
        upto = jnp.arange(T + 1) <= i
        mask2 = upto[:, None] & upto[None, :]
        C = jnp.where(mask2, S @ S.T / paths, 0.0)
        R, Q = _algebra(jnp.where(mask2, G, 0.0), C)
        q_row = jnp.where(upto[:T], Q[i, :T], 0.0)
        below = jnp.arange(T) < i
        diag = jnp.diagonal(L)
        live = diag > tol * jnp.sqrt(q_row[i] + 1e-30)
        done = below[:, None] & live[None, :]
        l_fix = jnp.where(done, L, jnp.eye(T, dtype=dtype))
        rhs = jnp.where(below & live, q_row, 0.0)
        l_row = jnp.where(
            below & live, jax.scipy.linalg.solve_triangular(l_fix, rhs, lower=True), 0.0
        )
        res = q_row[i] - jnp.sum(l_row**2)
        l_ii = jnp.where(res > tol**2 * q_row[i], jnp.sqrt(jnp.maximum(res, 0.0)), 0.0)
        l_row = l_row.at[i].set(l_ii)
        L = L.at[i].set(l_row)
        z = jax.random.normal(keys[i], (paths,), dtype)
        Z = Z.at[i].set(z)
        m_i = jnp.mean(S[i])
        retard = jnp.where(jnp.arange(T + 1) < i, R[i], 0.0) @ S
        field = m_i + alpha * retard + sq * (l_row @ Z)
        s_new = _sgn(field)
        S = S.at[i + 1].set(s_new)
        # Novikov: G(i+1, ·) = L^{-T} E[σ(i+1) z] / √α over the live columns v ≤ i
        upto_t = jnp.arange(T) <= i
        live_t = jnp.diagonal(L) > 0
        e = jnp.where(upto_t & live_t, Z @ s_new / paths, 0.0)
        lt = jnp.where(
            (upto_t[:, None] & upto_t[None, :]) & live_t[None, :], L, jnp.eye(T, dtype=dtype)
        )
        g = jax.scipy.linalg.solve_triangular(lt.T, e, lower=False) / sq
        g = jnp.where(upto_t & live_t, g, 0.0)
        G = G.at[i + 1, :T].set(g)
        return S, Z, L, G

    S, Z, L, G = jax.lax.fori_loop(0, T, body, (S, Z, L, G))
    C = S @ S.T / paths
    R, Q = _algebra(G, C)
    return HopfieldProcess(jnp.mean(S, axis=1), C, G, R, alpha * Q[:T, :T])


def hopfield_process(
    m0: float | Float[Array, ""],
    load: float | Float[Array, ""],
    steps: int,
    *,
    key: PRNGKeyArray,
    paths: int = 2**15,
) -> HopfieldProcess:
    """Solve the n = 2 effective process (module docstring) for `steps` parallel steps by Monte
    Carlo over `paths` sample paths, ``α = load = M/N`` (float64 when ``jax_enable_x64``).

    Domain: ``m0 ∈ [−1, 1]``, finite ``load > 0``, integers ``steps, paths ≥ 1``; concrete
    arguments outside it raise ``ValueError``, traced `m0` or `load` give NaN in every field.
    Memory ``(2 steps + 1) paths`` floats.
    """
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
    result = _solve(load, m0, key, paths, steps)
    return jax.tree_util.tree_map(lambda x: nan_unless(valid, x), result)


def recall_then_collapse(
    m: Float[ArrayLike, "*batch t"], threshold: float = 0.8, low: float | None = None
) -> Bool[Array, "*batch"]:
    """True where an overlap trace ``m[..., t]`` first rises to ``≥ threshold`` and later falls
    to ``< low`` (default ``low = threshold``, strictly after the rise); NumPy or JAX arrays."""
    low = threshold if low is None else low
    m = jnp.asarray(m)
    above = m >= threshold
    t = jnp.broadcast_to(jnp.arange(m.shape[-1]), m.shape)
    first = jnp.min(jnp.where(above, t, m.shape[-1]), axis=-1)
    later = (t > first[..., None]) & (m < low)
    return jnp.any(later, axis=-1)
