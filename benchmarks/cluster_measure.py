"""Measurements quoted in docs/cluster.md, run once by hand (never by the tests).

1. ``scaling``: one saliency sweep run (a) as 1 process × 2 forced host devices and (b) as 2
   cooperating ``jax.distributed`` processes × 1 device (coordinator on 127.0.0.1), both on
   this machine; the compute time of the run (``seconds``, the chunk loop) and the wall time
   from start to the last process's exit, and whether the two stores are bit-identical.
2. ``store``: time to write N pieces of P points × 3 outputs (float32, int32, float32) into
   (a) the runner's chunk store (one ``.npz`` per range: temporary file, fsync, rename) and
   (b) three Zarr arrays chunked at P points, each piece one aligned region write.

``python benchmarks/cluster_measure.py [--quick]`` prints one JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
workload = "saliency"
seed = 1
chunk_size = 4096

[params]
max_steps = {steps}

[grid]
kappa = {{ start = 4.5, stop = 9.0, num = 128 }}
z0 = {{ start = 1.5, stop = 6.0, num = 128 }}
"""


def _env(devices: int) -> dict:
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _launch(argv: list[str], devices: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "jaxhop", *argv],
        env=_env(devices),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait(children) -> list[dict]:
    reports = []
    for child in children:
        out, err = child.communicate(timeout=1800)
        if child.returncode != 0:
            raise RuntimeError(err[-2000:])
        reports.append(json.loads(out))
    return reports


def scaling(workdir: Path, steps: int) -> dict:
    import jaxhop as jh

    config = workdir / "scaling.toml"
    config.write_text(CONFIG.format(steps=steps))
    common = ["sweep", str(config), "--json", "--quiet"]
    began = time.perf_counter()
    (one,) = _wait([_launch([*common, "--out", str(workdir / "one")], devices=2)])
    one_wall = time.perf_counter() - began
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    coordinated = ["--coordinator", f"127.0.0.1:{port}", "--num-processes", "2"]
    began = time.perf_counter()
    two = _wait(
        [
            _launch(
                [*common, "--out", str(workdir / "two"), *coordinated, "--process-id", str(i)], 1
            )
            for i in range(2)
        ]
    )
    two_wall = time.perf_counter() - began
    a, b = jh.sweep.load(workdir / "one"), jh.sweep.load(workdir / "two")
    same = all(np.array_equal(a[n], b[n], equal_nan=True) for n in a.names)
    return {
        "name": "scaling",
        "points": one["points"],
        "max_steps": steps,
        "one_process_2_devices": {"compute_s": one["seconds"], "wall_s": round(one_wall, 2)},
        "two_processes_1_device": {
            "compute_s": max(r["seconds"] for r in two),
            "wall_s": round(two_wall, 2),
        },
        "speedup_compute": round(one["seconds"] / max(r["seconds"] for r in two), 3),
        "speedup_wall": round(one_wall / two_wall, 3),
        "bit_identical": bool(same),
        "cores": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def store(workdir: Path, pieces: int, points: int) -> dict:
    import zarr

    from jaxhop.sweep._store import write_chunk

    rng = np.random.default_rng(0)
    data = [
        {
            "a": rng.standard_normal(points).astype(np.float32),
            "b": rng.integers(0, 100, points).astype(np.int32),
            "c": rng.standard_normal(points).astype(np.float32),
        }
        for _ in range(pieces)
    ]
    chunks = workdir / "store" / "chunks"
    chunks.mkdir(parents=True)
    began = time.perf_counter()
    for k, piece in enumerate(data):
        write_chunk(chunks, k * points, (k + 1) * points, piece, "main")
    ours = time.perf_counter() - began
    root = zarr.open_group(str(workdir / "z.zarr"), mode="w")
    arrays = {
        name: root.create_array(name, shape=(pieces * points,), chunks=(points,), dtype=value.dtype)
        for name, value in data[0].items()
    }
    began = time.perf_counter()
    for k, piece in enumerate(data):
        for name, value in piece.items():
            arrays[name][k * points : (k + 1) * points] = value
    theirs = time.perf_counter() - began
    return {
        "name": "store",
        "pieces": pieces,
        "points_per_piece": points,
        "chunk_store_s": round(ours, 3),
        "zarr_s": round(theirs, 3),
        "chunk_store_ms_per_piece": round(1e3 * ours / pieces, 3),
        "zarr_ms_per_piece": round(1e3 * theirs / pieces, 3),
        "zarr_version": zarr.__version__,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="jaxhop-cluster-"))
    try:
        print(json.dumps(scaling(workdir, steps=2000 if args.quick else 50000)), flush=True)
        print(json.dumps(store(workdir, pieces=20 if args.quick else 200, points=4096)))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
