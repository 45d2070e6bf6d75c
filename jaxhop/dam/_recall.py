r"""Batched recall experiments (spec ``dam.md``, Theory 4): trials over independent pattern sets.

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
from jaxtyping import Array, Float, PRNGKeyArray

from ._dynamics import cue, num_patterns, recall
from ._model import DenseMemory, _num_digits
from ._poly import even_odd, poly_bound, rule_polynomial

__all__ = ["RecallResult", "simulate_recall", "recall_memory_bytes", "recall_summary"]

INT8_STORAGE_LIMIT = 2**30  # auto storage: keep int8 patterns up to 1 GiB per set


class RecallResult(eqx.Module):
    """``m``: overlaps ``(len(m0), trials, steps + 1)``; ``m0``, ``load`` (α'), ``patterns``
    (M), ``pattern_sets`` and ``storage`` as used."""

    m: Float[Array, "m0s trials t1"]
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
    pattern block with its overlaps and digits, the digit sums and the states."""
    even, _ = even_odd(rule_polynomial(order, variant, "dominant", size))
    digits = _num_digits(poly_bound(even, size))
    stored = size * patterns if storage == "int8" else 0
    block = size * block_size * (1 + (4 if storage == "key" else 0)) + block_size * batch * (
        4 * 3 + digits
    )
    sums = 4 * size * digits * batch + 8 * size * batch
    return stored + block + sums


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
) -> RecallResult:
    """Parallel (or asynchronous) recall of ξ¹ from cues of overlap `m0` at effective load
    `load` = α' (``M = round(α' N^{n−1}/κ_n)``), `trials` per m0 value spread over
    `pattern_sets` independent pattern sets (fewer when ``trials < pattern_sets``; trials are
    rounded up to a multiple of the number of sets)."""
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
    proto = DenseMemory.random(
        key,
        size,
        1,
        order=order,
        variant=variant,
        rule=rule,
        block_size=block_size,
        storage="key",
    )
    del proto
    dtype = jnp.result_type(float)
    m = _run(
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
    )
    return RecallResult(m, jnp.asarray(m0s, dtype), float(load), patterns, sets, storage)


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
        sol = recall(model, s0, steps, update=update, key=k_run)
        return sol.ys  # (steps + 1, n_m0 · per_set)

    ys = jax.lax.map(one_set, jnp.arange(sets))  # (sets, steps + 1, columns)
    ys = ys.reshape(sets, steps + 1, n_m0, per_set)
    return jnp.transpose(ys, (2, 0, 3, 1)).reshape(n_m0, sets * per_set, steps + 1)


def recall_summary(result: RecallResult, index: int = 0) -> dict:
    """Mean and spread of m(t) over trials (and over pattern sets), success rate (final
    m > 0.5) for the `index`-th m0 value."""
    m = np.asarray(result.m[index], np.float64)  # (trials, T+1)
    sets = result.pattern_sets
    per_set_mean = m.reshape(sets, -1, m.shape[1]).mean(axis=1)
    return {
        "m_mean": m.mean(axis=0),
        "m_std": m.std(axis=0),
        "m_sem_sets": per_set_mean.std(axis=0, ddof=1) / math.sqrt(sets) if sets > 1 else None,
        "success_rate": float(np.mean(m[:, -1] > 0.5)),
    }
