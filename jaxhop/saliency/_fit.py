r"""Fitting the gain κ of the saliency map by gradient.

Three inverse problems on the map ``Z_{t+1} = κ(1 − 1/Z_t)`` and its period ``T_∞ = ln Z_+``
(Betteti, Baggio & Zampieri, arXiv 2603.03201, 2026; ``docs/saliency.md``), each solved by the
generic optax loop :func:`jaxhop.fit.fit`:

- :func:`fit_kappa_to_period`: the κ whose asymptotic period equals a target (closed form:
  :func:`kappa_for_period`, so the fit is checkable); ``method="newton"`` solves a batch of
  targets by a vectorised Newton iteration on the closed-form period instead of the optax loop;
- :func:`fit_kappa_to_dwell_times`: the κ whose first dwell times ``ln Z_t`` match data;
- :func:`fit_kappa_to_retrievals`: the κ that collapses after exactly ``k`` retrievals, through
  the smooth surrogate :func:`soft_retrievals` (ours).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax
from jaxtyping import Array, ArrayLike, Bool, Float, Int

from .._checks import check_int, check_real
from ..fit import MAX_HISTORY, fit
from . import _map as saliency

__all__ = [
    "KappaFit",
    "fit_kappa_to_period",
    "fit_kappa_to_dwell_times",
    "fit_kappa_to_retrievals",
]


class KappaFit(eqx.Module):
    """Outcome of a κ fit: `kappa`, the achieved `period` (or dwell times), the loss history
    `losses`, the optimizer `steps` taken and whether it `converged`."""

    kappa: Float[Array, ...]
    period: Float[Array, ...]
    losses: Float[Array, "... history"]
    steps: Int[Array, ...]
    converged: Bool[Array, ...]


def _with_period(kappa, result) -> KappaFit:
    """The :class:`KappaFit` of a fitted `kappa`, its period and `result`'s history."""
    return KappaFit(
        kappa=kappa,
        period=saliency.period(kappa),
        losses=result.losses,
        steps=result.steps,
        converged=result.converged,
    )


def _kappa_from_raw(raw):
    # κ = 4 + e^u keeps every iterate in the periodic regime (κ > 4), where T_∞ is smooth.
    return 4 + jnp.exp(raw)


def _period_from_raw(raw):
    # ln Z_+ with κ − 4 = e^u kept separate: κ² − 4κ = κ e^u avoids the cancellation that
    # costs float32 most of its digits near κ = 4 (targets close to ln 2).
    excess = jnp.exp(raw)
    kappa = 4 + excess
    return jnp.log((kappa + jnp.sqrt(kappa * excess)) / 2)


def _period_loss(raw, target):
    return (_period_from_raw(raw) - target) ** 2


def _check_period_targets(target) -> np.ndarray:
    values = np.asarray(target, dtype=np.float64)
    bad = ~np.isfinite(values) | (values <= math.log(2.0))
    if bad.any():
        raise ValueError(
            "target must be a finite period > ln 2 ≈ 0.693147 (no gain κ gives a shorter "
            f"period; ln 2 itself is the limit κ → 4); got {values[bad].ravel()[0]!r}"
        )
    return values


