"""``jaxhop firing-rate phase-diagram``: JSON contract, figure, bad input."""

import json

import numpy as np
import pytest

from jaxhop.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_phase_diagram_json_contract(capsys, tmp_path):
    code, out, err = run_cli(
        capsys,
        "firing-rate",
        "phase-diagram",
        "--activation",
        "rect-tanh",
        "--gamma",
        "negative",
        "--size",
        "100",
        "--json",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    data = json.loads(out)
    grid = data["grid"]
    stable = np.array(grid["stable"])
    assert stable.shape == (30, 30)
    assert data["stable"] == stable.sum() and data["cells"] == 900
    assert data["sufficient"] == np.array(grid["sufficient"]).sum()
    assert data["instability"] == np.array(grid["instability"]).sum()
    assert data["mislabelled"] == 0
    np.testing.assert_array_equal(stable, np.array(grid["lambda_max"]) < 0)
    np.testing.assert_allclose(grid["rho"], np.linspace(0.2, 5, 30), rtol=1e-6)
    np.testing.assert_allclose(grid["x_star"], np.linspace(0, 0.9, 30), atol=1e-6)
    # sufficient ⇒ stable and flagged ⇒ unstable, cell by cell
    assert not np.any(np.array(grid["sufficient"]) & ~stable)
    assert not np.any(np.array(grid["instability"]) & stable)
    assert (tmp_path / "firing_rate_phase_rect-tanh_negative.png").stat().st_size > 10_000


@pytest.mark.parametrize(
    "argv, needle",
    [
        (["--size", "1001"], "--size"),
        (["--size", "-25"], "--size"),
        (["--activation", "relu"], "--activation"),
        (["--gamma", "zero"], "--gamma"),
        (["--chunk-size", "0"], "--chunk-size"),
    ],
)
def test_phase_diagram_bad_input(capsys, argv, needle):
    code, out, err = run_cli(capsys, "firing-rate", "phase-diagram", *argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_firing_rate_without_subcommand(capsys):
    code, _, err = run_cli(capsys, "firing-rate")
    assert code == 2 and "phase-diagram" in err
