"""``jaxhop sequence`` (JSON contract, bad input) and the ``idp`` demo section."""

import json

import numpy as np
import pytest

from jaxhop.cli import main
from jaxhop.demo import run_demo


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_sequence_json_contract(capsys, tmp_path):
    code, out, err = run_cli(
        capsys,
        "sequence",
        "--kappa",
        "5",
        "--z0",
        "3",
        "--memories",
        "8",
        "--size",
        "64",
        "--eps",
        "1e-3",
        "--time",
        "4.5",
        "--json",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["collapsed"] is False
    z = data["entry_saliencies"]
    assert len(z) == len(data["dwell_times"]) == 4  # entries at 0, 1.10, 2.31, 3.57
    np.testing.assert_allclose(z, [3, 10 / 3, 3.5, 25 / 7], rtol=1.5e-2)
    np.testing.assert_allclose(data["dwell_times"][:3], np.log([3, 10 / 3, 3.5]), rtol=1.5e-2)
    assert data["dwell_times"][3] is None  # still retrieving when the run ends
    assert (tmp_path / "sequence.png").stat().st_size > 10_000


def test_sequence_adiabatic_collapse(capsys):
    code, out, _ = run_cli(
        capsys, "sequence", "--kappa", "3", "--z0", "2.5", "--method", "adiabatic", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["collapsed"] is True
    np.testing.assert_allclose(data["entry_saliencies"], [2.5, 1.8, 4 / 3], rtol=1e-5)
    np.testing.assert_allclose(data["collapse_time"], np.log(2.5 * 1.8 * 4 / 3), rtol=1e-5)


@pytest.mark.parametrize(
    "argv, name",
    [
        (["--kappa", "0", "--z0", "3"], "--kappa"),
        (["--kappa", "5", "--z0", "-1"], "--z0"),
        (["--kappa", "5", "--z0", "3", "--size", "48"], "--size"),
        (["--kappa", "5", "--z0", "3", "--size", "16", "--memories", "16"], "--memories"),
        (["--kappa", "5", "--z0", "3", "--memories", "-2"], "--memories"),
        (["--kappa", "5", "--z0", "3", "--eps", "0"], "--eps"),
        (["--kappa", "5", "--z0", "3", "--dt", "1"], "--dt"),
        (["--kappa", "5", "--z0", "3", "--method", "rk4"], "--method"),
    ],
)
def test_sequence_bad_input_exits_2(capsys, argv, name):
    code, out, err = run_cli(capsys, "sequence", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and name in err and "Traceback" not in err


def test_demo_section_quick(tmp_path):
    section = run_demo(tmp_path, quick=True, quiet=True, sections=("idp",))["idp"]
    summary = section["summary"]
    assert summary["periodic_max_rel_error_Z_vs_map"] < 0.02
    assert summary["periodic_collapsed"] is False and summary["decay_collapsed"] is True
    assert summary["glitch_idp_on_target_late"] > summary["glitch_additive_on_target_late"]
    for figure in section["figures"]:
        assert (tmp_path / figure).stat().st_size > 10_000


@pytest.mark.slow
def test_sequence_continuous_at_eps_1e_6(capsys, x64):
    # ε = 1e-6 through the adaptive solve: the entries must be the map's to < 1e-4 (the
    # escapes last ~ε ln(1/σ) ≈ 1e-5 time units); Euler would need 5·10⁷ steps.
    code, out, err = run_cli(
        capsys, "sequence", "--kappa", "5", "--z0", "3", "--eps", "1e-6", "--time", "4.5",
        "--method", "continuous", "--json",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["method"] == "continuous" and data["collapsed"] is False
    np.testing.assert_allclose(data["entry_saliencies"], [3, 10 / 3, 3.5, 25 / 7], rtol=1e-4)
