"""The firing-rate section of ``jaxhop demo``: the (x*, ρ) stability phase diagrams, a
retrieval run (N = 1000, P = 14) and the energy on the plane through two memories, with the
claims of Betteti, Baggio, Bullo & Zampieri, "Firing Rate Models as Associative Memory"
(Neural Computation 2025); see ``docs/firing_rate.md``."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .._progress import progress
from .._report import claim, quantity
from ..plot import save
from . import _plot
from ._dynamics import simulate
from ._phase import phase_diagram
from ._retrieval import energy_plane, retrieval_experiment
from ._stability import jacobian_lambda_max

PAPER = "betteti2025fr"
CITATION = {
    "citation": "S. Betteti, G. Baggio, F. Bullo, S. Zampieri, Firing Rate Models as Associative "
    "Memory: Synaptic Design for Robust Retrieval, Neural Computation 37(10) (2025), "
    "arXiv:2411.07388",
    "short": "Betteti, Baggio, Bullo & Zampieri, firing-rate memory, Neural Comput. 37(10) (2025)",
}
SETTINGS = "settings: the authors' released simulation settings (docs/firing_rate.md)"


def demo_section(out: Path, *, quick: bool = False, quiet: bool = False) -> dict:
    seed = 0
    quantities: dict = {}
    figures: dict = {}
    timings: dict = {}
    activations = ("sigmoid",) if quick else ("sigmoid", "rect-tanh")
    bar = progress(total=2 * len(activations) + 1 + (not quick), desc="firing_rate", quiet=quiet)
    start = time.perf_counter()
    diagrams = []
    mislabelled = cells = 0
    for activation in activations:
        for gamma in ("negative", "positive"):
            d = phase_diagram(activation, gamma, size=1000)
            diagrams.append(d)
            c = d.counts()
            mislabelled += c["mislabelled"]
            cells += c["cells"]
            tag = f"{activation.replace('-', '_')}_gamma_{gamma[:3]}"
            p = dict(activation=activation, gamma=gamma, size=1000, q=0.2, patterns=6)
            p["grid"] = "ρ = linspace(0.2, 5, 30) × x* = linspace(0, 0.9, 30)"
            text = {
                "stable": "cells whose memories are numerically stable (max λ_max(J_μ) < 0)",
                "sufficient": "cells certified by the sufficient test η·max(α̃, γ) < 1",
                "instability": "cells flagged by the sufficient instability test",
                "mislabelled": "cells where a test contradicts the numerical stability",
            }
            for k, description in text.items():
                quantities[f"{tag}_{k}"] = quantity(c[k], description, "cells", **p)
            bar.update()
    fig = _plot.plot_phase_diagrams(
        diagrams, title="Designed memories: local stability over (ρ, x*), N = 1000, q = 0.2, P = 6"
    )
    figures[save(fig, out / "firing_rate_phase.png").name] = (
        "Local stability of the designed memories over the 30 × 30 grid of gain ρ and threshold "
        "x* (deterministic patterns, N = 1000, q = 0.2, P = 6), one panel per activation and "
        "sign of γ. Colours: stable and certified by the sufficient test; stable but not "
        "certified; unstable; unstable and flagged by the instability test; black would be a "
        "cell where a test is wrong. What to see: no black cell anywhere — the sufficient test "
        "is conservative (it certifies part of the stable region) and the instability test "
        "fires only on unstable cells."
    )
    timings["phase"] = time.perf_counter() - start

    start = time.perf_counter()
    cues = 4 if quick else 20
    result = retrieval_experiment(
        jax.random.key(seed), cues_per_memory=cues, non_stored=cues, t1=10.0
    )
    title = f"retrieval: N = 1000, P = 14, q = 0.2, sigmoid ρ = 4.8, x* = 0.2\n{cues} cues/memory"
    figures[
        save(_plot.plot_retrieval(result, title=title), out / "firing_rate_retrieval.png").name
    ] = (
        f"Retrieval from thinned cues (N = 1000, P = 14 Bernoulli patterns, q = 0.2, sigmoid "
        f"ρ = 4.8, x* = 0.2, the γ < 0 design; {cues} cues per memory, each active unit kept "
        "with probability 0.6): mean overlap m(t) = x·ξ/(Nq) and 10–90 % band for the cued "
        "memory, the other stored memories and non-stored cues (with their own pattern). What "
        "to see: the cued overlap rises to ≈ 1 within a few time units, the others settle near "
        "q (dotted), non-stored cues decay to the quiescent state. The overlap can exceed 1: a "
        "Bernoulli pattern may have more than qN active units, and the normalisation is qN."
    )
    cued_final = result.cued[:, -1]
    source = np.asarray(result.source)
    final = np.asarray(result.overlaps)[:, -1, :]
    stored = source >= 0
    # retrieved: the state ends on the cued memory (its overlap the largest, and above 0.5)
    retrieved = float(np.mean((final[stored].argmax(-1) == source[stored]) & (cued_final > 0.5)))
    others_final = float(result.others[:, -1].mean())
    non_stored_max = float(result.non_stored[:, -1].max())
    lam = float(np.max(np.asarray(jacobian_lambda_max(result.network))))
    p = dict(size=1000, patterns=14, q=0.2, activation="sigmoid", rho=4.8, x_star=0.2)
    p |= dict(a=-0.3, b=0.95, cues_per_memory=cues, keep=0.6, t1=10.0, dt=0.01)
    quantities |= {
        "retrieval_cued_final_mean": quantity(
            float(cued_final.mean()), "mean overlap of the cued memory at t = 10", "", **p
        ),
        "retrieval_cued_final_min": quantity(
            float(cued_final.min()), "smallest cued overlap at t = 10 over all cues", "", **p
        ),
        "retrieval_fraction": quantity(
            retrieved,
            "fraction of stored-memory cues whose state at t = 10 has its largest overlap, "
            "above 0.5, with the cued memory",
            "fraction",
            **p,
        ),
        "retrieval_others_final_mean": quantity(
            others_final, "mean overlap with the other stored memories at t = 10", "", **p
        ),
        "retrieval_non_stored_final_max": quantity(
            non_stored_max,
            "largest overlap of a non-stored cue's state with its own pattern at t = 10",
            "",
            **p,
        ),
        "retrieval_lambda_max": quantity(
            lam, "max over memories of λ_max(J_μ) at the rescaled memories", "1/τ", **p
        ),
    }
    timings["retrieval"] = time.perf_counter() - start
    bar.update()
    if not quick:
        start = time.perf_counter()
        network = result.network
        quiescent = simulate(network, jnp.zeros(network.size, network.patterns.dtype), t1=10.0)
        s, t, energy = energy_plane(network, quiescent.final, num=81)
        fig = _plot.plot_energy_landscape(
            s, t, energy, title="energy on the plane (quiescent, x̄¹, x̄²)"
        )
        figures[save(fig, out / "firing_rate_energy.png").name] = (
            "The energy E(x) = −½xᵀWx + Σ_i ∫Φ⁻¹(x_i) on the plane through the quiescent state "
            "(origin of the axes) and the rescaled memories x̄¹ (s = 1) and x̄² (t = 1) of the "
            "retrieval network. What to see: separate wells at the two memories and at the "
            "quiescent state, divided by ridges — the designed memories are local minima."
        )
        grid_s, grid_t = np.asarray(s), np.asarray(t)
        at_memory = float(
            np.asarray(energy)[np.argmin(np.abs(grid_s - 1)), np.argmin(np.abs(grid_t))]
        )
        quantities["energy_at_memory_1"] = quantity(
            at_memory, "energy at the grid point nearest x̄¹ on that plane", "", **p
        )
        timings["energy"] = time.perf_counter() - start
        bar.update()
    bar.close()
    for stage, seconds in timings.items():
        quantities[f"{stage}_seconds"] = quantity(
            round(seconds, 2), f"wall time of the {stage} stage (with compilation)", "s"
        )

    cued_ok = retrieved >= 0.95
    others_ok = abs(others_final - 0.2) < 0.05
    decay_ok = non_stored_max < 0.1
    claims = [
        claim(
            PAPER,
            "designed memories are stable equilibria",
            "stable by design",
            f"max λ_max(J) = {lam:.4f} (P = 14)",
            "reproduced" if lam < 0 else "differs",
            reason=SETTINGS if lam < 0 else "crosstalk of the random patterns destabilises",
            quantities=["retrieval_lambda_max"],
        ),
        claim(
            PAPER,
            "stability tests never mislabel a cell",
            "sufficient conditions",
            f"{mislabelled} of {cells} cells mislabelled",
            "reproduced" if mislabelled == 0 else "differs",
            reason=SETTINGS if mislabelled == 0 else "a test contradicts the Jacobian",
            quantities=[k for k in quantities if k.endswith("_mislabelled")],
        ),
        claim(
            PAPER,
            "cues retrieve their memory (m → 1)",
            "cued overlap → 1",
            f"{100 * retrieved:.0f} % retrieved, mean m {float(cued_final.mean()):.3f}",
            "reproduced" if cued_ok else "differs",
            reason="" if cued_ok else "some cues fall into another memory or the quiescent state",
            quantities=["retrieval_fraction", "retrieval_cued_final_mean"],
        ),
        claim(
            PAPER,
            "other memories' overlaps settle near q",
            "≈ q = 0.2",
            f"mean {others_final:.3f}",
            "reproduced" if others_ok else "differs",
            reason="" if others_ok else "crosstalk of the random patterns",
            quantities=["retrieval_others_final_mean"],
        ),
        claim(
            PAPER,
            "non-stored cues decay to quiescence",
            "decay",
            f"max final overlap {non_stored_max:.3f}",
            "reproduced" if decay_ok else "differs",
            reason="" if decay_ok else "a non-stored cue was captured by a stored memory",
            quantities=["retrieval_non_stored_final_max"],
        ),
        claim(
            PAPER,
            "K × K stability reduction (ours)",
            "dense Jacobian (in the tests)",
            f"{cells} cells × 6 memories",
            "ours",
            quantities=["phase_seconds"],
        ),
    ]
    return {
        "title": "Firing-rate associative memory",
        "papers": {PAPER: CITATION},
        "claims": claims,
        "quantities": quantities,
        "figures": figures,
        "parameters": {
            "phase_activations": list(activations),
            "phase_gamma_settings": {"negative": [-0.3, 0.95], "positive": [0.1, 0.95]},
            "phase_grid": "30 × 30: ρ ∈ [0.2, 5], x* ∈ [0, 0.9]",
            "phase_patterns": "deterministic, N = 1000, q = 0.2, P = 6",
            "retrieval": p,
        },
        "seeds": {"retrieval patterns and cues": seed},
        "timings": {k: round(v, 2) for k, v in timings.items()},
    }
