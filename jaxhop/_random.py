"""JAX's default random stream, computed faster where jaxhop draws a lot of it.

Stochastic runs spend most of their time drawing random numbers (the IDP benchmark draws
1.6·10⁸ Gaussian increments; DAM recall at scale regenerates its ±1 patterns from a key every
step). JAX's default generator is the Threefry-2x32 counter-based hash (Salmon et al., SC'11):
20 rounds of add / rotate / xor on a pair of 32-bit words, with the key injected after every
four rounds. On CPU, JAX lowers it as a *rolled* loop over the five four-round groups (to keep
compile times short); every pass then writes both counter arrays back to memory and runs on
one thread. Written out unrolled, the same hash is one elementwise expression that XLA fuses
into a single multi-threaded loop: about 3× faster for the array sizes of a time step.

:func:`fast_key` re-labels a threefry key so that every ``jax.random`` sampler called with it
draws its bits through the unrolled hash. The numbers are **bit-for-bit the ones JAX's default
implementation gives** for the same key (tested against ``jax.random``); only the lowering
changes. Keys of another implementation (``rbg``, ``unsafe_rbg``), and JAX's older
non-partitionable threefry mode, are passed through untouched.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.extend.random import define_prng_impl, threefry_prng_impl
from jaxtyping import Array, PRNGKeyArray, UInt32

__all__ = ["fast_key", "threefry2x32"]

# Rotation constants of Threefry-2x32, alternating between groups of four rounds.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KEY_PARITY = np.uint32(0x1BD11BDA)


def _rotate_left(x, distance):
    return (x << np.uint32(distance)) | (x >> np.uint32(32 - distance))


def threefry2x32(
    key1: UInt32[Array, "*#s"],
    key2: UInt32[Array, "*#s"],
    count1: UInt32[Array, "*#s"],
    count2: UInt32[Array, "*#s"],
) -> tuple[UInt32[Array, "*s"], UInt32[Array, "*s"]]:
    """The Threefry-2x32 hash (20 rounds) of the counter pair ``(count1, count2)`` under the
    key ``(key1, key2)``, all ``uint32`` and broadcast together; written unrolled."""
    keys = (key1, key2, key1 ^ key2 ^ _KEY_PARITY)
    x1, x2 = count1 + keys[0], count2 + keys[1]
    for group in range(5):
        for rotation in _ROTATIONS[group % 2]:
            x1 = x1 + x2
            x2 = _rotate_left(x2, rotation) ^ x1
        # Key injection after each group of four rounds (the schedule of the Threefry spec).
        x1 = x1 + keys[(group + 1) % 3]
        x2 = x2 + keys[(group + 2) % 3] + np.uint32(group + 1)
    return x1, x2


def _random_bits(key_data, bit_width, shape):
    size = math.prod(shape)
    if not jax.config.jax_threefry_partitionable or size >= 2**32:
        # The non-partitionable stream (and > 2³² draws) keep JAX's own implementation.
        return threefry_prng_impl.random_bits(key_data, bit_width, shape)
    # Partitionable threefry hashes the flat index i as the 64-bit counter (hi, lo) = (0, i).
    low = lax.iota(np.uint32, size).reshape(shape)
    bits1, bits2 = threefry2x32(key_data[0], key_data[1], jnp.zeros_like(low), low)
    if bit_width == 64:
        high = lax.convert_element_type(bits1, np.uint64)
        return lax.shift_left(high, np.uint64(32)) | lax.convert_element_type(bits2, np.uint64)
    bits = bits1 ^ bits2
    if bit_width == 32:
        return bits
    return lax.convert_element_type(bits, np.dtype(f"uint{bit_width}"))


_UNROLLED_THREEFRY = define_prng_impl(
    key_shape=threefry_prng_impl.key_shape,
    seed=threefry_prng_impl.seed,
    split=threefry_prng_impl.split,
    random_bits=_random_bits,
    fold_in=threefry_prng_impl.fold_in,
    name="jaxhop_threefry2x32_unrolled",
    tag="jhfry",
)


def fast_key(key: PRNGKeyArray) -> PRNGKeyArray:
    """The same key, drawing its bits through the unrolled Threefry hash.

    ``jax.random.normal(fast_key(k), shape) == jax.random.normal(k, shape)`` exactly, for any
    sampler and any batch of keys; keys that are not threefry keys come back unchanged.
    Accepts typed keys (``jax.random.key``) and raw ``uint32[2]`` keys of the default
    implementation (``jax.random.PRNGKey``).
    """
    if str(jax.random.key_impl(key)) != threefry_prng_impl.name:
        return key
    return jax.random.wrap_key_data(jax.random.key_data(key), impl=_UNROLLED_THREEFRY)
