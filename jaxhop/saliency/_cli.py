"""``jaxhop saliency`` and ``jaxhop fit-period``: the saliency map from the command line."""

from __future__ import annotations

import argparse
import math

from ..cli import UsageError, add_command, check_count, check_memory, check_positive, integer

# Bytes per orbit point, end to end: float32 on the device, float64 on the host, a Python
# float in a list and its JSON text.
_ORBIT_POINT_BYTES = 4 + 8 + 32 + 24


def _saliency(args: argparse.Namespace) -> dict:
    check_positive("--kappa", args.kappa)
    check_positive("--z0", args.z0)
    check_count("--steps", args.steps, lo=0, hi=2**31 - 2)
    check_memory("--steps", args.steps, lambda n: _ORBIT_POINT_BYTES * (n + 1), lo=0)
    import numpy as np

    from . import _map as sal

    z_minus, z_plus = (float(v) for v in sal.fixed_points(args.kappa))
    code = int(sal.regime(args.kappa, args.z0))
    orbit = np.asarray(sal.orbit(args.kappa, args.z0, args.steps), dtype=np.float64)
    orbit = orbit[~np.isnan(orbit)]  # the orbit ends at its collapse
    index = float(sal.collapse_index(args.kappa, args.z0))
    period = float(sal.period(args.kappa))
    multiplier_minus, multiplier_plus = (float(v) for v in sal.multipliers(args.kappa))
    return {
        "kappa": args.kappa,
        "z0": args.z0,
        "z_plus": z_plus if math.isfinite(z_plus) else None,
        "z_minus": z_minus if math.isfinite(z_minus) else None,
        "multiplier_z_plus": multiplier_plus if math.isfinite(multiplier_plus) else None,
        "multiplier_z_minus": multiplier_minus if math.isfinite(multiplier_minus) else None,
        "regime": sal.REGIMES[code],
        "retrievals": int(index) if math.isfinite(index) else None,
        "period": period if code == sal.PERIODIC and math.isfinite(period) else None,
        "orbit": orbit.tolist(),
    }


def _fit_period(args: argparse.Namespace) -> dict:
    if not (math.isfinite(args.target) and args.target > math.log(2.0)):
        raise UsageError(
            f"--target must be a finite period > ln 2 ≈ 0.693147 (got {args.target}); "
            "no gain gives a shorter period"
        )
    check_count("--max-steps", args.max_steps)  # memory: the history is bounded (MAX_HISTORY)
    check_positive("--tol", args.tol, strict=False)
    import numpy as np

    from . import _fit as fit, _map as sal

    result = fit.fit_kappa_to_period(args.target, steps=args.max_steps, tol=args.tol)
    steps = int(result.steps)
    return {
        "target": args.target,
        "kappa": float(result.kappa),
        "period": float(result.period),
        "steps": steps,
        "converged": bool(result.converged),
        "abs_error": abs(float(result.period) - args.target),
        "closed_form_kappa": float(sal.kappa_for_period(args.target)),
        "losses": np.asarray(result.losses)[:steps].tolist(),
    }


def register(subparsers) -> None:
    parser = add_command(
        subparsers,
        "saliency",
        _saliency,
        help="fixed points, regime, retrievals, period and orbit of Z → κ(1 − 1/Z)",
        description="The saliency map Z_{t+1} = κ(1 − 1/Z_t) for one (κ, Z0).",
        writes=False,
    )
    parser.add_argument("--kappa", type=float, required=True, help="gain κ > 0")
    parser.add_argument("--z0", type=float, required=True, help="initial saliency Z0 > 0")
    parser.add_argument("--steps", type=integer, default=20, help="orbit length (default 20)")

    parser = add_command(
        subparsers,
        "fit-period",
        _fit_period,
        help="fit the gain κ whose asymptotic period ln Z_+ equals a target, by gradient",
        description="Fit κ so that ln Z_+(κ) = T with optax (L-BFGS); compare the closed form. "
        "The reported losses are the first 10⁴ at most.",
        writes=False,
    )
    parser.add_argument("--target", type=float, required=True, help="target period T > ln 2")
    parser.add_argument(
        "--max-steps", type=integer, default=200, help="optimizer steps (default 200)"
    )
    parser.add_argument("--tol", type=float, default=1e-6, help="stop when |ΔT| ≤ tol")