def fit_kappa_to_period(
    target: Float[ArrayLike, ...],
    *,
    optimizer: optax.GradientTransformation | None = None,
    steps: int = 200,
    tol: float = 1e-6,
    kappa0: float = 5.0,
    method: str = "optax",
) -> KappaFit:
    """Fit the gain κ whose asymptotic period ``ln Z_+(κ)`` equals ``target``, by gradient.

    Minimises ``(ln Z_+(κ) − T)²`` over ``u`` with ``κ = 4 + e^u`` (so every iterate has a
    period), starting from ``kappa0``, with ``optax.lbfgs`` by default; stops when
    ``|ΔT| ≤ tol``. ``target`` may be an array: all targets are fitted in one vmapped call.
    Compare with the closed form :func:`jaxhop.saliency.kappa_for_period`.

    Raises ``ValueError`` for targets that no gain reaches (``T ≤ ln 2``, non-finite), a
    `tol` that is not a finite number ``≥ 0``, a `kappa0` that is not finite and ``> 4``, or
    `steps` outside ``[1, 2³¹ − 1]``. ``losses`` holds the first ``min(steps, 10⁴)`` losses
    (:data:`jaxhop.fit.MAX_HISTORY`). Compiled once per target shape and optimizer: pass the
    same optimizer object to reuse the compilation across calls.

    ``method="newton"`` (no `optimizer`) replaces the optax loop by Newton's method on the
    same residual ``r(u) = ln Z_+(4 + e^u) − T``, all targets at once in one jitted
    ``lax.while_loop``: ``u ← u − r/r'`` with the analytic slope
    ``r' = e^u (1 + (κ − 2)/√(κ² − 4κ)) / (2 Z_+)`` (a step is capped at ±4 in u); a target
    stops moving once ``|r| ≤ tol`` (``steps`` counts its Newton steps) and the loop ends
    when all have, or after `steps` iterations. ``losses`` then holds ``r²`` before each of
    the first ``min(steps, 16)`` iterations (NaN after the target stopped). Newton converges
    quadratically here (T is smooth and monotone in u): ≈ 5–8 steps from κ = 5 for
    ``T ∈ [0.7, 4.5]``.
    """
    _check_period_targets(target)
    check_real("kappa0", kappa0, lo=4, lo_open=True)
    steps = check_int("steps", steps, lo=1)
    check_real("tol", tol, lo=0)
    if method not in ("optax", "newton"):
        raise ValueError(f"method must be 'optax' or 'newton', got {method!r}")
    if method == "newton" and optimizer is not None:
        raise ValueError("optimizer is only used with method='optax'")
    if method == "newton":
        # a host array converted on the host: jit copies it to the device in one transfer
        dtype = jnp.result_type(float)
        values = target if isinstance(target, jax.Array) else np.asarray(target, dtype)
        raw0 = math.log(kappa0 - 4)
        return _newton_periods(raw0, values, steps, float(tol), min(steps, NEWTON_HISTORY))
    target = jnp.asarray(target, dtype=jnp.result_type(float))
    raw0 = jnp.full(target.shape, math.log(kappa0 - 4), target.dtype)
    optimizer = _default_lbfgs() if optimizer is None else optimizer
    return _fit_periods(raw0, target, optimizer, steps, float(tol), min(steps, MAX_HISTORY))


NEWTON_HISTORY = 16
"""Residuals ``r²`` that ``fit_kappa_to_period(..., method="newton")`` records per target."""


def _residual_and_slope(raw, target):
    # r(u) = ln Z_+(κ) − T with κ = 4 + e^u, and dr/du, sharing e^u, √(κ e^u) and Z_+.
    excess = jnp.exp(raw)
    kappa = 4 + excess
    root = jnp.sqrt(kappa * excess)  # √(κ² − 4κ) without the cancellation near κ = 4
    z_plus = (kappa + root) / 2
    slope = 0.5 * (1 + (kappa - 2) / root) * excess / z_plus
    return jnp.log(z_plus) - target, slope


@functools.partial(jax.jit, static_argnums=(2, 4))
def _newton_periods(raw0, target, steps, tol, history) -> KappaFit:
    target = jnp.asarray(target, jnp.result_type(float))
    dtype = target.dtype
    # rows = iterations (each iteration writes one contiguous row), transposed at the end
    losses0 = jnp.full((history, *target.shape), jnp.nan, dtype)
    count0 = jnp.zeros(target.shape, jnp.int32)
    raw0 = jnp.broadcast_to(raw0, target.shape).astype(dtype)
    res0, slope0 = _residual_and_slope(raw0, target)

    def cond(carry):
        i, _, res, _, _, _ = carry
        return (i < steps) & jnp.any(~(jnp.abs(res) <= tol))

    def body(carry):
        i, raw, res, slope, count, losses = carry
        active = ~(jnp.abs(res) <= tol)
        row = jnp.minimum(i, history - 1)
        keep = (i < history) & active
        losses = losses.at[row].set(jnp.where(keep, res**2, losses[row]))
        raw = jnp.where(active, raw - jnp.clip(res / slope, -4.0, 4.0), raw)
        res_new, slope_new = _residual_and_slope(raw, target)
        count = count + active.astype(jnp.int32)
        return i + 1, raw, res_new, slope_new, count, losses

    carry = (jnp.int32(0), raw0, res0, slope0, count0, losses0)
    _, raw, res, _, count, losses = jax.lax.while_loop(cond, body, carry)
    losses = jnp.moveaxis(losses, 0, -1)  # (..., history), as the optax path returns it
    return KappaFit(
        kappa=_kappa_from_raw(raw),
        period=_period_from_raw(raw),
        losses=losses,
        steps=count,
        converged=jnp.abs(res) <= tol,
    )


@functools.cache
def _default_lbfgs() -> optax.GradientTransformation:
    # One instance, so the jit cache (keyed on the optimizer) is hit on every call.
    return optax.lbfgs()


