"""Figures of sweep results: 1-D and 2-D slices of one output."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ._store import SweepResult

__all__ = ["plot_slice"]


def _default_cap(result: SweepResult, values: np.ndarray) -> tuple[float, str] | None:
    """The cap of an integer output: a ``max_*`` integer parameter of the sweep's config that
    the output reaches (e.g. the saliency workload's retrievals, counted up to ``max_steps``)."""
    if values.dtype.kind not in "iu" or values.size == 0:
        return None
    params = (result.meta.get("config") or {}).get("params") or {}
    top = values.max()
    for name, value in sorted(params.items()):
        if name.startswith("max_") and isinstance(value, int) and not isinstance(value, bool):
            if top >= value:
                return float(value), name
    return None


def plot_slice(
    result: SweepResult,
    output: str,
    *,
    log: bool = False,
    cap: float | None = None,
    **at: float | int,
) -> Figure:
    """Plot ``output`` over the one or two grid axes left after fixing ``at`` (nearest values).

    1-D: a line against the remaining axis. 2-D: a colour map, the first remaining axis
    horizontal and the second vertical. ``log``: logarithmic colour (2-D) or y (1-D) scale,
    for outputs spanning decades. Returns the Figure.

    Values that are not data are not painted as data: NaN/inf cells are hatched grey, and
    cells at or above `cap` (a count that stopped at its limit) are black, each with a legend
    entry and its count (1-D: marked by symbols on the axis). `cap` defaults to the sweep's
    ``max_*`` integer parameter that an integer output reaches (the saliency workload's
    ``retrievals`` stop at ``max_steps``); ``cap=float("inf")`` turns it off.
    """
    from ..plot import new_figure

    values, dims = result.slice(output, **at)
    values = np.asarray(values)
    if values.ndim != len(dims):
        raise ValueError(f"output {output!r} is not a scalar per point: plot a scalar output")
    if len(dims) not in (1, 2):
        raise ValueError(
            f"a plot needs 1 or 2 free grid axes; {output!r} has {list(dims)}: fix the others "
            "with --at AXIS=VALUE"
        )
    fixed = ", ".join(
        f"{name} = {result.coords[name][np.argmin(np.abs(result.coords[name] - v))]:.4g}"
        for name, v in at.items()
    )
    from matplotlib.patches import Patch

    invalid = ~np.isfinite(values) if values.dtype.kind == "f" else np.zeros(values.shape, bool)
    cap_name = "cap"
    if cap is None:
        found = _default_cap(result, values)
        if found is not None:
            cap, cap_name = found[0], found[1]
    capped = np.zeros(values.shape, bool) if cap is None else ~invalid & (values >= cap)
    if cap is not None and cap_name == "cap":
        cap_name = f"cap {cap:g}"
    nan_count, cap_count = int(invalid.sum()), int(capped.sum())
    title = output + (f" at {fixed}" if fixed else "")
    handles = []
    if nan_count:
        handles.append(
            Patch(facecolor="0.85", hatch="xx", edgecolor="0.5", label=f"NaN/inf ({nan_count})")
        )
    if cap_count:
        label = f"capped: ≥ {cap:g} ({cap_name}; {cap_count})"
        handles.append(Patch(facecolor="k", label=label))
    fig, ax = new_figure(height=4.0 if handles else 3.6)
    if len(dims) == 1:
        x = result.coords[dims[0]] if dims[0] in result.coords else np.arange(values.size)
        data = np.where(invalid | capped, np.nan, values.astype(float))
        ax.plot(x, data, marker="." if values.size <= 60 else None)
        if cap_count:
            ax.plot(x[capped], np.full(cap_count, float(cap)), "^", color="k", ms=5)
            handles[-1] = ax.lines[-1]
            ax.lines[-1].set_label(f"capped: ≥ {cap:g} ({cap_name}; {cap_count})")
        if nan_count:
            bottom = np.nanmin(data) if np.isfinite(data).any() else 0.0
            (mark,) = ax.plot(x[invalid], np.full(nan_count, bottom), "x", color="0.4", ms=5)
            mark.set_label(f"NaN/inf (at the axis floor; {nan_count})")
            handles[0] = mark
        ax.set_xlabel(dims[0])
        ax.set_ylabel(output)
        if log:
            ax.set_yscale("log")
    else:
        x, y = (result.coords[d] for d in dims)
        # rows: the second axis (vertical); capped and invalid cells are drawn on their own
        cells = np.ma.masked_array(values.T.astype(float), mask=(invalid | capped).T)
        if nan_count:
            hatch = np.ma.masked_array(np.zeros(values.T.shape), mask=~invalid.T)
            ax.pcolor(x, y, hatch, cmap="Greys", vmin=0, vmax=4, hatch="xx", edgecolor="0.5", lw=0)
        if cap_count:
            black = np.ma.masked_array(np.ones(values.T.shape), mask=~capped.T)
            ax.pcolormesh(x, y, black, cmap="Greys", vmin=0, vmax=1, shading="nearest")
        norm = None
        if log:
            from matplotlib.colors import LogNorm

            kept = cells.compressed()
            positive = kept[kept > 0]
            if positive.size < kept.size:
                handles.append(
                    Patch(
                        facecolor="w",
                        edgecolor="0.5",
                        label=f"≤ 0, off the log scale ({kept.size - positive.size})",
                    )
                )
            norm = LogNorm(vmin=max(float(positive.min()), 1e-300)) if positive.size else None
        mesh = ax.pcolormesh(x, y, cells, shading="nearest", norm=norm)
        fig.colorbar(mesh, ax=ax, label=output)
        ax.set_xlabel(dims[0])
        ax.set_ylabel(dims[1])
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=8)
    ax.set_title(title, fontsize=9)
    return fig
