"""The sweep runner: a grid → vmapped, chunked, sharded, resumable evaluation of one function.

Design (ours):

- **One compile.** Every chunk has the same padded shape (``chunk_size`` points; the last,
  shorter chunk is padded by repeating the grid's last point, whose results are dropped), and the
  chunk function is lowered and compiled ahead of time once — a chunk can never trigger a retrace.
- **Sharding.** The chunk's point axis is laid out over a 1-D :class:`jax.sharding.Mesh` of all
  devices with ``NamedSharding(mesh, P("points"))`` and evaluated with ``jax.shard_map``: each
  device runs ``lax.map`` over fixed-width tiles of its own block, with no communication. The
  same code runs on one CPU, several GPUs, or several hosts.
- **Determinism, bit for bit.** Point ``i`` of the grid (C order) gets the key
  ``fold_in(key, i)``, and it is always evaluated inside the same *tile*: the ``tile`` points
  ``[t·tile, (t+1)·tile)`` with ``t = i // tile``, one ``vmap`` of fixed width. XLA picks its
  kernels (GEMM blocking, reduction order) by the shapes it sees, and under ``vmap`` the batch
  width is one of them: with a batch as wide as the chunk, a point's rounding depended on the
  chunk size and device count. With a fixed tile width and tiles aligned to the grid, every
  point sees the same shapes and the same neighbours whatever the chunk size, device count,
  resume or worker split (chunks are multiples of ``tile × devices`` and start on a tile
  boundary; a range that does not is computed from its tile's start and trimmed).
- **Streaming.** While chunk ``k + 1`` runs (dispatch is asynchronous), chunk ``k`` is copied
  to the host and written atomically (see ``_store``). A resumed sweep runs only the missing
  point ranges.

Several machines (docs/cluster.md): independent workers (``worker=(i, n)``, CLI
``--worker I/N``) into one directory on a shared file system, or one run of cooperating
processes under ``jax.distributed`` (:func:`jaxhop.sweep.initialize`, CLI ``--coordinator``):
the mesh then spans every process's devices and each process writes the chunk files of its
own devices (``_distributed``). In-memory sweeps (``out=None``) under several processes
gather every chunk to every process.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .._memory import parse_bytes
from .._progress import progress
from ._distributed import Processes, local_pieces
from ._grid import Grid, as_grid
from ._store import (
    FORMAT,
    ChunkWriter,
    Store,
    SweepBusyError,  # noqa: F401 (documented here)
    SweepResult,
    SweepStatus,
    assemble,
    count_nonfinite,
    missing_ranges,
)

__all__ = ["sweep", "parse_bytes", "default_memory_budget", "worker_share"]

_AXIS = "points"
_DEFAULT_MAX_CHUNK = 2**20
_CACHE_SIZE = 8
_COMPILED: OrderedDict = OrderedDict()  # see _Chunker.compile


def default_memory_budget(device: jax.Device) -> int:
    """Per-device budget: half the accelerator's memory, or a quarter of host RAM shared by the
    local CPU devices."""
    stats = device.memory_stats() if hasattr(device, "memory_stats") else None
    if stats and stats.get("bytes_limit"):
        return int(stats["bytes_limit"]) // 2
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return ram // 4 // max(1, jax.local_device_count())


def _function_name(fn) -> str:
    inner = getattr(fn, "__wrapped__", fn)
    module = getattr(inner, "__module__", None) or type(inner).__module__
    name = getattr(inner, "__qualname__", None) or type(inner).__qualname__
    return f"{module}.{name}"


def _as_outputs(value) -> dict:
    if isinstance(value, Mapping):
        for name in value:
            if not (isinstance(name, str) and name.isidentifier()):
                raise ValueError(f"fn must return a dict keyed by identifiers, got key {name!r}")
        return dict(value)
    if isinstance(value, (jax.Array, np.ndarray)) or jnp.isscalar(value):
        return {"value": value}
    raise ValueError(f"fn must return an array or a dict of arrays, got {type(value).__name__}")


def _device_dtype(values: np.ndarray):
    if values.dtype.kind == "f":
        return jnp.result_type(float)  # float32, or float64 with jax_enable_x64
    if values.dtype.kind in "iu":
        return jnp.int32
    return jnp.bool_


def _round_up(n: int, multiple: int) -> int:
    return -(-n // multiple) * multiple


_DEFAULT_TILE = 32


def worker_share(size: int, worker: tuple[int, int], tile: int) -> tuple[int, int]:
    """The points ``[start, stop)`` that worker ``i`` of ``n`` owns: the ``i``-th of ``n``
    contiguous, tile-aligned, near-equal parts of the grid (depends on ``size``, ``n`` and
    ``tile`` only, so every worker and every restart agrees)."""
    i, n = worker
    tiles = -(-size // tile)

    def edge(k):
        return min(size, (k * tiles // n) * tile)

    return edge(i), edge(i + 1)


def _check_worker(worker) -> tuple[int, int] | None:
    if worker is None:
        return None
    ok = isinstance(worker, tuple) and len(worker) == 2
    ok = ok and all(isinstance(v, int) and not isinstance(v, bool) for v in worker)
    if not ok or not (worker[1] >= 1 and 0 <= worker[0] < worker[1]):
        raise ValueError(f"worker must be (i, n) with integers 0 <= i < n, got {worker!r}")
    return worker


class _Chunker:
    """Lowers and compiles the chunk function once; feeds and runs chunks.

    Only the chunk's first point index crosses from the host per chunk. Each device computes
    its points' indices (``start + device · block + arange(block)``) and, for a product grid,
    their parameters from the (small, replicated) axis arrays by integer division; a point
    list's columns are sharded over the devices per chunk. Indices past the end of the grid
    (padding) reuse the last point's parameters; their results are dropped.
    """

    def __init__(self, fn, grid: Grid, key, mesh: Mesh, tile: int):
        self.grid, self.key, self.mesh = grid, key, mesh
        self.fn, self.tile = fn, tile
        self.sharding = NamedSharding(mesh, PartitionSpec(_AXIS))
        self.replicated = NamedSharding(mesh, PartitionSpec())
        self.dtypes = {name: _device_dtype(v) for name, v in grid.axes.items()}
        self.product = grid.kind == "product"
        if self.product:
            self.axis_values = {
                name: jax.device_put(np.asarray(v, self.dtypes[name]), self.replicated)
                for name, v in grid.axes.items()
            }

    def _function(self, chunk: int):
        fn, tile, grid = self.fn, self.tile, self.grid
        block = chunk // self.mesh.size  # a multiple of the tile
        strides = {name: int(np.prod(grid.shape[i + 1 :])) for i, name in enumerate(grid.names)}

        def point(params, index, key):
            return _as_outputs(fn(params, jax.random.fold_in(key, index)))

        def local(start, columns, key):
            offset = start + jax.lax.axis_index(_AXIS) * block
            indices = offset + jnp.arange(block, dtype=jnp.int32)
            if self.product:
                clamped = jnp.minimum(indices, grid.size - 1)
                params = {
                    name: values[(clamped // strides[name]) % values.shape[0]]
                    for name, values in columns.items()
                }
            else:
                params = columns
            # (block,) → (tiles, tile): one vmap of fixed width per tile, tiles in a loop
            tiles = jax.tree.map(lambda a: a.reshape(block // tile, tile), (params, indices))
            one_tile = jax.vmap(point, in_axes=(0, 0, None))
            out = jax.lax.map(lambda a: one_tile(*a, key), tiles)
            return jax.tree.map(lambda a: a.reshape(block, *a.shape[2:]), out)

        columns_spec = PartitionSpec() if self.product else PartitionSpec(_AXIS)
        return jax.jit(
            jax.shard_map(
                local,
                mesh=self.mesh,
                in_specs=(PartitionSpec(), columns_spec, PartitionSpec()),
                out_specs=PartitionSpec(_AXIS),
                # user code builds unsharded constants (scan carries, counters): skip the
                # varying-axis type check; blocks never communicate, so nothing is lost
                check_vma=False,
            )
        )

    def compile(self, chunk: int):
        """Lower and compile for ``chunk`` points; returns ``(compiled, bytes per device)``.

        Compiled chunks are kept in a small cache keyed by the function object, the grid's
        kind, shape and dtypes, the chunk size, the devices and the tiling, so that repeated
        sweeps of the same function (a resume, a re-run) skip tracing and compiling.
        """
        grid = self.grid
        cache_key = (self.fn, grid.kind, grid.shape, tuple(self.dtypes.items()), chunk)
        cache_key += (self.mesh, self.tile, jax.random.key_impl(self.key))
        cache_key += (jnp.result_type(float),)
        try:
            hit = _COMPILED.get(cache_key)
        except TypeError:  # an unhashable callable: no caching
            hit, cache_key = None, None
        if hit is not None:
            _COMPILED.move_to_end(cache_key)
            compiled, self.out_info, used = hit
            return compiled, used
        if self.product:
            columns = {
                name: jax.ShapeDtypeStruct(v.shape, v.dtype, sharding=self.replicated)
                for name, v in self.axis_values.items()
            }
        else:
            columns = {
                name: jax.ShapeDtypeStruct((chunk,), dtype, sharding=self.sharding)
                for name, dtype in self.dtypes.items()
            }
        start = jax.ShapeDtypeStruct((), jnp.int32, sharding=self.replicated)
        lowered = self._function(chunk).lower(start, columns, self.key)
        compiled = lowered.compile()
        self.out_info = lowered.out_info
        memory = compiled.memory_analysis()
        used = 0
        if memory is not None:
            used = (
                memory.argument_size_in_bytes
                + memory.output_size_in_bytes
                + memory.temp_size_in_bytes
                - memory.alias_size_in_bytes
            )
        if cache_key is not None:
            _COMPILED[cache_key] = (compiled, self.out_info, used)
            while len(_COMPILED) > _CACHE_SIZE:
                _COMPILED.popitem(last=False)
        return compiled, used

    def run(self, compiled, start: int, chunk: int):
        first = jax.device_put(np.int32(start), self.replicated)
        if self.product:
            return compiled(first, self.axis_values, self.key)
        columns = {}
        stop = min(start + chunk, self.grid.size)  # whole tiles: their true neighbours
        last = self.grid.values(self.grid.size - 1, self.grid.size)
        for name, values in self.grid.values(start, stop).items():
            values = np.asarray(values, dtype=self.dtypes[name])
            pad = chunk - (stop - start)
            if pad:  # repeat the grid's last point (as a product grid clamps); dropped
                fill = np.asarray(last[name], dtype=self.dtypes[name])
                values = np.concatenate([values, np.repeat(fill, pad)])
            columns[name] = jax.make_array_from_callback(
                values.shape, self.sharding, lambda index, values=values: values[index]
            )
        return compiled(first, columns, self.key)


def _to_host(outputs: dict, first: int, lo: int, hi: int, *, local: bool) -> list:
    """``[(start, stop, {name: array})]`` of the chunk starting at ``first``, points
    ``[lo, hi)``: this process's own pieces (`local`, several processes writing a store), or
    all of it (gathered from every process when there are several)."""
    if local:
        return local_pieces(outputs, first, lo, hi)
    if jax.process_count() > 1:
        from jax.experimental import multihost_utils

        outputs = multihost_utils.process_allgather(outputs, tiled=True)
    return [(lo, hi, {n: np.asarray(v)[lo - first : hi - first] for n, v in outputs.items()})]


def _key_record(key) -> dict:
    return {
        "impl": str(jax.random.key_impl(key)),
        "data": np.asarray(jax.random.key_data(key)).tolist(),
    }


def sweep(
    fn: Callable[[dict[str, Any], Any], Any],
    grid: Grid | Mapping,
    *,
    chunk_size: int | None = None,
    out: str | Path | None = None,
    resume: bool = True,
    key: Any = None,
    config: Mapping | None = None,
    memory_budget: int | float | str | None = None,
    batch_size: int | None = None,
    worker: tuple[int, int] | None = None,
    devices: list | None = None,
    nonfinite: str = "report",
    quiet: bool = False,
    desc: str = "sweep",
) -> SweepResult | SweepStatus:
    """Evaluate ``fn`` at every point of ``grid``: vmapped, chunked, sharded, resumable.

    **Arguments:**

    - `fn`: ``fn(params, key) -> dict of arrays`` for ONE point; ``params`` maps each grid
      axis name to a scalar (float32, or float64 with x64; int32; bool), ``key`` is that
      point's PRNG key ``fold_in(key, point_index)``. Its outputs may have any fixed shape.
    - `grid`: :func:`product` / :func:`points`, or a mapping name → values (a product).
    - `chunk_size`: points per compiled chunk (rounded up to a multiple of the device count).
      ``None``: the largest chunk (≤ 2²⁰ points) that fits `memory_budget`. A chunk that does
      not fit raises ``ValueError`` saying which chunk size fits.
    - `out`: directory to stream results to (``.npz`` per chunk + ``sweep.json``); ``None``
      keeps them in memory.
    - `resume`: continue the sweep already in `out` (same fingerprint required, otherwise
      ``ValueError``); ``False`` deletes that sweep's files and starts over.
    - `key`: PRNG key (default ``jax.random.key(0)``).
    - `config`: JSON-able description of what `fn` computes (e.g. a workload's fixed
      parameters), part of the fingerprint. The function is identified by its qualified name
      only: change `config` when you change what a function of the same name computes.
    - `memory_budget`: bytes per device (number or ``"2 GiB"``), default
      :func:`default_memory_budget`. Measured by XLA's memory analysis of the compiled chunk.
    - `batch_size`: the tile width: each device's block is evaluated by ``lax.map`` over tiles
      of this many points, one ``vmap`` each (``None``: 32). Results are bit-identical for any
      chunk size and device count at a fixed tile width; the width is part of the
      fingerprint. Small tiles keep long loops' state in cache; wide tiles amortise loop
      overhead for cheap points.
    - `worker`: ``(i, n)``: compute only the missing points of worker ``i``'s share
      (:func:`worker_share`) into `out`, alongside the other workers (shared lock; see
      ``_store``). Returns the :class:`SweepResult` if the store is then complete, otherwise
      its :class:`SweepStatus`.
    - `devices`: devices to shard over (default: ``jax.devices()``, every process's). Under
      ``jax.distributed`` (several processes) every process must call ``sweep`` with the same
      arguments; each then writes its own devices' chunk files into `out` (``_distributed``).
    - `nonfinite`: ``"report"`` counts NaN/inf per output (``result.nonfinite``, a warning);
      ``"raise"`` stops with ``FloatingPointError`` at the first chunk that has any.
    - `quiet`: no progress bar (otherwise tqdm on stderr, points/s and ETA).

    **Returns:** a :class:`SweepResult` (NumPy arrays with named axes).

    **Raises:** :class:`SweepBusyError` when another sweep holds `out`;
    :class:`SweepPeerError` when another process of a ``jax.distributed`` run failed or died.
    """
    grid = as_grid(grid)
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be an integer >= 1 or None, got {chunk_size!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(f"batch_size must be an integer >= 1 or None, got {batch_size!r}")
    worker = _check_worker(worker)
    procs = Processes()
    if worker is not None and procs.many:
        raise ValueError(
            "worker conflicts with several jax.distributed processes: the processes of one "
            "run already share the grid; use either workers or jax.distributed"
        )
    if worker is not None and out is None:
        raise ValueError("worker needs out: workers share an output directory")
    if worker is not None and not resume:
        raise ValueError(
            "worker and resume=False (--restart) conflict: a worker cannot delete "
            "the other workers' results; restart with a plain sweep"
        )
    if nonfinite not in ("report", "raise"):
        raise ValueError(f"nonfinite must be 'report' or 'raise', got {nonfinite!r}")
    devices = list(jax.devices() if devices is None else devices)
    if not devices:
        raise ValueError("devices must not be empty")
    if procs.many and {d.process_index for d in devices} != set(range(procs.count)):
        raise ValueError(
            f"devices must include devices of every one of the {procs.count} jax.distributed "
            "processes (default: jax.devices())"
        )
    budget = (
        default_memory_budget(
            next((d for d in devices if d.process_index == jax.process_index()), devices[0])
        )  # a device of this process: another process's cannot report its memory
        if memory_budget is None
        else parse_bytes(memory_budget, name="memory_budget")
    )
    if key is None:
        key = jax.random.key(0)
    elif not jnp.issubdtype(jnp.asarray(key).dtype, jax.dtypes.prng_key):
        key = jax.random.wrap_key_data(jnp.asarray(key, jnp.uint32))

    # take the directory before any work: a busy directory is refused at once; the locks
    # (and the store holding them) are released however the run ends
    # (several processes: each step that can fail is settled by all, see _distributed)
    with contextlib.ExitStack() as stack:
        locks, error = None, None
        if out is not None:
            try:
                process = (procs.index, procs.count) if procs.many else None
                locks = Store.lock(Path(out), worker, process)
                for handle in locks:
                    stack.callback(handle.close)
            except Exception as caught:  # noqa: BLE001 (re-raised by settle)
                error = caught
            procs.settle(error, f"take the locks of out={str(out)!r}")
        n_dev = len(devices)
        mesh = Mesh(np.asarray(devices), (_AXIS,))
        tile = _DEFAULT_TILE if batch_size is None else batch_size
        chunker = _Chunker(fn, grid, key, mesh, tile)
        compiled = used = chunk = None
        try:
            compiled, used, chunk = _fit_chunk(chunker, grid, chunk_size, budget, tile, n_dev)
        except Exception as caught:  # noqa: BLE001 (re-raised by settle)
            error = caught
        procs.settle(error, "compile a chunk that fits the memory budget")
        agreed = procs.smallest(chunk)  # each process's budget may allow another size
        if agreed != chunk:
            chunk = agreed
            compiled, used = chunker.compile(chunk)

        outputs = {
            name: {"shape": list(info.shape[1:]), "dtype": np.dtype(info.dtype).str}
            for name, info in chunker.out_info.items()
        }
        identity = {
            "format": FORMAT,
            "function": _function_name(fn),
            "config": dict(config or {}),
            "grid": {"kind": grid.kind, "names": list(grid.names), "sha256": grid.fingerprint()},
            "key": _key_record(key),
            "outputs": outputs,
            "tile": tile,
        }
        store = None
        if out is not None:
            tag = f"p{procs.index}of{procs.count}" if procs.many else None
            try:
                if procs.index == 0:
                    store = Store(
                        Path(out),
                        identity,
                        grid,
                        resume=resume,
                        worker=worker,
                        locks=locks,
                        tag=tag,
                    )
                    stack.callback(store.close)
                else:
                    store = ChunkWriter(Path(out), tag)
            except Exception as caught:  # noqa: BLE001 (re-raised by settle)
                error = caught
            procs.settle(error, f"open out={str(out)!r}")
        return _sweep_into(
            chunker,
            compiled,
            used,
            grid,
            chunk,
            tile,
            store,
            identity,
            worker,
            procs,
            devices,
            nonfinite,
            quiet,
            desc,
        )


def _fit_chunk(chunker, grid, chunk_size, budget, tile, n_dev):
    """``(compiled, bytes per device, chunk)``: `chunk_size` (rounded up to whole tiles on
    every device), or the largest chunk that fits `budget`."""
    unit = tile * n_dev  # chunks are whole tiles on every device
    largest = _round_up(grid.size, unit)
    requested = chunk_size is not None
    chunk = min(_round_up(chunk_size if requested else _DEFAULT_MAX_CHUNK, unit), largest)
    compiled, used = chunker.compile(chunk)
    for _ in range(3):  # memory is nearly linear in the chunk; shrink until it fits
        if used <= budget:
            break
        per_point = used / (chunk // n_dev)  # bytes per point on one device
        fits = int(budget // (per_point * tile)) * unit
        if fits < unit:
            raise ValueError(
                f"one tile of {tile} points needs ≈{tile * per_point / 2**20:.1f} MiB per "
                f"device, over the memory budget of {budget / 2**20:.1f} MiB: no chunk fits"
                + (" (try a smaller batch_size)" if tile > 1 else "")
            )
        if requested:
            raise ValueError(
                f"chunk_size={chunk} needs ≈{used / 2**20:.2f} MiB per device "
                f"(≈{per_point:.0f} bytes per point), over the memory budget of "
                f"{budget / 2**20:.2f} MiB; chunk_size <= {fits} fits"
            )
        chunk = min(fits, chunk - unit)
        compiled, used = chunker.compile(chunk)
    return compiled, used, chunk


def _work(done, size: int, chunk: int, tile: int, share: tuple[int, int]):
    """``(first, lo, hi)`` per chunk: compute the chunk starting at ``first`` (a tile
    boundary), keep its points ``[lo, hi)`` — the missing points of ``share``."""
    work = []
    for start, stop in missing_ranges(done, size):
        start, stop = max(start, share[0]), min(stop, share[1])
        first = start - start % tile
        while start < stop:
            hi = min(first + chunk, stop)
            work.append((first, start, hi))
            first, start = first + chunk, hi
    return work


def _sweep_into(
    chunker,
    compiled,
    used,
    grid,
    chunk,
    tile,
    store,
    identity,
    worker,
    procs,
    devices,
    nonfinite,
    quiet,
    desc,
):
    outputs = identity["outputs"]
    n_dev = len(devices)
    local = store is not None and procs.many  # each process writes its own devices' pieces
    work = None
    if procs.index == 0:  # process 0 lists the store; the others get its work list
        done = store.done() if store is not None else []
        share = (0, grid.size) if worker is None else worker_share(grid.size, worker, tile)
        work = _work(done, grid.size, chunk, tile, share)
    work = [tuple(int(v) for v in row) for row in procs.from_first(work, 3)]

    flat = (
        None
        if store is not None
        else {n: np.empty((grid.size, *o["shape"]), o["dtype"]) for n, o in outputs.items()}
    )
    counts = dict.fromkeys(outputs, 0)
    remaining = sum(hi - lo for _, lo, hi in work)
    began = time.perf_counter()
    bar = progress(total=remaining, desc=desc, quiet=quiet, unit="pt")

    def finish(pending):
        (first, start, stop), result = pending
        for lo, hi, host in _to_host(result, first, start, stop, local=local):
            for name, values in host.items():
                counts[name] += count_nonfinite(values)
            if store is not None and (local or procs.index == 0):
                store.write_chunk(lo, hi, host)
            elif flat is not None:
                for name, values in host.items():
                    flat[name][lo:hi] = values
            if nonfinite == "raise" and any(counts.values()):
                bad = {n: c for n, c in counts.items() if c}
                raise FloatingPointError(
                    f"sweep: NaN/inf in points {lo}…{hi - 1}: {bad} (nonfinite='raise')"
                )
        bar.update(stop - start)

    pending, error = None, None
    try:
        for first, start, stop in work:
            launched = ((first, start, stop), chunker.run(compiled, first, chunk))
            if pending is not None:
                finish(pending)
            pending = launched
        if pending is not None:
            finish(pending)
    except Exception as caught:  # noqa: BLE001 (re-raised by settle)
        error = caught
    finally:
        bar.close()
    procs.settle(error, "compute and write their chunks")
    seconds = time.perf_counter() - began
    record = {
        "chunk_size": chunk,
        "devices": n_dev,
        "processes": procs.count,
        "platform": devices[0].platform,
        "bytes_per_device": used,
        "versions": _versions(),
        "seconds_last_run": round(seconds, 3),
        "points_last_run": remaining,
    }
    if worker is not None:
        record = {f"worker_{worker[0]}_of_{worker[1]}": record}
    if store is not None:
        error = None
        if procs.index == 0:
            try:
                store.finish(**record)
            except Exception as caught:  # noqa: BLE001 (re-raised by settle)
                error = caught
        procs.settle(error, "record the run in sweep.json")
        from ._store import load, status

        state = status(store.path)
        if not state.complete:
            return state
        result = load(store.path)
    else:
        result = assemble(grid, flat, meta={**identity, **record})
    bad = {name: count for name, count in result.nonfinite.items() if count}
    if bad:
        warnings.warn(
            f"sweep: NaN/inf results (counted, stored as is): {bad} of {grid.size} points",
            RuntimeWarning,
            stacklevel=4,
        )
    return result


def _versions() -> dict:
    from .. import __version__

    return {
        "jaxhop": __version__,
        "jax": jax.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }
