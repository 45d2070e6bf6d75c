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

__all__ = ["top_eigenvalue", "psd_factor", "psd_columns"]


def _total(terms):
    # a sum in a fixed order: the same bits whatever XLA's reduction tiling
    out = terms[0]
    for term in terms[1:]:
        out = out + term
    return out


def _tridiagonal(a: Array) -> tuple[list, list]:
    """Householder reduction of symmetric matrices stored batch last, ``(K, K, B)``; returns
    the tridiagonals' diagonal and sub-diagonal entries (lists of ``(B,)`` vectors).

    One ``fori_loop`` iteration per column, on the whole ``K × K`` block with masks. The loop
    is for correctness, not speed: XLA may compute a value of straight-line code in several
    fusions, each rounded its own way (FMA contraction), and a reflector built from two
    copies of a small column — whose *direction* is decided by its rounding — is no longer
    orthogonal (wrong eigenvalues by 10-15 % at saturated phase-diagram cells, reproduced on
    an AVX2 CPU only when the matrices were built in the same program). A loop's carry is
    one buffer, so every decision and every direction of a step is taken from the same bits.
    (``lax.optimization_barrier`` does not do this on CPU: XLA removes it before fusion.)"""
    k = a.shape[0]
    rows = jnp.arange(k)
    # a column with |x| ≤ ε |A|_F is rounding noise: left alone (an error of ε |A|, backward
    # stable) rather than reflected onto a direction that is itself noise
    fro2 = _total([_total([a[i, j] * a[i, j] for j in range(k)]) for i in range(k)])
    floor = jnp.finfo(a.dtype).eps ** 2 * fro2

    def reflect_column(col, a):
        below = (rows > col)[:, None]  # the column's entries below the diagonal, (K, 1)
        first = (rows == col + 1)[:, None]
        # row `col` (a contiguous slice) for column `col`: A stays symmetric to rounding
        x = jnp.where(below, jax.lax.dynamic_index_in_dim(a, col, 0, keepdims=False), 0)
        x0 = _total([jnp.where(first[i, 0], x[i], 0) for i in range(k)])
        norm2 = _total([x[i] * x[i] for i in range(k)])
        alpha = jnp.where(x0 >= 0, -1, 1) * jnp.sqrt(norm2)  # the sign that avoids cancellation
        vv = norm2 - 2 * alpha * x0 + alpha * alpha  # |x − α e_1|²
        ok = norm2 > floor  # x negligible: nothing to reflect
        # the unit vector u = v/|v| (H = I − 2uuᵀ, zero above row col + 1): with v itself and
        # β = 2/|v|², a short v makes β A v and (β vᵀp/2) v huge and their difference noise
        scale = jnp.where(ok, jax.lax.rsqrt(jnp.where(ok, vv, 1)), 0)
        u = (x - jnp.where(first, alpha[None], 0)) * scale[None]
        p = 2 * _total([a[:, j] * u[j][None] for j in range(k)])
        w = p - _total([u[i] * p[i] for i in range(k)])[None] * u
        # H A H on the whole block: column `col` becomes (…, α, 0, …, 0) up to rounding,
        # which later steps never read (they reflect columns > col, and the result is
        # read from the tridiagonal band only)
        return a - u[:, None] * w[None] - w[:, None] * u[None]

    a = jax.lax.fori_loop(0, k - 2, reflect_column, a)
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


def psd_columns(g: Float[Array, "k k"]) -> tuple[Float[Array, "k k"], Int[Array, " k"]]:
    """``(C, perm)`` with ``C Cᵀ = G`` and ``C[perm]`` lower triangular, for a symmetric
    positive *semi*-definite G (one matrix; ``vmap`` over a batch): :func:`psd_factor` with
    the rows left in G's order, so that no row is moved (``psd_factor`` is ``C[perm]``).

    Each step takes the largest remaining diagonal entry as the pivot (masks, no gathers)
    and stops (zero columns) once it is at or below ``4 K ε max_i G_ii``.
    """
    k = g.shape[0]
    a = 0.5 * (g + g.T)
    tol = 4 * k * jnp.finfo(a.dtype).eps * jnp.max(jnp.diagonal(a))
    index = jnp.arange(k)

    # One loop iteration per pivot, so that the pivot order and the kept pivots are decided
    # on the same bits as the values they select (a loop's carry is one buffer; straight-line
    # code may be computed in several differently rounded fusions: see `_tridiagonal`).
    def eliminate(j, carry):
        a, columns, remaining, perm = carry
        diag = jnp.where(remaining, jnp.diagonal(a), -jnp.inf)
        pivot = jnp.argmax(diag)
        is_pivot = index == pivot
        pivot_value = _total([jnp.where(is_pivot[i], a[i, i], 0) for i in range(k)])
        pivot_column = _total([jnp.where(is_pivot[i], a[:, i], 0) for i in range(k)])
        remaining = remaining & ~is_pivot
        keep = pivot_value > tol
        root = jnp.sqrt(jnp.where(keep, pivot_value, 1))
        column = jnp.where(keep & remaining, pivot_column / root, 0)
        a = a - column[:, None] * column[None, :]
        column = jnp.where(is_pivot, jnp.where(keep, root, 0), column)
        columns = jnp.where((index == j)[None, :], column[:, None], columns)
        return a, columns, remaining, jnp.where(index == j, pivot, perm)

    carry = (a, jnp.zeros_like(a), jnp.ones(k, bool), index)
    _, columns, _, perm = jax.lax.fori_loop(0, k, eliminate, carry)
    return columns, perm


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
    Computed by :func:`psd_columns`.
    """
    columns, perm = psd_columns(g)
    return columns[perm], perm
