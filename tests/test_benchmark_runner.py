"""benchmarks/run_all.py: records carry the contract's keys; missing workloads are skipped."""

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import run_all  # noqa: E402

REQUIRED = {"name", "jaxhop_s", "baseline_s", "ratio", "compile_s", "target"}


def test_run_all_reports_ok_and_skipped(monkeypatch, capsys):
    monkeypatch.setattr(
        run_all,
        "WORKLOADS",
        {"saliency_map": "bench_saliency", "not_there": "bench_no_such_family"},
    )
    code = run_all.main(["--quick", "--json"])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_name = {rec["name"]: rec for rec in lines}
    machine = by_name["machine"]
    assert machine["gemm_gflops"] > 0 and machine["bandwidth_gbs"] > 0
    saliency = by_name["saliency_map"]
    assert saliency["status"] == "ok" and REQUIRED <= set(saliency)
    assert saliency["ratio"] == pytest.approx(saliency["baseline_s"] / saliency["jaxhop_s"])
    assert saliency["module_peak_rss_mb"] > 0
    assert by_name["not_there"]["status"] == "skipped"


def test_table_escapes_pipes():
    limits = {
        "cpu_count": 2,
        "platform": "cpu",
        "device": "cpu",
        "jax": "x",
        "gemm_gflops": 1.0,
        "gemm_gflops_xla": 1.0,
        "gemm_gflops_numpy": 1.0,
        "bandwidth_gbs": 1.0,
    }
    rec = {
        "name": "w",
        "status": "ok",
        "jaxhop_s": 1.0,
        "baseline_s": 2.0,
        "ratio": 2.0,
        "compile_s": 0.1,
        "target": "|dT| < 1e-5",
    }
    text = run_all.table(limits, [rec])
    assert r"\|dT\|" in text and text.splitlines()[-1].count(" | ") == 7
