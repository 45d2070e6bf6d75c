"""Firing-rate phase diagram: 30 × 30 (x*, ρ) cells at N = 1000 (``firing_rate_phase``).

Workload (the phase diagram of docs/firing_rate.md, after Betteti et al., arXiv 2411.07388):
sigmoid activation, γ < 0 design (a = −0.3, b = 0.95), deterministic patterns (q = 0.2, P = 6);
per cell: numerically stable (λ_max(J) < 0), sufficient test, instability test.

- jaxhop: ``jh.firing_rate.phase_diagram`` — one jitted, vmapped call; λ_max of every memory
  from the rank-(P+1) structure (two 7×7 ``eigh`` per cell and memory).
- baseline (the published practice): a Python loop over cells, each forming the dense N×N
  ``W`` and ``D^{1/2} W D^{1/2}`` in NumPy float64 and calling ``numpy.linalg.eigh``. It treats
  ONE memory per cell (all memories of the deterministic set share their spectrum), so it is
  6× cheaper than a literal per-memory loop. ~1 s per cell on this CPU: by default only
  ``baseline_cells`` cells spread over the grid are timed and the time is scaled to 900 cells
  (the record says so); ``--full-baseline`` runs all 900. The stable / sufficient / instability
  labels of every cell the baseline computed are checked identical to jaxhop's.

Run: ``python benchmarks/bench_firing_rate.py [--quick] [--full-baseline]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import print_records, record, time_jax  # noqa: E402

import jaxhop as jh  # noqa: E402

N, Q, A, B = 1000, 0.2, -0.3, 0.95


def _sigmoid(y, rho, x_star):
    return 1 / (1 + np.exp(-4 * rho * (y - x_star - 1 / (2 * rho))))


def numpy_cell(xi, rho, x_star):
    """One cell, the published way: dense W, dense symmetric eigh (float64)."""
    n = xi.shape[0]
    pa, pb = _sigmoid(A, rho, x_star), _sigmoid(B, rho, x_star)
    alpha_tilde = (B - A) / (pb - pa)
    gamma = ((1 - Q) * A + Q * B) / ((1 - Q) * pa + Q * pb)
    centred = xi - Q
    w = alpha_tilde / (n * Q * (1 - Q)) * centred @ centred.T + gamma / n
    da, db = 4 * rho * pa * (1 - pa), 4 * rho * pb * (1 - pb)
    d = np.sqrt(np.where(xi[:, 0] > 0, db, da))
    lam = np.linalg.eigh(d[:, None] * w * d[None, :])[0][-1] - 1
    sufficient = max(da, db) * max(alpha_tilde, gamma) < 1
    first = Q * (gamma - alpha_tilde) * (db - da) - (1 - db * alpha_tilde) * (1 - da * gamma)
    second = Q * db * ((1 - Q) * alpha_tilde + Q * gamma) - 1
    return lam < 0, sufficient, max(first, second) > 0


def bench_phase(quick: bool, full_baseline: bool) -> dict:
    def run():
        d = jh.firing_rate.phase_diagram("sigmoid", "negative", size=N)
        return d.stable, d.sufficient, d.instability, d.lambda_max

    compile_s, jaxhop_s = time_jax(run, repeats=5)
    stable, sufficient, flagged, _ = (np.asarray(v) for v in run())
    xi = np.asarray(jh.firing_rate.exact_overlap_patterns(N, Q), np.float64)
    rho, x_star = jh.firing_rate.RHO_GRID, jh.firing_rate.X_STAR_GRID
    cells = 900 if full_baseline else (4 if quick else 24)
    chosen = np.linspace(0, 899, cells).round().astype(int)
    labels = []
    start = time.perf_counter()
    for c in chosen:
        i, j = divmod(int(c), 30)
        labels.append(numpy_cell(xi, rho[j], x_star[i]))
    measured = time.perf_counter() - start
    baseline_s = measured / cells * 900
    labels = np.array(labels)
    ours = np.stack([a.ravel()[chosen] for a in (stable, sufficient, flagged)], axis=1)
    return record(
        "firing_rate_phase",
        jaxhop_s,
        baseline_s,
        compile_s,
        ">= 100x NumPy dense-eigh loop, same counts",
        size=N,
        grid="30 x 30",
        baseline="NumPy float64 loop over cells, dense W + numpy.linalg.eigh (one memory per "
        "cell)" + ("" if full_baseline else f", {cells} cells timed and scaled to 900"),
        baseline_cells=cells,
        baseline_measured_s=measured,
        baseline_s_per_cell=measured / cells,
        same_labels_on_baseline_cells=bool(np.array_equal(labels, ours)),
        baseline_counts={
            "stable": int(labels[:, 0].sum()),
            "sufficient": int(labels[:, 1].sum()),
            "instability": int(labels[:, 2].sum()),
        },
        jaxhop_counts_on_baseline_cells={
            "stable": int(ours[:, 0].sum()),
            "sufficient": int(ours[:, 1].sum()),
            "instability": int(ours[:, 2].sum()),
        },
        jaxhop_counts={
            "stable": int(stable.sum()),
            "sufficient": int(sufficient.sum()),
            "instability": int(flagged.sum()),
        },
    )


def run(quick: bool = False, full_baseline: bool = False) -> list[dict]:
    return [bench_phase(quick, full_baseline)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--full-baseline", action="store_true", help="time all 900 cells")
    args = parser.parse_args()
    print_records(run(args.quick, args.full_baseline))
