"""Figures of the DAM family: m(t) against theory, the (α', m0) phase diagram, basin vs load."""

from __future__ import annotations

import numpy as np
from jaxtyping import ArrayLike
from matplotlib.figure import Figure

from ..plot import new_figure

__all__ = [
    "plot_recall",
    "plot_recall_grid",
    "plot_phase_diagram",
    "plot_basin",
    "plot_convergence",
    "plot_correlation",
]


def _curve(ax, case, color, label_sim=True):
    t = np.arange(len(case["m_mean"]))
    mean, std = np.asarray(case["m_mean"], float), np.asarray(case["m_std"], float)
    ax.errorbar(
        t,
        mean,
        yerr=std,
        fmt="o",
        ms=3,
        capsize=2,
        color=color,
        label=f"simulation m0 = {case['m0']:g}" if label_sim else None,
    )
    ax.plot(t, case["theory_m"], "--", color=color, lw=1)
    if case.get("theory_full_m") is not None:
        ax.plot(
            np.arange(len(case["theory_full_m"])), case["theory_full_m"], "-", color=color, lw=1.2
        )


def _style(ax, title):
    ax.set_xlabel("parallel step t")
    ax.set_ylabel("overlap m(t)")
    ax.set_ylim(-0.05, 1.02)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)


def plot_recall(cases: list[dict], *, title: str | None = None) -> Figure:
    """m(t) mean ± std (points) with the Γ = 0 recurrence (dashed) and the effective process
    (solid), one colour per case (dicts as ``jaxhop dam-recall`` returns)."""
    fig, ax = new_figure()
    for k, case in enumerate(cases):
        _curve(ax, case, f"C{k}")
    first = cases[0]
    _style(
        ax,
        title
        or f"n = {first['order']}, N = {first['size']}, α' = {first['load']:g} "
        "(dashed Γ = 0, solid full theory)",
    )
    ax.legend(fontsize=7)
    return fig


def plot_recall_grid(grid: dict, *, title: str = "") -> Figure:
    """``grid[(load, m0)] = case``: one panel per load, one colour per m0."""
    loads = sorted({k[0] for k in grid})
    m0s = sorted({k[1] for k in grid})
    fig, axes = new_figure(len(loads), width=3.6, height=3.2, squeeze=False)
    for ax, load in zip(axes[0], loads):
        for j, m0 in enumerate(m0s):
            if (load, m0) in grid:
                _curve(ax, grid[(load, m0)], f"C{j}")
        _style(ax, f"α' = {load:g}")
    axes[0][0].legend(fontsize=6, loc="lower left")
    fig.suptitle(
        title + "  (points: simulation mean ± std; dashed: Γ = 0; solid: full theory)", fontsize=9
    )
    return fig


def plot_phase_diagram(
    loads: ArrayLike,
    m0s: ArrayLike,
    final_m: ArrayLike,
    *,
    theory_final: ArrayLike | None = None,
    theory_label: str = "theory",
    title: str = "",
) -> Figure:
    """Final mean overlap over the (α', m0) plane; contour m = 0.5 of the theory (if given)."""
    fig, ax = new_figure(width=5.0, height=3.8)
    loads, m0s = np.asarray(loads), np.asarray(m0s)
    mesh = ax.pcolormesh(
        loads, m0s, np.asarray(final_m).T, vmin=0, vmax=1, cmap="viridis", shading="nearest"
    )
    fig.colorbar(mesh, ax=ax, label="final overlap (simulation)")
    if theory_final is not None:
        cs = ax.contour(loads, m0s, np.asarray(theory_final).T, levels=[0.5], colors="w")
        ax.clabel(cs, fmt={0.5: f"{theory_label} m = 0.5"}, fontsize=7)
    ax.set_xlabel("effective load α'")
    ax.set_ylabel("initial overlap m0")
    ax.set_title(title, fontsize=9)
    return fig


