"""Retrieval experiment (small settings) and the energy landscape."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh

fr = jh.firing_rate


@pytest.fixture(scope="module")
def small_run():
    return fr.retrieval_experiment(
        jax.random.key(3), size=300, num_memories=5, cues_per_memory=6, non_stored=6, t1=8.0
    )


def test_retrieval_shapes_and_sources(small_run):
    r = small_run
    assert r.ts.shape == (81,)
    assert r.overlaps.shape == (36, 81, 5) and r.own.shape == (36, 81)
    np.testing.assert_array_equal(np.asarray(r.source), np.r_[np.repeat(np.arange(5), 6), [-1] * 6])
    # the saved own-overlap of a stored cue is the overlap with the cued memory
    stored = np.asarray(r.overlaps)[:30]
    cued = stored[np.arange(30), :, np.asarray(r.source)[:30]]
    np.testing.assert_allclose(cued, r.cued, rtol=1e-6)
    # at t = 0 the cue keeps ≈ 60 % of the pattern's active units
    ones = np.asarray(r.network.patterns).sum(0)[np.asarray(r.source)[:30]]
    kept = r.cued[:, 0] * 300 * 0.2 / ones
    assert abs(kept.mean() - 0.6) < 0.05


def test_cued_memory_retrieved_others_near_q_non_stored_decay(small_run):
    r = small_run
    assert r.cued[:, -1].min() > 0.85 and r.cued[:, -1].mean() > 0.95
    assert abs(r.others[:, -1].mean() - 0.2) < 0.05
    assert r.non_stored[:, -1].max() < 0.05
    # the network state at the end is near the rescaled memory (overlaps with all memories)
    xbar = np.asarray(r.network.rescaled_memories())
    target = xbar.T @ np.asarray(r.network.patterns) / (300 * 0.2)  # m^ν(x̄^μ)
    final = np.asarray(r.overlaps)[:30, -1]
    np.testing.assert_allclose(final, target[np.asarray(r.source)[:30]], atol=0.08)


def test_thinned_cues(key):
    pattern = jnp.asarray(np.r_[np.ones(500), np.zeros(500)], jnp.float32)
    cues = np.asarray(fr.thinned_cues(key, pattern, 4, keep=0.6))
    assert np.all(cues[:, 500:] == 0)
    assert abs(cues[:, :500].mean() - 0.6) < 0.04
    with pytest.raises(ValueError, match="keep"):
        fr.thinned_cues(key, pattern, 2, keep=1.5)


def test_energy_plane_minima_at_memories(x64):
    xi = fr.exact_overlap_patterns(100, 0.2)
    net = fr.FiringRateNetwork.designed(xi, fr.Sigmoid(4.8, 0.2))
    quiescent = fr.simulate(net, jnp.zeros(100), t1=25.0).final  # converges like e^{−t}
    # the quiescent state is a fixed point of x = Φ(Wx)
    np.testing.assert_allclose(
        np.asarray(net.activation(net.weights_times(quiescent))), np.asarray(quiescent), atol=1e-8
    )
    s, t, energy = fr.energy_plane(net, quiescent, num=41, lo=0.0, hi=1.0)
    energy = np.asarray(energy)
    # the memories (corners (1, 0), (0, 1)) have lower energy than everything else on the grid
    finite = np.isfinite(energy)
    assert finite[-1, 0] and finite[0, -1]
    lowest = np.sort(energy[finite])[:2]
    np.testing.assert_allclose(sorted([energy[-1, 0], energy[0, -1]]), lowest)
    np.testing.assert_allclose(energy[-1, 0], float(net.energy(net.rescaled_memories()[:, 0])))


@pytest.mark.slow
def test_published_retrieval_experiment():
    """The published settings of Betteti et al. (arXiv 2411.07388): N = 1000, P = 14; the 100 cues
    per memory and 100 non-stored cues are our choice."""
    r = fr.retrieval_experiment(jax.random.key(0))
    assert r.overlaps.shape == (1500, 101, 14)
    assert r.cued[:, -1].mean() > 0.95 and r.cued[:, -1].min() > 0.8
    assert abs(r.others[:, -1].mean() - 0.2) < 0.02
    assert r.non_stored[:, -1].max() < 0.01
