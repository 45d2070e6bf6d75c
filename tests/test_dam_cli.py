"""``jaxhop dam-recall``: JSON contract and bad input (exit 2, one line)."""

import json
import math

import numpy as np
import pytest

from jaxhop.cli import main


def test_dam_recall_json_keys(capsys):
    code = main(
        "dam-recall --order 3 --size 96 --load 0.2 --m0 0.8 --trials 4 --steps 3 "
        "--pattern-sets 2 --paths 2048 --json".split()
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    for name in ("m_mean", "m_std", "theory_m", "theory_full_m"):
        assert len(out[name]) == 4
    assert out["patterns"] == round(0.2 * 96**2 / 3)
    assert 0 <= out["success_rate"] <= 1
    assert out["m_mean"][0] == pytest.approx(0.8, abs=0.15)
    np.testing.assert_allclose(out["theory_m"][1], 0.84759, atol=1e-4)  # erf(0.64/√0.4)
    times = out["convergence_time"]
    assert len(times) == out["trials"]
    settled = [t for t in times if t is not None]  # null: not settled within the 3 steps
    assert out["converged_fraction"] == pytest.approx(len(settled) / len(times))
    assert all(0 <= t <= 1 and t == int(t) for t in settled)  # settled ⇔ s(3) = s(1): t ≤ 1
    if settled:
        assert out["convergence_time_mean"] == pytest.approx(np.mean(settled))
    assert 0 <= out["fixed_point_fraction"] <= out["converged_fraction"]


def test_dam_recall_order2_full_theory(capsys):
    # n = 2: the full GFA process; its first step is the exact erf(m0/√(2α)) (± MC error)
    args = "dam-recall --order 2 --size 64 --load 0.05 --m0 0.2 --trials 2 --steps 2 --json"
    assert main(args.split()) == 0
    full = json.loads(capsys.readouterr().out)["theory_full_m"]
    assert len(full) == 3 and full[0] == pytest.approx(0.2, abs=1e-3)
    assert full[1] == pytest.approx(math.erf(0.2 / math.sqrt(0.1)), abs=0.03)


@pytest.mark.parametrize(
    "args,match",
    [
        ("--order 1", "--order"),
        ("--load 0", "--load"),
        ("--load -0.1", "--load"),
        ("--m0 1.5", "--m0"),
        ("--trials 0", "--trials"),
        ("--variant abbott", "variant"),
        ("--size 16384 --load 0.05 --storage int8", "GiB"),
        ("--size 100000 --load 0.2", "patterns"),
    ],
)
def test_dam_recall_bad_input(capsys, args, match):
    code = main(["dam-recall", *args.split(), "--json"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert match in err and len(err.splitlines()) == 1
