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
- strong baseline (``strong_baseline_s``): the same rank-(P+1) reduction in vectorised NumPy,
  all cells × memories as batched 7×7 ``eigh`` (pattern set built inside both timed calls),
  interleaved with jaxhop; its labels are checked identical on all 900 cells.

Run: ``python benchmarks/bench_firing_rate.py [--quick] [--full-baseline]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import print_records, record, time_jax, time_pair  # noqa: E402

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


def numpy_low_rank_phase(xi, rho, x_star, q=Q, a=A, b=B):
    """The same rank-(P+1) reduction as jaxhop, in vectorised NumPy (float32 like jaxhop): the
    Gram blocks ``A_μ = Uᵀ diag(ξ^μ) U``, ``B_μ = UᵀU − A_μ`` once (``U = [Ξ, 1]/√N``), then
    for all cells × memories at once ``G = Φ'(b) A + Φ'(a) B``, ``G^{1/2}`` by a batched
    ``eigh``, and ``λ_max(G^{1/2} C G^{1/2}) − 1`` by a batched ``eigvalsh`` (C the K × K
    coupling of the design). Returns (stable, sufficient, instability), each (nx, nr)."""
    xi = np.asarray(xi, np.float32)
    n, p = xi.shape
    u = np.concatenate([xi, np.ones((n, 1), np.float32)], axis=1) / np.sqrt(np.float32(n))
    active = np.einsum("im,ij,ik->mjk", xi, u, u)  # (P, K, K)
    inactive = (u.T @ u)[None] - active
    xs, rs = np.meshgrid(np.asarray(x_star, np.float32), np.asarray(rho, np.float32), indexing="ij")
    xs, rs = xs.ravel(), rs.ravel()
    centre = xs + 1 / (2 * rs)
    phi_a = 1 / (1 + np.exp(-4 * rs * (a - centre)))
    phi_b = 1 / (1 + np.exp(-4 * rs * (b - centre)))
    d_a, d_b = 4 * rs * phi_a * (1 - phi_a), 4 * rs * phi_b * (1 - phi_b)
    mean_rate = (1 - q) * phi_a + q * phi_b
    alpha_tilde = (b - a) / (phi_b - phi_a)
    alpha = alpha_tilde / (q * (1 - q))
    beta = q * ((1 - q) * phi_a + q * phi_b) / mean_rate
    gamma = ((1 - beta) * a + beta * b) / mean_rate
    k = p + 1
    t = np.broadcast_to(np.eye(k, dtype=np.float32), (xs.size, k, k)).copy()
    t[:, p, :p] = -beta[:, None]
    scale = np.concatenate([np.repeat(alpha[:, None], p, 1), gamma[:, None]], axis=1)
    coupling = (t * scale[:, None, :]) @ t.transpose(0, 2, 1)  # (cells, K, K)
    g = d_b[:, None, None, None] * active + d_a[:, None, None, None] * inactive  # (cells, P, K, K)
    w, v = np.linalg.eigh(g)
    root = (v * np.sqrt(np.maximum(w, 0))[..., None, :]) @ v.transpose(0, 1, 3, 2)
    m = root @ coupling[:, None] @ root
    top = np.linalg.eigvalsh(0.5 * (m + m.transpose(0, 1, 3, 2)))[..., -1]
    lam = np.maximum(top, 0).max(axis=1) - 1
    sufficient = np.maximum(d_a, d_b) * np.maximum(alpha_tilde, gamma) < 1
    first = q * (gamma - alpha_tilde) * (d_b - d_a) - (1 - d_b * alpha_tilde) * (1 - d_a * gamma)
    second = q * d_b * ((1 - q) * alpha_tilde + q * gamma) - 1
    shape = (len(x_star), len(rho))
    return (
        (lam < 0).reshape(shape),
        sufficient.reshape(shape),
        (np.maximum(first, second) > 0).reshape(shape),
        lam.reshape(shape),
    )


def bench_phase(quick: bool, full_baseline: bool) -> dict:
    def run():
        d = jh.firing_rate.phase_diagram("sigmoid", "negative", size=N)
        return d.stable, d.sufficient, d.instability, d.lambda_max

    compile_s, _ = time_jax(run, repeats=1)
    stable, sufficient, flagged, lam_j = (np.asarray(v) for v in run())
    xi = np.asarray(jh.firing_rate.exact_overlap_patterns(N, Q), np.float64)
    rho, x_star = jh.firing_rate.RHO_GRID, jh.firing_rate.X_STAR_GRID

    # the strong baseline builds its pattern set too, as jaxhop's call does
    def strong():
        patterns = np.asarray(jh.firing_rate.exact_overlap_patterns(N, Q))
        return numpy_low_rank_phase(patterns, rho, x_star)

    strong()
    jaxhop_s, strong_s = time_pair(run, strong, repeats=7)
    s_stable, s_sufficient, s_flagged, s_lam = strong()
    assert np.array_equal(s_stable, stable), "low-rank NumPy stability labels differ"
    assert np.array_equal(s_sufficient, sufficient) and np.array_equal(s_flagged, flagged)
    lam_diff = float(np.max(np.abs(s_lam - lam_j)))
    assert lam_diff < 1e-3, lam_diff
    # what the eigenproblems cost: the 900 × 6 (7 × 7) problems through LAPACK (two batched
    # ssyevd custom calls, one LAPACK call per matrix on CPU — what NumPy's batched eigh does,
    # and what jaxhop did before jaxhop._linalg), against jaxhop's vectorised top-eigenvalue
    # kernel (Householder + bisection) on the same batch
    import jax
    import jax.numpy as jnp

    from jaxhop._linalg import top_eigenvalue

    batch = np.random.default_rng(0).standard_normal((900 * 6, 7, 7)).astype(np.float32)
    batch = jnp.asarray(batch @ batch.transpose(0, 2, 1))
    eigh, eigvalsh = jax.jit(jnp.linalg.eigh), jax.jit(jnp.linalg.eigvalsh)
    top = jax.jit(lambda m: top_eigenvalue(m, 0.0))
    _, eigh_s = time_jax(lambda: eigh(batch), repeats=5)
    _, eigvalsh_s = time_jax(lambda: eigvalsh(batch), repeats=5)
    _, top_s = time_jax(lambda: top(batch), repeats=5)
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
        ">= 100x NumPy dense-eigh loop, same counts; >= 20x the low-rank NumPy",
        strong_baseline_s=strong_s,
        strong_target=20.0,
        strong_baseline="vectorised NumPy, same rank-(P+1) reduction (batched 7x7 eigh)",
        strong_max_abs_diff_lambda=lam_diff,
        lapack_eigh_s=eigh_s,
        lapack_eigvalsh_s=eigvalsh_s,
        top_eigenvalue_s=top_s,
        lapack_over_top_eigenvalue=(eigh_s + eigvalsh_s) / top_s,
        extrapolated=not full_baseline,
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
