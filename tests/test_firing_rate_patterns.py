"""Pattern generators: coding level, exact overlaps, determinism, bad input."""

import jax
import numpy as np
import pytest

import jaxhop as jh

fr = jh.firing_rate


def test_bernoulli_patterns_statistics(key):
    xi = np.asarray(fr.bernoulli_patterns(key, 2000, 20, 0.2))
    assert xi.shape == (2000, 20)
    assert set(np.unique(xi)) <= {0.0, 1.0}
    assert abs(xi.mean() - 0.2) < 0.01  # 40,000 draws: std 0.002
    again = np.asarray(fr.bernoulli_patterns(key, 2000, 20, 0.2))
    np.testing.assert_array_equal(xi, again)
    other = np.asarray(fr.bernoulli_patterns(jax.random.key(1), 2000, 20, 0.2))
    assert not np.array_equal(xi, other)


def test_shared_core_patterns_exact_overlaps(key):
    xi = np.asarray(fr.shared_core_patterns(key, 1000, 7, q=0.2, r=0.4))
    np.testing.assert_array_equal(xi.sum(0), np.full(7, 200.0))
    gram = xi.T @ xi
    off = gram[~np.eye(7, dtype=bool)]
    np.testing.assert_array_equal(off, np.full(off.shape, 80.0))
    # units are scattered by the key: the core is not the first rows
    assert xi[:80].sum() < 80 * 7
    with pytest.raises(ValueError, match="count"):
        fr.shared_core_patterns(key, 1000, 8, q=0.2, r=0.4)


@pytest.mark.parametrize(
    "size, q, count, ones, shared",
    [(1000, 0.2, 6, 200, 40), (100, 0.2, 6, 20, 4), (64, 0.25, 5, 16, 4)],
)
def test_exact_overlap_patterns(size, q, count, ones, shared):
    xi = np.asarray(fr.exact_overlap_patterns(size, q))
    assert xi.shape == (size, count) == (size, fr.exact_overlap_count(q))
    np.testing.assert_array_equal(xi.sum(0), np.full(count, ones))
    gram = xi.T @ xi
    expected = np.full((count, count), float(shared))
    np.fill_diagonal(expected, ones)
    np.testing.assert_array_equal(gram, expected)


def test_pattern_bad_input(key):
    with pytest.raises(ValueError, match="size"):
        fr.exact_overlap_patterns(1010, 0.2)
    with pytest.raises(ValueError, match="q"):
        fr.bernoulli_patterns(key, 10, 2, 1.5)
    with pytest.raises(ValueError, match="count"):
        fr.bernoulli_patterns(key, 10, 0, 0.2)
