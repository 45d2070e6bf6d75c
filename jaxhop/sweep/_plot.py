"""Figures of sweep results: 1-D and 2-D slices of one output."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ._store import SweepResult

__all__ = ["plot_slice"]


def plot_slice(result: SweepResult, output: str, *, log: bool = False, **at: float | int) -> Figure:
    """Plot ``output`` over the one or two grid axes left after fixing ``at`` (nearest values).

    1-D: a line against the remaining axis. 2-D: a colour map, the first remaining axis
    horizontal and the second vertical; NaN cells are left blank (and counted in the title).
    ``log``: logarithmic colour (2-D) or y (1-D) scale, for outputs spanning decades.
    Returns the Figure.
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
    nan_count = int(np.count_nonzero(~np.isfinite(values))) if values.dtype.kind == "f" else 0
    title = output + (f" at {fixed}" if fixed else "")
    if nan_count:
        title += f" ({nan_count} NaN/inf values not drawn)"
    fig, ax = new_figure()
    if len(dims) == 1:
        x = result.coords[dims[0]] if dims[0] in result.coords else np.arange(values.size)
        ax.plot(x, values, marker="." if values.size <= 60 else None)
        ax.set_xlabel(dims[0])
        ax.set_ylabel(output)
        if log:
            ax.set_yscale("log")
    else:
        x, y = (result.coords[d] for d in dims)
        cells = np.ma.masked_invalid(values.T)  # rows: the second axis (vertical)
        norm = None
        if log:
            from matplotlib.colors import LogNorm

            positive = cells[cells > 0]
            if positive.size < cells.count():
                title += f" (values ≤ 0 blank: {cells.count() - positive.size} cells)"
            norm = LogNorm(vmin=max(float(positive.min()), 1e-300)) if positive.size else None
        mesh = ax.pcolormesh(x, y, cells, shading="nearest", norm=norm)
        fig.colorbar(mesh, ax=ax, label=output)
        ax.set_xlabel(dims[0])
        ax.set_ylabel(dims[1])
    ax.set_title(title, fontsize=9)
    return fig
