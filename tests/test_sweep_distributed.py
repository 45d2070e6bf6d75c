"""``jaxhop sweep CONFIG --coordinator HOST:PORT --num-processes N --process-id I``: two
cooperating ``jax.distributed`` processes × two forced host devices on 127.0.0.1 fill one store
bit-identical to a single-process run; each writes its own devices' chunk files; a killed
process fails the run (the other exits non-zero, no hang, nothing partial counted as done) and
the re-run resumes to the identical result."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import jaxhop as jh
from jaxhop.cli import main

ROOT = Path(__file__).resolve().parents[1]

CONFIG = """
workload = "saliency"
seed = 5
chunk_size = 64
batch_size = 8

[params]
max_steps = 60

[grid]
kappa = { start = 1.0, stop = 9.0, num = 30 }
z0 = { start = 0.3, stop = 6.0, num = 20 }
"""
POINTS, CHUNK = 600, 64  # a chunk of 64 points over 4 devices: 32 per process

# the CLI in a child process, each chunk write optionally slowed so that a process can be
# killed mid-run (the pause comes after the atomic write, as computing would)
RUNNER = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
pause = float(sys.argv[1])
if pause:
    from jaxhop.sweep import _store
    write = _store.write_chunk
    def slow(*args):
        write(*args)
        time.sleep(pause)
    _store.write_chunk = slow
from jaxhop.cli import main
sys.exit(main(sys.argv[2:]))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes(tmp_path, config, store, pause=0.0) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
    }
    port = _free_port()
    argv = ["sweep", config, "--out", store, "--json", "--quiet"]
    argv += ["--coordinator", f"127.0.0.1:{port}", "--num-processes", "2"]
    argv += ["--heartbeat-timeout", "5"]
    return [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(pause), *map(str, argv), "--process-id", str(i)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]


def _reports(children) -> list[dict]:
    reports = []
    for child in children:
        out, err = child.communicate(timeout=180)
        assert child.returncode == 0, err[-3000:]
        reports.append(json.loads(out))  # stdout holds the result only (gloo's chatter: stderr)
    return reports


def _files(store: Path) -> list[tuple[int, int]]:
    return sorted(
        (int(f.name.split("_")[1]), int(f.name.split("_")[2][:-4]))
        for f in (store / "chunks").glob("points_*.npz")
    )


def test_two_processes_equal_one_process_a_killed_one_fails_the_run_and_it_resumes(
    tmp_path, capsys
):
    config = tmp_path / "phase.toml"
    config.write_text(CONFIG)
    store = tmp_path / "store"
    children = _processes(tmp_path, config, store, pause=0.4)
    # wait until process 1 has written a file of its own half of a chunk, then kill it
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and all(c.poll() is None for c in children):
        if any(start % CHUNK >= CHUNK // 2 for start, _ in _files(store) if store.exists()):
            break
        time.sleep(0.05)
    assert all(c.poll() is None for c in children), "the run ended before the kill"
    children[1].send_signal(signal.SIGKILL)
    children[1].communicate()
    # the survivor fails within its heartbeat timeout (or its next collective), not hanging
    began = time.monotonic()
    try:
        _, err = children[0].communicate(timeout=90)
    except subprocess.TimeoutExpired:
        children[0].kill()
        pytest.fail("process 0 hung after process 1 was killed")
    assert children[0].returncode != 0, "process 0 reported success without process 1"
    assert time.monotonic() - began < 90
    # what is on disk is whole chunk files only: each loads, none counts the sweep complete
    done = _files(store)
    assert 0 < sum(b - a for a, b in done) < POINTS
    for start, stop in done:
        with np.load(store / "chunks" / f"points_{start:010d}_{stop:010d}.npz") as chunk:
            assert chunk["period"].shape == (stop - start,)
    code = main(["sweep", str(config), "--out", str(store), "--status", "--json"])
    status = json.loads(capsys.readouterr().out)
    assert code == 0 and not status["complete"]
    assert status["missing_points"] == POINTS - sum(b - a for a, b in done)
    with pytest.raises(ValueError, match="incomplete"):
        jh.sweep.load(store)

    # the re-run resumes: together the processes compute exactly the missing points
    reports = _reports(_processes(tmp_path, config, store))
    assert [r["process"] for r in reports] == ["0/2", "1/2"]
    assert all(r["complete"] and r["devices"] == 4 and r["processes"] == 2 for r in reports)
    assert reports[0]["computed_points"] == status["missing_points"]
    # each process wrote its own devices' points: no file crosses the middle of a chunk
    files = _files(store)
    assert all(a // (CHUNK // 2) == (b - 1) // (CHUNK // 2) for a, b in files)
    assert {a % CHUNK >= CHUNK // 2 for a, _ in files} == {False, True}
    assert not list(store.rglob("*.tmp"))

    # one process, one device, another chunk size: the same bits
    single = tmp_path / "single"
    code = main(["sweep", str(config), "--out", str(single), "--json", "--chunk-size", "600"])
    capsys.readouterr()
    assert code == 0
    a, b = jh.sweep.load(store), jh.sweep.load(single)
    assert b.meta["devices"] == 1 and a.meta["processes"] == 2
    for name in b.names:
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name
    # and the values are the saliency map's (independent closed form of the period)
    kappa = np.linspace(1.0, 9.0, 30, dtype=np.float32)
    with np.errstate(invalid="ignore"):
        z_plus = kappa / 2 * (1 + np.sqrt(1 - 4 / kappa))
    np.testing.assert_allclose(a["period"][:, 0], np.log(z_plus), rtol=1e-5)


@pytest.mark.slow  # two more child processes (~15 s on a shared 2-core machine)
def test_a_refusal_in_process_0_fails_the_other_process_cleanly(tmp_path, capsys):
    config = tmp_path / "phase.toml"
    config.write_text(CONFIG)
    store = tmp_path / "store"
    assert main(["sweep", str(config), "--out", str(store), "--json"]) == 0
    capsys.readouterr()
    files = _files(store)
    # another configuration into this store: process 0 refuses it, and process 1, told so at
    # the next agreement, fails too instead of waiting (each one line, no abort)
    other = tmp_path / "other.toml"
    other.write_text(CONFIG.replace("seed = 5", "seed = 6"))
    children = _processes(tmp_path, other, store)
    errors = [child.communicate(timeout=120)[1] for child in children]
    assert [child.returncode for child in children] == [2, 1], errors
    assert "different configuration" in errors[0].splitlines()[-1]
    assert "process(es) [0]" in errors[1].splitlines()[-1]
    assert "Traceback" not in errors[0] + errors[1]
    assert _files(store) == files  # nothing written


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--coordinator", "127.0.0.1:1234", "--worker", "0/2"], "conflict"),
        (["--coordinator", "127.0.0.1:1234", "--status"], "conflict"),
        (["--coordinator", "localhost"], "HOST:PORT"),
        (["--coordinator", "h:99999"], "HOST:PORT"),
        (["--num-processes", "2", "--process-id", "2"], "--process-id must be in [0, 1]"),
        (["--num-processes", "0"], "--num-processes must be"),
        (["--heartbeat-timeout", "5"], "needs --distributed"),
        (["--distributed", "--heartbeat-timeout", "0"], "--heartbeat-timeout must be"),
    ],
)
def test_bad_distributed_options_are_usage_errors(tmp_path, capsys, extra, message):
    config = tmp_path / "phase.toml"
    config.write_text(CONFIG)
    code = main(["sweep", str(config), "--out", str(tmp_path / "s"), *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "s" / "sweep.json").exists()  # refused before any work


def test_distributed_without_a_cluster_environment_is_a_usage_error(tmp_path):
    # a fresh process: jax.distributed must be joined before any JAX backend exists, and this
    # test process may already have one
    config = tmp_path / "phase.toml"
    config.write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLURM", "OMPI", "JAX_COORD"))}
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "jaxhop",
            "sweep",
            str(config),
            "--out",
            str(tmp_path / "s"),
            "--distributed",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert child.returncode == 2, child.stderr
    assert "no cluster environment" in child.stderr and "Traceback" not in child.stderr
    assert not (tmp_path / "s" / "sweep.json").exists()


IN_MEMORY = """
import sys
import numpy as np
sys.path.insert(0, {root!r})
import jax, jax.numpy as jnp
import jaxhop as jh

