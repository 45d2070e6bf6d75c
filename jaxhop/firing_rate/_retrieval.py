r"""The retrieval experiment and the energy landscape of the firing-rate network.

Published settings (Betteti et al., arXiv 2411.07388, released code): N = 1000, P = 14 random
``Bernoulli(q = 0.2)`` patterns, sigmoid ρ = 4.8, x* = 0.2, the γ < 0 design (a = −0.3,
b = 0.95), σ = 0, u = 0, t ∈ [0, 10), dt = 0.01. A cue is a stored pattern with each active
unit kept with probability 0.6 (the rest silenced); the overlap ``m^ν(t) = x(t)·ξ^ν/(Nq)`` of
the cued memory rises towards 1, overlaps with the other memories settle near q, and cues made
from patterns that were never stored decay to the quiescent state.

Every trajectory (all memories × all cues, plus the non-stored cues) runs in ONE vmapped,
jitted call on the shared engine; only overlaps are saved, every `save_every` steps.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, PRNGKeyArray

from .._checks import check_int, check_real
from ._activations import make_activation
from ._design import GAMMA_SETTINGS
from ._dynamics import simulate
from ._network import FiringRateNetwork
from ._patterns import bernoulli_patterns

__all__ = ["RetrievalResult", "thinned_cues", "retrieval_experiment", "energy_plane"]


def thinned_cues(
    key: PRNGKeyArray, pattern: Float[Array, " n"], count: int, keep: float = 0.6
) -> Float[Array, "count n"]:
    """``count`` cues from `pattern`: every active unit kept with probability `keep`."""
    if not 0 <= keep <= 1:
        raise ValueError(f"keep must be in [0, 1], got {keep!r}")
    mask = jax.random.bernoulli(key, keep, (count, pattern.shape[0]))
    return pattern[None, :] * mask.astype(pattern.dtype)


class RetrievalResult(eqx.Module):
    """Overlap trajectories of :func:`retrieval_experiment` (final).

    ``ts`` saved times; ``overlaps[k, i, ν]`` the overlap of trajectory k with stored memory
    ν at ``ts[i]``; ``own[k, i]`` its overlap with the pattern its cue was made from;
    ``source[k]`` the cued memory (−1 for a non-stored cue); `network` the designed network;
    static `coding_level`.
    """

    ts: Float[Array, " times"]
    overlaps: Float[Array, "traj times p"]
    own: Float[Array, "traj times"]
    source: Int[Array, " traj"]
    network: FiringRateNetwork
    coding_level: float = eqx.field(static=True)

    @property
    def cued(self) -> np.ndarray:
        """``m^μ(t)`` of the cued memory, one row per stored-memory cue."""
        return np.asarray(self.own)[np.asarray(self.source) >= 0]

    @property
    def others(self) -> np.ndarray:
        """``m^ν(t)``, ν ≠ cued memory, one row per (stored cue, other memory)."""
        source = np.asarray(self.source)
        m = np.asarray(self.overlaps)[source >= 0]
        p = m.shape[-1]
        other = np.arange(p)[None, :] != source[source >= 0][:, None]
        return np.moveaxis(m, -1, 1)[other]

    @property
    def non_stored(self) -> np.ndarray:
        """Overlap of each non-stored cue's trajectory with its own (never stored) pattern."""
        return np.asarray(self.own)[np.asarray(self.source) < 0]


