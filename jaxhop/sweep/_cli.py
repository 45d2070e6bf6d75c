"""``jaxhop sweep CONFIG.toml`` and ``jaxhop sweep-plot DIR``: declarative, resumable sweeps.

The workloads a config may name come from the registry the composition root passes to
:func:`register` (jaxhop's is :data:`jaxhop._workloads.REGISTRY`).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..cli import UsageError, add_command
from ._workload import WorkloadRegistry

if TYPE_CHECKING:
    import numpy as np


def _summary(values: np.ndarray) -> dict:
    import numpy as np

    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if finite.size == 0 or values.dtype.kind not in "fiub":
        return {"min": None, "max": None, "mean": None}
    finite = finite.astype(np.float64)
    return {"min": finite.min(), "max": finite.max(), "mean": finite.mean()}


def _parse_worker(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    i, sep, n = text.partition("/")
    try:
        worker = (int(i), int(n))
    except ValueError:
        sep = ""
    if not sep or not (worker[1] >= 1 and 0 <= worker[0] < worker[1]):
        raise UsageError(f"--worker must be I/N with integers 0 <= I < N (got {text!r})")
    return worker


def _status_report(state, total: int) -> dict:
    return {
        "out": str(state.path),
        "points": total,
        "done_points": state.done_points,
        "missing_points": state.missing_points,
        "missing_ranges": [list(r) for r in state.missing[:20]],
        "complete": state.complete,
    }


def _list_table(listing: dict) -> str:
    """The workloads as a text table: name, axes (parameters a grid may sweep), outputs and
    the one-line description; parameters that can only be fixed are named below it."""
    rows = [("workload", "axes", "outputs", "description")]
    for name, entry in listing.items():
        axes = [p for p in entry["parameters"] if p not in entry["static"]]
        rows.append((name, ", ".join(axes), ", ".join(entry["outputs"]), entry["description"]))
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * len(rows[0][3]))
    fixed = [f"  {n}: {', '.join(e['static'])}" for n, e in listing.items() if e["static"]]
    if fixed:
        lines += ["", "fixed only (loop lengths, sizes: set them under [params]):", *fixed]
    lines += ["", "--json gives every parameter's default and each output's meaning."]
    return "\n".join(lines)


def _distributed_options(args: argparse.Namespace) -> dict | None:
    """The ``jax.distributed`` options given (``None``: a single-process run)."""
    given = (args.coordinator, args.num_processes, args.process_id)
    if not args.distributed and all(v is None for v in given):
        if args.heartbeat_timeout is not None:
            raise UsageError("--heartbeat-timeout needs --distributed or --coordinator")
        return None
    if args.num_processes is not None and args.num_processes < 1:
        raise UsageError(f"--num-processes must be an integer >= 1 (got {args.num_processes})")
    if args.process_id is not None:
        top = None if args.num_processes is None else args.num_processes - 1
        if args.process_id < 0 or (top is not None and args.process_id > top):
            bound = "N - 1" if top is None else str(top)
            raise UsageError(f"--process-id must be in [0, {bound}] (got {args.process_id})")
    if args.heartbeat_timeout is not None and args.heartbeat_timeout < 1:
        raise UsageError(f"--heartbeat-timeout must be >= 1 second (got {args.heartbeat_timeout})")
    if args.coordinator is not None:
        host, sep, port = args.coordinator.rpartition(":")
        if not (sep and host and port.isdigit() and 0 < int(port) < 65536):
            raise UsageError(f"--coordinator must be HOST:PORT (got {args.coordinator!r})")
    if args.worker is not None or args.status:
        raise UsageError(
            "--coordinator/--distributed conflict with --worker and --status: a run of "
            "cooperating processes shares the grid itself; --status needs no processes"
        )
    return {
        "coordinator": args.coordinator,
        "num_processes": args.num_processes,
        "process_id": args.process_id,
        "heartbeat_timeout": 100 if args.heartbeat_timeout is None else args.heartbeat_timeout,
    }


def _peer_failure(error) -> None:
    """Another process of this run failed: one line on stderr, exit 1. If it died, exit at
    once (a normal exit waits at JAX's shutdown barrier for the dead process, and aborts);
    if it raised, exit normally, so that the processes meet at that barrier."""
    import os
    import sys

    print(f"error: {str(error).splitlines()[0]}", file=sys.stderr, flush=True)
    if error.dead:
        os._exit(1)
    raise SystemExit(1)


def _sweep(args: argparse.Namespace) -> dict | None:
    workloads = args.workloads

    if args.list:
        listing = {
            name: {
                "description": w.description,
                "parameters": dict(w.defaults),
                "static": sorted(w.static),
                "outputs": dict(w.outputs),
            }
            for name, w in ((n, workloads.get(n)) for n in workloads.names())
        }
        if args.json:
            return listing
        print(_list_table(listing))
        return None
    distributed = _distributed_options(args)
    if distributed is None:
        return _sweep_run(args, workloads, False)
    # gloo reports its connections on stdout (file descriptor 1, from C++): send them to
    # stderr while the run lasts, so that stdout holds only the result
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        from ._distributed import SweepPeerError, initialize

        try:
            initialize(**distributed)  # before anything touches a JAX backend
        except ValueError as error:
            raise UsageError(
                "jax.distributed: no cluster environment (SLURM's srun, Open MPI, "
                "JAX_COORDINATOR_ADDRESS) gives what is missing; pass --coordinator HOST:PORT "
                f"--num-processes N --process-id I (jax: {str(error).splitlines()[0]})"
            ) from None
        return _sweep_run(args, workloads, True)
    except SweepPeerError as error:
        _peer_failure(error)
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _sweep_run(args: argparse.Namespace, workloads, distributed: bool) -> dict:
    if args.config is None:
        raise UsageError("CONFIG is required (a TOML file; see examples/), or --list")
    if args.chunk_size is not None and args.chunk_size < 1:
        raise UsageError(f"--chunk-size must be an integer >= 1 (got {args.chunk_size})")
    worker = _parse_worker(args.worker)
    from ._config import load_config

    config = load_config(args.config)
    out = args.out if args.out is not None else config.out
    if out is None:
        raise UsageError('no output directory: set out = "..." in CONFIG or pass --out DIR')
    if args.status:
        if worker is not None or args.restart:
            raise UsageError("--status conflicts with --worker and --restart (it only reads)")
        from ._store import status

        if not (Path(out) / "sweep.json").exists():
            return _status_report_empty(Path(out), config.grid.size)
        return _status_report(status(out), config.grid.size)
    if worker is not None and args.restart:
        raise UsageError("--worker conflicts with --restart: restart with a plain sweep")
    import jax

    from ._run import sweep

    fn, identity = workloads.bind(config.workload, config.params, config.grid.names)
    workload = workloads.get(config.workload)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN/inf counts are in the output
        result = sweep(
            fn,
            config.grid,
            chunk_size=args.chunk_size or config.chunk_size,
            out=Path(out),
            resume=not args.restart,
            key=jax.random.key(config.seed),
            config={**identity, "seed": config.seed},
            memory_budget=config.memory_budget,
            batch_size=config.batch_size or workload.batch_size,
            worker=worker,
            quiet=args.quiet or args.json,
            desc=f"sweep {config.workload}",
        )
    if not hasattr(result, "data"):  # a worker's share is done, others' are missing
        record = result.meta.get(f"worker_{worker[0]}_of_{worker[1]}", {})
        return {
            "workload": config.workload,
            "worker": f"{worker[0]}/{worker[1]}",
            "computed_points": record.get("points_last_run"),
            "seconds": record.get("seconds_last_run"),
            **_status_report(result, config.grid.size),
        }
    meta = result.meta
    process = {"process": f"{jax.process_index()}/{jax.process_count()}"} if distributed else {}
    if worker is not None:
        meta = {**meta, **meta.get(f"worker_{worker[0]}_of_{worker[1]}", {})}
    seconds = meta.get("seconds_last_run", 0.0)
    computed = meta.get("points_last_run", 0)
    total = config.grid.size
    return {
        "workload": config.workload,
        **process,
        "out": str(out),
        "points": total,
        "computed_points": computed,
        "resumed_points": total - computed,
        "dims": list(result.dims),
        "shape": list(result.data[result.names[0]].shape[: len(result.dims)]),
        "outputs": {name: list(a.shape[len(result.dims) :]) for name, a in result.data.items()},
        "nonfinite": result.nonfinite,
        "summary": {name: _summary(a) for name, a in result.data.items()},
        "chunk_size": meta.get("chunk_size"),
        "devices": meta.get("devices"),
        "processes": meta.get("processes", 1),
        "platform": meta.get("platform"),
        "seconds": seconds,
        "points_per_s": computed / seconds if seconds > 0 else None,
        "complete": True,
    }


def _status_report_empty(path: Path, total: int) -> dict:
    return {
        "out": str(path),
        "points": total,
        "done_points": 0,
        "missing_points": total,
        "missing_ranges": [[0, total]],
        "complete": False,
    }


def _parse_at(items: list[str]) -> dict[str, float]:
    at = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            at[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise UsageError(f"--at must look like AXIS=VALUE (got {item!r})")
    return at


def _sweep_plot(args: argparse.Namespace) -> dict:
    from ..plot import save
    from ._plot import plot_slice
    from ._store import load

    result = load(args.results)
    output = args.output or result.names[0]
    at = _parse_at(args.at or [])
    fig = plot_slice(result, output, log=args.log, **at)
    out = Path(args.out) if args.out is not None else Path(args.results)
    suffix = "".join(f"_{k}{v:g}" for k, v in at.items())
    path = save(fig, out / f"{output}{suffix}.png")
    return {"figure": str(path), "output": output, "at": at}


def _sweep_export(args: argparse.Namespace) -> dict:
    from ._store import load

    target = Path(args.to)
    kinds = {".zarr": "zarr", ".nc": "netcdf"}
    if target.suffix not in kinds:
        raise UsageError(f"--to must end in .zarr or .nc (got {str(target)!r})")
    if target.exists() and not args.overwrite:
        raise UsageError(f"--to {str(target)!r} exists; pass --overwrite to replace it")
    try:
        import xarray  # noqa: F401
    except ImportError:
        raise UsageError("sweep-export needs xarray: pip install 'jaxhop[xarray]'") from None
    dataset = load(args.results).to_xarray()
    if kinds[target.suffix] == "zarr":
        with warnings.catch_warnings():  # zarr 3: consolidated metadata is an extension
            warnings.filterwarnings("ignore", message=".*[Cc]onsolidated metadata")
            dataset.to_zarr(target, mode="w")
    else:
        if target.exists():
            target.unlink()
        dataset.to_netcdf(target, engine="h5netcdf")
    return {
        "to": str(target),
        "format": kinds[target.suffix],
        "dims": dict(dataset.sizes),
        "variables": sorted(dataset.data_vars),
    }


def register(subparsers, *, workloads: WorkloadRegistry) -> None:
    """Add ``sweep`` (running the named workloads of `workloads`) and ``sweep-plot``."""
    parser = add_command(
        subparsers,
        "sweep",
        _sweep,
        workloads=workloads,
        help="run a registered workload over a grid from a TOML config (sharded, resumable)",
        description="Run a declarative sweep: chunks stream to DIR as .npz + sweep.json; a "
        "re-run resumes where it stopped. See examples/*.toml.",
        out_help="directory for the results (default: the config's out)",
    )
    parser.add_argument("config", nargs="?", type=Path, help="TOML config file")
    parser.add_argument("--list", action="store_true", help="list the registered workloads")
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="points per chunk (default: the config's, else the largest that fits in memory)",
    )
    parser.add_argument(
        "--restart", action="store_true", help="delete results already in the directory"
    )
    parser.add_argument(
        "--worker",
        metavar="I/N",
        default=None,
        help="independent worker I of N (0 <= I < N, e.g. a job array's task id): compute only "
        "the missing points of this worker's share; workers of one sweep share the directory "
        "(default: one process computes every point)",
    )
    parser.add_argument(
        "--status", action="store_true", help="report done and missing points; compute nothing"
    )
    group = parser.add_argument_group(
        "cooperating processes (jax.distributed; docs/cluster.md)",
        "One run over every process's devices; each process writes its own devices' chunks. "
        "Start every process with the same CONFIG and --out. Options not given are detected "
        "by JAX from the environment (SLURM's srun, Open MPI, JAX_COORDINATOR_ADDRESS).",
    )
    group.add_argument(
        "--distributed",
        action="store_true",
        help="join a jax.distributed run, detecting coordinator and process ids (e.g. srun)",
    )
    group.add_argument(
        "--coordinator", metavar="HOST:PORT", default=None, help="process 0's address"
    )
    group.add_argument(
        "--num-processes", type=int, default=None, metavar="N", help="processes in the run"
    )
    group.add_argument("--process-id", type=int, default=None, metavar="I", help="0 <= I < N")
    group.add_argument(
        "--heartbeat-timeout",
        type=int,
        default=None,
        metavar="S",
        help="seconds after which a silent process counts as dead and the run fails (100)",
    )

    parser = add_command(
        subparsers,
        "sweep-export",
        _sweep_export,
        writes=False,  # writes only its --to target
        help="write a finished sweep as Zarr (.zarr) or netCDF (.nc) via xarray",
        description="Export a finished sweep as an xarray Dataset: grid axes as dimensions "
        "and coordinates, outputs as variables, metadata as attributes. Needs the xarray "
        "extra (pip install 'jaxhop[xarray]').",
    )
    parser.add_argument("results", type=Path, help="the sweep's output directory")
    parser.add_argument("--to", required=True, help="target: out.zarr or out.nc")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing target")

    parser = add_command(
        subparsers,
        "sweep-plot",
        _sweep_plot,
        help="plot a 1-D or 2-D slice of a sweep's output",
        description="Plot one output of a finished sweep over one or two grid axes.",
        out_help="directory for the figure (default: the sweep's directory)",
    )
    parser.add_argument("results", type=Path, help="the sweep's output directory")
    parser.add_argument("--output", default=None, help="which output (default: the first)")
    parser.add_argument(
        "--at",
        action="append",
        metavar="AXIS=VALUE",
        help="fix a grid axis (repeatable; default: none fixed)",
    )
    parser.add_argument("--log", action="store_true", help="logarithmic colour / y scale")
