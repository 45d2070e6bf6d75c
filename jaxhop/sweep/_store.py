"""Sweep results on disk: one ``.npz`` per chunk plus JSON metadata, written atomically.

Layout of an output directory::

    sweep.json                         metadata: config, fingerprint, versions, key, outputs
    grid.npz                           the grid's axes (or point columns)
    chunks/points_<start>_<stop>.npz   outputs of points start … stop − 1 (C order)

Every file is written to a temporary name in the same directory and moved into place with
``os.replace``, which is atomic on POSIX: a sweep killed at any moment leaves only whole chunk
files (and perhaps a stray ``*.tmp``, removed when the sweep resumes). A chunk's file name says
which points it holds, so a resumed sweep recomputes exactly the missing ranges, whatever chunk
size it uses. The *fingerprint* — a hash of the function's name, the user's config, the grid, the
key and the outputs' shapes and dtypes — must match for a resume; a mismatch is refused.

**Locks** (``fcntl.flock`` on files in the directory; the kernel drops them when the process
ends, however it ends, so a killed sweep never leaves the directory stuck):

- ``.sweep.lock``: a plain sweep holds it *exclusively*; the workers of a sweep
  (``worker=(i, n)``, CLI ``--worker I/N``) hold it *shared*. So workers of one sweep write
  concurrently, while a second plain sweep — or a plain sweep and workers — into the same
  directory is refused with :class:`SweepBusyError`.
- ``.worker-<i>-of-<n>.lock``: held exclusively by worker ``i`` of ``n``; a second copy of the
  same worker is refused.
- ``.meta.lock``: held (blocking, briefly) while ``sweep.json`` is checked and written, so that
  workers starting together agree on one configuration and a worker of a *different* sweep is
  refused by the fingerprint check.

- ``.process-<p>.lock``: held exclusively by process ``p`` of a ``jax.distributed`` run
  (:mod:`jaxhop.sweep._distributed`); its process 0 also holds ``.sweep.lock`` exclusively, as
  a plain sweep does. Whoever takes ``.sweep.lock`` (a plain sweep, a worker, process 0 of a
  run of ``n`` processes: for ``p >= n``) first checks that no ``.process-<p>.lock`` is held,
  so a process of an earlier run that has not yet died never writes into a restarted sweep.

A stray ``*.tmp`` is removed on resume: every one by a plain sweep or a ``jax.distributed``
run (they hold the directory alone), by worker ``i`` of ``n`` the ones its own earlier run
left (their names carry the worker). Temporary names carry the writer (``main``, the worker,
or the process ``p<p>of<n>``) and the pid, so writers on several hosts never share one.
``flock`` works on local file systems and on NFSv4 (Linux emulates it with POSIX byte-range
locks there); on a file system without locking, use one directory per job.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._grid import Grid

__all__ = ["SweepResult", "Store", "SweepBusyError", "SweepStatus", "status", "load", "FORMAT"]

FORMAT = "jaxhop-sweep/1"
_CHUNK = re.compile(r"^points_(\d+)_(\d+)\.npz$")
# Parts of the metadata that define the sweep; the rest (versions, devices, timings) is record.
IDENTITY_KEYS = ("format", "function", "config", "grid", "key", "outputs", "tile")


def fingerprint(identity: dict) -> str:
    """SHA-256 of the canonical JSON of the identity fields."""
    text = json.dumps({k: identity[k] for k in IDENTITY_KEYS}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class SweepBusyError(ValueError):
    """Another sweep holds the output directory (see the module docstring's locks)."""


def _lock(path: Path, mode: int, what: str):
    handle = open(path, "a+b")  # noqa: SIM115 (held for the sweep's lifetime)
    try:
        fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SweepBusyError(what) from None
    return handle


def _check_no_process(path: Path, *, beyond: int) -> None:
    """Refuse while a process ``p >= beyond`` of a ``jax.distributed`` run holds its lock
    (probed with a shared lock, so that concurrent probes never refuse each other)."""
    for file in sorted(path.glob(".process-*.lock")):
        match = re.fullmatch(r"\.process-(\d+)\.lock", file.name)
        if match and int(match.group(1)) >= beyond:
            _lock(
                file,
                fcntl.LOCK_SH,
                f"out={str(path)!r} is in use by process {match.group(1)} of a jax.distributed "
                "run; wait for it to exit (at most its heartbeat timeout)",
            ).close()


def _atomic_write(path: Path, write, tag: str = "main") -> None:
    tmp = path.with_name(f".{path.name}.{tag}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_json(path: Path, data: dict, tag: str = "main") -> None:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    _atomic_write(path, lambda handle: handle.write(text.encode()), tag)


class Store:
    """An output directory being filled by one sweep, or by worker ``i`` of ``n`` of it
    (``worker=(i, n)``); see the module docstring for the locks it takes."""

    def __init__(
        self,
        path: Path,
        identity: dict,
        grid: Grid,
        *,
        resume: bool,
        worker: tuple[int, int] | None = None,
        locks: list | None = None,
        tag: str | None = None,
    ):
        self.path = Path(path)
        self.chunks = self.path / "chunks"
        self.worker = worker
        self.tag = "main" if worker is None else f"w{worker[0]}of{worker[1]}"
        if tag is not None:
            self.tag = tag
        self._locks = list(locks) if locks is not None else Store.lock(self.path, worker)
        try:
            with open(self.path / ".meta.lock", "a+b") as meta_lock:
                fcntl.flock(meta_lock.fileno(), fcntl.LOCK_EX)  # released on close
                self._open(identity, grid, resume)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def lock(
        path: Path,
        worker: tuple[int, int] | None = None,
        process: tuple[int, int] | None = None,
    ) -> list:
        """Take the directory's locks (creating it); raises :class:`SweepBusyError`.

        `worker`: ``(i, n)`` for worker ``i`` of ``n``; `process`: ``(p, n)`` for process ``p``
        of a ``jax.distributed`` run of ``n`` processes (see the module docstring).
        """
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise ValueError(f"out={str(path)!r} exists and is not a directory")
        path.mkdir(parents=True, exist_ok=True)
        where = str(path)
        busy = (
            f"out={where!r} is in use by another sweep (or by workers of one); "
            "wait for it to finish, or use another directory"
        )
        if process is not None:
            p, n = process
            locks = []
            try:
                if p == 0:
                    locks.append(_lock(path / ".sweep.lock", fcntl.LOCK_EX, busy))
                    _check_no_process(path, beyond=n)
                locks.append(
                    _lock(
                        path / f".process-{p}.lock",
                        fcntl.LOCK_EX,
                        f"process {p} of another jax.distributed run still uses out={where!r}; "
                        "wait for it to exit (at most its heartbeat timeout)",
                    )
                )
            except BaseException:
                for handle in locks:
                    handle.close()
                raise
            return locks
        if worker is None:
            handle = _lock(path / ".sweep.lock", fcntl.LOCK_EX, busy)
            try:
                _check_no_process(path, beyond=0)
            except BaseException:
                handle.close()
                raise
            return [handle]
        i, n = worker
        busy = (
            f"out={where!r} is in use by a plain (non-worker) sweep; workers can only "
            "share a directory with workers"
        )
        shared = _lock(path / ".sweep.lock", fcntl.LOCK_SH, busy)
        try:
            _check_no_process(path, beyond=0)
            own = _lock(
                path / f".worker-{i}-of-{n}.lock",
                fcntl.LOCK_EX,
                f"worker {i}/{n} of out={where!r} is already running",
            )
        except BaseException:
            shared.close()
            raise
        return [shared, own]

    def _open(self, identity: dict, grid: Grid, resume: bool) -> None:
        meta_path = self.path / "sweep.json"
        self.fingerprint = fingerprint(identity)
        if meta_path.exists():
            old = json.loads(meta_path.read_text())
            if not resume:
                self._clear()
            elif old.get("fingerprint") != self.fingerprint:
                differ = [k for k in IDENTITY_KEYS if old.get(k) != identity.get(k)]
                raise ValueError(
                    f"out={str(self.path)!r} holds a sweep with a different configuration "
                    f"(differs in: {', '.join(differ) or 'fingerprint'}); refusing to mix "
                    "results — use another directory, or resume=False (CLI: --restart) to "
                    "start it over"
                )
        elif self.chunks.exists() and any(self.chunks.glob("points_*.npz")):
            raise ValueError(
                f"out={str(self.path)!r} holds chunk files but no sweep.json; refusing to mix"
            )
        self.chunks.mkdir(parents=True, exist_ok=True)
        self._remove_stray_tmp()
        self.meta = {**identity, "fingerprint": self.fingerprint, "complete": False}
        if meta_path.exists():  # keep what earlier runs (other workers) recorded
            self.meta = {**json.loads(meta_path.read_text()), **self.meta}
        self.meta["complete"] = not missing_ranges(self.done(), grid.size)
        self.size = grid.size
        _atomic_write(self.path / "grid.npz", lambda h: np.savez(h, **grid.axes), self.tag)
        write_json(meta_path, self.meta, self.tag)

    def _remove_stray_tmp(self) -> None:
        pattern = "*.tmp" if self.worker is None else f"*.{self.tag}.*.tmp"
        for folder in (self.path, self.chunks):
            for file in folder.glob("." + pattern):
                file.unlink(missing_ok=True)

    def _clear(self) -> None:
        for file in self.chunks.glob("points_*.npz"):
            file.unlink()
        (self.path / "sweep.json").unlink()

    def done(self) -> list[tuple[int, int]]:
        """Point ranges already on disk, sorted."""
        return _chunk_ranges(self.chunks)

    def write_chunk(self, start: int, stop: int, outputs: dict[str, np.ndarray]) -> None:
        write_chunk(self.chunks, start, stop, outputs, self.tag)

    def finish(self, **record: Any) -> None:
        """Record the run; the sweep is ``complete`` once every point is on disk."""
        with open(self.path / ".meta.lock", "a+b") as meta_lock:
            fcntl.flock(meta_lock.fileno(), fcntl.LOCK_EX)
            meta_path = self.path / "sweep.json"
            current = json.loads(meta_path.read_text()) if meta_path.exists() else {}
            self.meta = {**current, **self.meta, **record}
            self.meta["complete"] = not missing_ranges(self.done(), self.size)
            write_json(meta_path, self.meta, self.tag)

    def close(self) -> None:
        """Release the directory's locks (the OS does it too when the process ends)."""
        for handle in self._locks:
            handle.close()
        self._locks = []


def write_chunk(chunks: Path, start: int, stop: int, outputs: dict, tag: str) -> None:
    """Write points ``[start, stop)`` as ``chunks/points_<start>_<stop>.npz``, atomically."""
    path = chunks / f"points_{start:010d}_{stop:010d}.npz"
    _atomic_write(path, lambda handle: np.savez(handle, **outputs), tag)


class ChunkWriter:
    """What a process ``p > 0`` of a ``jax.distributed`` run needs of the store: it writes its
    own chunks (``write_chunk``); process 0's :class:`Store` owns ``sweep.json``."""

    def __init__(self, path: Path, tag: str):
        self.path, self.chunks, self.tag = Path(path), Path(path) / "chunks", tag

    def write_chunk(self, start: int, stop: int, outputs: dict[str, np.ndarray]) -> None:
        write_chunk(self.chunks, start, stop, outputs, self.tag)


@dataclass
class SweepStatus:
    """What a sweep directory holds: ``done`` / ``missing`` point ranges (``[start, stop)``)."""

    path: Path
    size: int
    done: list[tuple[int, int]]
    missing: list[tuple[int, int]]
    meta: dict = field(default_factory=dict)

    @property
    def done_points(self) -> int:
        return self.size - self.missing_points

    @property
    def missing_points(self) -> int:
        return sum(stop - start for start, stop in self.missing)

    @property
    def complete(self) -> bool:
        return not self.missing


def status(path: str | Path) -> SweepStatus:
    """The done and missing point ranges of the sweep in ``path`` (reads only; takes no lock)."""
    path = Path(path)
    meta_path = path / "sweep.json"
    if not meta_path.exists():
        raise ValueError(f"{str(path)!r} holds no sweep (no sweep.json)")
    meta = json.loads(meta_path.read_text())
    with np.load(path / "grid.npz") as stored:
        axes = {name: stored[name] for name in meta["grid"]["names"]}
    size = Grid(axes, meta["grid"]["kind"]).size
    done = _chunk_ranges(path / "chunks")
    return SweepStatus(path, size, done, missing_ranges(done, size), meta)


def _chunk_ranges(chunks: Path) -> list[tuple[int, int]]:
    if not chunks.exists():
        return []
    ranges = []
    for file in chunks.iterdir():
        match = _CHUNK.match(file.name)
        if match:
            ranges.append((int(match.group(1)), int(match.group(2))))
    return sorted(ranges)


def missing_ranges(done: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """The ranges of ``[0, size)`` not covered by ``done``."""
    gaps, position = [], 0
    for start, stop in sorted(done):
        if start > position:
            gaps.append((position, start))
        position = max(position, stop)
    if position < size:
        gaps.append((position, size))
    return gaps


@dataclass
class SweepResult:
    """Results of a sweep as NumPy arrays with named axes.

    **Fields:**

    - `data`: output name → array of shape ``grid shape + output shape``.
    - `dims`: names of the grid axes (``product``: the parameter names; ``points``:
      ``("point",)``).
    - `coords`: parameter name → values (``product``: the axis; ``points``: the column).
    - `nonfinite`: output name → number of NaN/inf entries (0 for integer outputs).
    - `meta`: the metadata (config, key, versions, fingerprint, timings).
    - `path`: the output directory, or ``None`` for an in-memory sweep.
    """

    data: dict[str, np.ndarray]
    dims: tuple[str, ...]
    coords: dict[str, np.ndarray]
    nonfinite: dict[str, int]
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    def __getitem__(self, name: str) -> np.ndarray:
        return self.data[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.data)

    def to_xarray(self) -> Any:
        """The results as an ``xarray.Dataset`` (needs the ``xarray`` extra).

        Grid axes are dimensions with their coordinates (a point list: dimension ``point``,
        each parameter a coordinate along it); an output's own axes are dimensions
        ``<output>_dim<k>``; the metadata is in ``attrs`` (nested entries as JSON text, so
        that Zarr and netCDF can store them; ``json.loads`` gives them back).
        """
        try:
            import xarray as xr
        except ImportError as error:  # pragma: no cover - depends on the install
            raise ImportError("to_xarray needs xarray: pip install 'jaxhop[xarray]'") from error
        grid_dims = tuple(self.dims)
        if grid_dims == ("point",):
            coords = {name: ("point", values) for name, values in self.coords.items()}
        else:
            coords = {name: (name, values) for name, values in self.coords.items()}
        variables = {}
        for name, array in self.data.items():
            extra = tuple(f"{name}_dim{k}" for k in range(array.ndim - len(grid_dims)))
            variables[name] = (grid_dims + extra, array)
        attrs = {}
        for key, value in self.meta.items():
            if isinstance(value, bool):
                attrs[key] = int(value)
            elif isinstance(value, (int, float, str)):
                attrs[key] = value
            else:
                attrs[key] = json.dumps(value, sort_keys=True)
        return xr.Dataset(variables, coords=coords, attrs=attrs)

    def slice(self, output: str, **at: float | int) -> tuple[np.ndarray, tuple[str, ...]]:
        """``output`` with some grid axes fixed at the coordinate nearest to the given value.

        Returns ``(array, dims)`` over the remaining grid axes (product grids only), e.g.
        ``result.slice("retrievals", z0=3.0)`` → the curve over κ.
        """
        if output not in self.data:
            raise ValueError(f"output {output!r} not in this sweep; choose from {self.names}")
        if self.dims == ("point",) and at:
            raise ValueError("a sweep over a list of points has no axes to fix")
        array, dims = self.data[output], list(self.dims)
        for name, value in at.items():
            if name not in dims:
                raise ValueError(f"no grid axis {name!r}; axes are {tuple(dims)}")
            axis = dims.index(name)
            index = int(np.argmin(np.abs(self.coords[name] - value)))
            array = np.take(array, index, axis=axis)
            dims.pop(axis)
        return array, tuple(dims)


def count_nonfinite(array: np.ndarray) -> int:
    if array.dtype.kind in "fc":
        return int(array.size - np.count_nonzero(np.isfinite(array)))
    return 0


def load(path: str | Path) -> SweepResult:
    """Load a sweep written by ``sweep(..., out=path)`` as NumPy arrays with named axes.

    Raises ``ValueError`` when the directory holds no sweep or the sweep is incomplete (some
    points missing: resume it first).
    """
    path = Path(path)
    meta_path = path / "sweep.json"
    if not meta_path.exists():
        raise ValueError(f"{str(path)!r} holds no sweep (no sweep.json)")
    meta = json.loads(meta_path.read_text())
    if meta.get("format") != FORMAT:
        raise ValueError(f"{str(path)!r}: unknown format {meta.get('format')!r}")
    with np.load(path / "grid.npz") as stored:
        axes = {name: stored[name] for name in meta["grid"]["names"]}
    grid = Grid(axes, meta["grid"]["kind"])
    ranges = _chunk_ranges(path / "chunks")
    gaps = missing_ranges(ranges, grid.size)
    if gaps:
        missing = sum(stop - start for start, stop in gaps)
        raise ValueError(
            f"{str(path)!r}: the sweep is incomplete ({missing} of {grid.size} points missing); "
            "resume it to finish"
        )
    data = {
        name: np.empty((grid.size, *spec["shape"]), dtype=np.dtype(spec["dtype"]))
        for name, spec in meta["outputs"].items()
    }
    for start, stop in ranges:
        file = path / "chunks" / f"points_{start:010d}_{stop:010d}.npz"
        with np.load(file) as chunk:
            for name in data:
                data[name][start:stop] = chunk[name]
    return assemble(grid, data, meta=meta, path=path)


def assemble(grid: Grid, flat: dict[str, np.ndarray], *, meta: dict, path=None) -> SweepResult:
    data = {name: a.reshape(grid.shape + a.shape[1:]) for name, a in flat.items()}
    return SweepResult(
        data=data,
        dims=grid.dims,
        coords=dict(grid.axes),
        nonfinite={name: count_nonfinite(a) for name, a in data.items()},
        meta=meta,
        path=path,
    )
