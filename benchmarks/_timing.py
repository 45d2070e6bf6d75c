"""Timing helpers shared by the benchmark scripts.

Method: compile once (timed separately as ``compile_s``), warm up, then report the minimum
wall time of ``repeats`` runs, each ended by ``block_until_ready`` so asynchronous dispatch is
not mistaken for speed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import jax


def block(tree):
    """Wait until every array in ``tree`` is computed."""
    return jax.tree_util.tree_map(
        lambda x: x.block_until_ready() if hasattr(x, "block_until_ready") else x, tree
    )


def time_min(fn: Callable[[], object], *, repeats: int = 3) -> float:
    """Minimum wall time (s) over ``repeats`` calls of ``fn`` (results blocked on)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        block(fn())
        best = min(best, time.perf_counter() - start)
    return best


def time_jax(fn: Callable[[], object], *, repeats: int = 3) -> tuple[float, float]:
    """``(compile_s, run_s)``: the first call (trace + compile + run) minus one run, and the
    minimum of ``repeats`` later runs."""
    start = time.perf_counter()
    block(fn())
    first = time.perf_counter() - start
    run = time_min(fn, repeats=repeats)
    return max(first - run, 0.0), run


def time_interleaved(fns: dict[str, Callable[[], object]], *, repeats: int = 5) -> dict[str, float]:
    """Minimum time of each function over ``repeats`` rounds, the functions taking turns
    within each round, so that a change in the shared machine's load between the phases of a
    benchmark shifts every contender alike instead of one of them (call each once first to
    compile)."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            block(fn())
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def time_pair(
    jaxhop: Callable[[], object], baseline: Callable[[], object], *, repeats: int = 5
) -> tuple[float, float]:
    """``(jaxhop_s, baseline_s)``: minimum of ``repeats`` runs each, the two taking turns
    (:func:`time_interleaved`), so both sides get equal repeats under the same load. Call each
    once before (compile, warm-up)."""
    best = time_interleaved({"jaxhop": jaxhop, "baseline": baseline}, repeats=repeats)
    return best["jaxhop"], best["baseline"]


def compiled_mb(jitted, *args) -> dict:
    """XLA's memory analysis of ``jitted`` compiled for ``args``: output and temporary buffers,
    in MB (arguments excluded: they are the caller's)."""
    analysis = jitted.lower(*args).compile().memory_analysis()
    return {
        "output_mb": analysis.output_size_in_bytes / 2**20,
        "temp_mb": analysis.temp_size_in_bytes / 2**20,
    }


def trajectory_check(build: Callable[[int], tuple], num_steps: int, factor: int = 4) -> dict:
    """Does a workload store its trajectory without being asked?

    ``build(steps)`` returns ``(jitted_fn, args)`` for the workload run for ``steps`` steps.
    It is compiled (not run) for ``num_steps`` and ``factor × num_steps``: what the user asked
    to keep comes back as *output*, so the *temporary* buffers may grow by at most as much as
    the output does (the engine stacks the saved observations in a scan buffer before joining
    the initial one: one transient copy of what was asked for), never by a hidden trajectory
    of states. Returns both analyses and ``temp_grows_with_steps``: temporaries grew by more
    than the output's growth + 25 % + 1 MB.
    """
    small = compiled_mb(*_unpack(build(num_steps)))
    large = compiled_mb(*_unpack(build(factor * num_steps)))
    output_growth = large["output_mb"] - small["output_mb"]
    return {
        "temp_mb": round(small["temp_mb"], 3),
        "output_mb": round(small["output_mb"], 3),
        f"temp_mb_{factor}x_steps": round(large["temp_mb"], 3),
        f"output_mb_{factor}x_steps": round(large["output_mb"], 3),
        "temp_grows_with_steps": large["temp_mb"] > 1.25 * small["temp_mb"] + 1.0 + output_growth,
    }


def _unpack(built):
    fn, args = built
    return (fn, *args)


def record(
    name: str,
    jaxhop_s: float,
    baseline_s: float,
    compile_s: float,
    target: str,
    *,
    strong_baseline_s: float | None = None,
    strong_target: float | None = None,
    **extra,
):
    """One benchmark record; ``ratio`` is baseline time over jaxhop time (higher is better).

    ``baseline_s`` is the published practice (what the papers' code does); ``strong_baseline_s``
    the strongest NumPy implementation of the *same algorithm* we could write, timed
    interleaved with jaxhop with equal repeats, giving ``strong_ratio`` (and
    ``strong_target_met`` when a ``strong_target`` ratio is set). A baseline timed on part of
    the workload and scaled says so with ``extrapolated: True`` (``strong_extrapolated`` for
    the strong one) in ``extra``."""

    def ratio(base):
        return base / jaxhop_s if jaxhop_s > 0 and base is not None else float("nan")

    rec = {
        "name": name,
        "jaxhop_s": jaxhop_s,
        "baseline_s": baseline_s,
        "ratio": ratio(baseline_s),
        "compile_s": compile_s,
        "target": target,
    }
    if strong_baseline_s is not None:
        rec["strong_baseline_s"] = strong_baseline_s
        rec["strong_ratio"] = ratio(strong_baseline_s)
        rec.setdefault("strong_extrapolated", False)
    if strong_target is not None:
        rec["strong_target"] = strong_target
        rec["strong_target_met"] = bool(rec.get("strong_ratio", float("nan")) >= strong_target)
    rec.update(extra)
    return rec


def print_records(records: list[dict]) -> None:
    for rec in records:
        print(json.dumps(rec))
