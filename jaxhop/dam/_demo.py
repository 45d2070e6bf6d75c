"""The DAM section of ``jaxhop demo``: n = 3 recall against the Γ = 0 and full theory, and a
small (α', m0) phase diagram."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np

from ..plot import save
from . import _plot
from ._experiments import phase_diagram, theory_vs_simulation
from ._theory import capacity


def demo_section(out: Path, *, quick: bool = False, quiet: bool = False) -> dict:
    key = jax.random.key(0)
    size = 128 if quick else 256
    trials = 20 if quick else 40
    steps = 8 if quick else 10
    loads = (0.3,) if quick else (0.2, 0.3)
    m0s = (0.5, 0.9) if quick else (0.5, 0.7, 0.9)
    summary: dict = {"order": 3, "size": size, "trials": trials}
    summary["capacity_gamma0"] = capacity(3)[0]
    start = time.perf_counter()
    grid = theory_vs_simulation(
        key, size=size, loads=loads, m0s=m0s, trials=trials, steps=steps, paths=2**12
    )
    figures = [
        save(
            _plot.plot_recall_grid(grid, title=f"n = 3, N = {size}, {trials} trials"),
            out / "dam_recall.png",
        ).name
    ]
    for (load, m0), case in grid.items():
        summary[f"final_m_sim_a{load:g}_m{m0:g}"] = float(case["m_mean"][-1])
        summary[f"final_m_full_a{load:g}_m{m0:g}"] = float(case["theory_full_m"][-1])
    summary["recall_seconds"] = round(time.perf_counter() - start, 2)
    if not quick:
        start = time.perf_counter()
        phase = phase_diagram(
            key,
            size=128,
            loads=(0.1, 0.2, 0.3),
            m0s=(0.2, 0.4, 0.6, 0.8, 1.0),
            pattern_sets=5,
            trials=10,
            steps=6,
            full_theory=False,
        )
        fig = _plot.plot_phase_diagram(
            phase["loads"],
            phase["m0s"],
            phase["final_m"],
            theory_final=phase["theory_final"],
            theory_label="Γ = 0",
            title="n = 3, N = 128, 10 trials: final overlap after 6 steps",
        )
        figures.append(save(fig, out / "dam_phase.png").name)
        for load, edge in zip(phase["loads"], phase["basin"]):
            summary[f"basin_edge_a{load:g}"] = float(edge) if np.isfinite(edge) else None
        summary["phase_seconds"] = round(time.perf_counter() - start, 2)
    return {"summary": summary, "figures": figures}
