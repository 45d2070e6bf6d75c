"""The ``jaxhop`` command.

The CLI only parses, calls and prints. Each subcommand lives beside the code it drives (e.g.
``jaxhop/saliency/_cli.py``, ``jaxhop/idp/_cli.py``) and is listed in :data:`COMMAND_MODULES`;
each entry ``module`` (or ``module:function``) names a function ``register(subparsers)``,
which adds a parser whose ``handler`` default is a function ``handler(args) -> dict``. This
module turns that dict into output: one JSON object on stdout with ``--json``, otherwise a
short human-readable table.

Bad input — a :class:`UsageError`, a ``ValueError`` raised by argument validation, or an
argparse error — exits with code 2 and one line on stderr, never a traceback. Checked before
any work starts: every size against the memory budget (:func:`memory_budget`,
:func:`check_memory`), step counts against the int32 limit (:func:`check_count`), seeds
(:func:`seed`: any integer, reduced modulo 2³²), and ``--out`` (an existing file, or a
directory that cannot be created or written, is refused). A run that fails at run time (a
diverged training: ``FloatingPointError``; the accelerator out of memory) exits with code 1
and one line on stderr saying what to change.

Start-up: building the parser and checking the arguments import neither JAX nor numpy (the
handlers import them after their checks), so ``--help`` and bad input answer at once. A
command that runs keeps JAX's compiled programs in a persistent cache
(:func:`compilation_cache_dir`; ``JAXHOP_COMPILATION_CACHE=0`` turns it off). Every option's
``--help`` line states its default.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import _memory
from ._memory import MEMORY_BUDGET_ENV

__all__ = [
    "main",
    "UsageError",
    "add_command",
    "add_output_options",
    "check_positive",
    "check_count",
    "check_memory",
    "memory_budget",
    "seed",
    "integer",
    "save_figure",
    "to_jsonable",
    "INT32_MAX",
    "MEMORY_BUDGET_ENV",
    "COMPILATION_CACHE_ENV",
    "compilation_cache_dir",
]

INT32_MAX = 2**31 - 1
"""The largest step count a subcommand accepts (JAX loop counters are int32)."""

COMPILATION_CACHE_ENV = "JAXHOP_COMPILATION_CACHE"
"""Environment variable for the command's persistent compilation cache
(:func:`compilation_cache_dir`): ``0`` (or ``off``, ``false``, ``no``) turns it off, a path
moves it, unset or ``1`` keeps the default folder."""

_CACHE_MIN_COMPILE_SECS = 0.0
"""Compiles at least this long are written to the cache. JAX's default (1 s) would keep none
of the demo's: most of its hundred-odd compiles take 0.05–0.5 s, and they add up."""

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


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help, with every option's default shown: ``(default: X)`` is appended to
    the help of an option whose default is not ``None``/``False`` unless the help already
    states it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            default is None
            or default is False
            or default is argparse.SUPPRESS
            or "%(default)" in text
            or not (action.option_strings or action.nargs in ("?", "*"))
        ):
            return text
        shown = _default_text(default)
        value = rf"(?<![\w.]){re.escape(shown)}(?![\w.])"
        if re.search(rf"\bdefault:? {value}", text):
            return text  # already says it: "orbit length (default 20)"
        return f"{text} (default: {shown})"


def _default_text(default: Any) -> str:
    """A default as ``--help`` writes it: the value as typed on the command line."""
    if isinstance(default, (list, tuple)):
        return " ".join(_default_text(v) for v in default)
    return str(default).replace("%", "%%")


