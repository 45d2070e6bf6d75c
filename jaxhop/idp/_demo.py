"""The IDP section of ``jaxhop demo``: sequential retrieval against the saliency map, the
adiabatic fast path, and the published IDP glitch experiment."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import numpy as np

from ..plot import save
from . import _plot
from ._dynamics import published_experiment
from ._retrieval import map_prediction, sequential_retrieval


def demo_section(out: Path, *, quick: bool = False, quiet: bool = False) -> dict:
    key = jax.random.key(0)
    eps = 2e-3 if quick else 1e-3
    summary: dict = {}
    figures = []
    start = time.perf_counter()
    cases = [(5.0, 3.0, 8.0 if quick else 10.0, "periodic"), (3.5, 3.0, 6.0, "decay")]
    for kappa, z0, t1, name in cases:
        events, sol = sequential_retrieval(kappa, z0, eps=eps, t1=t1, key=key)
        n = int(events.num_entries)
        map_z = np.asarray(map_prediction(kappa, z0, n + 1), np.float64)
        fig = _plot.plot_sequence(
            sol.ts,
            *sol.ys,
            events,
            map_z,
            title=f"{name}: κ = {kappa:g}, Z₀ = {z0:g}, N = 64, P = 8, ε = {eps:g}",
        )
        figures.append(save(fig, out / f"idp_sequence_{name}.png").name)
        valid = np.isfinite(map_z[:n]) & (map_z[:n] > 1)
        error = np.abs(np.asarray(events.entry_saliencies)[:n][valid] / map_z[:n][valid] - 1)
        summary[f"{name}_entries"] = n
        summary[f"{name}_max_rel_error_Z_vs_map"] = float(error.max())
        summary[f"{name}_collapsed"] = bool(events.collapsed)
        fast, _ = sequential_retrieval(kappa, z0, eps=eps, method="adiabatic", max_events=n)
        summary[f"{name}_adiabatic_entries"] = int(fast.num_entries)
    summary["sequence_seconds"] = round(time.perf_counter() - start, 2)

    start = time.perf_counter()
    trials = 4 if quick else 16
    size = 256 if quick else 1024
    result = published_experiment(key, trials=trials, size=size, kind="glitch")
    figures.append(save(_plot.plot_experiment(result), out / "idp_glitch.png").name)
    targets = np.asarray(result.targets)
    late = np.asarray(result.ts) >= 22.0  # the last window, after the switch to u₃
    for name, overlaps in (("idp", result.idp_overlaps), ("additive", result.additive_overlaps)):
        strength = np.abs(np.asarray(overlaps))
        on_target = (strength.argmax(-1) == targets) & (strength.max(-1) > 0.5)
        summary[f"glitch_{name}_on_target_late"] = float(on_target[:, late].mean())
    summary["glitch_trials"] = trials
    summary["glitch_seconds"] = round(time.perf_counter() - start, 2)
    return {"summary": summary, "figures": figures}
