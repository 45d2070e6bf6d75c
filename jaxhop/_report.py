"""The demo's reproduction report: claims tables, ``summary.json`` and a self-contained
``report.html``.

This module names no model family. A demo *section* (one per family, composed by
``jaxhop.demo``) returns a plain dict, built with the helpers below::

    {
        "title": "Saliency map",                      # heading of the section
        "papers": {"key": {"citation": "Authors, Title, venue (year)", "short": "…"}},
        "claims": [claim(...), ...],                  # what the papers state, and what we measured
        "quantities": {"name": quantity(...), ...},   # every number the section reports
        "figures": {"file.png": "caption: what to see"},
        "parameters": {...}, "seeds": {...},          # the settings of the run
        "timings": {"stage": seconds, ...},
    }

A *claim* row reads: claim | published value | jaxhop's value | status, where the status is one
of :data:`STATUSES`:

- ``reproduced``: jaxhop's value agrees with the published one (the row says within what);
- ``differs``: it does not, and ``reason`` says why (finite size, a shorter run, …);
- ``ours``: a result of jaxhop's own (a closed form, a fast path, a reconstruction) that the
  paper does not state; ``published`` then says what it is checked against.

:func:`document` collects the sections, the run's settings, the package versions and the device
into one JSON-able dict (the content of ``summary.json``, schema :data:`SCHEMA_VERSION`,
described in ``docs/demo.md``); :func:`render_html` turns it into the report and
:func:`claims_table` into the text table ``jaxhop demo`` prints.
"""

from __future__ import annotations

import base64
import datetime as _datetime
import html
import importlib.metadata
import os
import platform
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = [
    "SCHEMA_VERSION",
    "STATUSES",
    "quantity",
    "claim",
    "check_section",
    "environment",
    "document",
    "claims_table",
    "render_html",
]

SCHEMA_VERSION = 1
"""Version of the ``summary.json`` layout (``docs/demo.md``); bumped on any incompatible change."""

STATUSES = ("reproduced", "differs", "ours")
"""The allowed claim statuses (see the module docstring)."""

VERSION_PACKAGES = ("jaxhop", "jax", "jaxlib", "equinox", "optax", "numpy", "matplotlib")


def quantity(value: Any, description: str, units: str = "", **parameters: Any) -> dict:
    """One reported number: its value, what it is, its units (``""`` for a pure number, a
    count or a flag) and the parameters it was computed with."""
    if not description:
        raise ValueError("description must be a non-empty string")
    return {"value": value, "description": description, "units": units, "parameters": parameters}


