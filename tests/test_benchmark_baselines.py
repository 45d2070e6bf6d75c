"""The benchmarks' strong NumPy baselines are independent reimplementations of jaxhop's
algorithms: on tiny sizes each must compute what jaxhop computes (exactly where the algorithm
is exact, within float32 rounding or Monte-Carlo error otherwise). A baseline that computed
something else would make its speed ratio meaningless, and each doubles as a check of jaxhop.
"""

import math
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import jaxhop as jh  # noqa: E402


def test_saliency_tiled_numpy_matches_jaxhop():
    import bench_saliency as bs

    rng = np.random.default_rng(1)
    kappas = rng.uniform(1, 10, 3000).astype(np.float32)
    z0s = rng.uniform(0.25, 8, 3000).astype(np.float32)
    final, count = bs.numpy_sweep_strong(kappas, z0s, tile=1024)  # several tiles + a partial one
    j_final, j_count = bs.saliency_sweep(jnp.asarray(kappas), jnp.asarray(z0s))
    np.testing.assert_array_equal(count, np.asarray(j_count))
    np.testing.assert_allclose(final, np.asarray(j_final), rtol=1e-5, equal_nan=True)
    # and an independent truth: a point with κ < 4 from Z₀ = 2 collapses after a few steps
    assert count[np.argmin(np.abs(kappas - 2) + np.abs(z0s - 2))] < 10


def test_numpy_newton_matches_jaxhop_newton_and_the_closed_form():
    import bench_saliency as bs

    targets = np.linspace(0.7, 4.5, 257)
    ref = bs.numpy_kappa_newton(targets)
    fit = jh.fit.fit_kappa_to_period(targets, method="newton")
    assert bool(np.all(fit.converged)) and int(np.max(fit.steps)) <= 12
    np.testing.assert_allclose(np.asarray(fit.kappa), ref, rtol=1e-5)
    closed = np.asarray(jh.saliency.kappa_for_period(targets), np.float64)
    np.testing.assert_allclose(ref, closed, rtol=1e-4)
    # the history: r² before each step, NaN once a target has stopped
    losses = np.asarray(fit.losses)
    assert losses.shape == (257, 16)  # min(steps, NEWTON_HISTORY)
    assert np.all(np.isnan(losses[np.arange(257), np.asarray(fit.steps)]))


def test_newton_method_arguments():
    with pytest.raises(ValueError, match="method"):
        jh.fit.fit_kappa_to_period(2.0, method="bfgs")
    with pytest.raises(ValueError, match="optimizer"):
        import optax

        jh.fit.fit_kappa_to_period(2.0, method="newton", optimizer=optax.adam(0.1))
    single = jh.fit.fit_kappa_to_period(1.285931, method="newton")  # κ = 5: period ln Z_+
    np.testing.assert_allclose(float(single.kappa), 5.0, rtol=1e-5)


def test_firing_rate_low_rank_numpy_matches_jaxhop():
    import bench_firing_rate as bf

    x_star, rho = np.linspace(0.0, 0.9, 5), np.linspace(0.2, 5.0, 6)
    diagram = jh.firing_rate.phase_diagram("sigmoid", "negative", size=bf.N, x_star=x_star, rho=rho)
    xi = np.asarray(jh.firing_rate.exact_overlap_patterns(bf.N, bf.Q))
    stable, sufficient, flagged, lam = bf.numpy_low_rank_phase(xi, rho, x_star)
    np.testing.assert_array_equal(stable, np.asarray(diagram.stable))
    np.testing.assert_array_equal(sufficient, np.asarray(diagram.sufficient))
    np.testing.assert_array_equal(flagged, np.asarray(diagram.instability))
    np.testing.assert_allclose(lam, np.asarray(diagram.lambda_max), atol=1e-4)
    # independent truth for one cell: the dense float64 eigendecomposition
    dense_stable = bf.numpy_cell(xi.astype(np.float64), rho[2], x_star[1])[0]
    assert dense_stable == stable[1, 2]


