"""DAM fields and updates against a direct NumPy brute force (exact integers)."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh


def _brute_fields(xi, s, order, variant, rule):
    """u_i = Σ_μ ξ_i P(Σ_{j≠i} ξ_j s_j), written out directly (Python ints)."""
    n, m = xi.shape
    xi = xi.astype(object)
    out = np.zeros((n, s.shape[1]), object)
    for b in range(s.shape[1]):
        for i in range(n):
            others = [j for j in range(n) if j != i]
            total = 0
            for mu in range(m):
                y = [int(xi[j, mu] * s[j, b]) for j in others]
                if variant == "nbody":
                    inner = sum(
                        int(np.prod([y[k] for k in tup]))
                        for tup in itertools.permutations(range(len(y)), order - 1)
                    )
                    total += xi[i, mu] * inner
                elif rule == "dominant":
                    total += xi[i, mu] * sum(y) ** (order - 1)
                else:
                    h = sum(y)
                    total += (h + xi[i, mu]) ** order - (h - xi[i, mu]) ** order
            out[i, b] = total
    return out


def _model(key, n, m, order, variant="krotov", rule="dominant", **kw):
    return jh.dam.DenseMemory.random(key, n, m, order=order, variant=variant, rule=rule, **kw)


CASES = [
    (2, "krotov", "dominant"),
    (3, "krotov", "dominant"),
    (4, "krotov", "dominant"),
    (2, "krotov", "exact"),
    (3, "krotov", "exact"),
    (4, "krotov", "exact"),
    (3, "nbody", "dominant"),
    (4, "nbody", "dominant"),
]


@pytest.mark.parametrize("order,variant,rule", CASES)
def test_fields_and_parallel_step_match_brute_force(key, order, variant, rule):
    n, m, batch = 7, 5, 4
    model = _model(key, n, m, order, variant, rule, block_size=2)  # 3 blocks, one padded
    s = jh.dam.cue(jax.random.fold_in(key, 1), model.cued_pattern(), 0.2, batch)
    xi = np.asarray(model.all_patterns())
    s_np = np.asarray(s).astype(np.int64)
    brute = _brute_fields(xi, s_np, order, variant, rule)
    ours = np.asarray(model.fields(s)).astype(object)
    if rule == "dominant":
        np.testing.assert_array_equal(ours, brute)  # exactly the same integers
    else:  # the exact rule is computed up to a positive integer factor
        nz = np.flatnonzero(ours)
        factor = brute.flat[nz[0]] // ours.flat[nz[0]]
        assert factor > 0
        np.testing.assert_array_equal(ours * factor, brute)
    if (order, variant, rule) in ((3, "krotov", "dominant"), (4, "nbody", "dominant")):
        expected = np.where(brute > 0, 1, np.where(brute < 0, -1, s_np))  # ties keep s
        np.testing.assert_array_equal(np.asarray(jh.dam.parallel_step(model, s)), expected)


def test_n2_is_classic_hopfield_with_zero_diagonal(key):
    n, m, batch = 40, 6, 5
    model = _model(key, n, m, 2, block_size=4)
    xi = np.asarray(model.all_patterns()).astype(np.int64)
    w = xi @ xi.T
    np.fill_diagonal(w, 0)
    s = jh.dam.cue(jax.random.fold_in(key, 3), model.cued_pattern(), 0.0, batch)
    h = w @ np.asarray(s).astype(np.int64)
    np.testing.assert_array_equal(np.asarray(model.fields(s)), h)


def test_key_storage_equals_int8_storage(key):
    kw = dict(block_size=32)
    stored = _model(key, 33, 70, 3, storage="int8", **kw)
    regenerated = _model(key, 33, 70, 3, storage="key", **kw)
    assert regenerated.patterns is None
    np.testing.assert_array_equal(stored.all_patterns(), regenerated.all_patterns())
    s = jh.dam.cue(key, stored.cued_pattern(), 0.5, 3)
    np.testing.assert_array_equal(stored.fields(s), regenerated.fields(s))
    xi = np.asarray(stored.all_patterns())
    assert set(np.unique(xi)) == {-1, 1} and xi.shape == (33, 70)
    assert abs(xi.mean()) < 0.05


def test_fields_are_integer_exact_beyond_float32(key):
    """N = 4096, n = 3: the cued term alone is ~N² = 2^24; float32 would round."""
    n, m = 4096, 64
    model = _model(key, n, m, 3, block_size=32, storage="key")
    s = model.cued_pattern()[:, None]  # m = 1: u_i = ξ_i (N − 1)² + crosstalk
    raw = model.fields(s)
    assert raw.dtype == jnp.int32
    u = np.asarray(raw).astype(np.int64)
    xi = np.asarray(model.all_patterns()).astype(np.int64)
    x = xi.T @ np.asarray(s).astype(np.int64)  # (M, 1)
    expected = xi @ (x**2 + 1) - 2 * np.asarray(s).astype(np.int64) * x.sum(0)
    assert u.max() > 2**24
    np.testing.assert_array_equal(u, expected)


def test_exp_separation_is_softmax_like(key):
    model = _model(key, 24, 6, 3, separation="exp", block_size=4)
    s = jh.dam.cue(key, model.cued_pattern(), 0.6, 3)
    xi = np.asarray(model.all_patterns()).astype(np.float64)
    s64 = np.asarray(s).astype(np.float64)
    u = np.zeros_like(s64)
    for i in range(24):
        y = xi.T @ s64 - xi[i][:, None] * s64[i][None, :]
        u[i] = np.sum(np.exp(y + xi[i][:, None]) - np.exp(y - xi[i][:, None]), 0)
    ours = np.asarray(model.fields(s), np.float64)
    assert np.all(np.sign(ours) == np.sign(u))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(order=1), "order"),
        (dict(variant="abbott"), "variant"),
        (dict(rule="taylor"), "rule"),
        (dict(storage="bits"), "storage"),
        (dict(separation="exp", variant="nbody"), "exp"),
        (dict(block_size=0), "block_size"),
    ],
)
def test_bad_arguments(key, kwargs, match):
    with pytest.raises(ValueError, match=match):
        jh.dam.DenseMemory.random(key, 16, 8, **kwargs)


def test_int32_bound_is_checked(key):
    with pytest.raises(ValueError, match="x64"):
        jh.dam.DenseMemory.random(key, 2048, 8, order=4)  # N³ = 2^33 > 2^31


def test_num_patterns_and_kappa():
    assert [jh.dam.kappa(n) for n in (2, 3, 4, 5)] == [1, 3, 15, 105]
    assert [jh.dam.kappa(n, "nbody") for n in (2, 3, 4)] == [1, 2, 6]
    assert jh.dam.num_patterns(3, 1024, 0.2) == round(0.2 * 1024**2 / 3) == 69905
    assert jh.dam.num_patterns(3, 4096, 0.2) == 1118481
    assert jh.dam.effective_load(3, 1024, 69905) == pytest.approx(0.2, rel=1e-5)
    with pytest.raises(ValueError, match="load"):
        jh.dam.num_patterns(3, 100, 0.0)


def test_cue_flip_probability(key):
    pattern = jnp.ones(20000, jnp.int8)
    s = jh.dam.cue(key, pattern, jnp.asarray([0.5, 0.9]), 2)
    m = np.asarray(jh.dam.overlap(pattern, s))
    np.testing.assert_allclose(m, [0.5, 0.9], atol=0.02)
