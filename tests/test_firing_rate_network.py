"""Design and network (docs/firing_rate.md): reference table, equilibria, low-rank W, energy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh

fr = jh.firing_rate

# Reference values computed independently from the design formulas (not published values),
# q = 0.2, ρ = 4.8, deterministic patterns: Φ(a), Φ(b), α̃, γ
TABLE = [
    ("sigmoid", 0.2, -0.3, 9.0e-6, 0.999996, 1.25002, -0.24999),
    ("sigmoid", 0.2, 0.1, 0.019455, 0.999996, 0.86687, 1.25253),
    ("rect-tanh", 0.8, -0.3, 0.0, 0.616909, 2.02623, -0.40525),
]


def _digits(value, printed):
    """|value − printed| within half a unit of the printed value's last digit."""
    text = f"{printed!r}"
    mantissa = text.split("e")[0]
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    exponent = int(text.split("e")[1]) if "e" in text else 0
    return abs(value - printed) <= 0.5 * 10.0 ** (exponent - decimals) + 1e-15


@pytest.mark.parametrize("name, x_star, a, phi_a, phi_b, alpha_tilde, gamma", TABLE)
def test_reference_table(x64, name, x_star, a, phi_a, phi_b, alpha_tilde, gamma):
    design = fr.synaptic_design(fr.make_activation(name, 4.8, x_star), a, 0.95, 0.2)
    got = [float(design.phi_a), float(design.phi_b), float(design.alpha_tilde)]
    got.append(float(design.gamma))
    if name == "sigmoid" and a < 0:  # Φ(a) = 9.17e-6 prints as 9.2e-6: one significant digit
        assert abs(got[0] - phi_a) < 0.5e-6 + 0.2e-6
        got[0] = phi_a
    for value, printed in zip(got, (phi_a, phi_b, alpha_tilde, gamma)):
        assert _digits(value, printed), (value, printed)
    # r = q: β = q and α = α̃/(q(1 − q))
    assert abs(float(design.beta) - 0.2) < 1e-14
    assert abs(float(design.alpha) - float(design.alpha_tilde) / 0.16) < 1e-12


@pytest.mark.parametrize("name, x_star, a", [(c[0], c[1], c[2]) for c in TABLE])
def test_rescaled_memories_are_exact_equilibria(x64, name, x_star, a):
    xi = fr.exact_overlap_patterns(1000, 0.2)
    act = fr.make_activation(name, 4.8, x_star)
    net = fr.FiringRateNetwork.designed(xi, act, a=a, b=0.95)
    xbar = net.rescaled_memories()
    wx = jax.vmap(net.weights_times, in_axes=1, out_axes=1)(xbar)
    np.testing.assert_allclose(np.asarray(wx), np.asarray(a + (0.95 - a) * xi), atol=1e-13)
    residual = jax.vmap(lambda x: net.drift(0.0, x), in_axes=1, out_axes=1)(xbar)
    assert float(jnp.max(jnp.abs(residual))) < 1e-13


def test_shared_core_memories_are_exact_equilibria(x64, key):
    xi = fr.shared_core_patterns(key, 1000, 7, q=0.2, r=0.4)
    net = fr.FiringRateNetwork.designed(xi, fr.Sigmoid(4.8, 0.2), a=-0.3, b=0.95, r=0.4)
    assert abs(float(net.beta) - 0.2) > 0.1  # β ≠ q: the general design is exercised
    xbar = net.rescaled_memories()
    residual = jax.vmap(lambda x: net.drift(0.0, x), in_axes=1, out_axes=1)(xbar)
    assert float(jnp.max(jnp.abs(residual))) < 1e-13


def test_low_rank_product_equals_dense(key):
    k1, k2 = jax.random.split(key)
    xi = fr.shared_core_patterns(k1, 300, 5, q=0.2, r=0.4)
    net = fr.FiringRateNetwork.designed(xi, fr.Sigmoid(3.0, 0.1), a=0.1, b=0.9, r=0.4)
    x = jax.random.uniform(k2, (300,))
    dense = np.asarray(net.dense_weights(), np.float64)
    patterns = np.asarray(xi, np.float64)
    centred = patterns - float(net.beta)
    expected = float(net.alpha) / 300 * centred @ centred.T + float(net.gamma) / 300
    np.testing.assert_allclose(dense, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        np.asarray(net.weights_times(x)), expected @ np.asarray(x), rtol=1e-4, atol=1e-5
    )


