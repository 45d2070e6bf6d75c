"""Memories: Hadamard construction and errors, random ±1, saliency read-out / input synthesis."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh


def sylvester(n):
    """Independent Sylvester–Hadamard construction by Kronecker doubling."""
    h = np.array([[1.0]])
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


@pytest.mark.parametrize("size, count", [(2, 1), (16, 15), (64, 8), (1024, 10)])
def test_hadamard_columns_match_sylvester(size, count):
    memories = np.asarray(jh.idp.hadamard_memories(size, count))
    np.testing.assert_array_equal(memories, sylvester(size)[:, 1 : count + 1])
    np.testing.assert_array_equal(memories.T @ memories, size * np.eye(count))


@pytest.mark.parametrize(
    "size, count, match",
    [(48, 4, "power of two"), (1, 1, "power of two"), (16, 16, "size - 1 = 15"), (8, 0, "count")],
)
def test_hadamard_bad_arguments(size, count, match):
    with pytest.raises(ValueError, match=match):
        jh.idp.hadamard_memories(size, count)


def test_random_memories_are_signs(key):
    memories = np.asarray(jh.idp.random_memories(key, 4096, 3))
    assert memories.shape == (4096, 3)
    assert set(np.unique(memories)) == {-1.0, 1.0}
    assert abs(memories.mean()) < 0.05  # fair signs: 12288 draws, std of the mean ≈ 0.009
    with pytest.raises(ValueError, match="count"):
        jh.idp.random_memories(key, 16, 0)


def test_input_synthesis_round_trip(key):
    memories = jh.idp.hadamard_memories(64, 8)
    saliencies = jax.random.uniform(key, (8,), minval=-2, maxval=3)
    signal = jh.idp.input_from_saliencies(memories, saliencies)
    np.testing.assert_allclose(signal, np.asarray(memories) @ np.asarray(saliencies), rtol=1e-6)
    read = jh.idp.saliencies_from_input(memories, signal)
    np.testing.assert_allclose(read, saliencies, rtol=1e-5, atol=1e-6)
    # A component orthogonal to every memory (the all-ones Hadamard column) reads as zero.
    read_ones = jh.idp.saliencies_from_input(memories, signal + jnp.ones(64))
    np.testing.assert_allclose(read_ones, saliencies, rtol=1e-5, atol=1e-6)
