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


def record(name: str, jaxhop_s: float, baseline_s: float, compile_s: float, target: str, **extra):
    """One benchmark record; ``ratio`` is baseline time over jaxhop time (higher is better)."""
    return {
        "name": name,
        "jaxhop_s": jaxhop_s,
        "baseline_s": baseline_s,
        "ratio": baseline_s / jaxhop_s if jaxhop_s > 0 else float("nan"),
        "compile_s": compile_s,
        "target": target,
        **extra,
    }


def print_records(records: list[dict]) -> None:
    for rec in records:
        print(json.dumps(rec))
