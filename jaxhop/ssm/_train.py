"""Training and evaluation: AdamW + warmup-cosine, cross-entropy at the last position.

The training loop is a Python loop over optimizer steps calling one jitted step
(:func:`train_step`, compiled once per model/task/batch shape): each step draws a fresh
batch from the task's key-driven generator inside the compiled function, so no data is moved
between host and device. Periodic evaluation uses a fixed, fresh test set (drawn from a key
independent of the training stream). Checkpoints hold the model's leaves
(``eqx.tree_serialise_leaves``); restoring needs a model of the same structure.
"""

from __future__ import annotations

import time
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, Float, Int, PRNGKeyArray

from .._checks import check_int, check_memory, check_real
from .._progress import progress
from ._tasks import InductionTask

__all__ = [
    "TrainResult",
    "make_optimizer",
    "loss_fn",
    "train_step",
    "evaluate",
    "train",
    "save_model",
    "load_model",
]


class TrainResult(eqx.Module):
    """Outcome of :func:`train`.

    **Fields:** `model` (trained), `losses` (training loss per step), `eval_steps` and
    `eval_accuracy` (periodic test accuracy), `accuracy` (final test accuracy), `steps`,
    `train_s` (wall time of the steps after the first, compiled one), `compile_s` (first
    step, including compilation), `tokens_per_s` (training tokens per second, excluding the
    first step).
    """

    model: eqx.Module
    losses: np.ndarray
    eval_steps: list
    eval_accuracy: list
    accuracy: float
    steps: int
    train_s: float
    compile_s: float
    tokens_per_s: float


def make_optimizer(
    steps: int, *, lr: float = 2e-3, warmup: int | None = None, weight_decay: float = 1e-2
) -> optax.GradientTransformation:
    """AdamW with linear warmup (default 5% of `steps`) then cosine decay to 0, clipped at
    global norm 1."""
    steps = check_int("steps", steps, lo=1)
    check_real("lr", lr, lo=0, lo_open=True)
    check_real("weight_decay", weight_decay, lo=0)
    if warmup is not None:
        # the cosine part needs at least one step after the warmup (of at least 2 in all)
        warmup = check_int("warmup", warmup, lo=0, hi=max(steps - 1, 1))
    warmup = max(1, steps // 20) if warmup is None else warmup
    schedule = optax.warmup_cosine_decay_schedule(0.0, lr, min(warmup, steps), max(steps, 2))
    return optax.chain(
        optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=weight_decay)
    )


def loss_fn(
    model: eqx.Module, tokens: Int[Array, "b L"], labels: Int[Array, " b"]
) -> tuple[Float[Array, ""], Float[Array, ""]]:
    """Mean cross-entropy of the last-position logits, and the batch accuracy."""
    logits = jax.vmap(model)(tokens)
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
    accuracy = jnp.mean((jnp.argmax(logits, axis=-1) == labels).astype(logits.dtype))
    return loss, accuracy


@eqx.filter_jit
def train_step(optimizer, model, opt_state, task: InductionTask, key: PRNGKeyArray, batch: int):
    """One AdamW step on a fresh batch drawn from `task` with `key`."""
    tokens, labels = task.batch(key, batch)
    (loss, _), grads = eqx.filter_value_and_grad(loss_fn, has_aux=True)(model, tokens, labels)
    with jax.numpy_dtype_promotion("standard"):  # optax mixes int counters and floats
        updates, opt_state = optimizer.update(grads, opt_state, eqx.filter(model, eqx.is_array))
    model = eqx.apply_updates(model, updates)
    return model, opt_state, loss


def _sequence_bytes(model: eqx.Module, task: InductionTask) -> int:
    """An estimate of one training step's peak bytes per sequence, from the arguments alone:
    float32 activations of every layer and their gradients, about 64 values per token and
    channel (the delay bank, gates and FFT buffers), the logits, and the generator's buffers
    (:attr:`InductionTask.batch_bytes`). Sized to catch gross overruns before tracing, not a
    measured peak; the channel count is the embedding width (the widest array dimension for
    a model without an ``embedding``)."""
    embedding = getattr(model, "embedding", None)
    if embedding is not None and hasattr(embedding, "weight"):
        width = int(np.shape(embedding.weight)[-1])
    else:
        leaves = jax.tree_util.tree_leaves(eqx.filter(model, eqx.is_inexact_array))
        width = max((max(np.shape(x), default=1) for x in leaves), default=1)
    return 4 * task.length * (64 * width + 4 * task.vocab) + task.batch_bytes


@eqx.filter_jit
def _eval_batch(model, tokens, labels):
    return jnp.sum(jnp.argmax(jax.vmap(model)(tokens), axis=-1) == labels)


