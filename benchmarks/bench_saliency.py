"""Saliency-map workloads: a 10⁶-point (κ, Z₀) sweep and the κ fit.

``saliency_map``: final state + retrievals of 10⁶ (κ, Z₀) pairs × 200 steps — jaxhop (one
jitted call on the shared engine, mapped over cache-sized tiles) against the straightforward
vectorised NumPy loop over steps. Target (our performance goal): ≥ 6×.

``kappa_fit``: 10⁴ period targets fitted in one vmapped call; reports optimizer steps (target
≤ 200 to |ΔT| < 1e-5). Baseline: what a scientist would write with the same algorithm —
``scipy.optimize.minimize(method="L-BFGS-B")`` per target in a Python loop (timed on a subset
and scaled per target). A vectorised NumPy Newton iteration on the closed form, which needs the
analytic derivative and no line search, is reported beside it (``numpy_newton_s``).

Run: ``python benchmarks/bench_saliency.py [--quick]``.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import print_records, record, time_jax, time_min, trajectory_check  # noqa: E402

import jaxhop as jh  # noqa: E402

STEPS = 200
TILE = 8192  # elements per vmapped tile: the running state stays in cache


def _point(args, steps=STEPS):
    kappa, z0 = args
    sol = jh.integrate(
        jh.saliency._map._count_step, kappa, (z0, jnp.zeros((), jnp.int32)), num_steps=steps
    )
    return sol.final


@functools.partial(jax.jit, static_argnames="steps")
def saliency_sweep(kappas, z0s, steps=STEPS):
    """Final saliency and retrievals for every pair, tiles of TILE vmapped points."""
    return jax.lax.map(functools.partial(_point, steps=steps), (kappas, z0s), batch_size=TILE)


def numpy_sweep(kappas, z0s):
    """The vectorised NumPy loop over steps a scientist would write."""
    z = z0s.copy()
    count = np.zeros(z.shape, np.int32)
    for _ in range(STEPS):
        alive = z > 1
        count += alive
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(alive, kappas * (1 - 1 / z), np.nan)
    return z, count


def bench_saliency_map(quick: bool) -> dict:
    n = 100_000 if quick else 1_000_000
    rng = np.random.default_rng(0)
    kappas = rng.uniform(1, 10, n).astype(np.float32)
    z0s = rng.uniform(0.25, 8, n).astype(np.float32)
    kj, zj = jnp.asarray(kappas), jnp.asarray(z0s)
    compile_s, jaxhop_s = time_jax(lambda: saliency_sweep(kj, zj))
    baseline_s = time_min(lambda: numpy_sweep(kappas, z0s), repeats=2)
    final, count = saliency_sweep(kj, zj)
    ref_final, ref_count = numpy_sweep(kappas, z0s)
    assert np.array_equal(np.asarray(count), ref_count), "retrieval counts differ from NumPy"
    memory = trajectory_check(
        lambda steps: (jax.jit(functools.partial(saliency_sweep, steps=steps)), (kj, zj)), STEPS
    )
    return record(
        "saliency_map",
        jaxhop_s,
        baseline_s,
        compile_s,
        ">= 6x NumPy vectorised",
        points=n,
        steps=STEPS,
        points_steps_per_s=n * STEPS / jaxhop_s,
        **memory,
    )


def numpy_kappa_newton(targets, iterations=30):
    """Vectorised Newton on T(κ) = ln Z_+(κ) in u = ln(κ − 4): the NumPy baseline."""
    u = np.zeros_like(targets)
    for _ in range(iterations):
        e = np.exp(u)
        kappa = 4 + e
        root = np.sqrt(kappa * e)
        z_plus = (kappa + root) / 2
        period = np.log(z_plus)
        dz_dkappa = 0.5 * (1 + (kappa - 2) / root)
        slope = dz_dkappa / z_plus * e
        u = u - (period - targets) / slope
    return 4 + np.exp(u)


def scipy_fit_loop(targets):
    """One L-BFGS-B fit per target, in a Python loop (the per-target practice)."""
    from scipy.optimize import minimize

    def loss_and_grad(u, target):
        e = np.exp(u[0])
        kappa = 4 + e
        root = np.sqrt(kappa * e)
        z_plus = (kappa + root) / 2
        residual = np.log(z_plus) - target
        slope = 0.5 * (1 + (kappa - 2) / root) / z_plus * e
        return residual**2, np.array([2 * residual * slope])

    return [
        minimize(loss_and_grad, [0.0], args=(t,), jac=True, method="L-BFGS-B", tol=1e-14).x[0]
        for t in targets
    ]


def bench_kappa_fit(quick: bool) -> dict:
    n = 1_000 if quick else 10_000
    targets = np.linspace(0.7, 4.5, n)
    compile_s, jaxhop_s = time_jax(lambda: jh.fit.fit_kappa_to_period(targets).kappa)
    subset = targets[:: max(1, n // 200)]
    baseline_s = time_min(lambda: scipy_fit_loop(subset), repeats=2) * n / subset.size
    newton_s = time_min(lambda: numpy_kappa_newton(targets))
    result = jh.fit.fit_kappa_to_period(targets)
    error = np.abs(np.asarray(jh.saliency.period(result.kappa), np.float64) - targets)
    return record(
        "kappa_fit",
        jaxhop_s,
        baseline_s,
        compile_s,
        "<= 200 optimizer steps to |dT| < 1e-5; 1e4 targets in one call",
        targets=n,
        max_steps=int(np.max(result.steps)),
        max_abs_period_error=float(error.max()),
        all_converged=bool(np.all(result.converged)),
        baseline="scipy L-BFGS-B per target in a Python loop (subset, scaled)",
        numpy_newton_s=newton_s,
    )


def run(quick: bool = False) -> list[dict]:
    return [bench_saliency_map(quick), bench_kappa_fit(quick)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print_records(run(parser.parse_args().quick))