def plot_basin(curves: list[dict], *, title: str = "") -> Figure:
    """Smallest recalled m0 against α': ``curves`` of dicts with ``order``, ``loads``,
    ``basin`` (simulation) and optional ``theory``."""
    fig, ax = new_figure(width=5.0, height=3.8)
    for k, c in enumerate(curves):
        ax.plot(c["loads"], c["basin"], "o-", color=f"C{k}", label=f"n = {c['order']} simulation")
        if c.get("theory") is not None:
            ax.plot(c["loads"], c["theory"], "--", color=f"C{k}", label=f"n = {c['order']} Γ = 0")
    ax.set_xlabel("effective load α'")
    ax.set_ylabel("basin edge: smallest recalled m0")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    return fig


def plot_convergence(grid: dict, *, title: str = "") -> Figure:
    """Convergence of the simulated runs of a :func:`~jaxhop.dam.theory_vs_simulation` grid:
    mean ± std of the convergence time over settled trials against m0, one colour per load
    (left); the fraction of trials settled, and settled on a fixed point (right)."""
    loads = sorted({k[0] for k in grid})
    m0s = sorted({k[1] for k in grid})
    fig, (ax_time, ax_frac) = new_figure(2, width=4.2, height=3.4)
    for c, load in enumerate(loads):
        cases = [grid[(load, m0)] for m0 in m0s]
        mean = [
            np.nan if x["convergence_time_mean"] is None else x["convergence_time_mean"]
            for x in cases
        ]
        std = [
            np.nan if x["convergence_time_std"] is None else x["convergence_time_std"]
            for x in cases
        ]
        ax_time.errorbar(
            m0s, mean, yerr=std, fmt="o-", ms=4, capsize=2, color=f"C{c}", label=f"α' = {load:g}"
        )
        ax_frac.plot(
            m0s,
            [x["converged_fraction"] for x in cases],
            "o-",
            color=f"C{c}",
            label=f"α' = {load:g} settled",
        )
        ax_frac.plot(
            m0s,
            [x["fixed_point_fraction"] for x in cases],
            "s--",
            color=f"C{c}",
            ms=3,
            label=f"α' = {load:g} fixed point",
        )
    ax_time.set_xlabel("initial overlap m0")
    ax_time.set_ylabel("convergence time (steps; settled trials)")
    ax_time.grid(alpha=0.3)
    ax_time.legend(fontsize=7)
    ax_frac.set_xlabel("initial overlap m0")
    ax_frac.set_ylabel("fraction of trials")
    ax_frac.set_ylim(-0.02, 1.02)
    ax_frac.grid(alpha=0.3)
    ax_frac.legend(fontsize=6)
    fig.suptitle(title + "  (settled: on a fixed point or 2-cycle by the last step)", fontsize=9)
    return fig


def plot_correlation(cases: list[dict], *, title: str = "") -> Figure:
    """``C(t, 0)`` and ``C(t, t−1)``: simulation (points, mean over trials) against the
    effective process (lines), one panel per case (dicts of a theory-vs-simulation grid with
    ``correlation`` and ``theory_correlation``)."""
    fig, axes = new_figure(len(cases), width=3.4, height=3.2, squeeze=False)
    for ax, case in zip(axes[0], cases):
        sim, theory = np.asarray(case["correlation"]), case.get("theory_correlation")
        t = np.arange(sim.shape[0])
        ax.plot(t, sim[:, 0], "o", ms=3, color="C0", label="C(t, 0) simulation")
        ax.plot(t[1:], np.diagonal(sim, -1), "s", ms=3, color="C1", label="C(t, t−1) simulation")
        if theory is not None:
            theory = np.asarray(theory)
            ax.plot(t, theory[:, 0], "-", color="C0", lw=1.2, label="C(t, 0) theory")
            ax.plot(
                t[1:], np.diagonal(theory, -1), "-", color="C1", lw=1.2, label="C(t, t−1) theory"
            )
        ax.set_xlabel("parallel step t")
        ax.set_ylabel("C")
        ax.set_title(f"α' = {case['load']:g}, m0 = {case['m0']:g}", fontsize=9)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=6)
    fig.suptitle(title, fontsize=9)
    return fig
