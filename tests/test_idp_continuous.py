"""The two-timescale network on diffrax: the continuous solve against the Euler path, the exact
ε → 0 reduction, and its event-time gradients against finite differences."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh


def network(kappa, eps, **config):
    return jh.idp.SequenceNetwork.hadamard(kappa, size=16, num_memories=4, eps=eps, **config)


@eqx.filter_jit
def continuous(net, z0, key, t1):
    sol = jh.idp.simulate_sequence(
        net, jh.idp.sequence_init(net, z0), t1=t1, key=key, solver="kvaerno5"
    )
    return jh.idp.continuous_events(net, sol, max_events=6), sol.num_steps


def test_float32_and_unknown_solver_are_refused(key):
    net32 = network(5.0, 1e-3)
    assert net32.memories.dtype == jnp.float32
    with pytest.raises(ValueError, match="float64"):
        jh.idp.solve_sequence(net32, jh.idp.sequence_init(net32, 3.0), t1=1.0, key=key)
    with pytest.raises(ValueError, match="solver must be one of"):
        jh.idp.simulate_sequence(
            net32, jh.idp.sequence_init(net32, 3.0), t1=1.0, key=key, solver="rk4"
        )


def test_continuous_matches_the_adiabatic_limit_at_small_eps(x64, key):
    # ε = 1e-5: the escape after each exit takes ε ln(1/σ)/(α − 1) ≈ 1e-4 time units, in
    # which the successor's saliency grows by < 3e-4: the exact ε → 0 reduction must agree
    # to that, and the exits (α_μ = 1) to the same order.
    net = network(5.0, 1e-5)
    ev, steps = continuous(net, 3.0, key, 4.5)
    ad = jh.idp.adiabatic_events(net, 3.0, max_events=6)
    assert int(ev.num_entries) == 4 and not bool(ev.collapsed)
    np.testing.assert_array_equal(ev.memories[:4], ad.memories[:4])
    np.testing.assert_allclose(ev.entry_saliencies[:4], ad.entry_saliencies[:4], rtol=3e-4)
    # Exits accumulate: each later Z_k, hence each dwell ln Z_k, carries the earlier delays.
    np.testing.assert_allclose(ev.exit_times[:3], ad.exit_times[:3], atol=1e-3)
    assert int(steps) < 5000  # adaptive: nowhere near t1/ε = 450,000 steps


@pytest.mark.slow
def test_continuous_agrees_with_euler_at_moderate_eps(x64, key):
    # ε = 1e-3. The two paths differ only in the seed of each escape (live noise of size
    # σ/√(2ε) ≈ 2e-5 for Euler, a frozen imperfection σ|ξ·u|/N ≈ 2.5e-7 for the continuous
    # solve): the escape delays differ by ε Δln(seed)/(α − 1) ≈ 2e-3, so the entry
    # saliencies by about (κ − Z) · 2e-3 ≈ 0.1 % — we allow 0.5 %; the exits by < 1e-2.
    net = network(5.0, 1e-3)
    ev, _ = continuous(net, 3.0, key, 4.5)
    sol = jh.idp.simulate_sequence(
        net, jh.idp.sequence_init(net, 3.0), t1=4.5, key=key, save_every=5
    )
    eu = jh.idp.extract_events(sol.ts, *sol.ys, max_events=6)
    assert int(ev.num_entries) == int(eu.num_entries) == 4
    np.testing.assert_allclose(ev.entry_saliencies[:4], eu.entry_saliencies[:4], rtol=5e-3)
    np.testing.assert_allclose(ev.exit_times[:3], eu.exit_times[:3], atol=1e-2)


@pytest.mark.slow
def test_dwell_gradients_match_finite_differences_without_ripple(x64, key):
    # The case: κ = 4.6, N = 16, P = 4, ε = 2e-3, where the Euler path's d(dwell)/dκ
    # is a ripple. Exit-to-exit dwells located by root finding on the dense solution, their
    # gradients by the implicit function theorem: AD must agree with central differences at
    # h = 1e-2 and at h = 1e-4 alike (a step-grid staircase would split the two), in κ and
    # in Z₀. With the exact Hard Tanh (smoothing 0) the pathwise derivative is wrong: every
    # component leaves saturation at a kink of the vector field (Jacobian jump of order 1/ε),
    # and a step that straddles one integrates the variational equation with the wrong
    # Jacobian — measured here: d(dwell 3)/dκ = 0.076 by AD against 0.352 by differences
    # (h = 1e-2 and 1e-3 agree), d(dwell 2)/dZ₀ = −0.29 against +0.45. Rounding the corners
    # over s = 0.01 (below the 0.05 this test used) makes AD and differences agree.
    net = network(4.6, 2e-3, smoothing=0.01)

    @jax.jit
    def dwells(kappa, z0):
        n = eqx.tree_at(lambda m: m.kappa, net, kappa)
        ev = jh.idp.sequence_events(
            n, jh.idp.sequence_init(n, z0), t1=4.0, key=key, rtol=1e-8, max_events=4
        )
        exits = ev.exit_times[:3]
        return exits - jnp.concatenate([jnp.zeros(1), exits[:-1]])

    kappa, z0 = jnp.asarray(4.6), jnp.asarray(2.0)
    ad_kappa, ad_z0 = jax.jacrev(dwells, argnums=(0, 1))(kappa, z0)
    assert np.all(np.isfinite(ad_kappa)) and abs(float(ad_kappa[2])) > 1e-2
    # the first dwell is ln Z₀ exactly: d/dZ₀ = 1/Z₀, d/dκ = 0
    np.testing.assert_allclose(ad_z0[0], 0.5, rtol=1e-6)
    for h in (1e-2, 1e-4):
        fd_kappa = (dwells(kappa + h, z0) - dwells(kappa - h, z0)) / (2 * h)
        fd_z0 = (dwells(kappa, z0 + h) - dwells(kappa, z0 - h)) / (2 * h)
        np.testing.assert_allclose(ad_kappa, fd_kappa, rtol=2e-3, atol=2e-4)
        np.testing.assert_allclose(ad_z0, fd_z0, rtol=2e-3, atol=2e-4)


def sequence_sweep(params, axes, **options):
    from jaxhop import _workloads

    fn, config = _workloads.bind("sequence", params, tuple(axes))
    grid = jh.sweep.points(**{k: np.asarray(v) for k, v in axes.items()})
    return jh.sweep.sweep(fn, grid, quiet=True, **options), config


@pytest.mark.slow
def test_sequence_workload_with_the_continuous_solver(x64):
    # The sweep workload at ε = 1e-5 through diffrax, inside the runner's shard_map + vmap
    # (where lineax's LU used to fail; the stages are now solved by DenseChord). κ = 5
    # (Z₀ = 3) keeps retrieving — its exits at ln 3, + ln(10/3), + ln 3.5 ≈ 3.56 leave 4
    # entries by t₁ = 4.5; κ = 3 (Z₀ = 2.5) collapses after the map's 3 entries (2.5, 1.8,
    # 4/3, then 0.75 < 1).
    params = {"adiabatic": False, "solver": "kvaerno5", "eps": 1e-5, "t1": 4.5}
    params.update(size=16, memories=4, max_events=8)
    axes = {"kappa": [5.0, 3.0], "z0": [3.0, 2.5]}
    result, config = sequence_sweep(params, axes, batch_size=2)
    np.testing.assert_array_equal(np.asarray(result["entries"]), [4, 3])
    np.testing.assert_array_equal(np.asarray(result["collapsed"]), [False, True])
    assert config["params"]["solver"] == "kvaerno5"
    # the map's entry saliencies (κ = 3: 2.5 → 1.8 → 4/3) to O(ε ln ε)
    np.testing.assert_allclose(result["last_entry_saliency"][1], 4 / 3, rtol=1e-3)


@pytest.mark.slow
def test_eps_is_a_sweep_axis_of_the_continuous_workload(x64, key):
    # ε traced (a grid axis) must give what the same solve with ε fixed in the network gives
    # (the vector field is rescaled by ε_network/ε instead of dividing by a static ε). The
    # two differ in rounding, which the adaptive steps and the escapes from a 1e-7 seed
    # amplify up to ~1e-4 (measured 7e-5 at rtol = 1e-6); a wrong ε moves Z by percents.
    params = {"adiabatic": False, "solver": "kvaerno5", "t1": 3.0, "noise": 1e-6}
    params.update(size=16, memories=4, max_events=6)
    axes = {"kappa": [4.5, 4.5, 4.5], "z0": [1.45, 1.45, 1.45], "eps": [1e-2, 1e-3, 1e-5]}
    result, _ = sequence_sweep(params, axes, batch_size=4, key=key)
    for i, eps in enumerate(axes["eps"]):
        net = network(4.5, eps, noise=1e-6)
        point_key = jax.random.fold_in(key, i)
        ev, _ = continuous(net, 1.45, point_key, 3.0)
        assert int(result["entries"][i]) == int(ev.num_entries)
        n = int(ev.num_entries)
        np.testing.assert_allclose(
            result["last_entry_saliency"][i], ev.entry_saliencies[n - 1], rtol=1e-3
        )
    # the finite-ε network keeps more memories than the map near Z₋ as ε grows
    assert len(np.unique(result["entries"])) > 1


@pytest.mark.slow
def test_continuous_workload_is_bit_identical_for_any_chunk_size(x64):
    # The runner's tiles have a fixed width: a point's result may not depend on the chunk
    # it lands in (tests/test_sweep_bitwise.py does this for the registered defaults).
    from jaxhop import _workloads

    params = {"adiabatic": False, "solver": "kvaerno3", "t1": 2.0, "noise": 1e-3}
    params.update(size=16, memories=4, max_events=6)
    fn, _ = _workloads.bind("sequence", params, ("kappa", "z0", "eps"))
    grid = jh.sweep.product(
        kappa=np.array([3.0, 4.5, 6.0]), z0=np.array([1.5, 3.0]), eps=np.array([1e-2, 1e-4])
    )
    key = jax.random.key(3)
    runs = [
        jh.sweep.sweep(fn, grid, chunk_size=c, batch_size=4, key=key, quiet=True)
        for c in (4, 8, grid.size)
    ]
    for other in runs[1:]:
        for name in runs[0].names:
            a, b = np.asarray(runs[0][name]), np.asarray(other[name])
            assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), name
    assert len(np.unique(runs[0]["entries"])) > 1


def test_workload_refuses_an_eps_axis_on_the_euler_path():
    from jaxhop import _workloads

    fn, _ = _workloads.bind("sequence", {"adiabatic": False}, ("eps",))
    with pytest.raises(ValueError, match="eps can be a grid axis only"):
        jh.sweep.sweep(fn, {"eps": np.array([1e-3, 1e-2])}, quiet=True)


def test_workload_checks_its_parameters():
    from jaxhop import _workloads

    for fixed, match in (
        ({"solver": "rk4"}, "solver must be one of"),
        ({"rtol": 2.0}, "rtol must be"),
        ({"noise": -1.0}, "noise must be"),
    ):
        fn, _ = _workloads.bind("sequence", fixed, ("kappa",))
        with pytest.raises(ValueError, match=match):
            jh.sweep.sweep(fn, {"kappa": np.array([4.0])}, quiet=True)


def test_map_count_boundary_is_where_the_maps_count_changes(x64):
    # b_n = g^n(1) against jh.saliency's collapse index (an independent closed form): the
    # map retrieves n memories just below b_n and n + 1 just above, and b_n → Z₋.
    for kappa in (4.5, 6.0):
        z_minus = float(jh.saliency.fixed_points(kappa)[0])
        previous = 1.0
        for n in (1, 2, 3, 6):
            b = float(jh.idp.map_count_boundary(kappa, n))
            assert previous < b < z_minus
            below = float(jh.saliency.collapse_index(kappa, b * (1 - 1e-9)))
            above = float(jh.saliency.collapse_index(kappa, b * (1 + 1e-9)))
            assert (below, above) == (n, n + 1)
            previous = b
    np.testing.assert_allclose(jh.idp.map_count_boundary(4.5, 60), 1.5, rtol=1e-12)
    with pytest.raises(ValueError, match="n must be"):
        jh.idp.map_count_boundary(4.5, -1)


@pytest.mark.slow
def test_network_count_boundary_converges_to_the_maps(x64, key):
    # The network's boundary between 2 and 3 retrievals at κ = 4.5 (map: g²(1) = 1.4): below
    # the map's at ε = 1e-2 (the escapes' delays let the successor charge longer: measured
    # −0.034), within 2e-3 of it at ε = 1e-5 (measured −0.0010; docs/idp.md: the error falls
    # about as ε ln(1/ε) down to 1e-5).
    exact = float(jh.idp.map_count_boundary(4.5, 2))
    found = jh.idp.network_count_boundary(
        4.5, np.array([1e-2, 1e-5]), 2, key=key, lo=1.001, hi=exact + 0.02, iterations=12
    )
    assert exact - float(found[0]) > 1e-2
    assert abs(float(found[1]) - exact) < 2e-3
