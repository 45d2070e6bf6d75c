"""``jaxhop sequence``: a two-timescale sequential-retrieval run from the command line."""

from __future__ import annotations

import argparse
import math

from ..cli import (
    INT32_MAX,
    UsageError,
    add_command,
    check_count,
    check_memory,
    check_positive,
    save_figure,
    seed,
)

_SAVE_EVERY = 5  # sequential_retrieval's default: states saved every 5 Euler steps


def _sequence_bytes(size: int, memories: int, saves: int) -> int:
    # the memories (float32 on the device; int64 and float64 while built on the host), the
    # state and noise of one step, and the saved trajectory of (y, α) (float32, then float64)
    return 24 * size * memories + 32 * (size + memories) + 12 * saves * (size + memories)


def _sequence(args: argparse.Namespace) -> dict:
    check_positive("--kappa", args.kappa)
    check_positive("--z0", args.z0)
    check_positive("--eps", args.eps)
    check_positive("--time", args.time)
    check_positive("--noise", args.noise, strict=False)
    if args.size < 2 or args.size & (args.size - 1):
        raise UsageError(f"--size must be a power of two >= 2 (got {args.size})")
    if not 1 <= args.memories <= args.size - 1:
        raise UsageError(
            f"--memories must be in [1, size - 1 = {args.size - 1}] (got {args.memories})"
        )
    check_count("--max-events", args.max_events, hi=2**24)
    if args.method != "euler" and args.dt is not None:
        raise UsageError(f"--dt sets the Euler step: it has no effect with --method {args.method}")
    if args.method != "continuous":
        for flag, value in (("--solver", args.solver), ("--rtol", args.rtol)):
            if value is not None:
                raise UsageError(
                    f"{flag} sets the continuous solve: it has no effect with "
                    f"--method {args.method}"
                )
    if args.dt is not None and not (math.isfinite(args.dt) and 0 < args.dt <= args.eps / 2):
        raise UsageError(f"--dt must be in (0, eps/2 = {args.eps / 2:g}] (got {args.dt})")
    pow2 = lambda n: 1 << (n.bit_length() - 1)  # noqa: E731 - largest power of two <= n
    check_memory(
        "--size", args.size, lambda n: _sequence_bytes(n, args.memories, 0), lo=2, allowed=pow2
    )
    saves = 0
    if args.method == "euler":
        dt = args.eps / 5 if args.dt is None else args.dt
        steps = round(args.time / dt)
        if steps > INT32_MAX:
            raise UsageError(
                f"--time/--dt: {args.time:g}/{dt:g} = {steps} Euler steps, more than the "
                f"int32 limit {INT32_MAX}; the longest --time at this step is "
                f"{INT32_MAX * dt:g}"
            )
        saves = -(-steps // _SAVE_EVERY) + 1
        check_memory(
            "Euler steps (--time/--dt)",
            steps,
            lambda n: _sequence_bytes(args.size, args.memories, n // _SAVE_EVERY + 2),
        )
    check_memory(
        "--size", args.size, lambda n: _sequence_bytes(n, args.memories, saves), lo=2, allowed=pow2
    )
    import jax
    import numpy as np

    from . import _plot, _retrieval
    from ._memories import hadamard_memories

    hadamard_memories(args.size, args.memories)  # same checks, library wording
    solve: dict = {}  # the continuous solve's options, only for --method continuous
    if args.method == "continuous":
        solve = {
            "solver": args.solver or "kvaerno5",
            "rtol": 1e-6 if args.rtol is None else args.rtol,
        }
        if not 0 < solve["rtol"] < 1:
            raise UsageError(f"--rtol must be in (0, 1) (got {solve['rtol']})")
        jax.config.update("jax_enable_x64", True)  # the implicit solve needs float64
    events, sol = _retrieval.sequential_retrieval(
        args.kappa,
        args.z0,
        size=args.size,
        num_memories=args.memories,
        eps=args.eps,
        noise=args.noise,
        t1=args.time,
        dt=args.dt,
        key=jax.random.key(args.seed),
        method=args.method,
        max_events=args.max_events,
        **solve,
    )
    n = int(events.num_entries)
    map_z = np.asarray(_retrieval.map_prediction(args.kappa, args.z0, max(n, 1) + 1), np.float64)
    result = {
        "kappa": args.kappa,
        "z0": args.z0,
        "method": args.method,
        "memories_entered": np.asarray(events.memories)[:n],
        "entry_times": np.asarray(events.entry_times)[:n],
        "entry_saliencies": np.asarray(events.entry_saliencies)[:n],
        "dwell_times": np.asarray(events.dwell_times)[:n],
        "collapsed": bool(events.collapsed),
        "collapse_time": float(events.collapse_time),
        "map_entry_saliencies": map_z[: n + 1],
        "map_dwell_times": np.log(np.where(map_z > 1, map_z, np.nan))[: n + 1],
    }
    if args.out is not None and sol is not None:
        fig = _plot.plot_sequence(
            sol.ts,
            *sol.ys,
            events,
            map_z,
            title=f"κ = {args.kappa:g}, Z₀ = {args.z0:g}, ε = {args.eps:g}",
        )
        result["figure"] = save_figure(fig, args.out, "sequence.png")
    return result


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "sequence",
        _sequence,
        help="two-timescale sequential retrieval: entry saliencies, dwell times, collapse",
        description="Run the two-timescale network (Hadamard memories, cyclic successor) from "
        "y(0) = Z0 ξ¹ and compare its transitions with the saliency map. Dwell times of a last "
        "memory still retrieved at the end of the run are null.",
    )
    parser.add_argument("--kappa", type=float, required=True, help="gain κ > 0")
    parser.add_argument("--z0", type=float, required=True, help="initial saliency Z0 > 0")
    parser.add_argument("--memories", type=int, default=8, help="P, 1 ≤ P ≤ N − 1 (default 8)")
    parser.add_argument("--size", type=int, default=64, help="N, a power of two (default 64)")
    parser.add_argument(
        "--eps",
        type=float,
        default=1e-3,
        help="fast time constant ε (default 1e-3); Euler's cost grows as 1/ε (5·time/ε steps): "
        "for ε below ~1e-4 use --method continuous, whose cost does not (ε = 1e-6 in seconds)",
    )
    parser.add_argument("--time", type=float, default=10.0, help="run length (euler, continuous)")
    parser.add_argument("--dt", type=float, default=None, help="Euler step (default ε/5)")
    parser.add_argument("--noise", type=float, default=1e-6, help="fast-layer noise σ")
    parser.add_argument("--seed", type=seed, default=0, help="noise seed (any integer, mod 2^32)")
    parser.add_argument(
        "--method",
        choices=("euler", "adiabatic", "continuous"),
        default="euler",
        help="fixed-step Euler–Maruyama, the exact ε → 0 event reduction, or the adaptive "
        "continuous solve (diffrax, float64; cost independent of ε, for ε down to 1e-6)",
    )
    parser.add_argument(
        "--solver",
        choices=("kvaerno5", "kvaerno3"),
        default=None,
        help="implicit solver of --method continuous (default kvaerno5)",
    )
    parser.add_argument(
        "--rtol",
        type=float,
        default=None,
        help="relative tolerance of --method continuous (default 1e-6)",
    )
    parser.add_argument("--max-events", type=int, default=16, help="entries reported at most")
