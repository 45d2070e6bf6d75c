"""One-call sequential retrieval: build the network, run it, extract its events."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, PRNGKeyArray

from .._checks import check_int, check_real
from .._integrate import Solution
from ._continuous import ContinuousSolution, continuous_events, solve_sequence
from ._events import SequenceEvents, adiabatic_events, extract_events
from ._sequence import SequenceNetwork, sequence_init, simulate_sequence

__all__ = ["METHODS", "sequential_retrieval", "map_prediction"]

METHODS = ("euler", "adiabatic", "continuous")


def sequential_retrieval(
    kappa: float,
    z0: float,
    *,
    size: int = 64,
    num_memories: int = 8,
    eps: float = 1e-3,
    noise: float = 1e-6,
    t1: float = 10.0,
    dt: float | None = None,
    key: PRNGKeyArray | None = None,
    method: str = "euler",
    max_events: int = 16,
    save_every: int = 5,
    solver: str = "kvaerno5",
    rtol: float = 1e-6,
) -> tuple[SequenceEvents, Solution | ContinuousSolution | None]:
    """Run the two-timescale network (Hadamard memories, cyclic successor) from
    ``y(0) = Z_0 ξ¹``, ``α(0) = Z_0 e_1`` and return ``(events, solution)``.

    ``method="euler"``: fixed-step Euler–Maruyama for ``t1`` time units (``dt = ε/5`` by
    default), events read from the saved trajectory; ``method="adiabatic"``: the exact ε → 0
    reduction (``max_events`` events, no trajectory: ``solution`` is ``None``);
    ``method="continuous"``: the adaptive diffrax solve (``solver``, ``rtol``; float64 only, cost
    independent of ε), events located on its dense solution (:func:`continuous_events`).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    check_real("kappa", kappa, lo=0, lo_open=True)
    check_real("z0", z0, lo=0, lo_open=True)
    check_real("eps", eps, lo=0, lo_open=True)
    check_real("noise", noise, lo=0)
    check_real("t1", t1, lo=0, lo_open=True)
    check_int("max_events", max_events, lo=1)
    check_int("save_every", save_every, lo=1)
    if dt is not None:
        check_real("dt", dt, lo=0, lo_open=True)
    check_real("rtol", rtol, lo=0, lo_open=True)
    network = SequenceNetwork.hadamard(
        kappa, size=size, num_memories=num_memories, eps=eps, noise=noise
    )
    if method == "adiabatic":
        return _adiabatic(network, jnp.asarray(z0, network.memories.dtype), max_events), None
    key = jax.random.key(0) if key is None else key
    if method == "continuous":
        return _continuous(
            network, jnp.asarray(z0, network.memories.dtype), key, t1, solver, rtol, max_events
        )
    return _euler(
        network, jnp.asarray(z0, network.memories.dtype), key, t1, dt, save_every, max_events
    )


@eqx.filter_jit
def _adiabatic(network, z0, max_events):
    return adiabatic_events(network, z0, max_events=max_events)


@eqx.filter_jit
def _euler(network, z0, key, t1, dt, save_every, max_events):
    sol = simulate_sequence(
        network, sequence_init(network, z0), t1=t1, dt=dt, key=key, save_every=save_every
    )
    return extract_events(sol.ts, *sol.ys, max_events=max_events), sol


@eqx.filter_jit
def _continuous(network, z0, key, t1, solver, rtol, max_events):
    sol = solve_sequence(
        network, sequence_init(network, z0), t1=t1, key=key, solver=solver, rtol=rtol
    )
    return continuous_events(network, sol, max_events=max_events), sol


def map_prediction(kappa: float, z0: float, n: int) -> Float[Array, " n"]:
    """The saliency map's first ``n`` entry saliencies (NaN after a collapse)."""
    n = check_int("n", n, lo=1)
    from .. import saliency

    return saliency.orbit(kappa, z0, n - 1)
