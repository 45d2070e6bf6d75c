r"""Batched recall experiments: trials over independent pattern sets (``docs/dam.md``).

For Krotov n = 3 a third of the crosstalk is a static random field shared by all trials of
one pattern set, so trials of one set are correlated: :func:`simulate_recall` spreads the
trials over `pattern_sets` independent sets (default 10), run one after another
(``lax.map``, so memory holds one set), each set's trials and initial overlaps as the columns
of one batch (GEMMs near peak).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Bool, Float, PRNGKeyArray

from ._dynamics import _STATE_OVERFLOW, convergence, cue, num_patterns, recall, trace_from_states
from ._fields import OVERFLOW_MESSAGE, num_digits, overlap_dtype
from ._model import DenseMemory, _check_config
from ._poly import even_odd, poly_bound, rule_polynomial

__all__ = ["RecallResult", "simulate_recall", "recall_memory_bytes", "recall_summary"]

INT8_STORAGE_LIMIT = 2**30  # auto storage: keep int8 patterns up to 1 GiB per set


class RecallResult(eqx.Module):
    """What :func:`simulate_recall` returns.

    **Fields:** `m`: overlaps ``(len(m0), trials, steps + 1)``; `convergence_time`: per trial,
    the step from which it stays on its final fixed point or 2-cycle (NaN where it had not
    settled; see :func:`~jaxhop.dam.convergence`), `converged` and `fixed_point` (bool, same
    shape); `correlation`: the mean over trials of ``C(t,t') = (1/N) Σ_i s_i(t) s_i(t')``,
    ``(len(m0), steps + 1, steps + 1)``, or None when not asked for; `m0`, `load` (α'),
    `patterns` (M), `pattern_sets` and `storage` as used.
    """

    m: Float[Array, "m0s trials t1"]
    convergence_time: Float[Array, "m0s trials"]
    converged: Bool[Array, "m0s trials"]
    fixed_point: Bool[Array, "m0s trials"]
    correlation: Float[Array, "m0s t1 t1"] | None
    m0: Float[Array, " m0s"]
    load: float = eqx.field(static=True)
    patterns: int = eqx.field(static=True)
    pattern_sets: int = eqx.field(static=True)
    storage: str = eqx.field(static=True)


def recall_memory_bytes(
    order: int,
    size: int,
    patterns: int,
    batch: int,
    *,
    storage: str,
    block_size: int,
    variant: str = "krotov",
) -> int:
    """Estimated peak bytes of one pattern set's recall: stored patterns (int8 storage), one
    pattern block with its overlaps and digits, the digit sums, the states, and the overlaps
    the parallel recall carries from step to step (twice: carried and updated)."""
    even, _ = even_odd(rule_polynomial(order, variant, "dominant", size))
    digits = num_digits(poly_bound(even, size))
    stored = size * patterns if storage == "int8" else 0
    block = size * block_size * (1 + (4 if storage == "key" else 0)) + block_size * batch * (
        4 * 3 + digits
    )
    sums = 4 * size * digits * batch + 8 * size * batch
    padded = -(-patterns // block_size) * block_size
    carried = 2 * batch * padded * jnp.dtype(overlap_dtype(size)).itemsize
    return stored + block + sums + carried


def _resolve_storage(storage, size, patterns):
    if storage == "auto":
        return "int8" if size * patterns <= INT8_STORAGE_LIMIT else "key"
    return storage


def simulate_recall(
    key: PRNGKeyArray,
    *,
    order: int,
    size: int,
    load: float,
    m0: float | list[float] | Float[Array, " m0s"],
    trials: int,
    steps: int,
    variant: str = "krotov",
    rule: str = "dominant",
    pattern_sets: int = 10,
    storage: str = "auto",
    block_size: int | None = None,
    update: str = "parallel",
    correlations: bool = False,
) -> RecallResult:
    """Parallel (or asynchronous) recall of ξ¹ from cues of overlap `m0` at effective load
    `load` = α' (``M = round(α' N^{n−1}/κ_n)``), `trials` per m0 value spread over
    `pattern_sets` independent pattern sets (fewer when ``trials < pattern_sets``; trials are
    rounded up to a multiple of the number of sets).

    Every trial's convergence time is returned. `correlations=True` also returns the mean
    ``C(t,t')``; it keeps the states of one pattern set's run (``(steps + 1) · N`` int8 per
    trial) instead of streaming only overlaps and flags.
    """
    for name, value, minimum in (("trials", trials, 1), ("steps", steps, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if isinstance(pattern_sets, bool) or not isinstance(pattern_sets, int) or pattern_sets < 1:
        raise ValueError(f"pattern_sets must be an integer >= 1, got {pattern_sets!r}")
    m0s = np.atleast_1d(np.asarray(m0, np.float64))
    if m0s.ndim != 1 or not np.all((m0s >= -1) & (m0s <= 1)):
        raise ValueError(f"m0 must be in [-1, 1], got {m0!r}")
    patterns = num_patterns(order, size, load, variant)
    sets = min(pattern_sets, trials)
    per_set = -(-trials // sets)
    storage = _resolve_storage(storage, size, patterns)
    if block_size is None:
        block_size = max(32, -(-min(patterns, 2048) // 32) * 32)
    # configuration errors (order, variant, rule, sizes) surface here, before tracing
    _check_config(order, size, patterns, variant, rule, "power", block_size, storage)
    dtype = jnp.result_type(float)
    m, time, converged, fixed, corr, overflowed = _run(
        key,
        jnp.asarray(m0s, dtype),
        order=order,
        size=size,
        patterns=patterns,
        variant=variant,
        rule=rule,
        storage=storage,
        block_size=block_size,
        sets=sets,
        per_set=per_set,
        steps=steps,
        update=update,
        correlations=correlations,
    )
    if bool(overflowed):
        raise FloatingPointError(OVERFLOW_MESSAGE)
    return RecallResult(
        m,
        time,
        converged,
        fixed,
        corr,
        jnp.asarray(m0s, dtype),
        float(load),
        patterns,
        sets,
        storage,
    )


@eqx.filter_jit
def _run(
    key,
    m0s,
    *,
    order,
    size,
    patterns,
    variant,
    rule,
    storage,
    block_size,
    sets,
    per_set,
    steps,
    update,
    correlations,
):
    n_m0 = m0s.shape[0]
    column_m0 = jnp.repeat(m0s, per_set)  # (n_m0 · per_set,)

    def one_set(k):
        k_pat, k_cue, k_run = jax.random.split(jax.random.fold_in(key, k), 3)
        model = DenseMemory.random(
            k_pat,
            size,
            patterns,
            order=order,
            variant=variant,
            rule=rule,
            block_size=block_size,
            storage=storage,
        )
        s0 = cue(k_cue, model.cued_pattern(), column_m0, column_m0.shape[0])
        if correlations:
            states, over = recall(
                model, s0, steps, update=update, key=k_run, observe=_STATE_OVERFLOW
            ).ys
            trace = trace_from_states(model.cued_pattern(), states)
            trace = eqx.tree_at(lambda r: r.overlap, trace, jnp.where(over, jnp.nan, trace.overlap))
            dots = jnp.einsum("tnc,unc->ctu", states, states, preferred_element_type=jnp.int32)
            dots = jnp.where(over[-1][:, None, None], jnp.nan, dots.astype(m0s.dtype))
            corr = dots.reshape(n_m0, per_set, steps + 1, steps + 1)
            corr = jnp.mean(corr, axis=1) / size
        else:
            trace = recall(model, s0, steps, update=update, key=k_run, observe="trace").ys
            corr = None
        conv = convergence(trace, parallel=update == "parallel")
        return trace.overlap, conv.time, conv.converged, conv.fixed_point, corr

    m, time, converged, fixed, corr = jax.lax.map(one_set, jnp.arange(sets))

    def by_m0(x):  # (sets, columns) → (n_m0, sets · per_set)
        x = x.reshape(sets, n_m0, per_set)
        return jnp.transpose(x, (1, 0, 2)).reshape(n_m0, sets * per_set)

    m = m.reshape(sets, steps + 1, n_m0, per_set)
    m = jnp.transpose(m, (2, 0, 3, 1)).reshape(n_m0, sets * per_set, steps + 1)
    corr = None if corr is None else jnp.mean(corr, axis=0)
    # only an int32 overflow makes an overlap NaN (recall's exactness flag)
    return m, by_m0(time), by_m0(converged), by_m0(fixed), corr, jnp.any(jnp.isnan(m))


def recall_summary(result: RecallResult, index: int = 0) -> dict:
    """Mean and spread of m(t) over trials (and over pattern sets), success rate (final
    m > 0.5), the fraction of trials settled (and on a fixed point rather than a 2-cycle), the
    mean and std of the convergence time over settled trials, and ``C(t,t')`` when simulated,
    for the `index`-th m0 value."""
    m = np.asarray(result.m[index], np.float64)  # (trials, T+1)
    sets = result.pattern_sets
    per_set_mean = m.reshape(sets, -1, m.shape[1]).mean(axis=1)
    time = np.asarray(result.convergence_time[index], np.float64)
    settled = np.isfinite(time)
    return {
        "m_mean": m.mean(axis=0),
        "m_std": m.std(axis=0),
        "m_sem_sets": per_set_mean.std(axis=0, ddof=1) / math.sqrt(sets) if sets > 1 else None,
        "success_rate": float(np.mean(m[:, -1] > 0.5)),
        "converged_fraction": float(settled.mean()),
        "fixed_point_fraction": float(np.mean(np.asarray(result.fixed_point[index]))),
        "convergence_time_mean": float(time[settled].mean()) if settled.any() else None,
        "convergence_time_std": float(time[settled].std()) if settled.any() else None,
        "correlation": None
        if result.correlation is None
        else np.asarray(result.correlation[index], np.float64),
    }
