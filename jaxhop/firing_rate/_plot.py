"""Figures of the firing-rate family (matplotlib; every function returns the Figure)."""

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
    from matplotlib.patches import Patch

    diagrams = list(diagrams)
    ncols = min(len(diagrams), 2)
    nrows = -(-len(diagrams) // ncols)
    fig, axes = new_figure(ncols, nrows, width=4.2, height=3.4, squeeze=False)
    cmap = ListedColormap([c for _, c in _REGIONS])
    norm = BoundaryNorm(np.arange(len(_REGIONS) + 1) - 0.5, cmap.N)
    for ax, d in zip(axes.ravel(), diagrams):
        rho, x_star = np.asarray(d.rho), np.asarray(d.x_star)
        ax.pcolormesh(rho, x_star, _regions(d), cmap=cmap, norm=norm, shading="nearest")
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
    handles = [Patch(color=c, label=lab) for lab, c in _REGIONS[:4]]
    # one legend column under a single panel, or it is wider than the figure
    fig.legend(handles=handles, loc="outside lower center", ncols=ncols, fontsize=8, frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _band(ax, ts, values, color, label):
    mean = values.mean(0)
    lo, hi = np.percentile(values, [10, 90], axis=0)
    ax.plot(ts, mean, color=color, label=label)
    ax.fill_between(ts, lo, hi, color=color, alpha=0.2, linewidth=0)


def plot_retrieval(result: RetrievalResult, *, title: str | None = None) -> Figure:
    """Overlaps ``m^ν(t)`` of a retrieval run: the cued memory, the other stored memories and
    the non-stored cues' overlap with their own pattern (mean, 10–90 % band)."""
    ts = np.asarray(result.ts)
    fig, ax = new_figure(1, 1, width=5.6, height=3.4)
    _band(ax, ts, np.asarray(result.cued), "C0", "cued memory")
    _band(ax, ts, np.asarray(result.others), "C1", "other stored memories")
    _band(ax, ts, np.asarray(result.non_stored), "C3", "non-stored cue (its own pattern)")
    ax.axhline(result.coding_level, color="0.5", lw=0.8, ls=":", label="q")
    ax.set_xlabel("time t")
    ax.set_ylabel("overlap m(t) = x·ξ/(Nq)")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize=8, loc="center right")
    if title:
        ax.set_title(title, fontsize=10)
    return fig


def plot_energy_landscape(
    s: ArrayLike, t: ArrayLike, energy: ArrayLike, *, title: str | None = None
) -> Figure:
    """The energy on the plane ``x = x_q + s(x̄¹ − x_q) + t(x̄² − x_q)`` through the
    quiescent state and two rescaled memories (white where a rate leaves [0, 1))."""
    s, t, energy = np.asarray(s), np.asarray(t), np.asarray(energy)
    fig, ax = new_figure(1, 1, width=4.8, height=3.8)
    finite = np.where(np.isfinite(energy), energy, np.nan)
    mesh = ax.pcolormesh(s, t, finite.T, shading="nearest", cmap="viridis")
    ax.contour(s, t, finite.T, levels=20, colors="w", linewidths=0.4)
    fig.colorbar(mesh, ax=ax, label="E(x)")
    for (ps, pt), name in (((0, 0), "quiescent"), ((1, 0), "x̄¹"), ((0, 1), "x̄²")):
        ax.plot(ps, pt, "o", color="r", ms=5)
        ax.annotate(name, (ps, pt), textcoords="offset points", xytext=(5, 5), color="r")
    ax.set_xlabel("s (towards x̄¹)")
    ax.set_ylabel("t (towards x̄²)")
    if title:
        ax.set_title(title, fontsize=10)
    return fig
