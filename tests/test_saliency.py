"""The saliency map against reference tables, identities, closed forms and finite differences.

The map is that of Betteti, Baggio & Zampieri (arXiv 2603.03201, 2026); the closed forms and
the reference values are worked out in docs/saliency.md.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxhop import saliency as sal

# Reference values computed independently from the closed forms (docs/saliency.md), not by
# this code; they are not tables from the paper.
FIXED_POINTS = [
    (4.0, 2.0, 2.0, 0.693147),
    (4.5, 3.0, 1.5, 1.098612),
    (5.0, 3.618034, 1.381966, 1.285931),
    (6.0, 4.732051, 1.267949, 1.554359),
    (10.0, 8.872983, 1.127017, 2.183011),
]
ORBITS = [
    (5.0, 3.0, [3, 10 / 3, 7 / 2, 25 / 7, 18 / 5], None),
    (6.0, 2.0, [2, 3, 4, 4.5, 4.6667], None),
    (5.0, 1.3, [1.3, 1.1538, 0.6667], 2),
    (4.5, 1.45, [1.45, 1.3966, 1.2778, 0.9783], 3),
    (3.5, 3.0, [3, 7 / 3, 2, 7 / 4, 3 / 2, 7 / 6, 1 / 2], 6),
    (3.0, 2.5, [2.5, 1.8, 4 / 3, 0.75], 3),
]


@pytest.mark.parametrize("kappa, z_plus, z_minus, log_z_plus", FIXED_POINTS)
def test_fixed_points_and_period_table(kappa, z_plus, z_minus, log_z_plus):
    zm, zp = sal.fixed_points(kappa)
    np.testing.assert_allclose([zm, zp], [z_minus, z_plus], atol=2e-6)
    np.testing.assert_allclose(sal.period(kappa), log_z_plus, atol=2e-6)


def test_fixed_point_identities_and_stability():
    kappa = jnp.linspace(4.01, 50.0, 200)
    zm, zp = sal.fixed_points(kappa)
    np.testing.assert_allclose(zp + zm, kappa, rtol=1e-5)
    np.testing.assert_allclose(zp * zm, kappa, rtol=1e-5)
    np.testing.assert_allclose((zp - 1) * (zm - 1), 1.0, rtol=1e-4)
    # the map's derivative κ/Z² at each fixed point
    mult_minus, mult_plus = sal.multipliers(kappa)
    np.testing.assert_allclose(mult_plus, kappa / zp**2, rtol=1e-5)
    np.testing.assert_allclose(mult_minus, kappa / zm**2, rtol=1e-4)
    assert bool(jnp.all(mult_plus < 1)) and bool(jnp.all(mult_minus > 1))
    # f(Z) − Z = −(Z − Z+)(Z − Z−)/Z
    z = jnp.linspace(0.5, 20.0, 50)
    k = jnp.asarray(7.0)
    zm7, zp7 = sal.fixed_points(k)
    np.testing.assert_allclose(
        sal.saliency_map(k, z) - z, -(z - zp7) * (z - zm7) / z, rtol=1e-5, atol=1e-5
    )


def test_below_threshold_has_no_fixed_points():
    zm, zp = sal.fixed_points(jnp.asarray([0.5, 3.0, 3.999]))
    assert bool(jnp.all(jnp.isnan(zm))) and bool(jnp.all(jnp.isnan(zp)))
    assert bool(jnp.all(jnp.isnan(sal.period(jnp.asarray([3.0, 3.9])))))


@pytest.mark.parametrize("kappa, z0, expected, retrievals", ORBITS)
def test_orbit_table_and_retrievals(kappa, z0, expected, retrievals):
    orbit = np.asarray(sal.orbit(kappa, z0, len(expected) + 2))
    np.testing.assert_allclose(orbit[: len(expected)], expected, atol=1e-4)
    count = int(sal.retrievals(kappa, z0, 500))
    index = float(sal.collapse_index(kappa, z0))
    if retrievals is None:
        assert count == 500 and math.isinf(index)
        assert int(sal.regime(kappa, z0)) == sal.PERIODIC
    else:
        assert count == retrievals == index
        assert np.all(np.isnan(orbit[len(expected) :]))  # nothing after the collapse
        expected_regime = sal.DECAY if kappa < 4 else sal.COLLAPSE
        assert int(sal.regime(kappa, z0)) == expected_regime


def _numpy_retrievals(kappa, z0, cap):
    """Independent reference: iterate in float64 with NumPy."""
    count, z = 0, z0
    while count < cap and z > 1:
        count += 1
        z = kappa * (1 - 1 / z)
    return count


def test_collapse_index_closed_form_agrees_with_iteration(x64):
    rng = np.random.default_rng(0)
    kappa = np.concatenate([rng.uniform(0.5, 3.99, 300), rng.uniform(4.01, 12, 300)])
    z0 = rng.uniform(0.2, 6.0, kappa.size)
    cap = 5000
    closed = np.asarray(sal.collapse_index(kappa, z0))
    iterated = np.asarray(jax.vmap(lambda k, z: sal.retrievals(k, z, cap))(kappa, z0))
    reference = np.array([_numpy_retrievals(k, z, cap) for k, z in zip(kappa, z0)])
    np.testing.assert_array_equal(iterated, reference)
    finite = np.isfinite(closed)
    # skip cases within float tolerance of an exact Z_t = 1 (there rounding decides the count)
    agree = closed[finite] == reference[finite]
    assert agree.mean() > 0.995, f"{(~agree).sum()} disagreements"
    assert np.all(reference[~finite] == cap)


def test_kappa_equal_four_branch():
    # κ = 4: Z_t = 2 + 2d/(2 + t d), d = Z0 − 2
    z0 = 1.7
    d = z0 - 2
    expected = [2 + 2 * d / (2 + t * d) for t in range(4)]
    np.testing.assert_allclose(sal.orbit(4.0, z0, 3), expected, rtol=1e-5)
    assert int(sal.retrievals(4.0, z0, 100)) == int(sal.collapse_index(4.0, z0))


def test_near_threshold_decay_count_scales_like_pi_over_theta():
    # a full pass through the bottleneck (from a large Z0) takes about π/θ ≈ 2π/√(4 − κ)
    for kappa in (3.99, 3.999):
        count = int(sal.retrievals(kappa, 100.0, 10_000))
        assert abs(count - 2 * np.pi / np.sqrt(4 - kappa)) / count < 0.1


def test_cumulative_time_closed_form_vs_sum_of_logs(x64):
    for kappa, z0 in [(5.0, 3.0), (6.0, 1.8), (3.5, 3.0), (4.0, 2.6), (5.0, 1.3)]:
        orbit = np.asarray(sal.orbit(kappa, z0, 12))
        n_alive = int(sal.retrievals(kappa, z0, 12))
        n = np.arange(n_alive + 1)
        direct = np.concatenate([[0.0], np.cumsum(np.log(orbit[:n_alive]))])
        np.testing.assert_allclose(
            sal.cumulative_time(kappa, z0, n), direct, rtol=1e-10, atol=1e-12
        )
        if n_alive < 12:
            assert np.isnan(float(sal.cumulative_time(kappa, z0, n_alive + 1)))


def test_periodic_orbit_converges_to_z_plus_and_dwell_to_period():
    dwell = sal.dwell_times(5.0, 3.0, 60)
    np.testing.assert_allclose(dwell[-1], sal.period(5.0), rtol=1e-5)
    assert bool(jnp.all(jnp.diff(dwell) > -1e-6))  # monotone convergence from below


def test_kappa_for_period_inverts_period():
    kappa = jnp.asarray([4.0, 4.5, 5.0, 6.0, 10.0, 50.0])
    np.testing.assert_allclose(sal.kappa_for_period(sal.period(kappa)), kappa, rtol=2e-5)
    np.testing.assert_allclose(sal.kappa_for_period(np.log(3.0)), 4.5, rtol=1e-6)


@pytest.mark.parametrize("bad", [0.5, float("nan"), float("inf"), -1.0])
def test_kappa_for_period_rejects_unreachable(bad):
    with pytest.raises(ValueError, match="target_period"):
        sal.kappa_for_period(bad)


H = 1e-6


def _central_difference(f, x):
    return (f(x + H) - f(x - H)) / (2 * H)


@pytest.mark.parametrize("kappa", [4.5, 5.0, 8.0])
def test_period_gradient_matches_closed_form_and_fd(x64, kappa):
    grad = jax.grad(sal.period)(kappa)
    np.testing.assert_allclose(grad, _central_difference(sal.period, kappa), rtol=1e-6)
    # d ln Z_+/dκ = (dZ_+/dκ)/Z_+, dZ_+/dκ = (1 + (κ − 2)/√(κ² − 4κ))/2
    z_plus = (kappa + np.sqrt(kappa**2 - 4 * kappa)) / 2
    dz_plus = 0.5 * (1 + (kappa - 2) / np.sqrt(kappa**2 - 4 * kappa))
    np.testing.assert_allclose(grad, dz_plus / z_plus, rtol=1e-10)


@pytest.mark.parametrize("kappa, z0", [(5.0, 3.0), (3.5, 3.0), (6.0, 1.5)])
@pytest.mark.parametrize("index", [1, 3])
def test_orbit_gradients_match_fd(x64, kappa, z0, index):
    def value(k, z):
        return sal.orbit(k, z, 4)[index]

    np.testing.assert_allclose(
        jax.grad(value, 0)(kappa, z0), _central_difference(lambda k: value(k, z0), kappa), rtol=1e-6
    )
    np.testing.assert_allclose(
        jax.grad(value, 1)(kappa, z0), _central_difference(lambda z: value(kappa, z), z0), rtol=1e-6
    )


@pytest.mark.parametrize("kappa, z0", [(5.0, 3.0), (3.5, 3.0), (6.0, 1.5)])
@pytest.mark.parametrize("n", [2, 4])
def test_cumulative_time_gradients_match_fd(x64, kappa, z0, n):
    def total(k, z):
        return sal.cumulative_time(k, z, n)

    np.testing.assert_allclose(
        jax.grad(total, 0)(kappa, z0), _central_difference(lambda k: total(k, z0), kappa), rtol=1e-6
    )
    np.testing.assert_allclose(
        jax.grad(total, 1)(kappa, z0), _central_difference(lambda z: total(kappa, z), z0), rtol=1e-6
    )


def test_soft_retrievals_approach_hard_count_and_are_differentiable():
    for kappa, z0, hard in [(5.0, 1.3, 2), (3.5, 3.0, 6), (3.0, 2.5, 3)]:
        soft = float(sal.soft_retrievals(kappa, z0, 60, temperature=0.01))
        assert abs(soft - hard) < 0.1
        grad = float(jax.grad(sal.soft_retrievals)(kappa, z0, 60, 0.1))
        assert np.isfinite(grad) and grad > 0  # more gain, more retrievals


def test_jit_vmap_consistency_and_float32_default():
    kappa = jnp.linspace(3.0, 7.0, 16)
    z0 = jnp.linspace(1.2, 4.0, 16)
    batched = jax.jit(jax.vmap(lambda k, z: sal.retrievals(k, z, 100)))(kappa, z0)
    looped = np.array([int(sal.retrievals(k, z, 100)) for k, z in zip(kappa, z0)])
    np.testing.assert_array_equal(batched, looped)
    assert sal.orbit(5.0, 3.0, 3).dtype == jnp.float32
    assert sal.period(jnp.asarray(5.0)).dtype == jnp.float32


def test_float64_precision(x64):
    zm, zp = sal.fixed_points(5.0)
    assert zp.dtype == jnp.float64
    np.testing.assert_allclose(float(zp), (5 + np.sqrt(5)) / 2, rtol=1e-14)


def test_bad_steps_rejected():
    with pytest.raises(ValueError, match="steps"):
        sal.orbit(5.0, 3.0, -1)
    with pytest.raises(ValueError, match="max_steps"):
        sal.retrievals(5.0, 3.0, -3)


def _numpy_final_and_count(kappa, z0, steps):
    """Independent float32 reference: the whole-array NumPy loop, one count per step."""
    z, count = z0.astype(np.float32).copy(), np.zeros(z0.shape, np.int32)
    kappa = kappa.astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(steps):
            alive = z > 1
            count += alive
            z = np.where(alive, kappa * (np.float32(1) - np.float32(1) / z), np.float32(np.nan))
    return z, count


@pytest.mark.parametrize("steps", [0, 1, 3, 40, 300])
def test_one_state_retrieval_clock_equals_counting_loop(steps, monkeypatch):
    # The one-state clock (saliency while alive, −1/2 − k markers after the collapse) must give
    # the same final state and count as carrying the count, bit for bit, in float32.
    rng = np.random.default_rng(steps)
    kappa = np.concatenate([rng.uniform(0.5, 12, 2000), [1e-30, 4.0, 4.0, 5.0, 3.999, 1e3]]).astype(
        np.float32
    )
    z0 = np.concatenate([rng.uniform(0.05, 8, 2000), [1.5, 2.0, 1.0, 0.3, 100.0, 1.001]]).astype(
        np.float32
    )
    ref_z, ref_count = _numpy_final_and_count(kappa, z0, steps)
    run = jax.jit(sal._map._final_and_retrievals, static_argnums=2)
    final, count = run(jnp.asarray(kappa), jnp.asarray(z0), steps)
    np.testing.assert_array_equal(np.asarray(count), ref_count)
    np.testing.assert_array_equal(np.asarray(final), ref_z)  # NaN where NaN
    assert (ref_count < steps).any() and (ref_count == steps).any() or steps == 0
    # the two-state fallback (taken when max_steps ≥ 2^nmant) agrees too
    monkeypatch.setattr(sal._map, "_clock_fits", lambda dtype, n: False)
    final2, count2 = jax.jit(sal._map._final_and_retrievals, static_argnums=2)(
        jnp.asarray(kappa), jnp.asarray(z0), steps
    )
    np.testing.assert_array_equal(np.asarray(count2), ref_count)
    np.testing.assert_array_equal(np.asarray(final2), ref_z)


def test_retrieval_clock_limits_and_broadcasting():
    assert sal._map._clock_fits(jnp.float32, 2**23 - 1)
    assert not sal._map._clock_fits(jnp.float32, 2**23)
    assert sal._map._clock_fits(jnp.float64, 2**31 - 1)
    # vmapped over κ with one Z0 (the public functions take one example; vmap for batches)
    kappa = jnp.array([3.0, 5.0, 0.5])
    count = np.asarray(jax.vmap(lambda k: sal.retrievals(k, 3.0, 50))(kappa))
    expected = [_numpy_retrievals(float(k), 3.0, 50) for k in kappa]
    np.testing.assert_array_equal(count, expected)
    # traced out-of-domain input: INVALID, not a count
    traced = jax.jit(lambda k, z: sal.retrievals(k, z, 10))
    assert int(traced(5.0, jnp.nan)) == sal.INVALID
    assert int(traced(-1.0, 3.0)) == sal.INVALID
