"""Parallel recall updates only the columns not yet on a fixed point or 2-cycle: exact (same
overlaps and states as computing every column at every step). Convergence times and C(t,t')
against a direct NumPy reading of the saved states."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh
from jaxhop.dam._dynamics import _column_buckets, _parallel_skipping_step, _RecallState, _Update
from jaxhop.dam._fields import power_fields


def _run(model, s0, steps, skip, observe="overlap"):
    fn = jax.jit(lambda m, s: jh.dam.recall(m, s, steps, skip_cycles=skip, observe=observe))
    return fn(model, s0)


def _mixed_cues(key, model, trials):
    """Cues from m0 = 0.1 … 1.0 across the batch, so columns settle at different times."""
    m0 = jnp.linspace(0.1, 1.0, trials)
    return jh.dam.cue(key, model.cued_pattern(), m0, trials)


@pytest.mark.parametrize(
    ("order", "load", "m0"), [(3, 0.1, 0.9), (3, 0.25, None), (3, 0.6, 0.3), (2, 0.12, None)]
)
def test_cycle_skip_is_exact(key, order, load, m0):
    size, trials, steps = 96, 40, 30
    patterns = jh.dam.num_patterns(order, size, load)
    model = jh.dam.DenseMemory.random(key, size, patterns, order=order)
    k = jax.random.fold_in(key, 1)
    s0 = (
        _mixed_cues(k, model, trials)
        if m0 is None
        else jh.dam.cue(k, model.cued_pattern(), m0, trials)
    )
    skipped, computed = (
        _run(model, s0, steps, True, "state"),
        _run(model, s0, steps, False, "state"),
    )
    np.testing.assert_array_equal(np.asarray(skipped.ys), np.asarray(computed.ys))
    np.testing.assert_array_equal(np.asarray(skipped.final), np.asarray(computed.final))
    assert skipped.final.dtype == jnp.int8 and skipped.final.shape == (size, trials)


def test_packed_columns_are_used_and_exact(key):
    """With columns settling at different times, the step runs on packed subsets of columns
    (bucket widths below the batch) and still gives the states of the full computation."""
    size, trials = 128, 40
    model = jh.dam.DenseMemory.random(key, size, jh.dam.num_patterns(3, size, 0.2), order=3)
    s0 = _mixed_cues(jax.random.fold_in(key, 3), model, trials)
    widths = _column_buckets(trials, "power")
    assert widths == (10, 20, 40)
    states = np.asarray(_run(model, s0, 25, False, "state").ys)
    active = np.concatenate([np.ones((1, trials), bool), (states[2:] != states[:-2]).any(1)])
    counts = active.sum(1)[:-1]  # active columns when computing step t + 1
    assert np.any((counts > 0) & (counts <= 20)), counts  # a packed bucket was really used
    # one step from an arbitrary mid-run state, packed vs full, with the overlaps of s(t−1)
    # carried (shifted by the flipped sites) or computed afresh
    step = jax.jit(lambda st: _parallel_skipping_step(_Update(model, "parallel"), st, 0.0, None))
    overlaps_of = jax.jit(lambda s: power_fields(model, s, emit_overlaps=True)[1])
    for t in range(1, 24):
        s, previous = jnp.asarray(states[t]), jnp.asarray(states[t - 1])
        for known in (True, False):
            state = _RecallState(
                s,
                previous,
                jnp.asarray(active[t]),
                overflow=jnp.zeros(s.shape[1], bool),
                started=jnp.asarray(known),
                overlaps=overlaps_of(previous),
            )
            new = step(state)
            np.testing.assert_array_equal(np.asarray(new.s), states[t + 1])
            assert not np.any(np.asarray(new.overflow))
            np.testing.assert_array_equal(
                np.asarray(new.off_cycle), (states[t + 1] != states[t - 1]).any(0)
            )
            # the carried overlaps are those of s(t) for every column still off-cycle
            fresh = np.asarray(overlaps_of(s))
            kept = np.asarray(new.overlaps)
            moving = active[t] & (states[t] != states[t - 1]).any(0) if known else active[t]
            np.testing.assert_array_equal(kept[:, moving], fresh[:, moving])


def test_exp_separation_skips_only_whole_batch(key):
    assert _column_buckets(40, "exp") == (40,)
    model = jh.dam.DenseMemory.random(key, 64, 30, order=3, separation="exp")
    s0 = _mixed_cues(jax.random.fold_in(key, 4), model, 12)
    np.testing.assert_array_equal(
        np.asarray(_run(model, s0, 12, True).ys), np.asarray(_run(model, s0, 12, False).ys)
    )


def test_settled_columns_alternate_without_fields(key):
    """A column flagged settled gets s(t−1), whatever its fields say."""
    size = 64
    model = jh.dam.DenseMemory.random(key, size, 200, order=3)
    k1, k2 = jax.random.split(jax.random.fold_in(key, 2))
    a = jh.dam.cue(k1, model.cued_pattern(), 0.0, 4)
    b = jh.dam.cue(k2, model.cued_pattern(), 0.0, 4)
    assert not np.array_equal(np.asarray(jh.dam.parallel_step(model, a)), np.asarray(b))
    state = _RecallState(a, b, jnp.zeros(4, bool), jnp.zeros(4, bool), jnp.asarray(True))
    new, previous, active, _, _, _ = _parallel_skipping_step(
        _Update(model, "parallel"), state, 0.0, None
    )
    np.testing.assert_array_equal(np.asarray(new), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(previous), np.asarray(a))
    assert not np.any(np.asarray(active))


def _numpy_convergence(states, parallel=True):
    """By definition: the smallest t from which s(t') = s(t'+2) (parallel; s(t') = s(t'+1)
    asynchronously) for every t' the run covers; NaN if the last step breaks it."""
    T = states.shape[0] - 1
    lag = 2 if parallel else 1
    padded = np.concatenate([states[:1]] * lag + [states])  # s(−1) = s(−2) = s(0)
    times = np.full(states.shape[2], np.nan)
    for c in range(states.shape[2]):
        same = [np.array_equal(padded[u + lag, :, c], padded[u, :, c]) for u in range(T + 1)]
        # same[u] ⇔ s(u) = s(u − lag); settled iff same[T]
        if not same[T]:
            continue
        u = T
        while u > 0 and same[u - 1]:
            u -= 1
        times[c] = max(u - lag, 0)  # periodic (or fixed) from u − lag on
    return times


