r"""The two-timescale network as a continuous-time solve with error control (diffrax).

:func:`solve_sequence` integrates the network of :mod:`jaxhop.idp._sequence`,

.. math::

    ε\,\dot y = -y + W(α)\,h(y) + σ\,u, \qquad \dot α = -α + κ\,S\,d(m),

with an L-stable implicit Runge–Kutta method (Kvaerno 2004, ESDIRK; diffrax's ``Kvaerno5`` or
``Kvaerno3``) under a PID step-size controller, so the number of steps is set by the accuracy
asked for and not by ε: the solver takes long steps while a memory is held (the fast layer
sits on its saturated equilibrium) and resolves only the escapes.

Noise (ours). An adaptive solve of the SDE would need a Brownian tree and would pay for the
fast noise at every step; the continuous solve instead *freezes* it: ``u`` is one standard
normal vector drawn from ``key``, so the fast layer feels a constant imperfection of size σ.
Its only role in the model is to break the symmetry at each escape (with exactly orthogonal
memories and no perturbation the state never leaves an unstable memory); the escape then takes
``ε ln(1/σ)/(α_ν − 1)``, which vanishes as ε → 0 like the SDE's, so both paths share the
adiabatic limit (:func:`~jaxhop.idp.adiabatic_events`, the saliency map of Betteti, Baggio &
Zampieri, arXiv 2603.03201, 2026) and differ at finite ε by O(ε ln ε) in the entry saliencies.

:func:`continuous_events` reads the events off the *dense* solution: the saved grid only
brackets each crossing, which is then located by bisection on the interpolant (values only:
diffrax does not differentiate the interpolant). :func:`sequence_events` adds the gradients of
the event times, from the implicit function theorem on a second solve saved at them,
``dt*/dθ = −(∂g/∂θ)/(∂g/∂t)`` at ``g(t*, θ) = 0``, so they are smooth in κ and ``Z_0`` (no
staircase from a step grid).

float64 is required: the implicit solve of a fast layer with rate 1/ε cannot meet its
tolerances in float32 (measured: ε = 1e-4 hit a 20,000-step cap; ``docs/idp.md``).

The stage equations of the implicit method are solved by :class:`DenseChord` (ours): a
simplified Newton (chord) iteration whose Jacobian is formed once per step and LU-factored
with ``jax.scipy.linalg`` — the same linear algebra as diffrax's default ``VeryChord`` with
lineax's LU, but without lineax, whose structure check fails inside ``jax.shard_map`` (the
operator's structure carries the manual mesh's sharding, the vector's does not: "pytree does
not match out_structure"), i.e. inside :func:`jaxhop.sweep.sweep`. The Jacobian is that of
the full state, ``(N + P)²``: fine for the networks here (N ≤ a few hundred), not for large N.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import diffrax as dfx
import equinox as eqx
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import optimistix as optx
from jax.flatten_util import ravel_pytree
from jaxtyping import Array, ArrayLike, Bool, Float, Int, PRNGKeyArray, PyTree

from .._checks import check_int, check_real, is_traced
from ._events import SequenceEvents, _extract_events
from ._sequence import SequenceNetwork

__all__ = [
    "CONTINUOUS_SOLVERS",
    "ContinuousSolution",
    "DenseChord",
    "solve_sequence",
    "continuous_events",
    "sequence_events",
]

CONTINUOUS_SOLVERS = ("kvaerno5", "kvaerno3")


class ContinuousSolution(eqx.Module):
    """A continuous solve (final). **Fields:** `ts` the saved times, `ys` ``(m, α)`` there,
    `final` ``(y, α)`` at ``t1``, `num_steps` / `num_rejected` (accepted and rejected steps),
    `dense` the diffrax solution whose ``evaluate(t)`` gives ``(y, α)`` at any ``t``, `success`
    whether the solve reached ``t1`` (False only with ``throw=False``: ``max_steps`` ran out or
    the step size collapsed)."""

    ts: Float[Array, " saved"]
    ys: tuple[Float[Array, "saved p"], Float[Array, "saved p"]]
    final: tuple[Float[Array, " n"], Float[Array, " p"]]
    num_steps: Int[Array, ""]
    num_rejected: Int[Array, ""]
    dense: dfx.Solution
    success: Bool[Array, ""]


class _ChordState(eqx.Module):
    lu: Float[Array, "k k"]
    pivots: Int[Array, " k"]
    diffsize: Float[Array, ""]
    diffsize_prev: Float[Array, ""]
    step: Int[Array, ""]


class DenseChord(optx.AbstractRootFinder):
    r"""Simplified Newton (chord) iteration for the implicit stages (final; ours).

    ``y ← y − J⁻¹ f(y)`` with ``J = ∂f/∂y`` formed once (at the point diffrax linearises
    about, once per step) by forward-mode AD on the flattened state and LU-factored; stops by
    Hairer & Wanner's criterion (*Solving ODEs II*, §IV.8): with the contraction estimate
    ``θ = ‖Δ_k‖/‖Δ_{k−1}‖``, converged when ``θ/(1 − θ)·‖Δ_k‖ < kappa`` (norms scaled by
    ``atol + rtol |y|``), diverged when ``θ ≥ 1``; diffrax then shrinks the step. Build with
    ``diffrax.with_stepsize_controller_tols(DenseChord)()`` to take the controller's
    tolerances. Works inside ``shard_map`` (no lineax; module docstring).
    """

    rtol: float
    atol: float
    norm: Callable = optx.max_norm
    kappa: float = 1e-2

    # the optimistix root-finder interface (types as optimistix documents them)
    def init(
        self,
        fn: Callable,
        y: PyTree,
        args: PyTree,
        options: dict[str, Any],
        f_struct: PyTree,
        aux_struct: PyTree,
        tags: frozenset[object],
    ) -> _ChordState:
        if "init_state" in options:
            return options["init_state"]
        flat, unravel = ravel_pytree(y)
        residual = lambda v: ravel_pytree(fn(unravel(v), args)[0])[0]  # noqa: E731
        lu, pivots = jsl.lu_factor(jax.jacfwd(residual)(flat))
        inf = jnp.asarray(jnp.inf, flat.dtype)
        return _ChordState(
            jax.lax.stop_gradient(lu), pivots, inf, jnp.ones((), flat.dtype), jnp.array(0)
        )

    def step(
        self,
        fn: Callable,
        y: PyTree,
        args: PyTree,
        options: dict[str, Any],
        state: _ChordState,
        tags: frozenset[object],
    ) -> tuple[PyTree, _ChordState, PyTree]:
        value, aux = fn(y, args)
        flat_y, unravel = ravel_pytree(y)
        flat_f, _ = ravel_pytree(value)
        lu = jax.lax.stop_gradient(state.lu)
        diff = jsl.lu_solve((lu, state.pivots), flat_f.astype(flat_y.dtype))
        new_flat = flat_y - diff
        scale = self.atol + self.rtol * jnp.abs(new_flat)
        diffsize = self.norm(diff / scale)
        new_state = _ChordState(lu, state.pivots, diffsize, state.diffsize, state.step + 1)
        return unravel(new_flat), new_state, aux

    def terminate(
        self,
        fn: Callable,
        y: PyTree,
        args: PyTree,
        options: dict[str, Any],
        state: _ChordState,
        tags: frozenset[object],
    ) -> tuple[Bool[Array, ""], Any]:
        rate = state.diffsize / state.diffsize_prev
        tiny = state.diffsize < 10 ** (2 - jnp.finfo(state.diffsize.dtype).precision)
        diverged = ~jnp.isfinite(rate) | (rate >= 1)
        converged = (rate > 0) & (state.diffsize * rate / (1 - rate) < self.kappa)
        done = (state.step >= 2) & (tiny | diverged | converged)
        failed = (state.step >= 2) & ~tiny & (diverged | ~converged)
        return done, optx.RESULTS.where(
            failed, optx.RESULTS.nonlinear_divergence, optx.RESULTS.successful
        )

    def postprocess(
        self,
        fn: Callable,
        y: PyTree,
        aux: PyTree,
        args: PyTree,
        options: dict[str, Any],
        state: _ChordState,
        tags: frozenset[object],
        result: Any,
    ) -> tuple[PyTree, PyTree, dict[str, Any]]:
        return y, aux, {}


def _method(solver: str) -> Any:
    root_finder = dfx.with_stepsize_controller_tols(DenseChord)()
    cls = {"kvaerno5": dfx.Kvaerno5, "kvaerno3": dfx.Kvaerno3}[solver]
    return cls(root_finder=root_finder)


def _vector_field(t, state, args):
    network, imperfection, rescale = args
    fast, slow = network.drift(*state)
    if rescale is not None:  # ε given apart from the network: ẏ·(ε_network/ε)
        fast = fast * rescale
    # Same dtypes as the state, never weakly typed (the solver's structures must match).
    return (fast + imperfection).astype(state[0].dtype), slow.astype(state[1].dtype)


def _imperfection(network, key, eps, noise=None):
    """The frozen noise ``(σ/ε) u``, ``u ~ N(0, I)`` drawn from `key` (zero when σ = 0);
    ``noise`` replaces ``network.noise`` when given (may be traced)."""
    n = network.memories.shape[0]
    dtype = network.memories.dtype
    if noise is None:
        if network.noise == 0:
            return jnp.zeros((n,), dtype)
        noise = network.noise
    else:
        noise = jnp.asarray(noise, dtype)
        noise = jnp.where(jnp.isfinite(noise) & (noise >= 0), noise, jnp.nan)
    u = jax.random.normal(key, (n,), dtype)
    return noise / eps * u


def _field_args(network, key, eps, noise=None):
    """``(network, frozen noise, rescale)`` for :func:`_vector_field`; ``eps=None``: the
    network's own ε (no rescaling). A traced ε outside ``(0, ∞)`` (or σ outside ``[0, ∞)``)
    gives NaN (the solve then fails: ``success`` False, or an error with ``throw=True``)."""
    if eps is None:
        return network, _imperfection(network, key, network.eps, noise), None
    dtype = network.memories.dtype
    eps = jnp.asarray(eps, dtype)
    eps = jnp.where(jnp.isfinite(eps) & (eps > 0), eps, jnp.nan)
    rescale = jnp.asarray(network.eps, dtype) / eps
    return network, _imperfection(network, key, eps, noise), rescale


def _check_options(solver, t1, rtol, atol, max_steps):
    if solver not in CONTINUOUS_SOLVERS:
        raise ValueError(f"solver must be one of {CONTINUOUS_SOLVERS}, got {solver!r}")
    check_real("t1", t1, lo=0, lo_open=True)
    check_real("rtol", rtol, lo=0, hi=1, lo_open=True, hi_open=True)
    check_real("atol", atol, lo=0, hi=1, lo_open=True, hi_open=True)
    check_int("max_steps", max_steps, lo=1)
    if is_traced(t1):
        raise ValueError("t1 must be a concrete number (it sets the saved grid)")


def solve_sequence(
    network: SequenceNetwork,
    state0: tuple[Float[Array, " n"], Float[Array, " p"]],
    *,
    t1: float,
    key: PRNGKeyArray | None = None,
    solver: str = "kvaerno5",
    rtol: float = 1e-6,
    atol: float = 1e-12,
    num_saves: int | None = None,
    max_steps: int = 20_000,
    eps: float | Float[ArrayLike, ""] | None = None,
    noise: float | Float[ArrayLike, ""] | None = None,
    throw: bool = True,
) -> ContinuousSolution:
    """Solve the network on ``[0, t1]`` with diffrax (see the module docstring).

    ``ys`` are saved at ``num_saves`` evenly spaced times (default 100 per time unit, at least
    2) and the solution is dense. Gradients: diffrax's recursive-checkpoint adjoint
    (reverse mode through the solver's own steps). A `key` is required when ``noise > 0``.
    ``atol`` must stay well below the symmetry-breaking seed ``σ/√N`` (default 1e-12): with a
    looser one the controller may step over an escape, and the L-stable method then damps the
    unstable direction (measured at ε = 1e-6, σ = 1e-6 with ``atol = 1e-8``: the sixth entry
    is lost).

    ``eps`` (optional) replaces ``network.eps`` and may be traced — a sweep axis, since the
    adaptive solve's shapes do not depend on ε (the network's ε is a static field: the Euler
    path's step count depends on it); ``noise`` likewise replaces ``network.noise`` (σ of the
    frozen imperfection; needs a `key`). ``throw=False``: a solve that runs out of ``max_steps``
    returns with ``success`` False instead of raising (for sweeps, where one raising point
    would stop them all).
    """
    _check_options(solver, t1, rtol, atol, max_steps)
    if network.memories.dtype != jnp.float64:
        raise ValueError(
            "the continuous solve needs float64 (jax.config.update('jax_enable_x64', True), "
            f"or JAX_ENABLE_X64=1 in the environment); the network is {network.memories.dtype}"
        )
    if eps is not None:
        check_real("eps", eps, lo=0, lo_open=True)
    if noise is not None:
        check_real("noise", noise, lo=0)
        if key is None:
            raise ValueError("key is required when noise is given")
    num_saves = max(2, math.ceil(100 * t1) + 1) if num_saves is None else num_saves
    num_saves = check_int("num_saves", num_saves, lo=2)
    if network.noise > 0 and key is None:
        raise ValueError("key is required when noise > 0")
    dtype = network.memories.dtype
    field_args = _field_args(network, key, eps, noise)
    state0 = tuple(jnp.asarray(s, dtype) for s in state0)
    ts = jnp.linspace(0.0, t1, num_saves, dtype=dtype)

    def observe(t, state, args):
        return network.overlaps(state[0]), state[1]

    method = _method(solver)
    saveat = dfx.SaveAt(subs=[dfx.SubSaveAt(ts=ts, fn=observe), dfx.SubSaveAt(t1=True)], dense=True)
    sol = dfx.diffeqsolve(
        dfx.ODETerm(_vector_field),
        method,
        0.0,
        t1,
        None,
        state0,
        args=field_args,
        saveat=saveat,
        stepsize_controller=dfx.PIDController(rtol=rtol, atol=atol),
        max_steps=max_steps,
        throw=throw,
    )
    observed, last = sol.ys
    final = (last[0][-1], last[1][-1])
    return ContinuousSolution(
        ts=ts,
        ys=observed,
        final=final,
        num_steps=sol.stats["num_accepted_steps"],
        num_rejected=sol.stats["num_rejected_steps"],
        dense=sol,
        success=sol.result == dfx.RESULTS.successful,
    )


def _root(g, lo, hi, iterations):
    """Bisection for a sign change of ``g`` on ``[lo, hi]`` (values without gradient), then
    one implicit-function step that carries the gradient: ``t* − g(t*)/g'(t*)``."""
    g_const = lambda t: g(t, stop=True)  # noqa: E731
    lo, hi = jax.lax.stop_gradient(lo), jax.lax.stop_gradient(hi)
    sign_lo = jnp.sign(g_const(lo))

    def bisect(_, bounds):
        a, b = bounds
        mid = 0.5 * (a + b)
        same = jnp.sign(g_const(mid)) == sign_lo
        return jnp.where(same, mid, a), jnp.where(same, b, mid)

    a, b = jax.lax.fori_loop(0, iterations, bisect, (lo, hi))
    t = 0.5 * (a + b)
    _, slope = jax.jvp(lambda s: g_const(s), (t,), (jnp.ones_like(t),))
    slope = jax.lax.stop_gradient(slope)
    safe = jnp.where(jnp.abs(slope) > 0, slope, 1.0)
    return t - jnp.where(jnp.abs(slope) > 0, g(t, stop=False) / safe, 0.0)


