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
  ``L`` of K is added once ``C(t, ·)`` is known (a triangular solve: incremental Cholesky).
  The normals of step t come from ``fold_in(key, t)``, all drawn before the loop;
- G pathwise: when the field producing h(s+1) has conditional mean μ and standard deviation
  ``L(s,s)`` given the past, the density of the field at zero is ``w_s = φ(μ/L(s,s))/L(s,s)``;
  pinning it at zero fixes ``z(s) = −μ/L(s,s)``. Two copies of the path continue from there with
  ``h(s+1) = ±1`` under the same later noise; ``G(t,s) = E[w_s (h⁺(t) − h⁻(t))]``. This is the
  exact first-order response (a pathwise Malliavin-type estimator), for every lag (even lags
  included; they come out ≈ 0 as the theory says).
- Cost ``O(T² P)`` bits of memory (each path's and copy's history packed 32 steps to a
  ``uint32`` word), ``O(T³ P)`` work (bit selects in registers, one pass over the words per
  step). Step i needs only the copies branched at s ≤ i and the times r ≤ i, so the steps
  run in a few segments of growing width (:func:`_segment_widths`): about half the work of
  the full square.

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


WORD_BITS = 32
"""Path histories are stored as bits, ``WORD_BITS`` time steps per ``uint32`` word."""


def _num_words(steps: int) -> int:
    return (steps + 1 + WORD_BITS - 1) // WORD_BITS  # bits for times 0 … steps


