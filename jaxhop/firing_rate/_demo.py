"""The firing-rate section of ``jaxhop demo``: the (x*, ρ) stability phase diagrams, a
retrieval run (N = 1000, P = 14) and the energy on the plane through two memories."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from ..plot import save
from . import _plot
from ._dynamics import simulate
from ._phase import phase_diagram
from ._retrieval import energy_plane, retrieval_experiment


def demo_section(out: Path, *, quick: bool = False, quiet: bool = False) -> dict:
    summary: dict = {}
    figures = []
    start = time.perf_counter()
    diagrams = []
    for activation in ("sigmoid",) if quick else ("sigmoid", "rect-tanh"):
        for gamma in ("negative", "positive"):
            d = phase_diagram(activation, gamma, size=1000)
            diagrams.append(d)
            c = d.counts()
            tag = f"{activation.replace('-', '_')}_gamma_{gamma[:3]}"
            for k in ("stable", "sufficient", "instability", "mislabelled"):
                summary[f"{tag}_{k}"] = c[k]
    fig = _plot.plot_phase_diagrams(
        diagrams, title="Designed memories: local stability over (ρ, x*), N = 1000, q = 0.2, P = 6"
    )
    figures.append(save(fig, out / "firing_rate_phase.png").name)
    summary["phase_seconds"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    cues = 4 if quick else 20
    result = retrieval_experiment(jax.random.key(0), cues_per_memory=cues, non_stored=cues, t1=10.0)
    title = f"retrieval: N = 1000, P = 14, q = 0.2, sigmoid ρ = 4.8, x* = 0.2\n{cues} cues/memory"
    figures.append(
        save(_plot.plot_retrieval(result, title=title), out / "firing_rate_retrieval.png").name
    )
    summary["retrieval_cued_final_mean"] = float(result.cued[:, -1].mean())
    summary["retrieval_cued_final_min"] = float(result.cued[:, -1].min())
    summary["retrieval_others_final_mean"] = float(result.others[:, -1].mean())
    summary["retrieval_non_stored_final_max"] = float(result.non_stored[:, -1].max())
    summary["retrieval_seconds"] = round(time.perf_counter() - start, 2)
    if quick:
        return {"summary": summary, "figures": figures}
    network = result.network
    quiescent = simulate(network, jnp.zeros(network.size, network.patterns.dtype), t1=10.0).final
    s, t, energy = energy_plane(network, quiescent, num=81)
    fig = _plot.plot_energy_landscape(s, t, energy, title="energy on the plane (quiescent, x̄¹, x̄²)")
    figures.append(save(fig, out / "firing_rate_energy.png").name)
    summary["energy_at_memory_1"] = float(
        np.asarray(energy)[np.argmin(np.abs(np.asarray(s) - 1)), np.argmin(np.abs(np.asarray(t)))]
    )
    summary["retrieval_seconds"] = round(time.perf_counter() - start, 2)
    return {"summary": summary, "figures": figures}
