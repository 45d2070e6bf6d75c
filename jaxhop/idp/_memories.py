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

from .._checks import check_finite, check_int, check_memory

__all__ = [
    "random_memories",
    "hadamard_memories",
    "saliencies_from_input",
    "input_from_saliencies",
]


def _check_sizes(size, count, bytes_per_entry: int) -> tuple[int, int]:
    size = check_int("size", size, lo=1)
    count = check_int("count", count, lo=1)
    check_memory("size", size, lambda n: bytes_per_entry * n * count)
    return size, count


def _check_pair(memories, name: str, vector, axis: int):
    if jnp.ndim(memories) != 2:
        raise ValueError(f"memories must be 2-D (N × P), got shape {jnp.shape(memories)}")
    want = jnp.shape(memories)[axis]
    if jnp.shape(vector) != (want,):
        raise ValueError(f"{name} must have shape ({want},), got {jnp.shape(vector)}")
    check_finite("memories", memories)
    check_finite(name, vector)


def random_memories(key: PRNGKeyArray, size: int, count: int) -> Float[Array, "size count"]:
    """``count`` i.i.d. uniform ±1 memories of length ``size`` (columns), as floats (integers
    >= 1 whose ``size × count`` matrix fits the memory budget)."""
    size, count = _check_sizes(size, count, 5)  # int8 signs, then the float32 copy
    signs = jax.random.rademacher(key, (size, count), dtype=jnp.int8)
    return signs.astype(jnp.result_type(float))


def hadamard_memories(size: int, count: int) -> Float[Array, "size count"]:
    """``count`` mutually orthogonal ±1 memories: columns ``1 … count`` of the ``size × size``
    Sylvester–Hadamard matrix (the all-ones column ``0`` is dropped).

    Requires ``size`` a power of two and ``1 ≤ count ≤ size − 1``. ``ΞᵀΞ = N·I`` exactly.
    """
    size, count = _check_sizes(size, count, 3 * 8 + 4)  # int64 work arrays on the host
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
    """Saliencies read from an input: ``α_μ = (1/N) ξ^μᵀ u`` (`signal` of shape ``(N,)``;
    concrete arrays must be finite)."""
    _check_pair(memories, "signal", signal, 0)
    return memories.T @ signal / memories.shape[0]


def input_from_saliencies(
    memories: Float[Array, "n p"], saliencies: Float[Array, " p"]
) -> Float[Array, " n"]:
    """Input with the given saliencies: ``u = Ξ α`` (``α(u) = α`` for orthogonal memories;
    `saliencies` of shape ``(P,)``; concrete arrays must be finite)."""
    _check_pair(memories, "saliencies", saliencies, 1)
    return memories @ saliencies
