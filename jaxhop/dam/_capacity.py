r"""Dynamical capacity by simulation and finite-size scaling (ours; protocol in ``docs/dam.md``).

Mimura et al. (ICLR 2026; arXiv 2506.00851) read a dynamical capacity ``α'_c ≈ 0.3`` for
``F(x) = x³`` off their theory figure, against the replica values 0.252 (RS) and 0.266 (1RSB).
:func:`dynamical_capacity` measures one with a stated protocol:

- a trial cues ξ¹ with overlap `m0` (default 1), runs `steps` parallel updates and *succeeds*
  when the final overlap ``m(T) > 1/2`` (as :func:`~jaxhop.dam.recall_summary` counts);
- for each N the success rate ``r_N(α')`` is measured on a coarse grid of loads, the crossing
  ``r_N = 1/2`` is bracketed and bisected (`refine` midpoints), and ``α'_c(N)`` is read off
  all measured points by linear interpolation at 1/2 of the decreasing (isotonic, pool
  adjacent violators) fit of ``r_N`` (:func:`success_crossing`);
- the sizes are extrapolated with ``α'_c(N) = α'_c(∞) + a N^{−1/2}`` by weighted least
  squares (:func:`finite_size_fit`).

The loads of one N share their pattern sets (the first M(α') patterns of one maximal set,
``DenseMemory.active``), so the curve ``r_N`` has common random numbers and one compiled
program serves every load. Error bars: a bootstrap over pattern sets (resampled jointly over
the loads of a size), refitting the extrapolation on every replicate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import ArrayLike, Float, PRNGKeyArray

from ._capacity_store import PointStore
from ._dynamics import cue, num_patterns, recall
from ._model import DenseMemory

__all__ = [
    "dynamical_capacity",
    "success_crossing",
    "bisect_crossing",
    "finite_size_fit",
    "REFERENCE_CAPACITY",
    "DEFAULT_LOADS",
]

DEFAULT_LOADS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
"""The coarse grid of α' (n = 3, m0 = 1, T = 20 cross 1/2 near 0.45–0.47 at N = 64–256)."""

REFERENCE_CAPACITY = {"rs": 0.252, "1rsb": 0.266, "paper_dynamical": 0.3}
"""n = 3 (Krotov, α'): replica-symmetric and one-step RSB capacities, and the paper's
dynamical estimate read off its theory figure (Mimura et al., ICLR 2026)."""

_INT8_LIMIT = 2**30  # patterns stored as int8 up to 1 GiB per set, else regenerated from keys


