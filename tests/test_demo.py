"""``jaxhop demo`` on quick settings: every section writes its figures; ``report.html`` is
valid, self-contained HTML holding every figure and a status for every claim; ``summary.json``
has a schema version and describes every quantity; the printed table is the claims table."""

import ast
import base64
import contextlib
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import jaxhop
from jaxhop import _report, demo
from jaxhop.cli import main
from jaxhop.saliency._demo import CAP, phase_diagram


@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(["demo", "--quick", "--quiet", "--out", str(out)])
    assert code == 0
    return out, stdout.getvalue(), json.loads((out / "summary.json").read_text())


class _Report(HTMLParser):
    """Collects the <img> sources, the claims-table rows (cell texts and status classes) and
    checks that every opened element is closed in order (void elements excepted)."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.images, self.rows = [], [], [], []
        self._in_claims = self._row = self._cell = None
        self.status_classes = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs.get("src", ""))
        if tag not in self.VOID:
            self.stack.append(tag)
        if tag == "table" and "claims" in (attrs.get("class") or ""):
            self._in_claims = True
        elif tag == "tr" and self._in_claims:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []
        elif tag == "span" and self._row is not None and "status" in (attrs.get("class") or ""):
            self.status_classes.append(attrs["class"].split()[-1])

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()
        if tag == "td" and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:  # header rows have <th> only
                self.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._in_claims = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def test_every_section_writes_its_figures(quick_demo):
    out, _, summary = quick_demo
    assert list(summary["sections"]) == [name for name, _ in demo.DEMO_SECTIONS]
    for name, section in summary["sections"].items():
        assert section["figures"], name
        for figure, caption in section["figures"].items():
            path = out / figure
            assert path.exists() and path.stat().st_size > 10_000, figure
            assert "What to see" in caption, figure
    saliency = summary["sections"]["saliency"]["summary"]
    assert saliency["closed_form_agreement"] > 0.999
    assert abs(saliency["fit_kappa"] / saliency["fit_closed_form_kappa"] - 1) < 1e-4


def test_report_html_parses_and_embeds_every_figure(quick_demo):
    out, _, summary = quick_demo
    text = (out / "report.html").read_text(encoding="utf-8")
    parser = _Report()
    parser.feed(text)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert "src='http" not in text and 'src="http' not in text  # self-contained
    embedded = [base64.b64decode(src.partition(",")[2]) for src in parser.images]
    assert all(src.startswith("data:image/png;base64,") for src in parser.images)
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == len(parser.images)
    for png in pngs:  # each figure written is in the report, byte for byte
        assert png.read_bytes() in embedded, png.name
    claims = [row for s in summary["sections"].values() for row in s["claims"]]
    assert len(parser.rows) == len(claims) > 10
    for row, status in zip(parser.rows, parser.status_classes):
        assert len(row) == 4 and all(row[:3]), row
        assert status in _report.STATUSES
        assert row[3].startswith(status)
    assert len(parser.status_classes) == len(parser.rows)
    for package in ("jaxhop", "jax", "jaxlib", "equinox", "numpy", "python"):
        assert summary["versions"][package], package
        assert summary["versions"][package] in text


def test_summary_json_schema(quick_demo):
    _, _, summary = quick_demo
    assert summary["schema_version"] == _report.SCHEMA_VERSION
    assert summary["versions"]["jaxhop"] == jaxhop.__version__
    assert summary["device"]["backend"] and summary["device"]["count"] >= 1
    assert summary["run"]["quick"] is True and summary["run"]["seconds"] > 0
    counts = dict.fromkeys(_report.STATUSES, 0)
    for name, section in summary["sections"].items():
        assert section["seconds"] > 0 and section["seeds"] and section["parameters"], name
        for qname, q in section["quantities"].items():
            assert q["description"] and isinstance(q["units"], str), (name, qname)
            assert isinstance(q["parameters"], dict)
            assert section["summary"][qname] == q["value"]
        for row in section["claims"]:
            assert row["status"] in _report.STATUSES and row["paper"] in section["papers"]
            assert row["claim"] and row["published"] and row["jaxhop"]
            assert row["status"] != "differs" or row["reason"]
            assert set(row["quantities"]) <= set(section["quantities"])
            counts[row["status"]] += 1
    assert summary["status_counts"] == counts
    # four papers' families and the SSM paper each have claims; the two sequential-retrieval
    # sections share one paper
    papers = {row["paper"] for s in summary["sections"].values() for row in s["claims"]}
    assert len(papers) == 5


def test_printed_table_is_the_claims_table(quick_demo):
    _, out, summary = quick_demo
    lines = out.splitlines()
    claims = [row for s in summary["sections"].values() for row in s["claims"]]
    for section in summary["sections"].values():
        for paper in section["papers"].values():
            assert paper["short"] in out
    rows = [line for line in lines if line.rstrip().endswith(_report.STATUSES)]
    assert len(rows) == len(claims)
    assert "final_m_full" not in out  # no raw keys
    assert all(len(line) <= 112 for line in lines[:-2])


def test_claim_and_section_checks_refuse_bad_rows():
    with pytest.raises(ValueError, match="status"):
        _report.claim("p", "c", "1", "1", "fine")
    with pytest.raises(ValueError, match="reason"):
        _report.claim("p", "c", "1", "2", "differs")
    with pytest.raises(ValueError, match="description"):
        _report.quantity(1.0, "")
    section = {
        "title": "t",
        "papers": {"p": {"citation": "A, B (2025)", "short": "A (2025)"}},
        "claims": [_report.claim("q", "c", "1", "1", "ours")],
        "quantities": {},
        "figures": {},
    }
    with pytest.raises(ValueError, match="unknown paper"):
        _report.check_section("s", section)
    section["claims"] = [_report.claim("p", "c", "1", "1", "ours", quantities=["x"])]
    with pytest.raises(ValueError, match="reads"):
        _report.check_section("s", section)
    section["quantities"] = {"x": {"value": 1}}
    with pytest.raises(ValueError, match="description"):
        _report.check_section("s", section)


def test_report_module_names_no_family():
    families = ("saliency", "idp", "dam", "firing_rate", "ssm")
    tree = ast.parse(Path(_report.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        assert not any(part in families for name in names for part in name.split(".")), names


def test_phase_diagram_regions_match_theory():
    kappas, z0s, count, closed, period, _ = phase_diagram(40, 30)
    kk, zz = np.meshgrid(kappas, z0s)
    z_minus = (kk - np.sqrt(np.maximum(kk**2 - 4 * kk, 0))) / 2
    periodic = (kk >= 4) & (zz > z_minus + 1e-3)
    collapsing = (kk < 4) | (zz < z_minus - 1e-3)
    assert np.all(count[periodic] == CAP)
    assert np.all(count[collapsing] < CAP)
    assert np.all(np.isnan(period[kk < 4]))
    np.testing.assert_allclose(
        period[periodic],
        np.log((kk + np.sqrt(np.maximum(kk**2 - 4 * kk, 0))) / 2)[periodic],
        rtol=1e-5,
    )
