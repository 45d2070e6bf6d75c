"""IDP network: low-rank product, energy, Hard Tanh equilibria, schedules, additive comparator.

The network is that of Betteti, Baggio, Bullo & Zampieri, Science Advances 11(17) (2025); see
docs/idp.md.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh


def dense_numpy(memories, saliencies, zero_diagonal):
    w = (memories * saliencies) @ memories.T / memories.shape[0]
    if zero_diagonal:
        np.fill_diagonal(w, 0.0)
    return w


@pytest.mark.parametrize("zero_diagonal", [False, True])
@pytest.mark.parametrize("activation", ["tanh", "hardtanh"])
def test_low_rank_product_equals_dense(key, zero_diagonal, activation):
    k1, k2, k3 = jax.random.split(key, 3)
    memories = jh.idp.random_memories(k1, 128, 6)
    saliencies = jax.random.uniform(k2, (6,), minval=0.2, maxval=3.0)
    y = 2 * jax.random.normal(k3, (128,))
    net = jh.idp.IDPNetwork(memories, activation=activation, gain=3.0, zero_diagonal=zero_diagonal)
    xi, a, yy = (np.asarray(v, np.float64) for v in (memories, saliencies, y))
    g = np.tanh(3.0 * yy) if activation == "tanh" else np.clip(yy, -1, 1)
    w = dense_numpy(xi, a, zero_diagonal)
    np.testing.assert_allclose(net.synaptic_input(saliencies, net.activate(y)), w @ g, atol=1e-5)
    np.testing.assert_allclose(net.drift(y, saliencies), -yy + w @ g, atol=1e-5)
    np.testing.assert_allclose(net.dense_weights(saliencies), w, atol=1e-6)
    np.testing.assert_allclose(net.overlaps(y), xi.T @ g / 128, atol=1e-6)
    # Energy against a direct NumPy evaluation with the dense matrix.
    integral = (
        np.log(np.cosh(3.0 * yy)) / 3.0
        if activation == "tanh"
        else np.where(np.abs(yy) <= 1, yy**2 / 2, np.abs(yy) - 0.5)
    )
    energy = -0.5 * g @ w @ g + yy @ g - integral.sum()
    np.testing.assert_allclose(net.energy(y, saliencies), energy, rtol=1e-5)


def test_additive_drift_equals_dense(key):
    k1, k2, k3 = jax.random.split(key, 3)
    memories = jh.idp.random_memories(k1, 64, 4)
    saliencies = jax.random.uniform(k2, (4,))
    y = jax.random.normal(k3, (64,))
    net = jh.idp.AdditiveNetwork(memories, gain=10.0, zero_diagonal=True)
    xi, a, yy = (np.asarray(v, np.float64) for v in (memories, saliencies, y))
    expected = -yy + dense_numpy(xi, np.ones(4), True) @ np.tanh(10 * yy) + xi @ a
    np.testing.assert_allclose(net.drift(y, saliencies), expected, atol=1e-4)


@pytest.mark.parametrize("activation, gain", [("tanh", 2.0), ("hardtanh", 1.0)])
def test_energy_never_increases_for_frozen_saliencies(key, activation, gain):
    k1, k2, k3 = jax.random.split(key, 3)
    memories = jh.idp.random_memories(k1, 100, 5)
    saliencies = jax.random.uniform(k2, (5,), minval=0.5, maxval=2.5)
    net = jh.idp.IDPNetwork(memories, activation=activation, gain=gain)
    y0 = 2 * jax.random.normal(k3, (100,))
    sol = jh.integrate(
        jh.euler_maruyama_step(lambda m, t, y: m.drift(y, saliencies), dt=1e-3),
        net,
        y0,
        num_steps=4000,
        dt=1e-3,
        save_every=20,
        save_fn=lambda y: net.energy(y, saliencies),
    )
    energies = np.asarray(sol.ys)
    assert energies[-1] < energies[0] - 1.0  # it really moves
    assert np.all(np.diff(energies) <= 1e-4 * np.abs(energies[:-1]) + 1e-5)


def run_noiseless(net, saliencies, y0, t1):
    schedule = jh.idp.SaliencySchedule(jnp.array([0.0, t1 + 1]), saliencies[None])
    return jh.idp.simulate(net, schedule, y0, t1=t1, dt=0.01, save_every=None).final


def test_memory_is_stable_equilibrium_when_saliency_above_one(key):
    memories = jh.idp.hadamard_memories(64, 4)
    net = jh.idp.IDPNetwork(memories, activation="hardtanh")
    saliencies = jnp.array([0.5, 1.6, 0.8, 0.3])
    target = 1.6 * memories[:, 1]
    np.testing.assert_allclose(net.drift(target, saliencies), 0.0, atol=1e-6)  # equilibrium
    y0 = target + 0.3 * jax.random.normal(key, (64,))
    final = run_noiseless(net, saliencies, y0, 20.0)
    np.testing.assert_allclose(final, target, atol=1e-4)  # perturbation decays: stable
    # Saliency below one: α ξ is not an equilibrium.
    below = jnp.array([0.5, 0.9, 0.8, 0.3])
    assert float(jnp.max(jnp.abs(net.drift(0.9 * memories[:, 1], below)))) > 0.05


def test_all_saliencies_below_one_decay_to_origin(key):
    memories = jh.idp.hadamard_memories(64, 4)
    net = jh.idp.IDPNetwork(memories, activation="hardtanh")
    saliencies = jnp.array([0.9, 0.7, 0.95, 0.2])
    y0 = 3.0 * memories[:, 2] + jax.random.normal(key, (64,))
    final = run_noiseless(net, saliencies, y0, 200.0)
    # Linear regime once |y| < 1: the slowest mode decays as e^{−(1 − 0.95) t}.
    assert float(jnp.max(jnp.abs(final))) < 3e-3


def test_schedule_is_piecewise_constant():
    values = jnp.array([[1.0, 2.0], [3.0, 4.0]])
    schedule = jh.idp.SaliencySchedule(jnp.array([1.0, 2.0, 5.0]), values)
    expected = {0.5: [0, 0], 1.0: [1, 2], 1.99: [1, 2], 2.0: [3, 4], 4.9: [3, 4], 5.0: [0, 0]}
    for t, value in expected.items():
        np.testing.assert_array_equal(schedule(jnp.asarray(t)), value)
    with pytest.raises(ValueError, match="one more entry"):
        jh.idp.SaliencySchedule(jnp.array([0.0, 1.0]), values)


def test_bad_configuration():
    memories = jh.idp.hadamard_memories(8, 2)
    with pytest.raises(ValueError, match="activation"):
        jh.idp.IDPNetwork(memories, activation="relu")
    with pytest.raises(ValueError, match="noise"):
        jh.idp.IDPNetwork(memories, noise=-1.0)
    net = jh.idp.IDPNetwork(memories, noise=1.0)
    schedule = jh.idp.glitch_schedule(jnp.ones((3, 2)))
    with pytest.raises(ValueError, match="key"):
        jh.idp.simulate(net, schedule, jnp.zeros(8), t1=1.0)
