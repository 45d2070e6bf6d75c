"""``jaxhop demo``: the headline pipeline on built-in defaults, written up as a reproduction
report.

Each model family contributes a *section*: a function ``demo_section(out, *, quick, quiet)``
that writes its figures into ``out`` and returns the dict described in :mod:`jaxhop._report`
(title, papers, claims, quantities with descriptions and units, figures with captions,
parameters, seeds, timings). The sections run in the order of :data:`DEMO_SECTIONS`;
``summary.json`` (machine form, schema in ``docs/demo.md``) and the self-contained
``report.html`` (claims tables, captioned figures, settings, versions, times) collect all of
them, and the claims table is printed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

from . import _report

__all__ = ["DEMO_SECTIONS", "run_demo", "demo_document", "register"]

# (section name, module providing ``demo_section``)
DEMO_SECTIONS: tuple[tuple[str, str], ...] = (
    ("saliency", "jaxhop.saliency._demo"),
    ("idp", "jaxhop.idp._demo"),
    ("dam", "jaxhop.dam._demo"),
    ("firing_rate", "jaxhop.firing_rate._demo"),
    ("ssm", "jaxhop.ssm._demo"),
)


def demo_document(
    out: str | Path = "jaxhop-out",
    *,
    quick: bool = False,
    quiet: bool = False,
    sections: tuple[str, ...] | None = None,
) -> dict:
    """Run the demo sections, write ``summary.json`` and ``report.html`` to ``out`` and return
    the document (the content of ``summary.json``)."""
    from .cli import to_jsonable

    out = Path(out)
    known = [name for name, _ in DEMO_SECTIONS]
    if sections is not None:
        unknown = sorted(set(sections) - set(known))
        if unknown:
            raise ValueError(f"--sections: unknown section(s) {unknown}; choose from {known}")
    out.mkdir(parents=True, exist_ok=True)
    results: dict = {}
    total = time.perf_counter()
    for name, module_name in DEMO_SECTIONS:
        if sections is not None and name not in sections:
            continue
        if not quiet:
            print(f"[jaxhop demo] {name} …", file=sys.stderr, flush=True)
        start = time.perf_counter()
        section = importlib.import_module(module_name).demo_section(out, quick=quick, quiet=quiet)
        section = to_jsonable(section)
        section["seconds"] = round(time.perf_counter() - start, 2)
        _report.check_section(name, section)
        results[name] = section
    run = {
        "command": "jaxhop demo" + (" --quick" if quick else ""),
        "quick": quick,
        "sections": list(results),
        "out": str(out),
        "seconds": round(time.perf_counter() - total, 2),
    }
    doc = _report.document(results, run=run)
    (out / "summary.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    (out / "report.html").write_text(_report.render_html(doc, out), encoding="utf-8")
    return doc


def run_demo(
    out: str | Path = "jaxhop-out",
    *,
    quick: bool = False,
    quiet: bool = False,
    sections: tuple[str, ...] | None = None,
) -> dict:
    """Run the demo (see :func:`demo_document`) and return its sections, by name."""
    return demo_document(out, quick=quick, quiet=quiet, sections=sections)["sections"]


def format_table(doc: dict) -> str:
    """The claims table ``jaxhop demo`` prints: a few lines per paper."""
    return _report.claims_table(doc)


def _handle(args: argparse.Namespace) -> dict | None:
    sections = tuple(args.sections.split(",")) if args.sections else None
    doc = demo_document(
        args.out, quick=args.quick, quiet=args.quiet or args.json, sections=sections
    )
    if args.json:
        return doc
    print(format_table(doc))
    print(f"\nreport.html, summary.json and the figures written to {args.out}/")
    return None


def register(subparsers: argparse._SubParsersAction) -> None:
    from .cli import add_command

    parser = add_command(
        subparsers,
        "demo",
        _handle,
        default_out="jaxhop-out",
        help="run the headline pipeline on defaults; write report.html, summary.json, figures",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (for tests)")
    parser.add_argument(
        "--sections",
        default=None,
        help="comma-separated subset of sections to run (of "
        + ", ".join(name for name, _ in DEMO_SECTIONS)
        + "; default: all)",
    )
