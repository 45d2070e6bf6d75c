"""Two sweeps into one directory: the second is refused; a killed holder leaves no stuck lock;
stray temporary files of a killed write are removed on resume."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jaxhop import sweep as sw
from jaxhop.sweep._store import SweepBusyError

ROOT = Path(__file__).resolve().parents[1]


def cube(params, key):
    return {"y": params["x"] ** 3, "k": params["n"] + 1}


GRID = sw.product(x=np.linspace(-1.0, 1.0, 6), n=[0, 1, 2])


def _truth():
    x, n = np.meshgrid(np.linspace(-1.0, 1.0, 6, dtype=np.float32), [0, 1, 2], indexing="ij")
    # jax lowers x ** 3 to x · x · x (integer_pow), NumPy's float32 x ** 3 to powf, which can
    # round one ulp apart: the truth multiplies, in float32, in the same order
    return {"y": x * x * x, "k": n + 1}


def test_second_concurrent_sweep_into_one_directory_is_refused(tmp_path):
    first = sw.sweep(cube, GRID, chunk_size=4, batch_size=2, out=tmp_path, quiet=True)
    # a running sweep holds the directory: emulate one by holding the lock in a child process
    holder = _hold_lock(tmp_path)
    try:
        with pytest.raises(SweepBusyError, match="in use by another sweep"):
            sw.sweep(cube, GRID, chunk_size=4, batch_size=2, out=tmp_path, quiet=True)
        with pytest.raises(SweepBusyError, match="plain"):  # workers cannot join it either
            sw.sweep(cube, GRID, batch_size=2, out=tmp_path, worker=(0, 2), quiet=True)
    finally:
        holder.kill()
        holder.wait()
    np.testing.assert_array_equal(sw.load(tmp_path)["y"], first["y"])


def test_a_live_process_of_a_distributed_run_refuses_plain_sweeps_and_workers(tmp_path):
    # process 3 of an earlier jax.distributed run, not yet dead, still holds its own lock
    holder = _hold_lock(tmp_path, ".process-3.lock")
    try:
        with pytest.raises(SweepBusyError, match="process 3 of a jax.distributed run"):
            sw.sweep(cube, GRID, batch_size=2, out=tmp_path, resume=False, quiet=True)
        with pytest.raises(SweepBusyError, match="process 3"):
            sw.sweep(cube, GRID, batch_size=2, out=tmp_path, worker=(1, 2), quiet=True)
    finally:
        holder.kill()
        holder.wait()
    assert not (tmp_path / "chunks").exists()  # refused before anything was written
    # once it has exited, the directory is free
    result = sw.sweep(cube, GRID, chunk_size=4, batch_size=2, out=tmp_path, quiet=True)
    for name, expected in _truth().items():
        np.testing.assert_array_equal(result[name], expected)


def _hold_lock(path: Path, name: str = ".sweep.lock") -> subprocess.Popen:
    script = (
        "import fcntl, sys, time\n"
        f"h = open({str(path / name)!r}, 'a+b')\n"
        "fcntl.flock(h.fileno(), fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(600)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "locked"
    return child


def test_lock_of_a_sigkilled_sweep_does_not_block_the_next(tmp_path):
    # a real sweep in a child process, killed while it holds the directory
    script = (
        "import sys, time, numpy as np\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from jaxhop import sweep as sw\n"
        "from jaxhop.sweep import _store\n"
        "write = _store.Store.write_chunk\n"
        "def slow(self, *a):\n"
        "    write(self, *a); print('chunk', flush=True); time.sleep(600)\n"
        "_store.Store.write_chunk = slow\n"
        "f = lambda p, k: {'y': p['x'] ** 3, 'k': p['n'] + 1}\n"
        "grid = sw.product(x=np.linspace(-1.0, 1.0, 6), n=[0, 1, 2])\n"
        f"sw.sweep(f, grid, chunk_size=4, batch_size=2, out={str(tmp_path)!r}, quiet=True)\n"
    )
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout.readline().strip() == "chunk"
    with pytest.raises(SweepBusyError):
        sw.sweep(cube, GRID, chunk_size=4, batch_size=2, out=tmp_path, quiet=True)
    child.send_signal(signal.SIGKILL)
    child.wait()
    # the kernel released the lock with the process: the next sweep runs (its own function
    # has another name, so start it over) and its results are right
    result = sw.sweep(
        cube, GRID, chunk_size=4, batch_size=2, out=tmp_path, resume=False, quiet=True
    )
    for name, expected in _truth().items():
        np.testing.assert_array_equal(result[name], expected)


def test_stray_tmp_files_are_removed_and_the_result_is_complete(tmp_path):
    sw.sweep(cube, GRID, chunk_size=4, batch_size=2, out=tmp_path, quiet=True)
    chunks = tmp_path / "chunks"
    victim = sorted(chunks.glob("points_*.npz"))[1]
    # a write killed before its rename: a half-written temporary and no chunk file
    stray = chunks / f".{victim.name}.main.12345.tmp"
    stray.write_bytes(victim.read_bytes()[:40])
    victim.unlink()
    (tmp_path / ".sweep.json.main.999.tmp").write_text("{")
    with pytest.raises(ValueError, match="incomplete"):
        sw.load(tmp_path)
    result = sw.sweep(cube, GRID, chunk_size=8, batch_size=2, out=tmp_path, quiet=True)
    assert result.meta["points_last_run"] == 4
    assert not list(tmp_path.rglob("*.tmp"))
    for name, expected in _truth().items():
        np.testing.assert_array_equal(result[name], expected)
        np.testing.assert_array_equal(sw.load(tmp_path)[name], expected)
    assert sw.load(tmp_path).meta["complete"]


def test_out_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        sw.sweep(cube, GRID, out=target, quiet=True)


def test_worker_argument_is_checked(tmp_path):
    for bad in [(2, 2), (-1, 2), (0, 0)]:
        with pytest.raises(ValueError, match="worker must be"):
            sw.sweep(cube, GRID, out=tmp_path, worker=bad, quiet=True)
    with pytest.raises(ValueError, match="conflict"):
        sw.sweep(cube, GRID, out=tmp_path, worker=(0, 2), resume=False, quiet=True)
    with pytest.raises(ValueError, match="needs out"):
        sw.sweep(cube, GRID, worker=(0, 2), quiet=True)