def continuous_events(
    network: SequenceNetwork,
    sol: ContinuousSolution,
    *,
    max_events: int,
    threshold: float = 0.5,
    iterations: int = 48,
) -> SequenceEvents:
    """The events of :func:`~jaxhop.idp.extract_events` (same definitions), with every entry,
    exit and collapse time located on the dense solution by bisection within the saved
    interval that brackets it. Values only: diffrax does not carry gradients through the dense
    interpolant — differentiate :func:`sequence_events`, which re-solves for them."""
    check_int("max_events", max_events, lo=1)
    check_real("threshold", threshold, lo=0, hi=1, lo_open=True, hi_open=True)
    iterations = check_int("iterations", iterations, lo=1, hi=200)
    events, idx = _extract_events(sol.ts, *sol.ys, max_events=max_events, threshold=threshold)
    ts = sol.ts
    dense = sol.dense

    def state_at(t, stop):
        d = jax.lax.stop_gradient(dense) if stop else dense
        y, alpha = d.evaluate(t)
        return y, alpha

    def strength_at(t, column, stop):
        y, _ = state_at(t, stop)
        return jnp.abs(network.overlaps(y))[column]

    def saliency_at(t, column, stop):
        return state_at(t, stop)[1][column]

    def locate(g_column, column, lo_index, hi_index):
        def one(c, i, j):
            return _root(lambda t, stop: g_column(t, c, stop), ts[i], ts[j], iterations)

        return jax.vmap(one)(column, lo_index, hi_index)

    entry_g = lambda t, c, stop: strength_at(t, c, stop) - threshold  # noqa: E731
    exit_g = lambda t, c, stop: saliency_at(t, c, stop) - 1.0  # noqa: E731
    entries, column, exit_sample, final, after, last_memory = idx
    entry_times = locate(entry_g, column, jnp.maximum(entries - 1, 0), entries)
    entry_times = jnp.where(entries > 0, entry_times, ts[0])
    entry_saliencies = jax.vmap(lambda t, c: saliency_at(t, c, False))(entry_times, column)
    exit_times = locate(exit_g, column, jnp.maximum(exit_sample - 1, 0), exit_sample)
    collapse_time = locate(entry_g, last_memory[None], jnp.maximum(final, 0)[None], after[None])[0]

    valid = events.valid
    nan = jnp.full_like(entry_times, jnp.nan)
    collapse_time = jnp.where(events.collapsed, collapse_time, jnp.nan)
    next_times = jnp.concatenate([entry_times[1:], collapse_time[None]])
    last = jnp.arange(max_events) == events.num_entries - 1
    next_times = jnp.where(last, collapse_time, next_times)
    has_exit = jnp.isfinite(events.exit_times)
    return SequenceEvents(
        memories=events.memories,
        entry_times=jnp.where(valid, entry_times, nan),
        entry_saliencies=jnp.where(valid, entry_saliencies, nan),
        dwell_times=jnp.where(valid, next_times - entry_times, nan),
        exit_times=jnp.where(valid & has_exit, exit_times, nan),
        num_entries=events.num_entries,
        collapsed=events.collapsed,
        collapse_time=collapse_time,
    )


