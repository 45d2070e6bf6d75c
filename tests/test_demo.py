"""``jaxhop demo`` on quick settings: every section writes its figures and summary."""

import json

import numpy as np

from jaxhop import demo
from jaxhop.cli import main
from jaxhop.saliency._demo import CAP, phase_diagram


def test_demo_quick_writes_figures_and_summary(tmp_path, capsys):
    code = main(["demo", "--quick", "--quiet", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert set(summary) == {name for name, _ in demo.DEMO_SECTIONS}
    for name, section in summary.items():
        assert name in out
        for figure in section["figures"]:
            path = tmp_path / figure
            assert path.exists() and path.stat().st_size > 10_000, figure
    saliency = summary["saliency"]["summary"]
    assert saliency["closed_form_agreement"] > 0.999
    assert abs(saliency["fit_kappa"] / saliency["fit_closed_form_kappa"] - 1) < 1e-4


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
