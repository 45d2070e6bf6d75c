"""``jaxhop ssm train``: JSON contract on a tiny run, checkpoint output, bad input."""

import json

import pytest

from jaxhop.cli import main


def run_cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_train_json_contract(capsys, tmp_path):
    code, out, err = run_cli(
        capsys,
        *"ssm train --model lti --task extended --k 2 --steps 3 --batch 4 --length 24".split(),
        *"--width 8 --eval-size 32 --json --out".split(),
        str(tmp_path),
    )
    assert code == 0, err
    data = json.loads(out)
    assert {"accuracy", "params", "tokens_per_s"} <= set(data)
    assert 0 <= data["accuracy"] <= 1 and data["params"] > 100 and data["tokens_per_s"] > 0
    assert data["k"] == 2 and data["steps"] == 3
    assert (tmp_path / "model.eqx").stat().st_size > 1000


@pytest.mark.parametrize(
    "argv, name",
    [
        ("ssm train --steps 0", "--steps"),
        ("ssm train --model mamba", "--model"),
        ("ssm train --task extended --k 1", "--k"),
        ("ssm train --task induction --k 3", "--k"),
        ("ssm train --task extended --k 4 --length 12", "--length"),
        ("ssm train --lr -1", "--lr"),
        ("ssm train --width 0", "--width"),
        ("ssm train --test-lengths 2", "lengths"),
        ("ssm", "SSM_COMMAND"),
    ],
)
def test_bad_input_exits_2(capsys, argv, name):
    code, out, err = run_cli(capsys, *argv.split())
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in err