def claim(
    paper: str,
    text: str,
    published: str,
    jaxhop: str,
    status: str,
    *,
    reason: str = "",
    quantities: Iterable[str] = (),
) -> dict:
    """One row of a claims table: the claim (short, it is also printed on the terminal), the
    published value (in words where the paper gives no number), jaxhop's value, the status
    (one of :data:`STATUSES`; ``differs`` needs a `reason`) and the names of the section's
    quantities the row is read from."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES} (got {status!r})")
    if status == "differs" and not reason:
        raise ValueError(f"claim {text!r}: status 'differs' needs a reason")
    return {
        "paper": paper,
        "claim": text,
        "published": published,
        "jaxhop": jaxhop,
        "status": status,
        "reason": reason,
        "quantities": list(quantities),
    }


def check_section(name: str, section: Mapping) -> None:
    """Raise ``ValueError`` naming `name` if the section dict lacks what the report needs."""
    for key in ("title", "papers", "claims", "quantities", "figures"):
        if key not in section:
            raise ValueError(f"demo section {name!r} returned no {key!r}")
    for key, paper in section["papers"].items():
        if not isinstance(paper, Mapping) or not paper.get("citation") or not paper.get("short"):
            raise ValueError(f"demo section {name!r}: paper {key!r} needs citation and short")
    for row in section["claims"]:
        if row["paper"] not in section["papers"]:
            raise ValueError(f"demo section {name!r}: claim cites unknown paper {row['paper']!r}")
        missing = [q for q in row["quantities"] if q not in section["quantities"]]
        if missing:
            raise ValueError(f"demo section {name!r}: claim {row['claim']!r} reads {missing}")
    for qname, q in section["quantities"].items():
        if not isinstance(q, Mapping) or not q.get("description") or "units" not in q:
            raise ValueError(f"demo section {name!r}: quantity {qname!r} lacks description/units")


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def environment() -> dict:
    """Package versions (``None`` when not installed), Python, and the device JAX runs on."""
    import jax

    versions = {name: _version(name) for name in VERSION_PACKAGES}
    versions["python"] = platform.python_version()
    devices = jax.devices()
    device = {
        "backend": jax.default_backend(),
        "kind": devices[0].device_kind,
        "count": len(devices),
        "x64": bool(jax.config.jax_enable_x64),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
    }
    return {"versions": versions, "device": device}


def document(sections: Mapping[str, Mapping], *, run: Mapping) -> dict:
    """The machine form of the report (``summary.json``): schema version, run settings,
    environment, and the sections in order. Each section gets ``summary`` (name → value of its
    quantities, the layout of earlier versions) for convenience."""
    out = {
        "schema_version": SCHEMA_VERSION,
        "created": _datetime.datetime.now(_datetime.UTC).isoformat(timespec="seconds"),
        "run": dict(run),
        **environment(),
        "sections": {},
    }
    for name, section in sections.items():
        check_section(name, section)
        section = dict(section)
        section["summary"] = {k: q["value"] for k, q in section["quantities"].items()}
        out["sections"][name] = section
    out["status_counts"] = {
        status: sum(
            row["status"] == status for s in out["sections"].values() for row in s["claims"]
        )
        for status in STATUSES
    }
    return out


def _papers(doc: Mapping) -> list[tuple[str, Mapping, list[dict]]]:
    """(key, paper, claims) per paper, in order of first appearance across the sections."""
    papers: dict[str, tuple[Mapping, list[dict]]] = {}
    for section in doc["sections"].values():
        for key, paper in section["papers"].items():
            papers.setdefault(key, (paper, []))
        for row in section["claims"]:
            papers[row["paper"]][1].append(row)
    return [(key, citation, rows) for key, (citation, rows) in papers.items() if rows]


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def claims_table(doc: Mapping, *, width: int = 110) -> str:
    """The claims as plain text, a few lines per paper (what ``jaxhop demo`` prints)."""
    cols = (40, 24, 32)
    lines = []
    for _, paper, rows in _papers(doc):
        lines.append(_clip(paper["short"], width))
        lines.append(
            f"  {'claim':<{cols[0]}} {'published':<{cols[1]}} {'jaxhop':<{cols[2]}} status"
        )
        for row in rows:
            status = row["status"]
            lines.append(
                f"  {_clip(row['claim'], cols[0]):<{cols[0]}} "
                f"{_clip(row['published'], cols[1]):<{cols[1]}} "
                f"{_clip(row['jaxhop'], cols[2]):<{cols[2]}} {status}"
            )
        lines.append("")
    counts = doc.get("status_counts", {})
    times = ", ".join(
        f"{name} {section.get('seconds', float('nan')):.0f} s"
        for name, section in doc["sections"].items()
    )
    lines.append(
        "claims: " + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES) + f"  |  {times}"
    )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# HTML

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .92em; }
table.claims { width: 100%; }
th, td { overflow-wrap: anywhere; border: 1px solid #ddd; padding: .3em .6em; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; }
td.num { font-family: ui-monospace, monospace; }
.status { font-weight: 600; padding: .05em .45em; border-radius: .3em; white-space: nowrap; }
.reproduced { background: #d7f0d7; color: #145214; }
.differs { background: #fbe3c8; color: #7a3b00; }
.ours { background: #dce6f7; color: #173a73; }
.reason { color: #555; font-size: .9em; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #333; font-size: .93em; max-width: 900px; }
.muted { color: #666; font-size: .9em; }
code { background: #f4f4f4; padding: 0 .2em; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _format_value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k} = {_format_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        if len(value) > 8:
            return f"[{', '.join(_format_value(v) for v in value[:8])}, … ({len(value)} values)]"
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return str(value)


def _kv_table(mapping: Mapping, header: tuple[str, str] = ("name", "value")) -> str:
    if not mapping:
        return '<p class="muted">none</p>'
    rows = "".join(
        f"<tr><td><code>{_e(k)}</code></td><td class='num'>{_e(_format_value(v))}</td></tr>"
        for k, v in mapping.items()
    )
    return f"<table><tr><th>{_e(header[0])}</th><th>{_e(header[1])}</th></tr>{rows}</table>"


def _claims_html(rows: list[dict]) -> str:
    body = []
    for row in rows:
        status = row["status"]
        reason = f"<div class='reason'>{_e(row['reason'])}</div>" if row.get("reason") else ""
        body.append(
            f"<tr><td>{_e(row['claim'])}</td><td>{_e(row['published'])}</td>"
            f"<td>{_e(row['jaxhop'])}</td>"
            f"<td><span class='status {_e(status)}'>{_e(status)}</span>{reason}</td></tr>"
        )
    return (
        "<table class='claims'><tr><th>claim</th><th>published value</th>"
        "<th>jaxhop's value</th><th>status</th></tr>" + "".join(body) + "</table>"
    )


def _figure_html(out: Path, name: str, caption: str) -> str:
    path = out / name
    if not path.is_file():
        return f"<p class='muted'>figure {_e(name)} was not written</p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f"<figure id='{_e(name)}'><img src='data:image/png;base64,{data}' alt='{_e(name)}'>"
        f"<figcaption><b>{_e(name)}</b> — {_e(caption)}</figcaption></figure>"
    )


def render_html(doc: Mapping, out: str | Path) -> str:
    """The report as one self-contained HTML page; the figures named by the sections are read
    from `out` and embedded as base64 PNG."""
    out = Path(out)
    run = doc["run"]
    counts = doc.get("status_counts", {})
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>jaxhop demo — reproduction report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>jaxhop demo — reproduction report</h1>",
        f"<p class='muted'>jaxhop {_e(doc['versions'].get('jaxhop'))}, "
        f"{_e(doc['created'])}, command <code>{_e(run.get('command', 'jaxhop demo'))}</code>"
        f"{' (quick settings)' if run.get('quick') else ''}; "
        f"{_e(doc['device']['backend'])} ({_e(doc['device']['kind'])}); "
        f"total {_e(_format_value(run.get('seconds')))} s.</p>",
        "<p>Each table lists what a paper states and what this run of jaxhop measured. Status: "
        "<span class='status reproduced'>reproduced</span> the measured value agrees with the "
        "published one; <span class='status differs'>differs</span> it does not, for the "
        "reason given; <span class='status ours'>ours</span> a result of jaxhop's own (a closed "
        "form, a fast path, a reconstruction), checked against what the column says. "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
        + ".</p>",
        "<h2>Claims</h2>",
    ]
    for _, paper, rows in _papers(doc):
        parts.append(f"<h3>{_e(paper['citation'])}</h3>")
        parts.append(_claims_html(rows))

    parts.append("<h2>Figures</h2>")
    for section in doc["sections"].values():
        parts.append(f"<h3>{_e(section['title'])}</h3>")
        for name, caption in section["figures"].items():
            parts.append(_figure_html(out, name, caption))

    parts.append("<h2>Run</h2>")
    parts.append(
        "<p>Command-line settings: "
        + ", ".join(f"<code>{_e(k)} = {_e(_format_value(v))}</code>" for k, v in run.items())
        + "</p>"
    )
    times = {name: s.get("seconds") for name, s in doc["sections"].items()}
    parts.append("<h3>Time per section (seconds, compilation included)</h3>")
    parts.append(_kv_table(times, ("section", "seconds")))
    for name, section in doc["sections"].items():
        parts.append(f"<h3>{_e(section['title'])} (<code>{_e(name)}</code>)</h3>")
        parts.append("<p><b>Parameters</b></p>" + _kv_table(section.get("parameters", {})))
        parts.append("<p><b>Seeds</b></p>" + _kv_table(section.get("seeds", {})))
        if section.get("timings"):
            parts.append("<p><b>Stages (seconds)</b></p>" + _kv_table(section["timings"]))
        rows = "".join(
            f"<tr><td><code>{_e(k)}</code></td><td class='num'>{_e(_format_value(q['value']))}"
            f"</td><td>{_e(q['units'])}</td><td>{_e(q['description'])}"
            + (
                f"<div class='reason'>{_e(_format_value(q['parameters']))}</div>"
                if q.get("parameters")
                else ""
            )
            + "</td></tr>"
            for k, q in section["quantities"].items()
        )
        parts.append(
            "<details><summary>All quantities</summary><table><tr><th>name</th><th>value</th>"
            f"<th>units</th><th>description (parameters)</th></tr>{rows}</table></details>"
        )
    parts.append("<h2>Environment</h2>")
    parts.append("<h3>Versions</h3>" + _kv_table(doc["versions"], ("package", "version")))
    parts.append("<h3>Device</h3>" + _kv_table(doc["device"], ("", "")))
    parts.append(
        f"<p class='muted'>summary.json holds the same content (schema version "
        f"{_e(doc['schema_version'])}, see docs/demo.md). Python {_e(sys.version.split()[0])}."
        "</p></body></html>"
    )
    return "\n".join(parts) + "\n"
