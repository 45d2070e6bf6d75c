"""Saliency-map workloads: a 10⁶-point (κ, Z₀) sweep and the κ fit.

``saliency_map``: final state + retrievals of 10⁶ (κ, Z₀) pairs × 200 steps — jaxhop (one
jitted call on the shared engine, mapped over cache-sized tiles) against the straightforward
vectorised NumPy loop over steps. Target (our performance goal): ≥ 6×.

Strong baseline (``strong_baseline_s``): the same loop over steps on cache-sized tiles of 8,192
points, timed interleaved with jaxhop (target ≥ 10×).

``kappa_fit``: 10⁴ period targets fitted in one call, ``fit_kappa_to_period(...,
method="newton")`` (batched Newton in one jitted while loop); reports its steps. Baselines:
the per-target practice ``scipy.optimize.minimize(method="L-BFGS-B")`` in a Python loop (timed
on a subset and scaled per target: ``extrapolated``), and, as the strong baseline, the same
vectorised Newton in NumPy (target ≥ 1×). The optax L-BFGS fit (the default method) is timed
beside it (``jaxhop_lbfgs_s``).

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
from _timing import (  # noqa: E402
    print_records,
    record,
    time_jax,
    time_min,
    time_pair,
    trajectory_check,
)

import jaxhop as jh  # noqa: E402

STEPS = 200
# Points per vmapped tile. With the one-state retrieval clock a step is one XLA loop over the
# tile; 2¹⁷ points (1 MiB of state and κ) is the fastest tile measured on the 2-core CPU
# (10⁶ × 200: 8,192 → 55 ms, 32,768 → 37 ms, 131,072 → 27 ms, 262,144 → 27 ms): large enough
# that XLA splits each step across both cores and the per-iteration loop overhead (≈ 3 µs)
# is paid 8 × 200 times instead of 122 × 200, small enough to stay in the cores' L2.
TILE = 131_072
NUMPY_TILE = 8192  # the strong NumPy loop's fastest tile (16,384 equal, 32,768 1.6× slower)


def _point(args, steps=STEPS):
    kappa, z0 = args
    return jh.saliency._map._final_and_retrievals(kappa, z0, steps)


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


def numpy_sweep_strong(kappas, z0s, tile=NUMPY_TILE):
    """The strongest NumPy loop we found for the same iteration: the loop over steps run on
    cache-sized tiles of 8,192 points, so each tile's state stays in cache for all the steps
    instead of streaming the whole array through memory at every step (≈ 2× the whole-array
    loop at 10⁶ points on this CPU; in-place ufuncs with ``out=`` were no faster). It carries
    the count: jaxhop's one-state clock written in NumPy costs three more array passes per
    step than it saves (1.26 s against 0.67 s at 10⁶ points, measured), so NumPy keeps its
    fastest form."""
    n = z0s.size
    final = np.empty_like(z0s)
    count = np.zeros(n, np.int32)
    with np.errstate(divide="ignore", invalid="ignore"):
        for start in range(0, n, tile):
            sl = slice(start, start + tile)
            kappa, z, c = kappas[sl], z0s[sl].copy(), count[sl]
            for _ in range(STEPS):
                alive = z > 1
                c += alive
                z = np.where(alive, kappa * (1 - 1 / z), np.nan)
            final[sl] = z
    return final, count


def bench_saliency_map(quick: bool) -> dict:
    n = 100_000 if quick else 1_000_000
    rng = np.random.default_rng(0)
    kappas = rng.uniform(1, 10, n).astype(np.float32)
    z0s = rng.uniform(0.25, 8, n).astype(np.float32)
    kj, zj = jnp.asarray(kappas), jnp.asarray(z0s)
    compile_s, _ = time_jax(lambda: saliency_sweep(kj, zj), repeats=1)
    baseline_s = time_min(lambda: numpy_sweep(kappas, z0s), repeats=2)
    jaxhop_s, strong_s = time_pair(
        lambda: saliency_sweep(kj, zj), lambda: numpy_sweep_strong(kappas, z0s), repeats=3
    )
    final, count = saliency_sweep(kj, zj)
    ref_final, ref_count = numpy_sweep(kappas, z0s)
    strong_final, strong_count = numpy_sweep_strong(kappas, z0s)
    assert np.array_equal(np.asarray(count), ref_count), "retrieval counts differ from NumPy"
    assert np.array_equal(strong_count, ref_count), "strong NumPy loop differs from NumPy"
    np.testing.assert_allclose(strong_final, ref_final, rtol=1e-6)
    memory = trajectory_check(
        lambda steps: (jax.jit(functools.partial(saliency_sweep, steps=steps)), (kj, zj)), STEPS
    )
    return record(
        "saliency_map",
        jaxhop_s,
        baseline_s,
        compile_s,
        ">= 6x NumPy vectorised; >= 10x the cache-tiled NumPy loop",
        strong_baseline_s=strong_s,
        strong_target=10.0,
        baseline="vectorised NumPy loop over steps on the whole array",
        strong_baseline="NumPy loop over steps on cache-sized tiles of 8,192 points",
        points=n,
        steps=STEPS,
        points_steps_per_s=n * STEPS / jaxhop_s,
        **memory,
    )


def numpy_kappa_newton(targets, steps=200, tol=1e-6):
    """Vectorised Newton on T(κ) = ln Z_+(κ) in u = ln(κ − 4), all targets at once, stopping
    when every |ΔT| ≤ tol (the strong NumPy baseline: jaxhop's ``method="newton"`` in NumPy,
    float32 like jaxhop's default precision)."""
    targets = np.asarray(targets, np.float32)
    u = np.zeros_like(targets)
    for _ in range(steps):
        e = np.exp(u)
        kappa = 4 + e
        root = np.sqrt(kappa * e)
        z_plus = (kappa + root) / 2
        residual = np.log(z_plus) - targets
        if np.all(np.abs(residual) <= tol):
            break
        slope = 0.5 * (1 + (kappa - 2) / root) / z_plus * e
        u -= np.clip(residual / slope, -4, 4)
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

    def newton():
        return jh.fit.fit_kappa_to_period(targets, method="newton").kappa

    compile_s, _ = time_jax(newton, repeats=1)
    lbfgs_compile_s, lbfgs_s = time_jax(lambda: jh.fit.fit_kappa_to_period(targets).kappa)
    subset = targets[:: max(1, n // 200)]
    baseline_s = time_min(lambda: scipy_fit_loop(subset), repeats=2) * n / subset.size
    numpy_kappa_newton(targets)
    jaxhop_s, strong_s = time_pair(newton, lambda: numpy_kappa_newton(targets), repeats=20)
    result = jh.fit.fit_kappa_to_period(targets, method="newton")
    error = np.abs(np.asarray(jh.saliency.period(result.kappa), np.float64) - targets)
    ref = numpy_kappa_newton(targets)
    np.testing.assert_allclose(np.asarray(result.kappa), ref, rtol=1e-5)
    lbfgs = jh.fit.fit_kappa_to_period(targets)
    return record(
        "kappa_fit",
        jaxhop_s,
        baseline_s,
        compile_s,
        "<= 200 steps to |dT| < 1e-5, 1e4 targets in one call; >= 1x the NumPy Newton",
        strong_baseline_s=strong_s,
        strong_target=1.0,
        targets=n,
        method="newton",
        max_steps=int(np.max(result.steps)),
        max_abs_period_error=float(error.max()),
        all_converged=bool(np.all(result.converged)),
        baseline="scipy L-BFGS-B per target in a Python loop (subset, scaled)",
        extrapolated=True,
        baseline_measured_targets=int(subset.size),
        strong_baseline="vectorised NumPy Newton on the closed form, same stopping rule",
        jaxhop_lbfgs_s=lbfgs_s,
        jaxhop_lbfgs_compile_s=lbfgs_compile_s,
        lbfgs_max_steps=int(np.max(lbfgs.steps)),
        ratio_lbfgs=baseline_s / lbfgs_s,
    )


def run(quick: bool = False) -> list[dict]:
    return [bench_saliency_map(quick), bench_kappa_fit(quick)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    print_records(run(parser.parse_args().quick))
