"""``SweepResult.to_xarray()`` and ``jaxhop sweep-export``: Zarr / netCDF round trips equal the
store."""

import json

import jax.numpy as jnp
import numpy as np
import pytest

from jaxhop import sweep as sw
from jaxhop.cli import main

xr = pytest.importorskip("xarray")
pytest.importorskip("zarr")
pytest.importorskip("h5netcdf")


def point(params, key):
    x, n = params["x"], params["n"]
    return {
        "y": jnp.cos(x) * n.astype(x.dtype),
        "vec": jnp.stack([x, 2 * x, 3 * x]),
        "flag": x > 0.5,
    }


def test_product_grid_as_dataset(tmp_path):
    grid = sw.product(x=np.linspace(0.0, 1.0, 5), n=[1, 2, 3])
    result = sw.sweep(point, grid, batch_size=4, out=tmp_path / "s", quiet=True)
    ds = result.to_xarray()
    assert dict(ds.sizes) == {"x": 5, "n": 3, "vec_dim0": 3}
    np.testing.assert_array_equal(ds["x"].values, np.linspace(0.0, 1.0, 5, dtype=np.float32))
    np.testing.assert_array_equal(ds["n"].values, [1, 2, 3])
    x, n = np.meshgrid(np.linspace(0.0, 1.0, 5, dtype=np.float32), [1, 2, 3], indexing="ij")
    np.testing.assert_allclose(ds["y"].values, np.cos(x) * n, rtol=1e-6)
    np.testing.assert_allclose(ds["vec"].sel(n=2).values[:, 2], 3 * x[:, 0], rtol=1e-6)
    assert ds["flag"].dtype == bool and ds["flag"].values.sum() == 2 * 3
    assert ds.attrs["fingerprint"] == result.meta["fingerprint"]
    assert json.loads(ds.attrs["grid"])["names"] == ["x", "n"]

    for suffix, opener in ((".zarr", xr.open_zarr), (".nc", xr.open_dataset)):
        target = tmp_path / f"out{suffix}"
        code = main(["sweep-export", str(tmp_path / "s"), "--to", str(target), "--json"])
        assert code == 0
        with opener(target) as back:
            xr.testing.assert_identical(back.load(), ds)


def test_point_list_dataset_and_bad_target(tmp_path, capsys):
    grid = sw.points(x=[0.1, 0.9, 0.4], n=[3, 1, 2])
    sw.sweep(point, grid, batch_size=2, out=tmp_path / "p", quiet=True)
    ds = sw.load(tmp_path / "p").to_xarray()
    assert dict(ds.sizes) == {"point": 3, "vec_dim0": 3}
    np.testing.assert_array_equal(ds["n"].values, [3, 1, 2])
    np.testing.assert_allclose(ds["y"].values, np.cos(np.float32([0.1, 0.9, 0.4])) * [3, 1, 2])
    code = main(["sweep-export", str(tmp_path / "p"), "--to", str(tmp_path / "out.csv")])
    assert code == 2 and ".zarr or .nc" in capsys.readouterr().err
    target = tmp_path / "out.nc"
    assert main(["sweep-export", str(tmp_path / "p"), "--to", str(target)]) == 0
    capsys.readouterr()
    assert main(["sweep-export", str(tmp_path / "p"), "--to", str(target)]) == 2
    assert "--overwrite" in capsys.readouterr().err
