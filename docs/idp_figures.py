"""Regenerate the ε → 0 figure of docs/idp.md: the two-timescale network's retrieval-count
boundaries against the saliency map's, for ε from 1e-2 to 1e-6 and two noise levels.

    python docs/idp_figures.py [--iterations 16] [--out docs]

Writes ``idp_eps_limit.png`` and ``idp_eps_limit_summary.json`` (and prints the summary). The
boundary ``b_n(κ)`` between ``n`` and ``n + 1`` memories retrieved before the collapse is the
map's closed form ``g^n(1)``, ``g(z) = 1/(1 − z/κ)`` (:func:`jaxhop.idp.map_count_boundary`);
the network's is found by bisection on ``Z_0`` over continuous solves
(:func:`jaxhop.idp.network_count_boundary`; N = 16, P = 8, frozen noise σ). The convergence
rate is the slope of ``log |b_n(κ, ε) − b_n(κ)|`` against ``log ε`` (least squares over ε).
The figures in docs/ were made with the defaults on the shared 2-core CPU.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

import jaxhop as jh  # noqa: E402
from jaxhop.plot import save  # noqa: E402

EPS = (1e-2, 1e-3, 1e-4, 1e-5, 1e-6)
NOISE = (1e-6, 1e-3)
KAPPA = 4.5  # Z₋ = 1.5, Z₊ = 3 (the case: κ = 4.5, Z₀ = 1.45)
COUNTS = (1, 2, 3)


def boundaries(iterations: int, rtol: float = 1e-7) -> dict:
    """``b_n`` of the map and of the network for every (n, ε, σ) — one vmapped bisection."""
    n, eps, noise = (a.ravel() for a in np.meshgrid(COUNTS, EPS, NOISE, indexing="ij"))
    exact = np.array([float(jh.idp.map_count_boundary(KAPPA, int(k))) for k in n])
    # the finite-ε network keeps memories longer: its boundary lies below the map's (at
    # ε = 1e-2 even below the map's b_{n-1}), so bracket from just above 1
    lo = np.full(n.shape, 1.001)  # one entry, then collapse (Z_1 ≈ 0)
    hi = exact + 0.02
    start = time.perf_counter()
    found = jh.idp.network_count_boundary(
        np.full(n.shape, KAPPA),
        eps,
        n,
        key=jax.random.key(0),
        lo=lo,
        hi=hi,
        noise=noise,
        iterations=iterations,
        rtol=rtol,
    )
    found = np.asarray(found)
    seconds = time.perf_counter() - start
    resolution = (hi - lo) / 2**iterations
    return dict(n=n, eps=eps, noise=noise, exact=exact, found=found, res=resolution, s=seconds)


def rates(table: dict) -> dict:
    """Least-squares slope of log |error| against log ε, per (n, σ), over the ε whose error
    is above ten times the bisection resolution."""
    out = {}
    for k in COUNTS:
        for s in NOISE:
            pick = (table["n"] == k) & (table["noise"] == s)
            err = np.abs(table["found"][pick] - table["exact"][pick])
            ok = np.isfinite(err) & (err > 10 * table["res"][pick])
            if ok.sum() >= 2:
                slope = np.polyfit(np.log(table["eps"][pick][ok]), np.log(err[ok]), 1)[0]
                out[f"n{k}_sigma{s:g}"] = round(float(slope), 3)
    return out


def figure(table: dict, out: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for j, s in enumerate(NOISE):
        for i, k in enumerate(COUNTS):
            pick = (table["n"] == k) & (table["noise"] == s)
            err = np.abs(table["found"][pick] - table["exact"][pick])
            style = "-o" if j == 0 else "--s"
            axes[0].loglog(
                table["eps"][pick], err, style, color=f"C{i}", ms=4, label=f"n = {k}, σ = {s:g}"
            )
            if j == 0:
                axes[1].semilogx(
                    table["eps"][pick],
                    table["found"][pick],
                    "-o",
                    color=f"C{i}",
                    ms=4,
                    label=f"network b_{k}(ε)",
                )
                axes[1].axhline(table["exact"][pick][0], color=f"C{i}", lw=0.8, ls=":")
    eps = np.asarray(EPS)
    axes[0].loglog(eps, 3 * eps * np.log(1 / eps), "k:", lw=0.8, label="∝ ε ln(1/ε)")
    axes[0].set(xlabel="ε", ylabel="|b_n(κ, ε) − b_n(κ)|", title=f"boundary error, κ = {KAPPA}")
    axes[0].legend(fontsize=6)
    axes[1].set(
        xlabel="ε",
        ylabel="Z₀ boundary",
        title="network b_n (σ = 1e-6); dotted: the map's g^n(1)",
    )
    axes[1].legend(fontsize=7)
    return save(fig, out / "idp_eps_limit.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=16)
    parser.add_argument("--rtol", type=float, default=1e-7)
    parser.add_argument(
        "--replot", action="store_true", help="redraw the figure from the summary JSON in --out"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    args = parser.parse_args()
    if args.replot:
        rows = json.loads((args.out / "idp_eps_limit_summary.json").read_text())["rows"]
        keys = {"n": "n", "eps": "eps", "noise": "noise", "exact": "map", "found": "network"}
        table = {k: np.array([r[v] for r in rows], float) for k, v in keys.items()}
        print(figure(table, args.out))
        return
    table = boundaries(args.iterations, args.rtol)
    path = figure(table, args.out)
    rows = [
        {
            "n": int(k),
            "eps": float(e),
            "noise": float(s),
            "map": round(float(b), 7),
            "network": round(float(f), 7),
            "error": float(f"{f - b:.3g}"),
            "resolution": float(f"{r:.2g}"),
        }
        for k, e, s, b, f, r in zip(
            *(table[c] for c in ("n", "eps", "noise", "exact", "found", "res")), strict=True
        )
    ]
    summary = {
        "kappa": KAPPA,
        "size": 16,
        "memories": 8,
        "iterations": args.iterations,
        "rtol": args.rtol,
        "seconds": round(table["s"], 1),
        "rows": rows,
        "slopes": rates(table),
        "figure": str(path.name),
    }
    (args.out / "idp_eps_limit_summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
