"""The ``dam_recall`` sweep workload against the model run directly and the Γ = 0 theory."""

import jax
import numpy as np
import pytest

import jaxhop as jh
from jaxhop import _workloads


def test_dam_recall_workload_over_load_and_m0():
    fixed = {"size": 64, "max_load": 0.3, "trials": 4, "pattern_sets": 2, "steps": 3}
    fn, config = _workloads.bind("dam_recall", fixed, ("load", "m0"))
    loads = np.array([0.05, 0.3], np.float32)
    m0s = np.array([0.0, 1.0], np.float32)
    result = jh.sweep.sweep(fn, jh.sweep.product(load=loads, m0=m0s), quiet=True)
    final = np.asarray(result["final_m"])
    assert final.shape == (2, 2) and config["workload"] == "dam_recall"
    # m0 = 1 at low load is a fixed point; m0 = 0 stays near 0 (no signal)
    assert final[0, 1] == 1.0
    assert abs(final[0, 0]) < 0.5
    theory = np.asarray(result["theory_final"])
    expected = [float(jh.dam.recurrence(1.0, float(a), 3, 3)[-1]) for a in loads]
    np.testing.assert_allclose(theory[:, 1], expected, rtol=1e-5)


@pytest.mark.slow
def test_traced_load_uses_the_first_patterns(key):
    """`active` = M' gives exactly the fields of a model with M' patterns."""
    import equinox as eqx

    big = jh.dam.DenseMemory.random(key, 40, 64, order=3, storage="key", block_size=32)
    small = jh.dam.DenseMemory.random(key, 40, 64, order=3, storage="key", block_size=32)
    masked = eqx.tree_at(
        lambda m: m.active, big, jax.numpy.asarray(37), is_leaf=lambda x: x is None
    )
    s = jh.dam.cue(key, big.cued_pattern(), 0.3, 3)
    xi = np.asarray(small.all_patterns())[:, :37].astype(np.int64)
    x = xi.T @ np.asarray(s).astype(np.int64)
    expected = xi @ (x**2 + 1) - 2 * np.asarray(s).astype(np.int64) * x.sum(0)
    np.testing.assert_array_equal(np.asarray(masked.fields(s)), expected)


def test_example_config_binds():
    from pathlib import Path

    from jaxhop.sweep._config import load_config

    path = Path(__file__).resolve().parents[1] / "examples" / "dam_phase.toml"
    config = load_config(path)
    assert config.workload == "dam_recall"
    fn, bound = _workloads.bind(config.workload, config.params, tuple(config.grid.names))
    assert bound["params"]["size"] == 128 and callable(fn)
