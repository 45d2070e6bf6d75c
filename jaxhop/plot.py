"""Matplotlib figures.

Shared helpers (:func:`new_figure`, :func:`save`, :func:`fit_history`) live here; each model
family keeps its own figures in ``jaxhop/<family>/_plot.py``. Every function returns the
``Figure`` and never calls ``plt.show``, so it works headless (Agg) and in notebooks alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)  # headless by default; notebooks may switch back

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from jaxtyping import ArrayLike  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

__all__ = [
    "new_figure",
    "save",
    "fit_history",
]


def new_figure(
    ncols: int = 1, nrows: int = 1, *, width: float = 4.6, height: float = 3.6, **kw: Any
) -> tuple[Figure, Any]:
    """A figure with a grid of axes (an ``Axes`` or an array of them, as ``plt.subplots``
    returns), in the house size and layout."""
    return plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows), layout="constrained", **kw
    )


def save(fig: Figure, path: str | Path, *, dpi: int = 130) -> Path:
    """Write ``fig`` to ``path`` (PNG) and close it; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path


def fit_history(
    losses: ArrayLike, *, title: str, ax: Axes | None = None, loss: str | None = None
) -> Figure:
    """Loss against optimizer step on a log scale (step 0: the initial guess). `loss`: the
    objective's formula for the axis label (default: the squared error of the fitted
    quantity, which is what jaxhop's fits minimise: ``(ln Z_+(κ) − T)²`` for a period,
    ``mean_k (T_k(κ) − T_k*)²`` for dwell times)."""
    if ax is None:
        fig, ax = new_figure()
    else:
        fig = ax.figure
    losses = np.asarray(losses, dtype=float)
    losses = losses[~np.isnan(losses)]
    ax.semilogy(np.arange(losses.size), np.maximum(losses, 1e-30), "o-", ms=3)
    ax.set_xlabel("optimizer step (0: initial guess)")
    ax.set_ylabel(f"loss {loss}" if loss else "loss: squared error of the fit")
    ax.set_title(title, fontsize=9)
    return fig
