"""n = 2 full generating-functional process (jaxhop.dam._hopfield) against independent truth:
the exact first two steps, a NumPy reimplementation of the kernel/noise algebra, simulation."""

import math

import jax
import numpy as np
import pytest

from jaxhop.dam import effective_process, hopfield_process, recall_then_collapse
from jaxhop.dam._hopfield import _algebra
from jaxhop.dam._recall import simulate_recall


def _closed_two_steps(m0, a):
    # step 1 exact (Γ = 0); step 2: G(1,0) = 2 φ(m0/√α)/√α, Q(1,1) = 1 + 2 G m0 m1 + G²,
    # h(1) = m1 + α G σ(0) + √α φ(1), σ(0) independent of φ(1)
    m1 = math.erf(m0 / math.sqrt(2 * a))
    g = 2 * math.exp(-(m0**2) / (2 * a)) / math.sqrt(2 * math.pi * a)
    q = 1 + 2 * g * m0 * m1 + g * g
    s = math.sqrt(2 * a * q)
    m2 = (1 + m0) / 2 * math.erf((m1 + a * g) / s) + (1 - m0) / 2 * math.erf((m1 - a * g) / s)
    return m1, m2, g, q


@pytest.mark.parametrize("m0,load", [(0.6, 0.16), pytest.param(0.3, 0.05, marks=pytest.mark.slow)])
def test_first_two_steps_exact(m0, load):
    paths = 2**17
    p = hopfield_process(m0, load, 2, key=jax.random.key(3), paths=paths)
    m1, m2, g, q = _closed_two_steps(m0, load)
    sem = 1 / math.sqrt(paths)
    assert float(p.m[1]) == pytest.approx(m1, abs=5 * sem)
    assert float(p.m[2]) == pytest.approx(m2, abs=6 * sem)
    assert float(p.response[1, 0]) == pytest.approx(g, abs=6 / math.sqrt(paths * load))
    assert float(p.noise[0, 0]) == pytest.approx(load, rel=1e-5)
    assert float(p.noise[1, 1]) / load == pytest.approx(q, rel=0.03)


def test_kernel_noise_algebra_numpy():
    rng = np.random.default_rng(0)
    T = 6
    G = np.tril(rng.normal(size=(T, T)) * 0.3, -1)
    X = rng.normal(size=(T, 40))
    C = X @ X.T / 40
    R, Q = (np.asarray(x, np.float64) for x in _algebra(G.astype(np.float32), C.astype(np.float32)))
    series = sum(np.linalg.matrix_power(G, k) for k in range(1, T))  # nilpotent: finite
    A = np.linalg.inv(np.eye(T) - G)
    np.testing.assert_allclose(R, series, atol=1e-4)
    np.testing.assert_allclose(Q, A @ C @ A.T, atol=1e-4)


@pytest.mark.slow
def test_n3_noise_diagonal_is_constant():
    # n = 3: the process's noise α Σ_k a_k C(t,t)^k needs only C(t,t), which is 1 exactly
    e = effective_process(0.6, 0.2, 3, 6, key=jax.random.key(0), paths=2**12)
    np.testing.assert_allclose(np.diag(np.asarray(e.correlation)), 1.0)


def test_noise_diagonal_depends_on_recall_only_for_n2():
    # n = 2: α Q(t,t) grows when the recall fails (α = 0.16 above α_c ≈ 0.14) and stays near α
    # when it succeeds; n = 3: α Σ_k a_k C(t,t)^k = α κ_3 = load for every t (C(t,t) = 1)
    a = 0.16
    fail = hopfield_process(0.6, a, 12, key=jax.random.key(0), paths=2**14)
    good = hopfield_process(0.6, 0.05, 12, key=jax.random.key(0), paths=2**14)
    d_fail = np.diag(np.asarray(fail.noise)) / a
    d_good = np.diag(np.asarray(good.noise)) / 0.05
    assert d_fail[0] == pytest.approx(1, rel=1e-5) and d_fail[-1] > 3
    assert np.all(d_good[2:] < 1.5)


def test_recall_then_collapse_counter():
    m = np.array(
        [[0.6, 0.9, 0.95, 0.7], [0.6, 0.9, 0.95, 0.95], [0.6, 0.7, 0.5, 0.2], [0.9, 0.1, 0.9, 0.9]]
    )
    np.testing.assert_array_equal(np.asarray(recall_then_collapse(m, 0.8)), [1, 0, 0, 1])


@pytest.mark.slow
def test_theory_matches_simulation_n1024():
    # N = 1024, α = 0.16: the first steps agree within MC + finite-size error (3 × SEM + 0.02)
    steps = 3
    r = simulate_recall(
        jax.random.key(5),
        order=2,
        size=1024,
        load=0.16,
        m0=[0.6],
        trials=40,
        steps=steps,
        pattern_sets=8,
    )
    m = np.asarray(r.m[0], np.float64)
    sem = m.std(0) / math.sqrt(m.shape[0])
    p = np.asarray(hopfield_process(0.6, 0.16, steps, key=jax.random.key(1), paths=2**15).m)
    assert np.all(np.abs(m.mean(0)[1:] - p[1:]) < 3 * sem[1:] + 0.02)


@pytest.mark.parametrize("kw", [dict(m0=1.5), dict(load=0.0), dict(steps=0), dict(paths=0)])
def test_bad_input(kw):
    args = dict(m0=0.5, load=0.1, steps=2, paths=16) | kw
    with pytest.raises(ValueError, match=next(iter(kw))):
        hopfield_process(
            args["m0"], args["load"], args["steps"], key=jax.random.key(0), paths=args["paths"]
        )


def test_theory_matches_simulation_small_n():
    # N = 256, α = 0.1, two steps: within 3 SEM + 0.03 (finite N, MC)
    r = simulate_recall(
        jax.random.key(7),
        order=2,
        size=256,
        load=0.1,
        m0=[0.5],
        trials=16,
        steps=2,
        pattern_sets=4,
    )
    m = np.asarray(r.m[0], np.float64)
    sem = m.std(0) / math.sqrt(m.shape[0])
    p = np.asarray(hopfield_process(0.5, 0.1, 2, key=jax.random.key(1), paths=2**14).m)
    assert np.all(np.abs(m.mean(0)[1:] - p[1:]) < 3 * sem[1:] + 0.03)
