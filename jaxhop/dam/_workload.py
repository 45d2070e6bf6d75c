"""The DAM family's sweep workload: parallel recall over (load α', m0) beside the Γ = 0 theory."""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .. import dam
from ..sweep import Workload

__all__ = ["WORKLOADS"]


def _dam_point(params, key):
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


WORKLOAD = Workload(
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

WORKLOADS = (WORKLOAD,)
