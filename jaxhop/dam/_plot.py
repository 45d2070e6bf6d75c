"""Figures of the DAM family: m(t) against theory, the (α', m0) phase diagram, basin vs load.

α' is the effective load ``κ_n M / N^{n−1}`` (``κ_n = (2n − 3)!!`` for Krotov's model, see
``docs/dam.md``); m is the overlap ``m = ξ¹·s/N`` with the cued pattern and t the parallel
update step (time is counted in steps: every site updates once per step).
"""

from __future__ import annotations

import numpy as np
from jaxtyping import ArrayLike
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..plot import new_figure

__all__ = [
    "plot_recall",
    "plot_recall_grid",
    "plot_phase_diagram",
    "plot_basin",
    "plot_convergence",
    "plot_correlation",
    "plot_capacity",
]

LOAD = "effective load α' = κₙM/Nⁿ⁻¹"
STEP = "parallel step t (one update of every site)"


def _mixed(case: dict) -> bool:
    """Whether some trials are recalled and some are not: the distribution of m(t) is then
    bimodal (near the basin edge) and a mean ± std would describe neither mode."""
    rate = case.get("success_rate")
    return rate is not None and 0.0 < float(rate) < 1.0


def _curve(ax: Axes, case: dict, color: str, recalled: str = "") -> None:
    mean, std = np.asarray(case["m_mean"], float), np.asarray(case["m_std"], float)
    t = np.arange(mean.size)
    trials = case.get("m_trials")
    if trials is not None:
        # every trial as a faint line: a bimodal spread shows as two bundles
        trials = np.asarray(trials, float)
        ax.plot(t, trials.T, "-", color=color, lw=0.5, alpha=0.18)
        ax.plot(t, mean, "o", ms=3.5, color=color, label=f"m0 = {case['m0']:g}: mean{recalled}")
    elif _mixed(case):
        # bimodal and no per-trial data: the mean only, hollow, and the recalled fraction
        ax.plot(
            t,
            mean,
            "o",
            ms=4,
            mfc="none",
            color=color,
            label=f"m0 = {case['m0']:g}: mean{recalled} (bimodal: no ± std)",
        )
    else:
        ax.errorbar(
            t,
            mean,
            yerr=std,
            fmt="o",
            ms=3,
            capsize=2,
            color=color,
            label=f"m0 = {case['m0']:g}: mean ± std over trials{recalled}",
        )
    ax.plot(t, case["theory_m"], "--", color=color, lw=1)
    if case.get("theory_full_m") is not None:
        ax.plot(
            np.arange(len(case["theory_full_m"])), case["theory_full_m"], "-", color=color, lw=1.2
        )


def _theory_handles(cases: list[dict]) -> list[Line2D]:
    handles = [Line2D([], [], ls="--", color="0.3", lw=1, label="Γ = 0 recurrence (theory)")]
    if any(c.get("theory_full_m") is not None for c in cases):
        handles.append(
            Line2D([], [], ls="-", color="0.3", lw=1.2, label="effective process (full theory)")
        )
    if any(c.get("m_trials") is not None for c in cases):
        handles.append(Line2D([], [], ls="-", color="0.3", lw=0.5, alpha=0.4, label="one trial"))
    return handles


def _recalled(case: dict) -> str:
    rate = case.get("success_rate")
    return "" if rate is None else f", {100 * float(rate):.0f} % recalled"


def _top(cases: list[dict]) -> float:
    data = [np.asarray(c["m_mean"], float) + np.asarray(c["m_std"], float) for c in cases]
    data += [np.asarray(c["m_trials"], float) for c in cases if c.get("m_trials") is not None]
    return max(1.02, max(float(np.nanmax(d)) for d in data) + 0.02)


def _style(ax: Axes, title: str, top: float = 1.02) -> None:
    ax.set_xlabel(STEP)
    ax.set_ylabel("overlap m(t)")
    ax.set_ylim(-0.05, top)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)


def plot_recall(cases: list[dict], *, title: str | None = None) -> Figure:
    """m(t) of each case (dicts as ``jaxhop dam-recall`` returns): mean ± std over trials
    (points), or the mean alone when the trials split between recalled and not (bimodal), with
    every trial drawn faintly when the case holds them (``m_trials``); the Γ = 0 recurrence
    (dashed) and the effective process (solid), one colour per case."""
    fig, ax = new_figure(width=5.6)
    for k, case in enumerate(cases):
        _curve(ax, case, f"C{k}", _recalled(case))
    first = cases[0]
    _style(
        ax,
        title or f"n = {first['order']}, N = {first['size']}, α' = {first['load']:g}",
        _top(cases),
    )
    handles, _ = ax.get_legend_handles_labels()
    fig.legend(
        handles=handles + _theory_handles(cases), loc="outside lower center", fontsize=7, ncols=2
    )
    return fig


