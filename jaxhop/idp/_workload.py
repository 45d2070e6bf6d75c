"""The IDP family's sweep workload: entries, collapse and dwell times of the two-timescale
network."""

from __future__ import annotations

import jax.numpy as jnp

from .. import idp
from ..sweep import Workload

__all__ = ["WORKLOADS"]


def _sequence_point(params, key):
    network = idp.SequenceNetwork.hadamard(
        params["kappa"],
        size=params["size"],
        num_memories=params["memories"],
        eps=params["eps"],
        noise=params["noise"],
    )
    z0 = jnp.asarray(params["z0"], network.memories.dtype)
    if params["adiabatic"]:
        events = idp.adiabatic_events(network, z0, max_events=params["max_events"])
    elif params["solver"] != "euler":
        sol = idp.solve_sequence(
            network,
            idp.sequence_init(network, z0),
            t1=params["t1"],
            key=key,
            solver=params["solver"],
            rtol=params["rtol"],
        )
        events = idp.continuous_events(network, sol, max_events=params["max_events"])
    else:
        dt = params["eps"] / 5
        sol = idp.simulate_sequence(
            network, idp.sequence_init(network, z0), t1=params["t1"], dt=dt, key=key, save_every=5
        )
        events = idp.extract_events(sol.ts, *sol.ys, max_events=params["max_events"])
    valid = events.valid
    count = jnp.maximum(events.num_entries, 1).astype(events.dwell_times.dtype)
    mean_dwell = jnp.sum(jnp.where(valid, events.dwell_times, 0.0)) / count
    return {
        "entries": events.num_entries,
        "collapsed": events.collapsed,
        "mean_dwell": jnp.where(events.num_entries > 0, mean_dwell, jnp.nan),
        "last_entry_saliency": jnp.where(
            events.num_entries > 0,
            events.entry_saliencies[jnp.maximum(events.num_entries - 1, 0)],
            jnp.nan,
        ),
    }


WORKLOAD = Workload(
    name="sequence",
    description="two-timescale IDP network (jh.idp): entries, collapse, dwell times",
    point=_sequence_point,
    defaults={
        "kappa": 5.0,
        "z0": 3.0,
        "size": 64,
        "memories": 8,
        "eps": 1e-3,
        "noise": 1e-6,
        "t1": 10.0,
        "max_events": 16,
        "adiabatic": True,
        "solver": "euler",
        "rtol": 1e-6,
    },
    static=frozenset(
        {"size", "memories", "eps", "noise", "t1", "max_events", "adiabatic", "solver", "rtol"}
    ),
    outputs={
        "entries": "memories entered (adiabatic: up to max_events; otherwise within t1)",
        "collapsed": "whether the sequence collapsed to the origin",
        "mean_dwell": "mean dwell time of the entered memories (NaN if none)",
        "last_entry_saliency": "entry saliency Z_k of the last memory entered",
    },
)

WORKLOADS = (WORKLOAD,)
