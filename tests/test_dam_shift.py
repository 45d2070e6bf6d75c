"""Incremental overlaps ``x = x' + Ξᵀ (s − s')`` (``jaxhop.dam._fields.OverlapShift``): the
same integers as ``Ξᵀ s`` computed directly in NumPy, across chunk and block boundaries; the
fields from shifted overlaps equal NumPy's field; parallel recall really takes the shifted path
and stays exact."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh
from jaxhop.dam._fields import SHIFT_CHUNK, SHIFT_MAX_FRACTION, OverlapShift, power_fields

SIZE, PATTERNS, BLOCK, TRIALS = 300, 500, 128, 7  # 3 site chunks (128, 128, 44), 4 blocks


def _model(key, active=None):
    model = jh.dam.DenseMemory.random(key, SIZE, PATTERNS, order=3, block_size=BLOCK)
    if active is not None:
        model = eqx.tree_at(
            lambda m: m.active, model, jnp.asarray(active), is_leaf=lambda x: x is None
        )
    return model


def _numpy(model, s):
    """Overlaps (B, M) and the Krotov n = 3 dominant field (N, B), in int64."""
    xi = np.asarray(model.all_patterns(), np.int64) * np.asarray(model.pattern_mask())[None, :]
    s = np.asarray(s, np.int64)
    x = xi.T @ s
    return x.T, xi @ (x * x + 1) - 2 * s * x.sum(0)


def _flip(rng, s, count):
    """`s` with `count` distinct sites flipped, each in at least one (random) column."""
    s = np.array(s)
    for site in rng.choice(SIZE, count, replace=False):
        columns = rng.random(TRIALS) < 0.4
        columns[rng.integers(TRIALS)] = True
        s[site, columns] *= -1
    return jnp.asarray(s)


def _unblock(overlaps):
    return np.moveaxis(np.asarray(overlaps), 1, 0).reshape(TRIALS, -1)[:, :PATTERNS]


@pytest.mark.parametrize("count", [0, 1, SHIFT_CHUNK - 1, SHIFT_CHUNK, SHIFT_CHUNK + 1, 150])
@pytest.mark.parametrize("active", [None, 333])
def test_shift_equals_direct_overlaps(key, count, active):
    assert SHIFT_MAX_FRACTION * SIZE >= 150  # every case here takes the shifted path
    model = _model(key, active)
    rng = np.random.default_rng(count)
    before = jh.dam.cue(jax.random.fold_in(key, 1), model.cued_pattern(), 0.6, TRIALS)
    after = _flip(rng, before, count)
    fields = jax.jit(lambda s, shift: power_fields(model, s, shift, emit_overlaps=True))
    _, known = jax.jit(lambda s: power_fields(model, s, emit_overlaps=True))(before)
    shift = OverlapShift.between(known, after, before, jnp.asarray(True))
    assert int(shift.count) == count and bool(shift.use)
    u, overlaps = fields(after, shift)
    x_np, u_np = _numpy(model, after)
    np.testing.assert_array_equal(_unblock(overlaps), x_np)
    np.testing.assert_array_equal(np.asarray(u), u_np)


def test_shift_path_reads_the_carried_overlaps(key):
    """With `use` the overlaps come from `previous` (wrong ones give a wrong field: the path is
    really taken); without it `previous` is ignored."""
    model = _model(key)
    s = jh.dam.cue(jax.random.fold_in(key, 2), model.cued_pattern(), 0.8, TRIALS)
    _, known = jax.jit(lambda s: power_fields(model, s, emit_overlaps=True))(s)
    wrong = known + jnp.asarray(3, known.dtype)
    _, u_np = _numpy(model, s)
    used = OverlapShift.between(wrong, s, s, jnp.asarray(True))
    unused = OverlapShift.between(wrong, s, s, jnp.asarray(False))
    assert not np.array_equal(np.asarray(power_fields(model, s, used)), u_np)
    np.testing.assert_array_equal(np.asarray(power_fields(model, s, unused)), u_np)


def test_shift_is_refused_when_most_sites_changed(key):
    model = _model(key)
    before = jh.dam.cue(jax.random.fold_in(key, 3), model.cued_pattern(), 0.6, TRIALS)
    many = int(SHIFT_MAX_FRACTION * SIZE) + 1
    after = _flip(np.random.default_rng(0), before, many)
    _, known = power_fields(model, before, emit_overlaps=True)
    shift = OverlapShift.between(known, after, before, jnp.asarray(True))
    assert int(shift.count) == many and not bool(shift.use)
    np.testing.assert_array_equal(
        np.asarray(power_fields(model, after, shift)), _numpy(model, after)[1]
    )


def test_recall_takes_the_shifted_path_and_stays_exact(key):
    size, trials, steps = 256, 30, 12
    model = jh.dam.DenseMemory.random(key, size, jh.dam.num_patterns(3, size, 0.2), order=3)
    s0 = jh.dam.cue(jax.random.fold_in(key, 4), model.cued_pattern(), 0.8, trials)
    run = jax.jit(
        lambda m, s, skip: jh.dam.recall(m, s, steps, observe="state", skip_cycles=skip).ys,
        static_argnums=2,
    )
    skipped, computed = np.asarray(run(model, s0, True)), np.asarray(run(model, s0, False))
    np.testing.assert_array_equal(skipped, computed)
    # the sites that flipped between s(t−1) and s(t) in the columns still moving at step t
    shifted = []
    for t in range(1, steps):
        moving = (computed[t] != computed[t - 1]).any(0)
        if t >= 2:
            moving &= (computed[t] != computed[t - 2]).any(0)
        count = (computed[t] != computed[t - 1])[:, moving].any(1).sum()
        shifted.append(moving.any() and count <= SHIFT_MAX_FRACTION * size)
    assert sum(shifted) >= 3, shifted
