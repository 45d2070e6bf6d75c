"""Scaling curves: time against problem size for the IDP network and DAM recall, on log-log
axes, with the fitted slope of each curve (is the cost O(NP) per step, as designed?).

    python benchmarks/scaling.py [--quick] [--out benchmarks/figures/scaling.png]

Prints one JSON line per curve (sizes, times, slope) and writes the figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import jax
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _timing import time_jax  # noqa: E402

import jaxhop as jh  # noqa: E402


def slope(sizes, times) -> float:
    """Least-squares slope of log(time) against log(size)."""
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def _idp_run(size, num_memories, trials, steps, noise):
    key = jax.random.key(0)
    k_mem, k_sal, k_y, k_noise = jax.random.split(key, 4)
    memories = jh.idp.random_memories(k_mem, size, num_memories)
    alpha = 1.0 + jax.random.uniform(k_sal, (1, num_memories))
    schedule = jh.idp.window_schedule(alpha, window=steps * 0.01 + 1)
    net = jh.idp.IDPNetwork(memories, activation="tanh", gain=10.0, zero_diagonal=True, noise=noise)
    y0 = jax.random.normal(k_y, (trials, size))
    keys = jax.random.split(k_noise, trials)

    @jax.jit
    def run(y0, keys):
        def trial(y, k):
            sol = jh.idp.simulate(net, schedule, y, t1=steps * 0.01, dt=0.01, key=k, save_every=10)
            return sol.final

        return jax.vmap(trial)(y0, keys)

    return lambda: run(y0, keys)


def idp_curves(quick: bool) -> list[dict]:
    trials, steps = (8, 200) if quick else (16, 500)
    sizes = [256, 512, 1024, 2048] if quick else [256, 512, 1024, 2048, 4096, 8192]
    curves = []
    for noise, label in ((8.0, "σ = 8"), (0.0, "noiseless")):
        times = [time_jax(_idp_run(n, 10, trials, steps, noise), repeats=3)[1] for n in sizes]
        curves.append(
            {
                "name": f"idp_time_vs_N ({label})",
                "axis": "N",
                "sizes": sizes,
                "times": times,
                "slope": slope(sizes, times),
                "fixed": f"P = 10, {trials} trials × {steps} steps",
            }
        )
    memories = [5, 10, 20, 40, 80] if quick else [5, 10, 20, 40, 80, 160]
    times = [time_jax(_idp_run(1024, p, trials, steps, 0.0), repeats=3)[1] for p in memories]
    curves.append(
        {
            "name": "idp_time_vs_P (noiseless)",
            "axis": "P",
            "sizes": memories,
            "times": times,
            "slope": slope(memories, times),
            "fixed": f"N = 1024, {trials} trials × {steps} steps",
        }
    )
    return curves


def dam_curves(quick: bool) -> list[dict]:
    """Filled in by the DAM family (jh.dam): time vs M (patterns) and vs batch."""
    if not hasattr(jh, "dam"):
        return []
    from bench_dam import scaling_curves  # the DAM benchmark owns its workload

    return scaling_curves(quick)


def figure(curves: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = sorted({c["name"].split("_")[0] for c in curves})
    fig, axes = plt.subplots(
        1, len(families), figsize=(5 * len(families), 4), layout="constrained", squeeze=False
    )
    for ax, family in zip(axes[0], families):
        for curve in (c for c in curves if c["name"].startswith(family)):
            sizes, times = np.asarray(curve["sizes"]), np.asarray(curve["times"])
            ax.loglog(sizes, times, "o-", label=f"{curve['name']}: slope {curve['slope']:.2f}")
        ax.set_xlabel("problem size (N, P, M or batch)")
        ax.set_ylabel("time per run (s)")
        ax.set_title(f"{family}: time vs size (slope 1 = linear)", fontsize=10)
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "figures" / "scaling.png")
    args = parser.parse_args(argv)
    curves = idp_curves(args.quick) + dam_curves(args.quick)
    for curve in curves:
        print(json.dumps(curve))
    figure(curves, args.out)
    print(f"figure: {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
