r"""The largest eigenvalue of many small symmetric matrices, vectorised across the batch.

A batch of ``K × K`` symmetric matrices (K ≲ 16) through ``jnp.linalg.eigh`` is, on CPU, one
LAPACK ``syevd`` call per matrix behind a custom call: microseconds each, however small the
matrix, and nothing XLA can fuse or vectorise across the batch (5,400 (7 × 7) problems: 26–30
ms of LAPACK on the project's CPU). Here the batch is the *last* axis, so every step
is elementwise code (or a reduction over K) on vectors as wide as the batch, which XLA fuses
and vectorises (ours; the methods are the classical ones, Golub & Van Loan,
*Matrix Computations*, §8.3 and §8.4):

1. **Householder tridiagonalisation** (on ``(K, K, batch)`` arrays),
   ``Q_{K−2}ᵀ ⋯ Q_1ᵀ A Q_1 ⋯ Q_{K−2} = T``, each ``Q = I − 2 u uᵀ`` (u a unit vector) zeroing
   one column below the subdiagonal — unless that column is below ``ε‖A‖_F``, then left as it
   is — (``A ← A − u wᵀ − w uᵀ`` with ``p = 2 A u``,
   ``w = p − (uᵀp) u``). T has A's eigenvalues.
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
from jaxtyping import Array, Float, Int

__all__ = ["top_eigenvalue", "psd_factor"]


def _tridiagonal(a: Array) -> tuple[list, list]:
    """Householder reduction of symmetric matrices stored batch last, ``(K, K, B)``; returns
    the tridiagonals' diagonal and sub-diagonal entries (lists of ``(B,)`` vectors). Array
    operations over the K axes (a handful per column, so compiling stays quick at K = 10-16);
    every operation is elementwise or a short reduction along the batch's vector width."""
    k = a.shape[0]

    def total(terms):  # a sum in a fixed order: the same bits whatever XLA's reduction tiling
        out = terms[0]
        for term in terms[1:]:
            out = out + term
        return out

    # a column with |x| ≤ ε |A|_F is rounding noise: left alone (an error of ε |A|, backward
    # stable) rather than reflected onto a direction that is itself noise, which rounds
    # differently wherever XLA fuses the step (the results then moved with the program around)
    fro2 = total([total([a[i, j] * a[i, j] for j in range(k)]) for i in range(k)])
    floor = jnp.finfo(a.dtype).eps ** 2 * fro2
    for col in range(k - 2):
        m = k - col - 1
        x = a[col + 1 :, col]  # (m, B): the column below the diagonal
        norm2 = total([x[i] * x[i] for i in range(m)])
        norm = jnp.sqrt(norm2)
        alpha = jnp.where(x[0] >= 0, -norm, norm)  # the sign that avoids cancellation in v
        vv = norm2 - 2 * alpha * x[0] + alpha * alpha  # |x − α e_1|²
        ok = norm2 > floor  # x negligible: nothing to reflect
        # the unit vector u = v/|v| (H = I − 2uuᵀ): with v itself and β = 2/|v|², a short v
        # makes β A v and (β vᵀp/2) v huge, nearly equal, and their difference rounding noise
        scale = jnp.where(ok, jax.lax.rsqrt(jnp.where(ok, vv, 1)), 0)
        u = x.at[0].add(-alpha) * scale[None]
        block = a[col + 1 :, col + 1 :]  # (m, m, B)
        p = 2 * total([block[:, j] * u[j][None] for j in range(m)])
        w = p - total([u[i] * p[i] for i in range(m)])[None] * u
        block = block - u[:, None] * w[None] - w[:, None] * u[None]
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


def psd_factor(g: Float[Array, "k k"]) -> tuple[Float[Array, "k k"], Int[Array, " k"]]:
    """``(L, perm)``: lower-triangular ``L`` with ``L Lᵀ = G[perm][:, perm]`` for a symmetric
    positive *semi*-definite G (one matrix; ``vmap`` over a batch).

    Cholesky with diagonal pivoting (Golub & Van Loan §4.2.8; Higham, *Accuracy and Stability
    of Numerical Algorithms*, §10.3): each step takes the largest remaining diagonal entry as
    the pivot, and stops (zero columns) once it is at or below ``4 K ε max_i G_ii``. Then
    every remaining Schur complement entry is that small too (``|s_ij| ≤ √(s_ii s_jj)``), so
    what is dropped is rounding-sized: a singular or nearly singular G is factored stably.
    (Without pivoting a tiny pivot met early is fatal in float32: its column is rounding noise
    divided by the root of rounding noise.) Eigenvalues of ``G^{1/2} C G^{1/2}`` are those of
    the symmetric ``Lᵀ C[perm][:, perm] L`` (both are similar to ``C G``): no square root of G.
    """
    k = g.shape[0]
    a = 0.5 * (g + g.T)
    tol = 4 * k * jnp.finfo(a.dtype).eps * jnp.max(jnp.diagonal(a))
    # G computed once: decisions (pivot order, kept pivots) and values must see the same bits
    a, tol = jax.lax.optimization_barrier((a, tol))
    low = jnp.zeros_like(a)
    perm = jnp.arange(k)
    index = jnp.arange(k)
    for j in range(k):
        diag = jnp.where(index >= j, jnp.diagonal(a), -jnp.inf)
        pivot = jnp.argmax(diag)
        swap = index.at[j].set(pivot).at[pivot].set(j)  # exchange j and the pivot
        a = a[swap][:, swap]
        low = low[swap]
        perm = perm[swap]
        keep = a[j, j] > tol
        root = jnp.sqrt(jnp.where(keep, a[j, j], 1))
        column = jnp.where(keep & (index > j), a[:, j] / root, 0)
        low = low.at[:, j].set(column.at[j].set(jnp.where(keep, root, 0)))
        a = a - column[:, None] * column[None, :]
        # computed once: XLA may otherwise duplicate a step into several fusions and round
        # each copy differently (FMA contraction), so that two copies pick different pivots
        a, low, perm = jax.lax.optimization_barrier((a, low, perm))
    return low, perm
