"""The saliency family's sweep workload: retrievals, regime and period of the map over (κ, Z₀)."""

from __future__ import annotations

from ..sweep import Workload
from . import _map as saliency

__all__ = ["WORKLOADS"]


def _saliency_point(params, key):
    kappa, z0, max_steps = params["kappa"], params["z0"], params["max_steps"]
    if max_steps < 1:
        raise ValueError(f"params: max_steps must be an integer >= 1, got {max_steps}")
    code = saliency.regime(kappa, z0)
    return {
        "retrievals": saliency.retrievals(kappa, z0, max_steps),
        "regime": code,
        "period": saliency.period(kappa),
    }


WORKLOAD = Workload(
    name="saliency",
    description="saliency map Z → κ(1 − 1/Z): retrievals before collapse, regime, period",
    point=_saliency_point,
    defaults={"kappa": 5.0, "z0": 3.0, "max_steps": 200},
    static=frozenset({"max_steps"}),
    # A point is a few flops per step for max_steps steps: with the runner's default tile of
    # 32 points the lax.map over tiles costs more than the map itself (10⁶ points × 200 steps:
    # 0.42 s at 32, 0.070 s at 1024 and 8192, benchmarks/bench_sweep.py); 1024 points keep
    # the tile's state in cache and pad a small grid by at most 1023 points.
    batch_size=1024,
    outputs={
        "retrievals": "retrievals before the first Z_t ≤ 1, capped at max_steps",
        "regime": "0 periodic, 1 collapse, 2 decay (jh.saliency.REGIMES)",
        "period": "asymptotic period ln Z_+(κ); NaN for κ < 4 (no fixed point)",
    },
)

WORKLOADS = (WORKLOAD,)
