"""``jaxhop ssm train``: train a sequence model on an induction-head task from the command line."""

from __future__ import annotations

import argparse

from ..cli import UsageError, add_command, check_count, check_memory, check_positive, seed


def _activation_bytes(sequences: int, length: int, width: int, vocab: int) -> int:
    # Peak of one training step, estimated from the sizes: float32 activations of every layer
    # and their gradients, about 64 values per token and channel (the delay bank, the gates,
    # the FFT buffers), plus the logits.
    return 4 * sequences * length * (64 * width + 4 * vocab)


# (steps, peak learning rate) when --steps / --lr are not given: the residual and LTI models
# settle within 250 steps; the selective scans need more (the SSD form reaches 1.000 on the
# induction head by step 750 at L = 256 and by step 200 at L = 32 with these; docs/ssm.md); the
# key-value model on per-sequence triggers was still improving at 2000 (L = 64, k = 2: 0.805)
TRAIN_DEFAULTS = {
    "residual": (250, 2e-3),
    "lti": (250, 2e-3),
    "selective": (1500, 3e-3),
    "ssd": (1500, 3e-3),
    "associative": (2000, 3e-3),
}


def _train(args: argparse.Namespace) -> dict:
    default_steps, default_lr = TRAIN_DEFAULTS[args.model]
    args.steps = default_steps if args.steps is None else args.steps
    args.lr = default_lr if args.lr is None else args.lr
    for name in ("steps", "batch", "length", "width", "vocab", "eval_size"):
        check_count(f"--{name.replace('_', '-')}", getattr(args, name))
    check_positive("--lr", args.lr)
    if args.vocab < 2:
        raise UsageError(f"--vocab must be an integer >= 2 (got {args.vocab})")
    if args.per_sequence and args.task != "extended":
        raise UsageError(
            f"--per-sequence draws the trigger of --task extended: not with --task {args.task}"
        )
    if args.eval_every is not None and not 1 <= args.eval_every < args.steps:
        raise UsageError(
            f"--eval-every must be in [1, --steps - 1 = {args.steps - 1}] (got "
            f"{args.eval_every}): the last step is always evaluated"
        )
    lengths = [args.length, *(args.test_lengths or ())]
    for flag, count in (("--batch", args.batch), ("--eval-size", args.eval_size)):
        check_memory(
            flag,
            count,
            lambda n: max(_activation_bytes(n, t, args.width, args.vocab) for t in lengths),
        )
    check_memory(
        "--length",
        args.length,
        lambda n: _activation_bytes(args.batch, n, args.width, args.vocab),
        lo=3,
    )
    check_memory(
        "--width", args.width, lambda n: _activation_bytes(args.batch, args.length, n, args.vocab)
    )
    if args.task == "induction":
        if args.k is not None and args.k != 1:
            raise UsageError(f"--k is only for --task extended (got {args.k})")
        from . import _tasks

        task = _tasks.induction_head(length=args.length, vocab=args.vocab)
    else:
        k = 3 if args.k is None else args.k
        if not 2 <= k < args.vocab:
            raise UsageError(
                f"--k must be an integer in [2, vocab - 1 = {args.vocab - 1}] (got {k})"
            )
        if args.length < 4 * (k + 1):
            raise UsageError(f"--length must be >= 4 (k + 1) = {4 * (k + 1)} (got {args.length})")
        from . import _tasks

        make = _tasks.per_sequence_trigger if args.per_sequence else _tasks.extended_induction_head
        task = make(k, length=args.length, vocab=args.vocab)
    import jax

    from . import _models, _train

    key_model, key_train = jax.random.split(jax.random.key(args.seed))
    model = _models.make_model(args.model, key_model, task, width=args.width)
    try:
        result = _train.train(
            model,
            task,
            key=key_train,
            steps=args.steps,
            batch=args.batch,
            lr=args.lr,
            eval_size=args.eval_size,
            eval_every=args.eval_every,
            quiet=args.quiet or args.json,
        )
    except FloatingPointError as error:  # jaxhop.cli reports it as one line, exit code 1
        raise FloatingPointError(
            f"{error}; lower --lr (got {args.lr:g}, default {default_lr:g} for --model "
            f"{args.model}) or try another --seed"
        ) from None
    out = {
        "model": args.model,
        "task": args.task,
        "k": task.k,
        "length": task.length,
        "accuracy": result.accuracy,
        "params": _models.count_params(result.model),
        "tokens_per_s": result.tokens_per_s,
        "steps": result.steps,
        "train_s": result.train_s,
        "compile_s": result.compile_s,
        "final_loss": float(result.losses[-1]),
        "eval_steps": result.eval_steps,
        "eval_accuracy": result.eval_accuracy,
    }
    if args.test_lengths:
        out["length_generalisation"] = {
            str(n): _train.evaluate(
                result.model, task.with_length(n), jax.random.key(args.seed + 1), args.eval_size
            )
            for n in args.test_lengths
        }
    if args.out is not None:
        out["checkpoint"] = str(_train.save_model(args.out / "model.eqx", result.model))
    return out


