"""``jaxhop firing-rate phase-diagram``: the (x*, ρ) stability phase diagram."""

from __future__ import annotations

import argparse
import time

from ..cli import UsageError, add_command, check_count, check_memory, save_figure

_Q = 0.2  # coding level of the deterministic pattern set (docs/firing_rate.md)


def _phase_diagram(args: argparse.Namespace) -> dict:
    step = round(1 / (_Q * _Q))
    if args.size < step or args.size % step:
        raise UsageError(
            f"--size must be a positive multiple of {step} (q = {_Q}: q²N and q(1-q)N must be "
            f"integers for the exact-overlap patterns), got {args.size}"
        )
    check_count("--size", args.size, lo=step)
    # the patterns (N × P, float32 and the float64 host copy it is built from), a few times
    check_memory("--size", args.size, lambda n: 4 * 12 * n * (round(1 / _Q) + 1), lo=step)
    if args.chunk_size is not None:
        check_count("--chunk-size", args.chunk_size)
    import numpy as np

    from ._phase import phase_diagram

    start = time.perf_counter()
    diagram = phase_diagram(
        args.activation, args.gamma, size=args.size, q=_Q, chunk_size=args.chunk_size
    )
    counts = diagram.counts()
    seconds = time.perf_counter() - start
    result = {
        "activation": args.activation,
        "gamma": args.gamma,
        "size": args.size,
        "patterns": int(1 / _Q + 1e-9) + 1,
        **counts,
        "grid": {
            "x_star": np.asarray(diagram.x_star),
            "rho": np.asarray(diagram.rho),
            "stable": np.asarray(diagram.stable),
            "sufficient": np.asarray(diagram.sufficient),
            "instability": np.asarray(diagram.instability),
            "lambda_max": np.asarray(diagram.lambda_max),
        },
        "seconds": round(seconds, 3),
    }
    if args.out is not None:
        from ._plot import plot_phase_diagrams

        name = f"firing_rate_phase_{args.activation}_{args.gamma}.png"
        result["figure"] = save_figure(plot_phase_diagrams([diagram]), args.out, name)
    return result


def _missing(args: argparse.Namespace) -> dict:
    raise UsageError("firing-rate: choose a subcommand: phase-diagram")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "firing-rate",
        help="firing-rate associative memory: stability phase diagram",
        description="Firing-rate associative memories (Betteti et al., arXiv 2411.07388).",
    )
    parser.set_defaults(handler=_missing)
    commands = parser.add_subparsers(dest="firing_rate_command", metavar="COMMAND")
    phase = add_command(
        commands,
        "phase-diagram",
        _phase_diagram,
        help="stability of the designed memories over (x*, ρ), 30 × 30 cells",
        description="For every cell of ρ = linspace(0.2, 5, 30) × x* = linspace(0, 0.9, 30): "
        "are the rescaled memories of the deterministic pattern set (q = 0.2, P = 6) "
        "numerically stable (max λ(J) < 0), certified by the sufficient test, flagged by the "
        "instability test? JSON grid arrays are indexed [x*][ρ].",
    )
    phase.add_argument(
        "--activation", choices=("sigmoid", "rect-tanh"), default="sigmoid", help="Φ"
    )
    phase.add_argument(
        "--gamma",
        choices=("negative", "positive"),
        default="negative",
        help="design setting: negative (a = -0.3, b = 0.95) or positive (a = 0.1, b = 0.95)",
    )
    phase.add_argument("--size", type=int, default=1000, help="N, a multiple of 25 (default 1000)")
    phase.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="cells per tile (lax.map; default: all at once)",
    )
