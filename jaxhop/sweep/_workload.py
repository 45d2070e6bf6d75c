"""Named workloads: one-point functions that ``jaxhop sweep CONFIG.toml`` can run by name.

A workload is a function of ONE grid point, ``point(params, key) -> dict of arrays``, with the
defaults of every parameter it reads. In a config, any non-static parameter may be a grid axis
(it then arrives as a traced scalar); the others are fixed at their config or default value
(Python scalars). Static parameters (loop lengths, sizes) can only be fixed.

A :class:`WorkloadRegistry` is built from a list of *module names*; each such module defines
``WORKLOADS``, a tuple of :class:`Workload`. The modules are imported only when a workload is
first looked up, so a CLI that merely lists its commands imports nothing heavy. This module
knows no model family: the list of modules is given by whoever builds the registry (in jaxhop,
the composition root :mod:`jaxhop._workloads`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Workload", "WorkloadRegistry", "bind"]


@dataclass(frozen=True)
class Workload:
    """A named one-point function for declarative sweeps.

    - `point`: ``(params: dict, key) -> dict of arrays``.
    - `defaults`: every parameter the point function reads, with its default value.
    - `static`: parameters that fix shapes or loop lengths: never grid axes.
    - `batch_size`: the tile width: points are evaluated ``vmap``-ed in tiles of this many,
      ``lax.map`` over the tiles (``None``: the runner's default, 32); long per-point loops run
      faster when a tile's state stays in cache. Part of the sweep's fingerprint.
    - `outputs`: output name → one-line meaning (documentation, shown by ``--list``).
    """

    name: str
    description: str
    point: Callable[[dict, object], dict]
    defaults: Mapping[str, float | int | bool]
    static: frozenset[str] = frozenset()
    batch_size: int | None = None
    outputs: Mapping[str, str] = field(default_factory=dict)


class WorkloadRegistry:
    """Workloads by name, gathered lazily from the modules named at construction.

    ``register`` adds one more (e.g. a user's own workload) at run time.
    """

    def __init__(self, modules: Iterable[str]):
        self._modules = tuple(modules)
        self._loaded = False
        self._workloads: dict[str, Workload] = {}

    def _load(self) -> dict[str, Workload]:
        if not self._loaded:
            self._loaded = True
            for module_name in self._modules:
                for workload in importlib.import_module(module_name).WORKLOADS:
                    self.register(workload)
        return self._workloads

    def register(self, workload: Workload) -> Workload:
        """Add a workload (a name may be registered once)."""
        if not isinstance(workload, Workload):
            raise TypeError(f"expected a Workload, got {type(workload).__name__}")
        if workload.name in self._workloads:
            raise ValueError(f"workload {workload.name!r} is already registered")
        self._workloads[workload.name] = workload
        return workload

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._load()))

    def get(self, name: str) -> Workload:
        workloads = self._load()
        if name not in workloads:
            raise ValueError(f"workload must be one of {list(self.names())}, got {name!r}")
        return workloads[name]

    def bind(self, name: str, fixed: Mapping, axes: tuple[str, ...]) -> tuple[Callable, dict]:
        """:func:`bind` applied to the workload called ``name``."""
        return bind(self.get(name), fixed, axes)


def bind(workload: Workload, fixed: Mapping, axes: tuple[str, ...]) -> tuple[Callable, dict]:
    """The sweep function of `workload` with ``fixed`` parameters and grid ``axes``.

    Returns ``(fn, config)``: ``fn(grid_params, key)`` for :func:`jaxhop.sweep.sweep`, and the
    JSON-able ``config`` (workload name and every fixed parameter) that identifies the sweep.
    """
    name = workload.name
    known = set(workload.defaults)
    for label, given in (("params", set(fixed)), ("grid", set(axes))):
        unknown = sorted(given - known)
        if unknown:
            raise ValueError(
                f"{label}: workload {name!r} has no parameter(s) {unknown}; "
                f"its parameters are {sorted(known)}"
            )
    both = sorted(set(fixed) & set(axes))
    if both:
        raise ValueError(f"params: {both} given both as fixed parameters and as grid axes")
    static_axes = sorted(set(axes) & workload.static)
    if static_axes:
        raise ValueError(
            f"grid: {static_axes} of workload {name!r} fix shapes or loop lengths and "
            "cannot be swept; give them under [params]"
        )
    constants = {k: v for k, v in workload.defaults.items() if k not in axes}
    for k, v in fixed.items():
        default = workload.defaults[k]
        if isinstance(default, int) and not isinstance(default, bool):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"params: {k} must be an integer, got {v!r}")
        constants[k] = v

    fixed_values = tuple(sorted(constants.items()))
    return BoundWorkload(workload, fixed_values), {"workload": name, "params": dict(fixed_values)}


class BoundWorkload:
    """``fn(grid_params, key)``: a workload's point function with its fixed parameters.

    Equal (and of equal hash) for the same workload and the same fixed values, so that binding
    the same sweep twice — a re-run, a resume, a benchmark's repeats — finds the chunk function
    the runner compiled the first time instead of tracing and compiling it again.
    """

    __slots__ = ("workload", "constants", "__qualname__")

    def __init__(self, workload: Workload, constants: tuple[tuple[str, object], ...]):
        self.workload, self.constants = workload, constants
        self.__qualname__ = f"workload:{workload.name}"

    def __call__(self, grid_params, key):
        return self.workload.point({**dict(self.constants), **grid_params}, key)

    def _identity(self):
        # the Workload object itself (not its name): two registries may hold different
        # workloads of one name; float constants compare by value and type (1 != 1.0 here)
        return (id(self.workload), tuple((k, type(v), v) for k, v in self.constants))

    def __eq__(self, other):
        return isinstance(other, BoundWorkload) and self._identity() == other._identity()

    def __hash__(self):
        return hash(self._identity())

    def __repr__(self):
        return f"BoundWorkload({self.workload.name!r}, {dict(self.constants)!r})"
