r"""The ε → 0 limit, measured: where the two-timescale network's retrieval count changes, against
the saliency map's (ours; ``docs/idp.md``).

The saliency map (Betteti, Baggio & Zampieri, arXiv 2603.03201, 2026), ``Z_{k+1} = κ(1 −
1/Z_k)``, retrieves ``n`` memories before it collapses when ``Z_{n−1} > 1 ≥ Z_n``; inverting
the map, ``Z_{k−1} = g(Z_k) = 1/(1 − Z_k/κ)``, the boundary between ``n`` and ``n + 1``
retrievals in the ``(κ, Z_0)`` plane is

.. math::  b_n(κ) = g^{\,n}(1), \qquad b_n ↑ Z_-(κ) \text{ as } n → ∞,

the map's collapse boundary (its unstable fixed point ``Z_−``). :func:`map_count_boundary`
gives ``b_n`` in closed form; :func:`network_count_boundary` locates the network's ``b_n(κ,
ε)`` by bisection on ``Z_0`` over continuous solves (:func:`~jaxhop.idp.solve_sequence`,
vmapped over κ and ε, ε traced). For ``n < P`` no memory is revisited before the boundary's
collapse, so the network's own ε → 0 reduction (:func:`~jaxhop.idp.adiabatic_events`) has
exactly the map's ``b_n``; beyond one cycle the residual saliency of a revisited memory (which
the map ignores) moves it.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray

from .._checks import check_int, check_real
from ._continuous import continuous_events, solve_sequence
from ._sequence import SequenceNetwork, sequence_init

__all__ = ["map_count_boundary", "network_count_boundary"]


def map_count_boundary(kappa: Float[ArrayLike, ...], n: int) -> Float[Array, ...]:
    """``b_n(κ) = g^n(1)``, ``g(z) = 1/(1 − z/κ)``: the map retrieves ``n`` memories for
    ``1 < Z_0 ≤ b_{n-1}``… precisely, more than ``n`` iff ``Z_0 > b_n`` (``b_0 = 1``). Needs
    κ ≥ 4 for every ``n`` (below, ``g^n(1)`` leaves ``(1, κ)`` and the map always collapses:
    NaN there)."""
    n = check_int("n", n, lo=0, hi=10_000)
    check_real("kappa", kappa, lo=0, lo_open=True)
    kappa = jnp.asarray(kappa, jnp.result_type(float))
    z = jnp.ones_like(kappa)
    for _ in range(n):
        z = jnp.where((z > 0) & (z < kappa), 1.0 / (1.0 - z / kappa), jnp.nan)
    return z


def network_count_boundary(
    kappa: Float[ArrayLike, ...],
    eps: Float[ArrayLike, ...],
    n: Int[ArrayLike, ...],
    *,
    key: PRNGKeyArray,
    lo: Float[ArrayLike, ...],
    hi: Float[ArrayLike, ...],
    noise: Float[ArrayLike, ...] = 1e-6,
    size: int = 16,
    memories: int = 8,
    iterations: int = 16,
    t1: float | None = None,
    rtol: float = 1e-7,
    saves_per_unit: int = 100,
) -> Float[Array, " lanes"]:
    """The network's ``b_n(κ, ε, σ)`` for each lane ``i`` of the broadcast arrays `kappa`,
    `eps`, `n`, `noise`, `lo`, `hi`: the ``Z_0`` in ``[lo[i], hi[i]]`` above which more than
    ``n[i]`` memories are entered, by ``iterations`` bisection steps (each one vmapped
    continuous solve of every lane — one compile, ε and σ traced; the interval shrinks by
    ``2^{-iterations}``). NaN where ``[lo, hi]`` does not bracket the change. The same
    frozen-noise direction (`key`) in every lane. ``t1`` (default ``(max n + 1) ln κ_max +
    2``) must cover ``n + 1`` dwells near the boundary. Entries are detected on a grid of
    ``saves_per_unit`` samples per time unit: a memory retrieved for less than about one
    spacing (``ln Z_n`` → 0 at the boundary) can be missed, which biases ``b_n`` up by
    ~spacing/(dZ_n/dZ_0) (docs/idp.md). Needs float64."""
    iterations = check_int("iterations", iterations, lo=1, hi=60)
    for name, value in (("kappa", kappa), ("eps", eps), ("lo", lo), ("hi", hi)):
        check_real(name, value, lo=0, lo_open=True)
    check_real("noise", noise, lo=0, lo_open=True)
    check_real("n", n, lo=0)
    dtype = jnp.result_type(float)
    if dtype != jnp.float64:
        raise ValueError("network_count_boundary needs float64 (jax_enable_x64)")
    arrays = np.broadcast_arrays(*(np.atleast_1d(a) for a in (kappa, eps, n, noise, lo, hi)))
    kappa, eps, n, noise, lo, hi = (jnp.asarray(a, dtype) for a in arrays)
    n = n.astype(jnp.int32)
    max_n = int(np.max(arrays[2]))
    if t1 is None:
        t1 = (max_n + 1) * float(np.log(np.max(arrays[0]))) + 2.0
    check_real("t1", t1, lo=0, lo_open=True)
    saves_per_unit = check_int("saves_per_unit", saves_per_unit, lo=1)
    num_saves = max(2, int(np.ceil(saves_per_unit * t1)) + 1)
    base = SequenceNetwork.hadamard(1.0, size=size, num_memories=memories, eps=1.0, noise=0.0)

    def more_than_n(k, e, m, s, z0):
        net = eqx.tree_at(lambda x: x.kappa, base, k)
        sol = solve_sequence(
            net,
            sequence_init(net, z0),
            t1=t1,
            key=key,
            rtol=rtol,
            eps=e,
            noise=s,
            throw=False,
            num_saves=num_saves,
        )
        ev = continuous_events(net, sol, max_events=max_n + 1)
        return (ev.num_entries > m.astype(ev.num_entries.dtype)) & sol.success

    @jax.jit
    def bisect(kappa, eps, n, noise, lo, hi):
        test = jax.vmap(more_than_n)
        ok = ~test(kappa, eps, n, noise, lo) & test(kappa, eps, n, noise, hi)

        def step(_, bounds):
            a, b = bounds
            mid = 0.5 * (a + b)
            above = test(kappa, eps, n, noise, mid)
            return jnp.where(above, a, mid), jnp.where(above, mid, b)

        a, b = jax.lax.fori_loop(0, iterations, step, (lo, hi))
        return jnp.where(ok, 0.5 * (a + b), jnp.nan)

    return bisect(kappa, eps, n, noise, lo, hi)
