"""Figures of the saliency map: the (κ, Z₀) phase diagram and orbits."""

from __future__ import annotations

import matplotlib
import numpy as np
from jaxtyping import ArrayLike
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..plot import new_figure

__all__ = ["plot_phase_diagram", "plot_orbits", "plot_kappa_fit"]


def plot_phase_diagram(
    kappas: np.ndarray,
    z0s: np.ndarray,
    retrievals: np.ndarray,
    period: np.ndarray,
    sequence_time: np.ndarray,
    *,
    cap: int,
) -> Figure:
    """Three panels over the (κ, Z₀) plane: retrievals before collapse (log colour; the
    periodic regime, which never collapses, in black), the asymptotic period ``ln Z_+`` where
    the orbit is periodic, and the total sequence time ``Σ ln Z_t`` before a collapse; with the
    separatrix ``Z_−(κ)`` and the threshold κ = 4 drawn on each.

    ``retrievals``, ``period`` and ``sequence_time`` have shape ``(len(z0s), len(kappas))``.
    """
    fig, axes = new_figure(3, width=4.4, height=3.7)
    extent = (kappas[0], kappas[-1], z0s[0], z0s[-1])
    k_line = np.linspace(4.0, kappas[-1], 400)
    z_minus = (k_line - np.sqrt(k_line**2 - 4 * k_line)) / 2

    periodic = retrievals >= cap
    none = retrievals < 1
    # Categorical background: periodic (never collapses) black, no retrieval at all grey.
    background = np.zeros(retrievals.shape + (4,))
    background[periodic] = (0.0, 0.0, 0.0, 1.0)
    background[none] = (0.8, 0.8, 0.8, 1.0)
    for ax in axes:
        ax.imshow(background, origin="lower", extent=extent, aspect="auto", interpolation="nearest")
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad=(0, 0, 0, 0))

    counts = np.where(periodic | none, np.nan, retrievals).astype(float)
    image = axes[0].imshow(
        counts,
        origin="lower",
        extent=extent,
        aspect="auto",
        cmap=cmap,
        norm=LogNorm(vmin=1, vmax=max(2.0, np.nanmax(counts))),
        interpolation="nearest",
    )
    fig.colorbar(image, ax=axes[0], label="retrievals before collapse")
    axes[0].set_title("retrievals (black: periodic; grey: none)", fontsize=9)

    warm = matplotlib.colormaps["magma"].with_extremes(bad=(0, 0, 0, 0))
    image = axes[1].imshow(
        np.where(periodic, period, np.nan),
        origin="lower",
        extent=extent,
        aspect="auto",
        cmap=warm,
        interpolation="nearest",
    )
    fig.colorbar(image, ax=axes[1], label=r"period $T_\infty = \ln Z_+$")
    axes[1].set_title("asymptotic period (periodic regime; white: none)", fontsize=9)

    duration = np.where(periodic | none, np.nan, sequence_time)
    image = axes[2].imshow(
        duration,
        origin="lower",
        extent=extent,
        aspect="auto",
        cmap=cmap,
        norm=LogNorm(vmin=0.05, vmax=max(0.1, np.nanmax(duration))),
        interpolation="nearest",
    )
    fig.colorbar(image, ax=axes[2], label=r"time before collapse $\sum_t \ln Z_t$")
    axes[2].set_title("sequence duration before collapse", fontsize=9)

    for ax in axes:
        ax.plot(k_line, z_minus, color="deepskyblue", lw=1.6, label=r"separatrix $Z_-(\kappa)$")
        ax.axvline(4.0, color="red", lw=1.2, ls="--", label=r"$\kappa = 4$ (fixed points appear)")
        ax.set_xlabel(r"gain $\kappa$")
        ax.set_ylabel(r"initial saliency $Z_0$")
        ax.set_xlim(kappas[0], kappas[-1])
        ax.set_ylim(z0s[0], z0s[-1])
    from matplotlib.patches import Patch

    handles, _ = axes[0].get_legend_handles_labels()
    handles += [
        Patch(facecolor="k", label=f"periodic: no collapse ({cap} retrievals, the cap)"),
        Patch(facecolor=(0.8, 0.8, 0.8), label="no retrieval (Z₀ ≤ 1)"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=8)
    return fig


def plot_orbits(cases: list[dict]) -> Figure:
    """Orbits ``Z_t`` for a few (κ, Z₀), one panel each, with ``Z = 1`` (collapse) and the
    fixed points ``Z_±`` where they exist. Each case: ``kappa``, ``z0``, ``orbit``, ``title``."""
    fig, axes = new_figure(len(cases), width=3.8, height=3.2)
    for ax, case in zip(np.atleast_1d(axes), cases):
        orbit = np.asarray(case["orbit"], dtype=float)
        t = np.arange(orbit.size)
        alive = ~np.isnan(orbit)
        ax.plot(
            t[alive],
            orbit[alive],
            "o-",
            ms=3.5,
            lw=1.2,
            color="C0",
            label=r"orbit $Z_{t+1} = \kappa(1 - 1/Z_t)$",
        )
        collapsed = alive & (orbit <= 1)
        if collapsed.any():
            ax.plot(t[collapsed], orbit[collapsed], "x", color="red", ms=8, mew=2, label="collapse")
        ax.axhline(1.0, color="red", lw=0.9, ls=":", label="Z = 1")
        kappa = case["kappa"]
        if kappa >= 4:
            root = np.sqrt(kappa**2 - 4 * kappa)
            ax.axhline((kappa + root) / 2, color="C2", lw=0.9, ls="--", label=r"$Z_+$")
            ax.axhline((kappa - root) / 2, color="C1", lw=0.9, ls="--", label=r"$Z_-$")
        ax.set_title(case["title"], fontsize=9)
        ax.set_xlabel("memory index t")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(r"saliency $Z_t$")
        ax.legend(fontsize=7, loc="best")
    return fig


def plot_kappa_fit(
    losses: ArrayLike,
    targets: ArrayLike,
    closed_form: ArrayLike,
    fitted: ArrayLike,
    *,
    target: float,
    every: int | None = None,
) -> Figure:
    """A κ fit to an asymptotic period: the loss ``(ln Z_+(κ) − T)²`` of one fit against the
    optimizer step (left); the closed-form ``κ(T)`` against the batch of fitted gains (right),
    every `every`-th target drawn (default: about 40 of them), which the legend says."""
    from ..plot import fit_history

    targets, closed_form, fitted = (np.asarray(a, float) for a in (targets, closed_form, fitted))
    every = max(1, targets.size // 40) if every is None else max(1, int(every))
    fig, axes = new_figure(2)
    fit_history(
        losses,
        title=f"fit κ to period T = {target:g}",
        ax=axes[0],
        loss=r"$(\ln Z_+(\kappa) - T)^2$",
    )
    axes[1].plot(targets, closed_form, color="k", lw=2, label="closed form κ(T)")
    shown = slice(None, None, every)
    label = "fitted" if every == 1 else f"fitted (every {every}th of {targets.size} shown)"
    axes[1].plot(targets[shown], fitted[shown], "o", ms=4, label=label)
    axes[1].set_yscale("log")
    axes[1].set_xlabel(r"target period $T = \ln Z_+$ (slow time units)")
    axes[1].set_ylabel(r"gain $\kappa$")
    axes[1].set_title(f"{targets.size} targets fitted in one vmapped call", fontsize=9)
    axes[1].legend(fontsize=8)
    return fig
