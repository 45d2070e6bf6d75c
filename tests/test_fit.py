"""The optax fitting loop and the κ fits."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxhop as jh


def test_generic_fit_solves_a_quadratic_and_records_losses():
    target = jnp.asarray([1.0, -2.0, 3.0])

    def loss(params, t):
        return jnp.sum((params["x"] - t) ** 2)

    result = jh.fit.fit(loss, {"x": jnp.zeros(3)}, optax.adam(0.1), 500, tol=1e-8, args=(target,))
    np.testing.assert_allclose(result.params["x"], target, atol=1e-3)
    assert bool(result.converged) and int(result.steps) < 500
    losses = np.asarray(result.losses)
    assert losses[0] == pytest.approx(14.0)  # ‖0 − t‖² before the first step
    assert np.all(np.isnan(losses[int(result.steps) :]))
    assert losses[int(result.steps) - 1] < losses[0]


def test_fit_without_tol_runs_all_steps_and_vmaps():
    def loss(x, t):
        return (x - t) ** 2

    targets = jnp.asarray([0.5, 1.5, -1.0])
    results = jax.vmap(
        lambda t: jh.fit.fit(loss, jnp.asarray(0.0), optax.sgd(0.1), 100, args=(t,))
    )(targets)
    np.testing.assert_allclose(results.params, targets, atol=1e-4)
    assert results.losses.shape == (3, 100)
    assert np.all(np.asarray(results.steps) == 100)


@pytest.mark.parametrize("target", [0.8, 1.285931, 2.5, 4.0])
def test_fit_kappa_to_period_matches_closed_form(target):
    result = jh.fit.fit_kappa_to_period(target)
    assert bool(result.converged) and int(result.steps) <= 200
    assert abs(float(jh.saliency.period(result.kappa)) - target) < 1e-5
    np.testing.assert_allclose(result.kappa, jh.saliency.kappa_for_period(target), rtol=1e-4)


def test_fit_kappa_to_period_reference_value():
    # κ = 5 has period ln Z_+ = 1.285931 (closed form, computed independently)
    result = jh.fit.fit_kappa_to_period(1.285931)
    np.testing.assert_allclose(result.kappa, 5.0, rtol=1e-5)


def test_fit_kappa_batched_ten_thousand_targets():
    targets = np.linspace(0.7, 4.5, 10_000)
    result = jh.fit.fit_kappa_to_period(targets)
    assert result.kappa.shape == (10_000,)
    assert bool(np.all(result.converged))
    assert int(np.max(result.steps)) <= 200
    achieved = np.asarray(jh.saliency.period(result.kappa), dtype=np.float64)
    assert np.max(np.abs(achieved - targets)) < 2e-5  # float32 evaluation of the period
    np.testing.assert_allclose(result.kappa, jh.saliency.kappa_for_period(targets), rtol=2e-4)


@pytest.mark.parametrize("bad", [0.5, math.log(2.0), float("nan"), float("inf"), -1.0])
def test_unreachable_targets_raise(bad):
    with pytest.raises(ValueError, match="target"):
        jh.fit.fit_kappa_to_period(bad)
    with pytest.raises(ValueError, match="target"):
        jh.fit.fit_kappa_to_period(np.asarray([1.0, bad]))


def test_fit_kappa_with_adam():
    result = jh.fit.fit_kappa_to_period(1.5, optimizer=optax.adam(0.05), steps=400)
    assert bool(result.converged)
    np.testing.assert_allclose(result.kappa, jh.saliency.kappa_for_period(1.5), rtol=1e-4)


def test_fit_kappa_to_dwell_times_recovers_the_generating_gain(x64):
    dwells = jh.saliency.dwell_times(5.5, 2.5, 6)
    result = jh.fit.fit_kappa_to_dwell_times(dwells, 2.5)
    assert bool(result.converged)
    np.testing.assert_allclose(result.kappa, 5.5, rtol=1e-6)


def test_bad_fit_arguments():
    with pytest.raises(ValueError, match="steps"):
        jh.fit.fit(lambda x: x**2, jnp.asarray(1.0), steps=0)
    with pytest.raises(ValueError, match="z0"):
        jh.fit.fit_kappa_to_dwell_times([1.0, 1.1], 0.9)


@pytest.mark.parametrize("k", [3, 5, 8])
def test_fit_kappa_to_retrievals_hits_the_hard_count(k):
    result = jh.fit.fit_kappa_to_retrievals(k, 3.0)
    assert float(jh.saliency.collapse_index(result.kappa, 3.0)) == k
    assert int(jh.saliency.retrievals(result.kappa, 3.0, 1000)) == k


def test_fit_kappa_to_period_does_not_retrace(monkeypatch):
    """A second call with new targets of the same shape reuses the compilation."""
    traces = []
    from jaxhop.saliency import _fit as kappa_fits

    original = kappa_fits._period_loss

    def counting(raw, target):
        traces.append(1)
        return original(raw, target)

    monkeypatch.setattr(kappa_fits, "_period_loss", counting)
    jh.fit.fit_kappa_to_period(np.linspace(1.0, 2.0, 8))
    first = len(traces)
    for shift in (0.1, 0.2, 0.3):
        jh.fit.fit_kappa_to_period(np.linspace(1.0, 2.0, 8) + shift)
    assert first > 0 and len(traces) == first


def test_kappa_fits_keep_their_names_in_jh_fit():
    """The κ fits live in the saliency family; ``jh.fit`` still hands out the same objects."""
    for name in (
        "KappaFit",
        "fit_kappa_to_period",
        "fit_kappa_to_dwell_times",
        "fit_kappa_to_retrievals",
    ):
        assert getattr(jh.fit, name) is getattr(jh.saliency, name)
        assert name in dir(jh.fit)
    from jaxhop.fit import fit_kappa_to_period

    assert fit_kappa_to_period is jh.saliency.fit_kappa_to_period
