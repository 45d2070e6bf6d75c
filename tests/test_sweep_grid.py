"""Sweep grids: point order, named axes, validation; TOML configs."""

import numpy as np
import pytest

from jaxhop import sweep as sw
from jaxhop.sweep._config import load_config


def test_product_points_follow_c_order_of_meshgrid():
    a, b, c = np.array([0.5, 1.5]), np.array([1, 2, 3]), np.array([10.0, 20.0, 30.0, 40.0])
    grid = sw.product(a=a, b=b, c=c)
    assert grid.shape == (2, 3, 4) and grid.dims == ("a", "b", "c") and grid.size == 24
    mesh = np.meshgrid(a, b, c, indexing="ij")
    values = grid.values(5, 17)
    for name, full in zip("abc", mesh):
        np.testing.assert_array_equal(values[name], full.ravel()[5:17])


def test_point_list_keeps_columns():
    grid = sw.points(kappa=[5.0, 4.5, 3.0], z0=[3.0, 1.45, 2.5])
    assert grid.dims == ("point",) and grid.shape == (3,)
    np.testing.assert_array_equal(grid.values(1, 3)["z0"], [1.45, 2.5])


def test_mapping_is_a_product_and_fingerprints_differ():
    g1 = sw.as_grid({"x": [1.0, 2.0]})
    assert g1.kind == "product"
    assert g1.fingerprint() == sw.product(x=[1.0, 2.0]).fingerprint()
    assert g1.fingerprint() != sw.product(x=[1.0, 2.5]).fingerprint()
    assert g1.fingerprint() != sw.points(x=[1.0, 2.0]).fingerprint()


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: sw.points(a=[1.0, 2.0], b=[1.0]), "same length"),
        (lambda: sw.product(a=[]), "empty"),
        (lambda: sw.product(a=[1.0, np.nan]), "NaN"),
        (lambda: sw.product(a=[[1.0]]), "1-D"),
        (lambda: sw.product(_a=[1.0]), "identifier"),
        (lambda: sw.product(a=["x"]), "numbers"),
        (lambda: sw.as_grid([1, 2]), "grid must be"),
    ],
)
def test_bad_grids_name_the_problem(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_config_ranges_and_tables(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        'workload = "saliency"\nseed = 3\nchunk_size = 100\n[params]\nmax_steps = 7\n'
        "[grid]\nkappa = { start = 1.0, stop = 3.0, num = 5 }\n"
        'z0 = { start = 1.0, stop = 100.0, num = 3, scale = "log" }\n'
    )
    config = load_config(path)
    assert config.workload == "saliency" and config.seed == 3 and config.chunk_size == 100
    assert config.params == {"max_steps": 7}
    np.testing.assert_allclose(config.grid.axes["kappa"], [1.0, 1.5, 2.0, 2.5, 3.0])
    np.testing.assert_allclose(config.grid.axes["z0"], [1.0, 10.0, 100.0])


@pytest.mark.parametrize(
    "text, message",
    [
        ('workload = "saliency"\n', "exactly one of"),
        ('workload = "saliency"\n[grid]\nkappa = [1.0]\n[points]\nz0 = [1.0]\n', "exactly one"),
        ("[grid]\nkappa = [1.0]\n", "'workload'"),
        ('workload = "s"\ncolour = 1\n[grid]\nkappa = [1.0]\n', "unknown key"),
        ('workload = "s"\n[grid]\nkappa = { start = 1.0, num = 3 }\n', "stop"),
        ('workload = "s"\nchunk_size = 0\n[grid]\nkappa = [1.0]\n', "chunk_size"),
        ('workload = "s\n', "not valid TOML"),
    ],
)
def test_bad_configs_name_the_key(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_config(path)
