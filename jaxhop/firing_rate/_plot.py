"""Figures of the firing-rate family (matplotlib; every function returns the Figure).

Time is in units of the rate time constant τ of ``τ ẋ = −x + Φ(W x + u)``; the overlap is
``m^ν = x·ξ^ν/(N q)`` (``docs/firing_rate.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from jaxtyping import ArrayLike
from matplotlib.figure import Figure

from ..plot import new_figure
from ._phase import PhaseDiagram
from ._retrieval import RetrievalResult

__all__ = ["plot_phase_diagrams", "plot_retrieval", "plot_energy_landscape"]

# region code → (label, colour)
_REGIONS = (
    ("stable, certified by the sufficient test", "#1a9850"),
    ("stable, not certified", "#a6d96a"),
    ("unstable, not flagged", "#fdae61"),
    ("unstable, flagged by the instability test", "#d73027"),
    ("MISLABELLED (a test is wrong)", "#000000"),
)


def _regions(diagram) -> np.ndarray:
    stable = np.asarray(diagram.stable)
    sufficient = np.asarray(diagram.sufficient)
    flagged = np.asarray(diagram.instability)
    code = np.where(stable, np.where(sufficient, 0, 1), np.where(flagged, 3, 2))
    return np.where((sufficient & ~stable) | (flagged & stable), 4, code)


def plot_phase_diagrams(diagrams: Sequence[PhaseDiagram], *, title: str | None = None) -> Figure:
    """One panel per :class:`PhaseDiagram` over (ρ, x*): the numerically stable region,
    split by whether the sufficient test certifies it, and the unstable region, split by
    whether the instability test flags it (a black cell would be a mislabel)."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    diagrams = list(diagrams)
    ncols = min(len(diagrams), 2)
    nrows = -(-len(diagrams) // ncols)
    fig, axes = new_figure(ncols, nrows, width=4.2, height=3.4, squeeze=False)
    cmap = ListedColormap([c for _, c in _REGIONS])
    norm = BoundaryNorm(np.arange(len(_REGIONS) + 1) - 0.5, cmap.N)
    mislabelled = False
    for ax, d in zip(axes.ravel(), diagrams):
        rho, x_star = np.asarray(d.rho), np.asarray(d.x_star)
        regions = _regions(d)
        mislabelled |= bool(np.any(regions == 4))
        ax.pcolormesh(rho, x_star, regions, cmap=cmap, norm=norm, shading="nearest")
        ax.contour(rho, x_star, np.asarray(d.lambda_max), levels=[0.0], colors="k", linewidths=0.8)
        c = d.counts()
        ax.set_title(
            f"{d.activation}, γ {d.gamma_setting[:3]}: {c['stable']} stable, "
            f"{c['sufficient']} cert., {c['instability']} flagged",
            fontsize=8.5,
        )
        ax.set_xlabel("gain ρ")
        ax.set_ylabel("threshold x*")
    for ax in axes.ravel()[len(diagrams) :]:
        ax.set_axis_off()
    shown = _REGIONS if mislabelled else _REGIONS[:4]
    handles = [Patch(color=c, label=lab) for lab, c in shown]
    handles.append(
        Line2D([], [], color="k", lw=0.8, label="λ_max = 0 (largest Jacobian eigenvalue)")
    )
    # one legend column under a single panel, or it is wider than the figure
    fig.legend(handles=handles, loc="outside lower center", ncols=ncols, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _band(ax, ts, values, color, label):
    mean = values.mean(0)
    lo, hi = np.percentile(values, [10, 90], axis=0)
    (line,) = ax.plot(ts, mean, color=color, label=label)
    band = ax.fill_between(ts, lo, hi, color=color, alpha=0.2, linewidth=0, label=label)
    return (line, band), float(np.max(hi))


def plot_retrieval(result: RetrievalResult, *, title: str | None = None) -> Figure:
    """Overlaps ``m^ν(t)`` of a retrieval run: the cued memory, the other stored memories and
    the non-stored cues' overlap with their own pattern (mean, and the band holding the middle
    80 % of the trajectories: 10th to 90th percentile at each time).

    The overlap can exceed 1: it is normalised by the expected number of active units ``Nq``,
    while a Bernoulli(q) pattern has ``|ξ|`` of them, and at a rescaled memory
    ``x̄ = Φ(a)1 + (Φ(b) − Φ(a))ξ`` it is ``m = Φ(b)|ξ|/(Nq)``: above 1 for a pattern with more
    than ``Nq/Φ(b)`` active units. The axis is not clipped there."""
    ts = np.asarray(result.ts)
    fig, ax = new_figure(1, 1, width=7.4, height=3.6)
    groups = (
        (result.cued, "C0", "cued memory"),
        (result.others, "C1", "other stored memories"),
        (result.non_stored, "C3", "non-stored cue (own pattern)"),
    )
    handles, labels, top = [], [], 1.0
    for values, color, label in groups:
        pair, high = _band(ax, ts, np.asarray(values), color, label)
        handles.append(pair)
        labels.append(label)
        top = max(top, high)
    (q_line,) = ax.plot(
        [],
        [],
        color="0.5",
        lw=0.8,
        ls=":",
        label=f"coding level q = {result.coding_level:g}",
    )
    ax.axhline(result.coding_level, color="0.5", lw=0.8, ls=":")
    ax.axhline(1.0, color="0.7", lw=0.6)
    ax.set_xlabel("time t (units of τ)")
    ax.set_ylabel("overlap m(t) = x·ξ/(Nq)\n(> 1 when |ξ| > Nq)")
    ax.set_ylim(-0.02, max(1.05, 1.03 * top))
    fig.legend(
        handles + [q_line],
        labels + [q_line.get_label()],
        fontsize=7.5,
        loc="outside right center",
        title="line: mean; band: 10–90 %\nof the trajectories",
        title_fontsize=7.5,
    )
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def _fill_outward(values: np.ndarray, ok: np.ndarray, rings: int = 3) -> np.ndarray:
    """`values` with the non-`ok` cells within `rings` cells of an `ok` one set to the mean of
    their filled 4-neighbours (ring by ring), and the rest to the largest finite value."""
    out = np.where(ok, values, np.nan)
    for _ in range(rings):
        padded = np.pad(out, 1, constant_values=np.nan)
        neighbours = np.stack(
            [padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]]
        )
        count = np.sum(np.isfinite(neighbours), axis=0)
        mean = np.nansum(neighbours, axis=0) / np.maximum(count, 1)
        out = np.where(np.isnan(out) & (count > 0), mean, out)
    return np.where(np.isnan(out), np.nanmax(out) if ok.any() else 0.0, out)


def plot_energy_landscape(
    s: ArrayLike, t: ArrayLike, energy: ArrayLike, *, title: str | None = None
) -> Figure:
    """The energy on the plane ``x = x_q + s(x̄¹ − x_q) + t(x̄² − x_q)`` through the
    quiescent state and two rescaled memories (white where a rate leaves [0, 1), where E is
    infinite). Filled contours, clipped to the finite region along its interpolated edge (the
    0.5 level of the finite/infinite indicator), so the edge is not a staircase of cells."""
    from matplotlib.lines import Line2D
    from matplotlib.path import Path as MplPath

    s, t, energy = np.asarray(s), np.asarray(t), np.asarray(energy)
    fig, ax = new_figure(1, 1, width=4.8, height=4.2)
    ok = np.isfinite(energy)
    finite = np.where(ok, energy, np.nan)
    if ok.any():
        lo, hi = float(np.nanmin(finite)), float(np.nanmax(finite))
        levels = np.linspace(lo, hi if hi > lo else lo + 1.0, 41)
        # extend the finite values one cell outward (nearest neighbour), so that the filled
        # contours reach the interpolated edge instead of stopping a cell short
        filled = _fill_outward(finite, ok)
        mesh = ax.contourf(s, t, filled.T, levels=levels, cmap="viridis")
        lines = ax.contour(s, t, filled.T, levels=levels[::2], colors="w", linewidths=0.4)
        if not ok.all():
            indicator = ok.T.astype(float)
            ax.contour(s, t, indicator, levels=[0.5], colors="0.2", linewidths=1.0)
            # the finite region as closed polygons (its edge interpolated, closed along the
            # frame): the clip path of the filled contours
            region = ax.contourf(s, t, indicator, levels=[0.5, 1.5], alpha=0)
            paths = [p for p in region.get_paths() if len(p.vertices)]
            if paths:
                clip = MplPath.make_compound_path(*paths)
                for artist in (mesh, lines):
                    artist.set_clip_path(clip, transform=ax.transData)
        from matplotlib.ticker import MaxNLocator

        fig.colorbar(mesh, ax=ax, label="energy E(x)", ticks=MaxNLocator(7))
        handles = [
            Line2D([], [], color="0.2", lw=1.0, label="edge: a rate reaches 0 or 1 (E = ∞ beyond)")
        ]
        fig.legend(handles=handles, loc="outside lower center", fontsize=8)
    for (ps, pt), name in (((0, 0), "quiescent"), ((1, 0), "x̄¹"), ((0, 1), "x̄²")):
        ax.plot(ps, pt, "o", color="r", ms=5)
        ax.annotate(name, (ps, pt), textcoords="offset points", xytext=(5, 5), color="r")
    ax.set_xlabel("s (towards x̄¹)")
    ax.set_ylabel("t (towards x̄²)")
    if title:
        ax.set_title(title, fontsize=10)
    return fig
