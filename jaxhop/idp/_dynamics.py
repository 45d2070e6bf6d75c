r"""Simulating IDP and additive networks, and the published IDP experiments.

Dynamics run on the shared engine (:func:`jaxhop.integrate`) with the Euler–Maruyama step
``y ← y + drift(y, α(t)) dt + σ √dt ξ`` (published ``dt = 0.01``). Only overlaps are saved.

Published experiment settings (Betteti et al., Sci. Adv. 11(17), 2025; arXiv 2411.05849):
``N = 1024``, ``P = 10``, ``σ = 8``, windows of 10 time units. Input ``j`` targets memory ``j``
with ``α_j ~ U[2, 3.5]``, the previously targeted memory ``~ U[0.2, 0.6]``, all others
``~ U[0.8, 1.5]``; each saliency vector is rescaled to sum ``√(PN)``. Glitch schedule: ``u_1`` on
[0, 8), ``u_2`` on [8, 10), ``u_1`` on [10, 15), ``u_2`` on [15, 19), ``u_3`` on [19, 25); the
additive comparator sees the same inputs only in short windows [0,1), [8,9), [10,11), [15,16),
[19,20). Initial state ``y(0) ~ N(0, I)``; memories i.i.d. ±1 with a zeroed diagonal, tanh
activation with gain 10 (the published code's choices).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray

from .._checks import check_finite, check_int, check_memory, check_real, finite_or_flag
from .._integrate import Solution, euler_maruyama_step, integrate, num_steps_for
from ._memories import random_memories
from ._network import AbstractMemoryNetwork, AdditiveNetwork, IDPNetwork, SaliencySchedule

__all__ = [
    "simulate",
    "published_saliencies",
    "window_schedule",
    "glitch_schedule",
    "pulse_schedule",
    "ExperimentResult",
    "published_experiment",
]

Network = AbstractMemoryNetwork


def _drift(model, t, y):
    network, schedule = model
    return network.drift(y, schedule(t))


def _diffusion(model, t, y):
    return jnp.asarray(model[0].noise, y.dtype)


def simulate(
    network: Network,
    schedule: SaliencySchedule,
    y0: Float[Array, " n"],
    *,
    t1: float,
    dt: float = 0.01,
    key: PRNGKeyArray | None = None,
    save_every: int | None = 10,
) -> Solution:
    """Run one trial from ``y0`` for ``t1`` time units under ``schedule``.

    Returns the engine's :class:`~jaxhop.Solution` whose ``ys`` are the signed overlaps
    ``m(t)`` (saved every ``save_every`` steps) and ``final`` the final potentials. A `key` is
    required when ``network.noise > 0``. The number of steps is ``t1/dt`` rounded up to a
    multiple of ``save_every``. ``y0`` must have shape ``(N,)`` (finite when concrete), and the
    saved overlaps must fit the memory budget.
    """
    if save_every is not None:
        save_every = check_int("save_every", save_every, lo=1)
    num_steps = num_steps_for(t1, dt, save_every)
    n, p = network.memories.shape
    if jnp.shape(y0) != (n,):
        raise ValueError(f"y0 must have shape ({n},) like the memories' rows, got {jnp.shape(y0)}")
    check_finite("y0", y0)
    if save_every is not None:
        check_memory("t1/dt", num_steps, lambda s: 4 * (s // save_every + 1) * (p + 1))
    if network.noise > 0 and key is None:
        raise ValueError("key is required when network.noise > 0")
    step = euler_maruyama_step(_drift, _diffusion if network.noise > 0 else None, dt=dt)
    sol = integrate(
        step,
        (network, schedule),
        y0,
        num_steps=num_steps,
        dt=dt,
        key=key,
        save_every=save_every,
        save_fn=network.overlaps if save_every is not None else None,
    )
    ys, final = finite_or_flag(
        "IDP simulation diverged (non-finite state)", sol.final, (sol.ys, sol.final)
    )
    return eqx.tree_at(lambda s: (s.ys, s.final), sol, (ys, final), is_leaf=lambda x: x is None)


def published_saliencies(
    key: PRNGKeyArray, num_memories: int, size: int, num_inputs: int = 3
) -> Float[Array, "inputs p"]:
    """Saliency vectors of the published inputs ``u_1 … u_k`` (rows): input ``j`` targets memory
    ``j`` (``U[2, 3.5]``), memory ``j − 1`` was the previous target (``U[0.2, 0.6]``), the rest
    ``U[0.8, 1.5]``; each row rescaled to sum ``√(P N)``."""
    num_memories = check_int("num_memories", num_memories, lo=1)
    check_int("size", size, lo=1)
    num_inputs = check_int("num_inputs", num_inputs, lo=1, hi=num_memories)
    dtype = jnp.result_type(float)
    k_target, k_prev, k_rest = jax.random.split(key, 3)
    shape = (num_inputs, num_memories)
    rest = jax.random.uniform(k_rest, shape, dtype, 0.8, 1.5)
    target = jax.random.uniform(k_target, shape, dtype, 2.0, 3.5)
    previous = jax.random.uniform(k_prev, shape, dtype, 0.2, 0.6)
    j = np.arange(num_inputs)[:, None]
    mu = np.arange(num_memories)[None, :]
    alpha = jnp.where(mu == j, target, jnp.where((mu == j - 1) & (j > 0), previous, rest))
    return alpha * (math.sqrt(num_memories * size) / jnp.sum(alpha, axis=1, keepdims=True))


def _check_saliencies(saliencies, rows: int) -> None:
    if jnp.ndim(saliencies) != 2 or jnp.shape(saliencies)[0] < rows:
        raise ValueError(
            f"saliencies must be 2-D (inputs × memories) with at least {rows} rows (inputs), "
            f"got shape {jnp.shape(saliencies)}"
        )
    check_finite("saliencies", saliencies)


def _schedule(breaks, rows, saliencies) -> SaliencySchedule:
    zeros = jnp.zeros_like(saliencies[0])
    values = jnp.stack([zeros if r is None else saliencies[r] for r in rows])
    return SaliencySchedule(jnp.asarray(breaks, saliencies.dtype), values)


def window_schedule(saliencies: Float[Array, "inputs p"], window: float = 10.0) -> SaliencySchedule:
    """Input ``j`` on ``[j·window, (j+1)·window)``, one window per row of ``saliencies``."""
    _check_saliencies(saliencies, 1)
    check_real("window", window, lo=0, lo_open=True)
    k = saliencies.shape[0]
    return _schedule([window * i for i in range(k + 1)], list(range(k)), saliencies)


def glitch_schedule(saliencies: Float[Array, "inputs p"]) -> SaliencySchedule:
    """The published glitch: u₁ [0,8), u₂ [8,10), u₁ [10,15), u₂ [15,19), u₃ [19,25)."""
    _check_saliencies(saliencies, 3)
    return _schedule([0, 8, 10, 15, 19, 25], [0, 1, 0, 1, 2], saliencies)


def pulse_schedule(saliencies: Float[Array, "inputs p"]) -> SaliencySchedule:
    """The glitch inputs present only in the short windows [0,1), [8,9), [10,11), [15,16),
    [19,20) (no input in between) — how the additive comparator is driven."""
    _check_saliencies(saliencies, 3)
    breaks = [0, 1, 8, 9, 10, 11, 15, 16, 19, 20]
    return _schedule(breaks, [0, None, 1, None, 0, None, 1, None, 2], saliencies)


GLITCH_TARGETS = ((0.0, 0), (8.0, 1), (10.0, 0), (15.0, 1), (19.0, 2))


class ExperimentResult(eqx.Module):
    """Overlap trajectories of a published experiment, batched over trials.

    ``ts`` (saved times), ``idp_overlaps`` and ``additive_overlaps`` (trials × times × P,
    signed), ``targets`` (the memory the input targets at each saved time).
    """

    ts: Float[Array, " times"]
    idp_overlaps: Float[Array, "trials times p"]
    additive_overlaps: Float[Array, "trials times p"]
    targets: Int[Array, " times"]


def published_experiment(
    key: PRNGKeyArray,
    *,
    trials: int = 8,
    kind: str = "glitch",
    size: int = 1024,
    num_memories: int = 10,
    noise: float = 8.0,
    dt: float = 0.01,
    save_every: int = 10,
) -> ExperimentResult:
    """Run the published IDP experiment for ``trials`` independent trials (vmapped).

    ``kind="glitch"``: IDP under :func:`glitch_schedule`, additive under
    :func:`pulse_schedule`, 25 time units. ``kind="windows"``: three 10-unit windows for both
    models, 30 time units. Each trial draws its own saliencies, ``y(0) ~ N(0, I)`` and noise;
    the memories are shared.
    """
    if kind not in ("glitch", "windows"):
        raise ValueError(f"kind must be 'glitch' or 'windows', got {kind!r}")
    trials = check_int("trials", trials, lo=1)
    size = check_int("size", size, lo=1)
    num_memories = check_int(
        "num_memories", num_memories, lo=3
    )  # three inputs target three memories
    check_real("noise", noise, lo=0)
    save_every = check_int("save_every", save_every, lo=1)
    t1 = 25.0 if kind == "glitch" else 30.0
    num_steps = num_steps_for(t1, dt, save_every)
    saved = num_steps // save_every + 1

    def need(b, n, p):  # the memories; per trial both networks' states and saved overlaps
        return 5 * n * p + 4 * b * (8 * n + 2 * saved * p)

    # each size on its own (one trial, three memories), then all of them together
    check_memory("size", size, lambda n: need(1, n, 3))
    check_memory("num_memories", num_memories, lambda p: need(1, 1, p), lo=3)
    check_memory("trials", trials, lambda b: need(b, size, num_memories))
    k_mem, k_trials = jax.random.split(key)
    memories = random_memories(k_mem, size, num_memories)
    common = dict(activation="tanh", gain=10.0, zero_diagonal=True, noise=noise)
    idp = IDPNetwork(memories, **common)
    additive = AdditiveNetwork(memories, **common)
    ts, idp_m, add_m = _run_trials(
        idp, additive, jax.random.split(k_trials, trials), kind, t1, dt, save_every
    )
    if kind == "glitch":
        starts, targets = zip(*GLITCH_TARGETS)
    else:
        starts, targets = (0.0, 10.0, 20.0), (0, 1, 2)
    index = np.searchsorted(np.asarray(starts), np.asarray(ts), side="right") - 1
    return ExperimentResult(ts, idp_m, add_m, jnp.asarray(np.asarray(targets)[index]))


@eqx.filter_jit
def _run_trials(idp, additive, keys, kind, t1, dt, save_every):
    size, p = idp.memories.shape

    def trial(key):
        k_alpha, k_y0, k_idp, k_add = jax.random.split(key, 4)
        saliencies = published_saliencies(k_alpha, p, size)
        y0 = jax.random.normal(k_y0, (size,), idp.memories.dtype)
        if kind == "glitch":
            idp_sched, add_sched = glitch_schedule(saliencies), pulse_schedule(saliencies)
        else:
            idp_sched = add_sched = window_schedule(saliencies)
        run = dict(t1=t1, dt=dt, save_every=save_every)
        sol_idp = simulate(idp, idp_sched, y0, key=k_idp, **run)
        sol_add = simulate(additive, add_sched, y0, key=k_add, **run)
        return sol_idp.ts, sol_idp.ys, sol_add.ys

    ts, idp_m, add_m = jax.vmap(trial)(keys)
    return ts[0], idp_m, add_m
