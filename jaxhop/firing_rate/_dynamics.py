r"""Simulating the firing-rate network on the shared engine.

``x ← x + dt·(−x + Φ(W x + u(t)))/τ + (σ/τ)√dt·ξ`` (Euler–Maruyama; explicit Euler when
σ = 0), run by :func:`jaxhop.integrate`; the published settings use ``dt = 0.01``. With σ = 0
and ``dt ≤ τ`` the update is a convex combination of ``x`` and ``Φ(·) ∈ [0, 1)``, so rates
stay in [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
from jaxtyping import Array, Float, PRNGKeyArray, PyTree

from .._checks import finite_or_flag
from .._integrate import Solution, euler_maruyama_step, integrate, num_steps_for
from ._network import FiringRateNetwork

__all__ = ["simulate", "num_steps_for"]


def _drift(network, t, x):
    return network.drift(t, x)


def _diffusion(network, t, x):
    return network.diffusion(t, x)


def simulate(
    network: FiringRateNetwork,
    x0: Float[Array, " n"],
    *,
    t1: float,
    dt: float = 0.01,
    key: PRNGKeyArray | None = None,
    save_every: int | None = None,
    save_fn: Callable[[Float[Array, " n"]], PyTree] | None = None,
) -> Solution:
    """Run one trajectory from ``x0`` for ``t1`` time units.

    Returns the engine's :class:`~jaxhop.Solution`: ``final`` the rates at ``t1``, ``ys`` the
    saved observations (``save_fn(x)``, default the overlaps ``m^ν(t)``) every `save_every`
    steps, or ``None`` when `save_every` is ``None``. A `key` is required when
    ``network.noise > 0``. Non-finite final rates raise ``FloatingPointError`` (traced: the
    saved observations and the final rates come back NaN; :func:`jaxhop._checks.finite_or_flag`).
    """
    num_steps = num_steps_for(t1, dt, save_every)
    if network.noise > 0 and key is None:
        raise ValueError("key is required when network.noise > 0")
    sol = _run(network, x0, num_steps, dt, key, save_every, save_fn)
    ys, final = finite_or_flag("firing-rate simulation diverged", sol.final, (sol.ys, sol.final))
    return eqx.tree_at(lambda s: (s.ys, s.final), sol, (ys, final), is_leaf=lambda x: x is None)


@eqx.filter_jit
def _run(network, x0, num_steps, dt, key, save_every, save_fn):
    step = euler_maruyama_step(_drift, _diffusion if network.noise > 0 else None, dt=dt)
    sol = integrate(
        step,
        network,
        x0,
        num_steps=num_steps,
        dt=dt,
        key=key,
        save_every=save_every,
        save_fn=(save_fn or network.overlaps) if save_every is not None else None,
    )
    return sol
