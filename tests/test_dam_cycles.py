"""Parallel recall skips the field computation once every column is on a fixed point or a
2-cycle: exact (same overlaps and states as computing every step)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh
from jaxhop.dam._dynamics import _cycle_skipping_step, _Update


def _run(model, s0, steps, skip):
    fn = jax.jit(lambda m, s: jh.dam.recall(m, s, steps, skip_cycles=skip))
    return fn(model, s0)


@pytest.mark.parametrize(
    ("order", "load", "m0"), [(3, 0.1, 0.9), (3, 0.25, 0.7), (3, 0.6, 0.3), (2, 0.12, 0.6)]
)
def test_cycle_skip_is_exact(key, order, load, m0):
    size, trials, steps = 96, 24, 30
    patterns = jh.dam.num_patterns(order, size, load)
    model = jh.dam.DenseMemory.random(key, size, patterns, order=order)
    s0 = jh.dam.cue(jax.random.fold_in(key, 1), model.cued_pattern(), m0, trials)
    skipped, computed = _run(model, s0, steps, True), _run(model, s0, steps, False)
    np.testing.assert_array_equal(np.asarray(skipped.ys), np.asarray(computed.ys))
    np.testing.assert_array_equal(np.asarray(skipped.final), np.asarray(computed.final))
    assert skipped.final.dtype == jnp.int8 and skipped.final.shape == (size, trials)
    if (order, load, m0) == (3, 0.1, 0.9):  # deep in the basin: the skip must have engaged
        state = (s0, s0, jnp.asarray(False))
        run = jh.integrate(_cycle_skipping_step, _Update(model, "parallel"), state, num_steps=steps)
        assert bool(run.final[2])


def test_cycling_state_alternates_without_fields(key):
    """In the cycling branch the step returns the previous state, whatever the fields say."""
    size = 64
    model = jh.dam.DenseMemory.random(key, size, 200, order=3)
    k1, k2 = jax.random.split(jax.random.fold_in(key, 2))
    a = jh.dam.cue(k1, model.cued_pattern(), 0.0, 4)
    b = jh.dam.cue(k2, model.cued_pattern(), 0.0, 4)
    assert not np.array_equal(np.asarray(jh.dam.parallel_step(model, a)), np.asarray(b))
    new, previous, cycling = _cycle_skipping_step(
        _Update(model, "parallel"), (a, b, jnp.asarray(True)), 0.0, None
    )
    np.testing.assert_array_equal(np.asarray(new), np.asarray(b))
    np.testing.assert_array_equal(np.asarray(previous), np.asarray(a))
    assert bool(cycling)


def test_fixed_point_is_detected_after_one_step(key):
    """From a stored pattern at low load (a fixed point) the first step already cycles."""
    model = jh.dam.DenseMemory.random(key, 128, 50, order=3)
    s0 = jnp.tile(model.cued_pattern()[:, None], (1, 3))
    state = (s0, s0, jnp.asarray(False))
    new, previous, cycling = _cycle_skipping_step(_Update(model, "parallel"), state, 0.0, None)
    np.testing.assert_array_equal(np.asarray(new), np.asarray(s0))
    assert bool(cycling)
