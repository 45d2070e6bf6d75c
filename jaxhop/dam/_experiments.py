"""Theory against simulation (as in Mimura et al., ICLR 2026; figures in ``docs/dam.md``).

- :func:`theory_vs_simulation`: m(t) mean ± std over trials for a grid of (α', m0), beside the
  Γ = 0 recurrence and the Monte-Carlo effective process;
- :func:`phase_diagram`: final overlap and success rate over (α', m0), with the basin edge
  (smallest m0 recalled, i.e. success rate ≥ 1/2) per load, simulated and from both theories.

Each load is one compiled simulation (M fixes shapes); all m0 values of a load run as columns
of the same batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import jax
import numpy as np
from jaxtyping import ArrayLike, PRNGKeyArray

from ._effective import effective_process
from ._recall import recall_summary, simulate_recall
from ._theory import recurrence

__all__ = ["theory_vs_simulation", "phase_diagram", "basin_edge"]


def theory_vs_simulation(
    key: PRNGKeyArray,
    *,
    order: int = 3,
    size: int = 1024,
    loads: ArrayLike | Sequence[ArrayLike] = (0.1, 0.2, 0.25, 0.3),
    m0s: ArrayLike | Sequence[ArrayLike] = (0.5, 0.7, 0.9),
    trials: int = 100,
    steps: int = 20,
    pattern_sets: int = 10,
    paths: int = 2**15,
    variant: str = "krotov",
    full_theory: bool = True,
) -> dict:
    """``{(load, m0): case}``, each case a dict with what :func:`recall_summary` gives
    (``m_mean``, ``m_std``, ``m_sem_sets``, ``success_rate``, convergence statistics and the
    simulated ``correlation`` C(t,t')), the per-trial ``convergence_time`` and ``m_trials``
    (m(t) of every trial), ``theory_m`` (Γ = 0), ``theory_full_m`` and ``theory_correlation``
    (effective process, n ≥ 3) and the settings. The published setting is the default
    (N = 1024, 100 trials over 10 sets)."""
    grid = {}
    for a, load in enumerate(loads):
        result = simulate_recall(
            jax.random.fold_in(key, a),
            order=order,
            size=size,
            load=load,
            m0=list(m0s),
            trials=trials,
            steps=steps,
            variant=variant,
            pattern_sets=pattern_sets,
            correlations=True,
        )
        for j, m0 in enumerate(m0s):
            case = recall_summary(result, j)
            case["convergence_time"] = np.asarray(result.convergence_time[j], np.float64)
            case["m_trials"] = np.asarray(result.m[j], np.float64)  # (trials, steps + 1)
            case.update(order=order, size=size, load=load, m0=m0, patterns=result.patterns)
            case["theory_m"] = np.asarray(recurrence(m0, load, order, steps), np.float64)
            case["theory_full_m"] = case["theory_correlation"] = None
            if full_theory and order >= 3:
                k = jax.random.fold_in(jax.random.fold_in(key, 1000 + a), j)
                process = effective_process(
                    m0, load, order, steps, key=k, paths=paths, variant=variant
                )
                case["theory_full_m"] = np.asarray(process.m, np.float64)
                case["theory_correlation"] = np.asarray(process.correlation, np.float64)
            grid[(load, m0)] = case
    return grid


def basin_edge(
    m0s: ArrayLike | Sequence[ArrayLike], success: ArrayLike | Sequence[ArrayLike]
) -> float:
    """Smallest m0 of the (ascending) grid from which every larger m0 is recalled
    (success ≥ 1/2); NaN when the largest m0 fails."""
    m0s, ok = np.asarray(m0s), np.asarray(success) >= 0.5
    if not ok[-1]:
        return float("nan")
    k = len(ok) - 1
    while k > 0 and ok[k - 1]:
        k -= 1
    return float(m0s[k])


def phase_diagram(
    key: PRNGKeyArray,
    *,
    order: int = 3,
    size: int = 1024,
    loads: ArrayLike | Sequence[ArrayLike] = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35),
    m0s: ArrayLike | Sequence[ArrayLike] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0),
    trials: int = 100,
    steps: int = 20,
    pattern_sets: int = 10,
    paths: int = 2**13,
    variant: str = "krotov",
    full_theory: bool = True,
) -> dict:
    """Final overlap / success over (α', m0) and the basin edge per load.

    Returns ``loads``, ``m0s``, ``final_m`` and ``success`` (loads × m0s, simulation),
    ``theory_final`` (Γ = 0), ``theory_full_final`` (effective process, or None),
    ``basin`` / ``basin_theory`` / ``basin_full`` (per load)."""
    loads, m0s = list(loads), sorted(m0s)
    final = np.zeros((len(loads), len(m0s)))
    success = np.zeros_like(final)
    theory = np.zeros_like(final)
    full = np.zeros_like(final) if (full_theory and order >= 3) else None
    for a, load in enumerate(loads):
        result = simulate_recall(
            jax.random.fold_in(key, a),
            order=order,
            size=size,
            load=load,
            m0=m0s,
            trials=trials,
            steps=steps,
            variant=variant,
            pattern_sets=pattern_sets,
        )
        last = np.asarray(result.m[:, :, -1], np.float64)
        final[a], success[a] = last.mean(axis=1), (last > 0.5).mean(axis=1)
        for j, m0 in enumerate(m0s):
            theory[a, j] = float(recurrence(m0, load, order, steps)[-1])
            if full is not None:
                k = jax.random.fold_in(jax.random.fold_in(key, 1000 + a), j)
                full[a, j] = float(
                    effective_process(
                        m0, load, order, steps, key=k, paths=paths, variant=variant
                    ).m[-1]
                )
    return {
        "order": order,
        "size": size,
        "trials": trials,
        "steps": steps,
        "loads": np.asarray(loads),
        "m0s": np.asarray(m0s),
        "final_m": final,
        "success": success,
        "theory_final": theory,
        "theory_full_final": full,
        "basin": np.asarray([basin_edge(m0s, s) for s in success]),
        "basin_theory": np.asarray([basin_edge(m0s, t > 0.5) for t in theory]),
        "basin_full": None
        if full is None
        else np.asarray([basin_edge(m0s, f > 0.5) for f in full]),
    }
