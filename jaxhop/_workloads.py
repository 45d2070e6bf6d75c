"""Named workloads that ``jaxhop sweep CONFIG.toml`` can run.

A workload is a function of ONE grid point, ``point(params, key) -> dict of arrays``, with the
defaults of every parameter it reads. In a config, any non-static parameter may be a grid axis
(it then arrives as a traced scalar); the others are fixed at their config or default value
(Python scalars). Static parameters (loop lengths, sizes) can only be fixed.

Adding a family's workload is a few lines: write its point function (import the family inside
it, so that ``jaxhop sweep --help`` imports nothing heavy) and call :func:`register`.
:mod:`jaxhop.sweep` itself knows nothing about this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["Workload", "register", "get", "names", "bind"]


@dataclass(frozen=True)
class Workload:
    """A named one-point function for declarative sweeps.

    - `point`: ``(params: dict, key) -> dict of arrays``.
    - `defaults`: every parameter the point function reads, with its default value.
    - `static`: parameters that fix shapes or loop lengths: never grid axes.
    - `batch_size`: tile size for ``lax.map`` inside each device's block (``None``: vmap);
      long per-point loops run faster when a tile's state stays in cache.
    - `outputs`: output name → one-line meaning (documentation, shown by ``--list``).
    """

    name: str
    description: str
    point: Callable[[dict, object], dict]
    defaults: Mapping[str, float | int | bool]
    static: frozenset[str] = frozenset()
    batch_size: int | None = None
    outputs: Mapping[str, str] = field(default_factory=dict)


_REGISTRY: dict[str, Workload] = {}


def register(workload: Workload) -> Workload:
    """Add a workload to the registry (a name may be registered once)."""
    if workload.name in _REGISTRY:
        raise ValueError(f"workload {workload.name!r} is already registered")
    _REGISTRY[workload.name] = workload
    return workload


def names() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def get(name: str) -> Workload:
    if name not in _REGISTRY:
        raise ValueError(f"workload must be one of {list(names())}, got {name!r}")
    return _REGISTRY[name]


def bind(name: str, fixed: Mapping, axes: tuple[str, ...]) -> tuple[Callable, dict]:
    """The sweep function of workload ``name`` with ``fixed`` parameters and grid ``axes``.

    Returns ``(fn, config)``: ``fn(grid_params, key)`` for :func:`jaxhop.sweep.sweep`, and the
    JSON-able ``config`` (workload name and every fixed parameter) that identifies the sweep.
    """
    workload = get(name)
    known = set(workload.defaults)
    for label, given in (("params", set(fixed)), ("grid", set(axes))):
        unknown = sorted(given - known)
        if unknown:
            raise ValueError(
                f"{label}: workload {name!r} has no parameter(s) {unknown}; "
                f"its parameters are {sorted(known)}"
            )
    both = sorted(set(fixed) & set(axes))
    if both:
        raise ValueError(f"params: {both} given both as fixed parameters and as grid axes")
    static_axes = sorted(set(axes) & workload.static)
    if static_axes:
        raise ValueError(
            f"grid: {static_axes} of workload {name!r} fix shapes or loop lengths and "
            "cannot be swept; give them under [params]"
        )
    constants = {k: v for k, v in workload.defaults.items() if k not in axes}
    for k, v in fixed.items():
        default = workload.defaults[k]
        if isinstance(default, int) and not isinstance(default, bool):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"params: {k} must be an integer, got {v!r}")
        constants[k] = v

    def fn(grid_params, key):
        return workload.point({**constants, **grid_params}, key)

    fn.__qualname__ = f"workload:{name}"
    return fn, {"workload": name, "params": dict(sorted(constants.items()))}


# --- saliency map --------------------------------------------------------------------------


def _saliency_point(params, key):
    from . import saliency

    kappa, z0, max_steps = params["kappa"], params["z0"], params["max_steps"]
    if max_steps < 1:
        raise ValueError(f"params: max_steps must be an integer >= 1, got {max_steps}")
    code = saliency.regime(kappa, z0)
    return {
        "retrievals": saliency.retrievals(kappa, z0, max_steps),
        "regime": code,
        "period": saliency.period(kappa),
    }


register(
    Workload(
        name="saliency",
        description="saliency map Z → κ(1 − 1/Z): retrievals before collapse, regime, period",
        point=_saliency_point,
        defaults={"kappa": 5.0, "z0": 3.0, "max_steps": 200},
        static=frozenset({"max_steps"}),
        outputs={
            "retrievals": "retrievals before the first Z_t ≤ 1, capped at max_steps",
            "regime": "0 periodic, 1 collapse, 2 decay (jh.saliency.REGIMES)",
            "period": "asymptotic period ln Z_+(κ); NaN for κ < 4 (no fixed point)",
        },
    )
)


# --- two-timescale sequential retrieval (jh.idp) -------------------------------------------


def _sequence_point(params, key):
    import jax.numpy as jnp

    from . import idp

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


register(
    Workload(
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
        },
        static=frozenset({"size", "memories", "eps", "noise", "t1", "max_events", "adiabatic"}),
        outputs={
            "entries": "memories entered (adiabatic: up to max_events; Euler: within t1)",
            "collapsed": "whether the sequence collapsed to the origin",
            "mean_dwell": "mean dwell time of the entered memories (NaN if none)",
            "last_entry_saliency": "entry saliency Z_k of the last memory entered",
        },
    )
)


# --- dense associative memory recall (jh.dam) ----------------------------------------------


def _dam_point(params, key):
    import equinox as eqx
    import jax
    import jax.numpy as jnp

    from . import dam

    order, size, steps = params["order"], params["size"], params["steps"]
    trials, sets, variant = params["trials"], params["pattern_sets"], params["variant_nbody"]
    variant = "nbody" if variant else "krotov"
    max_patterns = dam.num_patterns(order, size, params["max_load"], variant)
    dtype = jnp.result_type(float)
    load = jnp.minimum(jnp.asarray(params["load"], dtype), params["max_load"])
    active = jnp.round(load * float(size) ** (order - 1) / dam.kappa(order, variant))
    active = jnp.clip(active, 1, max_patterns).astype(jnp.int32)
    m0 = jnp.asarray(params["m0"], dtype)
    per_set = -(-trials // sets)

    def one_set(k):
        k_pat, k_cue = jax.random.split(jax.random.fold_in(key, k))
        model = dam.DenseMemory.random(
            k_pat, size, max_patterns, order=order, variant=variant, storage="key"
        )
        model = eqx.tree_at(lambda m: m.active, model, active, is_leaf=lambda x: x is None)
        s0 = dam.cue(k_cue, model.cued_pattern(), m0, per_set)
        return dam.recall(model, s0, steps).ys  # (steps + 1, per_set)

    ys = jax.lax.map(one_set, jnp.arange(sets))
    final = ys[:, -1].reshape(-1)
    return {
        "final_m": jnp.mean(final),
        "final_m_std": jnp.std(final),
        "success": jnp.mean((final > 0.5).astype(dtype)),
        "m1": jnp.mean(ys[:, 1]),
        "theory_final": dam.recurrence(m0, load, order, steps)[-1],
    }


register(
    Workload(
        name="dam_recall",
        description="dense associative memory (jh.dam): parallel recall over (load α', m0)",
        point=_dam_point,
        defaults={
            "load": 0.2,
            "m0": 0.7,
            "order": 3,
            "size": 128,
            "max_load": 0.4,
            "trials": 20,
            "pattern_sets": 5,
            "steps": 10,
            "variant_nbody": False,
        },
        static=frozenset(
            {"order", "size", "max_load", "trials", "pattern_sets", "steps", "variant_nbody"}
        ),
        batch_size=1,
        outputs={
            "final_m": "mean overlap after `steps` parallel steps (trials over pattern sets)",
            "final_m_std": "its spread over trials",
            "success": "fraction of trials with final m > 0.5",
            "m1": "mean overlap after one step (Γ = 0 theory is exact there as N → ∞)",
            "theory_final": "Γ = 0 recurrence after `steps` steps",
        },
    )
)


# --- firing-rate stability (jh.firing_rate) ------------------------------------------------


def _firing_rate_point(params, key):
    import jax.numpy as jnp

    from . import firing_rate

    patterns = firing_rate.exact_overlap_patterns(params["size"], params["q"])
    structure = firing_rate.stability_structure(patterns)  # unbatched: once per chunk
    dtype = patterns.dtype
    cell = firing_rate.cell_stability(
        "rect-tanh" if params["rect_tanh"] else "sigmoid",
        structure,
        jnp.asarray(params["x_star"], dtype),
        jnp.asarray(params["rho"], dtype),
        jnp.asarray(params["a"], dtype),
        jnp.asarray(params["b"], dtype),
        params["q"],
    )
    return {
        "stable": cell["lambda_max"] < 0,
        "sufficient": cell["sufficient_value"] < 1,
        "instability": cell["instability_value"] > 0,
        "lambda_max": cell["lambda_max"],
    }


register(
    Workload(
        name="firing_rate_stability",
        description="firing-rate memories (jh.firing_rate): local stability of the designed "
        "memories (deterministic patterns) and the two sufficient tests",
        point=_firing_rate_point,
        defaults={
            "x_star": 0.2,
            "rho": 4.8,
            "a": -0.3,
            "b": 0.95,
            "q": 0.2,
            "size": 1000,
            "rect_tanh": False,
        },
        static=frozenset({"q", "size", "rect_tanh"}),
        outputs={
            "stable": "max_μ λ_max(J_μ) < 0 (from the rank-(P+1) structure)",
            "sufficient": "sufficient stability test η·max(α̃, γ) < 1 holds",
            "instability": "sufficient instability test > 0 (the memories are unstable)",
            "lambda_max": "max_μ λ_max(J_μ) at the rescaled memories",
        },
    )
)
