"""The capacity protocol at N = 2048, near the crossing only (``docs/dam.md``, ours).

n = 3 Krotov, m0 = 1, T = 20: the success rate (m(T) > 1/2) at three loads around the N = ∞
crossing of the effective process (0.453), each from ``--trials`` independent pattern sets (one
trial per set, as ``jaxhop dam-capacity`` does at m0 = 1). The full ``dam-capacity`` grid at this
size costs ≈ 4 CPU-hours here; three loads with 40 trials took 50 minutes. The crossing is
read off by linear interpolation of the rates (after a decreasing fit). Each load is written to
``docs/dam_capacity_n2048.json`` as soon as it is measured, and a rerun skips loads already
there. The figure ``docs/dam_capacity_n2048.png`` puts these points beside the curves of
N = 128 … 1024 (``dam_capacity_n1024_summary.json``) and the N = ∞ crossing of the effective
process (``dam_capacity_theory.json``).

Run: ``PYTHONPATH=$PWD python docs/dam_capacity_n2048.py [--loads …] [--trials B]``.
"""

import argparse
import json
import pathlib
import time

import jax
import numpy as np

from jaxhop.dam import simulate_recall, success_crossing

HERE = pathlib.Path(__file__).parent
OUT = HERE / "dam_capacity_n2048.json"
FIGURE = HERE / "dam_capacity_n2048.png"
ORDER, SIZE, M0, STEPS = 3, 2048, 1.0, 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=float, nargs="+", default=[0.43, 0.45, 0.47])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2048)
    args = parser.parse_args()
    done = json.loads(OUT.read_text()) if OUT.exists() else {"points": []}
    have = {(p["load"], p["trials"], p["seed"]) for p in done["points"] if p["size"] == SIZE}
    key = jax.random.key(args.seed)
    for i, load in enumerate(args.loads):
        if (load, args.trials, args.seed) in have:
            continue
        start = time.perf_counter()
        result = simulate_recall(
            jax.random.fold_in(key, i),
            order=ORDER,
            size=SIZE,
            load=load,
            m0=M0,
            trials=args.trials,
            steps=STEPS,
            pattern_sets=args.trials,
        )
        final = np.asarray(result.m[0, :, -1], np.float64)
        if np.isnan(final).any():
            raise FloatingPointError("an integer field overflowed")
        point = dict(
            size=SIZE,
            load=load,
            effective_load=float(result.load),
            patterns=int(result.patterns),
            trials=args.trials,
            seed=args.seed,
            storage=result.storage,
            rate=float((final > 0.5).mean()),
            m_final=final.tolist(),
            seconds=time.perf_counter() - start,
        )
        done["points"].append(point)
        OUT.write_text(json.dumps(done, indent=1))
        print(
            f"N = {SIZE}, α' = {load}: M = {point['patterns']}, success "
            f"{point['rate']:.2f} ({point['seconds']:.0f} s)",
            flush=True,
        )
    points = sorted(
        (
            p
            for p in done["points"]
            if (p["size"], p["trials"], p["seed"]) == (SIZE, args.trials, args.seed)
        ),
        key=lambda p: p["effective_load"],
    )
    loads = np.asarray([p["effective_load"] for p in points])
    rates = np.asarray([p["rate"] for p in points])
    crossing = success_crossing(loads, rates)
    # error: a bootstrap over the trials (each its own pattern set) of every load, as
    # dam-capacity's bootstrap over pattern sets
    wins = [np.asarray(p["m_final"]) > 0.5 for p in points]
    rng = np.random.default_rng(args.seed)
    boot = [
        success_crossing(
            loads, np.asarray([w[rng.integers(0, w.size, w.size)].mean() for w in wins])
        )
        for _ in range(1000)
    ]
    boot = np.asarray(boot)
    done["crossing"] = float(crossing)
    done["crossing_err"] = float(np.nanstd(boot, ddof=1))
    done["bootstrap_finite"] = int(np.isfinite(boot).sum())
    OUT.write_text(json.dumps(done, indent=1))
    print(f"crossing α'_c(2048) = {crossing:.3f} ± {done['crossing_err']:.3f}")
    plot(loads, rates, wins, done)


def plot(loads, rates, wins, done) -> None:
    """Success rate against α' for every size, the N = 2048 points with binomial errors."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    smaller = json.loads((HERE / "dam_capacity_n1024_summary.json").read_text())
    theory = json.loads((HERE / "dam_capacity_theory.json").read_text())
    at_t = next(r for r in theory if r["m0"] == 1.0 and r["steps"] == STEPS)
    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for curve, crossing in zip(smaller["curves"], smaller["capacity_by_size"]):
        label = f"N = {curve['size']}: {crossing:.3f}"
        ax.plot(curve["loads"], curve["rates"], ".-", lw=1, label=label)
    err = [np.sqrt(r * (1 - r) / w.size) for r, w in zip(rates, wins)]
    ax.errorbar(
        loads,
        rates,
        yerr=err,
        fmt="s-",
        color="k",
        capsize=3,
        label=f"N = 2048: {done['crossing']:.3f}",
    )
    ax.axhline(0.5, color="0.6", lw=0.8)
    ax.axvline(
        at_t["crossing"],
        color="tab:red",
        ls="--",
        label=f"effective process, N = ∞: {at_t['crossing']:.3f}",
    )
    ax.set_xlabel("effective load α' = κ₃M/N²")
    ax.set_ylabel(f"success rate: m({STEPS}) > 1/2")
    ax.set_title(
        f"n = 3, m0 = 1, T = {STEPS}; crossings of 1/2 in the legend",
        fontsize=10,
    )
    ax.set_xlim(0.34, 0.56)
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(FIGURE, dpi=120)
    print(f"wrote {FIGURE}")


if __name__ == "__main__":
    main()