def _length(text: str) -> int:
    value = int(text)
    if value < 3:
        raise argparse.ArgumentTypeError(f"lengths must be integers >= 3 (got {value})")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "ssm",
        help="selective LTI sequence models: train on induction-head tasks",
        description="Selection with LTI state-space models (residual generator) vs selective SSMs.",
    )
    sub = parser.add_subparsers(dest="ssm_command", metavar="SSM_COMMAND", required=True)
    train = add_command(
        sub,
        "train",
        _train,
        help="train a model on the induction head or its extended (k-token trigger) version",
        description="Train with AdamW (warmup-cosine) on fresh batches; report the test "
        "accuracy at the last position on a fresh test set, parameter count and training "
        "tokens/s (excluding the compiling first step).",
        out_help="directory for the trained model, model.eqx (default: none written)",
    )
    train.add_argument(
        "--model",
        choices=("residual", "selective", "ssd", "lti", "associative"),
        default="residual",
        help="residual generator (ours), selective scan (Mamba/S6), its state-space-dual form "
        "(Mamba-2), ungated LTI stack, or the residual model's key-value variant for "
        "per-sequence triggers (ours)",
    )
    train.add_argument(
        "--task",
        choices=("induction", "extended"),
        default="induction",
        help="the induction head, or its extended version with a k-token trigger",
    )
    train.add_argument("--k", type=int, default=None, help="trigger length (extended, default 3)")
    train.add_argument(
        "--per-sequence", action="store_true", help="extended: draw the trigger per sequence"
    )
    defaults = ", ".join(f"{m} {st} / {lr:g}" for m, (st, lr) in TRAIN_DEFAULTS.items())
    train.add_argument(
        "--steps",
        type=int,
        default=None,
        help=f"optimizer steps (default per model, steps / lr: {defaults})",
    )
    train.add_argument("--batch", type=int, default=64, help="batch size (default 64)")
    train.add_argument("--length", type=int, default=256, help="sequence length L (default 256)")
    train.add_argument("--vocab", type=int, default=16, help="content tokens V (default 16)")
    train.add_argument("--width", type=int, default=32, help="model width (default 32)")
    train.add_argument(
        "--lr", type=float, default=None, help="peak learning rate (default per model, above)"
    )
    train.add_argument(
        "--seed", type=seed, default=0, help="model and data seed (any integer, mod 2^32)"
    )
    train.add_argument("--eval-size", type=int, default=1024, help="test sequences")
    train.add_argument(
        "--eval-every", type=int, default=None, help="evaluate every N steps (default: at the end)"
    )
    train.add_argument(
        "--test-lengths",
        type=_length,
        nargs="*",
        default=None,
        help="also test at these L (default: none)",
    )
