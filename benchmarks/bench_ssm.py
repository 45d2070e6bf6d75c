"""SSM selection: training throughput and the model × task accuracy table.

``ssm_training`` (``run(quick)``): time per AdamW training step (forward + backward + update
on a fresh batch, L = 256, width 32) of the residual-generator model (FFT-convolutional LTI
blocks) against the Mamba/S6 selective-scan baseline at the same width (2 layers, expand 2,
state 16, width-4 convolution; ``lax.associative_scan`` — the record also reports the
``lax.scan`` mode). ``jaxhop_s``/``baseline_s`` are seconds per step, so ``ratio`` =
residual tokens/s ÷ selective tokens/s. Target (our performance goal): ≥ 3×.

``--table``: trains every model on every task (induction head, extended k = 2, 3, 4 with a
fixed trigger) with the same budget and reports test accuracy, parameters, training tokens/s,
wall time, and length generalisation (test at 2L and 4L); ``--readme`` writes the table into
the ``## ssm`` section of ``benchmarks/README.md``.

Run: ``python benchmarks/bench_ssm.py [--quick] [--table [--steps S --length L ...]]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import equinox as eqx
import jax

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import print_records, record, time_jax  # noqa: E402

import jaxhop as jh  # noqa: E402
from jaxhop.ssm import _train  # noqa: E402

WIDTH = 32


def _step_timer(model, task, batch, steps=100):
    optimizer = _train.make_optimizer(steps)
    with jax.numpy_dtype_promotion("standard"):
        opt_state = optimizer.init(eqx.filter(model, eqx.is_array))
    key = jax.random.key(0)
    state = {"model": model, "opt": opt_state}

    def one():
        state["model"], state["opt"], loss = _train.train_step(
            optimizer, state["model"], state["opt"], task, key, batch
        )
        return loss

    return one


def _mode(model, mode):
    """A model whose __call__ uses `mode` (selective: associative / sequential)."""

    class Fixed(eqx.Module):
        inner: eqx.Module

        def __call__(self, tokens):
            return self.inner(tokens, mode=mode)

    return Fixed(model)


def run(quick: bool = False) -> list[dict]:
    length, batch, repeats = (256, 16, 2) if quick else (256, 64, 3)
    task = jh.ssm.induction_head(length=length)
    key = jax.random.key(0)
    residual = jh.ssm.make_model("residual", key, task, width=WIDTH)
    selective = jh.ssm.make_model("selective", key, task, width=WIDTH)
    compile_r, step_r = time_jax(_step_timer(residual, task, batch), repeats=repeats)
    compile_a, step_a = time_jax(
        _step_timer(_mode(selective, "associative"), task, batch), repeats=repeats
    )
    compile_s, step_s = time_jax(
        _step_timer(_mode(selective, "sequential"), task, batch), repeats=repeats
    )
    tokens = batch * length
    return [
        record(
            "ssm_training",
            step_r,
            step_a,
            compile_r,
            "≥ 3× selective-scan tokens/s",
            length=length,
            batch=batch,
            width=WIDTH,
            residual_tokens_per_s=tokens / step_r,
            selective_assoc_tokens_per_s=tokens / step_a,
            selective_scan_tokens_per_s=tokens / step_s,
            ratio_vs_lax_scan=step_s / step_r,
            baseline_compile_s=compile_a,
            residual_params=jh.ssm.count_params(residual),
            selective_params=jh.ssm.count_params(selective),
        )
    ]


TASKS = {
    "induction": lambda L: jh.ssm.induction_head(length=L),
    "extended k=2": lambda L: jh.ssm.extended_induction_head(2, length=L),
    "extended k=3": lambda L: jh.ssm.extended_induction_head(3, length=L),
    "extended k=4": lambda L: jh.ssm.extended_induction_head(4, length=L),
}


def table(
    *,
    models,
    tasks,
    steps,
    length,
    batch,
    lr,
    seed,
    eval_size,
    selective_mode="sequential",
    selective_conv=True,
) -> list[dict]:
    rows = []
    for task_name in tasks:
        task = TASKS[task_name](length)
        for name in models:
            key_model, key_train = jax.random.split(jax.random.key(seed))
            extra = {} if name != "selective" or selective_conv else {"conv_width": None}
            model = jh.ssm.make_model(name, key_model, task, width=WIDTH, **extra)
            if name == "selective":
                model = _mode(model, selective_mode)
            start = time.perf_counter()
            res = jh.ssm.train(
                model, task, key=key_train, steps=steps, batch=batch, lr=lr,
                eval_size=eval_size, eval_every=max(steps // 5, 1), quiet=True,
            )  # fmt: skip
            wall = time.perf_counter() - start
            gen = {
                f"acc_{m}L": jh.ssm.evaluate(
                    res.model, task.with_length(m * length), jax.random.key(seed + m), eval_size
                )
                for m in (2, 4)
            }
            row = {
                "model": name + ("" if extra == {} else " (no conv)"),
                "task": task_name,
                "accuracy": res.accuracy,
                **gen,
                "params": jh.ssm.count_params(model),
                "tokens_per_s": res.tokens_per_s,
                "wall_s": wall,
                "steps": steps,
                "length": length,
                "curve": list(zip(res.eval_steps, res.eval_accuracy)),
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def markdown(rows, args) -> str:
    lines = [
        f"Trained with AdamW (lr {args.lr:g}, warmup-cosine), batch {args.batch}, "
        f"{args.steps} steps, L = {args.length}, width {WIDTH}, seed {args.seed}; test "
        f"accuracy on {args.eval_size} fresh sequences (chance 1/16 = 0.0625); selective "
        f"scan trained in its `{args.selective_mode}` mode.",
        "",
        "| model | task | test acc. | acc. at 2L | acc. at 4L | params | train tokens/s | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['model']} | {r['task']} | {r['accuracy']:.3f} | {r['acc_2L']:.3f} | "
            f"{r['acc_4L']:.3f} | {r['params']} | {r['tokens_per_s']:.0f} | {r['wall_s']:.0f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--table", action="store_true", help="train the model × task table")
    parser.add_argument("--models", nargs="*", default=list(jh.ssm.MODELS))
    parser.add_argument("--tasks", nargs="*", default=list(TASKS))
    parser.add_argument("--steps", type=int, default=250)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-size", type=int, default=1024)
    parser.add_argument(
        "--selective-mode", choices=("sequential", "associative"), default="sequential"
    )
    parser.add_argument("--no-conv", action="store_true", help="selective scan without conv")
    parser.add_argument("--markdown", type=Path, default=None, help="write the table here")
    args = parser.parse_args()
    if args.table:
        rows = table(
            models=args.models, tasks=args.tasks, steps=args.steps, length=args.length,
            batch=args.batch, lr=args.lr, seed=args.seed, eval_size=args.eval_size,
            selective_mode=args.selective_mode, selective_conv=not args.no_conv,
        )  # fmt: skip
        text = markdown(rows, args)
        print(text)
        if args.markdown is not None:
            args.markdown.write_text(text + "\n")
    else:
        print_records(run(quick=args.quick))


if __name__ == "__main__":
    main()
