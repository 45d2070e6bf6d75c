"""``jaxhop dam-recall`` (parallel recall against its theory) and ``jaxhop dam-capacity``."""

from __future__ import annotations

import argparse
import math

from ..cli import (
    MEMORY_BUDGET_ENV,
    UsageError,
    add_command,
    check_count,
    check_memory,
    check_positive,
    memory_budget,
    save_figure,
    seed,
)

_PATHS = 2**14  # effective-process paths by default


def _recall(args: argparse.Namespace) -> dict:
    if args.order < 2:
        raise UsageError(f"--order must be an integer >= 2 (got {args.order})")
    if args.size < 2:
        raise UsageError(f"--size must be an integer >= 2 (got {args.size})")
    check_positive("--load", args.load)
    if not (math.isfinite(args.m0) and -1 <= args.m0 <= 1):
        raise UsageError(f"--m0 must be in [-1, 1] (got {args.m0})")
    check_count("--size", args.size, lo=2)
    check_count("--order", args.order, lo=2, hi=64)
    for name, value in (("--trials", args.trials), ("--steps", args.steps)):
        check_count(name, value)
    check_count("--pattern-sets", args.pattern_sets)
    paths = _PATHS if args.paths is None else check_count("--paths", args.paths)
    import jax
    import numpy as np

    from ._dynamics import num_patterns
    from ._effective import effective_process, effective_process_bytes
    from ._recall import _resolve_storage, recall_memory_bytes, recall_summary, simulate_recall
    from ._theory import recurrence

    if args.order >= 3:
        check_memory("--steps", args.steps, lambda t: effective_process_bytes(t, paths))
        check_memory("--paths", paths, lambda p: effective_process_bytes(args.steps, p))
    patterns = num_patterns(args.order, args.size, args.load, args.variant)
    if 128 * patterns >= 2**31:
        raise UsageError(
            f"--load/--size: M = {patterns:.3g} patterns; at most 2^24 are supported "
            "(int32 digit sums)"
        )
    storage = _resolve_storage(args.storage, args.size, patterns)
    sets = min(args.pattern_sets, args.trials)
    batch = -(-args.trials // sets)
    block = max(32, -(-min(patterns, 2048) // 32) * 32)
    need = recall_memory_bytes(
        args.order,
        args.size,
        patterns,
        batch,
        storage=storage,
        block_size=block,
        variant=args.variant,
    )
    have = memory_budget()
    if need > have:
        raise UsageError(
            f"--size/--load: the patterns need about {need / 2**30:.1f} GiB "
            f"(M = {patterns}, storage {storage}), more than the memory budget of "
            f"{have / 2**30:.1f} GiB; use --storage key or a smaller --size/--load "
            f"(or set {MEMORY_BUDGET_ENV})"
        )
    key = jax.random.key(args.seed)
    result = simulate_recall(
        key,
        order=args.order,
        size=args.size,
        load=args.load,
        m0=args.m0,
        trials=args.trials,
        steps=args.steps,
        variant=args.variant,
        rule=args.rule,
        pattern_sets=args.pattern_sets,
        storage=storage,
    )
    summary = recall_summary(result)
    theory = np.asarray(recurrence(args.m0, args.load, args.order, args.steps), np.float64)
    full = None
    if args.order >= 3:
        process = effective_process(
            args.m0,
            args.load,
            args.order,
            args.steps,
            key=jax.random.fold_in(key, 1),
            paths=paths,
            variant=args.variant,
        )
        full = np.asarray(process.m, np.float64)
    else:  # n = 2: the full generating-functional process (Düring, Coolen & Sherrington 1998)
        from ._hopfield import hopfield_process

        check_memory("--paths", paths, lambda p: 8 * (2 * args.steps + 1) * p)
        process = hopfield_process(
            args.m0, args.load, args.steps, key=jax.random.fold_in(key, 1), paths=paths
        )
        full = np.asarray(process.m, np.float64)
    out = {
        "order": args.order,
        "size": args.size,
        "load": args.load,
        "variant": args.variant,
        "rule": args.rule,
        "m0": args.m0,
        "patterns": patterns,
        "pattern_sets": result.pattern_sets,
        "trials": int(result.m.shape[1]),
        "storage": result.storage,
        "memory_bytes_estimate": need,
        "m_mean": summary["m_mean"],
        "m_std": summary["m_std"],
        "m_sem_sets": summary["m_sem_sets"],
        "success_rate": summary["success_rate"],
        "converged_fraction": summary["converged_fraction"],
        "fixed_point_fraction": summary["fixed_point_fraction"],
        "convergence_time_mean": summary["convergence_time_mean"],
        "convergence_time_std": summary["convergence_time_std"],
        "convergence_time": np.asarray(result.convergence_time[0], np.float64),
        "theory_m": theory,
        "theory_full_m": full,
    }
    if args.out is not None:
        from ._plot import plot_recall

        out["figure"] = save_figure(plot_recall([out]), args.out, "dam_recall.png")
    return out


_CAPACITY_LOADS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)  # = _capacity.DEFAULT_LOADS


def _capacity(args: argparse.Namespace) -> dict:
    if args.sizes is None:
        args.sizes = [128, 256, 512]
    if args.loads is None:
        args.loads = list(_CAPACITY_LOADS)
    check_count("--order", args.order, lo=2, hi=64)
    if len(args.sizes) < 2 or len(set(args.sizes)) != len(args.sizes):
        raise UsageError(f"--sizes must be at least two distinct sizes (got {args.sizes})")
    for size in args.sizes:
        check_count("--sizes", size, lo=8)
    if not (math.isfinite(args.m0) and 0 < args.m0 <= 1):
        raise UsageError(f"--m0 must be in (0, 1] (got {args.m0})")
    if len(args.loads) < 2 or len(set(args.loads)) != len(args.loads):
        raise UsageError(f"--loads must be at least two distinct loads (got {args.loads})")
    for load in args.loads:
        check_positive("--loads", load)
    check_count("--steps", args.steps, hi=100_000)
    check_count("--trials", args.trials, hi=1_000_000)
    check_count("--refine", args.refine, lo=0, hi=30)
    check_count("--bootstrap", args.bootstrap, lo=0, hi=100_000)
    if args.pattern_sets is not None:
        check_count("--pattern-sets", args.pattern_sets)
    check_positive("--exponent", args.exponent)
    if args.store is not None:
        from ._capacity_store import check_store_path

        try:
            check_store_path(args.store)
        except ValueError as error:
            raise UsageError(f"--store: {error}") from None
    kappa = (
        math.prod(range(2 * args.order - 3, 0, -2))
        if args.variant == "krotov"
        else (math.factorial(args.order - 1))
    )
    largest = max(args.sizes)
    patterns = max(1, round(max(args.loads) * float(largest) ** (args.order - 1) / kappa))
    if 128 * patterns >= 2**31:
        raise UsageError(
            f"--sizes/--loads: M = {patterns:.3g} patterns at N = {largest}, α' = "
            f"{max(args.loads)}; at most 2^24 are supported (int32 digit sums)"
        )
    import jax

    from ._capacity import dynamical_capacity
    from ._recall import INT8_STORAGE_LIMIT, recall_memory_bytes

    sets = args.pattern_sets or (args.trials if args.m0 == 1 else min(10, args.trials))
    per_set = -(-args.trials // min(sets, args.trials))
    storage = "int8" if largest * patterns <= INT8_STORAGE_LIMIT else "key"
    need = recall_memory_bytes(
        args.order,
        largest,
        patterns,
        per_set,
        storage=storage,
        block_size=max(32, -(-min(patterns, 2048) // 32) * 32),
        variant=args.variant,
    )
    have = memory_budget()
    if need > have:
        raise UsageError(
            f"--sizes/--loads: one pattern set needs about {need / 2**30:.1f} GiB at N = "
            f"{largest}, more than the memory budget of {have / 2**30:.1f} GiB "
            f"(or set {MEMORY_BUDGET_ENV})"
        )
    out = dynamical_capacity(
        jax.random.key(args.seed),
        order=args.order,
        sizes=args.sizes,
        m0=args.m0,
        steps=args.steps,
        trials=args.trials,
        loads=args.loads,
        refine=args.refine,
        pattern_sets=args.pattern_sets,
        variant=args.variant,
        bootstrap=args.bootstrap,
        exponent=args.exponent,
        store=args.store,
    )
    if args.out is not None:
        from ._plot import plot_capacity

        out["figure"] = save_figure(plot_capacity(out), args.out, "dam_capacity.png")
    return out


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "dam-recall",
        _recall,
        help="dense associative memory: parallel recall vs the Γ = 0 and full theory",
        description="Cue pattern ξ¹ with overlap m0 and run parallel updates of the Krotov "
        "(or n-body) dense associative memory at effective load α' = --load "
        "(M = round(α' N^(n−1)/κ_n)); compare m(t) with the Γ = 0 recurrence and the "
        "Monte-Carlo effective process (n ≥ 3; null for n = 2).",
    )
    parser.add_argument("--order", type=int, default=3, help="n >= 2 (default 3)")
    parser.add_argument("--size", type=int, default=256, help="N (default 256)")
    parser.add_argument("--load", type=float, default=0.2, help="effective load α' > 0")
    parser.add_argument("--m0", type=float, default=0.7, help="initial overlap in [-1, 1]")
    parser.add_argument("--trials", type=int, default=20, help="trials (default 20)")
    parser.add_argument("--steps", type=int, default=10, help="parallel steps (default 10)")
    parser.add_argument(
        "--variant", choices=("krotov", "nbody"), default="krotov", help="the model's energy"
    )
    parser.add_argument(
        "--rule",
        choices=("dominant", "exact"),
        default="dominant",
        help="update: the dominant term of the local field, or the exact energy difference",
    )
    parser.add_argument("--pattern-sets", type=int, default=10, help="independent sets")
    parser.add_argument(
        "--storage",
        choices=("auto", "int8", "key"),
        default="auto",
        help="patterns held as int8, or regenerated from their key; auto: int8 up to 1 GiB",
    )
    parser.add_argument(
        "--paths",
        type=int,
        default=None,
        help=f"effective-process paths (n = 2: full GFA process; default {_PATHS})",
    )
    parser.add_argument("--seed", type=seed, default=0, help="any integer, mod 2^32")

    parser = add_command(
        subparsers,
        "dam-capacity",
        _capacity,
        help="dense associative memory: dynamical capacity by finite-size scaling",
        description="For each N: the success rate (m(T) > 1/2 after --steps parallel steps "
        "from a cue of overlap --m0) on the --loads grid of α', the crossing of 1/2 "
        "bracketed and bisected (--refine midpoints) and read off by interpolation; then "
        "α'_c(N) = α'_c(∞) + a N^(-ν) (ν = --exponent, default 1/2) by weighted least "
        "squares, errors by a bootstrap "
        "over pattern sets. Beside it the n = 3 replica values (RS 0.252, 1RSB 0.266) and "
        "the paper's ≈ 0.3. The number depends on T (docs/dam.md). Cost (measured, n = 3, "
        "m0 = 1, T = 20, 2-core CPU): CPU ≈ 1.2e-8 s × trials × Σ_loads N·M, about 8× per "
        "doubling of N; the default (N = 128 256 512) took 8 min, N = 1024 added ≈ 25 min "
        "on the 5 loads 0.35 … 0.55 (≈ 40 on the default 8), N = 4096 is days; --store "
        "lets a long run resume.",
    )
    parser.add_argument("--order", type=int, default=3, help="n >= 2 (default 3)")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=None,
        help="N values, at least two (default 128 256 512)",
    )
    parser.add_argument(
        "--m0", type=float, default=1.0, help="initial overlap in (0, 1] (default 1.0)"
    )
    parser.add_argument("--steps", type=int, default=20, help="parallel steps T (default 20)")
    parser.add_argument("--trials", type=int, default=100, help="trials per load (default 100)")
    parser.add_argument(
        "--loads",
        type=float,
        nargs="+",
        default=None,
        help="coarse grid of effective loads α' (default "
        + " ".join(f"{x:g}" for x in _CAPACITY_LOADS)
        + ")",
    )
    parser.add_argument(
        "--refine", type=int, default=4, help="bisection midpoints per size (default 4)"
    )
    parser.add_argument(
        "--pattern-sets",
        type=int,
        default=None,
        help="independent pattern sets per load (default: one per trial at m0 = 1, else 10)",
    )
    parser.add_argument(
        "--variant", choices=("krotov", "nbody"), default="krotov", help="the model's energy"
    )
    parser.add_argument(
        "--bootstrap", type=int, default=500, help="bootstrap replicates (default 500)"
    )
    parser.add_argument(
        "--exponent",
        type=float,
        default=0.5,
        help="ν of the fit α'_c(N) = α'_c(∞) + a N^(-ν) (default 0.5)",
    )
    parser.add_argument(
        "--store",
        default=None,
        metavar="FILE",
        help="keep every measured point in this JSON file and read back those already there: "
        "run the same command again to resume; append sizes to extend a run (a size's "
        "patterns are drawn from its position in --sizes)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="any integer, mod 2^32")
