"""Stability from the low-rank structure against dense NumPy eigendecompositions; λ_max
reference values computed independently; the sufficient tests never mislabel a cell."""

from functools import partial

import jax
import numpy as np
import pytest

import jaxhop as jh

fr = jh.firing_rate


def _dense_lambda_max(patterns, act_name, rho, x_star, a, b, r=None, memories=None):
    """NumPy float64 reference: W formed densely, λ_max of −I + D^{1/2} W D^{1/2} by eigh."""
    xi = np.asarray(patterns, np.float64)
    n, _ = xi.shape
    if act_name == "sigmoid":

        def phi(y):
            return 1 / (1 + np.exp(-4 * rho * (y - x_star - 1 / (2 * rho))))

        def dphi(y):
            return 4 * rho * phi(y) * (1 - phi(y))
    else:

        def phi(y):
            return np.where(y >= x_star, np.tanh(rho * (y - x_star)), 0.0)

        def dphi(y):
            return np.where(y > x_star, rho * (1 - np.tanh(rho * (y - x_star)) ** 2), 0.0)

    q = 0.2
    r = q if r is None else r
    pa, pb = phi(a), phi(b)
    alpha = (b - a) / (q * (1 - r) * (pb - pa))
    beta = q * ((1 - r) * pa + r * pb) / ((1 - q) * pa + q * pb)
    gamma = ((1 - beta) * a + beta * b) / ((1 - q) * pa + q * pb)
    c = xi - beta
    w = alpha / n * c @ c.T + gamma / n
    out = []
    for mu in range(xi.shape[1]) if memories is None else memories:
        d = np.sqrt(dphi(a + (b - a) * xi[:, mu]))
        out.append(np.linalg.eigvalsh(d[:, None] * w * d[None, :])[-1] - 1)
    return np.array(out)


@pytest.mark.parametrize(
    "name, x_star, a, expected",
    [
        ("sigmoid", 0.2, -0.3, -0.9998),
        ("sigmoid", 0.2, 0.1, -0.5695),
        ("rect-tanh", 0.8, -0.3, 5.024),
    ],
)
def test_reference_lambda_max(name, x_star, a, expected):
    xi = fr.exact_overlap_patterns(1000, 0.2)
    net = fr.FiringRateNetwork.designed(xi, fr.make_activation(name, 4.8, x_star), a=a)
    lam = np.asarray(fr.jacobian_lambda_max(net))
    assert lam.shape == (6,)
    decimals = len(str(expected).split(".")[1])
    np.testing.assert_allclose(lam, expected, atol=0.5 * 10.0**-decimals)


def _structured(patterns, name, r, rho, x_star, a):
    def one(rho, x_star, a):
        act = fr.make_activation(name, rho, x_star)
        net = fr.FiringRateNetwork.designed(patterns, act, a=a, b=0.95, q=0.2, r=r)
        return fr.jacobian_lambda_max(net)

    return np.asarray(jax.jit(jax.vmap(one))(rho, x_star, a))


def test_structure_matches_dense_eigh(x64, key):
    k1, k2 = jax.random.split(key)
    # (activation, ρ, x*, a) per setting
    settings = {
        "sigmoid": ([4.8, 1.1, 0.3], [0.2, 0.5, 0.0], [-0.3, 0.1, -0.3]),
        "rect-tanh": ([4.8, 2.0], [0.8, 0.05], [-0.3, 0.1]),
    }
    pattern_sets = [
        (fr.exact_overlap_patterns(100, 0.2), None),
        (fr.bernoulli_patterns(k1, 250, 9, 0.2), None),
        (fr.shared_core_patterns(k2, 300, 6, 0.2, 0.4), 0.4),
    ]
    for patterns, r in pattern_sets:
        for name, (rhos, x_stars, a_s) in settings.items():
            got = _structured(patterns, name, r, *(np.asarray(v) for v in (rhos, x_stars, a_s)))
            for k in range(len(rhos)):
                want = _dense_lambda_max(patterns, name, rhos[k], x_stars[k], a_s[k], 0.95, r)
                np.testing.assert_allclose(got[k], want, atol=1e-9, rtol=1e-9)


def test_jacobian_spectrum_is_that_of_the_symmetrised_matrix(x64):
    """J = −I + D W itself (non-symmetric, general eig) has the same λ_max."""
    xi = fr.exact_overlap_patterns(100, 0.2)
    act = fr.Sigmoid(1.5, 0.3)
    net = fr.FiringRateNetwork.designed(xi, act, a=0.1, b=0.95)
    w = np.asarray(net.dense_weights())
    d = np.asarray(act.derivative(0.1 + 0.85 * xi[:, 2]))
    eig = np.linalg.eigvals(-np.eye(100) + d[:, None] * w)
    assert np.abs(eig.imag).max() < 1e-8
    np.testing.assert_allclose(eig.real.max(), float(fr.jacobian_lambda_max(net)[2]), atol=1e-10)


def test_sufficient_tests_never_mislabel(x64):
    """Random (x*, ρ, a, b, activation) cells: sufficient ⇒ stable; instability > 0 ⇒ unstable."""
    rng = np.random.default_rng(0)
    structure = fr.stability_structure(fr.exact_overlap_patterns(1000, 0.2))
    m = 600
    x_star = rng.uniform(0.0, 0.9, m)
    rho = rng.uniform(0.1, 8.0, m)
    a = rng.uniform(-0.6, 0.5, m)
    b = np.maximum(a, x_star) + rng.uniform(0.1, 1.0, m)  # Φ(b) > Φ(a) for both activations
    seen = {"sufficient": 0, "instability": 0, "neither": 0}
    for name in fr.ACTIVATIONS:
        cell = jax.jit(jax.vmap(partial(fr.cell_stability, name, structure)))
        out = {k: np.asarray(v) for k, v in cell(x_star, rho, a, b).items()}
        ok = np.isfinite(out["lambda_max"]) & np.isfinite(out["alpha_tilde"])
        lam = out["lambda_max"][ok]
        sufficient = out["sufficient_value"][ok] < 1
        flagged = out["instability_value"][ok] > 0
        assert ok.sum() > 0.95 * m
        assert np.all(lam[sufficient] < 0)
        assert np.all(lam[flagged] > 0)
        seen["sufficient"] += sufficient.sum()
        seen["instability"] += flagged.sum()
        seen["neither"] += (~sufficient & ~flagged).sum()
    assert min(seen.values()) > 20  # each kind of cell is exercised


