"""The one shared stepping engine.

Every time-stepped model in jaxhop — a discrete map, an Euler–Maruyama discretisation of an
SDE, a deterministic ODE — is run by :func:`integrate`. A model family supplies a pure
``step(model, state, t, key) -> state`` (or a drift and a diffusion, turned into such a step by
:func:`euler_maruyama_step`); the engine supplies the ``lax.scan``, thinning of the saved
trajectory, per-step PRNG keys and gradient checkpointing.

Design notes:

- The trajectory is cut into *blocks* of ``block`` steps. The outer ``lax.scan`` runs over
  blocks and records one observation per block; the inner ``lax.scan`` advances the state
  through the block. With ``save_every=k`` a block is ``k`` steps, so ``num_steps / k + 1``
  observations are stored and never more.
- With ``checkpoint=True`` each block is wrapped in :func:`jax.checkpoint`: reverse-mode
  differentiation then stores only the block-boundary states (``num_steps / block`` of them)
  and recomputes the inside of one block at a time — memory O(√num_steps) for the default
  block of ⌈√num_steps⌉ steps, instead of O(num_steps).
- The key for step ``i`` is ``jax.random.fold_in(key, i)``: it depends on the step index only,
  so results do not change with ``save_every`` or checkpointing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
from jaxtyping import Array, Float, PRNGKeyArray, PyTree

from ._random import fast_key

__all__ = ["Solution", "integrate", "euler_maruyama_step", "num_steps_for"]

StepFn = Callable[[Any, PyTree, Float[Array, ""], PRNGKeyArray | None], PyTree]


class Solution(eqx.Module):
    """What :func:`integrate` returns.

    **Fields:**

    - `ts`: times of the saved observations, shape `(num_saved,)`; `None` when only the final
      state was asked for.
    - `ys`: the saved observations, a pytree whose leaves have a leading axis of length
      `num_saved` (the initial state first); `None` when only the final state was asked for.
    - `final`: the state after the last step.
    - `num_steps`: how many steps were taken (static).
    """

    ts: Float[Array, " saved"] | None
    ys: PyTree | None
    final: PyTree
    num_steps: int = eqx.field(static=True)


def _identity(state):
    return state


def integrate(
    step: StepFn,
    model: Any,
    state0: PyTree,
    *,
    num_steps: int,
    dt: float | Float[Array, ""] = 1.0,
    t0: float | Float[Array, ""] = 0.0,
    key: PRNGKeyArray | None = None,
    save_every: int | None = None,
    save_fn: Callable[[PyTree], PyTree] | None = None,
    checkpoint: bool = False,
    checkpoint_every: int | None = None,
) -> Solution:
    """Run ``num_steps`` steps of ``step`` in a ``lax.scan``.

    Step ``i`` (``i = 0 … num_steps − 1``) maps the state at time ``t_i = t0 + i·dt`` to the
    state at ``t_{i+1}``: ``state ← step(model, state, t_i, key_i)``.

    **Arguments:**

    - `step`: pure function ``(model, state, t, key) -> state``; ``key`` is ``None`` when no
      `key` was given.
    - `model`: any pytree (usually an `eqx.Module`) passed unchanged to every step. It is an
      argument rather than a closure so that gradients flow into its float leaves.
    - `state0`: initial state (any pytree of arrays).
    - `num_steps`: number of steps, a non-negative Python int.
    - `dt`, `t0`: the time grid (``dt = 1`` for a discrete map).
    - `key`: PRNG key; step ``i`` receives ``jax.random.fold_in(key, i)``.
    - `save_every`: ``None`` keeps only the final state; ``k`` saves the observation of the
      state at steps ``0, k, 2k, …`` (``num_steps`` must be a multiple of ``k``).
    - `save_fn`: maps a state to what is saved (e.g. overlaps instead of a full network state),
      so that a thinned *observation* rather than the state is stored. Default: the state.
    - `checkpoint`: wrap each block in :func:`jax.checkpoint` so reverse-mode gradients store
      only block-boundary states.
    - `checkpoint_every`: block length when checkpointing without saving (default
      ⌈√num_steps⌉); ignored when `save_every` is given (blocks are then `save_every` long).

    **Returns:** a :class:`Solution`.
    """
    num_steps = _check_int("num_steps", num_steps, minimum=0)
    if save_every is not None:
        save_every = _check_int("save_every", save_every, minimum=1)
        if num_steps % save_every:
            raise ValueError(
                f"num_steps ({num_steps}) must be a multiple of save_every ({save_every})"
            )
    if checkpoint_every is not None:
        checkpoint_every = _check_int("checkpoint_every", checkpoint_every, minimum=1)
    save_fn = _identity if save_fn is None else save_fn

    dt = jnp.asarray(dt)
    if not jnp.issubdtype(dt.dtype, jnp.floating):
        dt = dt.astype(jnp.result_type(float))
    t0 = jnp.asarray(t0, dtype=dt.dtype)

    def one_step(state, index):
        t = t0 + index.astype(dt.dtype) * dt
        step_key = None if key is None else jax.random.fold_in(key, index)
        return step(model, state, t, step_key), None

    def run_block(state, start, length):
        indices = start + jnp.arange(length)
        state, _ = jax.lax.scan(one_step, state, indices)
        return state

    if save_every is not None:
        block = save_every
    elif checkpoint:
        block = checkpoint_every or max(1, math.isqrt(max(num_steps - 1, 0)) + 1)
    else:
        block = max(num_steps, 1)
    num_blocks, remainder = divmod(num_steps, block)

    block_fn = run_block
    if checkpoint:
        block_fn = jax.checkpoint(run_block, static_argnums=(2,))

    def outer(state, block_index):
        state = block_fn(state, block_index * block, block)
        saved = save_fn(state) if save_every is not None else None
        return state, saved

    state, saved = jax.lax.scan(outer, state0, jnp.arange(num_blocks))
    if remainder:
        state = block_fn(state, num_blocks * block, remainder)

    if save_every is None:
        return Solution(ts=None, ys=None, final=state, num_steps=num_steps)
    first = save_fn(state0)
    ys = jtu.tree_map(lambda a, b: jnp.concatenate([a[None], b], axis=0), first, saved)
    ts = t0 + dt * save_every * jnp.arange(num_blocks + 1, dtype=dt.dtype)
    return Solution(ts=ts, ys=ys, final=state, num_steps=num_steps)


def euler_maruyama_step(
    drift: Callable[[Any, Float[Array, ""], PyTree], PyTree],
    diffusion: Callable[[Any, Float[Array, ""], PyTree], PyTree] | None = None,
    *,
    dt: float | Float[Array, ""],
) -> StepFn:
    """Build an Euler–Maruyama step for ``dy = f(t, y) dt + g(t, y) dW``.

    ``y ← y + f(model, t, y)·dt + g(model, t, y) ⊙ √dt·ξ``, ``ξ ~ N(0, I)`` drawn from the
    step's key (one independent normal per leaf of ``y``); the noise is diagonal (``g`` has the
    shape of ``y``, or is a scalar). With ``diffusion=None`` this is explicit Euler for the ODE
    ``ẏ = f(t, y)`` and no key is needed.

    The returned function has the engine's signature ``(model, y, t, key) -> y``; ``dt`` must
    match the one given to :func:`integrate`.
    """

    def step(model, y, t, key):
        dy = jtu.tree_map(lambda d: d * dt, drift(model, t, y))
        if diffusion is not None:
            if key is None:
                raise ValueError("a PRNG `key` is required when a diffusion term is given")
            scale = diffusion(model, t, y)
            leaves, treedef = jtu.tree_flatten(y)
            keys = jax.random.split(fast_key(key), len(leaves))
            noise = jtu.tree_unflatten(
                treedef,
                [jax.random.normal(k, leaf.shape, leaf.dtype) for k, leaf in zip(keys, leaves)],
            )
            sqrt_dt = jnp.sqrt(jnp.asarray(dt))
            dy = jtu.tree_map(
                lambda d, s, n: d + s * sqrt_dt * n,
                dy,
                _broadcast_like(scale, y),
                noise,
            )
        return jtu.tree_map(lambda a, b: a + b, y, dy)

    return step


def num_steps_for(t1: float, dt: float, save_every: int | None = None) -> int:
    """Steps covering ``[0, t1)`` at step ``dt``: ``round(t1/dt)`` (at least 1), rounded up to
    a multiple of `save_every` (an integer ≥ 1; so that every saved block is whole)."""
    if not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a finite number > 0, got {dt!r}")
    if not (math.isfinite(t1) and t1 > 0):
        raise ValueError(f"t1 must be a finite number > 0, got {t1!r}")
    if save_every is not None:
        save_every = _check_int("save_every", save_every, minimum=1)
    # at least one step: a t1 shorter than dt/2 still advances once (never a run of 0 steps)
    steps = max(1, round(t1 / dt))
    if save_every is not None and steps % save_every:
        steps += save_every - steps % save_every
    if steps > 2**31 - 1:  # the engine's loop counter is int32
        raise ValueError(
            f"t1/dt = {t1:g}/{dt:g} gives {steps} steps, more than 2^31 - 1 = {2**31 - 1}; "
            f"the longest t1 at this dt is {(2**31 - 1) * dt:g}"
        )
    return steps


def _broadcast_like(scale, y):
    if jtu.tree_structure(scale) == jtu.tree_structure(y):
        return scale
    return jtu.tree_map(lambda leaf: scale, y)


def _check_int(name: str, value, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            as_int = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be an integer, got {value!r}") from None
        if as_int != value:
            raise ValueError(f"{name} must be an integer, got {value!r}")
        value = as_int
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if value > 2**31 - 1:  # the engine's loop counter is int32
        raise ValueError(f"{name} must be <= 2^31 - 1 = {2**31 - 1}, got {value}")
    return value