def plot_recall_grid(grid: dict, *, title: str = "") -> Figure:
    """``grid[(load, m0)] = case``: one panel per load, one colour per m0 (see
    :func:`plot_recall` for what the points, faint lines and theory curves are)."""
    loads = sorted({k[0] for k in grid})
    m0s = sorted({k[1] for k in grid})
    fig, axes = new_figure(len(loads), width=3.6, height=3.7, squeeze=False)
    top = _top(list(grid.values()))
    handles: dict[str, object] = {}
    for ax, load in zip(axes[0], loads):
        rates = []
        for j, m0 in enumerate(m0s):
            if (load, m0) in grid:
                case = grid[(load, m0)]
                _curve(ax, case, f"C{j}")
                if case.get("success_rate") is not None:
                    rates.append(f"{100 * float(case['success_rate']):.0f}")
        # the recalled fraction (final m > 0.5) per m0, in the order of the legend
        recalled = f"\nrecalled: {' / '.join(rates)} % of trials" if rates else ""
        _style(ax, f"α' = {load:g}{recalled}", top)
        for h, label in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(label, h)
    legend = list(handles.items())
    theory = _theory_handles(list(grid.values()))
    fig.legend(
        handles=[h for _, h in legend] + theory,
        labels=[label for label, _ in legend] + [h.get_label() for h in theory],
        loc="outside lower center",
        fontsize=6.5,
        ncols=min(len(loads), 3),
    )
    fig.suptitle(f"{title}  ({LOAD})" if title else LOAD, fontsize=9)
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
    fig, ax = new_figure(width=5.0, height=4.1)
    loads, m0s = np.asarray(loads), np.asarray(m0s)
    mesh = ax.pcolormesh(
        loads, m0s, np.asarray(final_m).T, vmin=0, vmax=1, cmap="viridis", shading="nearest"
    )
    fig.colorbar(mesh, ax=ax, label="final overlap m (simulation, mean over trials)")
    if theory_final is not None:
        ax.contour(loads, m0s, np.asarray(theory_final).T, levels=[0.5], colors="w")
        handle = Line2D([], [], color="w", label=f"{theory_label}: final m = 0.5")
        legend = fig.legend(
            handles=[handle], loc="outside lower center", fontsize=8, facecolor="0.35"
        )
        legend.get_texts()[0].set_color("w")
    ax.set_xlabel(LOAD)
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
    ax.set_xlabel(LOAD)
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
    ax_time.set_ylabel("convergence time (steps)\nmean ± std over settled trials")
    ax_time.grid(alpha=0.3)
    ax_time.legend(fontsize=7)
    ax_frac.set_xlabel("initial overlap m0")
    ax_frac.set_ylabel("fraction of trials")
    ax_frac.set_ylim(-0.02, 1.02)
    ax_frac.grid(alpha=0.3)
    ax_frac.legend(fontsize=6)
    fig.suptitle(
        title + f"  (settled: on a fixed point or 2-cycle by the last step; {LOAD})", fontsize=9
    )
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
        ax.set_xlabel(STEP)
        ax.set_ylabel("C(t, t′) = s(t)·s(t′)/N")
        ax.set_title(f"α' = {case['load']:g}, m0 = {case['m0']:g}", fontsize=9)
        ax.grid(alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", fontsize=7, ncols=4)
    fig.suptitle(f"{title}  (mean over trials; {LOAD})" if title else LOAD, fontsize=9)
    return fig


def plot_capacity(result: dict, *, title: str = "") -> Figure:
    """A :func:`~jaxhop.dam.dynamical_capacity` result: the success rate against α' for each N
    with its crossing of 1/2 marked (left); ``α'_c(N)`` against ``N^{−ν}`` with the fit line,
    the extrapolated ``α'_c(∞)`` and, for n = 3, the replica and paper values (right)."""
    fig, (ax_rate, ax_fit) = new_figure(2, width=4.6, height=3.7)
    sizes = np.asarray(result["sizes"], float)
    crossing = np.asarray(result["capacity_by_size"], float)
    err = np.asarray(result["capacity_by_size_err"], float)
    for k, c in enumerate(result["curves"]):
        color = f"C{k}"
        ax_rate.plot(c["loads"], c["rates"], "o-", ms=3, color=color, label=f"N = {c['size']}")
        if np.isfinite(crossing[k]):
            ax_rate.plot([crossing[k]], [0.5], "x", ms=9, mew=2, color=color)
            ax_rate.axvline(crossing[k], color=color, ls=":", lw=0.8)
    ax_rate.axhline(0.5, color="0.5", lw=0.8)
    ax_rate.set_xlabel(LOAD)
    ax_rate.set_ylabel(f"success rate: m({result['steps']}) > 1/2")
    ax_rate.set_ylim(-0.02, 1.02)
    ax_rate.grid(alpha=0.3)
    ax_rate.legend(fontsize=7)
    ax_rate.set_title(
        f"m0 = {result['m0']:g}, T = {result['steps']}, {result['trials']} trials"
        " per load; × = crossing",
        fontsize=8,
    )
    nu = float(result["exponent"])
    x = sizes**-nu
    ok = np.isfinite(crossing)
    ax_fit.errorbar(x[ok], crossing[ok], yerr=err[ok], fmt="o", capsize=3, label="α'_c(N)")
    cap, cap_err = float(result["capacity"]), float(result["capacity_err"])
    if np.isfinite(cap):
        line = np.linspace(0, x.max() * 1.05, 50)
        ax_fit.plot(
            line,
            cap + result["slope"] * line,
            "-",
            color="C1",
            label=f"fit α'_c(∞) + a N^(−{nu:g})",
        )
        ax_fit.errorbar(
            [0],
            [cap],
            yerr=[cap_err if np.isfinite(cap_err) else 0],
            fmt="s",
            color="C3",
            capsize=3,
            label=f"α'_c(∞) = {cap:.3f} ± {cap_err:.3f}",
        )
    ref = result.get("reference")
    if ref:
        for (name, value), ls in zip(
            (("RS", ref["rs"]), ("1RSB", ref["1rsb"]), ("paper ≈", ref["paper_dynamical"])),
            (":", "--", "-."),
        ):
            ax_fit.axhline(value, color="0.4", ls=ls, lw=0.9, label=f"{name} {value:g}")
    ax_fit.set_xlabel(f"N^(−{nu:g})")
    ax_fit.set_ylabel("crossing load α'_c(N)")
    ax_fit.set_xlim(left=-0.003)
    ax_fit.grid(alpha=0.3)
    ax_fit.legend(fontsize=7)
    ax_fit.set_title(
        title or f"n = {result['order']} {result['variant']}: finite-size scaling", fontsize=9
    )
    return fig
