r"""Recall dynamics of the dense associative memory (spec ``dam.md``, "Model", item 4).

- Parallel (synchronous) update ``s(t+1) = sgn(u(s(t)))`` (:func:`parallel_step`), ties keep
  the current spin.
- Asynchronous sweep (:func:`async_sweep`): sites updated one at a time (random permutation
  or in order), the overlaps ``x`` refreshed after each flip; with the exact energy-difference
  rule (or the n-body rule, which is exact) the energy never increases.
- Cue: ξ¹ with each bit flipped with probability ``(1 − m0)/2`` (:func:`cue`); overlap
  ``m(t) = ξ¹·s(t)/N``.
- Load: the CLI's load is the effective ``α' = κ_n α`` (Krotov ``κ_n = (2n − 3)!!``, n-body
  ``(n − 1)!``), ``M = round(α' N^{n−1}/κ_n)`` (:func:`num_patterns`).

The time loop is the shared engine's (:func:`jaxhop.integrate`, ``dt = 1``) with the overlaps
as ``save_fn``, so trajectories of the full state are never stored.

Cycle skip (ours; exact): parallel recall is deterministic and autonomous, so once
``s(t+1) = s(t−1)`` for every column of the batch the rest of the run is known (a fixed
point or a 2-cycle), and :func:`recall` stops computing fields (``lax.cond``) and just
alternates the two states. Runs that recall settle within a few steps, so the remaining steps
cost nothing; the result is identical to computing them (tested).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int8, PRNGKeyArray

from .._integrate import Solution, integrate
from ._model import DenseMemory, _horner, acc_dtype

__all__ = [
    "kappa",
    "num_patterns",
    "effective_load",
    "cue",
    "overlap",
    "parallel_step",
    "async_sweep",
    "recall",
]


def kappa(order: int, variant: str = "krotov") -> int:
    """``κ_n``: ``(2n − 3)!!`` for Krotov, ``(n − 1)!`` for n-body (spec table)."""
    if isinstance(order, bool) or not isinstance(order, int) or order < 2:
        raise ValueError(f"order must be an integer >= 2, got {order!r}")
    if variant == "krotov":
        return math.prod(range(2 * order - 3, 0, -2))
    if variant == "nbody":
        return math.factorial(order - 1)
    raise ValueError(f"variant must be 'krotov' or 'nbody', got {variant!r}")


def num_patterns(order: int, size: int, load: float, variant: str = "krotov") -> int:
    """``M = round(α' N^{n−1} / κ_n)`` for effective load ``α' = load`` (at least 1)."""
    if not (math.isfinite(load) and load > 0):
        raise ValueError(f"load must be a finite number > 0, got {load!r}")
    return max(1, round(load * float(size) ** (order - 1) / kappa(order, variant)))


def effective_load(order: int, size: int, patterns: int, variant: str = "krotov") -> float:
    """``α' = κ_n M / N^{n−1}``."""
    return kappa(order, variant) * patterns / float(size) ** (order - 1)


@eqx.filter_jit
def cue(
    key: PRNGKeyArray,
    pattern: Int8[Array, " n"],
    m0: Float[Array, " batch"] | Float[Array, ""] | float,
    batch: int,
) -> Int8[Array, "n batch"]:
    """``batch`` noisy copies of ``pattern``: each bit flipped w.p. ``(1 − m0)/2`` (``m0`` a
    scalar or one value per column)."""
    m0 = jnp.broadcast_to(jnp.asarray(m0, jnp.result_type(float)), (batch,))
    flip = jax.random.uniform(key, (pattern.shape[0], batch)) < (1 - m0[None, :]) / 2
    return jnp.where(flip, -pattern[:, None], pattern[:, None]).astype(jnp.int8)


@eqx.filter_jit
def overlap(pattern: Int8[Array, " n"], s: Int8[Array, "n batch"]) -> Float[Array, " batch"]:
    """``m = ξ·s / N`` per column."""
    dot = jax.lax.dot_general(
        pattern, s, (((0,), (0,)), ((), ())), preferred_element_type=jnp.int32
    )
    return dot.astype(jnp.result_type(float)) / pattern.shape[0]


def _sgn_keep(u, s):
    zero = jnp.zeros_like(u)
    return jnp.where(u > zero, 1, jnp.where(u < zero, -1, s)).astype(jnp.int8)


@eqx.filter_jit
def parallel_step(model: DenseMemory, s: Int8[Array, "n batch"]) -> Int8[Array, "n batch"]:
    """``s_i ← sgn(u_i)`` for all i at once (``sgn(0)`` keeps ``s_i``)."""
    return _sgn_keep(model.fields(s), s)


@eqx.filter_jit
def async_sweep(
    model: DenseMemory,
    s: Int8[Array, "n batch"],
    key: PRNGKeyArray | None = None,
) -> Int8[Array, "n batch"]:
    """One asynchronous sweep: every site once, in a random order drawn from `key` (in order
    ``0 … N−1`` when `key` is None). Materialises Ξ (use at small N·M)."""
    xi = model.all_patterns()  # (N, M)
    mask = model.pattern_mask()[:, None]
    n = model.size
    order = jnp.arange(n) if key is None else jax.random.permutation(key, n)
    x = jax.lax.dot_general(xi, s, (((0,), (0,)), ((), ())), preferred_element_type=jnp.int32)
    if model.separation == "exp":
        dtype = jnp.result_type(float)
        x = x.astype(dtype)

        def site_field(row, x, s_i):
            w = jnp.where(mask, jnp.exp(x - jnp.max(x, axis=0, keepdims=True)), 0.0)
            e = row.astype(dtype) @ w * jnp.cosh(jnp.asarray(1.0, dtype))
            return e - s_i.astype(dtype) * jnp.sum(w, 0) * jnp.sinh(jnp.asarray(1.0, dtype))
    else:
        even, odd = model.coefficients
        x = x.astype(acc_dtype())

        def site_field(row, x, s_i):
            e = jnp.sum(row.astype(x.dtype)[:, None] * _horner(even, x), axis=0)
            o = jnp.where(mask, _horner(odd, x), jnp.zeros_like(x))
            return e - s_i.astype(x.dtype) * jnp.sum(o, axis=0)

    def body(j, carry):
        s, x = carry
        i = order[j]
        row = xi[i]
        new = _sgn_keep(site_field(row, x, s[i]), s[i])
        delta = (new - s[i]).astype(x.dtype)
        x = x + row.astype(x.dtype)[:, None] * delta[None, :]
        return s.at[i].set(new), x

    s, _ = jax.lax.fori_loop(0, n, body, (s, x))
    return s


def _step(model, s, t, key):
    dam, update = model.dam, model.update
    if update == "parallel":
        return parallel_step(dam, s)
    return async_sweep(dam, s, key if update == "async_random" else None)


def _cycle_skipping_step(model, state, t, key):
    """Parallel step on ``(s(t), s(t−1), cycling)``; ``cycling`` ⇔ ``s(t) = s(t−2)`` for all
    columns, after which the states alternate without computing fields. Starting from
    ``(s0, s0, False)`` the first check is ``s(1) = s(0)``, a fixed point."""
    s, previous, cycling = state

    def advance(_):
        new = parallel_step(model.dam, s)
        return new, s, jnp.all(new == previous)

    def alternate(_):
        return previous, s, cycling

    return jax.lax.cond(cycling, alternate, advance, None)


class _Update(eqx.Module):
    dam: DenseMemory
    update: str = eqx.field(static=True)


def recall(
    model: DenseMemory,
    s0: Int8[Array, "n batch"],
    steps: int,
    *,
    update: str = "parallel",
    key: PRNGKeyArray | None = None,
    save_state: bool = False,
    skip_cycles: bool = True,
) -> Solution:
    """Run ``steps`` updates from ``s0`` on the shared engine (``dt = 1``).

    `update`: ``"parallel"``, ``"async_random"`` (one random-order sweep per step; needs `key`)
    or ``"async_sequential"``. Saved observations ``ys``: the overlap ``m(t)`` with ξ¹ per
    column, ``(steps + 1, batch)`` (or the states themselves with ``save_state=True``);
    ``final`` is the last state. `skip_cycles` (parallel only): once every column is on a
    fixed point or 2-cycle, stop computing fields (exact, see the module docstring).
    """
    if update not in ("parallel", "async_random", "async_sequential"):
        raise ValueError(
            f"update must be 'parallel', 'async_random' or 'async_sequential', got {update!r}"
        )
    if update == "async_random" and key is None:
        raise ValueError("key is required with update='async_random'")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    pattern = model.cued_pattern()
    save_fn = None if save_state else (lambda s: overlap(pattern, s))
    if update == "parallel" and skip_cycles:
        sol = integrate(
            _cycle_skipping_step,
            _Update(model, update),
            (s0, s0, jnp.zeros((), bool)),
            num_steps=steps,
            dt=1.0,
            save_every=1,
            save_fn=lambda state: state[0] if save_fn is None else save_fn(state[0]),
        )
        return Solution(ts=sol.ts, ys=sol.ys, final=sol.final[0], num_steps=steps)
    return integrate(
        _step,
        _Update(model, update),
        s0,
        num_steps=steps,
        dt=1.0,
        key=key,
        save_every=1,
        save_fn=save_fn,
    )
