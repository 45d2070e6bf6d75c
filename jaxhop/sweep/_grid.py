"""Grids of parameter points with named axes.

A :class:`Grid` is either a cartesian *product* of 1-D axes (results have one array axis per
grid axis, in the order given, last axis fastest) or an explicit list of *points* (equal-length
columns; results have one axis, ``"point"``). Points are numbered ``0 … size − 1`` in C order;
that number — not the chunk a point falls in — is what a sweep folds into its PRNG key, so
results do not depend on chunking or on the device count.

The grid is never expanded as a whole: :meth:`Grid.values` builds the parameters of one range
of points at a time, so a 10⁸-point product costs nothing until it is run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from jaxtyping import ArrayLike

__all__ = ["Grid", "product", "points", "as_grid", "linspace_axis"]

_MAX_POINTS = 2**31 - 1  # point indices are int32 on the device


def _axis_values(name: str, values) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim == 0:
        array = array[None]
    if array.ndim != 1:
        raise ValueError(f"grid axis {name!r} must be 1-D, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"grid axis {name!r} is empty")
    if array.dtype.kind == "f":
        array = array.astype(np.float64)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"grid axis {name!r} holds NaN or inf")
    elif array.dtype.kind in "iu":
        if array.min() < -(2**31) or array.max() >= 2**31:
            raise ValueError(f"grid axis {name!r}: integers must fit in int32")
        array = array.astype(np.int64)
    elif array.dtype.kind != "b":
        raise ValueError(
            f"grid axis {name!r} must hold numbers or booleans, got dtype {array.dtype}"
        )
    return array


def _check_name(name: str) -> None:
    if not (isinstance(name, str) and name.isidentifier() and not name.startswith("_")):
        raise ValueError(f"grid axis name {name!r} must be an identifier not starting with '_'")


class Grid:
    """Parameter points with named axes; build with :func:`product` or :func:`points`.

    **Attributes:** ``kind`` (``"product"`` or ``"points"``), ``axes`` (name → 1-D NumPy
    array: the axis values, or the columns of the point list), ``shape`` (the results' grid
    shape), ``dims`` (names of the results' grid axes), ``size`` (number of points).
    """

    def __init__(self, axes: Mapping[str, Any], kind: str):
        if kind not in ("product", "points"):
            raise ValueError(f"kind must be 'product' or 'points', got {kind!r}")
        if not axes:
            raise ValueError("a grid needs at least one axis")
        for name in axes:
            _check_name(name)
        self.kind = kind
        self.axes = {name: _axis_values(name, values) for name, values in axes.items()}
        if kind == "product":
            self.shape = tuple(len(v) for v in self.axes.values())
            self.dims = tuple(self.axes)
        else:
            lengths = {len(v) for v in self.axes.values()}
            if len(lengths) != 1:
                sizes = {name: len(v) for name, v in self.axes.items()}
                raise ValueError(f"points: every column must have the same length, got {sizes}")
            self.shape = (lengths.pop(),)
            self.dims = ("point",)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        if self.size > _MAX_POINTS:
            raise ValueError(f"a grid may hold at most 2**31 - 1 points, got {self.size}")

    @property
    def names(self) -> tuple[str, ...]:
        """The parameter names every point carries."""
        return tuple(self.axes)

    def values(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """Parameters of points ``start … stop − 1``: name → array of length ``stop − start``."""
        if not 0 <= start <= stop <= self.size:
            raise ValueError(f"point range [{start}, {stop}) outside [0, {self.size})")
        index = np.arange(start, stop, dtype=np.int64)
        if self.kind == "points":
            return {name: column[index] for name, column in self.axes.items()}
        coords = np.unravel_index(index, self.shape)
        return {name: values[i] for (name, values), i in zip(self.axes.items(), coords)}

    def fingerprint(self) -> str:
        """SHA-256 of the kind, names, dtypes and values: equal iff the grids are equal."""
        digest = hashlib.sha256(self.kind.encode())
        for name, values in self.axes.items():
            digest.update(f"|{name}:{values.dtype.str}:{values.size}|".encode())
            digest.update(np.ascontiguousarray(values).tobytes())
        return digest.hexdigest()

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={len(v)}" for name, v in self.axes.items())
        return f"Grid({self.kind}: {inner}; {self.size} points)"


def product(**axes: ArrayLike | Sequence[Any]) -> Grid:
    """Cartesian product of named 1-D axes, e.g. ``product(kappa=ks, z0=zs)``.

    Results have shape ``(len(ks), len(zs), …)``; the last axis varies fastest.
    """
    return Grid(axes, "product")


def points(**columns: ArrayLike | Sequence[Any]) -> Grid:
    """An explicit list of points given as equal-length named columns.

    ``points(kappa=[4.5, 5.0], z0=[1.45, 3.0])`` is two points; results have one axis,
    ``"point"``.
    """
    return Grid(columns, "points")


def as_grid(grid: object) -> Grid:
    """A :class:`Grid` as is; a mapping of name → values is read as a :func:`product`."""
    if isinstance(grid, Grid):
        return grid
    if isinstance(grid, Mapping):
        return product(**grid)
    raise ValueError(
        f"grid must be a Grid (sweep.product / sweep.points) or a mapping name → values, "
        f"got {type(grid).__name__}"
    )


def linspace_axis(name: str, spec: object) -> np.ndarray:
    """Axis values from a config entry: a list of numbers, or a table with ``start``, ``stop``,
    ``num`` and optional ``scale = "linear" | "log"`` (log: geometric spacing)."""
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"start", "stop", "num", "scale"}
        missing = {"start", "stop", "num"} - set(spec)
        if unknown or missing:
            raise ValueError(
                f"grid axis {name!r}: a range needs start, stop, num (and optional scale); "
                f"missing {sorted(missing)}, unknown {sorted(unknown)}"
            )
        num, scale = spec["num"], spec.get("scale", "linear")
        if isinstance(num, bool) or not isinstance(num, int) or num < 1:
            raise ValueError(f"grid axis {name!r}: num must be an integer >= 1, got {num!r}")
        if scale == "linear":
            return np.linspace(float(spec["start"]), float(spec["stop"]), num)
        if scale == "log":
            if not (spec["start"] > 0 and spec["stop"] > 0):
                raise ValueError(f"grid axis {name!r}: a log scale needs start, stop > 0")
            return np.geomspace(float(spec["start"]), float(spec["stop"]), num)
        raise ValueError(f"grid axis {name!r}: scale must be 'linear' or 'log', got {scale!r}")
    if isinstance(spec, (list, tuple)) or np.ndim(spec) >= 0:
        return _axis_values(name, spec)
    raise ValueError(f"grid axis {name!r}: expected a list or a {{start, stop, num}} table")
