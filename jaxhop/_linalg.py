r"""The largest eigenvalue of many small symmetric matrices, vectorised across the batch.

A batch of ``K × K`` symmetric matrices (K ≲ 16) through ``jnp.linalg.eigh`` is, on CPU, one
LAPACK ``syevd`` call per matrix behind a custom call: microseconds each, however small the
matrix, and nothing XLA can fuse or vectorise across the batch (5,400 (7 × 7) problems: 26–30
ms of LAPACK on the project's CPU). Here the batch is the *last* axis, so every step
is elementwise code (or a reduction over K) on vectors as wide as the batch, which XLA fuses
and vectorises (ours; the methods are the classical ones, Golub & Van Loan,
*Matrix Computations*, §8.3 and §8.4):

1. **Householder tridiagonalisation** (on ``(K, K, batch)`` arrays),
   ``Q_{K−2}ᵀ ⋯ Q_1ᵀ A Q_1 ⋯ Q_{K−2} = T``, each ``Q = I − β v vᵀ`` zeroing one column below
   the subdiagonal (``A ← A − v wᵀ − w vᵀ`` with ``p = β A v``, ``w = p − (β vᵀp / 2) v``).
   T has A's eigenvalues.
2. **Bisection on the Sturm count.** The number of eigenvalues of T below x is the number of
   negative pivots of ``T − x I = L D Lᵀ``: ``d_1 = a_1 − x``, ``d_i = a_i − x − b_{i−1}²/d_{i−1}``.
   Halving ``[lo, hi]`` (Gershgorin's upper bound, and `lower` or Gershgorin's lower bound) a
   fixed number of times — the significand's bits plus two (26 in float32, 55 in float64) —
   brackets ``λ_max`` to the dtype's rounding whatever its multiplicity (no convergence test:
   no data-dependent control flow in the batch).
   The pivot recurrence is backward stable on a tridiagonal matrix (Kahan; Demmel, *Applied
   Numerical Linear Algebra*, §5.3.4).

Derivatives: the bisection itself has none worth having, so :func:`top_eigenvalue` carries a
custom JVP, ``dλ = vᵀ dA v`` with v the top unit eigenvector (Hellmann–Feynman), computed by
``jnp.linalg.eigh`` only when a derivative is asked for.

Speed against LAPACK on such a batch: ``benchmarks/README.md``.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jaxtyping import Array, Float

__all__ = ["top_eigenvalue", "psd_factor", "psd_factor_entries"]


def _tridiagonal(a: Array) -> tuple[list, list]:
    """Householder reduction of symmetric matrices stored batch last, ``(K, K, B)``; returns
    the tridiagonals' diagonal and sub-diagonal entries (lists of ``(B,)`` vectors). Array
    operations over the K axes (a handful per column, so compiling stays quick at K = 10-16);
    every operation is elementwise or a short reduction along the batch's vector width."""
    k = a.shape[0]
    for col in range(k - 2):
        x = a[col + 1 :, col]  # (m, B): the column below the diagonal
        norm2 = jnp.sum(x * x, axis=0)
        norm = jnp.sqrt(norm2)
        alpha = jnp.where(x[0] >= 0, -norm, norm)  # the sign that avoids cancellation in v
        v = x.at[0].add(-alpha)
        vv = norm2 - 2 * alpha * x[0] + alpha * alpha  # |x − α e_1|²
        ok = vv > 0  # x = 0: nothing to reflect
        beta = jnp.where(ok, 2 / jnp.where(ok, vv, 1), 0)
        block = a[col + 1 :, col + 1 :]  # (m, m, B)
        p = beta[None] * jnp.sum(block * v[None], axis=1)
        w = p - (0.5 * beta * jnp.sum(v * p, axis=0))[None] * v
        block = block - v[:, None] * w[None] - w[:, None] * v[None]
        column = jnp.zeros_like(x).at[0].set(jnp.where(ok, alpha, x[0]))
        a = a.at[col + 1 :, col + 1 :].set(block)
        a = a.at[col + 1 :, col].set(column).at[col, col + 1 :].set(column)
    return [a[i, i] for i in range(k)], [a[i + 1, i] for i in range(k - 1)]


