"""The int32 field's exactness flag: an overflowed trial's overlaps are NaN (traced) or the
run raises (concrete); x64 runs the same trial exactly. N = 1200, n = 4: the recalled pattern's
own term alone is N³ ≈ 1.6·2^30, beyond the guard; a random cue's fields stay far below it."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh
from jaxhop.dam._dynamics import OVERFLOW_MESSAGE

N, M = 1200, 4


def _setup(key):
    model = jh.dam.DenseMemory.random(key, N, M, order=4)
    m0 = jnp.asarray([1.0, 0.0, 1.0])  # columns 0 and 2 overflow, column 1 does not
    s0 = jh.dam.cue(jax.random.fold_in(key, 1), model.cued_pattern(), m0, 3)
    return model, s0


@pytest.mark.parametrize("skip_cycles", [True, False])
def test_overflowed_columns_are_nan_under_jit(key, skip_cycles):
    model, s0 = _setup(key)
    run = jax.jit(lambda s: jh.dam.recall(model, s, 3, skip_cycles=skip_cycles).ys)
    m = np.asarray(run(s0))  # (t, columns)
    assert np.isfinite(m[0]).all()  # the cue itself is fine
    assert np.isnan(m[1:, [0, 2]]).all()
    assert np.isfinite(m[:, 1]).all()


def test_concrete_run_raises(key):
    model, s0 = _setup(key)
    with pytest.raises(FloatingPointError, match="x64"):
        jh.dam.recall(model, s0, 2)
    assert "jax_enable_x64" in OVERFLOW_MESSAGE


def test_simulate_recall_raises_and_x64_recalls(key, x64):
    # with x64 the same setting is exact: the pattern is a fixed point (4 patterns, m = 1)
    result = jh.dam.simulate_recall(
        key, order=4, size=N, load=15 * M / N**3, m0=1.0, trials=2, steps=2, pattern_sets=1
    )
    np.testing.assert_array_equal(np.asarray(result.m), 1.0)


def test_simulate_recall_refuses_in_int32(key):
    with pytest.raises(FloatingPointError, match="x64"):
        jh.dam.simulate_recall(
            key, order=4, size=N, load=15 * M / N**3, m0=1.0, trials=2, steps=2, pattern_sets=1
        )
