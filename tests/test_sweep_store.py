"""Sweep results on disk: round trip, resume, refusal to mix configs, atomic files."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxhop import sweep as sw


def square(params, key):
    return {"square": params["x"] ** 2, "plus": params["x"] + params["y"]}


def cube(params, key):
    return {"square": params["x"] ** 3, "plus": params["x"] + params["y"]}


GRID = sw.product(x=np.arange(6.0), y=[0.5, 1.5, 2.5])


def test_disk_round_trip_equals_memory_and_records_metadata(tmp_path):
    memory = sw.sweep(square, GRID, chunk_size=5, batch_size=1, quiet=True)
    disk = sw.sweep(square, GRID, chunk_size=5, batch_size=1, out=tmp_path, quiet=True)
    loaded = sw.load(tmp_path)
    for name in memory.names:
        np.testing.assert_array_equal(disk[name], memory[name])
        np.testing.assert_array_equal(loaded[name], memory[name])
    np.testing.assert_array_equal(loaded["square"], np.arange(6.0)[:, None] ** 2 * np.ones(3))
    assert loaded.dims == ("x", "y")
    np.testing.assert_array_equal(loaded.coords["y"], [0.5, 1.5, 2.5])
    meta = json.loads((tmp_path / "sweep.json").read_text())
    assert meta["complete"] and meta["grid"]["kind"] == "product"
    assert meta["key"]["data"] == np.asarray(jax.random.key_data(jax.random.key(0))).tolist()
    assert set(meta["versions"]) >= {"jaxhop", "jax", "numpy", "python"}
    assert meta["function"].endswith("square")
    assert len(list((tmp_path / "chunks").glob("points_*.npz"))) == 4  # 18 points / 5
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"fn": cube}, "function"),
        ({"grid": sw.product(x=np.arange(6.0), y=[0.5, 1.5, 3.0])}, "grid"),
        ({"key": jax.random.key(1)}, "key"),
        ({"config": {"version": 2}}, "config"),
    ],
)
def test_resume_with_another_config_is_refused(tmp_path, change, field):
    sw.sweep(square, GRID, chunk_size=5, batch_size=1, out=tmp_path, quiet=True)
    kwargs = {"fn": square, "grid": GRID, "key": None, "config": None} | change
    fn, grid = kwargs.pop("fn"), kwargs.pop("grid")
    with pytest.raises(ValueError, match=f"different configuration.*{field}"):
        sw.sweep(fn, grid, chunk_size=5, batch_size=1, out=tmp_path, quiet=True, **kwargs)
    # resume=False starts over with the new config
    result = sw.sweep(
        fn, grid, chunk_size=5, batch_size=1, out=tmp_path, resume=False, quiet=True, **kwargs
    )
    assert result.meta["points_last_run"] == 18


def test_resume_recomputes_only_missing_ranges(tmp_path):
    sw.sweep(square, GRID, chunk_size=4, batch_size=1, out=tmp_path, quiet=True)
    chunk_files = sorted((tmp_path / "chunks").glob("points_*.npz"))
    chunk_files[1].unlink()  # points 4…7
    chunk_files[3].unlink()  # points 12…15
    (tmp_path / "chunks" / ".points_x.npz.123.tmp").write_bytes(b"half a file")
    with pytest.raises(ValueError, match="8 of 18 points missing"):
        sw.load(tmp_path)
    result = sw.sweep(square, GRID, chunk_size=3, batch_size=1, out=tmp_path, quiet=True)
    assert result.meta["points_last_run"] == 8
    np.testing.assert_array_equal(result["plus"], np.arange(6.0)[:, None] + [0.5, 1.5, 2.5])


def test_load_refuses_what_is_not_a_sweep(tmp_path):
    with pytest.raises(ValueError, match="no sweep"):
        sw.load(tmp_path)
    (tmp_path / "chunks").mkdir()
    (tmp_path / "chunks" / "points_0000000000_0000000004.npz").write_bytes(b"")
    with pytest.raises(ValueError, match="no sweep.json"):
        sw.sweep(square, GRID, out=tmp_path, quiet=True)


def test_in_memory_and_disk_agree_for_random_outputs(tmp_path, key):
    def noise(params, point_key):
        return {"n": params["x"] * jax.random.uniform(point_key, (2,), jnp.float32)}

    a = sw.sweep(noise, GRID, chunk_size=7, batch_size=1, key=key, quiet=True)
    b = sw.sweep(noise, GRID, chunk_size=18, batch_size=1, key=key, out=tmp_path, quiet=True)
    np.testing.assert_array_equal(a["n"], b["n"])
