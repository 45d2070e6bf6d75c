"""Figures of the IDP family (matplotlib; every function returns the Figure).

Time: the published experiment's in units of the neuron time constant (``dy = [−y + …] dt``);
the two-timescale run's in units of the saliency time constant (``α̇ = −α + …``, the fast
layer's being ε of it). Overlaps ``m_μ = ξ^μ·g(y)/N`` (``docs/idp.md``).
"""

from __future__ import annotations

import numpy as np
from jaxtyping import ArrayLike
from matplotlib.figure import Figure

from ..plot import new_figure
from ._dynamics import ExperimentResult
from ._events import SequenceEvents

__all__ = ["plot_experiment", "plot_sequence"]


def _memory_colors(p):
    import matplotlib

    cmap = matplotlib.colormaps["tab10" if p <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(p)]


def _target_bands(ax, ts, targets, colors):
    start = 0
    for i in range(1, len(ts) + 1):
        if i == len(ts) or targets[i] != targets[start]:
            ax.axvspan(ts[start], ts[min(i, len(ts) - 1)], color=colors[targets[start]], alpha=0.12)
            start = i


def plot_experiment(
    result: ExperimentResult, *, trial: int = 0, title: str = "glitch schedule"
) -> Figure:
    """Published IDP experiment: ``|m_μ(t)|`` of one trial for IDP (top) and the additive
    comparator (middle), the targeted memory as background bands; bottom: fraction of trials
    whose dominant memory is the target, for both models."""
    ts = np.asarray(result.ts)
    targets = np.asarray(result.targets)
    idp = np.abs(np.asarray(result.idp_overlaps))
    additive = np.abs(np.asarray(result.additive_overlaps))
    p = idp.shape[-1]
    colors = _memory_colors(p)
    fig, axes = new_figure(1, 3, width=7.5, height=2.3, sharex=True)
    for ax, data, name in ((axes[0], idp, "IDP"), (axes[1], additive, "additive input")):
        _target_bands(ax, ts, targets, colors)
        for mu in range(p):
            ax.plot(ts, data[trial, :, mu], color=colors[mu], lw=1.1, label=f"ξ{mu + 1}")
        ax.set_ylabel("overlap |m_μ(t)|")
        ax.set_ylim(-0.02, max(1.3, 1.02 * float(np.max(data[trial])) + 0.25))
        ax.set_title(f"{name} — {title} (trial {trial}; band: targeted memory)", fontsize=9)
    axes[0].legend(ncol=min(p, 10), fontsize=6, loc="upper center", frameon=False)
    for data, name, style in ((idp, "IDP", "-"), (additive, "additive", "--")):
        follows = (data.argmax(-1) == targets[None]) & (data.max(-1) > 0.5)
        axes[2].plot(ts, follows.mean(0), style, color="k", lw=1.2, label=name)
    axes[2].set_ylabel("fraction of trials\non target")
    axes[2].set_title(
        f"on target: the largest |m_μ| is the targeted memory's and exceeds 0.5 "
        f"({data.shape[0]} trials)",
        fontsize=8,
    )
    axes[2].set_xlabel("time t (units of the neuron time constant)")
    axes[2].set_ylim(-0.02, 1.05)
    axes[2].legend(fontsize=8, loc="lower right")
    return fig


def plot_sequence(
    ts: ArrayLike,
    overlaps: ArrayLike,
    saliencies: ArrayLike,
    events: SequenceEvents,
    map_saliencies: ArrayLike,
    *,
    title: str = "",
) -> Figure:
    """Two-timescale run: ``|m_μ(t)|`` (top) and ``α_μ(t)`` (bottom), with the entry times the
    saliency map predicts (dashed, ``Σ ln Z_k``) and the map's entry saliencies ``Z_k`` (×)."""
    ts = np.asarray(ts)
    overlaps = np.abs(np.asarray(overlaps))
    saliencies = np.asarray(saliencies)
    map_z = np.asarray(map_saliencies, dtype=np.float64)
    map_z = map_z[np.isfinite(map_z) & (map_z > 1)]
    map_entries = np.concatenate([[0.0], np.cumsum(np.log(map_z))])[: len(map_z)]
    p = overlaps.shape[-1]
    colors = _memory_colors(p)
    fig, axes = new_figure(1, 2, width=7.5, height=2.6, sharex=True)
    for mu in range(p):
        axes[0].plot(ts, overlaps[:, mu], color=colors[mu], lw=1.2, label=f"ξ{mu + 1}")
        axes[1].plot(ts, saliencies[:, mu], color=colors[mu], lw=1.0)
    memories = np.asarray(events.memories)
    crossed = False
    for k, t in enumerate(map_entries):
        if t > ts[-1]:
            break
        label = "map: entry times Σ ln Z" if k == 0 else None
        for ax in axes:
            ax.axvline(t, color="0.3", ls="--", lw=0.8, label=label if ax is axes[0] else None)
        mu = memories[k] if k < len(memories) and memories[k] >= 0 else k % p
        axes[1].plot(
            [t],
            [map_z[k]],
            "x",
            color=colors[mu],
            ms=7,
            mew=2,
        )
        crossed = True
    axes[0].set_ylabel("overlap |m_μ(t)|")
    axes[0].set_ylim(-0.02, max(1.38, 1.02 * float(np.max(overlaps)) + 0.36))
    axes[0].legend(ncol=min(p + 1, 9), fontsize=7, loc="upper center", frameon=False)
    axes[0].set_title(title, fontsize=9)
    one = axes[1].axhline(1.0, color="k", lw=0.6, label="α = 1: the retrieved memory destabilises")
    axes[1].set_ylabel("saliency α_μ(t)")
    axes[1].set_xlabel("time t (units of the saliency time constant)")
    top = max(float(np.max(saliencies)), float(np.max(map_z, initial=1.0)))
    axes[1].set_ylim(top=1.32 * top)
    from matplotlib.lines import Line2D

    handles = [one]
    if crossed:
        cross = Line2D([], [], ls="none", marker="x", color="k", ms=7, mew=2)
        cross.set_label("map: entry saliency Z_k")
        handles.insert(0, cross)
    axes[1].legend(handles=handles, fontsize=7, loc="upper center", ncol=2, frameon=False)
    return fig
