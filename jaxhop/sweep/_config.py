"""Declarative sweep configs (TOML), read with the standard library's ``tomllib`` (3.11+).

::

    workload = "saliency"          # a name registered in jaxhop._workloads
    seed = 0                       # PRNG key: jax.random.key(seed)
    out = "sweep-out/saliency"     # optional; relative to the working directory
    chunk_size = 65536             # optional; default: the largest chunk that fits memory
    memory_budget = "1 GiB"        # optional, per device
    batch_size = 8192              # optional; default: the workload's

    [params]                       # fixed parameters (the rest keep the workload's defaults)
    max_steps = 200

    [grid]                         # cartesian product; or [points] with equal-length lists
    kappa = { start = 1.0, stop = 10.0, num = 300 }     # linspace (scale = "log": geomspace)
    z0 = [1.0, 2.0, 3.0]                                 # or explicit values
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ._grid import Grid, linspace_axis, points, product

__all__ = ["SweepConfig", "load_config"]

_KEYS = {"workload", "seed", "out", "chunk_size", "memory_budget", "batch_size", "params"}


@dataclass(frozen=True)
class SweepConfig:
    """A parsed sweep config (see the module docstring)."""

    workload: str
    grid: Grid
    params: dict = field(default_factory=dict)
    seed: int = 0
    out: str | None = None
    chunk_size: int | None = None
    memory_budget: str | int | None = None
    batch_size: int | None = None


def _int_or_none(data: dict, name: str, minimum: int) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return value


def load_config(path: str | Path) -> SweepConfig:
    """Parse a TOML sweep config; ``ValueError`` naming the offending key on bad input."""
    import tomllib  # standard library from Python 3.11 (the project's minimum)

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"CONFIG: no such file {str(path)!r}")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"CONFIG: {path.name} is not valid TOML ({error})") from None
    has_grid, has_points = "grid" in data, "points" in data
    unknown = sorted(set(data) - _KEYS - {"grid", "points"})
    if unknown:
        raise ValueError(f"CONFIG: unknown key(s) {unknown}; allowed: {sorted(_KEYS)}")
    if not isinstance(data.get("workload"), str):
        raise ValueError("CONFIG: 'workload' (a registered workload name) is required")
    if has_grid == has_points:
        raise ValueError("CONFIG: give exactly one of [grid] (a product) or [points] (a list)")
    table = data["grid" if has_grid else "points"]
    if not isinstance(table, dict) or not table:
        raise ValueError("CONFIG: [grid] / [points] must name at least one parameter")
    axes = {name: linspace_axis(name, spec) for name, spec in table.items()}
    grid = product(**axes) if has_grid else points(**axes)
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise ValueError("CONFIG: [params] must be a table of fixed parameters")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    out = data.get("out")
    if out is not None and not isinstance(out, str):
        raise ValueError(f"out must be a path string, got {out!r}")
    return SweepConfig(
        workload=data["workload"],
        grid=grid,
        params=params,
        seed=seed,
        out=out,
        chunk_size=_int_or_none(data, "chunk_size", 1),
        memory_budget=data.get("memory_budget"),
        batch_size=_int_or_none(data, "batch_size", 1),
    )