def test_energy_non_increasing_along_noiseless_flow(x64, key):
    k1, k2 = jax.random.split(key)
    xi = fr.bernoulli_patterns(k1, 200, 5, 0.2)
    for act in (fr.Sigmoid(4.8, 0.2), fr.RectTanh(2.0, 0.3)):
        net = fr.FiringRateNetwork.designed(xi, act, a=-0.3, b=0.95)
        x0 = jax.random.uniform(k2, (200,), minval=0.05, maxval=0.95)
        sol = fr.simulate(net, x0, t1=5.0, save_every=5, save_fn=net.energy)
        energy = np.asarray(sol.ys)
        assert np.all(np.isfinite(energy))
        assert energy[-1] < energy[0] - 1.0  # it does descend
        assert np.all(np.diff(energy) <= 1e-10 * np.abs(energy[:-1]).max())


def test_energy_with_constant_input_is_a_lyapunov_function(x64, key):
    k1, k2, k3 = jax.random.split(key, 3)
    xi = fr.bernoulli_patterns(k1, 150, 4, 0.2)
    u = 0.2 * jax.random.normal(k3, (150,))
    net = fr.FiringRateNetwork.designed(xi, fr.Sigmoid(2.0, 0.2), a=0.1, b=0.95, input=u)
    x0 = jax.random.uniform(k2, (150,), minval=0.05, maxval=0.95)
    energy = np.asarray(fr.simulate(net, x0, t1=4.0, save_every=4, save_fn=net.energy).ys)
    assert np.all(np.diff(energy) <= 1e-10 * np.abs(energy).max())


def test_rates_stay_in_unit_interval(key):
    k1, k2 = jax.random.split(key)
    xi = fr.bernoulli_patterns(k1, 400, 8, 0.2)
    for act, a in ((fr.Sigmoid(4.8, 0.2), -0.3), (fr.RectTanh(4.8, 0.8), -0.3)):
        net = fr.FiringRateNetwork.designed(xi, act, a=a, b=0.95)
        x0 = jax.random.uniform(k2, (400,))
        sol = fr.simulate(net, x0, t1=3.0, save_every=10, save_fn=lambda x: x)
        rates = np.asarray(sol.ys)
        assert rates.min() >= 0.0 and rates.max() <= 1.0


def test_input_forms_tau_and_noise(key):
    xi = fr.exact_overlap_patterns(100, 0.2)
    act = fr.Sigmoid(4.8, 0.2)
    x = jnp.full((100,), 0.3)
    base = fr.FiringRateNetwork.designed(xi, act)
    const = fr.FiringRateNetwork.designed(xi, act, input=jnp.full((100,), 0.5))
    timed = fr.FiringRateNetwork.designed(xi, act, input=lambda t: jnp.full((100,), 0.5) * t)
    slow = fr.FiringRateNetwork.designed(xi, act, tau=2.0)
    expected = -x + act(base.weights_times(x) + 0.5)
    np.testing.assert_allclose(np.asarray(const.drift(0.0, x)), np.asarray(expected), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(timed.drift(1.0, x)), np.asarray(expected), rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(slow.drift(0.0, x)), 0.5 * np.asarray(base.drift(0.0, x)), rtol=1e-6
    )
    noisy = fr.FiringRateNetwork.designed(xi, act, noise=0.1)
    with pytest.raises(ValueError, match="key"):
        fr.simulate(noisy, x, t1=0.1)
    a = fr.simulate(noisy, x, t1=0.5, key=key).final
    b = fr.simulate(noisy, x, t1=0.5, key=key).final
    c = fr.simulate(base, x, t1=0.5).final
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert float(jnp.max(jnp.abs(a - c))) > 1e-3
    with pytest.raises(ValueError, match="tau"):
        fr.FiringRateNetwork.designed(xi, act, tau=-1.0)
    with pytest.raises(ValueError, match="b must be > a"):
        fr.synaptic_design(act, 0.5, 0.1)


def test_gradient_through_simulation_matches_finite_differences(x64, key):
    xi = fr.bernoulli_patterns(key, 60, 3, 0.2)
    x0 = 0.6 * xi[:, 0]

    @jax.jit
    def final_overlap(rho):
        net = fr.FiringRateNetwork.designed(xi, fr.Sigmoid(rho, 0.2), a=-0.3, b=0.95)
        return fr.simulate(net, x0, t1=1.0).final @ xi[:, 0]

    rho, h = 2.0, 1e-5
    grad = float(jax.grad(final_overlap)(jnp.asarray(rho)))
    fd = float(final_overlap(jnp.asarray(rho + h))) - float(final_overlap(jnp.asarray(rho - h)))
    fd /= 2 * h
    assert abs(grad) > 1e-3
    np.testing.assert_allclose(grad, fd, rtol=1e-6)
