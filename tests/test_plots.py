"""Structural checks of every figure: what is drawn is named in a legend, legends sit outside
the data, axes are labelled (time axes with their units), overlap axes are not clipped below
the data, bimodal trials are not summarised as mean ± std, capped sweep cells are drawn apart.

Inputs are small and synthetic (the figures' contracts, not the models, are under test), except
the firing-rate retrieval run, which is a tiny real one (its overlap exceeds 1 by construction:
``m = x·ξ/(Nq)`` with ``|ξ| ≠ Nq``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest
from matplotlib.collections import Collection, QuadMesh
from matplotlib.container import ErrorbarContainer
from matplotlib.contour import ContourSet
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import jaxhop.plot as jplot
from jaxhop.dam import _plot as dam_plot
from jaxhop.firing_rate import _plot as fr_plot
from jaxhop.firing_rate._phase import PhaseDiagram
from jaxhop.firing_rate._retrieval import retrieval_experiment
from jaxhop.idp import _plot as idp_plot
from jaxhop.idp._dynamics import ExperimentResult
from jaxhop.idp._events import SequenceEvents
from jaxhop.saliency import _plot as sal_plot
from jaxhop.sweep._plot import plot_slice
from jaxhop.sweep._store import SweepResult

matplotlib.use("Agg")


# ---------------------------------------------------------------- helpers


def _legend_labels(fig) -> set[str]:
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return {t.get_text() for legend in legends for t in legend.get_texts()}


def _data_axes(fig):
    return [ax for ax in fig.axes if ax.get_label() != "<colorbar>" and ax.axison]


def _labelled_artists(fig):
    for ax in _data_axes(fig):
        for artist in [*ax.lines, *ax.collections, *ax.patches]:
            label = artist.get_label()
            if label and not label.startswith("_"):
                yield label


def check_common(fig, *, time_axis: bool = False) -> None:
    """Every labelled artist is in a legend; every data axes has x and y labels; a time axis
    names its units; no legend overlaps a data axes' plotting area."""
    labels = _legend_labels(fig)
    missing = sorted(set(_labelled_artists(fig)) - labels)
    assert not missing, f"drawn with a label but not in any legend: {missing}"
    axes = _data_axes(fig)
    assert axes
    for ax in axes:
        # a shared x axis is labelled once, on one of the axes that share it
        xlabel = any(a.get_xlabel().strip() for a in ax.get_shared_x_axes().get_siblings(ax))
        assert xlabel and ax.get_ylabel().strip(), ax.get_title()
    if time_axis:
        xlabels = [ax.get_xlabel() for ax in axes if ax.get_xlabel()]
        assert any("units" in x or "step" in x for x in xlabels), xlabels
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        for ax in axes:
            assert not box.overlaps(ax.get_window_extent(renderer)), "legend covers an axes"


def _close(fig):
    matplotlib.pyplot.close(fig)


# ---------------------------------------------------------------- DAM


def _case(m0, load, trials, *, keep_trials=True):
    trials = np.asarray(trials, float)
    steps = trials.shape[1] - 1
    case = {
        "m_mean": trials.mean(0),
        "m_std": trials.std(0),
        "success_rate": float(np.mean(trials[:, -1] > 0.5)),
        "theory_m": np.linspace(m0, 0.0, steps + 1),
        "theory_full_m": np.linspace(m0, 0.2, steps + 1),
        "order": 3,
        "size": 128,
        "load": load,
        "m0": m0,
        "converged_fraction": 1.0,
        "fixed_point_fraction": 0.8,
        "convergence_time_mean": 3.0,
        "convergence_time_std": 1.0,
        "correlation": np.eye(steps + 1) * 0.5 + 0.5,
        "theory_correlation": np.eye(steps + 1) * 0.4 + 0.6,
    }
    if keep_trials:
        case["m_trials"] = trials
    return case


