"""Selective-scan formulations: training-step speed of the Mamba/S6 baseline by scan mode.

``ssm_scan``: seconds per AdamW training step (forward + backward + update on a fresh batch
drawn inside the jitted step; L = 256, batch 64, width 32, 2 layers, expand 2, state 16,
width-4 convolution, exact ZOH) of the selective model in each formulation, all timed in the
same run, taking turns (``time_interleaved``). Baselines: ``sequential`` (materialised
``(L, D, N)`` discretisation, ``lax.scan``) and ``associative`` (the same tensors through
``lax.associative_scan``). Contenders: ``fused`` (discretisation and the ``C`` contraction
inside the scan step, only ``(L, D)`` leaves it) with ``chunk`` = T (outer scan over chunks,
inner scan rematerialised) or without chunks, and ``unroll``; and the Mamba-2 ``ssd`` model
(scalar decay per head) in its chunked form (matrix products within chunks of T, a scan over
chunk states) or its per-position reference. ``speedup`` = baseline step time
÷ contender step time = contender tokens/s ÷ baseline tokens/s. Target: ≥ 5× ``sequential``.

Run: ``python benchmarks/bench_ssm_scan.py [--quick] [--length L] [--only NAME ...]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import jax

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import block, time_interleaved  # noqa: E402
from bench_ssm import _mode, _step_timer  # noqa: E402

import jaxhop as jh  # noqa: E402

WIDTH = 32

# name: (model, mode, make_model keywords)
VARIANTS = {
    "sequential": ("selective", "sequential", {}),
    "associative": ("selective", "associative", {}),
    "fused": ("selective", "fused", {"chunk": None}),
    "fused_chunk16": ("selective", "fused", {"chunk": 16}),
    "fused_chunk32": ("selective", "fused", {"chunk": 32}),
    "fused_chunk64": ("selective", "fused", {"chunk": 64}),
    "fused_chunk32_unroll4": ("selective", "fused", {"chunk": 32, "unroll": 4}),
    "ssd_chunk32": ("ssd", "chunked", {"chunk": 32}),
    "ssd_chunk64": ("ssd", "chunked", {"chunk": 64}),
    "ssd_sequential": ("ssd", "sequential", {}),
}


def run(quick: bool = False, length: int = 256, only=None) -> list[dict]:
    batch, repeats = (16, 2) if quick else (64, 3)
    task = jh.ssm.induction_head(length=length)
    names = list(only or VARIANTS)
    fns, compile_s = {}, {}
    for name in names:
        kind, mode, kwargs = VARIANTS[name]
        model = jh.ssm.make_model(kind, jax.random.key(0), task, width=WIDTH, **kwargs)
        fns[name] = _step_timer(_mode(model, mode), task, batch)
        start = time.perf_counter()
        block(fns[name]())
        compile_s[name] = time.perf_counter() - start
        print(f"# {name}: first step {compile_s[name]:.1f} s", file=sys.stderr, flush=True)
    best = time_interleaved(fns, repeats=repeats)
    tokens = batch * length
    records = []
    for name in names:
        rec = {
            "workload": "ssm_scan",
            "variant": name,
            "model": VARIANTS[name][0],
            "length": length,
            "batch": batch,
            "step_s": best[name],
            "tokens_per_s": tokens / best[name],
            "first_step_s": compile_s[name],
        }
        for base in ("sequential", "associative"):
            if base in best:
                rec[f"speedup_vs_{base}"] = best[base] / best[name]
        records.append(rec)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="batch 16, 2 repeats")
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--only", nargs="*", choices=tuple(VARIANTS), default=None)
    args = parser.parse_args()
    for rec in run(args.quick, args.length, args.only):
        print(json.dumps(rec))


if __name__ == "__main__":
    main()