def evaluate(
    model: eqx.Module,
    task: InductionTask,
    key: PRNGKeyArray,
    size: int = 1024,
    *,
    batch: int = 256,
) -> float:
    """Accuracy at the last position on `size` fresh sequences (evaluated in batches of at
    most `batch`, so `size` costs time, not memory; the batch must fit the memory budget)."""
    size = check_int("size", size, lo=1)
    batch = check_int("batch", batch, lo=1)
    check_memory("batch", min(batch, size), lambda b: b * _sequence_bytes(model, task))
    correct = 0
    for i in range(0, size, batch):
        n = min(batch, size - i)
        tokens, labels = task.batch(jax.random.fold_in(key, i), n)
        correct += int(_eval_batch(model, tokens, labels))
    return correct / size


def train(
    model: eqx.Module,
    task: InductionTask,
    *,
    key: PRNGKeyArray,
    steps: int = 250,
    batch: int = 64,
    lr: float = 2e-3,
    warmup: int | None = None,
    weight_decay: float = 1e-2,
    eval_every: int | None = None,
    eval_size: int = 1024,
    eval_task: InductionTask | None = None,
    quiet: bool = False,
) -> TrainResult:
    """Train `model` on `task` with AdamW (warmup-cosine) for `steps` steps of `batch`
    fresh sequences; evaluate every `eval_every` steps (default: at the end only) on a fixed
    test set of `eval_size` sequences of `eval_task` (default `task`)."""
    steps = check_int("steps", steps, lo=1)
    batch = check_int("batch", batch, lo=1)
    eval_size = check_int("eval_size", eval_size, lo=1)
    if eval_every is not None:
        eval_every = check_int("eval_every", eval_every, lo=1)
    check_memory("batch", batch, lambda b: b * _sequence_bytes(model, task))
    optimizer = make_optimizer(steps, lr=lr, warmup=warmup, weight_decay=weight_decay)
    # strong-typed leaves, so that the updated model has the same jit signature (one trace)
    model = jax.tree_util.tree_map(
        lambda x: jnp.array(x, dtype=x.dtype) if eqx.is_inexact_array(x) else x, model
    )
    with jax.numpy_dtype_promotion("standard"):
        opt_state = optimizer.init(eqx.filter(model, eqx.is_array))
    train_key, test_key = jax.random.split(key)
    eval_task = task if eval_task is None else eval_task
    losses, eval_steps, eval_acc = [], [], []
    bar = progress(range(steps), desc="train", quiet=quiet, unit="step")
    start = time.perf_counter()
    compile_s = eval_s = 0.0
    for i in bar:
        model, opt_state, loss = train_step(
            optimizer, model, opt_state, task, jax.random.fold_in(train_key, i), batch
        )
        losses.append(loss)
        if i == 0:
            loss.block_until_ready()
            compile_s = time.perf_counter() - start
            start = time.perf_counter()
        if eval_every is not None and (i + 1) % eval_every == 0 and i + 1 < steps:
            t0 = time.perf_counter()
            acc = evaluate(model, eval_task, test_key, eval_size)
            eval_steps.append(i + 1)
            eval_acc.append(acc)
            bar.set_postfix(loss=f"{float(loss):.3f}", acc=f"{acc:.3f}")
            eval_s += time.perf_counter() - t0
    jax.block_until_ready(model)
    train_s = time.perf_counter() - start - eval_s
    losses = np.asarray(jnp.stack(losses), np.float32)
    if not np.all(np.isfinite(losses)):
        raise FloatingPointError(
            f"training diverged (non-finite loss at step {np.argmin(np.isfinite(losses))})"
        )
    accuracy = evaluate(model, eval_task, test_key, eval_size)
    eval_steps.append(steps)
    eval_acc.append(accuracy)
    tokens = (steps - 1) * batch * task.length
    return TrainResult(
        model=model,
        losses=losses,
        eval_steps=eval_steps,
        eval_accuracy=eval_acc,
        accuracy=accuracy,
        steps=steps,
        train_s=train_s,
        compile_s=compile_s,
        tokens_per_s=tokens / train_s if steps > 1 and train_s > 0 else float("nan"),
    )


def save_model(path: str | Path, model: eqx.Module) -> Path:
    """Write the model's leaves to `path` (``eqx.tree_serialise_leaves``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    eqx.tree_serialise_leaves(path, model)
    return path


def load_model(path: str | Path, like: eqx.Module) -> eqx.Module:
    """Read leaves saved by :func:`save_model` into a model with the structure of `like`."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"checkpoint not found: {path}")
    return eqx.tree_deserialise_leaves(path, like)
