r"""Gradients through the two-timescale network: fit κ to target dwell times.

The loss is ``mean_k (T_k(κ) − T_k^*)²`` over the first ``n`` dwell times of a *simulated*
:class:`SequenceNetwork`, measured exit to exit (the times at which each retrieved memory's
saliency falls through 1). Two simulations (``solver``):

- ``"euler"``: fixed-step Euler–Maruyama on the shared engine, checkpointed, read by
  :func:`extract_events`, whose interpolated crossing times are smooth in κ but carry the
  step grid's ripple (use ``network.smoothing > 0``);
- ``"kvaerno5"`` / ``"kvaerno3"``: the continuous solve with error control
  (:func:`~jaxhop.idp.sequence_events`): event times located on the dense solution, their
  gradients by the implicit function theorem, so the loss is as smooth as the flow (float64;
  frozen noise, :mod:`jaxhop.idp._continuous`).

The noise realisation is fixed by the key, so the loss is a deterministic function of κ.
Optimised with optax through :func:`jaxhop.fit.fit`. Ours; compare the result with the
saliency map's closed-form inverse :func:`jaxhop.saliency.kappa_for_period` (Betteti, Baggio &
Zampieri, arXiv 2603.03201, 2026), exact only as ε → 0 (``docs/idp.md``).
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
import optax
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .. import fit as _fit
from .._checks import check_int, check_real
from ._events import extract_events
from ._sequence import SequenceNetwork, sequence_init, simulate_sequence

__all__ = ["FIT_SOLVERS", "network_dwell_times", "fit_network_kappa"]

FIT_SOLVERS = ("euler", "kvaerno5", "kvaerno3")


def _check_solver(solver, dt, rtol):
    if solver not in FIT_SOLVERS:
        raise ValueError(f"solver must be one of {FIT_SOLVERS}, got {solver!r}")
    if solver != "euler" and dt is not None:
        raise ValueError(f"dt is the Euler step: it has no effect with solver {solver!r}")
    check_real("rtol", rtol, lo=0, hi=1, lo_open=True, hi_open=True)


def network_dwell_times(
    network: SequenceNetwork,
    z0: Float[ArrayLike, ""],
    num_dwells: int,
    *,
    t1: float,
    key: PRNGKeyArray,
    dt: float | None = None,
    save_every: int = 5,
    checkpoint: bool = True,
    solver: str = "euler",
    rtol: float = 1e-8,
) -> Float[Array, " num_dwells"]:
    """The first ``num_dwells`` dwell times of a simulated run from ``Z_0``, measured from exit
    to exit (the times at which each retrieved memory's saliency falls through 1 — see
    :func:`extract_events`); NaN where the run did not get that far (choose ``t1`` long
    enough). Differentiable in ``network.kappa`` and ``z0``.

    ``solver="euler"`` (default; ``dt``, ``save_every``, ``checkpoint`` are its options): use
    ``network.smoothing > 0`` for gradients that see how κ moves the escapes (with the exact
    Hard Tanh they are a fine staircase). ``solver="kvaerno5"``/``"kvaerno3"``: the
    continuous solve at relative tolerance ``rtol`` with exact event times and
    implicit-function gradients (:func:`~jaxhop.idp.sequence_events`; needs float64)."""
    num_dwells = check_int("num_dwells", num_dwells, lo=1)
    check_real("z0", z0, lo=0, lo_open=True)
    check_real("t1", t1, lo=0, lo_open=True)
    _check_solver(solver, dt, rtol)
    if solver == "euler":
        sol = simulate_sequence(
            network,
            sequence_init(network, z0),
            t1=t1,
            dt=dt,
            key=key,
            save_every=save_every,
            checkpoint=checkpoint,
        )
        events = extract_events(sol.ts, *sol.ys, max_events=num_dwells)
    else:
        from ._continuous import sequence_events

        events = sequence_events(
            network,
            sequence_init(network, z0),
            t1=t1,
            key=key,
            solver=solver,
            rtol=rtol,
            max_events=num_dwells,
        )
    exits = events.exit_times
    return exits - jnp.concatenate([events.entry_times[:1], exits[:-1]])


def _loss(log_kappa, network, z0, targets, key, t1, dt, save_every, solver, rtol):
    network = eqx.tree_at(lambda n: n.kappa, network, jnp.exp(log_kappa))
    dwells = network_dwell_times(
        network,
        z0,
        targets.shape[0],
        t1=t1,
        key=key,
        dt=dt,
        save_every=save_every,
        solver=solver,
        rtol=rtol,
    )
    return jnp.mean((dwells - targets) ** 2)


def fit_network_kappa(
    network: SequenceNetwork,
    z0: float,
    target_dwells: Float[ArrayLike, " n"],
    *,
    key: PRNGKeyArray,
    t1: float | None = None,
    dt: float | None = None,
    save_every: int = 5,
    optimizer: optax.GradientTransformation | None = None,
    steps: int = 12,
    tol: float | None = 1e-8,
    solver: str = "euler",
    rtol: float = 1e-8,
) -> _fit.FitResult:
    """Fit κ (starting from ``network.kappa``) so the network's first ``n`` dwell times match
    ``target_dwells``; optimises ``ln κ`` with optax through the whole simulation (default
    ``optax.sgd(1.0)``: the loss is a smooth 1-D bowl in ``ln κ``, where Adam's momentum only
    oscillates). ``t1`` defaults to ``Σ targets + 1``. ``solver``: ``"euler"`` (checkpointed
    fixed steps) or ``"kvaerno5"``/``"kvaerno3"`` (continuous solve, exact event times and
    implicit-function gradients; float64) — see :func:`network_dwell_times`. Returns the
    :class:`~jaxhop.fit.FitResult` whose ``params`` is ``ln κ``; raises ``ValueError`` when the
    loss turns NaN (an iterate's run was too short for the requested dwells)."""
    targets = jnp.asarray(target_dwells, network.memories.dtype)
    if targets.ndim != 1 or targets.shape[0] < 1:
        raise ValueError("target_dwells must be a non-empty 1-D sequence")
    check_real("target_dwells", targets, lo=0, lo_open=True)
    check_real("z0", z0, lo=1, lo_open=True)  # > 1: a retrievable first memory
    check_int("steps", steps, lo=1)
    _check_solver(solver, dt, rtol)
    t1 = float(jnp.sum(targets)) + 1.0 if t1 is None else t1
    check_real("t1", t1, lo=0, lo_open=True)
    optimizer = optax.sgd(1.0) if optimizer is None else optimizer
    args = (network, jnp.asarray(z0, targets.dtype), targets, key, t1, dt, save_every)
    result = _fit.fit(
        _loss,
        jnp.log(network.kappa),
        optimizer,
        steps,
        tol=tol,
        args=args + (solver, rtol),
    )
    if not bool(jnp.isfinite(result.loss)):
        raise ValueError(
            "fit_network_kappa: the loss became NaN — an iterate's run did not reach "
            f"{targets.shape[0]} exits within t1 = {t1:g} (raise t1 or lower the step size)"
        )
    return result