@eqx.filter_jit
def _fit_periods(raw0, target, optimizer, steps, tol, history) -> KappaFit:
    def one(raw, t):
        return fit(_period_loss, raw, optimizer, steps, tol=tol * tol, args=(t,), history=history)

    batched = one
    for _ in range(target.ndim):
        batched = jax.vmap(batched)
    result = batched(raw0, target)
    return KappaFit(
        kappa=_kappa_from_raw(result.params),
        period=_period_from_raw(result.params),
        losses=result.losses,
        steps=result.steps,
        converged=result.converged,
    )


def _dwell_loss(raw, target_dwells, z0):
    kappa = _kappa_from_raw(raw)
    dwells = saliency.dwell_times(kappa, z0, target_dwells.shape[0])
    return jnp.mean((dwells - target_dwells) ** 2)


def fit_kappa_to_dwell_times(
    target_dwells: Sequence[float] | Float[ArrayLike, " n"],
    z0: float,
    *,
    optimizer: optax.GradientTransformation | None = None,
    steps: int = 200,
    tol: float = 1e-12,
    kappa0: float = 5.0,
) -> KappaFit:
    """Fit κ so that the map's first ``n`` dwell times ``ln Z_t`` (from ``Z_0 = z0``) match
    ``target_dwells`` in mean square; gradients flow through the iterated map (the orbit runs
    on the shared engine). ``kappa`` is kept above 4 as in :func:`fit_kappa_to_period`.

    Raises ``ValueError`` unless `target_dwells` is a non-empty 1-D sequence of finite
    numbers, `z0` finite and ``> 1``, `kappa0` finite and ``> 4``, `tol` finite and ``≥ 0``
    and `steps` in ``[1, 2³¹ − 1]``.
    """
    check_real("target_dwells", target_dwells)
    target_dwells = jnp.asarray(target_dwells, dtype=jnp.result_type(float))
    if target_dwells.ndim != 1 or target_dwells.shape[0] < 1:
        raise ValueError("target_dwells must be a non-empty 1-D sequence")
    check_real("z0", z0, lo=1, lo_open=True)
    check_real("kappa0", kappa0, lo=4, lo_open=True)
    check_real("tol", tol, lo=0)
    check_int("steps", steps, lo=1)
    optimizer = _default_lbfgs() if optimizer is None else optimizer
    raw0 = jnp.asarray(math.log(kappa0 - 4), target_dwells.dtype)
    result = fit(
        _dwell_loss,
        raw0,
        optimizer,
        steps,
        tol=tol,
        args=(target_dwells, jnp.asarray(z0, target_dwells.dtype)),
    )
    kappa = _kappa_from_raw(result.params)
    return _with_period(kappa, result)


def _retrieval_loss(raw, target, z0, max_steps, temperature):
    # κ = e^u > 0: collapse after k retrievals needs the decay (κ < 4) or collapse regime.
    kappa = jnp.exp(raw)
    soft = saliency.soft_retrievals(kappa, z0, max_steps, temperature)
    return (soft - target) ** 2


def fit_kappa_to_retrievals(
    retrievals: int,
    z0: float,
    *,
    optimizer: optax.GradientTransformation | None = None,
    steps: int = 300,
    temperature: float = 0.05,
    kappa0: float = 3.0,
) -> KappaFit:
    """Fit κ so that the sequence from ``Z_0 = z0`` collapses after exactly ``retrievals``
    retrievals, through the smooth surrogate :func:`jaxhop.saliency.soft_retrievals` (ours).

    Minimises ``(R_τ(κ) − k)²`` over ``u = ln κ`` with Adam (default ``optax.adam(0.02)``);
    ``period`` of the result is NaN when the fitted κ is below 4. Check the hard count with
    :func:`jaxhop.saliency.collapse_index` afterwards — the surrogate is an approximation
    whose error shrinks with ``temperature``.
    """
    # 4 k + 20 surrogate steps must fit an int32 loop counter
    retrievals = check_int("retrievals", retrievals, lo=1, hi=(2**31 - 1 - 20) // 4)
    check_real("z0", z0, lo=1, lo_open=True)
    check_real("temperature", temperature, lo=0, lo_open=True)
    check_real("kappa0", kappa0, lo=0, lo_open=True)
    check_int("steps", steps, lo=1)
    dtype = jnp.result_type(float)
    optimizer = optax.adam(0.02) if optimizer is None else optimizer
    max_steps = 4 * int(retrievals) + 20
    result = fit(
        _retrieval_loss,
        jnp.asarray(math.log(kappa0), dtype),
        optimizer,
        steps,
        tol=0.01,
        args=(
            jnp.asarray(float(retrievals), dtype),
            jnp.asarray(z0, dtype),
            max_steps,
            temperature,
        ),
    )
    kappa = jnp.exp(result.params)
    return _with_period(kappa, result)