class _Parser(argparse.ArgumentParser):
    """argparse, but errors are one line (no usage block) and exit code 2; ``--help`` shows
    every default (:class:`_HelpFormatter`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # noqa: D401 - argparse API
        raise UsageError(f"{self.prog}: {message}")

    def _get_values(self, action, arg_strings):
        # argparse drops a value "--" (``--kappa=--``) and hands the action an empty list
        if arg_strings == ["--"] and action.nargs is None and action.option_strings:
            self.error(f"argument {'/'.join(action.option_strings)}: expected a value, got '--'")
        return super()._get_values(action, arg_strings)


def add_output_options(
    parser: argparse.ArgumentParser,
    *,
    default_out: str | None = None,
    writes: bool = True,
    out_help: str | None = None,
) -> None:
    """Add the options every subcommand shares: ``--json``, ``--quiet`` and, for commands
    that write files (`writes`), ``--out`` (`out_help`: its help, when not the figures')."""
    parser.add_argument("--json", action="store_true", help="print one JSON object, nothing else")
    if writes:
        parser.add_argument(
            "--out",
            type=Path,
            default=None if default_out is None else Path(default_out),
            help=out_help
            or "directory for figures and data"
            + (f" (default {default_out})" if default_out else " (default: none written)"),
        )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_command(
    subparsers: argparse._SubParsersAction,
    name: str,
    handler: Callable[[argparse.Namespace], dict | None],
    *,
    help: str,
    description: str,
    default_out: str | None = None,
    writes: bool = True,
    out_help: str | None = None,
    **defaults: Any,
) -> argparse.ArgumentParser:
    """Add the subcommand `name`, run by ``handler(args)``, with the shared output options.

    A command that writes no file passes ``writes=False`` and gets no ``--out``; `out_help`
    describes an ``--out`` that holds something else than figures. Returns the
    new parser, for the command's own arguments; `defaults` are extra namespace values its
    handler reads.
    """
    parser = subparsers.add_parser(
        name, help=help, description=description, formatter_class=_HelpFormatter
    )
    add_output_options(parser, default_out=default_out, writes=writes, out_help=out_help)
    parser.set_defaults(handler=handler, **defaults)
    return parser


def save_figure(fig: Any, out: Path, name: str) -> str:  # fig: a matplotlib Figure (imported late)
    """Write `fig` as ``out / name`` (PNG) and return the path, as the JSON output reports it."""
    from .plot import save

    return str(save(fig, Path(out) / name))


def check_positive(name: str, value: float, *, strict: bool = True, integer: bool = False) -> None:
    """Raise :class:`UsageError` unless ``value`` is a finite positive number."""
    ok = math.isfinite(value) and (value > 0 if strict else value >= 0)
    if not ok:
        kind = "integer" if integer else "number"
        bound = "> 0" if strict else ">= 0"
        raise UsageError(f"{name} must be a finite {kind} {bound} (got {value})")


def check_count(name: str, value: int, *, lo: int = 1, hi: int = INT32_MAX) -> int:
    """Raise :class:`UsageError` unless ``lo ≤ value ≤ hi`` (default: a step count that fits
    the int32 loop counter); return `value`."""
    if not lo <= value <= hi:
        raise UsageError(f"{name} must be an integer in [{lo}, {hi}] (got {value})")
    return value


def memory_budget() -> int:
    """Bytes a subcommand may plan to use: ``$JAXHOP_MEMORY_BUDGET`` when set (e.g. ``64G``;
    the units of :func:`jaxhop._memory.parse_bytes`), otherwise the memory available now
    (``MemAvailable`` of ``/proc/meminfo``; 80% of the physical memory where that is unknown)."""
    try:
        return _memory.memory_budget()
    except ValueError as error:
        raise UsageError(str(error)) from None


def compilation_cache_dir() -> Path | None:
    """The folder of the ``jaxhop`` command's persistent JAX compilation cache, or ``None`` when
    ``$JAXHOP_COMPILATION_CACHE`` turns it off.

    Default ``$XDG_CACHE_HOME/jaxhop/jax`` (``~/.cache/jaxhop/jax`` without ``XDG_CACHE_HOME``);
    ``JAXHOP_COMPILATION_CACHE=DIR`` moves it, ``JAXHOP_COMPILATION_CACHE=0`` turns it off. The
    cache only saves time: deleting the folder is always safe (docs/getting-started.md).
    """
    setting = os.environ.get(COMPILATION_CACHE_ENV, "").strip()
    if setting.lower() in ("0", "off", "false", "no"):
        return None
    if setting and setting.lower() not in ("1", "on", "true", "yes"):
        return Path(setting).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "jaxhop" / "jax"


def _enable_compilation_cache() -> None:
    # The command's own process only: JAX reads these variables when it is first imported, and
    # the handlers import it after this. Where JAX is already imported (a Python session or a
    # test calling main()), its configuration belongs to that program and is left alone; a
    # JAX_COMPILATION_CACHE_DIR of the user's own wins. A folder that cannot be created is
    # skipped (no cache, no error).
    if "jax" in sys.modules:
        return
    folder = compilation_cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    if not os.access(folder, os.W_OK):
        return
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(folder))
    os.environ.setdefault(
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", str(_CACHE_MIN_COMPILE_SECS)
    )


