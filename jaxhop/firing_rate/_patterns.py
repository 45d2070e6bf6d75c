r"""Binary memory patterns ``ξ^μ ∈ {0, 1}^N`` with coding level q (``docs/firing_rate.md``).

Patterns are the columns of ``Ξ ∈ {0,1}^{N×P}``, returned as floats.

- :func:`bernoulli_patterns`: i.i.d. ``Bernoulli(q)`` entries.
- :func:`shared_core_patterns`: every pattern has exactly ``qN`` active units and every pair
  shares exactly ``r qN`` of them: a common core of ``r qN`` units active in all patterns plus
  ``(1 − r) qN`` private units per pattern, disjoint across patterns, all placed by a random
  permutation of the units (ours: the published settings fix only the overlap statistics;
  exactness needs ``r qN + P(1 − r) qN ≤ N``).
- :func:`exact_overlap_patterns`: the deterministic set of ``P = ⌊1 + 1/q⌋`` patterns with
  exactly ``qN`` ones and pairwise overlaps exactly ``q²N``: the first ``q²N`` rows are all
  ones, followed by ``q(1 − q)N`` identity blocks of size P. It fills the N rows exactly when
  ``q²N + P q(1 − q)N = N``, i.e. when ``1/q`` is an integer and ``q²N`` is an integer.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

__all__ = [
    "bernoulli_patterns",
    "shared_core_patterns",
    "exact_overlap_patterns",
    "exact_overlap_count",
]


def _check_count(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_fraction(name: str, value, *, open_right: bool = True) -> float:
    value = float(value)
    if not (0 < value < 1 if open_right else 0 <= value < 1):
        bound = "(0, 1)" if open_right else "[0, 1)"
        raise ValueError(f"{name} must be in {bound}, got {value!r}")
    return value


def _as_integer(name: str, value: float) -> int:
    rounded = round(value)
    if abs(value - rounded) > 1e-9 * max(1.0, abs(value)):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return int(rounded)


def bernoulli_patterns(
    key: PRNGKeyArray, size: int, count: int, q: float = 0.2
) -> Float[Array, "size count"]:
    """``count`` patterns of length ``size`` with i.i.d. ``Bernoulli(q)`` entries."""
    size = _check_count("size", size)
    count = _check_count("count", count)
    q = _check_fraction("q", q)
    return jax.random.bernoulli(key, q, (size, count)).astype(jnp.result_type(float))


def shared_core_patterns(
    key: PRNGKeyArray, size: int, count: int, q: float = 0.2, r: float = 0.4
) -> Float[Array, "size count"]:
    """``count`` patterns, each with exactly ``qN`` ones, every pair sharing exactly ``r qN``.

    A core of ``r qN`` units is active in every pattern; each pattern adds ``(1 − r) qN``
    private units, disjoint from the other patterns'; unit positions are a random permutation
    drawn from `key`. Example: N = 1000, q = 0.2, r = 0.4: 200 ones, 80 shared.
    """
    size = _check_count("size", size)
    count = _check_count("count", count)
    q = _check_fraction("q", q)
    r = _check_fraction("r", r, open_right=False)
    active = _as_integer("q * size", q * size)
    core = _as_integer("r * q * size", r * active)
    private = active - core
    if core + count * private > size:
        raise ValueError(
            f"count must be <= (size - r q N) / ((1 - r) q N) = {(size - core) // private} "
            f"for exactly shared cores (size={size}, q={q}, r={r}), got {count}"
        )
    rows = np.zeros((size, count), np.float32)
    rows[:core] = 1.0
    for mu in range(count):
        rows[core + mu * private : core + (mu + 1) * private, mu] = 1.0
    order = jax.random.permutation(key, size)
    return jnp.asarray(rows, jnp.result_type(float))[order]


def exact_overlap_count(q: float) -> int:
    """``P = ⌊1 + 1/q⌋``: the number of patterns of the deterministic set."""
    q = _check_fraction("q", q)
    return int(math.floor(1 + 1 / q + 1e-12))


def exact_overlap_patterns(size: int, q: float = 0.2) -> Float[Array, "size count"]:
    """The deterministic set: ``P = ⌊1 + 1/q⌋`` patterns, exactly ``qN`` ones each, pairwise
    overlaps exactly ``q²N`` (rows: ``q²N`` all-ones rows, then ``q(1 − q)N`` P×P identity
    blocks). Requires ``q²N`` integral and ``q²N + P q(1 − q)N = N``.
    """
    size = _check_count("size", size)
    count = exact_overlap_count(q)
    core = _as_integer("q**2 * size", q * q * size)
    blocks = _as_integer("q * (1 - q) * size", q * (1 - q) * size)
    if core + count * blocks != size:
        raise ValueError(
            f"size must satisfy q²N + P q(1-q)N = N for the exact-overlap set (q = {q}, P = "
            f"{count}): 1/q must be an integer and q²N an integer, got size={size}"
        )
    rows = np.concatenate([np.ones((core, count)), np.tile(np.eye(count), (blocks, 1))])
    return jnp.asarray(rows, jnp.result_type(float))
