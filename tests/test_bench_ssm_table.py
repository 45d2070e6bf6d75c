"""benchmarks/bench_ssm.py --table: one row per (task, model, seed) with the stated budget,
seed spreads in the markdown, the learning-curve figure written."""

import sys
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_ssm  # noqa: E402


def test_table_rows_markdown_and_figure(tmp_path):
    settings = dict(bench_ssm.PRESETS["quick"], steps=4, seeds=[0, 1])
    rows = bench_ssm.table(models=["lti"], tasks=["induction"], eval_size=16, **settings)
    assert [(r["model"], r["seed"]) for r in rows] == [("lti", 0), ("lti", 1)]
    for r in rows:
        assert r["steps"] == 4 and r["length"] == 16 and r["width"] == 8
        assert 0 <= r["accuracy"] <= 1 and 0 <= r["acc_4L"] <= 1
        assert [step for step, _ in r["curve"]][-1] == 4
    args = SimpleNamespace(**settings, eval_size=16, selective_mode="fused")
    text = bench_ssm.markdown(rows, args)
    accs = sorted(r["accuracy"] for r in rows)
    # mean [min, max] over the two seeds, computed here from the rows
    assert f"{sum(accs) / 2:.3f} [{accs[0]:.3f}, {accs[1]:.3f}]" in text
    path = bench_ssm.plot_curves(rows, tmp_path / "curves.png")
    assert path.stat().st_size > 5000
