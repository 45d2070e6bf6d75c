"""Every registered workload gives bit-identical results for any chunk size, device count and
worker split (exact equality, NaNs equal)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import jaxhop as jh
from jaxhop import _workloads

ROOT = Path(__file__).resolve().parents[1]

# Small settings per registered workload: (fixed parameters, grid axes). The sequence case takes
# the noisy Euler path, the one whose results used to move with the chunk size.
CASES = {
    "sequence": (
        {"adiabatic": False, "t1": 0.8, "size": 16, "memories": 4, "eps": 0.02, "noise": 1e-3},
        {"kappa": [3.0, 4.5, 5.0, 6.0, 7.0], "z0": [1.5, 2.5, 3.5, 4.0]},
    ),
    "firing_rate_stability": (
        {"size": 300},
        {"x_star": [0.0, 0.2, 0.45, 0.7, 0.9], "rho": [0.5, 2.0, 3.5, 5.0]},
    ),
    "saliency": (
        {"max_steps": 50},
        {"kappa": [1.5, 3.0, 4.0, 5.5, 9.0], "z0": [0.5, 1.2, 3.0, 6.0]},
    ),
    "dam_recall": (
        {"size": 16, "trials": 4, "pattern_sets": 2, "steps": 2},
        {"load": [0.05, 0.1, 0.2, 0.3, 0.35], "m0": [0.3, 0.6, 0.8, 0.95]},
    ),
}
TILE = 4


def same(a, b) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def test_every_registered_workload_has_a_case():
    assert set(CASES) == set(_workloads.names())


# dam_recall compiles for ~30 s on a shared 2-core machine: under -m slow
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.slow) if n == "dam_recall" else n for n in sorted(CASES)],
)
def test_bit_identical_for_any_chunk_size_and_worker_split(name, tmp_path):
    fixed, axes = CASES[name]
    fn, _ = _workloads.bind(name, fixed, tuple(axes))
    grid = jh.sweep.product(**{k: np.asarray(v) for k, v in axes.items()})
    key = jax.random.key(11)
    runs = [
        jh.sweep.sweep(fn, grid, chunk_size=c, batch_size=TILE, key=key, quiet=True)
        for c in (TILE, grid.size)
    ]
    # three workers of different sizes into one store, then the gaps by a plain run
    out = tmp_path / "store"
    for i in (2, 0):
        state = jh.sweep.sweep(
            fn,
            grid,
            chunk_size=2 * TILE,
            batch_size=TILE,
            key=key,
            out=out,
            worker=(i, 3),
            quiet=True,
        )
        assert not state.complete and state.missing_points > 0
    runs.append(
        jh.sweep.sweep(fn, grid, chunk_size=TILE, batch_size=TILE, key=key, out=out, quiet=True)
    )
    assert runs[-1].meta["points_last_run"] == state.missing_points
    for other in runs[1:]:
        for output in runs[0].names:
            assert same(other[output], runs[0][output]), (name, output)
    # the outputs are not trivially constant (the comparison could fail)
    assert any(len(np.unique(runs[0][o])) > 1 for o in runs[0].names)


DEVICES = """
import json, sys, jax, numpy as np
sys.path.insert(0, {root!r})
import jaxhop as jh
from jaxhop import _workloads
from tests.test_sweep_bitwise import CASES, TILE, same
assert jax.device_count() == 3
report = {{}}
for name in {names!r}:
    fixed, axes = CASES[name]
    fn, _ = _workloads.bind(name, fixed, tuple(axes))
    grid = jh.sweep.product(**{{k: np.asarray(v) for k, v in axes.items()}})
    key = jax.random.key(11)
    three = jh.sweep.sweep(fn, grid, chunk_size=3 * TILE, batch_size=TILE, key=key, quiet=True)
    one = jh.sweep.sweep(fn, grid, chunk_size=TILE, batch_size=TILE, key=key, quiet=True,
                         devices=jax.devices()[:1])
    report[name] = [three.meta["devices"], one.meta["devices"],
                    all(same(three[o], one[o]) for o in one.names)]
print(json.dumps(report))
"""


# the cheap workloads by default; all of them (sequence and dam compile for long) under -m slow
@pytest.mark.parametrize(
    "names",
    [
        ("saliency", "firing_rate_stability"),
        pytest.param(tuple(sorted(CASES)), marks=pytest.mark.slow),
    ],
)
def test_bit_identical_on_one_and_three_devices(names):
    env = dict(os.environ)
    env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=3"
    env["JAX_PLATFORMS"] = "cpu"
    child = subprocess.run(
        [sys.executable, "-c", DEVICES.format(root=str(ROOT), names=names)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.splitlines()[-1])
    assert set(report) == set(names)
    for name, (three, one, equal) in report.items():
        assert (three, one) == (3, 1)
        assert equal, name
