"""DAM dynamics: asynchronous energy descent, recall on the engine, batched experiments."""

import equinox as eqx
import jax
import numpy as np
import pytest

import jaxhop as jh


@pytest.mark.parametrize(
    "order,variant,rule",
    [
        (3, "krotov", "exact"),
        pytest.param(4, "krotov", "exact", marks=pytest.mark.slow),
        (3, "nbody", "dominant"),
    ],
)
def test_async_sweeps_never_increase_energy(key, order, variant, rule):
    model = jh.dam.DenseMemory.random(key, 24, 30, order=order, variant=variant, rule=rule)
    s = jh.dam.cue(jax.random.fold_in(key, 1), model.cued_pattern(), 0.1, 6)
    sweep = eqx.filter_jit(jh.dam.async_sweep)
    energies = [np.asarray(model.energy(s), np.float64)]
    for k in range(4):
        s = sweep(model, s, jax.random.fold_in(key, 10 + k))
        energies.append(np.asarray(model.energy(s), np.float64))
    energies = np.stack(energies)
    assert np.all(np.diff(energies, axis=0) <= 0)
    assert np.any(np.diff(energies, axis=0) < 0)


def test_async_sequential_matches_numpy_site_by_site(key):
    model = jh.dam.DenseMemory.random(key, 12, 9, order=3, rule="exact")
    s = jh.dam.cue(jax.random.fold_in(key, 2), model.cued_pattern(), 0.0, 3)
    ours = np.asarray(eqx.filter_jit(jh.dam.async_sweep)(model, s, None))
    xi = np.asarray(model.all_patterns()).astype(np.int64)
    st = np.asarray(s).astype(np.int64).copy()
    for i in range(12):
        y = xi.T @ st - xi[i][:, None] * st[i][None, :]
        delta = np.sum((y + xi[i][:, None]) ** 3 - (y - xi[i][:, None]) ** 3, axis=0)
        st[i] = np.where(delta > 0, 1, np.where(delta < 0, -1, st[i]))
    np.testing.assert_array_equal(ours, st)


def test_recall_runs_on_the_engine_and_saves_overlaps(key):
    model = jh.dam.DenseMemory.random(key, 64, 50, order=3)
    s0 = jh.dam.cue(key, model.cued_pattern(), 0.6, 5)
    run = eqx.filter_jit(lambda m, s: jh.dam.recall(m, s, 4))
    sol = run(model, s0)
    assert sol.ys.shape == (5, 5)
    np.testing.assert_allclose(sol.ys[0], jh.dam.overlap(model.cued_pattern(), s0))
    # the engine's final state is four parallel steps
    s = s0
    for _ in range(4):
        s = jh.dam.parallel_step(model, s)
    np.testing.assert_array_equal(sol.final, s)
    np.testing.assert_allclose(sol.ys[-1], jh.dam.overlap(model.cued_pattern(), s))
    with pytest.raises(ValueError, match="update"):
        jh.dam.recall(model, s0, 2, update="glauber")
    with pytest.raises(ValueError, match="key"):
        jh.dam.recall(model, s0, 2, update="async_random")


def test_simulate_recall_first_step_follows_gamma0_theory(key):
    """t = 1 is exact Γ = 0 theory as N → ∞; at N = 256, 60 trials, within ~4 SEM + O(1/N)."""
    result = jh.dam.simulate_recall(
        key, order=3, size=256, load=0.15, m0=[0.4, 0.8], trials=60, steps=2, pattern_sets=6
    )
    assert result.m.shape == (2, 60, 3) and result.patterns == round(0.15 * 256**2 / 3)
    for i, m0 in enumerate((0.4, 0.8)):
        summary = jh.dam.recall_summary(result, i)
        theory = float(jh.dam.recurrence(m0, 0.15, 3, 1)[1])
        sem = summary["m_std"][1] / np.sqrt(60)
        assert abs(summary["m_mean"][1] - theory) < 4 * sem + 0.02
    assert jh.dam.recall_summary(result, 1)["success_rate"] == 1.0
    with pytest.raises(ValueError, match="m0"):
        jh.dam.simulate_recall(key, order=3, size=64, load=0.1, m0=1.5, trials=2, steps=1)
