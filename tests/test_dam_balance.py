"""Detailed balance of parallel dense-memory dynamics (jaxhop.dam._balance), against closed
forms (Peretto's stationary law and the Goles–Little theorem at n = 2) and a brute-force NumPy
enumeration."""

import itertools

import jax
import numpy as np
import pytest

from jaxhop.dam import (
    DenseMemory,
    attractor_periods,
    balance_residual,
    coupling_matrix,
    detailed_balance,
    state_space,
    transition_matrix,
)


def _model(order, size, patterns, seed):
    return DenseMemory.random(jax.random.key(seed), size, patterns, order=order)


def _numpy_fields(xi, states, order):
    # u_i = Σ_μ ξ_i^μ (Σ_{j≠i} ξ_j^μ s_j)^{n−1}, written site by site (no shortcut)
    size = xi.shape[0]
    u = np.zeros(states.shape, np.int64)
    for i in range(size):
        others = [j for j in range(size) if j != i]
        partial = xi[others].T @ states[others]  # (M, states)
        u[i] = xi[i] @ partial ** (order - 1)
    return u


def _numpy_states(size):
    return np.array(list(itertools.product([-1, 1], repeat=size)), np.int64).T


def test_state_space_enumerates_all_states_in_binary_order():
    np.testing.assert_array_equal(np.asarray(state_space(4)), _numpy_states(4))


@pytest.mark.parametrize("order,patterns", [(2, 3), (3, 7), (4, 15)])
def test_coupling_matrix_matches_brute_force(order, patterns):
    model = _model(order, 6, patterns, seed=3)
    xi = np.asarray(model.all_patterns(), np.int64)
    states = _numpy_states(6)
    expected = _numpy_fields(xi, states, order).T @ states  # W[a, b] = s_b · u(s_a)
    np.testing.assert_array_equal(np.asarray(coupling_matrix(model)), expected)


def test_hopfield_obeys_detailed_balance_with_peretto_stationary_law():
    model = _model(2, 8, 3, seed=0)
    assert int(np.max(np.abs(np.asarray(balance_residual(model))))) == 0
    beta = 1.5
    result = detailed_balance(model, beta)
    assert result.residual == 0.0
    u = _numpy_fields(np.asarray(model.all_patterns(), np.int64), _numpy_states(8), 2) / 8.0
    peretto = np.prod(np.cosh(beta * u), axis=0)
    np.testing.assert_allclose(result.stationary, peretto / peretto.sum(), rtol=1e-8, atol=1e-14)
    assert result.entropy_production < 1e-12
    assert result.current < 1e-12


@pytest.mark.parametrize("order,patterns", [(3, 10), (4, 30)])
def test_dense_memory_breaks_detailed_balance(order, patterns):
    model = _model(order, 8, patterns, seed=1)
    beta = 1.0
    result = detailed_balance(model, beta)
    assert result.residual > 0.1
    assert result.entropy_production > 1e-3
    assert result.current > 1e-5
    # the residual is the Kolmogorov triangle log-ratio: check one triangle directly from P
    p = transition_matrix(model, beta)
    r = np.asarray(balance_residual(model)) / 8.0 ** (order - 1)
    a, b = np.unravel_index(np.argmax(np.abs(r)), r.shape)
    log_ratio = np.log(p[a, b] * p[b, 0] * p[0, a]) - np.log(p[a, 0] * p[0, b] * p[b, a])
    np.testing.assert_allclose(log_ratio, beta * r[a, b], rtol=1e-9)


def test_transition_rows_sum_to_one():
    p = transition_matrix(_model(3, 6, 5, seed=2), 0.7)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    assert np.all(p > 0)


def _numpy_periods(xi, order):
    size = xi.shape[0]
    states = _numpy_states(size)
    u = _numpy_fields(xi, states, order)
    succ_states = np.where(u > 0, 1, np.where(u < 0, -1, states))
    succ = ((succ_states > 0) * 2 ** np.arange(size)[::-1, None]).sum(0)
    periods = []
    for start in range(2**size):
        seen = {}
        x, t = start, 0
        while x not in seen:
            seen[x] = t
            x, t = succ[x], t + 1
        periods.append(t - seen[x])
    return np.array(periods)


@pytest.mark.parametrize("order,patterns,seed", [(2, 3, 0), (3, 9, 4), (4, 25, 5)])
def test_attractor_periods_match_brute_force(order, patterns, seed):
    model = _model(order, 7, patterns, seed)
    expected = _numpy_periods(np.asarray(model.all_patterns(), np.int64), order)
    np.testing.assert_array_equal(np.asarray(attractor_periods(model)), expected)


def test_hopfield_attractors_are_fixed_points_or_two_cycles():
    # Goles–Little: symmetric couplings under parallel updates have no longer cycles
    for seed in range(6):
        periods = np.asarray(attractor_periods(_model(2, 10, 3, seed)))
        assert set(np.unique(periods)) <= {1, 2}


def test_dense_memory_has_longer_cycles():
    # n = 3, N = 8, M = 30: a few of ten pattern sets have attractors of period 3, 4 or 5
    longest = max(int(np.max(attractor_periods(_model(3, 8, 30, seed)))) for seed in range(10))
    assert longest > 2


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="model.size"):
        detailed_balance(_model(3, 13, 4, seed=0))
    with pytest.raises(ValueError, match="beta"):
        detailed_balance(_model(3, 6, 4, seed=0), beta=float("nan"))
    with pytest.raises(ValueError, match="beta"):
        transition_matrix(_model(3, 6, 4, seed=0), beta=-1.0)
    with pytest.raises(ValueError, match="size"):
        state_space(40)
