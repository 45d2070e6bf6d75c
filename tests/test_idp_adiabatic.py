"""The exact adiabatic (ε → 0) reduction: the saliency map in closed form, and agreement with
fixed-step Euler."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh


def network(kappa, **config):
    return jh.idp.SequenceNetwork.hadamard(kappa, size=64, num_memories=8, **config)


@pytest.mark.parametrize(
    "kappa, z0, orbit",
    [
        (5.0, 3.0, [3, 10 / 3, 7 / 2, 25 / 7, 18 / 5]),  # exact orbits of the saliency map
        (6.0, 2.0, [2, 3, 4, 4.5, 14 / 3]),
        (3.5, 3.0, [3, 7 / 3, 2, 7 / 4, 3 / 2, 7 / 6]),  # 6 retrievals, then 1/2
        (4.5, 1.45, [1.45, 1.39655, 1.27778]),  # 3 retrievals
    ],
)
def test_first_pass_is_the_saliency_map(kappa, z0, orbit):
    ev = jh.idp.adiabatic_events(network(kappa), z0, max_events=len(orbit) + 2)
    n = len(orbit)
    np.testing.assert_allclose(ev.entry_saliencies[:n], orbit, rtol=1e-4)
    np.testing.assert_allclose(ev.dwell_times[:n], np.log(orbit), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ev.entry_times[:n], np.cumsum(np.log([1.0, *orbit[:-1]])), rtol=1e-4)
    np.testing.assert_array_equal(ev.memories[:n], np.arange(n) % 8)
    collapsing = kappa < 4 or z0 < 1.5
    assert bool(ev.collapsed) == collapsing
    if collapsing:
        assert int(ev.num_entries) == n  # = the map's retrievals before Z ≤ 1
        np.testing.assert_allclose(ev.collapse_time, np.sum(np.log(orbit)), rtol=1e-4)


def test_residual_saliency_after_a_full_cycle():
    # P = 2: memory 0 is re-entered while still carrying e^{−T_1}·Z_0-type residue; the
    # closed form of the linear slow layer gives Z_2 = Z_1-exit value of α_0.
    net = jh.idp.SequenceNetwork.hadamard(5.0, size=4, num_memories=2)
    ev = jh.idp.adiabatic_events(net, 3.0, max_events=3)
    z1 = 5.0 * (1 - 1 / 3.0)
    residue = 1.0 / z1  # α_0 = 1 when memory 0 is left, then decays for T_1 = ln Z_1
    z2 = residue + 5.0 * (1 - 1 / z1)
    np.testing.assert_allclose(ev.entry_saliencies, [3.0, z1, z2], rtol=1e-5)


def test_vmap_over_kappa_and_collapse_index():
    kappas = jnp.array([3.0, 3.5, 4.5, 5.0, 6.0])
    z0 = jnp.asarray(1.45)

    def count(kappa):
        return jh.idp.adiabatic_events(network(kappa), z0, max_events=40).num_entries

    counts = np.asarray(jax.vmap(count)(kappas))
    expected = [float(jh.saliency.collapse_index(k, 1.45)) for k in np.asarray(kappas)]
    expected = [40 if not np.isfinite(e) else int(e) for e in expected]
    np.testing.assert_array_equal(counts, expected)


def test_gradient_matches_finite_differences(x64):
    @jax.jit
    def total_time(kappa):
        ev = jh.idp.adiabatic_events(network(kappa), 2.5, max_events=6)
        return jnp.sum(ev.dwell_times)

    grad = jax.jit(jax.grad(total_time))(5.0)
    h = 1e-6
    fd = (total_time(5.0 + h) - total_time(5.0 - h)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6)
    # And against the closed-form cumulative time T(6) = ln(A Z_+^6 + B Z_−^6).
    closed = jax.grad(lambda k: jh.saliency.cumulative_time(k, 2.5, 6))(5.0)
    np.testing.assert_allclose(grad, closed, rtol=1e-8)


def test_matches_fixed_step_euler(key):
    net = network(5.0, eps=1e-3)
    sol = jh.idp.simulate_sequence(net, jh.idp.sequence_init(net, 3.0), t1=6.5, key=key)
    euler = jh.idp.extract_events(sol.ts, *sol.ys, max_events=6)
    fast = jh.idp.adiabatic_events(net, 3.0, max_events=6)
    np.testing.assert_array_equal(euler.memories, fast.memories)
    np.testing.assert_allclose(euler.entry_saliencies, fast.entry_saliencies, rtol=1.5e-2)
    np.testing.assert_allclose(euler.entry_times, fast.entry_times, rtol=1.5e-2, atol=1e-6)


def test_signed_drive_is_refused():
    with pytest.raises(ValueError, match="drive"):
        jh.idp.adiabatic_events(network(5.0, drive="signed"), 3.0, max_events=4)
