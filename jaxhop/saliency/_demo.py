"""The saliency section of ``jaxhop demo``: phase diagram, orbits, κ fit."""

from __future__ import annotations

import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from .. import plot
from . import _fit as fit, _map as sal, _plot

CAP = 200  # retrievals are counted up to this many steps


@jax.jit
def _sweep(kappas, z0s):
    """One vmapped sweep over the flattened (κ, Z0) grid: count, period, sequence time."""

    def point(kappa, z0):
        count = sal.retrievals(kappa, z0, CAP)
        closed = sal.collapse_index(kappa, z0)
        periodic = sal.regime(kappa, z0) == sal.PERIODIC
        period = jnp.where(periodic, sal.period(kappa), jnp.nan)
        duration = jnp.where(periodic, jnp.inf, sal.cumulative_time(kappa, z0, count))
        return count, closed, period, duration

    return jax.vmap(point)(kappas, z0s)


def phase_diagram(num_kappa: int, num_z0: int, *, kappa_range=(1.0, 10.0), z0_range=(0.25, 8.0)):
    """Retrievals, closed-form collapse index, period and sequence time on a (κ, Z0) grid."""
    kappas = np.linspace(*kappa_range, num_kappa, dtype=np.float32)
    z0s = np.linspace(*z0_range, num_z0, dtype=np.float32)
    kk, zz = np.meshgrid(kappas, z0s)  # rows: Z0, columns: κ
    outputs = _sweep(jnp.asarray(kk.ravel()), jnp.asarray(zz.ravel()))
    count, closed, period, duration = (np.asarray(o).reshape(kk.shape) for o in outputs)
    return kappas, z0s, count, closed, period, duration


def demo_section(out: Path, *, quick: bool = False, quiet: bool = False) -> dict:
    size = 200 if quick else 1000
    start = time.perf_counter()
    kappas, z0s, count, closed, period, duration = phase_diagram(size, size)
    sweep_seconds = time.perf_counter() - start
    below_cap = count < CAP
    agreement = float(np.mean(closed[below_cap] == count[below_cap]))
    figures = []
    fig = _plot.plot_phase_diagram(kappas, z0s, count, period, duration, cap=CAP)
    figures.append(plot.save(fig, out / "saliency_phase_diagram.png").name)

    cases = [
        dict(kappa=5.0, z0=3.0, title="periodic: κ = 5, Z₀ = 3"),
        dict(kappa=5.0, z0=1.3, title="collapse: κ = 5, Z₀ = 1.3 < Z₋"),
        dict(kappa=3.5, z0=3.0, title="decay: κ = 3.5 < 4, Z₀ = 3"),
    ]
    for case in cases:
        case["orbit"] = np.asarray(sal.orbit(case["kappa"], case["z0"], 12))
    figures.append(plot.save(_plot.plot_orbits(cases), out / "saliency_orbits.png").name)

    target = 1.5
    single = fit.fit_kappa_to_period(target)
    targets = np.linspace(0.7, 4.0, 1_000 if quick else 10_000)
    start = time.perf_counter()
    batched = fit.fit_kappa_to_period(targets)
    batched.kappa.block_until_ready()
    batch_seconds = time.perf_counter() - start
    closed_kappa = np.asarray(sal.kappa_for_period(targets))
    fig, axes = plot.new_figure(2)
    plot.fit_history(single.losses, title=f"fit κ to period T = {target} (L-BFGS)", ax=axes[0])
    axes[1].plot(targets, closed_kappa, color="k", lw=2, label="closed form κ(T)")
    axes[1].plot(targets[::250], np.asarray(batched.kappa)[::250], "o", ms=4, label="fitted")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("target period T")
    axes[1].set_ylabel("gain κ")
    axes[1].set_title(f"{targets.size} targets fitted in one vmapped call", fontsize=9)
    axes[1].legend(fontsize=8)
    figures.append(plot.save(fig, out / "saliency_kappa_fit.png").name)

    return {
        "summary": {
            "phase_points": int(count.size),
            "phase_sweep_s": round(sweep_seconds, 3),
            "closed_form_agreement": agreement,
            "periodic_fraction": float(np.mean(count >= CAP)),
            "fit_target_period": target,
            "fit_kappa": float(single.kappa),
            "fit_closed_form_kappa": float(sal.kappa_for_period(target)),
            "fit_steps": int(single.steps),
            "batch_fit_targets": int(targets.size),
            "batch_fit_max_rel_err": float(np.max(np.abs(batched.kappa / closed_kappa - 1))),
            "batch_fit_max_steps": int(np.max(batched.steps)),
            "batch_fit_s": round(batch_seconds, 3),
        },
        "figures": figures,
    }