def _bimodal(m0=0.5, n=20, steps=6):
    up = np.linspace(m0, 1.0, steps + 1)
    down = np.linspace(m0, 0.0, steps + 1)
    return np.stack([up] * (n // 2) + [down] * (n - n // 2))


def _unimodal(m0=0.9, n=20, steps=6):
    rng = np.random.default_rng(0)
    base = np.linspace(m0, 0.97, steps + 1)
    return np.clip(base + 0.01 * rng.standard_normal((n, steps + 1)), -1, 1)


def test_dam_recall_grid_bimodal_not_mean_std():
    grid = {
        (0.2, 0.5): _case(0.5, 0.2, _bimodal()),
        (0.2, 0.9): _case(0.9, 0.2, _unimodal()),
        (0.3, 0.5): _case(0.5, 0.3, _bimodal(), keep_trials=False),
        (0.3, 0.9): _case(0.9, 0.3, _unimodal(), keep_trials=False),
    }
    fig = dam_plot.plot_recall_grid(grid, title="t")
    check_common(fig, time_axis=True)
    ax_with_trials, ax_without = _data_axes(fig)
    # with per-trial data: every trial drawn, and no error bars at all
    assert not [c for c in ax_with_trials.containers if isinstance(c, ErrorbarContainer)]
    assert len(ax_with_trials.lines) >= 2 * 20
    # without: the bimodal case has no error bars, the unimodal one has (one container)
    bars = [c for c in ax_without.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 1
    assert "50" in ax_with_trials.get_title()  # the recalled fraction, 50 %
    labels = _legend_labels(fig)
    assert any("Γ = 0" in s for s in labels) and any("effective process" in s for s in labels)
    assert "α'" in fig.get_suptitle() and "=" in fig.get_suptitle()  # α' defined
    _close(fig)


def test_dam_recall_axis_holds_the_data():
    trials = _bimodal()
    trials[0, -1] = 1.0
    fig = dam_plot.plot_recall([_case(0.5, 0.2, trials), _case(0.9, 0.2, _unimodal())])
    check_common(fig, time_axis=True)
    ax = _data_axes(fig)[0]
    assert ax.get_ylim()[1] >= trials.max()
    _close(fig)


def test_dam_phase_basin_convergence_correlation():
    loads, m0s = np.array([0.1, 0.2, 0.3]), np.array([0.2, 0.6, 1.0])
    final = np.outer(1 - loads, m0s)
    fig = dam_plot.plot_phase_diagram(loads, m0s, final, theory_final=final, theory_label="Γ = 0")
    check_common(fig)
    assert any("0.5" in s for s in _legend_labels(fig))  # the theory contour is named
    _close(fig)
    fig = dam_plot.plot_basin(
        [dict(order=3, loads=loads, basin=[0.3, 0.5, 0.7], theory=[0.3, 0.4, 0.8])]
    )
    check_common(fig)
    _close(fig)
    grid = {(a, m): _case(m, a, _unimodal(m)) for a in (0.2, 0.3) for m in (0.5, 0.9)}
    fig = dam_plot.plot_convergence(grid)
    check_common(fig)
    _close(fig)
    fig = dam_plot.plot_correlation([grid[(0.2, 0.9)], grid[(0.3, 0.9)]], title="t")
    check_common(fig, time_axis=True)
    assert "C(t, t′)" in _data_axes(fig)[0].get_ylabel()  # C defined
    _close(fig)


def test_dam_capacity_figure():
    import json
    from pathlib import Path

    result = json.loads((Path(__file__).parents[1] / "docs/dam_capacity_summary.json").read_text())
    fig = dam_plot.plot_capacity(result)
    check_common(fig)
    labels = _legend_labels(fig)
    assert any("RS" in s for s in labels) and any("1RSB" in s for s in labels)
    assert any(f"{result['capacity']:.3f}" in s for s in labels)  # the extrapolated value
    _close(fig)


# ---------------------------------------------------------------- firing rate


@pytest.fixture(scope="module")
def retrieval():
    return retrieval_experiment(
        jax.random.key(0),
        size=200,
        num_memories=3,
        cues_per_memory=2,
        non_stored=2,
        t1=4.0,
        save_every=20,
    )


def test_firing_rate_retrieval_not_clipped(retrieval):
    fig = fr_plot.plot_retrieval(retrieval, title="t")
    check_common(fig, time_axis=True)
    ax = _data_axes(fig)[0]
    assert "τ" in ax.get_xlabel()
    data = max(float(np.max(retrieval.cued)), float(np.max(retrieval.others)))
    assert data > 1.0  # the premise: this overlap exceeds 1 (|ξ| > Nq for some pattern)
    assert ax.get_ylim()[1] >= data
    legend = fig.legends[0]
    assert "band" in legend.get_title().get_text() and "%" in legend.get_title().get_text()
    _close(fig)


def test_firing_rate_energy_edge_is_smooth():
    s = t = np.linspace(0.0, 1.0, 21)
    ss, tt = np.meshgrid(s, t, indexing="ij")
    energy = np.where(ss + tt <= 1.0, -((ss - 0.3) ** 2) - (tt - 0.3) ** 2, np.inf)
    fig = fr_plot.plot_energy_landscape(s, t, energy, title="t")
    check_common(fig)
    ax = _data_axes(fig)[0]
    assert not [c for c in ax.collections if isinstance(c, QuadMesh)]  # no cell staircase
    filled = [c for c in ax.collections if isinstance(c, ContourSet) and c.filled]
    assert filled and all(c.get_clip_path() is not None for c in filled[:1])
    _close(fig)


def test_firing_rate_phase_diagrams_name_the_boundary():
    x, r = np.linspace(0, 1, 6), np.linspace(0.5, 5, 7)
    lam = np.subtract.outer(x, r / 5.0)
    stable = lam < 0
    diagram = PhaseDiagram(
        x_star=jnp.asarray(x),
        rho=jnp.asarray(r),
        lambda_max=jnp.asarray(lam),
        stable=jnp.asarray(stable),
        sufficient=jnp.asarray(stable & (lam < -0.2)),
        sufficient_value=jnp.asarray(lam),
        instability=jnp.asarray(~stable),
        instability_value=jnp.asarray(lam),
        alpha_tilde=jnp.asarray(lam),
        gamma=jnp.asarray(lam),
        activation="sigmoid",
        gamma_setting="negative",
        size=100,
    )
    fig = fr_plot.plot_phase_diagrams([diagram])
    check_common(fig)
    assert any("λ_max = 0" in s for s in _legend_labels(fig))
    _close(fig)


# ---------------------------------------------------------------- IDP


def test_idp_experiment_and_sequence():
    ts = np.linspace(0.0, 25.0, 51)
    targets = (ts >= 10).astype(np.int32)
    rng = np.random.default_rng(1)
    over = rng.uniform(0, 1, (2, ts.size, 3))
    result = ExperimentResult(
        jnp.asarray(ts), jnp.asarray(over), jnp.asarray(over[::-1]), jnp.asarray(targets)
    )
    fig = idp_plot.plot_experiment(result)
    check_common(fig, time_axis=True)
    _close(fig)

    p = 3
    overlaps = np.zeros((ts.size, p))
    overlaps[:, 0] = 1.0
    saliencies = np.tile(np.exp(-ts / 5.0)[:, None] * 3, (1, p))
    events = SequenceEvents(
        memories=jnp.asarray([0, 1, -1]),
        entry_times=jnp.asarray([0.0, 1.1, jnp.nan]),
        entry_saliencies=jnp.asarray([3.0, 3.3, jnp.nan]),
        dwell_times=jnp.asarray([1.1, 1.2, jnp.nan]),
        exit_times=jnp.asarray([1.1, 2.3, jnp.nan]),
        num_entries=jnp.asarray(2),
        collapsed=jnp.asarray(False),
        collapse_time=jnp.asarray(jnp.nan),
    )
    fig = idp_plot.plot_sequence(ts, overlaps, saliencies, events, np.array([3.0, 3.3, 3.5]))
    check_common(fig, time_axis=True)
    crosses = [
        h
        for ax in fig.axes
        if ax.get_legend()
        for h in ax.get_legend().legend_handles
        if isinstance(h, Line2D) and h.get_marker() == "x"
    ]
    assert crosses  # the map's × markers are in a legend
    _close(fig)


# ---------------------------------------------------------------- saliency


def test_saliency_phase_diagram_orbits_and_fit():
    kappas = np.linspace(1.0, 10.0, 30)
    z0s = np.linspace(0.25, 8.0, 25)
    kk, zz = np.meshgrid(kappas, z0s)
    cap = 50
    retrievals = np.where(kk >= 4, cap, np.where(zz > 1, np.ceil(zz * kk / 4), 0)).astype(int)
    period = np.where(kk >= 4, np.log(kk), np.nan)
    duration = np.where(kk >= 4, np.inf, retrievals * 0.5)
    fig = sal_plot.plot_phase_diagram(kappas, z0s, retrievals, period, duration, cap=cap)
    check_common(fig)
    labels = _legend_labels(fig)
    assert any("periodic" in s for s in labels) and any("no retrieval" in s for s in labels)
    assert not [ax for ax in fig.axes if ax.get_legend()]  # the legend is outside the panels
    _close(fig)

    cases = [
        dict(kappa=5.0, z0=3.0, title="p", orbit=np.array([3.0, 3.3, 3.5])),
        dict(kappa=5.0, z0=1.3, title="c", orbit=np.array([1.3, 1.15, 0.65])),
    ]
    fig = sal_plot.plot_orbits(cases)
    check_common(fig)
    _close(fig)

    targets = np.linspace(0.7, 4.0, 200)
    fig = sal_plot.plot_kappa_fit(
        np.array([1e-1, 1e-4, 1e-9]), targets, np.exp(targets), np.exp(targets), target=1.5
    )
    check_common(fig)
    assert any("every" in s and "200" in s for s in _legend_labels(fig))  # sub-sampling stated
    assert _data_axes(fig)[0].get_ylabel() != "loss"  # the loss is defined
    _close(fig)


def test_fit_history_defines_the_loss():
    fig = jplot.fit_history(np.array([1.0, 0.1, 0.01]), title="t")
    ax = fig.axes[0]
    assert ax.get_ylabel().startswith("loss") and len(ax.get_ylabel()) > len("loss")
    _close(fig)
    fig = jplot.fit_history(np.array([1.0, 0.1]), title="t", loss="(T − T*)²")
    assert "(T − T*)²" in fig.axes[0].get_ylabel()
    _close(fig)


# ---------------------------------------------------------------- sweep


def _sweep_result():
    kappa = np.linspace(1.0, 10.0, 12)
    z0 = np.linspace(0.5, 8.0, 10)
    kk, zz = np.meshgrid(kappa, z0, indexing="ij")
    retrievals = np.where(kk >= 4, 50, np.where(zz > 1, 3, 0)).astype(np.int32)
    period = np.where(kk >= 4, np.log(kk), np.nan)
    return SweepResult(
        data={"retrievals": retrievals, "period": period},
        dims=("kappa", "z0"),
        coords={"kappa": kappa, "z0": z0},
        nonfinite={"retrievals": 0, "period": int(np.isnan(period).sum())},
        meta={"config": {"workload": "saliency", "params": {"max_steps": 50}}},
    )


def test_sweep_capped_cells_are_drawn_apart():
    result = _sweep_result()
    capped = int(np.sum(result["retrievals"] >= 50))
    fig = plot_slice(result, "retrievals", log=True)
    check_common(fig)
    ax = _data_axes(fig)[0]
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    shown = [int(np.ma.count(m.get_array())) for m in meshes]
    assert capped in shown  # one mesh holds exactly the capped cells
    data_mesh = meshes[-1]
    assert np.ma.count(data_mesh.get_array()) == result["retrievals"].size - capped
    assert any("capped" in s and str(capped) in s for s in _legend_labels(fig))
    _close(fig)
    # explicit cap switched off: everything is data again
    fig = plot_slice(result, "retrievals", cap=float("inf"))
    assert not any("capped" in s for s in _legend_labels(fig))
    _close(fig)


def test_sweep_invalid_cells_hatched_and_1d_marks():
    result = _sweep_result()
    fig = plot_slice(result, "period")
    check_common(fig)
    ax = _data_axes(fig)[0]
    hatched = [c for c in ax.collections if isinstance(c, Collection) and c.get_hatch()]
    assert hatched
    handles = fig.legends[0].legend_handles
    assert any(isinstance(h, Patch) and h.get_hatch() for h in handles)
    _close(fig)
    fig = plot_slice(result, "retrievals", z0=3.0)
    check_common(fig)
    ax = _data_axes(fig)[0]
    line = ax.lines[0]
    assert not np.any(np.asarray(line.get_ydata(), float) >= 50)  # capped not joined as data
    assert any(ln.get_marker() == "^" for ln in ax.lines[1:])
    _close(fig)