def _decreasing_fit(y: np.ndarray) -> np.ndarray:
    """Least-squares non-increasing fit of ``y`` (pool adjacent violators, equal weights)."""
    blocks: list[list[float]] = []  # [sum, count]
    for v in np.asarray(y, np.float64):
        blocks.append([float(v), 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            s, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += c
    return np.concatenate([np.full(int(c), s / c) for s, c in blocks])


def success_crossing(
    loads: ArrayLike | Sequence[float], rates: ArrayLike | Sequence[float], level: float = 0.5
) -> float:
    """The load at which a success-rate curve crosses `level` downwards.

    The points are sorted by load and replaced by their non-increasing least-squares fit
    (pool adjacent violators), then interpolated linearly between the last point at or above
    `level` and the next. NaN when no point is at or above `level`, or none below it."""
    loads, rates = np.asarray(loads, np.float64), np.asarray(rates, np.float64)
    if loads.shape != rates.shape or loads.ndim != 1:
        raise ValueError(
            f"loads and rates must be 1-d of one length, got {loads.shape}, {rates.shape}"
        )
    order = np.argsort(loads, kind="stable")
    x, r = loads[order], _decreasing_fit(rates[order])
    above = np.nonzero(r >= level)[0]
    if above.size == 0 or above[-1] == r.size - 1:
        return float("nan")
    i = int(above[-1])
    return float(x[i] + (r[i] - level) / (r[i] - r[i + 1]) * (x[i + 1] - x[i]))


def bisect_crossing(
    rate: Callable[[float], float],
    lo: float,
    hi: float,
    *,
    iterations: int,
    level: float = 0.5,
) -> tuple[float, float, list[tuple[float, float]]]:
    """Bisection of the bracket ``[lo, hi]`` (``rate(lo) ≥ level > rate(hi)`` assumed, not
    evaluated): `iterations` midpoints; returns the final bracket and the ``(load, rate)``
    pairs evaluated."""
    if not lo < hi:
        raise ValueError(f"need lo < hi, got {lo}, {hi}")
    seen = []
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        r = float(rate(mid))
        seen.append((mid, r))
        lo, hi = (mid, hi) if r >= level else (lo, mid)
    return lo, hi, seen


def _design(sizes, exponent):
    n = np.asarray(sizes, np.float64)
    return np.stack([np.ones_like(n), n**-exponent], axis=1)


def finite_size_fit(
    sizes: ArrayLike | Sequence[int],
    crossings: ArrayLike | Sequence[float],
    errors: ArrayLike | Sequence[float] | None = None,
    *,
    exponent: float = 0.5,
) -> dict:
    """Least-squares fit ``α'_c(N) = α'_c(∞) + a N^{−exponent}``.

    With `errors` (σ per size) a weighted fit whose covariance is ``(Xᵀ W X)^{-1}``,
    ``W = diag(σ^{-2})`` (absolute errors); without, an unweighted fit whose covariance uses
    the residual variance (NaN with only two sizes). Returns ``intercept``, ``slope``, their
    ``*_err`` and ``covariance``."""
    y = np.asarray(crossings, np.float64)
    x = _design(sizes, exponent)
    if x.shape[0] != y.shape[0] or x.shape[0] < 2:
        raise ValueError("need at least two sizes, one crossing per size")
    if errors is None:
        w = np.ones_like(y)
    else:
        sigma = np.asarray(errors, np.float64)
        w = 1.0 / np.maximum(sigma, 1e-12) ** 2
    a = x.T @ (w[:, None] * x)
    beta = np.linalg.solve(a, x.T @ (w * y))
    cov = np.linalg.inv(a)
    if errors is None:
        dof = y.size - 2
        resid = y - x @ beta
        cov = cov * (resid @ resid / dof if dof > 0 else np.nan)
    return {
        "intercept": float(beta[0]),
        "slope": float(beta[1]),
        "intercept_err": float(np.sqrt(cov[0, 0])),
        "slope_err": float(np.sqrt(cov[1, 1])),
        "covariance": cov,
        "exponent": float(exponent),
    }


@eqx.filter_jit
def _final_overlaps(
    key,
    active,
    *,
    order,
    size,
    max_patterns,
    block_size,
    storage,
    variant,
    sets,
    per_set,
    m0,
    steps,
):
    """Final overlaps ``(sets, per_set)`` with the first `active` of `max_patterns` patterns."""

    def one_set(k):
        k_pat, k_cue = jax.random.split(jax.random.fold_in(key, k))
        model = DenseMemory.random(
            k_pat,
            size,
            max_patterns,
            order=order,
            variant=variant,
            block_size=block_size,
            storage=storage,
        )
        model = eqx.tree_at(lambda m: m.active, model, active, is_leaf=lambda x: x is None)
        s0 = cue(k_cue, model.cued_pattern(), m0, per_set)
        return recall(model, s0, steps).ys[-1]

    return jax.lax.map(one_set, jnp.arange(sets))


class _Size:
    """Success rates of one N, per pattern set, at loads measured on demand."""

    def __init__(self, key, *, order, size, loads_max, sets, per_set, m0, steps, variant, store):
        self.key, self.order, self.size, self.variant = key, order, size, variant
        self.store = store
        self.sets, self.per_set, self.m0, self.steps = sets, per_set, m0, steps
        self.block = max(
            32, -(-min(num_patterns(order, size, loads_max, variant), 2048) // 32) * 32
        )
        self.points: dict[int, np.ndarray] = {}  # M → per-set success fraction
        self.max_patterns = 0

    def prepare(self, top: float) -> None:
        """Fix the maximal set (one compiled program) for loads up to `top`."""
        self.max_patterns = num_patterns(self.order, self.size, top, self.variant)

    def rate(self, load: float) -> float:
        m = num_patterns(self.order, self.size, load, self.variant)
        if m not in self.points:
            top = max(self.max_patterns, m)
            storage = "int8" if self.size * top <= _INT8_LIMIT else "key"
            point = self.store.key(
                key=np.asarray(jax.random.key_data(self.key)).ravel().tolist(),
                order=self.order,
                size=self.size,
                variant=self.variant,
                sets=self.sets,
                per_set=self.per_set,
                m0=float(self.m0),
                steps=self.steps,
                max_patterns=top,
                block_size=self.block,
                storage=storage,
                active=m,
                dtype=str(jnp.result_type(float)),
            )
            known = self.store.get(point)
            if known is not None:
                self.points[m] = np.asarray(known, np.float64)
                return float(self.points[m].mean())
            final = _final_overlaps(
                self.key,
                jnp.asarray(m, jnp.int32),
                order=self.order,
                size=self.size,
                max_patterns=top,
                block_size=self.block,
                storage=storage,
                variant=self.variant,
                sets=self.sets,
                per_set=self.per_set,
                m0=float(self.m0),
                steps=self.steps,
            )
            final = np.asarray(final, np.float64)
            if np.isnan(final).any():
                raise FloatingPointError("dynamical_capacity: an integer field overflowed")
            self.points[m] = (final > 0.5).mean(axis=1)
            self.store.put(point, self.points[m].tolist())
        return float(self.points[m].mean())

    def curve(self, resample=None):
        ms = sorted(self.points)
        loads = np.asarray([self.load_of(m) for m in ms])
        per_set = np.stack([self.points[m] for m in ms])  # (loads, sets)
        if resample is not None:
            per_set = per_set[:, resample]
        return loads, per_set.mean(axis=1)

    def load_of(self, m: int) -> float:
        from ._dynamics import effective_load

        return effective_load(self.order, self.size, m, self.variant)


def dynamical_capacity(
    key: PRNGKeyArray,
    *,
    order: int = 3,
    sizes: Sequence[int] = (128, 256, 512),
    m0: float = 1.0,
    steps: int = 20,
    trials: int = 100,
    loads: Sequence[float] | Float[ArrayLike, " loads"] = DEFAULT_LOADS,
    refine: int = 4,
    pattern_sets: int | None = None,
    variant: str = "krotov",
    exponent: float = 0.5,
    bootstrap: int = 500,
    store: str | os.PathLike | None = None,
) -> dict:
    """Dynamical capacity ``α'_c(∞)`` from the crossing ``success rate = 1/2`` per size N and
    the fit ``α'_c(N) = α'_c(∞) + a N^{−exponent}`` (module docstring: the protocol).

    `trials` per load are spread over `pattern_sets` independent sets (default: one trial per
    set when ``m0 = 1`` — the cue is then the pattern itself and parallel recall is
    deterministic, so trials of one set would be copies — else 10 sets). A size whose grid
    never drops below 1/2 (or never reaches it) has a NaN crossing and is left out of the fit.

    Returns ``capacity`` and ``capacity_err`` (bootstrap std of the intercept over pattern
    sets), ``capacity_err_fit`` (from the weighted fit's covariance), ``slope`` and its error,
    ``sizes``, ``capacity_by_size`` and ``capacity_by_size_err`` (bootstrap), ``curves`` (per
    size: ``loads`` and ``rates`` of every evaluated load, ``patterns``), and the settings.

    `store`: a JSON file that keeps every measured point (``jaxhop/dam/_capacity_store.py``);
    call again with the same arguments to resume an interrupted run (``points_reused`` and
    ``points_measured`` in the result say what was read back and what was simulated).
    """
    sizes = [int(n) for n in sizes]
    grid = sorted(float(x) for x in loads)
    if len(sizes) < 2 or len(set(sizes)) != len(sizes):
        raise ValueError(f"sizes must be at least two distinct sizes, got {sizes}")
    if len(grid) < 2 or grid[0] <= 0:
        raise ValueError(f"loads must be at least two loads > 0, got {grid}")
    for name, value, minimum in (
        ("trials", trials, 1),
        ("steps", steps, 1),
        ("refine", refine, 0),
        ("bootstrap", bootstrap, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    if pattern_sets is not None and (not isinstance(pattern_sets, int) or pattern_sets < 1):
        raise ValueError(f"pattern_sets must be an integer >= 1, got {pattern_sets!r}")
    if not -1 <= m0 <= 1:
        raise ValueError(f"m0 must be in [-1, 1], got {m0}")
    points = PointStore(store)  # a bad store path is refused before any simulation
    if pattern_sets is None:
        pattern_sets = trials if m0 == 1 else min(10, trials)
    sets = min(pattern_sets, trials)
    per_set = -(-trials // sets)
    runs = []
    for k, size in enumerate(sizes):
        run = _Size(
            jax.random.fold_in(key, k),
            order=order,
            size=size,
            loads_max=grid[-1],
            sets=sets,
            per_set=per_set,
            m0=m0,
            steps=steps,
            variant=variant,
            store=points,
        )
        run.prepare(grid[-1])
        rates = [run.rate(a) for a in grid]
        fitted = _decreasing_fit(np.asarray(rates))
        above = np.nonzero(fitted >= 0.5)[0]
        if above.size and above[-1] < len(grid) - 1 and refine > 0:
            lo, hi = grid[int(above[-1])], grid[int(above[-1]) + 1]
            run.prepare(hi)  # a smaller maximal set for the midpoints: one more program
            bisect_crossing(run.rate, lo, hi, iterations=refine)
        runs.append(run)
    crossing = np.asarray([success_crossing(*run.curve()) for run in runs])
    rng = np.random.default_rng(np.asarray(jax.random.key_data(key)).ravel()[-1].item())
    boot = np.full((bootstrap, len(sizes)), np.nan)
    for b in range(bootstrap):
        for j, run in enumerate(runs):
            boot[b, j] = success_crossing(*run.curve(rng.integers(0, sets, sets)))
    err = np.full(len(sizes), np.nan)
    for j in range(len(sizes)):
        finite = boot[np.isfinite(boot[:, j]), j]
        if finite.size > 1:
            err[j] = float(np.std(finite, ddof=1))
    ok = np.isfinite(crossing)
    fit = None
    intercepts = []
    if ok.sum() >= 2:
        sigma = err[ok] if np.all(np.isfinite(err[ok]) & (err[ok] > 0)) else None
        fit = finite_size_fit(np.asarray(sizes)[ok], crossing[ok], sigma, exponent=exponent)
        for row in boot[:, ok]:
            if np.all(np.isfinite(row)):
                intercepts.append(
                    finite_size_fit(np.asarray(sizes)[ok], row, sigma, exponent=exponent)[
                        "intercept"
                    ]
                )
    curves = []
    for run in runs:
        x, r = run.curve()
        curves.append(
            {"size": run.size, "loads": x, "rates": r, "patterns": np.asarray(sorted(run.points))}
        )
    return {
        "capacity": float("nan") if fit is None else fit["intercept"],
        "capacity_err": float(np.std(intercepts, ddof=1)) if len(intercepts) > 1 else float("nan"),
        "capacity_err_fit": float("nan") if fit is None else fit["intercept_err"],
        "slope": float("nan") if fit is None else fit["slope"],
        "slope_err": float("nan") if fit is None else fit["slope_err"],
        "bootstrap_replicates_used": len(intercepts),
        "fit_form": f"alpha'_c(N) = alpha'_c(inf) + a N^(-{exponent:g})",
        "exponent": exponent,
        "sizes": np.asarray(sizes),
        "capacity_by_size": crossing,
        "capacity_by_size_err": err,
        "curves": curves,
        "order": order,
        "variant": variant,
        "m0": m0,
        "steps": steps,
        "trials": sets * per_set,
        "pattern_sets": sets,
        "grid": np.asarray(grid),
        "refine": refine,
        "success_threshold": 0.5,
        "reference": dict(REFERENCE_CAPACITY) if order == 3 and variant == "krotov" else None,
        "store": None if points.path is None else str(points.path),
        "points_reused": points.reused,
        "points_measured": points.measured,
    }
