"""Activations: Φ' against finite differences, Φ⁻¹ round trips, ∫Φ⁻¹ against quadrature."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh

fr = jh.firing_rate

CASES = [
    ("sigmoid", 4.8, 0.2),
    ("sigmoid", 0.7, 0.0),
    ("rect-tanh", 4.8, 0.8),
    ("rect-tanh", 1.3, 0.1),
]


@pytest.mark.parametrize("name, rho, x_star", CASES)
def test_derivative_matches_finite_differences(x64, name, rho, x_star):
    act = fr.make_activation(name, rho, x_star)
    y = np.linspace(-1.0, 2.0, 301)
    y = y[np.abs(y - x_star) > 1e-3]  # the rectified tanh has a kink at x*
    h = 1e-6
    fd = (np.asarray(act(jnp.asarray(y + h))) - np.asarray(act(jnp.asarray(y - h)))) / (2 * h)
    np.testing.assert_allclose(np.asarray(act.derivative(jnp.asarray(y))), fd, atol=1e-7)


def test_sigmoid_formula_and_maximal_slope(x64):
    rho, x_star = 2.5, 0.3
    act = fr.Sigmoid(rho, x_star)
    y = np.linspace(-2, 2, 41)
    expected = 1 / (1 + np.exp(-4 * rho * (y - x_star - 1 / (2 * rho))))
    np.testing.assert_allclose(np.asarray(act(jnp.asarray(y))), expected, rtol=1e-13)
    grid = jnp.linspace(-2.0, 2.0, 40001)
    slope = np.asarray(act.derivative(grid))
    assert abs(slope.max() - rho) < 1e-6
    assert abs(float(grid[slope.argmax()]) - (x_star + 1 / (2 * rho))) < 2e-4


def test_rect_tanh_formula(x64):
    act = fr.RectTanh(3.0, 0.4)
    y = np.linspace(-1, 2, 31)
    expected = np.where(y >= 0.4, np.tanh(3.0 * (y - 0.4)), 0.0)
    np.testing.assert_allclose(np.asarray(act(jnp.asarray(y))), expected, atol=1e-15)


@pytest.mark.parametrize("name, rho, x_star", CASES)
def test_inverse_round_trips(x64, name, rho, x_star):
    act = fr.make_activation(name, rho, x_star)
    x = np.linspace(1e-4, 1 - 1e-4, 999)
    np.testing.assert_allclose(np.asarray(act(act.inverse(jnp.asarray(x)))), x, rtol=1e-9)
    y = np.linspace(x_star + 0.01, x_star + 1.0, 200)  # where Φ is strictly increasing
    np.testing.assert_allclose(np.asarray(act.inverse(act(jnp.asarray(y)))), y, rtol=1e-8)


@pytest.mark.parametrize("name, rho, x_star", CASES)
def test_inverse_integral_matches_quadrature(x64, name, rho, x_star):
    act = fr.make_activation(name, rho, x_star)
    for upper in (0.05, 0.3, 0.7, 0.95):
        edges = np.linspace(0.0, upper, 400_001)
        mid = 0.5 * (edges[1:] + edges[:-1])  # midpoint rule: integrable log singularity at 0
        quad = np.sum(np.asarray(act.inverse(jnp.asarray(mid)))) * (edges[1] - edges[0])
        value = float(act.inverse_integral(jnp.asarray(upper)))
        assert abs(value - quad) < 1e-6, (upper, value, quad)
    assert float(act.inverse_integral(jnp.asarray(0.0))) == 0.0
    assert np.isinf(float(act.inverse_integral(jnp.asarray(-0.1))))
    assert np.isinf(float(act.inverse_integral(jnp.asarray(1.5))))


def test_bad_activation_arguments():
    with pytest.raises(ValueError, match="activation"):
        fr.make_activation("relu", 1.0, 0.0)
    with pytest.raises(ValueError, match="rho"):
        fr.Sigmoid(-1.0, 0.0)
