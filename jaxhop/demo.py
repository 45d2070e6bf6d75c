"""``jaxhop demo``: the headline pipeline on built-in defaults.

Each model family contributes a *section*: a function ``demo_section(out, *, quick, quiet)``
that writes its figures into ``out`` and returns a JSON-able dict with at least ``summary`` (a
flat dict of headline numbers, printed as a table) and ``figures`` (file names it wrote). The
sections run in the order of :data:`DEMO_SECTIONS`; ``summary.json`` collects all of them.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

__all__ = ["DEMO_SECTIONS", "run_demo", "register"]

# (section name, module providing ``demo_section``)
DEMO_SECTIONS: tuple[tuple[str, str], ...] = (
    ("saliency", "jaxhop.saliency._demo"),
    ("idp", "jaxhop.idp._demo"),
    ("dam", "jaxhop.dam._demo"),
    ("firing_rate", "jaxhop.firing_rate._demo"),
)


def run_demo(
    out: str | Path = "jaxhop-out",
    *,
    quick: bool = False,
    quiet: bool = False,
    sections: tuple[str, ...] | None = None,
) -> dict:
    """Run the demo sections, write ``summary.json`` to ``out``, return the summary dict."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    known = [name for name, _ in DEMO_SECTIONS]
    if sections is not None:
        unknown = sorted(set(sections) - set(known))
        if unknown:
            raise ValueError(f"--sections: unknown section(s) {unknown}; choose from {known}")
    results: dict = {}
    for name, module_name in DEMO_SECTIONS:
        if sections is not None and name not in sections:
            continue
        if not quiet:
            print(f"[jaxhop demo] {name} …", file=sys.stderr, flush=True)
        start = time.perf_counter()
        section = importlib.import_module(module_name).demo_section(out, quick=quick, quiet=quiet)
        section["seconds"] = round(time.perf_counter() - start, 2)
        results[name] = section
    from .cli import to_jsonable

    (out / "summary.json").write_text(json.dumps(to_jsonable(results), indent=2) + "\n")
    return results


def format_table(results: dict) -> str:
    """The short table ``jaxhop demo`` prints: one line per headline number."""
    from .cli import to_jsonable

    lines = [f"{'section':<12} {'quantity':<34} value", "-" * 64]
    for name, section in results.items():
        for key, value in section.get("summary", {}).items():
            value = to_jsonable(value)
            text = f"{value:.6g}" if isinstance(value, float) else str(value)
            lines.append(f"{name:<12} {key:<34} {text}")
        lines.append(f"{name:<12} {'seconds':<34} {section['seconds']}")
    return "\n".join(lines)


def _handle(args: argparse.Namespace) -> dict | None:
    sections = tuple(args.sections.split(",")) if args.sections else None
    results = run_demo(args.out, quick=args.quick, quiet=args.quiet or args.json, sections=sections)
    if args.json:
        return {name: section.get("summary", {}) for name, section in results.items()}
    print(format_table(results))
    print(f"\nfigures and summary.json written to {args.out}/")
    return None


def register(subparsers) -> None:
    from .cli import add_command

    parser = add_command(
        subparsers,
        "demo",
        _handle,
        default_out="jaxhop-out",
        help="run the headline pipeline on defaults and write figures + summary.json",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (for tests)")
    parser.add_argument(
        "--sections", default=None, help="comma-separated subset of sections to run (default: all)"
    )
