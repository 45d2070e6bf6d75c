"""jh.sweep.sweep on one device: values, per-point keys, one compile, memory and NaN guards."""

import re
import warnings

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxhop import sweep as sw


def sine_and_noise(params, key):
    return {
        "y": jnp.sin(params["a"]) * params["b"],
        "noise": jax.random.normal(key, (3,)),
        "count": params["n"] * 2,
    }


GRID = sw.product(a=np.linspace(0.0, 2.0, 5), b=[1.0, -2.0], n=[1, 2, 3])


def expected_noise(key, size):
    return np.stack(
        [np.asarray(jax.random.normal(jax.random.fold_in(key, i), (3,))) for i in range(size)]
    )


def test_values_axes_and_per_point_keys(key):
    result = sw.sweep(sine_and_noise, GRID, chunk_size=7, key=key, quiet=True)
    assert result.dims == ("a", "b", "n")
    assert result["y"].shape == (5, 2, 3) and result["noise"].shape == (5, 2, 3, 3)
    a, b, n = np.meshgrid(np.linspace(0, 2, 5), [1.0, -2.0], [1, 2, 3], indexing="ij")
    np.testing.assert_allclose(result["y"], np.sin(a) * b, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(result["count"], 2 * n)
    assert result["count"].dtype == np.int32 and result["y"].dtype == np.float32
    # point i (C order over the grid) draws with fold_in(key, i)
    np.testing.assert_array_equal(result["noise"].reshape(30, 3), expected_noise(key, 30))
    assert result.nonfinite == {"count": 0, "noise": 0, "y": 0}


def test_one_compile_for_all_chunks_including_the_padded_last():
    fn = eqx.debug.assert_max_traces(sine_and_noise, max_traces=1)
    result = sw.sweep(fn, GRID, chunk_size=8, batch_size=4, quiet=True)  # 8, 8, 8, 6 (padded)
    assert eqx.debug.get_num_traces(fn) == 1
    assert result.meta["chunk_size"] == 8


@pytest.mark.parametrize("chunk_size, batch_size", [(1, None), (30, None), (12, 5), (64, 4)])
def test_results_do_not_depend_on_chunking(chunk_size, batch_size):
    reference = sw.sweep(sine_and_noise, GRID, chunk_size=4, quiet=True)
    other = sw.sweep(sine_and_noise, GRID, chunk_size=chunk_size, batch_size=batch_size, quiet=True)
    for name in reference.names:
        np.testing.assert_array_equal(other[name], reference[name])


def test_point_list_and_single_array_output():
    grid = sw.points(x=[1.0, 4.0, 9.0])
    result = sw.sweep(lambda p, k: jnp.sqrt(p["x"]), grid, quiet=True)
    assert result.dims == ("point",)
    np.testing.assert_allclose(result["value"], [1.0, 2.0, 3.0])


def wide(params, key):
    return {"row": jnp.full((1000,), params["x"])}  # 4000 bytes of output per point


def test_chunk_over_memory_budget_says_what_fits():
    grid = sw.product(x=np.arange(64.0))
    budget = 64 * 1024
    with pytest.raises(ValueError, match=r"chunk_size <= \d+ fits") as error:
        sw.sweep(wide, grid, batch_size=1, chunk_size=64, memory_budget="64 KiB", quiet=True)
    fits = int(re.search(r"chunk_size <= (\d+) fits", str(error.value)).group(1))
    assert 1 <= fits <= budget // 4000
    result = sw.sweep(wide, grid, batch_size=1, chunk_size=fits, memory_budget=budget, quiet=True)
    np.testing.assert_array_equal(result["row"][:, 0], np.arange(64.0))
    auto = sw.sweep(
        wide, grid, batch_size=1, memory_budget=budget, quiet=True
    )  # picks a chunk that fits
    assert auto.meta["chunk_size"] * 4000 <= budget
    assert auto.meta["bytes_per_device"] <= budget
    with pytest.raises(ValueError, match="no chunk fits"):
        sw.sweep(wide, grid, batch_size=1, memory_budget=1000, quiet=True)


def logarithm(params, key):
    return {"log": jnp.log(params["x"]), "x": params["x"]}


def test_nonfinite_results_are_counted_and_reported():
    grid = sw.points(x=[-1.0, 0.0, 1.0, 2.0, -3.0])
    with pytest.warns(RuntimeWarning, match="NaN/inf"):
        result = sw.sweep(logarithm, grid, chunk_size=2, quiet=True)
    assert result.nonfinite == {"log": 3, "x": 0}  # NaN, -inf, NaN
    with pytest.raises(FloatingPointError, match="NaN/inf"):
        sw.sweep(logarithm, grid, chunk_size=2, nonfinite="raise", quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sw.sweep(logarithm, sw.points(x=[1.0, 2.0]), quiet=True)  # finite: no warning


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"chunk_size": 0}, "chunk_size"),
        ({"batch_size": -1}, "batch_size"),
        ({"memory_budget": "lots"}, "memory_budget"),
        ({"memory_budget": -5}, "memory_budget"),
        ({"nonfinite": "ignore"}, "nonfinite"),
        ({"devices": []}, "devices"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sw.sweep(sine_and_noise, GRID, quiet=True, **kwargs)


def test_parse_bytes_units():
    assert sw.parse_bytes("512 MiB") == 512 * 2**20
    assert sw.parse_bytes("2GB") == 2 * 10**9
    assert sw.parse_bytes(1e6) == 10**6


def test_slice_fixes_axes_by_nearest_value():
    result = sw.sweep(sine_and_noise, GRID, quiet=True)
    curve, dims = result.slice("y", b=-1.9, n=3)
    assert dims == ("a",)
    np.testing.assert_allclose(curve, -2.0 * np.sin(np.linspace(0, 2, 5)), rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="no grid axis"):
        result.slice("y", c=1.0)


def test_progress_bar_on_stderr_unless_quiet(capsys):
    sw.sweep(sine_and_noise, GRID, chunk_size=8, quiet=False, desc="demo-sweep")
    err = capsys.readouterr().err
    assert "demo-sweep" in err and "pt" in err and "30" in err  # total points, unit
    sw.sweep(sine_and_noise, GRID, chunk_size=8, quiet=True, desc="demo-sweep")
    assert capsys.readouterr().err == ""


def test_one_byte_grammar_for_the_sweep_and_the_budget(monkeypatch):
    # bare K/M/G/T and KiB… are powers of 1024, KB/MB/GB powers of 1000, everywhere
    from jaxhop import cli
    from jaxhop._checks import memory_budget

    assert sw.parse_bytes("8G") == sw.parse_bytes("8 GiB") == 8 * 2**30
    assert sw.parse_bytes("8gb") == 8 * 10**9
    for text in ("3G", "2GB", "1.5 MiB", "1e6"):
        monkeypatch.setenv(cli.MEMORY_BUDGET_ENV, text)
        assert cli.memory_budget() == memory_budget() == sw.parse_bytes(text)
    for bad in ("lots", "-1G", "0", "nan", "5 parsecs"):
        with pytest.raises(ValueError, match="byte"):
            sw.parse_bytes(bad)
