"""DAM theory: reference values, closed forms, and the effective process (docs/dam.md).

The capacities are computed independently from the closed form
`α'_c = max_m m^{2(n−1)} / (2 erfinv(m)²)`; for n = 3 it is the replica-symmetric value 0.252
quoted by Mimura et al., "Dynamical properties of dense associative memory" (ICLR 2026,
arXiv:2506.00851).
"""

from math import erf, sqrt

import jax
import numpy as np
import pytest

import jaxhop as jh


def test_capacity_reference_values():
    alpha_c, m_star = jh.dam.capacity(3)
    assert alpha_c == pytest.approx(0.252190, abs=2e-6)
    assert m_star == pytest.approx(0.83848, abs=2e-4)
    assert jh.dam.capacity(4)[0] == pytest.approx(0.197860, abs=2e-6)
    with pytest.raises(ValueError, match="order"):
        jh.dam.capacity(2)


def test_recurrence_is_erf_map():
    m = np.asarray(jh.dam.recurrence(0.8, 0.2, 3, 4), np.float64)
    expected = [0.8]
    for _ in range(4):
        expected.append(erf(expected[-1] ** 2 / sqrt(0.4)))
    np.testing.assert_allclose(m, expected, rtol=1e-5)
    with pytest.raises(ValueError, match="load"):
        jh.dam.recurrence(0.8, -1.0, 3, 4)


def test_hermite_weights_and_noise_table():
    np.testing.assert_array_equal(jh.dam.noise_coefficients(2), [0, 1])
    np.testing.assert_array_equal(jh.dam.noise_coefficients(3), [1, 0, 2])
    np.testing.assert_array_equal(jh.dam.noise_coefficients(4), [0, 9, 0, 6])
    np.testing.assert_array_equal(jh.dam.noise_coefficients(4, "nbody"), [0, 0, 0, 6])
    for n in (2, 3, 4, 5):  # Σ_k A(n−1,k) = E[y^{2(n−1)}] = κ_n (Krotov)
        assert jh.dam.noise_coefficients(n).sum() == jh.dam.kappa(n)
    np.testing.assert_array_equal(jh.dam.response_coefficients(3), [0, 4])
    np.testing.assert_array_equal(jh.dam.response_coefficients(3, "nbody"), [0, 4])


def test_two_step_closed_form_by_hand():
    m0, load = 0.6, 0.25
    m1 = erf(m0**2 / sqrt(2 * load))
    gamma = load / 3 * 4 * m0 * m1 * 2 * np.exp(-(m0**4) / (2 * load)) / sqrt(2 * np.pi * load)
    m2 = 0.8 * erf((m1**2 + gamma) / sqrt(2 * load)) + 0.2 * erf((m1**2 - gamma) / sqrt(2 * load))
    got = np.asarray(jh.dam.two_step(m0, load, 3), np.float64)
    np.testing.assert_allclose(got, [m1, m2, gamma], rtol=1e-5)


@pytest.mark.parametrize("order,m0,load", [(3, 0.7, 0.25), (4, 0.9, 0.15)])
def test_effective_process_matches_closed_forms_at_t1_t2(key, x64, order, m0, load):
    paths = 2**16
    result = jh.dam.effective_process(m0, load, order, 3, key=key, paths=paths)
    assert result.m.dtype == np.float64
    m1, m2, gamma = (float(v) for v in jh.dam.two_step(m0, load, order))
    tol = 4 / np.sqrt(paths)
    assert float(result.m[0]) == pytest.approx(m0, abs=1 / paths)
    assert float(result.m[1]) == pytest.approx(m1, abs=tol)
    assert float(result.m[2]) == pytest.approx(m2, abs=tol)
    assert float(result.gamma[1, 0]) == pytest.approx(gamma, rel=0.05)
    # Γ at even lags vanishes; G(t, t−1) = 2 × density > 0
    assert abs(float(result.response[2, 0])) < 5 * tol
    assert float(result.response[1, 0]) > 0
    np.testing.assert_allclose(np.diag(np.asarray(result.correlation)), 1.0)


def test_effective_process_float32_and_rejects_n2(key):
    result = jh.dam.effective_process(0.9, 0.2, 3, 2, key=key, paths=1024)
    assert result.m.dtype == np.float32 and result.m.shape == (3,)
    with pytest.raises(ValueError, match="n = 2"):
        jh.dam.effective_process(0.9, 0.2, 2, 2, key=key)
    with pytest.raises(ValueError, match="paths"):
        jh.dam.effective_process(0.9, 0.2, 3, 2, key=key, paths=0)


def test_zigzag_above_gamma0_capacity(key):
    """Above α'_c(Γ=0) = 0.252 the Γ = 0 recurrence forgets; the full process keeps m high."""
    full = np.asarray(jh.dam.effective_process(0.9, 0.3, 3, 10, key=key, paths=2**14).m)
    plain = np.asarray(jh.dam.recurrence(0.9, 0.3, 3, 10))
    assert plain[-1] < 0.2 and full[-1] > 0.7
    assert jax.numpy.all(jax.numpy.asarray(full) > 0.7)


def test_effective_process_is_causal_across_history_words(key):
    """Histories are packed 32 steps to a word: a 31-step run (one word) and a 40-step run
    (two) share their first 31 steps exactly, since step t depends on the past only."""
    short = jh.dam.effective_process(0.9, 0.2, 3, 31, key=key, paths=2**12)
    long = jh.dam.effective_process(0.9, 0.2, 3, 40, key=key, paths=2**12)
    np.testing.assert_array_equal(np.asarray(short.m), np.asarray(long.m)[:32])
    np.testing.assert_allclose(
        np.asarray(short.gamma), np.asarray(long.gamma)[:31, :31], rtol=0, atol=1e-5
    )
    assert abs(float(long.m[-1]) - 0.95) < 0.05  # still retrieving past the word boundary


@pytest.mark.parametrize("steps", [1, 7, 40])
def test_effective_process_does_not_depend_on_its_segments(key, monkeypatch, steps):
    """The solver runs the steps in segments of growing width (only the copies already
    branched and the times already filled are touched): any number of segments, one (the full
    square every step) included, gives the same process, across a history-word boundary too
    (40 steps). Equal to float rounding: XLA's order of summing over paths may depend on how
    many rows a sum has (last-bit changes in G seen at 7 steps), so a path on the threshold
    may flip (one path: 2/P in m)."""
    from jaxhop.dam import _effective

    paths = 2**10
    runs = {}
    for segments in (1, 2, 3, 5):
        monkeypatch.setattr(_effective, "_SEGMENTS", segments)
        runs[segments] = jh.dam.effective_process(0.8, 0.22, 3, steps, key=key, paths=paths)
    assert _effective._segment_widths(steps, 3)[-1] == steps
    assert len(_effective._segment_widths(steps, 3)) == min(steps, 3)
    for run in runs.values():
        for field in ("m", "correlation"):
            np.testing.assert_allclose(
                getattr(run, field), getattr(runs[1], field), rtol=0, atol=2.5 / paths
            )
        for field in ("response", "gamma"):
            np.testing.assert_allclose(
                getattr(run, field), getattr(runs[1], field), rtol=1e-5, atol=1e-6
            )
