"""Regenerate the DAM figures of docs/dam.md (theory against simulation).

    python docs/dam_figures.py [--size 1024] [--trials 100] [--phase-size 1024] [--out docs]

The figures in docs/ were made with ``--size 1024`` and the other defaults (the published
setting: N = 1024, 100 trials over 10 pattern sets; n = 4 basins at N = 96, Krotov vs n-body
at N = 512) on the shared 2-core CPU. Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jax
import numpy as np

import jaxhop as jh
from jaxhop.plot import save


def variants_figure(key, *, size, trials, steps, paths, out: Path) -> dict:
    """Krotov vs n-body (n = 3) at equal effective load α': m(t) against both theories."""
    import matplotlib.pyplot as plt

    from jaxhop.dam._plot import _curve, _style

    loads, m0s = (0.2, 0.3), (0.6, 0.9)
    fig, axes = plt.subplots(1, 4, figsize=(14.4, 3.2), layout="constrained")
    rows = {}
    for v, variant in enumerate(("krotov", "nbody")):
        grid = jh.dam.theory_vs_simulation(
            jax.random.fold_in(key, 77 + v),
            size=size,
            loads=loads,
            m0s=m0s,
            trials=trials,
            steps=steps,
            paths=paths,
            variant=variant,
        )
        for a, load in enumerate(loads):
            ax = axes[2 * a + v]
            for j, m0 in enumerate(m0s):
                case = grid[(load, m0)]
                _curve(ax, case, f"C{j}")
                rows[f"{variant}_a{load:g}_m{m0:g}"] = {
                    "sim_final": round(float(case["m_mean"][-1]), 4),
                    "full_final": round(float(case["theory_full_m"][-1]), 4),
                    "patterns": case["patterns"],
                }
            _style(ax, f"{variant}, α' = {load:g} (M = {grid[(load, m0s[0])]['patterns']})")
    axes[0].legend(fontsize=6, loc="lower left")
    fig.suptitle(
        f"n = 3, N = {size}, {trials} trials: Krotov vs n-body at equal α' "
        "(dashed Γ = 0, solid full theory)",
        fontsize=9,
    )
    save(fig, out / "dam_variants.png")
    return rows


