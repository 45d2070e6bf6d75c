"""Sweeps at scale: grids → vmapped, chunked, sharded, resumable runs with progress.

``jh.sweep.sweep(fn, grid, *, chunk_size, out, resume)`` evaluates a one-point function over a
grid of parameters; ``jh.sweep.load(out)`` reads the results back as NumPy arrays with named
axes. This package knows nothing about model families: each family defines its named
:class:`Workload` s (``jaxhop/<family>/_workload.py``), and the composition root
:mod:`jaxhop._workloads` lists them in the :class:`WorkloadRegistry` that
``jaxhop sweep CONFIG.toml`` runs from.

Example::

    import jax, jax.numpy as jnp, numpy as np
    import jaxhop as jh

    def point(params, key):            # ONE grid point; key = fold_in(key, point index)
        return {"retrievals": jh.saliency.retrievals(params["kappa"], params["z0"], 200)}

    grid = jh.sweep.product(kappa=np.linspace(1, 10, 1000), z0=np.linspace(0.25, 8, 1000))
    result = jh.sweep.sweep(point, grid, chunk_size=2**18, out="runs/phase")  # resumable
    result["retrievals"].shape         # (1000, 1000), dims ("kappa", "z0")
    jh.sweep.load("runs/phase")        # the same, read back from disk

Several machines (a job array, preemptible nodes): run independent workers into one directory
on a shared file system, then check what is missing (docs/cluster.md)::

    jaxhop sweep phase.toml --worker $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT
    jaxhop sweep phase.toml --status

or one run of cooperating ``jax.distributed`` processes (``srun jaxhop sweep phase.toml
--distributed``, or ``--coordinator HOST:PORT --num-processes N --process-id I``; in Python,
:func:`initialize` before any JAX computation, then the same ``sweep(...)`` call in every
process): each process writes the chunks its own devices computed.

Results as labelled arrays: ``jh.sweep.load(out).to_xarray()`` (the ``xarray`` extra), or
``jaxhop sweep-export DIR --to out.zarr|out.nc``.
"""

from typing import TYPE_CHECKING

from .._lazy import attach as _attach

if TYPE_CHECKING:  # the public names, imported on first use (jaxhop._lazy reads this list)
    from ._distributed import SweepPeerError as SweepPeerError, initialize as initialize
    from ._grid import Grid as Grid, as_grid as as_grid, points as points, product as product
    from ._run import (
        default_memory_budget as default_memory_budget,
        parse_bytes as parse_bytes,
        sweep as sweep,
        worker_share as worker_share,
    )
    from ._store import (
        SweepBusyError as SweepBusyError,
        SweepResult as SweepResult,
        SweepStatus as SweepStatus,
        load as load,
        status as status,
    )
    from ._workload import Workload as Workload, WorkloadRegistry as WorkloadRegistry

__getattr__, __dir__, __all__ = _attach(__name__)
