"""Sweeps as several cooperating processes (``jax.distributed``), writing one shared store.

Design (ours; docs/cluster.md gives the user's side):

- **One SPMD program over every process's devices.** After ``jax.distributed.initialize``
  (:func:`initialize`), ``jax.devices()`` lists every process's devices and the runner's 1-D
  mesh spans them all: every process runs the same chunks, in the same order, with the same
  compiled function, and each device evaluates its own block of each chunk (the blocks never
  communicate). A chunk is therefore computed exactly as by one process with as many devices,
  tile for tile, so the results are bit-identical to a single-process run (fixed-width tiles;
  see ``_run``).
- **Each process writes what its devices computed.** No gather: process ``p`` takes the
  addressable shards of the chunk's outputs (its own devices' blocks, contiguous point ranges)
  and writes them as its own chunk files, atomically (``_store``: a temporary file in the same
  directory, ``fsync``, ``os.replace``; the temporary name carries the process, so hosts never
  share one). A chunk of ``C`` points run by ``n`` processes lands as ``n`` files.
- **Agreement at the few points where processes must agree**, through small collectives (gloo
  on CPU): every process takes its locks, then all agree that everyone succeeded; process 0
  opens the store (fingerprint check, ``sweep.json``) and lists what is done, and broadcasts
  the work list, so no process can read a stale directory listing of a shared file system;
  the chunk size is the smallest any process's memory budget allows; at the end all agree
  that every process finished before process 0 records the run, and once more before each
  reads the result back from the store. A failure in any process (a busy directory, a
  mismatching configuration, ``nonfinite="raise"``) makes every other process raise
  :class:`SweepPeerError` at the next agreement instead of waiting for it.
- **A killed process fails the run.** Its chunk files are whole or absent (atomic rename), so
  nothing partial counts as done; the other processes either fail in the next collective
  (``JaxRuntimeError``, turned into :class:`SweepPeerError`) or are terminated by JAX's
  distributed runtime once the dead process misses its heartbeats (``heartbeat_timeout``
  seconds; JAX aborts the survivors then). Either way every process exits non-zero and a
  re-run computes exactly the missing point ranges.
- **Locks** (``_store``): process 0 holds ``.sweep.lock`` exclusively, as a plain sweep does
  (so plain sweeps and workers are refused while the run lasts), and every process ``p``
  holds ``.process-<p>.lock``, so that a process of an earlier run still alive (not yet past
  its heartbeat timeout) and its successor never both write; process 0 also checks that no
  process ``p >= n`` of a larger earlier run is alive before it clears or resumes the store.

Honest limits: on one machine the processes share its cores, so two processes are no faster
than one (docs/cluster.md records the measurement); the speed-up comes from several hosts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["initialize", "SweepPeerError"]


class SweepPeerError(RuntimeError):
    """Another process of this ``jax.distributed`` run failed (``dead=False``: it raised and
    is exiting too), or died (``dead=True``: a collective with it failed)."""

    def __init__(self, message: str, *, dead: bool):
        super().__init__(message)
        self.dead = dead


def initialize(
    coordinator: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    *,
    heartbeat_timeout: int = 100,
    init_timeout: int = 300,
) -> tuple[int, int]:
    """Join a ``jax.distributed`` run before any JAX computation; returns ``(index, count)``.

    **Arguments:**

    - `coordinator`: ``"HOST:PORT"`` of process 0 (it serves the coordination service there).
    - `num_processes`, `process_id`: the run's size and this process's index.
      Whatever is ``None`` is detected by JAX from the environment: SLURM (``srun``), Open MPI,
      Kubernetes, or ``JAX_COORDINATOR_ADDRESS`` (see ``jax.distributed.initialize``).
    - `heartbeat_timeout`: seconds without a heartbeat after which a process counts as dead
      and JAX terminates the others (JAX's default 100).
    - `init_timeout`: seconds to wait for every process to join.

    On CPU, cross-process collectives need an implementation; gloo is chosen when none is
    configured (``jax_cpu_collectives_implementation``).
    """
    import jax

    for name, value, low in (
        ("num_processes", num_processes, 1),
        ("process_id", process_id, 0),
        ("heartbeat_timeout", heartbeat_timeout, 1),
        ("init_timeout", init_timeout, 1),
    ):
        if value is None and name in ("num_processes", "process_id"):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if num_processes is not None and process_id is not None and process_id >= num_processes:
        raise ValueError(
            f"process_id must be in [0, num_processes - 1] = [0, {num_processes - 1}], "
            f"got {process_id}"
        )
    if coordinator is not None:
        host, sep, port = coordinator.rpartition(":")
        if not (sep and host and port.isdigit() and 0 < int(port) < 65536):
            raise ValueError(f"coordinator must be HOST:PORT, got {coordinator!r}")
    if jax.config.jax_cpu_collectives_implementation in (None, "", "none"):
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator,
        num_processes=num_processes,
        process_id=process_id,
        heartbeat_timeout_seconds=heartbeat_timeout,
        initialization_timeout=init_timeout,
    )
    return jax.process_index(), jax.process_count()


class Processes:
    """The processes of the current run (one, without ``jax.distributed``)."""

    def __init__(self):
        import jax

        self.index, self.count = jax.process_index(), jax.process_count()
        self.many = self.count > 1

    def _allgather(self, value: np.ndarray) -> np.ndarray:
        import jax
        from jax.experimental import multihost_utils

        try:
            return np.asarray(multihost_utils.process_allgather(value))
        except jax.errors.JaxRuntimeError as error:
            raise SweepPeerError(
                f"process {self.index}: another process of this jax.distributed run died "
                f"({str(error).splitlines()[0][:160]})",
                dead=True,
            ) from None

    def settle(self, error: BaseException | None, what: str) -> None:
        """All processes agree that `what` succeeded everywhere: re-raise this process's own
        `error`, or raise :class:`SweepPeerError` naming the processes that failed."""
        if not self.many:
            if error is not None:
                raise error
            return
        flags = self._allgather(np.int32(error is None))
        if error is not None:
            raise error
        failed = [int(p) for p in np.flatnonzero(flags == 0)]
        if failed:
            raise SweepPeerError(
                f"process {self.index}: process(es) {failed} of this jax.distributed run "
                f"failed to {what} (their own error says why)",
                dead=False,
            )

    def smallest(self, value: int) -> int:
        """The smallest of every process's `value`."""
        if not self.many:
            return value
        return int(self._allgather(np.int32(value)).min())

    def from_first(self, rows: list | None, width: int) -> np.ndarray:
        """Process 0's rows (`width` int32 columns; the others pass ``None``), on every process."""
        if not self.many:
            return np.asarray(rows, np.int32).reshape(-1, width)
        mine = np.zeros((0, width), np.int32) if rows is None else np.asarray(rows, np.int32)
        length = int(self._allgather(np.int32(len(mine)))[0])
        table = np.zeros((length, width), np.int32)
        if self.index == 0:
            table[:] = mine.reshape(length, width)
        return self._allgather(table)[0]


def local_pieces(outputs: dict, first: int, lo: int, hi: int) -> list:
    """``[(start, stop, {name: array})]``: the points ``[lo, hi)`` of the chunk that starts at
    ``first`` which this process's devices hold, as contiguous ranges (no communication)."""
    names = list(outputs)
    spans = {}
    for name in names:
        array = outputs[name]
        for shard in array.addressable_shards:
            index = shard.index[0] if shard.index else slice(None)
            start = index.start or 0
            stop = array.shape[0] if index.stop is None else index.stop
            spans.setdefault((start, stop), {})[name] = shard.data
    pieces, current = [], None
    for (start, stop), data in sorted(spans.items()):
        if current is not None and current[1] == start:
            current[1] = stop
            current[2].append(data)
        else:
            current = [start, stop, [data]]
            pieces.append(current)
    kept = []
    for start, stop, blocks in pieces:
        a, b = max(first + start, lo), min(first + stop, hi)
        if a >= b:
            continue
        host = {
            name: np.concatenate([np.asarray(block[name]) for block in blocks])[
                a - first - start : b - first - start
            ]
            for name in names
        }
        kept.append((a, b, host))
    return kept