def test_phase_diagram_grid_and_counts():
    diagram = fr.phase_diagram("sigmoid", "positive")
    assert diagram.lambda_max.shape == (30, 30)
    np.testing.assert_allclose(np.asarray(diagram.rho), np.linspace(0.2, 5, 30), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(diagram.x_star), np.linspace(0, 0.9, 30), atol=1e-7)
    counts = diagram.counts()
    assert counts["mislabelled"] == 0
    assert 0 < counts["sufficient"] <= counts["stable"] < 900 - counts["instability"] + 1
    # one grid cell against a dense float64 eigh
    i, j = 7, 25
    # one memory suffices: the deterministic set is symmetric under permuting patterns
    want = _dense_lambda_max(
        fr.exact_overlap_patterns(1000, 0.2),
        "sigmoid",
        float(diagram.rho[j]),
        float(diagram.x_star[i]),
        0.1,
        0.95,
        memories=[0],
    )[0]
    assert abs(float(diagram.lambda_max[i, j]) - want) < 1e-4
    chunked = fr.phase_diagram("sigmoid", "positive", chunk_size=64)
    np.testing.assert_array_equal(np.asarray(chunked.stable), np.asarray(diagram.stable))


def test_phase_diagram_bad_input():
    with pytest.raises(ValueError, match="activation"):
        fr.phase_diagram("relu")
    with pytest.raises(ValueError, match="gamma"):
        fr.phase_diagram("sigmoid", "zero")
    with pytest.raises(ValueError, match="size"):
        fr.phase_diagram("sigmoid", size=1001)


def test_saturated_cells_in_float32_under_jit_and_vmap_equal_the_dense_float64_answer():
    """Cells whose Φ'(a) underflows (x* = 0.9, ρ ≥ 3.5): a nearly singular G per memory. The
    float32 path compiled as one program (as in a sweep or the phase diagram) must still give
    the dense float64 eigh's λ_max (an earlier version did not: see jaxhop/_linalg.py)."""
    patterns = fr.exact_overlap_patterns(300, 0.2)
    structure = fr.stability_structure(patterns)
    cells = [(0.9, 3.5), (0.9, 5.0), (0.7, 5.0), (0.0, 0.5)]
    xs, rs = (np.asarray(v, np.float32) for v in zip(*cells))

    def one(x, r):
        return fr.cell_stability("sigmoid", structure, x, r)["lambda_max"]

    got = np.asarray(jax.jit(jax.vmap(one))(xs, rs))
    for k, (x, r) in enumerate(cells):
        want = _dense_lambda_max(patterns, "sigmoid", r, x, -0.3, 0.95).max()
        np.testing.assert_allclose(got[k], want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("chunk_size", [None, 4])
def test_phase_diagram_in_one_program_equals_the_dense_float64_answer(chunk_size):
    """The whole diagram compiled as one program, matrices and eigenvalue kernel fused
    together (``chunk_size=None``), at saturated cells. Straight-line pivoting and Householder
    code gave λ_max 10-15 % off here on an AVX2 CPU (XLA computed a step in two fusions, each
    rounded its own way); a LAPACK eigh of the same matrices in the same program was right.
    The factorisations now run as loops, whose carried state is one buffer."""
    x_star = np.array([0.0, 0.45, 0.675, 0.9])
    rho = np.array([0.2, 3.08, 4.04, 5.0])
    diagram = fr.phase_diagram(
        "sigmoid", "negative", size=300, x_star=x_star, rho=rho, chunk_size=chunk_size
    )
    patterns = fr.exact_overlap_patterns(300, 0.2)
    for i, x in enumerate(x_star):
        for j, r in enumerate(rho):
            want = _dense_lambda_max(patterns, "sigmoid", r, x, -0.3, 0.95).max()
            np.testing.assert_allclose(
                float(diagram.lambda_max[i, j]), want, rtol=2e-5, atol=2e-5, err_msg=f"{x}, {r}"
            )


def test_phase_diagram_is_bitwise_the_same_for_every_chunk_size():
    """Chunking bounds memory, never the numbers: every field equal to the whole-grid program
    to the bit, for one-cell chunks (which XLA would otherwise compile as unbatched code,
    rounded differently), a chunk that does not divide the grid, and chunks larger than it."""
    x_star, rho = np.linspace(0.0, 0.9, 6), np.linspace(0.3, 5.0, 7)
    whole = fr.phase_diagram("sigmoid", "negative", x_star=x_star, rho=rho)
    for chunk_size in (1, 5, 42, 100):
        chunked = fr.phase_diagram(
            "sigmoid", "negative", x_star=x_star, rho=rho, chunk_size=chunk_size
        )
        for field in ("lambda_max", "sufficient_value", "instability_value", "gamma", "stable"):
            np.testing.assert_array_equal(
                np.asarray(getattr(chunked, field)),
                np.asarray(getattr(whole, field)),
                err_msg=f"{field}, chunk_size={chunk_size}",
            )
