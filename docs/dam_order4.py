"""n = 4 at the published size: N = 1024, α' = 0.2, m0 = 0.8 (``docs/dam.md``, ours).

Simulation with patterns regenerated from the key per block (M = 14 316 558: never stored),
beside the effective process and the Γ = 0 recurrence. Writes ``docs/dam_order4.png`` and
``docs/dam_order4_summary.json``. Run: ``PYTHONPATH=$PWD python docs/dam_order4.py
[--steps T] [--trials B] [--theory-only]`` (float64 is switched on: the n = 4 fields exceed int32 at
N = 1024). Time: see the summary's ``simulation_s`` (about a minute per step for 10 trials
on 2 CPU cores).
"""

import argparse
import json
import pathlib
import time

import jax

jax.config.update("jax_enable_x64", True)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from jaxhop.dam import effective_process, recurrence, simulate_recall  # noqa: E402

HERE = pathlib.Path(__file__).parent
ORDER, SIZE, LOAD, M0, PATHS, SEEDS = 4, 1024, 0.2, 0.8, 2**17, 4


def theory(steps: int) -> dict:
    """The effective process over `SEEDS` independent path sets (near the basin edge its
    Monte-Carlo scatter is large: m(10) spans 0.67–0.83 over seeds at 2¹⁵ paths), and the
    Γ = 0 recurrence."""
    start = time.perf_counter()
    runs = np.stack(
        [
            np.asarray(
                effective_process(
                    M0, LOAD, ORDER, steps, key=jax.random.key(40 + seed), paths=PATHS
                ).m
            )
            for seed in range(SEEDS)
        ]
    )
    return dict(
        paths=PATHS,
        theory_seeds=SEEDS,
        theory_full_m=runs.mean(0).tolist(),
        theory_full_m_by_seed=runs.tolist(),
        theory_m=np.asarray(recurrence(M0, LOAD, ORDER, steps)).tolist(),
        theory_s=time.perf_counter() - start,
    )


def run(steps: int, trials: int) -> dict:
    start = time.perf_counter()
    sim = simulate_recall(
        jax.random.key(4),
        order=ORDER,
        size=SIZE,
        load=LOAD,
        m0=M0,
        trials=trials,
        steps=steps,
        pattern_sets=1,
        storage="key",
    )
    m_trials = np.asarray(sim.m[0], np.float64)  # (trials, steps + 1)
    return dict(
        order=ORDER,
        size=SIZE,
        load=LOAD,
        m0=M0,
        patterns=int(sim.patterns),
        trials=trials,
        pattern_sets=1,
        steps=steps,
        m_mean=m_trials.mean(0).tolist(),
        m_std=m_trials.std(0).tolist(),
        m_trials=m_trials.tolist(),
        simulation_s=time.perf_counter() - start,
        **theory(steps),
    )


def plot(summary: dict, path: pathlib.Path) -> None:
    t = np.arange(summary["steps"] + 1)
    mean, std = np.asarray(summary["m_mean"]), np.asarray(summary["m_std"])
    fig, ax = plt.subplots(figsize=(8.2, 3.6))
    for k, trial in enumerate(summary["m_trials"]):
        ax.plot(t, trial, "-", color="0.75", lw=0.8, label="one trial" if k == 0 else None)
    ax.errorbar(
        t, mean, yerr=std, fmt="o", ms=4, capsize=2, color="C0", label="simulation mean (± std)"
    )
    seeds = np.asarray(summary["theory_full_m_by_seed"])
    ax.fill_between(t, seeds.min(0), seeds.max(0), color="C1", alpha=0.25, lw=0)
    ax.plot(
        t,
        summary["theory_full_m"],
        "-",
        color="C1",
        label=f"effective process ({summary['theory_seeds']} seeds × {summary['paths']:,} paths)",
    )
    ax.plot(t, summary["theory_m"], "--", color="C2", label="Γ = 0 recurrence")
    ax.set_xlabel("parallel step t")
    ax.set_ylabel("overlap m(t)")
    ax.set_title(
        f"n = 4, N = {summary['size']}, M = {summary['patterns']:,} (α' = {summary['load']}),"
        f" {summary['trials']} trials",
        fontsize=9,
    )
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5))
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument(
        "--theory-only", action="store_true", help="recompute the theory beside the saved run"
    )
    args = parser.parse_args()
    path = HERE / "dam_order4_summary.json"
    if args.theory_only:
        summary = json.loads(path.read_text())
        summary.update(theory(summary["steps"]))
    else:
        summary = run(args.steps, args.trials)
    path.write_text(json.dumps(summary, indent=1) + "\n")
    plot(summary, HERE / "dam_order4.png")
    print(json.dumps({k: summary[k] for k in ("m_mean", "theory_full_m", "simulation_s")}))
