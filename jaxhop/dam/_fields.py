r"""Field kernels of the dense associative memory (ours; ``docs/dam.md``).

For B trials sharing one pattern set (the columns of ``s``) the field is

.. math::  u = Ξ E(x) − s ⊙ Σ_μ O(x_μ), \qquad x = Ξᵀ s,

with E, O the even and odd parts of the rule polynomial (:mod:`jaxhop.dam._poly`). Patterns are
streamed in blocks of ``block_size`` columns by a ``lax.scan`` inside one call; trials run along
the rows of every product (``x_b = sᵀ Ξ_b``, ``uᵀ += E(x_b) Ξ_bᵀ``), which contracts over the
contiguous axis of the int8 pattern rows (XLA's CPU GEMMs run markedly faster this way round).

Exactness (ours), per block, for ``F = x^n``:

1. ``x = sᵀ Ξ_b``: int8 × int8 → int32 ``dot_general`` — exact (``|x| ≤ N``).
2. ``e = E(x)``, ``o = O(x)`` by Horner in int32 (int64 with ``jax_enable_x64``); the model's
   constructor checks that ``Σ_k |c_k| N^k`` fits.
3. ``Ξ_b e`` in float32 when every partial sum is certified below 2^24 (``Σ_μ |e_μ| < 2^23``
   per trial, checked per block); otherwise ``e`` is split into ``k`` balanced base-256 digits
   (int8, stacked along the trial axis) and ``Ξ_b D`` is one more int8 × int8 → int32 GEMM whose
   digit sums ``|g_k| ≤ 128 M < 2^31`` are exact.
4. ``u = Σ_k 256^k g_k − s ⊙ Σ_μ O(x_μ)`` in two's-complement int32 (exact modulo 2^32, hence
   exact while ``|u| < 2^31``); the same sum is formed in float32, and a trial with any
   ``|u_i| ≥ 2^30`` is *overflowed*. With ``with_overflow=True`` the per-trial flag is returned
   (the recall loop carries it and reports that trial's overlaps as NaN: no host callback, so
   the program stays in JAX's persistent compilation cache); otherwise ``eqx.error_if`` raises.
   With ``jax_enable_x64`` the combination is int64 and nothing overflows.

Incremental overlaps (ours; after the first steps few spins flip): given
the overlaps ``x'`` of an earlier state ``s'`` and the sites where ``s`` differs from it,
``x = x' + Ξᵀ (s − s')`` touches only those rows of Ξ — one int8 GEMM as deep as their count
rounded up to a multiple of :data:`SHIFT_CHUNK`, instead of the ``N``-deep overlap GEMM
(:class:`OverlapShift`).
Integer arithmetic throughout, so the overlaps, and the fields, are the same bits either way.

With ``F = exp`` the field is a float sum with a running maximum subtracted (a positive common
factor per trial), not exact.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import DTypeLike
from jaxtyping import Array, Bool, Int, Int8

from ._poly import poly_bound

__all__ = ["acc_dtype", "overlap_dtype", "OverlapShift", "power_fields", "exp_fields"]

DIGIT_BASE = 256
SHIFT_CHUNK = 128  # overlap shifts are GEMMs of depth 128, 256, … over the changed sites
# shift while at most this fraction of the sites changed: on the 2-core CPU a shift of half the
# sites costs ~0.8 of the N-deep overlap GEMM, break-even near 0.6 (benchmarks/README.md)
SHIFT_MAX_FRACTION = 0.5
_GUARD = float(2**30)
OVERFLOW_MESSAGE = "DAM field beyond int32 exactness (|u| >= 2^30): enable jax_enable_x64"
_F32_EXACT = float(2**23)  # Σ|e| below this (float32-summed): every partial sum < 2^24


def acc_dtype() -> DTypeLike:
    """int64 when ``jax_enable_x64`` is on, else int32."""
    return jnp.int64 if jax.config.jax_enable_x64 else jnp.int32


def overlap_dtype(size: int) -> DTypeLike:
    """Storage type of kept overlaps ``x = Ξᵀ s`` (``|x| ≤ N``): int16 below 2^15 units."""
    return jnp.int16 if size < 2**15 else jnp.int32


def dot_int(a, b, lhs_contract: int, rhs_contract: int = 0):
    """Integer ``dot_general`` of int8 operands, accumulated exactly in int32."""
    return jax.lax.dot_general(
        a, b, (((lhs_contract,), (rhs_contract,)), ((), ())), preferred_element_type=jnp.int32
    )


def horner(coeffs: list[int], x):
    """``Σ_k c_k x^k`` (coefficients lowest first), in the dtype of `x`."""
    out = jnp.full_like(x, coeffs[-1])
    for c in reversed(coeffs[:-1]):
        out = out * x + jnp.asarray(c, x.dtype)
    return out


def num_digits(bound: int) -> int:
    """Balanced base-256 digits needed for integers up to `bound` in magnitude."""
    k = 1
    while 127 * (DIGIT_BASE**k - 1) // (DIGIT_BASE - 1) < bound:
        k += 1
    return k


def _digits(e, k: int):
    out = []
    for _ in range(k):
        d = ((e + 128) & 255) - 128
        out.append(d.astype(jnp.int8))
        e = (e - d) >> 8
    return jnp.concatenate(out, axis=0)  # (k·B, block): digit j of trial b at row j·B + b


class OverlapShift(eqx.Module):
    """The overlaps of an earlier state, and where the state has changed since.

    `previous`: ``x' = Ξᵀ s'`` per block, ``(blocks, B, block_size)``; `sites`: the changed
    sites first (``count`` of them), padded to the multiple of :data:`SHIFT_CHUNK` that holds
    :data:`SHIFT_MAX_FRACTION` of all sites; `change`: ``(s − s')`` at those sites,
    ``(B, len(sites))`` int8, zero past ``count``; `use`: whether to
    shift at all — only when `previous` is known and at most :data:`SHIFT_MAX_FRACTION` of the
    sites changed (else the overlaps are computed from ``s`` and `previous` is ignored).
    """

    previous: Int[Array, "blocks batch block"]
    change: Int8[Array, "batch sites"]
    sites: Int[Array, " sites"]
    count: Int[Array, ""]
    use: Bool[Array, ""]

    @classmethod
    def between(
        cls,
        previous: Int[Array, "blocks batch block"],
        s: Int[Array, "n batch"],
        s_prev: Int[Array, "n batch"],
        known: Bool[Array, ""],
    ) -> OverlapShift:
        """The shift from `s_prev` (overlaps `previous`, valid if `known`) to `s`, both
        ``(N, B)``."""
        size = s.shape[0]
        limit = int(SHIFT_MAX_FRACTION * size)
        padded = max(1, -(-limit // SHIFT_CHUNK)) * SHIFT_CHUNK
        change = (s - s_prev).T  # (B, N), entries in {−2, 0, 2}
        changed = jnp.any(change != 0, axis=0)
        count = jnp.sum(changed)
        (sites,) = jnp.nonzero(changed, size=padded, fill_value=0)
        live = jnp.arange(padded) < count
        change = jnp.where(live[None, :], change[:, sites], jnp.zeros((), change.dtype))
        use = known & (count <= limit)
        return cls(previous, change, sites.astype(jnp.int32), count, use)

    def shifted(self, xi: Array, previous_block: Array) -> Array:
        """``x'_b + Δ Ξ_b[sites]``: one int8 GEMM over the changed sites, their count rounded
        up to a multiple of :data:`SHIFT_CHUNK` (one branch per multiple)."""
        depths = range(SHIFT_CHUNK, self.sites.shape[0] + 1, SHIFT_CHUNK)

        def with_depth(depth):
            def branch(_):
                rows = xi[self.sites[:depth]]
                return previous_block.astype(jnp.int32) + dot_int(self.change[:, :depth], rows, 1)

            return branch

        index = jnp.maximum(self.count - 1, 0) // SHIFT_CHUNK
        return jax.lax.switch(index, [with_depth(d) for d in depths], None)


def power_fields(
    model: eqx.Module,
    s: Int[Array, "n batch"],
    shift: OverlapShift | None = None,
    emit_overlaps: bool = False,
    with_overflow: bool = False,
) -> Array | tuple[Array, ...]:
    """The exact field for ``F = x^n`` (see the module docstring), ``(N, B)``; with
    `emit_overlaps` also the overlaps of `s` per block (``(blocks, B, block_size)``, for a later
    :class:`OverlapShift`). With `shift`, the overlaps come from an earlier state's. With
    `with_overflow` also, last, the per-trial flag ``(B,)`` of a field beyond int32 exactness
    (always False with x64) instead of raising."""
    even, odd = model.coefficients
    acc = acc_dtype()
    k = num_digits(poly_bound(even, model.size))
    batch = s.shape[1]
    scales = np.asarray([DIGIT_BASE**j for j in range(k)])
    s_t = s.T

    def float_path(xi, e):
        # exact: every partial sum of ξ·e is an integer below Σ|e| < 2^24 (checked)
        out = jax.lax.dot_general(  # E(x) Ξ_bᵀ: contract over the block axis of both
            e.astype(jnp.float32),
            xi.astype(jnp.float32),
            (((1,), (1,)), ((), ())),
            precision=jax.lax.Precision.HIGHEST,  # true float32 (no TF32/bf16 passes on GPU)
        )
        return out.astype(acc), out

    def digit_path(xi, e):
        g = dot_int(_digits(e, k), xi, 1, 1)
        g = g.reshape(k, batch, model.size)
        exact = jnp.sum(g.astype(acc) * jnp.asarray(scales.astype(np.int64), acc)[:, None, None], 0)
        approx = jnp.sum(g.astype(jnp.float32) * jnp.asarray(scales, jnp.float32)[:, None, None], 0)
        return exact, approx

    def fresh(xi, _):
        return dot_int(s_t, xi, 1)  # (B, block)

    def body(carry, inputs):
        u, u_f, so, so_f = carry
        b, previous_block = inputs
        xi = model.pattern_block(b)
        if shift is None:
            x = fresh(xi, None)
        else:
            x = jax.lax.cond(
                shift.use, lambda xi, x: shift.shifted(xi, x), fresh, xi, previous_block
            )
        valid = model._valid(b)
        x_acc = x.astype(acc)
        e = horner(even, x_acc)
        o = jnp.where(valid[None, :], horner(odd, x_acc), jnp.zeros_like(x_acc))
        certified = jnp.all(jnp.sum(jnp.abs(e.astype(jnp.float32)), axis=1) < _F32_EXACT)
        part, part_f = jax.lax.cond(certified, float_path, digit_path, xi, e)
        so = so + jnp.sum(o, axis=1)
        so_f = so_f + jnp.sum(o.astype(jnp.float32), axis=1)
        kept = x.astype(overlap_dtype(model.size)) if emit_overlaps else None
        return (u + part, u_f + part_f, so, so_f), kept

    init = (
        jnp.zeros((batch, model.size), acc),
        jnp.zeros((batch, model.size), jnp.float32),
        jnp.zeros((batch,), acc),
        jnp.zeros((batch,), jnp.float32),
    )
    blocks = jnp.arange(model.num_blocks)
    previous = None if shift is None else shift.previous
    (u, u_f, so, so_f), overlaps = jax.lax.scan(body, init, (blocks, previous))
    u = u - s_t.astype(acc) * so[:, None]
    if acc == jnp.int32:
        approx = u_f - s_t.astype(jnp.float32) * so_f[:, None]
        overflow = jnp.any(jnp.abs(approx) >= _GUARD, axis=1)
    else:
        overflow = jnp.zeros((batch,), bool)
    if not with_overflow and acc == jnp.int32:
        u = eqx.error_if(u, jnp.any(overflow), OVERFLOW_MESSAGE)
    out = (u.T, overlaps) if emit_overlaps else (u.T,)
    if with_overflow:
        out = (*out, overflow)
    return out if len(out) > 1 else out[0]


def exp_fields(model: eqx.Module, s: Int[Array, "n batch"]) -> Array:
    """The field for ``F = exp`` (float, with a running maximum subtracted), ``(N, B)``."""
    dtype = jnp.result_type(float)
    batch = s.shape[1]

    def body(carry, b):
        g, so, mx = carry
        xi = model.pattern_block(b)
        valid = model._valid(b)
        x = jnp.where(valid[:, None], dot_int(xi, s, 0).astype(dtype), -jnp.inf)
        new = jnp.maximum(mx, jnp.max(x, axis=0))
        rescale = jnp.exp(mx - new)
        w = jnp.exp(x - new[None, :])  # e^{x − max}: a positive common factor per trial
        g = g * rescale[None, :] + xi.astype(dtype) @ w * jnp.cosh(jnp.asarray(1.0, dtype))
        so = so * rescale + jnp.sum(w, axis=0) * jnp.sinh(jnp.asarray(1.0, dtype))
        return (g, so, new), None

    init = (
        jnp.zeros((model.size, batch), dtype),
        jnp.zeros((batch,), dtype),
        jnp.full((batch,), -jnp.inf, dtype),
    )
    (g, so, _), _ = jax.lax.scan(body, init, jnp.arange(model.num_blocks))
    return g - s.astype(dtype) * so[None, :]
