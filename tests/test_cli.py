"""The ``jaxhop`` command: JSON contracts and bad-input handling (exit 2, one line)."""

import json
import subprocess
import sys

import pytest

from jaxhop.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_saliency_json_contract(capsys):
    code, out, err = run_cli(capsys, "saliency", "--kappa", "5", "--z0", "3", "--json")
    assert code == 0
    data = json.loads(out)  # stdout holds exactly one JSON object
    assert data["z_plus"] == pytest.approx(3.618034, abs=1e-5)
    assert data["z_minus"] == pytest.approx(1.381966, abs=1e-5)
    assert data["regime"] == "periodic"
    assert data["retrievals"] is None
    assert data["period"] == pytest.approx(1.285931, abs=1e-5)
    assert data["orbit"][:3] == pytest.approx([3, 10 / 3, 3.5], abs=1e-5)


@pytest.mark.parametrize(
    "kappa, z0, regime, retrievals, orbit_tail",
    [
        ("5", "1.3", "collapse", 2, 0.6667),
        ("3.5", "3", "decay", 6, 0.5),
        ("3", "2.5", "decay", 3, 0.75),
    ],
)
def test_saliency_collapsing_orbits(capsys, kappa, z0, regime, retrievals, orbit_tail):
    code, out, _ = run_cli(capsys, "saliency", "--kappa", kappa, "--z0", z0, "--json")
    data = json.loads(out)
    assert code == 0 and data["regime"] == regime and data["retrievals"] == retrievals
    assert data["period"] is None  # only a periodic orbit has a period
    assert len(data["orbit"]) == retrievals + 1  # the orbit ends at its collapse
    assert data["orbit"][-1] == pytest.approx(orbit_tail, abs=1e-3)


def test_fit_period_json_contract(capsys):
    code, out, _ = run_cli(capsys, "fit-period", "--target", "2.183011", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["kappa"] == pytest.approx(10.0, rel=1e-5)  # closed form: ln Z_+(κ = 10) = 2.183011
    assert abs(data["period"] - 2.183011) < 1e-5
    assert 1 <= data["steps"] <= 200 and data["converged"]
    assert len(data["losses"]) == data["steps"]


@pytest.mark.parametrize(
    "argv, names",
    [
        (["saliency", "--kappa", "-1", "--z0", "3"], "--kappa"),
        (["saliency", "--kappa", "0", "--z0", "3"], "--kappa"),
        (["saliency", "--kappa", "5", "--z0", "-2"], "--z0"),
        (["saliency", "--kappa", "nan", "--z0", "2"], "--kappa"),
        (["saliency", "--kappa", "5", "--z0", "2", "--steps", "-4"], "--steps"),
        (["saliency", "--kappa", "five", "--z0", "2"], "--kappa"),
        (["saliency", "--z0", "2"], "--kappa"),
        (["fit-period", "--target", "0.5"], "--target"),
        (["fit-period", "--target", "inf"], "--target"),
        (["no-such-command"], "no-such-command"),
        (["demo", "--sections", "nonsense"], "nonsense"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, names):
    code, out, err = run_cli(capsys, *argv)
    assert code == 2
    assert out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and names in lines[0]
    assert "Traceback" not in err


def test_console_entry_point_runs_as_module():
    result = subprocess.run(
        [sys.executable, "-m", "jaxhop", "saliency", "--kappa", "4.5", "--z0", "2", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["z_plus"] == pytest.approx(3.0, abs=1e-5)
    bad = subprocess.run(
        [sys.executable, "-m", "jaxhop", "saliency", "--kappa", "-3", "--z0", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_version_prints_the_metadata_version_and_exits_0(capsys):
    import tomllib
    from importlib.metadata import version
    from pathlib import Path

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code in (0, None)
    out = capsys.readouterr().out.strip()
    assert out == f"jaxhop {version('jaxhop')}"
    # the metadata is the pyproject's version, not a second number kept by hand
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert out == f"jaxhop {pyproject['project']['version']}"
