"""The IDP family's sweep workload: entries, collapse and dwell times of the two-timescale
network (``docs/idp.md``).

Three paths, chosen by fixed parameters: ``adiabatic = true`` (default) the exact ε → 0 event
reduction; ``solver = "euler"`` fixed-step Euler–Maruyama at ``dt = ε/5``; ``solver =
"kvaerno5"`` / ``"kvaerno3"`` the adaptive continuous solve on diffrax (float64: run with
``JAX_ENABLE_X64=1``). ``eps`` may be a grid axis on the continuous and adiabatic paths (the
adaptive solve's shapes do not depend on ε; the adiabatic limit ignores it), never on the
Euler path, whose step count ``t1/(ε/5)`` is a loop length fixed at compile time. A
continuous point that runs out of ``max_steps`` reports ``entries = -1`` and NaN (not a
plausible number), so one stiff point does not stop the sweep.
"""

from __future__ import annotations

import jax.numpy as jnp

from .. import idp
from .._checks import check_int, check_real, is_traced
from ..sweep import Workload

__all__ = ["WORKLOADS"]

SOLVERS = ("euler", "kvaerno5", "kvaerno3")


def _check(params):
    solver = params["solver"]
    if solver not in SOLVERS:
        raise ValueError(f"params: solver must be one of {SOLVERS}, got {solver!r}")
    for name in ("kappa", "z0"):
        check_real(name, params[name], lo=0, lo_open=True)
    check_real("eps", params["eps"], lo=0, lo_open=True)
    check_real("noise", params["noise"], lo=0)
    check_real("t1", params["t1"], lo=0, lo_open=True)
    check_real("rtol", params["rtol"], lo=0, hi=1, lo_open=True, hi_open=True)
    check_int("max_events", params["max_events"], lo=1)
    check_int("max_steps", params["max_steps"], lo=1)
    if is_traced(params["eps"]) and solver == "euler" and not params["adiabatic"]:
        raise ValueError(
            "grid: eps can be a grid axis only with solver 'kvaerno5' or 'kvaerno3' (or "
            "adiabatic = true): the Euler step is eps/5, so its step count is fixed by eps "
            "at compile time; give eps under [params]"
        )


def _sequence_point(params, key):
    _check(params)
    eps = params["eps"]
    traced_eps = is_traced(eps)
    network = idp.SequenceNetwork.hadamard(
        params["kappa"],
        size=params["size"],
        num_memories=params["memories"],
        eps=1.0 if traced_eps else float(eps),  # a traced ε goes to the solve (below)
        noise=params["noise"],
    )
    z0 = jnp.asarray(params["z0"], network.memories.dtype)
    ok = jnp.asarray(True)
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
            eps=eps if traced_eps else None,
            max_steps=params["max_steps"],
            throw=False,
        )
        events = idp.continuous_events(network, sol, max_events=params["max_events"])
        ok = sol.success
    else:
        dt = params["eps"] / 5
        sol = idp.simulate_sequence(
            network, idp.sequence_init(network, z0), t1=params["t1"], dt=dt, key=key, save_every=5
        )
        events = idp.extract_events(sol.ts, *sol.ys, max_events=params["max_events"])
    valid = events.valid
    count = jnp.maximum(events.num_entries, 1).astype(events.dwell_times.dtype)
    mean_dwell = jnp.sum(jnp.where(valid, events.dwell_times, 0.0)) / count
    entered = events.num_entries > 0
    last = events.entry_saliencies[jnp.maximum(events.num_entries - 1, 0)]
    return {
        "entries": jnp.where(ok, events.num_entries, -1),
        "collapsed": events.collapsed & ok,
        "mean_dwell": jnp.where(entered & ok, mean_dwell, jnp.nan),
        "last_entry_saliency": jnp.where(entered & ok, last, jnp.nan),
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
        "max_steps": 20_000,
    },
    static=frozenset(
        {
            "size",
            "memories",
            "noise",
            "t1",
            "max_events",
            "adiabatic",
            "solver",
            "rtol",
            "max_steps",
        }
    ),
    outputs={
        "entries": "memories entered (adiabatic: up to max_events; otherwise within t1; "
        "-1: the continuous solve ran out of max_steps)",
        "collapsed": "whether the sequence collapsed to the origin",
        "mean_dwell": "mean dwell time of the entered memories (NaN if none)",
        "last_entry_saliency": "entry saliency Z_k of the last memory entered",
    },
)

WORKLOADS = (WORKLOAD,)
