r"""Recall dynamics of the dense associative memory (parallel updates: Mimura et al., ICLR 2026).

- Parallel (synchronous) update ``s(t+1) = sgn(u(s(t)))`` (:func:`parallel_step`), ties keep
  the current spin.
- Asynchronous sweep (:func:`async_sweep`): sites updated one at a time (random permutation
  or in order), the overlaps ``x`` refreshed after each flip; with the exact energy-difference
  rule (or the n-body rule, which is exact) the energy never increases.
- Cue: ξ¹ with each bit flipped with probability ``(1 − m0)/2`` (:func:`cue`); overlap
  ``m(t) = ξ¹·s(t)/N``.
- Load: the CLI's load is the effective ``α' = κ_n α`` (Krotov ``κ_n = (2n − 3)!!``, n-body
  ``(n − 1)!``), ``M = round(α' N^{n−1}/κ_n)`` (:func:`num_patterns`).

The time loop is the shared engine's (:func:`jaxhop.integrate`, ``dt = 1``) with the overlaps
as ``save_fn``, so trajectories of the full state are never stored.

Cycle skip (ours; exact): parallel recall is deterministic and acts on each column (trial) on
its own, so a column with ``s(t) = s(t−2)`` is on a 2-cycle, one with ``s(t) = s(t−1)`` on a
fixed point, and its future is known. :func:`recall` updates only the other columns, packed
into the smallest of a few bucket widths (``lax.switch``), and stops computing fields once
every column has settled. Runs that recall settle within a few steps, and most columns before
the slowest one; the result is identical to computing every column at every step (tested). The
same flags give the convergence time of every trial (:func:`convergence`).

Incremental overlaps (ours; few spins flip after the first steps): the overlaps ``Ξᵀ s`` of
the columns still moving are carried from step to step, and each step adds ``Ξᵀ Δs`` over only
the sites that flipped (:mod:`jaxhop.dam._fields`); integer arithmetic, so the same bits.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Bool, Float, Int8, PRNGKeyArray

from .._checks import is_traced
from .._integrate import Solution, integrate
from ._fields import (
    OVERFLOW_MESSAGE,
    OverlapShift,
    acc_dtype,
    horner,
    overlap_dtype,
    power_fields,
)
from ._model import DenseMemory

__all__ = [
    "kappa",
    "num_patterns",
    "effective_load",
    "cue",
    "overlap",
    "parallel_step",
    "async_sweep",
    "recall",
    "RecallTrace",
    "Convergence",
    "convergence",
    "trace_from_states",
]


def kappa(order: int, variant: str = "krotov") -> int:
    """``κ_n``: ``(2n − 3)!!`` for Krotov, ``(n − 1)!`` for n-body.

    It is the crosstalk variance ``Σ_k A(n−1,k) C^k`` at ``C = 1`` (:func:`noise_coefficients`).
    """
    if isinstance(order, bool) or not isinstance(order, int) or order < 2:
        raise ValueError(f"order must be an integer >= 2, got {order!r}")
    if variant == "krotov":
        return math.prod(range(2 * order - 3, 0, -2))
    if variant == "nbody":
        return math.factorial(order - 1)
    raise ValueError(f"variant must be 'krotov' or 'nbody', got {variant!r}")


def num_patterns(order: int, size: int, load: float, variant: str = "krotov") -> int:
    """``M = round(α' N^{n−1} / κ_n)`` for effective load ``α' = load`` (at least 1)."""
    if not (math.isfinite(load) and load > 0):
        raise ValueError(f"load must be a finite number > 0, got {load!r}")
    return max(1, round(load * float(size) ** (order - 1) / kappa(order, variant)))


def effective_load(order: int, size: int, patterns: int, variant: str = "krotov") -> float:
    """``α' = κ_n M / N^{n−1}``."""
    return kappa(order, variant) * patterns / float(size) ** (order - 1)


@eqx.filter_jit
def cue(
    key: PRNGKeyArray,
    pattern: Int8[Array, " n"],
    m0: Float[Array, " batch"] | Float[Array, ""] | float,
    batch: int,
) -> Int8[Array, "n batch"]:
    """``batch`` noisy copies of ``pattern``: each bit flipped w.p. ``(1 − m0)/2`` (``m0`` a
    scalar or one value per column)."""
    m0 = jnp.broadcast_to(jnp.asarray(m0, jnp.result_type(float)), (batch,))
    flip = jax.random.uniform(key, (pattern.shape[0], batch)) < (1 - m0[None, :]) / 2
    return jnp.where(flip, -pattern[:, None], pattern[:, None]).astype(jnp.int8)


@eqx.filter_jit
def overlap(pattern: Int8[Array, " n"], s: Int8[Array, "n batch"]) -> Float[Array, " batch"]:
    """``m = ξ·s / N`` per column."""
    dot = jax.lax.dot_general(
        pattern, s, (((0,), (0,)), ((), ())), preferred_element_type=jnp.int32
    )
    return dot.astype(jnp.result_type(float)) / pattern.shape[0]


def _sgn_keep(u, s):
    zero = jnp.zeros_like(u)
    return jnp.where(u > zero, 1, jnp.where(u < zero, -1, s)).astype(jnp.int8)


def _parallel_update(dam, s):
    """``sgn(u)`` for all sites and the per-trial int32-overflow flag (False for ``F = exp``)."""
    if dam.separation == "exp":
        return _sgn_keep(dam.fields(s), s), jnp.zeros(s.shape[1:], bool)
    u, overflow = power_fields(dam, s, with_overflow=True)
    return _sgn_keep(u, s), overflow


@eqx.filter_jit
def parallel_step(model: DenseMemory, s: Int8[Array, "n batch"]) -> Int8[Array, "n batch"]:
    """``s_i ← sgn(u_i)`` for all i at once (``sgn(0)`` keeps ``s_i``)."""
    return _sgn_keep(model.fields(s), s)


@eqx.filter_jit
def async_sweep(
    model: DenseMemory,
    s: Int8[Array, "n batch"],
    key: PRNGKeyArray | None = None,
) -> Int8[Array, "n batch"]:
    """One asynchronous sweep: every site once, in a random order drawn from `key` (in order
    ``0 … N−1`` when `key` is None). Materialises Ξ (use at small N·M)."""
    xi = model.all_patterns()  # (N, M)
    mask = model.pattern_mask()[:, None]
    n = model.size
    order = jnp.arange(n) if key is None else jax.random.permutation(key, n)
    x = jax.lax.dot_general(xi, s, (((0,), (0,)), ((), ())), preferred_element_type=jnp.int32)
    if model.separation == "exp":
        dtype = jnp.result_type(float)
        x = x.astype(dtype)

        def site_field(row, x, s_i):
            w = jnp.where(mask, jnp.exp(x - jnp.max(x, axis=0, keepdims=True)), 0.0)
            e = row.astype(dtype) @ w * jnp.cosh(jnp.asarray(1.0, dtype))
            return e - s_i.astype(dtype) * jnp.sum(w, 0) * jnp.sinh(jnp.asarray(1.0, dtype))
    else:
        even, odd = model.coefficients
        x = x.astype(acc_dtype())

        def site_field(row, x, s_i):
            e = jnp.sum(row.astype(x.dtype)[:, None] * horner(even, x), axis=0)
            o = jnp.where(mask, horner(odd, x), jnp.zeros_like(x))
            return e - s_i.astype(x.dtype) * jnp.sum(o, axis=0)

    def body(j, carry):
        s, x = carry
        i = order[j]
        row = xi[i]
        new = _sgn_keep(site_field(row, x, s[i]), s[i])
        delta = (new - s[i]).astype(x.dtype)
        x = x + row.astype(x.dtype)[:, None] * delta[None, :]
        return s.at[i].set(new), x

    s, _ = jax.lax.fori_loop(0, n, body, (s, x))
    return s


class RecallTrace(eqx.Module):
    """What :func:`recall` saves at each time ``t = 0 … T`` with ``observe="trace"`` (leading
    axis: time; trailing: columns).

    - `overlap`: ``m(t) = ξ¹·s(t)/N``.
    - `changed`: ``s(t) ≠ s(t−1)`` (some spin flipped in step t; False at t = 0).
    - `off_cycle`: ``s(t) ≠ s(t−2)`` — the column is not yet known to be on a fixed point or a
      2-cycle (True at t = 0, where nothing is known; ``s(−1) = s(0)``).
    """

    overlap: Float[Array, "*t batch"]
    changed: Bool[Array, "*t batch"]
    off_cycle: Bool[Array, "*t batch"]


class Convergence(eqx.Module):
    """Per-column convergence of a recall run (:func:`convergence`).

    - `time`: the first ``t`` from which the run stays on its final attractor — a fixed point
      (``s(t') = s(t)`` for all ``t' ≥ t``) or, under parallel updates, a 2-cycle
      (``s(t'+2) = s(t')``); NaN where the run had not settled by its last step.
    - `converged`: settled within the run.
    - `fixed_point`: settled on a fixed point (not a 2-cycle).
    """

    time: Float[Array, " batch"]
    converged: Bool[Array, " batch"]
    fixed_point: Bool[Array, " batch"]


def _last_true(flags):
    """Index of the last True along axis 0, −1 where there is none."""
    t = jnp.arange(flags.shape[0])[:, None]
    return jnp.max(jnp.where(flags, t, -1), axis=0)


@eqx.filter_jit
def convergence(trace: RecallTrace, *, parallel: bool = True) -> Convergence:
    """Convergence time of each column from a :class:`RecallTrace` of ``T`` steps.

    Parallel updates are deterministic, so ``s(u) = s(u−2)`` means the run is periodic with
    period ≤ 2 from ``u − 2`` on: the time is ``max(0, u* − 1)`` with ``u*`` the last step
    with ``s(u) ≠ s(u−2)``, and the run has settled iff ``s(T) = s(T−2)`` (with ``s(−1) =
    s(0)``, a one-step run has settled iff ``s(1) = s(0)``). Asynchronous sweeps
    (``parallel=False``) settle only on fixed points (a sweep without a flip): the time is the
    last step that flipped a spin, settled iff the last sweep flipped none.
    """
    dtype = trace.overlap.dtype
    fixed = ~trace.changed[-1]
    if parallel:
        converged = ~trace.off_cycle[-1]
        time = jnp.maximum(_last_true(trace.off_cycle) - 1, 0)
    else:
        converged = fixed
        time = jnp.maximum(_last_true(trace.changed), 0)
    return Convergence(
        jnp.where(converged, time.astype(dtype), jnp.nan), converged, fixed & converged
    )


def trace_from_states(pattern: Int8[Array, " n"], states: Int8[Array, "t n batch"]) -> RecallTrace:
    """The :class:`RecallTrace` of saved states ``s(0) … s(T)``."""
    before = jnp.concatenate([states[:1], states[:-1]])
    two_before = jnp.concatenate([states[:1], states[:1], states[:-2]])
    off_cycle = jnp.any(states != two_before, axis=1).at[0].set(True)
    return RecallTrace(
        jax.vmap(lambda s: overlap(pattern, s))(states),
        jnp.any(states != before, axis=1),
        off_cycle,
    )


def _column_buckets(batch: int, separation: str) -> tuple[int, ...]:
    """Widths the active columns are packed into (ascending): halvings of the batch down to
    ≥ 8 columns. Float fields (``exp``) are not bitwise independent of the batch width, so
    there the only choices are all columns or none."""
    if separation != "power":
        return (batch,)
    widths = [batch]
    while widths[-1] >= 16:
        widths.append(-(-widths[-1] // 2))
    return tuple(sorted(widths))


class _RecallState(NamedTuple):
    """What the recall loop carries: ``s(t)``, ``s(t−1)``, per column whether it is still off
    its fixed point or 2-cycle (``s(t) ≠ s(t−2)``); with the cycle skip also whether a step has
    been taken (`started`: before it, ``s(t−1)`` is only the convention ``s(−1) = s(0)``) and,
    for exact integer fields, the overlaps ``Ξᵀ s(t−1)`` per pattern block (valid, once
    started, for every column still to be updated). `overflow`, per column: a field so far went
    beyond int32 exactness (sticky; its saved overlaps are NaN from then on)."""

    s: Array
    previous: Array
    off_cycle: Array
    overflow: Array
    started: Array | None = None
    overlaps: Array | None = None


def _parallel_skipping_step(model, state, t, key):
    """Parallel step that updates only the columns whose next state is not yet known.

    The update is deterministic and acts on each column on its own, so a column with
    ``s(t) = s(t−2)`` (a 2-cycle) or ``s(t) = s(t−1)`` (a fixed point) has next state
    ``s(t−1)``. Only the other columns are updated, packed into the smallest bucket width that
    holds them (padding slots repeat the first of them); none at all once every column has
    settled. With exact integer fields the overlaps of the updated columns are carried from step
    to step and shifted by the sites that flipped in any of them
    (:class:`~jaxhop.dam._fields.OverlapShift`); on the first step, or when most sites
    flipped, they are computed afresh.
    """
    s, previous, started = state.s, state.previous, state.started
    dam = model.dam
    widths = _column_buckets(s.shape[1], dam.separation)
    moving = state.off_cycle & (jnp.any(s != previous, axis=0) | ~started)
    count = jnp.sum(moving)
    incremental = state.overlaps is not None

    def settled(_):
        return previous, state.overlaps, state.overflow

    def update(width):
        def branch(_):
            full = width == s.shape[1]
            if full:
                columns = None
                s_w, prev_w = s, previous
            else:
                (columns,) = jnp.nonzero(moving, size=width, fill_value=-1)
                columns = jnp.where(columns < 0, columns[0], columns)
                s_w, prev_w = s[:, columns], previous[:, columns]
            if not incremental:
                (new_w, over_w), overlaps = _parallel_update(dam, s_w), None
            else:
                kept = state.overlaps if full else state.overlaps[:, columns]
                shift = OverlapShift.between(kept, s_w, prev_w, started)
                u, x_w, over_w = power_fields(
                    dam, s_w, shift, emit_overlaps=True, with_overflow=True
                )
                new_w = _sgn_keep(u, s_w)
                overlaps = x_w if full else state.overlaps.at[:, columns].set(x_w)
            if full:
                return new_w, overlaps, state.overflow | over_w
            overflow = state.overflow.at[columns].set(state.overflow[columns] | over_w)
            return previous.at[:, columns].set(new_w), overlaps, overflow

        return branch

    index = jnp.where(count == 0, 0, 1 + jnp.searchsorted(jnp.asarray(widths), count))
    branches = [settled, *(update(w) for w in widths)]
    new, overlaps, overflow = jax.lax.switch(index, branches, None)
    off_cycle = jnp.any(new != previous, axis=0)
    return _RecallState(new, s, off_cycle, overflow, jnp.ones_like(started), overlaps)


def _plain_step(model, state, t, key):
    s, previous = state.s, state.previous
    dam, update = model.dam, model.update
    if update == "parallel":
        new, overflow = _parallel_update(dam, s)
        overflow = state.overflow | overflow
    else:
        new = async_sweep(dam, s, key if update == "async_random" else None)
        overflow = state.overflow
    return _RecallState(new, s, jnp.any(new != previous, axis=0), overflow)


class _Update(eqx.Module):
    dam: DenseMemory
    update: str = eqx.field(static=True)


OBSERVATIONS = ("overlap", "state", "trace")
_STATE_OVERFLOW = "_state_overflow"  # internal: the states and the per-column overflow flags


def recall(
    model: DenseMemory,
    s0: Int8[Array, "n batch"],
    steps: int,
    *,
    update: str = "parallel",
    key: PRNGKeyArray | None = None,
    observe: str = "overlap",
    skip_cycles: bool = True,
) -> Solution:
    """Run ``steps`` updates from ``s0`` on the shared engine (``dt = 1``).

    `update`: ``"parallel"``, ``"async_random"`` (one random-order sweep per step; needs `key`)
    or ``"async_sequential"``. Saved at every step (``ys``, leading axis ``t = 0 … steps``),
    per `observe`: ``"overlap"`` the overlap ``m(t)`` with ξ¹ per column; ``"trace"`` a
    :class:`RecallTrace` (overlap and the change flags :func:`convergence` reads); ``"state"``
    the states themselves (``steps + 1`` int8 copies of ``s``). ``final`` is the last state.
    `skip_cycles` (parallel only): update only the columns not yet on a fixed point or 2-cycle
    (exact, see the module docstring).

    Exactness (parallel update, ``F = x^n``, int32 without x64): a trial whose field leaves
    int32's exact range is flagged; from that step on its saved overlaps are NaN, never a
    plausible number. Called with concrete arrays, such a run raises ``FloatingPointError``.
    """
    if update not in ("parallel", "async_random", "async_sequential"):
        raise ValueError(
            f"update must be 'parallel', 'async_random' or 'async_sequential', got {update!r}"
        )
    if observe not in (*OBSERVATIONS, _STATE_OVERFLOW):
        raise ValueError(f"observe must be one of {OBSERVATIONS}, got {observe!r}")
    if update == "async_random" and key is None:
        raise ValueError("key is required with update='async_random'")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    pattern = model.cued_pattern()

    def save_fn(state):
        s, previous, off_cycle = state.s, state.previous, state.off_cycle
        if observe == "state":
            return s
        if observe == _STATE_OVERFLOW:
            return s, state.overflow
        m = jnp.where(state.overflow, jnp.nan, overlap(pattern, s))
        if observe == "overlap":
            return m
        return RecallTrace(m, jnp.any(s != previous, axis=0), off_cycle)

    skipping = update == "parallel" and skip_cycles
    step = _parallel_skipping_step if skipping else _plain_step
    state0 = _RecallState(s0, s0, jnp.ones(s0.shape[1:], bool), jnp.zeros(s0.shape[1:], bool))
    if skipping:
        state0 = state0._replace(started=jnp.asarray(False))
    if skipping and model.separation == "power":
        shape = (model.num_blocks, s0.shape[1], model.block_size)
        state0 = state0._replace(overlaps=jnp.zeros(shape, overlap_dtype(model.size)))
    sol = integrate(
        step,
        _Update(model, update),
        state0,
        num_steps=steps,
        dt=1.0,
        key=key,
        save_every=1,
        save_fn=save_fn,
    )
    if not is_traced(sol.final.overflow) and bool(jnp.any(sol.final.overflow)):
        raise FloatingPointError(OVERFLOW_MESSAGE)
    return Solution(ts=sol.ts, ys=sol.ys, final=sol.final.s, num_steps=steps)