index, count = jh.sweep.initialize(sys.argv[1], 2, int(sys.argv[2]), heartbeat_timeout=5)
assert count == 2 and jax.device_count() == 4 and jax.local_device_count() == 2

def walk(params, key):  # a random walk of 30 steps from x0 with step size sigma
    steps = params["sigma"] * jax.random.normal(key, (30,))
    return {{"final": params["x0"] + jnp.sum(steps), "above": jnp.sum(steps > 0)}}

grid = jh.sweep.points(x0=np.linspace(-1, 1, 50), sigma=np.linspace(0.1, 2.0, 50))
result = jh.sweep.sweep(walk, grid, chunk_size=32, batch_size=4, key=jax.random.key(2),
                        quiet=True)
np.savez(sys.argv[3] + f"_{{index}}.npz", **result.data)
"""


@pytest.mark.slow  # two child processes (~10 s on a shared 2-core machine)
def test_in_memory_sweep_over_two_processes_gathers_the_single_process_result(tmp_path):
    import jax
    import jax.numpy as jnp

    script = tmp_path / "in_memory.py"
    script.write_text(IN_MEMORY.format(root=str(ROOT)))
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": "--xla_force_host_platform_device_count=2",
    }
    port = _free_port()
    children = [
        subprocess.Popen(
            [sys.executable, str(script), f"127.0.0.1:{port}", str(i), str(tmp_path / "out")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for child in children:
        _, err = child.communicate(timeout=180)
        assert child.returncode == 0, err[-3000:]
    # every process holds the whole result; it is the walks' (independent recomputation)
    x0, sigma = np.linspace(-1, 1, 50), np.linspace(0.1, 2.0, 50)
    for i in range(2):
        with np.load(tmp_path / f"out_{i}.npz") as got:
            for point in (0, 17, 49):
                steps = sigma[point] * jax.random.normal(
                    jax.random.fold_in(jax.random.key(2), point), (30,)
                )
                expected = x0[point] + float(np.sum(np.asarray(steps, np.float64)))
                assert got["final"][point] == pytest.approx(expected, rel=1e-5, abs=1e-5)
                assert got["above"][point] == int(jnp.sum(steps > 0))
            assert got["final"].shape == (50,)
    with np.load(tmp_path / "out_0.npz") as a, np.load(tmp_path / "out_1.npz") as b:
        assert np.array_equal(a["final"], b["final"]) and np.array_equal(a["above"], b["above"])