def test_idp_low_rank_numpy_matches_jaxhop_without_noise():
    import bench_idp as bi

    n, p, trials, steps = 128, 4, 2, 300
    rng = np.random.default_rng(0)
    memories = rng.choice(np.array([-1.0, 1.0], np.float32), size=(n, p))
    saliencies = rng.uniform(0.5, 2.0, (trials, 3, p)).astype(np.float32)  # 3 input rows
    y0 = rng.standard_normal((trials, n)).astype(np.float32)
    ref = bi.numpy_low_rank(memories, saliencies, y0, steps, rng, sigma=0.0)
    net = jh.idp.IDPNetwork(
        jnp.asarray(memories), activation="tanh", gain=bi.GAIN, zero_diagonal=True, noise=0.0
    )

    def trial(alpha, y):
        sched = jh.idp.glitch_schedule(alpha)
        return jh.idp.simulate(net, sched, y, t1=steps * bi.DT, dt=bi.DT, save_every=10).ys

    ys = jax.jit(jax.vmap(trial))(jnp.asarray(saliencies), jnp.asarray(y0))
    np.testing.assert_allclose(np.asarray(ys)[:, 1:], ref, atol=2e-3)


def test_dam_strong_numpy_recall_is_identical_to_jaxhop():
    import bench_dam as bd

    size, trials, steps = 128, 24, 8
    patterns = jh.dam.num_patterns(3, size, 0.1)  # settles within the steps: skips + shifts
    model, s0, _ = bd._recall_fn(size, patterns, trials, steps)
    xi = np.asarray(model.all_patterns(), np.float32)
    states, computed = bd.numpy_recall_strong(xi, np.asarray(s0), steps)
    ref = jax.jit(lambda m, s: jh.dam.recall(m, s, steps, observe="state").ys)(model, s0)
    np.testing.assert_array_equal(states, np.asarray(ref))
    assert computed == bd._column_steps(model, s0, steps) < trials * steps  # columns skipped
    # the shifts were used (some step with few flips after the first)
    assert any(c <= size // 2 for c in bd._flipped_sites(model, s0, steps))
    # and the dense NumPy rule gives the same states
    np.testing.assert_array_equal(bd.numpy_recall(xi, np.asarray(s0, np.float32), 3), states[3])


def test_dam_strong_numpy_effective_process_matches_jaxhop_and_the_closed_form():
    import bench_dam as bd

    m0, load, steps, paths = 0.6, 0.2, 4, 2**14
    m_np = bd.numpy_effective_strong(m0, load, steps, paths)
    m_plain = bd.numpy_effective(m0, load, steps, paths)
    m_j = np.asarray(
        jh.dam.effective_process(m0, load, 3, steps, key=jax.random.key(0), paths=paths).m
    )
    m1, m2, _ = (float(v) for v in jh.dam.two_step(m0, load, 3))
    mc = 4 / math.sqrt(paths)  # a few standard errors of a mean of ±1 over the paths
    assert abs(m_np[1] - m1) < mc and abs(m_np[2] - m2) < 2 * mc
    assert abs(m_j[1] - m1) < mc and abs(m_j[2] - m2) < 2 * mc
    assert np.max(np.abs(m_np - m_j)) < 4 * mc
    # same seed, same algorithm: the plain NumPy loop draws the same normals
    np.testing.assert_allclose(m_np, m_plain, atol=2 * mc)


def test_effective_process_equals_the_numpy_loop_on_the_same_normals():
    """The bit-packed kernel against the float32 NumPy loop fed jaxhop's own normals (step t
    draws from ``fold_in(key, t)``): the same paths, so m(t) agrees path for path (a float
    rounding may flip a path on the threshold: two allowed)."""
    import bench_dam as bd

    steps, paths, m0, load = 12, 2**14, 0.7, 0.25
    key = jax.random.key(3)
    normals = np.stack(
        [np.asarray(jax.random.normal(jax.random.fold_in(key, t), (paths,))) for t in range(steps)]
    )
    m_np = bd.numpy_effective_strong(m0, load, steps, paths, normals=normals)
    m_j = np.asarray(jh.dam.effective_process(m0, load, 3, steps, key=key, paths=paths).m)
    assert np.abs(m_np - m_j).max() * paths <= 2


def test_sweep_tiled_numpy_matches_plain_numpy():
    import bench_sweep as bw

    kappas, z0s = np.linspace(1.0, 10.0, 37), np.linspace(0.25, 8.0, 29)
    plain = bw.numpy_saliency(kappas, z0s)
    strong = bw.numpy_saliency_strong(kappas, z0s, tile=100)
    for a, b in zip(plain, strong):
        np.testing.assert_array_equal(a, b)