def _top_of_tridiagonal(diag: list, off: list, lower) -> Array:
    """``max(lower, λ_max)`` of the tridiagonal ``(diag, off)`` by bisection (module doc);
    ``lower=None``: plain ``λ_max``."""
    k = len(diag)
    dtype = diag[0].dtype
    radius = [jnp.zeros_like(diag[0]) for _ in range(k)]
    for i, b in enumerate(off):
        radius[i] = radius[i] + jnp.abs(b)
        radius[i + 1] = radius[i + 1] + jnp.abs(b)
    hi = diag[0] + radius[0]
    lo = diag[0] - radius[0]
    for i in range(1, k):
        hi = jnp.maximum(hi, diag[i] + radius[i])
        lo = jnp.minimum(lo, diag[i] - radius[i])
    if lower is not None:
        lo = jnp.full_like(hi, lower)
        hi = jnp.maximum(hi, lo)
    off2 = [b * b for b in off]
    tiny = jnp.finfo(dtype).tiny

    def any_above(x):  # fewer than k eigenvalues below x
        d = diag[0] - x
        count = (d < 0).astype(jnp.int32)
        for i in range(1, k):
            d = jnp.where(jnp.abs(d) < tiny, -tiny, d)  # a zero pivot: the limit from below
            d = (diag[i] - x) - off2[i - 1] / d
            count = count + (d < 0).astype(jnp.int32)
        return count < k

    def halve(_, bounds):
        lo, hi = bounds
        mid = 0.5 * (lo + hi)
        up = any_above(mid)
        return jnp.where(up, mid, lo), jnp.where(up, hi, mid)

    steps = jnp.finfo(dtype).nmant + 3
    lo, hi = jax.lax.fori_loop(0, steps, halve, (lo, hi))
    top = 0.5 * (lo + hi)
    if lower is not None:
        top = jnp.where(any_above(jnp.full_like(top, lower)), top, lower)
    return top


@partial(jax.custom_jvp, nondiff_argnums=(1,))
def _top(a, lower):  # `lower`: a Python float or None
    k = a.shape[-1]
    lead = a.shape[:-2]
    flat = a.reshape(-1, k, k)
    batch_last = jnp.transpose(0.5 * (flat + jnp.swapaxes(flat, 1, 2)), (1, 2, 0))
    diag, off = _tridiagonal(batch_last)
    return _top_of_tridiagonal(diag, off, lower).reshape(lead)


@_top.defjvp
def _top_jvp(lower, primals, tangents):
    (a,) = primals
    (da,) = tangents
    top = _top(a, lower)
    sym = 0.5 * (a + jnp.swapaxes(a, -1, -2))
    _, vectors = jnp.linalg.eigh(sym)
    v = vectors[..., -1]
    dsym = 0.5 * (da + jnp.swapaxes(da, -1, -2))
    dtop = jnp.einsum("...i,...ij,...j->...", v, dsym, v)
    if lower is not None:
        dtop = jnp.where(top > lower, dtop, 0)
    return top, dtop


# eager callers get one compiled program instead of thousands of dispatched operations
_top_jit = jax.jit(_top, static_argnums=1)


def top_eigenvalue(
    a: Float[Array, "*batch k k"], lower: float | None = None
) -> Float[Array, " *batch"]:
    """``λ_max`` of the symmetric part of each ``K × K`` matrix of `a`, or ``max(lower,
    λ_max)``; by Householder tridiagonalisation and bisection (module doc), vectorised over the
    batch. Accurate to the dtype's rounding relative to the spectrum's spread (Gershgorin
    radius), as LAPACK's ``syevd``. Differentiable (custom JVP).

    Pass the whole batch in one call: the batch is the vector width of every step.
    """
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"a must be (..., K, K), got shape {a.shape}")
    if a.shape[-1] == 1:
        top = a[..., 0, 0]
        return top if lower is None else jnp.maximum(top, lower)
    return _top_jit(a, lower)


def psd_factor_entries(g: list) -> list:
    """:func:`psd_factor` on entries: ``g[i][j]`` (symmetric, scalars or vectors over a batch)
    → ``low[i][j]`` for ``j ≤ i`` (``None`` above the diagonal)."""
    k = len(g)
    scale = g[0][0]
    for i in range(1, k):
        scale = jnp.maximum(scale, g[i][i])
    tol = 4 * k * jnp.finfo(jnp.result_type(scale)).eps * scale
    low = [[None] * k for _ in range(k)]
    for j in range(k):
        pivot = g[j][j] - sum(low[j][m] * low[j][m] for m in range(j))
        keep = pivot > tol
        root = jnp.sqrt(jnp.where(keep, pivot, 1))
        low[j][j] = jnp.where(keep, root, 0)
        inverse = jnp.where(keep, 1 / root, 0)
        for i in range(j + 1, k):
            low[i][j] = (g[i][j] - sum(low[i][m] * low[j][m] for m in range(j))) * inverse
    return low


def psd_factor(g: Float[Array, "k k"]) -> Float[Array, "k k"]:
    """A lower-triangular ``L`` with ``L Lᵀ = G`` for a symmetric positive *semi*-definite
    ``G`` (one matrix; ``vmap`` over a batch): Cholesky, with each pivot at or below
    ``4 K ε max_i G_ii`` (rounding noise of a zero eigenvalue) taken as 0 and its column
    dropped, so a singular G gives a factor instead of NaN. Eigenvalues of ``G^{1/2} C G^{1/2}``
    are those of the symmetric ``Lᵀ C L`` (the two are similar), with no square root of G.
    """
    k = g.shape[0]
    g = 0.5 * (g + g.T)
    low = psd_factor_entries([[g[i, j] for j in range(k)] for i in range(k)])
    zero = jnp.zeros((), g.dtype)
    rows = [jnp.stack([low[i][j] if j <= i else zero for j in range(k)]) for i in range(k)]
    return jnp.stack(rows)
