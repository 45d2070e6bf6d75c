"""Registered sweep workloads against independent truth (the saliency map's closed forms)."""

import numpy as np

import jaxhop as jh
from jaxhop import _workloads


def test_sequence_workload_entries_follow_the_saliency_map():
    fn, config = _workloads.bind("sequence", {"max_events": 30}, ("kappa", "z0"))
    kappas = np.array([3.0, 3.5, 4.5, 5.0, 6.0], np.float32)
    z0s = np.array([1.3, 2.0, 3.0], np.float32)
    grid = jh.sweep.product(kappa=kappas, z0=z0s)
    result = jh.sweep.sweep(fn, grid, chunk_size=8, quiet=True)
    entries = np.asarray(result["entries"])
    kk, zz = np.meshgrid(kappas, z0s, indexing="ij")
    expected = np.minimum(np.asarray(jh.saliency.collapse_index(kk, zz)), 30)
    np.testing.assert_array_equal(entries, expected)
    collapsed = np.asarray(result["collapsed"])
    np.testing.assert_array_equal(collapsed, expected < 30)
    assert config["workload"] == "sequence"


def test_sequence_workload_mean_dwell_is_the_maps():
    fn, _ = _workloads.bind("sequence", {"max_events": 6}, ("kappa",))
    result = jh.sweep.sweep(
        fn, jh.sweep.product(kappa=np.array([5.0, 6.0], np.float32)), quiet=True
    )
    for kappa, mean_dwell in zip((5.0, 6.0), np.asarray(result["mean_dwell"])):
        dwells = np.log(np.asarray(jh.saliency.orbit(kappa, 3.0, 5)))
        np.testing.assert_allclose(mean_dwell, dwells.mean(), rtol=1e-5)
