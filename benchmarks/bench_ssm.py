"""SSM selection: training throughput and the model × task accuracy table.

``ssm_training`` (``run(quick)``): time per AdamW training step (forward + backward + update,
L = 256, width 32) of the residual-generator model (FFT-convolutional LTI blocks) against the
selective baselines at the same width (2 layers, expand 2, state 16, width-4 convolution), all
timed in the same run, taking turns: the Mamba/S6 scan as ``lax.associative_scan`` (the
published-practice formulation, ``baseline_s``), as ``lax.scan`` over materialised tensors, and
fused (discretisation inside the step, chunked remat); and the Mamba-2 ``ssd`` model in its
chunked state-space-dual form. ``strong_baseline_s`` is the fastest of these, so
``strong_ratio`` = residual tokens/s ÷ the fastest selective tokens/s. Target (ours): ≥ 3×.

``--table``: trains every model on every task (induction head, extended k = 2, 3, 4 with a
fixed trigger) with the same budget (steps, batch, lr) for every model, once per seed, and
reports test accuracy (mean [min, max] over seeds), parameters, training tokens/s, wall time,
and length generalisation (test at 2L and 4L); ``--markdown`` writes the table, ``--json-out``
the rows with their learning curves, ``--figure`` a PNG of the curves.

Run: ``python benchmarks/bench_ssm.py [--quick] [--table [--preset cpu|gpu|quick] [--steps …]]``;
``--preset gpu`` is the full-size comparison for a machine with an accelerator (L = 512, width
64, 5000 steps, 3 seeds), the same code.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import equinox as eqx
import jax
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import block, print_records, record, time_interleaved  # noqa: E402

import jaxhop as jh  # noqa: E402
from jaxhop.ssm import _train  # noqa: E402

WIDTH = 32

# Named table settings (ours). `cpu`: what the 2-core CPU finishes in about an hour for all
# models, tasks and seeds; `gpu`: the full-size comparison, unchanged code, for a machine with an
# accelerator (JAX places the work on the default device). Explicit flags override a preset.
PRESETS = {
    "cpu": {"length": 64, "batch": 32, "steps": 1000, "lr": 3e-3, "seeds": [0, 1, 2], "width": 32},
    "gpu": {
        "length": 512,
        "batch": 128,
        "steps": 5000,
        "lr": 3e-3,
        "seeds": [0, 1, 2],
        "width": 64,
    },
    "quick": {"length": 16, "batch": 8, "steps": 20, "lr": 3e-3, "seeds": [0], "width": 8},
}


def _step_timer(model, task, batch, steps=100):
    """One AdamW training step per call, each on a fresh batch (key = call count) drawn
    inside the jitted step."""
    optimizer = _train.make_optimizer(steps)
    with jax.numpy_dtype_promotion("standard"):
        opt_state = optimizer.init(eqx.filter(model, eqx.is_array))
    state = {"model": model, "opt": opt_state, "i": 0}

    def one():
        state["i"] += 1
        state["model"], state["opt"], loss = _train.train_step(
            optimizer, state["model"], state["opt"], task, jax.random.key(state["i"]), batch
        )
        return loss

    return one


class _Fixed(eqx.Module):
    inner: eqx.Module
    mode: str = eqx.field(static=True)

    def __call__(self, tokens):
        return self.inner(tokens, mode=self.mode)


def _mode(model, mode):
    """A model whose __call__ uses `mode` (e.g. selective: fused / sequential / associative)."""
    return _Fixed(model, mode)


# the selective baselines, each in every formulation we have: (model, mode)
SELECTIVE_VARIANTS = {
    "selective_associative": ("selective", "associative"),
    "selective_sequential": ("selective", "sequential"),
    "selective_fused": ("selective", "fused"),
    "ssd_chunked": ("ssd", "chunked"),
}


def run(quick: bool = False) -> list[dict]:
    length, batch, repeats = (256, 16, 2) if quick else (256, 64, 3)
    task = jh.ssm.induction_head(length=length)
    key = jax.random.key(0)
    residual = jh.ssm.make_model("residual", key, task, width=WIDTH)
    models = {"selective": jh.ssm.make_model("selective", key, task, width=WIDTH)}
    models["ssd"] = jh.ssm.make_model("ssd", key, task, width=WIDTH)
    fns = {"residual": _step_timer(residual, task, batch)}
    for name, (model, mode) in SELECTIVE_VARIANTS.items():
        fns[name] = _step_timer(_mode(models[model], mode), task, batch)
    compile_s = {}
    for name, fn in fns.items():  # the first call compiles; its excess over a step is compile
        start = time.perf_counter()
        block(fn())
        compile_s[name] = time.perf_counter() - start
    best = time_interleaved(fns, repeats=repeats)
    compile_s = {name: max(compile_s[name] - best[name], 0.0) for name in fns}
    fastest = min(SELECTIVE_VARIANTS, key=best.get)
    tokens = batch * length
    return [
        record(
            "ssm_training",
            best["residual"],
            best["selective_associative"],
            compile_s["residual"],
            "≥ 3× the fastest selective-scan tokens/s",
            strong_baseline_s=best[fastest],
            strong_target=3.0,
            strong_baseline=f"the fastest selective formulation in this run: {fastest}",
            length=length,
            batch=batch,
            width=WIDTH,
            residual_tokens_per_s=tokens / best["residual"],
            **{f"{name}_tokens_per_s": tokens / best[name] for name in SELECTIVE_VARIANTS},
            fastest_selective=fastest,
            scan_speedup_vs_associative=best["selective_associative"] / best[fastest],
            baseline_compile_s={name: compile_s[name] for name in SELECTIVE_VARIANTS},
            residual_params=jh.ssm.count_params(residual),
            selective_params=jh.ssm.count_params(models["selective"]),
            ssd_params=jh.ssm.count_params(models["ssd"]),
        )
    ]


TASKS = {
    "induction": lambda L: jh.ssm.induction_head(length=L),
    "extended k=2": lambda L: jh.ssm.extended_induction_head(2, length=L),
    "extended k=3": lambda L: jh.ssm.extended_induction_head(3, length=L),
    "extended k=4": lambda L: jh.ssm.extended_induction_head(4, length=L),
    # the trigger k-gram drawn per sequence (revealed only at the end): not in the default table
    "per-sequence k=2": lambda L: jh.ssm.per_sequence_trigger(2, length=L),
    "per-sequence k=3": lambda L: jh.ssm.per_sequence_trigger(3, length=L),
}
DEFAULT_TASKS = ("induction", "extended k=2", "extended k=3", "extended k=4")


def table(
    *,
    models,
    tasks,
    steps,
    length,
    batch,
    lr,
    seeds=(0,),
    width=WIDTH,
    eval_size,
    selective_mode="fused",
    selective_conv=True,
) -> list[dict]:
    """One row per (task, model, seed): the same step budget, batch and lr for every model."""
    rows = []
    for seed in seeds:  # seed outermost: a partial run still covers every (task, model)
        for task_name in tasks:
            task = TASKS[task_name](length)
            for name in models:
                rows.append(
                    _train_row(name, task, task_name, steps, length, batch, lr, seed, eval_size,
                               selective_mode, selective_conv, width)
                )  # fmt: skip
    return rows


def _train_row(name, task, task_name, steps, length, batch, lr, seed, eval_size, mode, conv, width):
    key_model, key_train = jax.random.split(jax.random.key(seed))
    extra = {} if name != "selective" or conv else {"conv_width": None}
    model = jh.ssm.make_model(name, key_model, task, width=width, **extra)
    if name == "selective":
        model = _mode(model, mode)
    start = time.perf_counter()
    res = jh.ssm.train(
        model, task, key=key_train, steps=steps, batch=batch, lr=lr,
        eval_size=eval_size, eval_every=max(steps // 10, 1), quiet=True,
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
        "seed": seed,
        "accuracy": res.accuracy,
        **gen,
        "params": jh.ssm.count_params(model),
        "tokens_per_s": res.tokens_per_s,
        "wall_s": wall,
        "steps": steps,
        "length": length,
        "lr": lr,
        "width": width,
        "curve": list(zip(res.eval_steps, res.eval_accuracy)),
    }
    print(json.dumps(row), flush=True)
    return row


def _spread(values) -> str:
    values = np.asarray(values, float)
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{values.mean():.3f} [{values.min():.3f}, {values.max():.3f}]"


def markdown(rows, args) -> str:
    seeds = sorted({r["seed"] for r in rows})
    lines = [
        f"Trained with AdamW (lr {args.lr:g}, warmup-cosine), batch {args.batch}, "
        f"{args.steps} steps, L = {args.length}, width {args.width}, seeds {seeds}; test accuracy "
        f"on {args.eval_size} fresh sequences (chance 1/16 = 0.0625), mean [min, max] over "
        f"seeds; selective scan trained in its `{args.selective_mode}` mode.",
        "",
        "| model | task | test acc. | acc. at 2L | acc. at 4L | params | train tokens/s | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    groups = {}
    for r in rows:
        groups.setdefault((r["task"], r["model"]), []).append(r)
    for (task, model), rs in groups.items():
        lines.append(
            f"| {model} | {task} | {_spread([r['accuracy'] for r in rs])} | "
            f"{_spread([r['acc_2L'] for r in rs])} | {_spread([r['acc_4L'] for r in rs])} | "
            f"{rs[0]['params']} | {np.mean([r['tokens_per_s'] for r in rs]):.0f} | "
            f"{np.mean([r['wall_s'] for r in rs]):.0f} |"
        )
    return "\n".join(lines)


def plot_curves(rows, path: Path) -> Path:
    """Test accuracy against training step, one panel per task, one colour per model (one
    line per seed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(r["task"] for r in rows))
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, axes = plt.subplots(1, len(tasks), figsize=(3.2 * len(tasks), 3), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        for i, model in enumerate(models):
            for j, r in enumerate(x for x in rows if x["task"] == task and x["model"] == model):
                step, acc = zip(*r["curve"])
                ax.plot(step, acc, color=f"C{i}", alpha=0.8, label=model if j == 0 else None)
        ax.axhline(1 / 16, color="grey", lw=0.8, ls=":")
        ax.set(title=task, xlabel="training step", ylim=(0, 1.02))
    axes[0, 0].set_ylabel("test accuracy")
    axes[0, -1].legend(fontsize=8, loc="center right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--table", action="store_true", help="train the model × task table")
    parser.add_argument("--models", nargs="*", default=list(jh.ssm.MODELS))
    parser.add_argument("--tasks", nargs="*", choices=tuple(TASKS), default=list(DEFAULT_TASKS))
    parser.add_argument(
        "--preset", choices=tuple(PRESETS), default="cpu", help="table settings (PRESETS)"
    )
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--length", type=int, default=None)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--width", type=int, default=None)
    parser.add_argument("--seeds", type=int, nargs="*", default=None, help="one run per seed")
    parser.add_argument("--eval-size", type=int, default=1024)
    parser.add_argument(
        "--selective-mode", choices=("fused", "sequential", "associative"), default="fused"
    )
    parser.add_argument("--no-conv", action="store_true", help="selective scan without conv")
    parser.add_argument("--markdown", type=Path, default=None, help="write the table here")
    parser.add_argument("--json-out", type=Path, default=None, help="write the rows (JSON)")
    parser.add_argument("--figure", type=Path, default=None, help="learning curves (PNG)")
    args = parser.parse_args()
    for name, value in PRESETS[args.preset].items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.table:
        rows = table(
            models=args.models, tasks=args.tasks, steps=args.steps, length=args.length,
            batch=args.batch, lr=args.lr, seeds=args.seeds, width=args.width,
            eval_size=args.eval_size, selective_mode=args.selective_mode,
            selective_conv=not args.no_conv,
        )  # fmt: skip
        text = markdown(rows, args)
        print(text)
        if args.markdown is not None:
            args.markdown.write_text(text + "\n")
        if args.json_out is not None:
            args.json_out.write_text(json.dumps(rows, indent=1) + "\n")
        if args.figure is not None:
            plot_curves(rows, args.figure)
    else:
        print_records(run(quick=args.quick))


if __name__ == "__main__":
    main()
