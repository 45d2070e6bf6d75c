"""Regenerate the detailed-balance figure of docs/dam.md (exact enumeration, ours).

    python docs/dam_balance.py [--size 10] [--sets 20] [--out docs]

Left: the attractors of deterministic parallel recall, as the fraction of the 2^N start
states that end on an attractor of each period, over `--sets` independent pattern sets, for
n = 2, 3, 4 at equal effective load α' = 0.3. Right: the stationary entropy production of the
heat-bath parallel dynamics (zero exactly under detailed balance) against β, at N = 8. Prints
a JSON summary (also written beside the figure). About a minute on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jax
import numpy as np

from jaxhop.dam import DenseMemory, attractor_periods, detailed_balance, num_patterns
from jaxhop.plot import save

ORDERS = (2, 3, 4)
LOAD = 0.3  # effective load α' = κ_n M / N^{n−1}
MAX_PERIOD = 10


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10, help="N for the attractor census")
    parser.add_argument("--sets", type=int, default=20, help="pattern sets per order")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    key = jax.random.key(2026)
    summary = {"size": args.size, "sets": args.sets, "load": LOAD, "periods": {}, "entropy": {}}
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    width = 0.8 / len(ORDERS)
    for k, order in enumerate(ORDERS):
        patterns = num_patterns(order, args.size, LOAD)
        counts = np.zeros(MAX_PERIOD + 2, np.int64)  # last bin: periods > MAX_PERIOD
        for s in range(args.sets):
            model = DenseMemory.random(
                jax.random.fold_in(key, 100 * order + s), args.size, patterns, order=order
            )
            periods = np.asarray(attractor_periods(model))
            counts += np.bincount(np.minimum(periods, MAX_PERIOD + 1), minlength=MAX_PERIOD + 2)
        fraction = counts[1:] / counts.sum()
        summary["periods"][str(order)] = {
            "patterns": patterns,
            "fraction_by_period": {str(p): float(f) for p, f in enumerate(fraction, 1) if f},
            "fraction_longer_than_2": float(fraction[2:].sum()),
        }
        x = np.arange(1, MAX_PERIOD + 2) + (k - 1) * width
        left.bar(
            x,
            np.where(fraction > 0, fraction, np.nan),
            width,
            label=f"n = {order} (M = {patterns})",
        )
    left.set_yscale("log")
    left.set_xticks(
        range(1, MAX_PERIOD + 2), [str(p) for p in range(1, MAX_PERIOD + 1)] + [f">{MAX_PERIOD}"]
    )
    left.set_xlabel("attractor period (parallel steps)")
    left.set_ylabel("fraction of start states")
    left.set_title(f"β = ∞, N = {args.size}, α' = {LOAD}, {args.sets} pattern sets", fontsize=10)
    left.legend(frameon=False, loc="upper right")

    betas = np.geomspace(0.1, 4.0, 12)
    for order in ORDERS:
        patterns = num_patterns(order, 8, LOAD)
        model = DenseMemory.random(jax.random.fold_in(key, 7 + order), 8, patterns, order=order)
        production = [detailed_balance(model, b).entropy_production for b in betas]
        summary["entropy"][str(order)] = {
            "patterns": patterns,
            "beta": betas.tolist(),
            "entropy_production": production,
        }
        right.plot(betas, production, "o-", ms=3, label=f"n = {order} (M = {patterns})")
    right.axhspan(1e-30, 1e-14, color="0.9", zorder=0, label="float64 round-off (≡ 0)")
    right.set_ylim(1e-30, 10)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("inverse temperature β")
    right.set_ylabel("stationary entropy production per step")
    right.set_title("heat-bath parallel dynamics, N = 8", fontsize=10)
    right.legend(frameon=False)
    args.out.mkdir(parents=True, exist_ok=True)
    save(fig, args.out / "dam_balance.png")
    (args.out / "dam_balance_summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