def _round(value, digits=3):
    return None if value is None else round(float(value), digits)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--phase-size", type=int, default=1024)
    parser.add_argument("--phase-trials", type=int, default=100)
    parser.add_argument("--basin-sizes", default="2:1024,3:1024,4:96")
    parser.add_argument("--variants-size", type=int, default=512)
    parser.add_argument("--paths", type=int, default=2**15)
    parser.add_argument("--variants", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    key = jax.random.key(0)
    summary: dict = {}

    start = time.perf_counter()
    grid = jh.dam.theory_vs_simulation(
        key, size=args.size, trials=args.trials, steps=args.steps, paths=args.paths
    )
    title = f"n = 3, N = {args.size}, {args.trials} trials over 10 pattern sets"
    save(jh.dam.plot_recall_grid(grid, title=title), args.out / "dam_theory_vs_sim.png")
    rows = {}
    for (load, m0), case in grid.items():
        sim, full, plain = case["m_mean"], case["theory_full_m"], case["theory_m"]
        rows[f"a{load:g}_m{m0:g}"] = {
            "sim_final": round(float(sim[-1]), 4),
            "sim_std_final": round(float(case["m_std"][-1]), 4),
            "sem_sets_final": round(float(case["m_sem_sets"][-1]), 4),
            "full_final": round(float(full[-1]), 4),
            "gamma0_final": round(float(plain[-1]), 4),
            "max_abs_sim_minus_full": round(float(np.max(np.abs(sim - full))), 4),
            "success_rate": case["success_rate"],
            "converged_fraction": case["converged_fraction"],
            "fixed_point_fraction": case["fixed_point_fraction"],
            "convergence_time_mean": _round(case["convergence_time_mean"]),
            "convergence_time_std": _round(case["convergence_time_std"]),
        }
        c_sim, c_full = case["correlation"], case["theory_correlation"]
        if c_full is not None:
            rows[f"a{load:g}_m{m0:g}"].update(
                c_t0_final_sim=round(float(c_sim[-1, 0]), 4),
                c_t0_final_full=round(float(c_full[-1, 0]), 4),
                max_abs_c_t0=round(float(np.max(np.abs(c_sim[:, 0] - c_full[:, 0]))), 4),
                max_abs_c_lag1=round(
                    float(np.max(np.abs(np.diagonal(c_sim, -1) - np.diagonal(c_full, -1)))), 4
                ),
            )
    summary["theory_vs_sim"] = rows
    save(
        jh.dam.plot_convergence(grid, title=title),
        args.out / "dam_convergence.png",
    )
    picks = [k for k in ((0.1, 0.5), (0.2, 0.7), (0.25, 0.7), (0.3, 0.9)) if k in grid]
    save(
        jh.dam.plot_correlation(
            [grid[k] for k in picks],
            title=title + ": C(t,t') simulation (points) vs effective process (lines)",
        ),
        args.out / "dam_correlation.png",
    )
    summary["theory_vs_sim_seconds"] = round(time.perf_counter() - start, 1)

    start = time.perf_counter()
    phase = jh.dam.phase_diagram(
        key, size=args.phase_size, trials=args.phase_trials, steps=args.steps, full_theory=True
    )
    fig = jh.dam.plot_phase_diagram(
        phase["loads"],
        phase["m0s"],
        phase["final_m"],
        theory_final=phase["theory_full_final"],
        theory_label="full theory",
        title=f"n = 3, N = {args.phase_size}, {args.phase_trials} trials: final overlap after "
        f"{args.steps} steps\n(white contour: full theory, final m = 0.5)",
    )
    save(fig, args.out / "dam_phase.png")
    summary["phase"] = {
        k: np.asarray(phase[k]).round(3).tolist() for k in ("loads", "basin", "basin_theory")
    }
    summary["phase"]["basin_full"] = np.asarray(phase["basin_full"]).round(3).tolist()
    summary["phase_seconds"] = round(time.perf_counter() - start, 1)

    start = time.perf_counter()
    curves = []
    for item in args.basin_sizes.split(","):
        order, size = (int(v) for v in item.split(":"))
        loads = {
            2: (0.02, 0.05, 0.08, 0.11, 0.14),
            3: (0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
            4: (0.05, 0.1, 0.15, 0.2, 0.25),
        }[order]
        p = jh.dam.phase_diagram(
            jax.random.fold_in(key, order),
            order=order,
            size=size,
            loads=loads,
            trials=40,
            steps=args.steps,
            pattern_sets=10,
            full_theory=False,
        )
        curves.append(
            {
                "order": order,
                "size": size,
                "loads": loads,
                "basin": p["basin"],
                "theory": p["basin_theory"] if order >= 3 else None,
            }
        )
    fig = jh.dam.plot_basin(
        curves,
        title="basin edge (smallest m0 with success ≥ 1/2)\n"
        + ", ".join(f"n = {c['order']}: N = {c['size']}" for c in curves)
        + " (n = 2: no Γ = 0 theory)",
    )
    save(fig, args.out / "dam_basin.png")
    summary["basin"] = [
        {k: None if v is None else np.asarray(v).round(3).tolist() for k, v in c.items()}
        for c in curves
    ]
    summary["basin_seconds"] = round(time.perf_counter() - start, 1)
    if args.variants:
        start = time.perf_counter()
        summary["variants"] = variants_figure(
            key,
            size=args.variants_size,
            trials=50,
            steps=args.steps,
            paths=args.paths,
            out=args.out,
        )
        summary["variants_seconds"] = round(time.perf_counter() - start, 1)
    text = json.dumps(summary, indent=1)
    (args.out / "dam_figures_summary.json").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
