"""Figures of the DAM family: m(t) against theory, the (α', m0) phase diagram, basin vs load."""

from __future__ import annotations

import numpy as np

from ..plot import new_figure

__all__ = ["plot_recall", "plot_recall_grid", "plot_phase_diagram", "plot_basin"]


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


def plot_recall(cases: list[dict], *, title: str | None = None):
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


def plot_recall_grid(grid: dict, *, title: str = ""):
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
    loads, m0s, final_m, *, theory_final=None, theory_label: str = "theory", title: str = ""
):
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


def plot_basin(curves: list[dict], *, title: str = ""):
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
