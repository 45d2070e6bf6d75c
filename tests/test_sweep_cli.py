"""``jaxhop sweep CONFIG.toml`` and ``jaxhop sweep-plot``: the saliency workload, resume, bad
input (exit 2, one line)."""

import json
from pathlib import Path

import numpy as np
import pytest

from jaxhop import sweep as sw
from jaxhop.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_point_list_example_matches_the_spec_reference_orbits(capsys, tmp_path):
    """The example's points are exact orbits of the saliency map (docs/saliency.md)."""
    code, out, _ = run_cli(
        capsys, "sweep", EXAMPLES / "saliency_points.toml", "--out", tmp_path, "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["points"] == 6 and data["computed_points"] == 6 and data["dims"] == ["point"]
    result = sw.load(tmp_path)
    # exact orbits: (5,3), (6,2) periodic → capped at max_steps = 50; then 2, 3, 6, 3
    np.testing.assert_array_equal(result["retrievals"], [50, 50, 2, 3, 6, 3])
    np.testing.assert_array_equal(result["regime"], [0, 0, 1, 1, 2, 2])
    np.testing.assert_allclose(
        result["period"][:4], [1.285931, 1.554359, 1.285931, 1.098612], atol=1e-5
    )
    assert data["nonfinite"] == {"period": 2, "regime": 0, "retrievals": 0}  # κ < 4: no period
    # a second run resumes and finds nothing left to do
    code, out, _ = run_cli(
        capsys, "sweep", EXAMPLES / "saliency_points.toml", "--out", tmp_path, "--json"
    )
    assert json.loads(out)["computed_points"] == 0 and json.loads(out)["resumed_points"] == 6


def test_product_grid_and_plots(capsys, tmp_path):
    config = tmp_path / "phase.toml"
    config.write_text(
        'workload = "saliency"\nchunk_size = 50\n[params]\nmax_steps = 30\n'
        "[grid]\nkappa = { start = 3.0, stop = 6.0, num = 13 }\nz0 = [1.3, 2.0, 3.0]\n"
    )
    out = tmp_path / "phase"
    code, text, _ = run_cli(capsys, "sweep", config, "--out", out, "--json")
    assert code == 0 and json.loads(text)["shape"] == [13, 3]
    result = sw.load(out)
    kappa = result.coords["kappa"]
    # κ ≥ 4 and Z0 = 3 > Z_− is periodic: retrievals reach the cap
    assert np.all(result["retrievals"][kappa >= 4, 2] == 30)
    z_plus = (kappa + np.sqrt(np.maximum(kappa**2 - 4 * kappa, 0))) / 2
    np.testing.assert_allclose(
        result["period"][kappa >= 4, 0], np.log(z_plus[kappa >= 4]), rtol=1e-5
    )
    code, text, _ = run_cli(capsys, "sweep-plot", out, "--output", "retrievals", "--json")
    assert code == 0 and Path(json.loads(text)["figure"]).stat().st_size > 1000
    code, text, _ = run_cli(
        capsys, "sweep-plot", out, "--output", "period", "--at", "z0=2", "--out", tmp_path, "--json"
    )
    assert code == 0 and json.loads(text)["figure"].endswith("period_z02.png")


def test_list_workloads(capsys):
    code, out, _ = run_cli(capsys, "sweep", "--list", "--json")
    assert code == 0
    listing = json.loads(out)
    assert listing["saliency"]["parameters"]["max_steps"] == 200
    # without --json: a table, one row per workload (name, sweepable axes, outputs, description)
    code, text, _ = run_cli(capsys, "sweep", "--list")
    assert code == 0 and not text.lstrip().startswith("{")
    lines = text.splitlines()
    assert lines[0].split() == ["workload", "axes", "outputs", "description"]
    assert set(lines[1]) == {"-", " "}
    for name, entry in listing.items():
        (row,) = [line for line in lines[2:] if line.split(" ")[0] == name]
        assert entry["description"] in row
        assert all(output in row for output in entry["outputs"])
        axes = [p for p in entry["parameters"] if p not in entry["static"]]
        assert ", ".join(axes) in row
    saliency = next(line for line in lines if line.startswith("saliency "))
    assert "kappa, z0" in saliency and "max_steps" not in saliency  # static: fixed only
    assert any("saliency: max_steps" in line for line in lines)


@pytest.mark.parametrize(
    "toml, message",
    [
        ('workload = "nope"\n[grid]\nkappa = [5.0]\n', "workload must be one of"),
        ('workload = "saliency"\n[grid]\nmax_steps = [5, 6]\n', "cannot be swept"),
        ('workload = "saliency"\n[grid]\ngain = [5.0]\n', "no parameter"),
        ('workload = "saliency"\n[params]\nmax_steps = 2.5\n[grid]\nkappa = [5.0]\n', "integer"),
        ('workload = "saliency"\n[grid]\nkappa = [5.0]\n[points]\nz0 = [1.0]\n', "exactly one"),
    ],
)
def test_bad_configs_exit_2_with_one_line(capsys, tmp_path, toml, message):
    config = tmp_path / "bad.toml"
    config.write_text(toml)
    code, out, err = run_cli(capsys, "sweep", config, "--out", tmp_path / "o")
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_refuses_to_mix_and_other_bad_input(capsys, tmp_path):
    config = tmp_path / "a.toml"
    config.write_text('workload = "saliency"\n[grid]\nkappa = [5.0, 6.0]\nz0 = [3.0]\n')
    assert run_cli(capsys, "sweep", config, "--out", tmp_path / "o", "--json")[0] == 0
    config.write_text('workload = "saliency"\n[grid]\nkappa = [5.0, 7.0]\nz0 = [3.0]\n')
    code, _, err = run_cli(capsys, "sweep", config, "--out", tmp_path / "o")
    assert code == 2 and "different configuration" in err and "grid" in err
    assert run_cli(capsys, "sweep", config, "--out", tmp_path / "o", "--restart", "--json")[0] == 0
    for argv, message in [
        (("sweep", tmp_path / "missing.toml", "--out", tmp_path), "no such file"),
        (("sweep", config, "--out", tmp_path / "o", "--chunk-size", "0"), "--chunk-size"),
        (("sweep",), "CONFIG is required"),
        (("sweep-plot", tmp_path / "o", "--output", "nope"), "not in this sweep"),
        (("sweep-plot", tmp_path / "o", "--at", "z0"), "AXIS=VALUE"),
        (("sweep-plot", tmp_path / "empty"), "no sweep"),
    ]:
        code, _, err = run_cli(capsys, *argv)
        assert code == 2 and message in err, (argv, err)