def sequence_events(
    network: SequenceNetwork,
    state0: tuple[Float[Array, " n"], Float[Array, " p"]],
    *,
    t1: float,
    max_events: int,
    key: PRNGKeyArray | None = None,
    threshold: float = 0.5,
    solver: str = "kvaerno5",
    rtol: float = 1e-6,
    atol: float = 1e-12,
    num_saves: int | None = None,
    eps: float | Float[ArrayLike, ""] | None = None,
    max_steps: int = 20_000,
) -> SequenceEvents:
    """:func:`continuous_events` of a :func:`solve_sequence` run, differentiable in the network
    (κ) and the initial state (``Z_0``) by the implicit function theorem.

    A first solve (no gradient) locates each event time ``t*`` on the dense solution; a second
    solve saves the state exactly at those times, with diffrax's adjoint; then each time is
    ``t* − g(t*)/ġ(t*)`` (``g = |m_ν| − threshold`` for entries and the collapse,
    ``α_μ − 1`` for exits; ``ġ`` from the first solve, held constant) — equal to ``t*`` in
    value, with gradient ``−(∂g/∂θ)/ġ``; the entry saliency is ``α_ν(t*) + α̇_ν (t − t*)``.
    Twice the cost of one solve. ``eps``, ``max_steps``: as :func:`solve_sequence`.
    """
    options = dict(t1=t1, key=key, solver=solver, rtol=rtol, atol=atol, num_saves=num_saves)
    options.update(eps=eps, max_steps=max_steps)
    net0 = jax.lax.stop_gradient(network)
    state00 = jax.lax.stop_gradient(tuple(jnp.asarray(s) for s in state0))
    sol = solve_sequence(net0, state00, **options)
    ev = continuous_events(net0, sol, max_events=max_events, threshold=threshold)
    k = max_events
    column = jnp.maximum(ev.memories, 0)
    last = jnp.maximum(ev.num_entries - 1, 0)
    times = jnp.concatenate([ev.entry_times, ev.exit_times, ev.collapse_time[None]])
    columns = jnp.concatenate([column, column, column[last][None]])
    is_exit = jnp.arange(2 * k + 1) // k == 1
    found = jnp.isfinite(times) & (times > 0)
    times = jnp.where(found, times, t1)
    order = jnp.argsort(times)
    sorted_times = times[order]

    dense0 = jax.lax.stop_gradient(sol.dense)

    def state_at(t):
        return dense0.evaluate(t)

    def g_of(state, c, exit_):
        y, alpha = state
        return jnp.where(exit_, alpha[c] - 1.0, jnp.abs(network.overlaps(y))[c] - threshold)

    # ġ at each t* from the first solve (no gradient).
    def slope(t, c, exit_):
        g = lambda s: g_of(state_at(s), c, exit_)  # noqa: E731
        return jax.jvp(g, (t,), (jnp.ones_like(t),))[1]

    slopes = jax.lax.stop_gradient(jax.vmap(slope)(times, columns, is_exit))
    second = dfx.diffeqsolve(
        dfx.ODETerm(_vector_field),
        _method(solver),
        0.0,
        t1,
        None,
        tuple(jnp.asarray(s, network.memories.dtype) for s in state0),
        args=_field_args(network, key, eps),
        saveat=dfx.SaveAt(ts=sorted_times),
        stepsize_controller=dfx.PIDController(rtol=rtol, atol=atol),
        max_steps=max_steps,
    )
    inverse = jnp.argsort(order)
    saved = jax.tree_util.tree_map(lambda a: a[inverse], second.ys)
    g = jax.vmap(g_of)(saved, columns, is_exit)
    safe = jnp.where(jnp.abs(slopes) > 0, slopes, 1.0)
    shift = jnp.where(found & (jnp.abs(slopes) > 0), -g / safe, 0.0)
    located = jnp.where(found, times + shift, jnp.nan)
    entry_times, exit_times, collapse_time = located[:k], located[k : 2 * k], located[2 * k]
    entry_times = jnp.where(ev.valid & (ev.entry_times == 0), 0.0, entry_times)
    rates = jax.vmap(lambda y, a: network.drift(y, a)[1])(saved[0][:k], saved[1][:k])
    rows = jnp.arange(k)
    entry_saliencies = saved[1][rows, column] + rates[rows, column] * shift[:k]
    nan = jnp.full_like(entry_times, jnp.nan)
    valid = ev.valid
    at_start = jnp.asarray(state0[1], entry_saliencies.dtype)[column]
    entry_saliencies = jnp.where(entry_times == 0, at_start, entry_saliencies)
    next_times = jnp.concatenate([entry_times[1:], collapse_time[None]])
    collapse_time = jnp.where(ev.collapsed, collapse_time, jnp.nan)
    next_times = jnp.where(rows == ev.num_entries - 1, collapse_time, next_times)
    return SequenceEvents(
        memories=ev.memories,
        entry_times=jnp.where(valid, entry_times, nan),
        entry_saliencies=jnp.where(valid, entry_saliencies, nan),
        dwell_times=jnp.where(valid, next_times - entry_times, nan),
        exit_times=jnp.where(valid & jnp.isfinite(ev.exit_times), exit_times, nan),
        num_entries=ev.num_entries,
        collapsed=ev.collapsed,
        collapse_time=collapse_time,
    )