def check_memory(
    name: str,
    value: int,
    need: Callable[[int], float],
    *,
    lo: int = 1,
    allowed: Callable[[int], int] | None = None,
) -> None:
    """Raise :class:`UsageError` if ``need(value)`` bytes exceed :func:`memory_budget`.

    `need` must grow with its argument; the message names `name`, the estimate, the budget
    and the largest value in ``[lo, value]`` that fits (found by bisection; ``allowed(v)``
    rounds it down to a value the argument accepts, e.g. a power of two), and how to raise
    the budget.
    """
    budget = memory_budget()  # a malformed $JAXHOP_MEMORY_BUDGET is a usage error here
    message = _memory.budget_error(
        name, value, need, lo=lo, allowed=allowed, sep=" ", budget=budget
    )
    if message is not None:
        raise UsageError(message)


def seed(text: str) -> int:
    """argparse type of ``--seed``: any integer, reduced modulo 2³² (documented: JAX builds
    its default 32-bit key from those bits, so seeds that differ by a multiple of 2³² give the
    same stream; ``0 … 2³² − 1`` are unchanged)."""
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})") from None
    return value % 2**32


def _check_out(out: Path) -> None:
    # --out must be a directory that exists or can be created, and that takes a file: checked
    # (and created) before any work, so that a bad --out never costs a run.
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(f"--out {out} is not a writable directory ({reason})") from None


def integer(text: str) -> int:
    """argparse type for counts: an integer, also written as ``1e6`` or ``1_000_000``."""
    try:
        return int(text.replace("_", ""), 10)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value.is_integer()):
        raise argparse.ArgumentTypeError(f"must be an integer (got {text!r})")
    return int(value)


def to_jsonable(value: Any) -> Any:
    """Convert arrays / numpy scalars / non-finite floats into plain JSON values.

    Non-finite floats become ``null`` (JSON has no NaN); arrays become (nested) lists.
    """
    import numpy as np  # here, not at the top: the parser and its checks import no numpy

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [convert(v) for v in value]
        if isinstance(value, Path):
            return str(value)
        if hasattr(value, "shape") and hasattr(value, "dtype"):
            array = np.asarray(value)
            if array.ndim == 0:
                return convert(array.item())
            return [convert(v) for v in array.tolist()]
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            value = float(value)
            return value if math.isfinite(value) else None
        return value

    return convert(value)


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


class _VersionAction(argparse.Action):
    """``--version``, reading the package metadata only when asked (``importlib.metadata``
    would otherwise cost every command a tenth of a second of start-up)."""

    def __init__(
        self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None
    ):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"jaxhop {package_version()}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The ``jaxhop`` parser with every subcommand of :data:`COMMAND_MODULES` registered."""
    parser = _Parser(
        prog="jaxhop",
        description="JAX-accelerated, differentiable simulator of associative-memory dynamics.",
    )
    parser.add_argument(
        "--version",
        action=_VersionAction,
        help="print the version (from the package metadata) and exit",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for entry in COMMAND_MODULES:
        module_name, _, function = entry.partition(":")
        getattr(importlib.import_module(module_name), function or "register")(subparsers)
    return parser


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``jaxhop`` console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        handler: Callable[[argparse.Namespace], dict] = args.handler
        if getattr(args, "out", None) is not None:
            _check_out(args.out)
        _enable_compilation_cache()
        result = handler(args)
    except UsageError as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except FloatingPointError as error:  # a run that diverged: not bad input, exit 1
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 1
    except ValueError as error:  # argument validation inside the library
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            f"error: out of memory; use smaller sizes or a lower {MEMORY_BUDGET_ENV}",
            file=sys.stderr,
        )
        return 1
    except RuntimeError as error:  # XLA allocation failures surface as runtime errors
        if "RESOURCE_EXHAUSTED" not in str(error):
            raise
        print(
            f"error: the accelerator ran out of memory ({_one_line(error)[:200]}); use smaller "
            f"sizes or a lower {MEMORY_BUDGET_ENV}",
            file=sys.stderr,
        )
        return 1
    if result is None:
        return 0
    if getattr(args, "json", False):
        print(json.dumps(to_jsonable(result)))
    else:
        print(_human(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
