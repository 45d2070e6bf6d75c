"""``jaxhop sweep CONFIG --worker I/N``: three concurrent independent workers fill one store,
one is killed and restarted, and the result equals a single run's bit for bit; ``--status``."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import jaxhop as jh
from jaxhop.cli import main
from jaxhop.sweep._run import worker_share

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
workload = "saliency"
seed = 3
chunk_size = 40
batch_size = 8

[params]
max_steps = 60

[grid]
kappa = { start = 1.0, stop = 9.0, num = 30 }
z0 = { start = 0.3, stop = 6.0, num = 20 }
"""

# the CLI in a child process, each chunk write slowed so that a worker can be killed mid-share
RUNNER = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from jaxhop.sweep import _store
write = _store.Store.write_chunk
def slow(self, *args):
    write(self, *args)
    time.sleep(float(sys.argv[1]))
_store.Store.write_chunk = slow
from jaxhop.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _cli(tmp_path, *argv, pause=0.0) -> subprocess.Popen:
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    return subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(pause), *map(str, argv)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _json(child: subprocess.Popen) -> dict:
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err[-2000:]
    return json.loads(out)


def test_worker_shares_are_disjoint_tile_aligned_and_cover_the_grid():
    for size, n, tile in [(600, 3, 8), (7, 3, 4), (100, 7, 1), (5, 8, 2)]:
        shares = [worker_share(size, (i, n), tile) for i in range(n)]
        assert shares[0][0] == 0 and shares[-1][1] == size
        for (_, stop), (start, _) in zip(shares, shares[1:]):
            assert stop == start and start % tile == 0


@pytest.mark.slow  # four child processes and paused writes: ~1 min on a shared 2-core machine
def test_three_workers_one_killed_and_restarted_equal_one_run(tmp_path, capsys):
    config = tmp_path / "phase.toml"
    config.write_text(CONFIG)
    store = tmp_path / "store"
    common = ["sweep", config, "--out", store, "--json"]
    workers = {i: _cli(tmp_path, *common, "--worker", f"{i}/3", pause=1.5) for i in range(3)}
    # wait until worker 1 has written a chunk, then kill it mid-share
    chunks = store / "chunks"
    lo, hi = worker_share(600, (1, 3), 8)
    deadline = time.monotonic() + 200

    def own():
        return [f for f in chunks.glob("points_*.npz") if lo <= int(f.name.split("_")[1]) < hi]

    while time.monotonic() < deadline and not (chunks.exists() and own()):
        time.sleep(0.05)
    assert workers[1].poll() is None, "worker 1 finished before it could be killed"
    workers[1].send_signal(signal.SIGKILL)
    workers[1].communicate()
    # a plain sweep is refused while workers hold the directory (they pause 1.5 s per chunk)
    assert workers[0].poll() is None and workers[2].poll() is None
    code = main([str(a) for a in common])
    err = capsys.readouterr().err
    assert code == 2 and "in use" in err and "Traceback" not in err
    reports = [_json(workers[0]), _json(workers[2])]
    assert all(0 < r["computed_points"] <= 200 for r in reports)
    # the status names the killed worker's missing points, and nothing else
    code = main([str(a) for a in ["sweep", config, "--out", store, "--status", "--json"]])
    status = json.loads(capsys.readouterr().out)
    assert code == 0 and not status["complete"] and 0 < status["missing_points"] < 200
    assert all(lo <= a < b <= hi for a, b in status["missing_ranges"])
    # the restarted worker computes only what is missing; the store is then complete
    restarted = _json(_cli(tmp_path, *common, "--worker", "1/3"))
    assert restarted["computed_points"] == status["missing_points"]
    assert restarted["complete"] is True
    # a final plain run finds nothing to do (a child: under pytest's type-checking import hook
    # the bound workload function has another qualified name, hence another fingerprint)
    final = _json(_cli(tmp_path, *common))
    assert final["computed_points"] == 0 and final["complete"] is True
    # one process, another chunk size: the same bits
    single = tmp_path / "single"
    code = main(
        [str(a) for a in ["sweep", config, "--out", single, "--json", "--chunk-size", "600"]]
    )
    capsys.readouterr()
    a, b = jh.sweep.load(store), jh.sweep.load(single)
    for name in b.names:
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name
    # and the values are the saliency map's (independent closed form for the period)
    kappa = np.linspace(1.0, 9.0, 30, dtype=np.float32)
    with np.errstate(invalid="ignore"):
        z_plus = kappa / 2 * (1 + np.sqrt(1 - 4 / kappa))
    np.testing.assert_allclose(a["period"][:, 0], np.log(z_plus), rtol=1e-5)


@pytest.mark.parametrize("bad", ["3/3", "1", "a/b", "-1/2", "0/0"])
def test_bad_worker_is_a_usage_error(tmp_path, capsys, bad):
    config = tmp_path / "phase.toml"
    config.write_text(CONFIG)
    code = main(["sweep", str(config), "--out", str(tmp_path / "s"), "--worker", bad])
    err = capsys.readouterr().err
    assert code == 2 and "--worker" in err and "Traceback" not in err


def test_status_of_an_empty_directory_and_conflicts(tmp_path, capsys):
    config = tmp_path / "phase.toml"
    config.write_text(CONFIG)
    code = main(["sweep", str(config), "--out", str(tmp_path / "s"), "--status", "--json"])
    status = json.loads(capsys.readouterr().out)
    assert code == 0 and status["missing_points"] == 600 and not status["complete"]
    code = main(
        ["sweep", str(config), "--out", str(tmp_path / "s"), "--worker", "0/2", "--restart"]
    )
    assert code == 2 and "conflicts" in capsys.readouterr().err
