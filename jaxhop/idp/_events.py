r"""Transition events of sequential retrieval, and the exact adiabatic (ε → 0) reduction.

:func:`extract_events` reads a saved trajectory (overlaps and saliencies) inside JAX — jit-,
vmap- and grad-able — and returns the entry time, entry saliency ``Z_k`` and dwell time ``T_k``
of each retrieved memory and the collapse. Definitions (ours):

- the *dominant* memory at a sample is ``argmax_μ |m_μ|`` if that maximum is ≥ ``threshold``
  (default ½), else none;
- memory ν is *entered* when it becomes dominant and differs from the last dominant memory;
  the entry time is where ``|m_ν|`` crosses the threshold, linearly interpolated between the
  two samples around it, and the entry saliency is ``α_ν`` interpolated at that time — both
  are smooth in the parameters, so gradients flow through them (the sample index is discrete);
- the dwell time of entry k is the next entry time minus this one; for the last entry it is
  the collapse time minus the entry time if the sequence collapsed, else NaN (still running);
- the *exit time* of entry k is where its saliency ``α_μ`` falls through 1 (interpolated), the
  theory's moment at which μ stops being an equilibrium; exit-to-exit differences are the
  theory's dwell times ``T_k = ln Z_k`` without the short escape delay, and since ``α`` is slow
  they are the smoothest read-out for gradients;
- *collapsed*: at the last sample no memory is dominant and every saliency is ≤ 1 (the origin
  is then stable: no memory can be retrieved again). The collapse time is where the last
  dominant memory's ``|m|`` fell below the threshold.

Slots beyond ``num_entries`` are padding: memory −1 and NaN times — use ``num_entries`` (or
``valid``) to read them. Invalid input under ``jit`` (a non-finite trajectory or ``Z_0``)
gives the sentinel events of :func:`_invalid`: ``num_entries = −1``, every slot padding, not
collapsed, NaN collapse time (with concrete input it raises ``ValueError``).

:func:`adiabatic_events` is the fast path for small ε: the exact ε → 0 reduction of
:class:`SequenceNetwork`, event-driven. While memory μ is retrieved (``|m| = e_μ``) the slow
layer is linear, ``α(s) = α(0) e^{−s} + κ S e_μ (1 − e^{−s})``; μ is left when ``α_μ`` reaches
1, at ``e^{−s} = (1 − c)/(α_μ(0) − c)``, ``c = κ S_{μμ}`` (never if ``c ≥ 1``); the state then
falls into the memory with the largest saliency if it exceeds 1 (the fastest-growing unstable
direction, rate ``(α_ν − 1)/ε``), else it collapses. One event costs O(P²); no fast time
scale is resolved.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Bool, Float, Int

from .._checks import check_finite, check_int, check_real
from .._integrate import integrate
from ._sequence import SequenceNetwork

__all__ = ["SequenceEvents", "extract_events", "adiabatic_events"]


class SequenceEvents(eqx.Module):
    """Transition events of one run (``max_events`` slots; see :mod:`jaxhop.idp._events`).

    **Fields:** `memories` (index entered, −1 padding), `entry_times`, `entry_saliencies`
    (``Z_k``), `dwell_times` (``T_k``), `exit_times` (``α_μ`` reaches 1; NaN if not in the run),
    `num_entries`, `collapsed`, `collapse_time` (NaN if none).
    """

    memories: Int[Array, " k"]
    entry_times: Float[Array, " k"]
    entry_saliencies: Float[Array, " k"]
    dwell_times: Float[Array, " k"]
    exit_times: Float[Array, " k"]
    num_entries: Int[Array, ""]
    collapsed: Bool[Array, ""]
    collapse_time: Float[Array, ""]

    @property
    def valid(self) -> Bool[Array, " k"]:
        return jnp.arange(self.memories.shape[-1]) < self.num_entries[..., None]


def _invalid(events: SequenceEvents, bad) -> SequenceEvents:
    """`events` where `bad` is false; the invalid-input sentinel where it is true."""

    def mask(field, fill):
        return jnp.where(bad, jnp.asarray(fill, field.dtype), field)

    return SequenceEvents(
        memories=mask(events.memories, -1),
        entry_times=mask(events.entry_times, jnp.nan),
        entry_saliencies=mask(events.entry_saliencies, jnp.nan),
        dwell_times=mask(events.dwell_times, jnp.nan),
        exit_times=mask(events.exit_times, jnp.nan),
        num_entries=mask(events.num_entries, -1),
        collapsed=events.collapsed & ~bad,
        collapse_time=mask(events.collapse_time, jnp.nan),
    )


def _crossing(values_before, values_after, threshold):
    gap = values_after - values_before
    safe = jnp.where(jnp.abs(gap) > 0, gap, 1.0)
    return jnp.clip(jnp.where(jnp.abs(gap) > 0, (threshold - values_before) / safe, 1.0), 0, 1)


def extract_events(
    ts: Float[Array, " s"],
    overlaps: Float[Array, "s p"],
    saliencies: Float[Array, "s p"],
    *,
    max_events: int,
    threshold: float = 0.5,
) -> SequenceEvents:
    """Entry times, entry saliencies, dwell times and collapse of one saved trajectory.

    ``overlaps`` are the saved (signed) ``m``; ``|m|`` is used. At most ``max_events`` entries
    are reported (later ones are dropped). ``vmap`` over trials. Shapes: ``ts (S,)`` with
    ``S >= 2``, ``overlaps`` and ``saliencies (S, P)``; concrete inputs must be finite (under
    ``jit`` a non-finite input gives the sentinel events, module docstring), `threshold` in
    (0, 1).
    """
    return _extract_events(ts, overlaps, saliencies, max_events=max_events, threshold=threshold)[0]


def _extract_events(ts, overlaps, saliencies, *, max_events, threshold=0.5):
    """:func:`extract_events` and the sample indices that bracket its crossings: ``(events,
    (entries, entered column, exit sample, last active sample, the one after, its memory))``."""
    max_events = check_int("max_events", max_events, lo=1)
    check_real("threshold", threshold, lo=0, hi=1, lo_open=True, hi_open=True)
    if jnp.ndim(ts) != 1 or jnp.shape(ts)[0] < 2:
        raise ValueError(f"ts must be 1-D with at least 2 samples, got shape {jnp.shape(ts)}")
    want = (jnp.shape(ts)[0], jnp.shape(overlaps)[-1] if jnp.ndim(overlaps) == 2 else -1)
    for name, value in (("overlaps", overlaps), ("saliencies", saliencies)):
        if jnp.shape(value) != want:
            raise ValueError(
                f"{name} must have shape (samples, memories) = {want}, got {jnp.shape(value)}"
            )
    for name, value in (("ts", ts), ("overlaps", overlaps), ("saliencies", saliencies)):
        check_finite(name, value)
    bad = ~(jnp.all(jnp.isfinite(ts)) & jnp.all(jnp.isfinite(overlaps)))
    bad = bad | ~jnp.all(jnp.isfinite(saliencies))
    num_samples = ts.shape[0]
    strength = jnp.abs(overlaps)
    best = jnp.max(strength, axis=1)
    dominant = jnp.where(best >= threshold, jnp.argmax(strength, axis=1), -1)
    index = jnp.arange(num_samples)
    # Last sample (≤ s) with a dominant memory; the previous one is that at s − 1.
    last_active = jax.lax.cummax(jnp.where(dominant >= 0, index, -1))
    previous_index = jnp.concatenate([jnp.full((1,), -1, last_active.dtype), last_active[:-1]])
    previous = jnp.where(previous_index >= 0, dominant[jnp.maximum(previous_index, 0)], -1)
    is_entry = (dominant >= 0) & (dominant != previous)

    (entries,) = jnp.nonzero(is_entry, size=max_events, fill_value=num_samples - 1)
    num_entries = jnp.minimum(jnp.sum(is_entry), max_events)
    valid = jnp.arange(max_events) < num_entries
    entered = dominant[entries]
    before = jnp.maximum(entries - 1, 0)
    column = jnp.maximum(entered, 0)
    a0, a1 = strength[before, column], strength[entries, column]
    w = jnp.where(entries > 0, _crossing(a0, a1, threshold), 0.0)
    entry_times = ts[before] + w * (ts[entries] - ts[before])
    alpha0, alpha1 = saliencies[before, column], saliencies[entries, column]
    entry_saliencies = alpha0 + w * (alpha1 - alpha0)

    # Exit: first sample at or after the entry where α of the entered memory is below 1.
    alpha_entered = saliencies[:, column].T  # (max_events, samples)
    below = (alpha_entered < 1) & (index[None, :] >= entries[:, None])
    exit_sample = jnp.argmax(below, axis=1)
    has_exit = jnp.any(below, axis=1) & (exit_sample > 0)
    exit_before = jnp.maximum(exit_sample - 1, 0)
    rows = jnp.arange(max_events)
    e0, e1 = alpha_entered[rows, exit_before], alpha_entered[rows, exit_sample]
    exit_times = ts[exit_before] + _crossing(e0, e1, 1.0) * (ts[exit_sample] - ts[exit_before])

    final = last_active[-1]
    collapsed = (dominant[-1] < 0) & (final >= 0) & jnp.all(saliencies[-1] <= 1)
    after = jnp.minimum(final + 1, num_samples - 1)
    last_memory = jnp.maximum(dominant[jnp.maximum(final, 0)], 0)
    b0, b1 = strength[jnp.maximum(final, 0), last_memory], strength[after, last_memory]
    collapse_time = ts[jnp.maximum(final, 0)] + _crossing(b0, b1, threshold) * (
        ts[after] - ts[jnp.maximum(final, 0)]
    )
    collapse_time = jnp.where(collapsed, collapse_time, jnp.nan)

    nan = jnp.full_like(entry_times, jnp.nan)
    next_times = jnp.concatenate([entry_times[1:], collapse_time[None]])
    last = jnp.arange(max_events) == num_entries - 1
    next_times = jnp.where(last, collapse_time, next_times)
    dwell_times = jnp.where(valid, next_times - entry_times, nan)
    events = SequenceEvents(
        memories=jnp.where(valid, entered, jnp.asarray(-1, entered.dtype)),
        entry_times=jnp.where(valid, entry_times, nan),
        entry_saliencies=jnp.where(valid, entry_saliencies, nan),
        dwell_times=dwell_times,
        exit_times=jnp.where(valid & has_exit, exit_times, nan),
        num_entries=num_entries,
        collapsed=collapsed,
        collapse_time=collapse_time,
    )
    return _invalid(events, bad), (entries, column, exit_sample, final, after, last_memory)


def _adiabatic_step(network: SequenceNetwork, state, t, key):
    alpha, active, clock, record = state
    p = alpha.shape[0]
    alive = active >= 0
    mu = jnp.maximum(active, 0)
    charge = network.kappa * network.successor[:, mu]  # κ S e_μ
    self_charge = charge[mu]
    start = alpha[mu]
    leaves = alive & (self_charge < 1)
    # e^{−s} at which α_μ(s) = 1; the double `where` keeps gradients finite when unused.
    ratio = jnp.where(leaves, (1 - self_charge) / jnp.where(leaves, start - self_charge, 2.0), 1)
    dwell = jnp.where(leaves, -jnp.log(ratio), jnp.inf)
    decay = jnp.where(leaves, ratio, 1.0)
    at_exit = alpha * decay + charge * (1 - decay)
    others = jnp.where(jnp.arange(p, dtype=mu.dtype) == mu, -jnp.inf, at_exit)
    successor = jnp.argmax(others).astype(active.dtype)
    entry_saliency = others[successor]
    continues = leaves & (entry_saliency > 1)
    new_active = jnp.where(continues, successor, jnp.where(alive & ~leaves, active, -1))
    new_alpha = jnp.where(leaves, at_exit, alpha)
    record = (
        jnp.where(alive, active, -1),
        jnp.where(alive, clock, jnp.nan),
        jnp.where(alive, start, jnp.nan),
        jnp.where(alive, dwell, jnp.nan),
    )
    return new_alpha, new_active, clock + jnp.where(alive, dwell, 0.0), record


def adiabatic_events(
    network: SequenceNetwork,
    z0: Float[ArrayLike, ""],
    *,
    max_events: int,
    first: int = 0,
) -> SequenceEvents:
    """Events of the exact ε → 0 reduction from ``α(0) = Z_0 e_first`` (see module docstring).

    Runs on the shared engine, one engine step per event (``dt = 1`` counts events). Requires
    the drive ``"abs"`` or ``"square"`` (equal when ``|m_μ| = 1``). ``Z_0 ≤ 1`` means nothing is
    retrieved: zero entries and an immediate collapse. Differentiable in κ and ``Z_0``.
    """
    if network.drive == "signed":
        raise ValueError(
            "adiabatic_events needs drive 'abs' or 'square' (the signed drive's "
            "limit depends on the sign the noise picks)"
        )
    max_events = check_int("max_events", max_events, lo=1)
    dtype = network.memories.dtype
    p = network.memories.shape[1]
    first = check_int("first", first, lo=0, hi=p - 1)
    check_real("z0", z0, lo=0)
    check_real("kappa", network.kappa, lo=0)
    z0 = jnp.asarray(z0, dtype)
    alpha0 = jnp.zeros(p, dtype).at[first].set(z0)
    active0 = jnp.where(z0 > 1, first, -1).astype(jnp.int32)
    nan = jnp.asarray(jnp.nan, dtype)
    record0 = (jnp.asarray(-1, jnp.int32), nan, nan, nan)
    state0 = (alpha0, active0, jnp.zeros((), dtype), record0)
    sol = integrate(
        _adiabatic_step,
        network,
        state0,
        num_steps=max_events,
        save_every=1,
        save_fn=lambda state: state[3],
    )
    memories, entry_times, entry_saliencies, dwell_times = (r[1:] for r in sol.ys)
    num_entries = jnp.sum(memories >= 0)
    _, final_active, final_clock, _ = sol.final
    collapsed = final_active < 0  # once no memory is active, none ever is again
    collapse_time = jnp.where(collapsed, final_clock, jnp.nan)
    return _invalid(
        SequenceEvents(
            memories=memories,
            entry_times=entry_times,
            entry_saliencies=entry_saliencies,
            dwell_times=dwell_times,
            exit_times=entry_times + dwell_times,
            num_entries=num_entries,
            collapsed=collapsed,
            collapse_time=collapse_time.astype(dtype),
        ),
        ~(jnp.isfinite(z0) & (z0 >= 0) & jnp.all(jnp.isfinite(network.kappa))),
    )