def retrieval_experiment(
    key: PRNGKeyArray,
    *,
    size: int = 1000,
    num_memories: int = 14,
    q: float = 0.2,
    rho: float = 4.8,
    x_star: float = 0.2,
    activation: str = "sigmoid",
    gamma: str = "negative",
    cues_per_memory: int = 100,
    non_stored: int = 100,
    keep: float = 0.6,
    t1: float = 10.0,
    dt: float = 0.01,
    save_every: int = 10,
) -> RetrievalResult:
    """Run the retrieval experiment (defaults: the published settings, 100 cues per memory and
    100 non-stored cues). ``x(0)`` is the cue itself (rates in {0, 1}).

    Raises ``ValueError`` for a gain `rho` not finite ``> 0``, a threshold `x_star` not
    finite, `keep` or `q` outside ``(0, 1]`` / ``(0, 1)``, `t1`/`dt` not finite ``> 0``,
    `size`, `num_memories`, `save_every` not positive integers.
    """
    check_real("rho", rho, lo=0, lo_open=True)
    check_real("x_star", x_star)
    check_real("keep", keep, lo=0, hi=1, lo_open=True)
    check_real("q", q, lo=0, hi=1, lo_open=True, hi_open=True)
    check_real("t1", t1, lo=0, lo_open=True)
    check_real("dt", dt, lo=0, lo_open=True)
    for name, value in (("size", size), ("num_memories", num_memories)):
        check_int(name, value, lo=1)
    check_int("save_every", save_every, lo=1)
    for name, value in (("cues_per_memory", cues_per_memory), ("non_stored", non_stored)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    if cues_per_memory == 0:
        raise ValueError("cues_per_memory must be >= 1")
    if gamma not in GAMMA_SETTINGS:
        raise ValueError(f"gamma must be one of {tuple(GAMMA_SETTINGS)}, got {gamma!r}")
    a, b = GAMMA_SETTINGS[gamma]
    source = np.concatenate(
        [np.repeat(np.arange(num_memories), cues_per_memory), np.full(non_stored, -1)]
    )
    config = (size, num_memories, q, activation, cues_per_memory, non_stored, keep)
    ts, overlaps, own, network = _experiment(key, rho, x_star, a, b, config, t1, dt, save_every)
    return RetrievalResult(ts, overlaps, own, jnp.asarray(source), network, float(q))


@eqx.filter_jit
def _experiment(key, rho, x_star, a, b, config, t1, dt, save_every):
    size, num_memories, q, activation, cues_per_memory, non_stored, keep = config
    k_stored, k_new, k_cue, k_cue_new = jax.random.split(key, 4)
    patterns = bernoulli_patterns(k_stored, size, num_memories, q)
    network = FiringRateNetwork.designed(
        patterns, make_activation(activation, rho, x_star), a=a, b=b, q=q
    )
    cue_keys = jax.random.split(k_cue, num_memories)
    cues = jax.vmap(lambda k, p: thinned_cues(k, p, cues_per_memory, keep))(cue_keys, patterns.T)
    cues = [cues.reshape(-1, size)]
    own = [jnp.repeat(patterns.T, cues_per_memory, axis=0)]
    if non_stored:
        fresh = bernoulli_patterns(k_new, size, non_stored, q).T
        new_keys = jax.random.split(k_cue_new, non_stored)
        cues.append(jax.vmap(lambda k, p: thinned_cues(k, p, 1, keep)[0])(new_keys, fresh))
        own.append(fresh)
    ts, overlaps, own_m = _run(
        network, jnp.concatenate(cues), jnp.concatenate(own), t1, dt, save_every
    )
    return ts, overlaps, own_m, network


@eqx.filter_jit
def _run(network, x0s, owns, t1, dt, save_every):
    scale = network.size * network.coding_level

    def one(x0, own):
        def save(x):
            return network.overlaps(x), jnp.dot(own, x) / scale

        sol = simulate(network, x0, t1=t1, dt=dt, save_every=save_every, save_fn=save)
        return sol.ts, sol.ys

    ts, (overlaps, own_m) = jax.vmap(one)(x0s, owns)
    return ts[0], overlaps, own_m


def energy_plane(
    network: FiringRateNetwork,
    quiescent: Float[Array, " n"],
    first: int = 0,
    second: int = 1,
    *,
    num: int = 81,
    lo: float = -0.05,
    hi: float = 1.05,
) -> tuple[Float[Array, " s"], Float[Array, " s"], Float[Array, "s s"]]:
    """``E(x)`` on the plane ``x = x_q + s(x̄^a − x_q) + t(x̄^b − x_q)`` through the quiescent
    state `quiescent` and the rescaled memories `first`, `second`; ``+∞`` where a rate
    leaves [0, 1]. Returns ``(s, t, E[s, t])``."""
    xbar = network.rescaled_memories()
    u = xbar[:, first] - quiescent
    v = xbar[:, second] - quiescent
    grid = jnp.linspace(lo, hi, num, dtype=quiescent.dtype)

    @jax.jit
    def surface(grid, quiescent, u, v):
        def point(s, t):
            return network.energy(quiescent + s * u + t * v)

        return jax.vmap(lambda s: jax.vmap(lambda t: point(s, t))(grid))(grid)

    return grid, grid, surface(grid, quiescent, u, v)
