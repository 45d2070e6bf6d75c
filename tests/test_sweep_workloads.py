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


def test_binding_a_workload_twice_gives_an_equal_function_and_no_second_compile(monkeypatch):
    """Equal fixed parameters → equal, equally hashed functions: a re-run finds the compiled
    chunk (the runner's cache is keyed by the function); other values or types do not."""
    from jaxhop.sweep import _run

    first, config = _workloads.bind("saliency", {"max_steps": 40}, ("kappa", "z0"))
    again, _ = _workloads.bind("saliency", {"max_steps": 40}, ("kappa", "z0"))
    other, _ = _workloads.bind("saliency", {"max_steps": 41}, ("kappa", "z0"))
    assert first == again and hash(first) == hash(again) and first is not again
    assert first != other
    assert config == {"workload": "saliency", "params": {"max_steps": 40}}
    grid = jh.sweep.product(kappa=np.array([4.5, 5.0, 6.0]), z0=np.array([2.0, 3.0]))
    one = jh.sweep.sweep(first, grid, resume=False, quiet=True)
    compiles = []
    real = _run._Chunker.compile

    def counting(self, chunk):
        hit = len(_run._COMPILED)
        compiled = real(self, chunk)
        compiles.append(len(_run._COMPILED) - hit)  # 1 when a new entry was compiled
        return compiled

    monkeypatch.setattr(_run._Chunker, "compile", counting)
    two = jh.sweep.sweep(again, grid, resume=False, quiet=True)
    assert compiles == [0]
    np.testing.assert_array_equal(one["retrievals"], two["retrievals"])
    jh.sweep.sweep(other, grid, resume=False, quiet=True)
    assert compiles[-1] == 1 or len(_run._COMPILED) == _run._CACHE_SIZE
    np.testing.assert_array_equal(  # the map's periodic regime reaches the cap
        np.asarray(one["retrievals"])[1:, 1], [40, 40]
    )
