"""The ``firing_rate_stability`` sweep workload and its example config."""

import tomllib
from pathlib import Path

import numpy as np

import jaxhop as jh
from jaxhop import _workloads

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "firing_rate_phase.toml"


def test_workload_matches_dense_reference_and_phase_diagram():
    fn, config = _workloads.bind("firing_rate_stability", {"size": 100}, ("x_star", "rho"))
    x_star = np.array([0.0, 0.3, 0.6, 0.85], np.float32)
    rho = np.array([0.5, 2.0, 4.8], np.float32)
    result = jh.sweep.sweep(fn, jh.sweep.product(x_star=x_star, rho=rho), chunk_size=5, quiet=True)
    lam = np.asarray(result["lambda_max"]).reshape(4, 3)
    # dense float64 NumPy reference (W formed, eigh of D^{1/2} W D^{1/2}) at every point
    xi = np.asarray(jh.firing_rate.exact_overlap_patterns(100, 0.2), np.float64)
    a, b, q = -0.3, 0.95, 0.2
    for i, xs in enumerate(x_star.astype(np.float64)):
        for j, r in enumerate(rho.astype(np.float64)):

            def phi(y, r=r, xs=xs):
                return 1 / (1 + np.exp(-4 * r * (y - xs - 1 / (2 * r))))

            pa, pb = phi(a), phi(b)
            alpha = (b - a) / (q * (1 - q) * (pb - pa))
            gamma = ((1 - q) * a + q * b) / ((1 - q) * pa + q * pb)
            w = alpha / 100 * (xi - q) @ (xi - q).T + gamma / 100
            d = np.sqrt(4 * r * phi(a + (b - a) * xi[:, 0]) * (1 - phi(a + (b - a) * xi[:, 0])))
            want = np.linalg.eigvalsh(d[:, None] * w * d[None, :])[-1] - 1
            assert abs(lam[i, j] - want) < 1e-4 * max(1, abs(want)), (xs, r, lam[i, j], want)
    np.testing.assert_array_equal(np.asarray(result["stable"]).reshape(4, 3), lam < 0)
    diagram = jh.firing_rate.phase_diagram("sigmoid", "negative", size=100, x_star=x_star, rho=rho)
    np.testing.assert_array_equal(
        np.asarray(result["sufficient"]).reshape(4, 3), np.asarray(diagram.sufficient)
    )
    np.testing.assert_array_equal(
        np.asarray(result["instability"]).reshape(4, 3), np.asarray(diagram.instability)
    )
    assert config["params"]["rect_tanh"] is False


def test_example_config_names_the_workload_and_the_spec_grid():
    """The example uses our reference 30 × 30 (x*, ρ) grid (docs/firing_rate.md)."""
    config = tomllib.loads(EXAMPLE.read_text())
    assert config["workload"] == "firing_rate_stability"
    assert config["grid"]["x_star"] == {"start": 0.0, "stop": 0.9, "num": 30}
    assert config["grid"]["rho"] == {"start": 0.2, "stop": 5.0, "num": 30}
    _workloads.bind(config["workload"], config["params"], tuple(config["grid"]))