def _bit(words, r: int):
    """Bit ``r`` (a static time) of packed histories ``(words, …)``: 1 where h(r) = +1."""
    return (words[r // WORD_BITS] >> jnp.uint32(r % WORD_BITS)) & jnp.uint32(1)


def _bits(words, n: int):
    """Bits for times ``0 … n−1`` of packed histories ``(words, P)``, as ``(n, P)`` (0/1)."""
    per_time = jnp.repeat(words, WORD_BITS, axis=0)[:n]  # word r // 32 for time r
    return (per_time >> (jnp.arange(n, dtype=jnp.uint32) % WORD_BITS)[:, None]) & jnp.uint32(1)


def _bit_at(words, i):
    """Bit ``i`` (a traced time) of packed histories ``(words, …)``."""
    word = jax.lax.dynamic_index_in_dim(words, i // WORD_BITS, axis=0, keepdims=False)
    return (word >> (i % WORD_BITS).astype(jnp.uint32)) & jnp.uint32(1)


def _with_bit(words, i, bit):
    """``words`` with bit ``i`` (traced) OR-ed with ``bit`` (0/1, shape ``words`` less the
    leading word axis). Elementwise, so XLA updates the history in place: no slice is
    written. (The word axis leads so that every history shares one layout with its update:
    a word axis next to the paths made XLA copy the copies' history twice per step.)"""
    shifted = bit.astype(jnp.uint32)[None] << (i % WORD_BITS).astype(jnp.uint32)
    if words.shape[0] == 1:
        return words | shifted
    word_ids = jnp.arange(words.shape[0]).reshape((-1,) + (1,) * bit.ndim)
    return words | jnp.where(word_ids == i // WORD_BITS, shifted, jnp.uint32(0))


def _response(W, branch_bits):
    """``G(t, s) = E[w_s (h⁺(t) − h⁻(t))]`` for every branch time s, from the density weights
    ``W`` (T, P) and the copies' bits at time t (T, 2, P): h⁺ − h⁻ is 0 or ±2.

    (Written as a select, not as ``W · (h⁺ − h⁻)`` in floats, so that XLA fuses it into the
    reduction instead of materialising the float differences: ≈ 3× faster. The sum over
    paths runs in two stages, blocks of up to 1024 lanes first: XLA's CPU backend then keeps
    the select in the first stage's loop; one flat sum materialised it (≈ 1.5× slower).)"""
    plus, minus = branch_bits[:, 0], branch_bits[:, 1]
    terms = jnp.where(plus == minus, 0.0, jnp.where(plus != 0, W, -W))
    paths = W.shape[-1]
    lanes = math.gcd(paths, 1024)
    partial = jnp.sum(terms.reshape(terms.shape[0], paths // lanes, lanes), axis=2)
    return 2 * jnp.sum(partial, axis=1) / paths


def _signed_sum(words, coeffs, dtype):
    """``Σ_r coeffs[r] h(r)`` over the packed histories ``(…, words, P)``, h(r) = ±1 from bit r.

    Written out as one select-and-add per time (one fused elementwise loop that reads each
    history word once and keeps the bits in registers). The int8 layout it replaced read
    ``T`` int8 slabs and rewrote a slab of the ``(T, 2, T + 1, P)`` history every step
    (XLA copied that buffer twice per step around the slice updates): 3× slower at T = 20,
    P = 2^16 (``benchmarks/README.md``)."""
    acc = jnp.where(_bit(words, 0) != 0, coeffs[0], -coeffs[0]).astype(dtype)
    for r in range(1, coeffs.shape[0]):
        acc = acc + jnp.where(_bit(words, r) != 0, coeffs[r], -coeffs[r])
    return acc


def _step(p: _Params, state, t, key):
    """Step i of a segment of width ``w`` (``i < w``): the copies' arrays hold the copies
    s < w (s > i are not branched yet, so they are zeros), and the retarded sums run over the
    times r < w (Γ(i, r) = 0 for r ≥ i). Only the small (T, T) matrices are full size."""
    Hw, Cw, B, Z, D, W, L, G, Gam, m = (state[k] for k in "Hw Cw B Z D W L G Gam m".split())
    T = p.steps
    width = D.shape[0]
    dtype = m.dtype
    paths = Hw.shape[-1]
    i = t.astype(jnp.arange(1).dtype)
    # C(i, s) = 1 − 2·(fraction of paths where h(i) ≠ h(s)), zero for s > i (exact counts)
    h_i = _bit_at(Hw, i)
    disagree = jnp.sum(_bits(Hw, width) ^ h_i[None, :], axis=1, dtype=jnp.int32)
    disagree = jnp.pad(disagree, (0, T - width))
    c_row = jnp.where(jnp.arange(T) <= i, (paths - 2 * disagree).astype(dtype) / paths, 0.0)
    below = jnp.arange(T) < i
    k_row = jnp.where(jnp.arange(T) <= i, p.alpha * _poly(p.noise, c_row), 0.0)
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
    g_row = jnp.where(below, jnp.pad(_response(W, B), (0, T - width)), 0.0)
    G = G.at[i].set(g_row)
    gam_row = jnp.where(below, p.alpha * _poly(p.response, c_row) * g_row, 0.0)
    Gam = Gam.at[i].set(gam_row)
    gam_w, l_w = gam_row[:width], l_row[:width]  # zero from i on: the segment's times suffice
    signal = m[i] ** (p.order - 1)
    # main paths
    noise_past = l_row @ Z  # all T rows: a slice of the normals would be recomputed
    mean = signal + noise_past + _signed_sum(Hw, gam_w, dtype)
    z = Z[i]  # drawn before the loop (see _solve): read, not recomputed per copy
    h_next = mean + l_ii * z > 0
    # frozen column (l_ii = 0): the field is deterministic given the past, density 0 a.s.
    safe = jnp.where(l_ii > 0, l_ii, 1.0)
    u = mean / safe
    density = jnp.exp(-0.5 * u * u) / (math.sqrt(2 * math.pi) * safe)
    W = W.at[i].set(jnp.where(l_ii > 0, density, 0.0))
    # copies branched at s < i: same noise except the pinned z(s). D is updated first, so
    # that XLA writes its row in place (its row i meets l_row[i] = 0 in noise_c).
    D = D.at[i].set(jnp.where(l_ii > 0, -u, 0.0) - z)  # pinned minus drawn z(i)
    noise_c = noise_past[None, :] + l_w[:, None] * D  # (width, P)
    field_c = signal + noise_c[:, None, :] + _signed_sum(Cw, gam_w, dtype) + l_ii * z[None, None]
    # copy s = i branches now: the main history up to i, then h(i+1) = +1 (b = 0), −1 (b = 1)
    s_idx = jnp.arange(width)[:, None, None]
    plus = jnp.asarray([1, 0], jnp.uint32)[None, :, None]
    Cw = jnp.where(s_idx == i, Hw[:, None, None, :], Cw)
    bit_c = jnp.where(s_idx < i, (field_c > 0).astype(jnp.uint32), plus)
    Cw = jnp.where(s_idx <= i, _with_bit(Cw, i + 1, bit_c), Cw)
    # the copies' newest bits, read back from the words once: the response of the next step
    # then reads one byte per copy, not a word (and XLA does not recompute the fields for it)
    B = _bit_at(Cw, i + 1).astype(jnp.uint8)
    Hw = _with_bit(Hw, i + 1, h_next)
    m = m.at[i + 1].set(jnp.mean(jnp.where(h_next, 1.0, -1.0).astype(dtype)))
    return dict(Hw=Hw, Cw=Cw, B=B, Z=Z, D=D, W=W, L=L, G=G, Gam=Gam, m=m)


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
    `load` outside it give NaN in every field. Memory is about
    ``(26 + 16 ⌈(steps + 1)/32⌉) · steps · paths`` bytes (float arrays per step and path, and
    the bit-packed histories of the paths and their copies): see :func:`effective_process_bytes`.
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
    result = _solve(params, m0, key, paths, _SEGMENTS)
    return jax.tree_util.tree_map(lambda x: nan_unless(valid, x), result)


def effective_process_bytes(steps: int, paths: int) -> int:
    """Estimated peak bytes of :func:`effective_process`: the bit-packed histories of the
    paths and their ``2 steps`` copies (``4 ⌈(steps + 1)/32⌉ (2 steps + 1) paths``, held twice
    while a step rewrites them), the copies' newest bits (``2 steps paths``), three float
    ``(steps, paths)`` arrays and four ``(steps + 1)²`` matrices (float64 counted, the larger
    case)."""
    t, p = int(steps), int(paths)
    packed = 4 * _num_words(t) * (2 * t + 1) * p
    return 2 * packed + 2 * t * p + 3 * 8 * t * p + 4 * 8 * (t + 1) ** 2


def _segment_widths(steps: int, segments: int) -> tuple[int, ...]:
    """Widths of the time segments the solver runs (increasing, the last is ``steps``).

    Step i touches only the copies branched at s ≤ i and the times r ≤ i: a triangle of the
    T × T square. Static shapes cannot follow i, so the steps run as ``segments`` scans, the
    one ending at step b on arrays of width b (zeros padded in between). Three equal segments
    do ≈ 51 % of the square's work at T = 20; the results do not depend on the count (test)."""
    count = min(steps, segments)
    return tuple(-(-steps * (k + 1) // count) for k in range(count))


_SEGMENTS = 3
"""Segments of :func:`_segment_widths`. Measured at T = 20, 2¹⁶ paths (2-core AMD EPYC):
1 → 120 ms (compile 1.5 s), 2 → 104 ms (1.9 s), 3 → 92 ms (3.1 s), 4 → 92 ms (4.1 s),
5 → 83 ms (4.2 s); each segment compiles its own step."""


def _widen(state, width):
    """Pad the copies' arrays (branch time s on axis 0, on axis 1 for the words ``Cw``)
    with zeros to ``width`` copies."""

    def pad(x, axis):
        widths = [(0, 0)] * x.ndim
        widths[axis] = (0, width - x.shape[axis])
        return jnp.pad(x, widths)

    return dict(state, Cw=pad(state["Cw"], 1), **{k: pad(state[k], 0) for k in ("B", "D", "W")})


@eqx.filter_jit
def _solve(params, m0, key, paths, segments):
    T = params.steps
    dtype = m0.dtype
    words = _num_words(T)
    # stratified h(0): exactly round(P (1 + m0)/2) paths start at +1 (mean m0 up to 1/P)
    plus = jnp.round(paths * (1 + m0) / 2)
    up0 = jnp.arange(paths, dtype=dtype) < plus
    # step i's normals, from the key the engine would hand step i (fold_in(key, i))
    normals = jax.vmap(
        lambda i: jax.random.normal(fast_key(jax.random.fold_in(key, i)), (paths,), dtype)
    )(jnp.arange(T))
    state = dict(
        Z=normals,
        Hw=jnp.zeros((words, paths), jnp.uint32).at[0].set(up0.astype(jnp.uint32)),
        Cw=jnp.zeros((words, 0, 2, paths), jnp.uint32),
        B=jnp.zeros((0, 2, paths), jnp.uint8),
        D=jnp.zeros((0, paths), dtype),
        W=jnp.zeros((0, paths), dtype),
        L=jnp.zeros((T, T), dtype),
        G=jnp.zeros((T + 1, T), dtype),
        Gam=jnp.zeros((T, T), dtype),
        m=jnp.zeros((T + 1,), dtype).at[0].set(jnp.mean(jnp.where(up0, 1.0, -1.0))),
    )
    start = 0  # copies, density weights and pinned normals grow with the segments
    for width in _segment_widths(T, segments):
        state = _widen(state, width)
        state = integrate(
            _step, params, state, num_steps=width - start, t0=float(start), dt=1.0
        ).final
        start = width
    final = state
    hf = _bits(final["Hw"], T + 1).astype(dtype) * 2 - 1
    corr = hf @ hf.T / paths
    response = final["G"].at[T].set(_response(final["W"], final["B"]))
    return EffectiveProcess(final["m"], corr, response, final["Gam"])
