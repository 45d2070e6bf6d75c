"""Sweeps at scale: grids → vmapped, chunked, sharded, resumable runs with progress.

``jh.sweep.sweep(fn, grid, *, chunk_size, out, resume)`` evaluates a one-point function over a
grid of parameters; ``jh.sweep.load(out)`` reads the results back as NumPy arrays with named
axes. This package knows nothing about model families: the named workloads that
``jaxhop sweep CONFIG.toml`` runs are registered in :mod:`jaxhop._workloads`.
"""

from ._grid import Grid as Grid, as_grid as as_grid, points as points, product as product
from ._run import (
    default_memory_budget as default_memory_budget,
    parse_bytes as parse_bytes,
    sweep as sweep,
)
from ._store import SweepResult as SweepResult, load as load
