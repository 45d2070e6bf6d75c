"""The ``jaxhop`` command.

The CLI only parses, calls and prints. Each subcommand lives beside the code it drives (e.g.
``jaxhop/saliency/_cli.py``, ``jaxhop/idp/_cli.py``) and is listed in :data:`COMMAND_MODULES`;
each entry ``module`` (or ``module:function``) names a function ``register(subparsers)``,
which adds a parser whose ``handler`` default is a function ``handler(args) -> dict``. This
module turns that dict into output: one JSON object on stdout with ``--json``, otherwise a
short human-readable table.

Bad input — a :class:`UsageError`, a ``ValueError`` raised by argument validation, or an
argparse error — exits with code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "main",
    "UsageError",
    "add_command",
    "add_output_options",
    "check_positive",
    "save_figure",
    "to_jsonable",
]

# Modules that contribute subcommands, in the order `jaxhop --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "jaxhop.saliency._cli",
    "jaxhop.idp._cli",
    "jaxhop.dam._cli",
    "jaxhop.firing_rate._cli",
    "jaxhop.ssm._cli",
    "jaxhop._workloads:register_command",
    "jaxhop.demo",
)


class UsageError(ValueError):
    """Bad command-line input: reported as one line on stderr with exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (no usage block) and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        raise UsageError(f"{self.prog}: {message}")


def add_output_options(parser: argparse.ArgumentParser, *, default_out: str | None = None):
    """Add the options every subcommand shares: ``--json``, ``--out``, ``--quiet``."""
    parser.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    parser.add_argument(
        "--out",
        type=Path,
        default=None if default_out is None else Path(default_out),
        help="directory for figures and data"
        + (f" (default {default_out})" if default_out else ""),
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_command(
    subparsers,
    name: str,
    handler: Callable[[argparse.Namespace], dict | None],
    *,
    help: str,
    description: str,
    default_out: str | None = None,
    **defaults: Any,
) -> argparse.ArgumentParser:
    """Add the subcommand `name`, run by ``handler(args)``, with the shared output options.

    Returns the new parser, for the command's own arguments; `defaults` are extra namespace
    values its handler reads.
    """
    parser = subparsers.add_parser(name, help=help, description=description)
    add_output_options(parser, default_out=default_out)
    parser.set_defaults(handler=handler, **defaults)
    return parser


def save_figure(fig, out: Path, name: str) -> str:
    """Write `fig` as ``out / name`` (PNG) and return the path, as the JSON output reports it."""
    from .plot import save

    return str(save(fig, Path(out) / name))


def check_positive(name: str, value: float, *, strict: bool = True, integer: bool = False):
    """Raise :class:`UsageError` unless ``value`` is a finite positive number."""
    ok = math.isfinite(value) and (value > 0 if strict else value >= 0)
    if not ok:
        kind = "integer" if integer else "number"
        bound = "> 0" if strict else ">= 0"
        raise UsageError(f"{name} must be a finite {kind} {bound} (got {value})")


def to_jsonable(value: Any) -> Any:
    """Convert arrays / numpy scalars / non-finite floats into plain JSON values.

    Non-finite floats become ``null`` (JSON has no NaN); arrays become (nested) lists.
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        array = np.asarray(value)
        if array.ndim == 0:
            return to_jsonable(array.item())
        return [to_jsonable(v) for v in array.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def _human(result: dict, *, width: int = 72) -> str:
    lines = []
    for name, value in result.items():
        value = to_jsonable(value)
        if isinstance(value, float):
            text = f"{value:.6g}"
        elif isinstance(value, list) and len(value) > 8:
            head = ", ".join(f"{v:.5g}" if isinstance(v, float) else str(v) for v in value[:6])
            text = f"[{head}, … ({len(value)} values)]"
        else:
            text = json.dumps(value) if not isinstance(value, str) else value
        if len(text) > width:
            text = text[: width - 1] + "…"
        lines.append(f"  {name:<22} {text}")
    return "\n".join(lines)


def package_version() -> str:
    """The installed distribution's version (package metadata), else ``jaxhop.__version__``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jaxhop")
    except PackageNotFoundError:  # running from a source tree that was never installed
        from . import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    """The ``jaxhop`` parser with every subcommand of :data:`COMMAND_MODULES` registered."""
    parser = _Parser(
        prog="jaxhop",
        description="JAX-accelerated, differentiable simulator of associative-memory dynamics.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"jaxhop {package_version()}",
        help="print the version (from the package metadata) and exit",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for entry in COMMAND_MODULES:
        module_name, _, function = entry.partition(":")
        getattr(importlib.import_module(module_name), function or "register")(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jaxhop`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        handler: Callable[[argparse.Namespace], dict] = args.handler
        result = handler(args)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # argument validation inside the library
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"error: {message}", file=sys.stderr)
        return 2
    if result is None:
        return 0
    if getattr(args, "json", False):
        print(json.dumps(to_jsonable(result)))
    else:
        print(_human(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
