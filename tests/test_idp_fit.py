"""Gradients through the simulated two-timescale network: finite differences and a κ fit."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh

PERIOD = 1.3  # target dwell; Z0 = e^T = Z_+(κ*) so every map dwell equals T at κ*


def small_network(kappa, smoothing=0.02):
    return jh.idp.SequenceNetwork.hadamard(
        kappa, size=16, num_memories=4, eps=2e-3, noise=1e-6, smoothing=smoothing
    )


def dwell_times(kappa, key):
    net = eqx.tree_at(lambda n: n.kappa, small_network(4.0), kappa)
    return jh.idp.network_dwell_times(net, np.exp(PERIOD), 3, t1=4.4, key=key)


def test_gradient_through_simulation_matches_finite_differences(x64, key):
    kappa = jnp.asarray(4.9)
    jac = jax.jit(jax.jacrev(dwell_times))(kappa, key)
    f = jax.jit(dwell_times)

    def central(h):
        return (f(kappa + h, key) - f(kappa - h, key)) / (2 * h)

    np.testing.assert_allclose(jac, central(1e-4), rtol=2e-3, atol=1e-6)
    # Over a wider step the escapes' residual jitter from the fixed time grid shows in later
    # dwells (up to ~15 % on the third); the second still has the average slope.
    np.testing.assert_allclose(jac[1], central(1e-2)[1], rtol=1e-2)
    # The first dwell is ln Z0 whatever κ is; the next ones grow with κ like the map's
    # d ln Z_1/dκ = 1/κ (finite ε shifts it a little).
    assert abs(float(jac[0])) < 1e-4
    np.testing.assert_allclose(jac[1], 1 / 4.9, rtol=0.1)


def test_fit_recovers_the_closed_form_inverse(key):
    target = jnp.full(3, PERIOD)
    result = jh.idp.fit_network_kappa(
        small_network(4.6),
        float(np.exp(PERIOD)),
        target,
        key=key,
        t1=4.4,
    )
    kappa = float(jnp.exp(result.params))
    closed = float(jh.saliency.kappa_for_period(PERIOD))  # e^2.6/(e^1.3 − 1) ≈ 5.0439
    assert float(result.losses[0]) > 1e3 * float(result.loss)  # the fit made progress
    assert abs(kappa - closed) < 0.01 * closed  # finite ε and smoothing bias the network
    np.testing.assert_allclose(dwell_times(jnp.exp(result.params), key), target, atol=5e-3)


def test_fit_reports_runs_too_short(key):
    with pytest.raises(ValueError, match="t1"):
        jh.idp.fit_network_kappa(
            small_network(4.6),
            float(np.exp(PERIOD)),
            jnp.full(3, PERIOD),
            key=key,
            t1=2.0,
            steps=2,
        )


@pytest.mark.slow
def test_continuous_fit_recovers_the_maps_kappa_as_eps_vanishes(x64, key):
    # Through the continuous solve (exact event times, implicit-function gradients), at
    # ε = 1e-5 the network's dwells are the map's up to O(ε ln ε): the fit must land near
    # the closed-form κ* = e^{2T}/(e^T − 1) ≈ 5.0439 (measured −0.75 % after 12 sgd steps;
    # the rest is the smoothing s = 0.01 and an unconverged last step), and much nearer than
    # the start κ = 4.6. Smoothing: with the exact Hard Tanh the gradient is wrong
    # (tests/test_idp_continuous.py), and the fit stalls (measured: −3.2 %).
    net = jh.idp.SequenceNetwork.hadamard(
        4.6, size=16, num_memories=4, eps=1e-5, noise=1e-6, smoothing=0.01
    )
    target = jnp.full(3, PERIOD)
    result = jh.idp.fit_network_kappa(
        net, float(np.exp(PERIOD)), target, key=key, t1=4.4, solver="kvaerno5"
    )
    kappa = float(jnp.exp(result.params))
    closed = float(jh.saliency.kappa_for_period(PERIOD))
    assert float(result.losses[0]) > 10 * float(result.loss)
    assert abs(kappa - closed) < 0.015 * closed


def test_fit_checks_its_arguments(key):
    net = small_network(4.6)
    for kwargs, match in (
        ({"solver": "rk4"}, "solver must be one of"),
        ({"solver": "kvaerno5", "dt": 1e-4}, "dt is the Euler step"),
        ({"rtol": 0.0}, "rtol must be"),
        ({"steps": 0}, "steps must be"),
    ):
        with pytest.raises(ValueError, match=match):
            jh.idp.fit_network_kappa(net, 3.0, jnp.full(2, PERIOD), key=key, **kwargs)
    with pytest.raises(ValueError, match="z0 must be"):
        jh.idp.fit_network_kappa(net, 0.5, jnp.full(2, PERIOD), key=key)
    with pytest.raises(ValueError, match="num_dwells must be"):
        jh.idp.network_dwell_times(net, 3.0, 0, t1=1.0, key=key)
