"""Sharding over 8 forced CPU host devices, and a sweep killed mid-run that resumes.

Both run in subprocesses: the device count is fixed when jax is first imported, and a kill
needs a process of its own.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from jaxhop import sweep as sw

ROOT = Path(__file__).resolve().parents[1]

# A module both child processes import, so the swept function has one qualified name.
WORKLOAD = """
import jax, jax.numpy as jnp

def noisy_orbit(params, key):
    # a random walk of 50 steps started at x0 with step size sigma
    steps = params["sigma"] * jax.random.normal(key, (50,))
    walk = params["x0"] + jnp.cumsum(steps)
    return {"final": walk[-1], "maximum": jnp.max(walk), "above": jnp.sum(walk > 0)}
"""


def _env(devices: int) -> dict:
    env = dict(os.environ)
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _child(tmp_path: Path, body: str, devices: int = 1) -> subprocess.Popen:
    (tmp_path / "workload_module.py").write_text(WORKLOAD)
    script = f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n" + textwrap.dedent(body)
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=_env(devices),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(child: subprocess.Popen, timeout: float = 240) -> str:
    out, err = child.communicate(timeout=timeout)
    assert child.returncode == 0, err[-3000:]
    return out


def test_eight_devices_match_one_device(tmp_path):
    body = """
    import json, jax, numpy as np
    import jaxhop as jh
    from workload_module import noisy_orbit
    assert jax.device_count() == 8
    grid = jh.sweep.product(x0=np.linspace(-1, 1, 9), sigma=[0.1, 0.5, 1.0, 2.0, 3.0])
    key = jax.random.key(7)
    eight = jh.sweep.sweep(noisy_orbit, grid, chunk_size=16, batch_size=2, key=key, quiet=True)
    tiles = jh.sweep.sweep(noisy_orbit, grid, chunk_size=40, batch_size=2, key=key, quiet=True)
    one = jh.sweep.sweep(noisy_orbit, grid, chunk_size=7, batch_size=2, key=key,
                         devices=jax.devices()[:1], quiet=True)
    same = all(np.array_equal(eight[n], one[n]) and np.array_equal(tiles[n], one[n])
               for n in one.names)
    print(json.dumps({"same": same, "devices": [eight.meta["devices"], one.meta["devices"]],
                      "chunk": eight.meta["chunk_size"], "final": one["final"].tolist()}))
    """
    result = json.loads(_finish(_child(tmp_path, body, devices=8)).splitlines()[-1])
    assert result["devices"] == [8, 1]
    assert result["chunk"] == 16  # a multiple of devices × tile; 45 points → 3 chunks
    assert result["same"]
    # independent check of one point: the walk's end is x0 + sigma · Σ normals(fold_in(key, i))
    import jax

    normals = jax.random.normal(jax.random.fold_in(jax.random.key(7), 13), (50,))
    x0, sigma = np.linspace(-1, 1, 9)[2], 2.0  # point 13 = (2, 3) in C order over (9, 5)
    expected = x0 + sigma * float(np.sum(np.asarray(normals, np.float64)))
    assert result["final"][2][3] == pytest.approx(expected, rel=1e-4, abs=1e-4)


RUN = """
import json, sys, time, jax, numpy as np
import jaxhop as jh
from jaxhop.sweep import _store
from workload_module import noisy_orbit
out, chunk, slow = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "slow"
if slow:  # make the run last long enough to be killed between chunk writes
    write = _store.Store.write_chunk
    def slow_write(self, *args):
        write(self, *args)
        time.sleep(0.25)
    _store.Store.write_chunk = slow_write
grid = jh.sweep.product(x0=np.linspace(-2, 2, 40), sigma=np.linspace(0.1, 2.0, 25))
result = jh.sweep.sweep(noisy_orbit, grid, chunk_size=chunk, batch_size=2, out=out, key=jax.random.key(3),
                        quiet=True)
print(json.dumps({"computed": result.meta["points_last_run"]}))
"""


def _run(tmp_path, *args) -> subprocess.Popen:
    (tmp_path / "run.py").write_text(RUN)
    (tmp_path / "workload_module.py").write_text(WORKLOAD)
    return subprocess.Popen(
        [sys.executable, "run.py", *map(str, args)],
        env=_env(1),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_sweep_resumes_to_identical_results(tmp_path):
    killed = tmp_path / "killed"
    child = _run(tmp_path, killed, 50, "slow")  # 1000 points in 20 chunks of 50
    chunks = killed / "chunks"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        if chunks.exists() and len(list(chunks.glob("points_*.npz"))) >= 3:
            break
        time.sleep(0.05)
    assert child.poll() is None, "the sweep finished before it could be killed"
    child.send_signal(signal.SIGKILL)
    child.communicate()
    on_disk = len(list(chunks.glob("points_*.npz")))
    assert 3 <= on_disk < 20
    with pytest.raises(ValueError, match="incomplete"):
        sw.load(killed)

    # resume with another chunk size: only the missing points are computed
    resumed = json.loads(_finish(_run(tmp_path, killed, 64, "fast")).splitlines()[-1])
    assert resumed["computed"] == 1000 - 50 * on_disk
    fresh = tmp_path / "fresh"
    _finish(_run(tmp_path, fresh, 1000, "fast"))
    a, b = sw.load(killed), sw.load(fresh)
    assert a.meta["complete"] and b.meta["complete"]
    for name in b.names:
        np.testing.assert_array_equal(a[name], b[name])
    # running again finds nothing to do
    again = json.loads(_finish(_run(tmp_path, killed, 64, "fast")).splitlines()[-1])
    assert again["computed"] == 0
