"""The firing-rate family's sweep workload: stability of the designed memories and the two tests."""

from __future__ import annotations

import jax.numpy as jnp

from .. import firing_rate
from ..sweep import Workload

__all__ = ["WORKLOADS"]


def _firing_rate_point(params, key):
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


WORKLOAD = Workload(
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

WORKLOADS = (WORKLOAD,)
