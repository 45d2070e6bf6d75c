r"""Memories of an IDP network, saliency read-out and input synthesis.

Source: Betteti, Baggio, Bullo, Zampieri, *Input-driven dynamics for robust memory retrieval in
Hopfield networks* (Sci. Adv. 11(17), 2025; arXiv 2411.05849); see ``docs/idp.md``.

Memories are the columns of ``Ξ = [ξ¹ … ξᴾ] ∈ {±1}^{N×P}``. An input ``u ∈ Rᴺ`` is read as the
saliencies ``α_μ(u) = (1/N) ξ^μᵀ u``; conversely ``u = Ξ α`` synthesises an input with given
saliencies (exactly, for orthogonal memories).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, PRNGKeyArray

__all__ = [
    "random_memories",
    "hadamard_memories",
    "saliencies_from_input",
    "input_from_saliencies",
]


def _check_count(name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def random_memories(key: PRNGKeyArray, size: int, count: int) -> Float[Array, "size count"]:
    """``count`` i.i.d. uniform ±1 memories of length ``size`` (columns), as floats."""
    size = _check_count("size", size)
    count = _check_count("count", count)
    signs = jax.random.rademacher(key, (size, count), dtype=jnp.int8)
    return signs.astype(jnp.result_type(float))


def hadamard_memories(size: int, count: int) -> Float[Array, "size count"]:
    """``count`` mutually orthogonal ±1 memories: columns ``1 … count`` of the ``size × size``
    Sylvester–Hadamard matrix (the all-ones column ``0`` is dropped).

    Requires ``size`` a power of two and ``1 ≤ count ≤ size − 1``. ``ΞᵀΞ = N·I`` exactly.
    """
    size = _check_count("size", size)
    count = _check_count("count", count)
    if size < 2 or size & (size - 1):
        raise ValueError(f"size must be a power of two >= 2 for Hadamard memories, got {size}")
    if count > size - 1:
        raise ValueError(
            f"count must be <= size - 1 = {size - 1} for orthogonal memories, got {count}"
        )
    # Sylvester: H[i, j] = (−1)^popcount(i & j); built column-block-wise on the host, O(N·P).
    rows = np.arange(size, dtype=np.int64)[:, None]
    cols = np.arange(1, count + 1, dtype=np.int64)[None, :]
    bits = rows & cols
    parity = np.zeros_like(bits)
    while bits.any():
        parity ^= bits & 1
        bits >>= 1
    return jnp.asarray(1 - 2 * parity, dtype=jnp.result_type(float))


def saliencies_from_input(
    memories: Float[Array, "n p"], signal: Float[Array, " n"]
) -> Float[Array, " p"]:
    """Saliencies read from an input: ``α_μ = (1/N) ξ^μᵀ u``."""
    return memories.T @ signal / memories.shape[0]


def input_from_saliencies(
    memories: Float[Array, "n p"], saliencies: Float[Array, " p"]
) -> Float[Array, " n"]:
    """Input with the given saliencies: ``u = Ξ α`` (``α(u) = α`` for orthogonal memories)."""
    return memories @ saliencies