@pytest.mark.parametrize("load", [0.1, 0.3])
def test_convergence_time_matches_numpy(key, load):
    size, trials, steps = 128, 30, 24
    model = jh.dam.DenseMemory.random(key, size, jh.dam.num_patterns(3, size, load), order=3)
    s0 = _mixed_cues(jax.random.fold_in(key, 5), model, trials)
    states = _run(model, s0, steps, True, "state").ys
    trace = _run(model, s0, steps, True, "trace").ys
    rebuilt = jh.dam.trace_from_states(model.cued_pattern(), states)
    for a, b in zip(jax.tree.leaves(trace), jax.tree.leaves(rebuilt)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    conv = jh.dam.convergence(trace)
    expected = _numpy_convergence(np.asarray(states))
    np.testing.assert_array_equal(np.asarray(conv.time), expected)
    assert np.array_equal(np.asarray(conv.converged), np.isfinite(expected))
    s = np.asarray(states)
    fixed = (s[-1] == s[-2]).all(0) & np.isfinite(expected)
    np.testing.assert_array_equal(np.asarray(conv.fixed_point), fixed)
    assert np.isfinite(expected).any() and (np.nan_to_num(expected) > 0).any()  # not vacuous


def test_async_convergence_is_a_fixed_point(key):
    model = jh.dam.DenseMemory.random(key, 64, 120, order=3)
    s0 = _mixed_cues(jax.random.fold_in(key, 6), model, 8)
    run = jax.jit(lambda m, s: jh.dam.recall(m, s, 8, update="async_sequential", observe="state"))
    states = run(model, s0).ys
    conv = jh.dam.convergence(
        jh.dam.trace_from_states(model.cued_pattern(), states), parallel=False
    )
    expected = _numpy_convergence(np.asarray(states), parallel=False)
    np.testing.assert_array_equal(np.asarray(conv.time), expected)
    assert np.all(np.asarray(conv.converged))  # energy descent: every sweep sequence settles
    np.testing.assert_array_equal(np.asarray(conv.fixed_point), np.asarray(conv.converged))


def test_simulate_recall_convergence_and_correlation(key):
    size, steps = 128, 16
    result = jh.dam.simulate_recall(
        key, order=3, size=size, load=0.2, m0=[0.6, 0.9], trials=12, steps=steps,
        pattern_sets=3, correlations=True,
    )  # fmt: skip
    plain = jh.dam.simulate_recall(
        key, order=3, size=size, load=0.2, m0=[0.6, 0.9], trials=12, steps=steps, pattern_sets=3
    )
    np.testing.assert_array_equal(np.asarray(result.m), np.asarray(plain.m))
    np.testing.assert_array_equal(
        np.asarray(result.convergence_time), np.asarray(plain.convergence_time)
    )
    assert plain.correlation is None
    c = np.asarray(result.correlation)
    assert c.shape == (2, steps + 1, steps + 1)
    np.testing.assert_allclose(c, np.swapaxes(c, 1, 2), atol=1e-6)
    np.testing.assert_allclose(np.diagonal(c, axis1=1, axis2=2), 1.0, atol=1e-6)
    summary = jh.dam.recall_summary(result, 1)
    assert summary["converged_fraction"] == pytest.approx(
        float(np.isfinite(np.asarray(result.convergence_time[1])).mean())
    )
    assert summary["correlation"].shape == (steps + 1, steps + 1)


def test_correlation_of_one_set_matches_numpy(key):
    """One pattern set: C(t,t') averaged over its trials, from states rebuilt the documented
    way (set k's patterns, cues and run keys split from fold_in(key, k))."""
    size, steps, trials = 96, 10, 6
    result = jh.dam.simulate_recall(
        key, order=3, size=size, load=0.25, m0=0.7, trials=trials, steps=steps,
        pattern_sets=1, correlations=True,
    )  # fmt: skip
    k_pat, k_cue, _ = jax.random.split(jax.random.fold_in(key, 0), 3)
    block = max(32, -(-min(result.patterns, 2048) // 32) * 32)
    model = jh.dam.DenseMemory.random(k_pat, size, result.patterns, order=3, block_size=block)
    s0 = jh.dam.cue(k_cue, model.cued_pattern(), jnp.full((trials,), 0.7), trials)
    s = np.asarray(_run(model, s0, steps, False, "state").ys, np.float64)
    np.testing.assert_allclose(
        np.asarray(result.m[0]),
        (s * np.asarray(model.cued_pattern())[None, :, None]).sum(1).T / size,
        atol=1e-6,
    )
    expected = np.einsum("tnc,unc->tu", s, s) / size / trials
    np.testing.assert_allclose(np.asarray(result.correlation[0]), expected, atol=1e-5)
