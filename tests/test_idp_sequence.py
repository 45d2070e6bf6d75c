"""Two-timescale network: events against the saliency map and a reference run's measured values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh

# Our reference setting for the two-timescale model, which is our reconstruction (docs/idp.md):
# N = 64, P = 8 Hadamard, noise 1e-6, explicit Euler, κ = 5, Z0 = 3. MAP_* are the saliency
# map's exact values; MEASURED_* were measured in an independent implementation of the model.
MAP_Z = [3.3333333, 3.5, 3.5714286, 3.6, 3.6111111]  # 10/3, 7/2, 25/7, 18/5, 65/18
MAP_LOG_Z = [1.0986123, 1.2039728, 1.2527630, 1.2729657, 1.2809338]  # ln 3, ln Z_1, …
MEASURED_Z = [3.3345, 3.5018, 3.5732, 3.6017, 3.6127]
MEASURED_DWELL = [1.0996, 1.2054, 1.2542, 1.2744, 1.2823]


def run(kappa, z0, *, eps, t1, key, size=64, memories=8, first_sign=1.0, **config):
    net = jh.idp.SequenceNetwork.hadamard(
        kappa, size=size, num_memories=memories, eps=eps, noise=1e-6, **config
    )
    y0, alpha0 = jh.idp.sequence_init(net, z0)
    sol = jh.idp.simulate_sequence(net, (first_sign * y0, alpha0), t1=t1, key=key, save_every=5)
    return sol, jh.idp.extract_events(sol.ts, *sol.ys, max_events=8)


def test_entries_match_map_at_eps_1e_4(key):
    _, ev = run(5.0, 3.0, eps=1e-4, t1=6.5, key=key)  # dt = ε/5 = 2e-5, 325,000 steps
    assert int(ev.num_entries) == 6 and not bool(ev.collapsed)
    np.testing.assert_array_equal(ev.memories[:6], np.arange(6))
    z = np.asarray(ev.entry_saliencies[1:6])
    dwell = np.asarray(ev.dwell_times[:5])
    np.testing.assert_allclose(z, MAP_Z, rtol=1e-3)  # reference run: errors ≈ 0.04 %
    np.testing.assert_allclose(dwell, MAP_LOG_Z, rtol=2e-3)
    np.testing.assert_allclose(z, MEASURED_Z, atol=1e-3)  # reproduces the measured run
    np.testing.assert_allclose(dwell, MEASURED_DWELL, atol=1e-3)
    # Exit-to-exit dwell: the theory's T_k = ln Z_k without the short escape delay.
    exits = np.asarray(ev.exit_times[:5])
    np.testing.assert_allclose(np.diff(np.concatenate([[0.0], exits])), MAP_LOG_Z, rtol=2e-3)


def test_entries_match_map_at_eps_1e_3(key):
    _, ev = run(5.0, 3.0, eps=1e-3, t1=6.5, key=key)
    np.testing.assert_allclose(ev.entry_saliencies[1:6], MAP_Z, rtol=1.5e-2)  # errors ≈ 1 %
    np.testing.assert_allclose(ev.dwell_times[:5], MAP_LOG_Z, rtol=1.5e-2)


def test_decay_regime_collapses(key):
    # κ = 3 < 4, Z0 = 2.5: the map retrieves 3 memories (2.5, 1.8, 4/3), then 0.75 ≤ 1.
    sol, ev = run(3.0, 2.5, eps=1e-3, t1=4.0, key=key)
    assert bool(ev.collapsed)
    assert int(ev.num_entries) in (3, 4)  # finite ε and noise may retrieve one memory more
    np.testing.assert_allclose(ev.entry_saliencies[:3], [2.5, 1.8, 4 / 3], rtol=0.05)
    assert 1.6 < float(ev.collapse_time) < 2.3  # map: ln 2.5 + ln 1.8 + ln 4/3 = 1.79
    overlaps, saliencies = sol.ys
    assert float(jnp.max(jnp.abs(overlaps[-1]))) < 1e-3  # the state went to the origin
    assert float(jnp.max(saliencies[-1])) < 1.0


def test_signed_drive_is_not_the_default(key):
    net = jh.idp.SequenceNetwork.hadamard(5.0, size=16, num_memories=4)
    assert net.drive == "abs"
    # Starting in −ξ¹ (an equally good retrieval): |m| keeps the sequence going, the signed
    # drive charges the successor negatively and the sequence collapses.
    _, ev_abs = run(5.0, 3.0, eps=1e-3, t1=3.0, key=key, size=16, memories=4, first_sign=-1.0)
    assert int(ev_abs.num_entries) == 3 and not bool(ev_abs.collapsed)
    np.testing.assert_allclose(ev_abs.entry_saliencies[1:3], MAP_Z[:2], rtol=1.5e-2)
    _, ev_signed = run(
        5.0, 3.0, eps=1e-3, t1=3.0, key=key, size=16, memories=4, first_sign=-1.0, drive="signed"
    )
    assert bool(ev_signed.collapsed) and int(ev_signed.num_entries) == 1


def test_batched_runs_equal_single_runs(key):
    kappas = jnp.array([3.0, 5.0])
    keys = jax.random.split(key, 2)

    @jax.jit
    def events(kappa, k):
        net = jh.idp.SequenceNetwork.hadamard(kappa, size=16, num_memories=4, eps=2e-3)
        sol = jh.idp.simulate_sequence(net, jh.idp.sequence_init(net, 2.5), t1=3.0, key=k)
        return jh.idp.extract_events(sol.ts, *sol.ys, max_events=6)

    batched = jax.vmap(events)(kappas, keys)
    for i in range(2):
        single = events(kappas[i], keys[i])
        # Batched matmuls round differently in float32; escapes amplify noise-level
        # differences (from ~1e-6), so entry times agree to ~1e-3, not to machine precision.
        np.testing.assert_allclose(batched.entry_times[i], single.entry_times, rtol=3e-3)
        assert bool(batched.collapsed[i]) == bool(single.collapsed)
    assert bool(batched.collapsed[0]) and not bool(batched.collapsed[1])


def test_extract_events_on_a_synthetic_trajectory():
    # Hand-made |m| and α: memory 0 until t = 1, a gap, memory 2 from t = 1.5 (crossing 0.5
    # half-way between samples), then the origin with all α ≤ 1.
    ts = jnp.arange(9, dtype=jnp.float32) * 0.5  # 0, 0.5, …, 4
    m = np.zeros((9, 3), np.float32)
    m[:3, 0] = 1.0
    m[3, 0], m[3, 2] = 0.2, 0.3
    m[4:6, 2] = -0.7  # signed overlaps: |m| is what counts
    alpha = np.full((9, 3), 0.5, np.float32)
    alpha[:3, 0] = [3.0, 2.0, 1.2]
    alpha[3, 0] = 0.8
    alpha[3, 2], alpha[4, 2], alpha[5, 2] = 2.0, 2.4, 1.5
    ev = jh.idp.extract_events(ts, jnp.asarray(m), jnp.asarray(alpha), max_events=4)
    assert int(ev.num_entries) == 2 and bool(ev.collapsed)
    np.testing.assert_array_equal(ev.memories, [0, 2, -1, -1])
    # Entry of memory 2: |m| goes 0.3 → 0.7 between t = 1.5 and 2, crossing 0.5 at t = 1.75.
    np.testing.assert_allclose(ev.entry_times[:2], [0.0, 1.75], rtol=1e-6)
    np.testing.assert_allclose(ev.entry_saliencies[:2], [3.0, 2.2], rtol=1e-6)
    # Collapse: |m_2| goes 0.7 → 0 between t = 2.5 and 3, crossing 0.5 at t = 2.5 + 0.5·2/7.
    np.testing.assert_allclose(ev.collapse_time, 2.5 + 1 / 7, rtol=1e-6)
    np.testing.assert_allclose(ev.dwell_times[:2], [1.75, 2.5 + 1 / 7 - 1.75], rtol=1e-6)
    # Exits: α 1.2 → 0.8 over [1, 1.5] and 1.5 → 0.5 over [2.5, 3] pass 1 at 1.25 and 2.75.
    np.testing.assert_allclose(ev.exit_times[:2], [1.25, 2.75], rtol=1e-6)
    assert np.all(np.isnan(np.asarray(ev.entry_times[2:])))


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(eps=0.0), "eps"), (dict(drive="relu"), "drive"), (dict(smoothing=-1.0), "smoothing")],
)
def test_bad_configuration(kwargs, match):
    with pytest.raises(ValueError, match=match):
        jh.idp.SequenceNetwork.hadamard(5.0, size=16, num_memories=4, **kwargs)


def test_dt_must_resolve_the_fast_layer(key):
    net = jh.idp.SequenceNetwork.hadamard(5.0, size=16, num_memories=4, eps=1e-3)
    with pytest.raises(ValueError, match="dt"):
        jh.idp.simulate_sequence(net, jh.idp.sequence_init(net, 3.0), t1=1.0, dt=1e-3, key=key)


def test_no_retrace_across_kappa(monkeypatch):
    from jaxhop.idp import _retrieval

    traces = []
    original = _retrieval.adiabatic_events

    def counting(*args, **kwargs):
        traces.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(_retrieval, "adiabatic_events", counting)
    counts = [
        int(jh.idp.sequential_retrieval(k, 1.45, method="adiabatic", max_events=37)[0].num_entries)
        for k in (3.0, 4.5, 6.0)
    ]
    assert len(traces) == 1  # κ is an array leaf: one compilation for every gain
    assert counts == [1, 3, 37]  # map: 1.45 → 0.93 at κ = 3; 3 retrievals at 4.5; periodic at 6


def test_divergence_is_reported(key):
    # A non-finite state must not come back as plausible data.
    net = jh.idp.SequenceNetwork.hadamard(5.0, size=16, num_memories=4, eps=1e-3)
    y0, alpha0 = jh.idp.sequence_init(net, 3.0)
    with pytest.raises(Exception, match="diverged"):
        sol = jh.idp.simulate_sequence(net, (y0 * jnp.nan, alpha0), t1=0.01, key=key)
        jax.block_until_ready(sol.final)


@pytest.mark.parametrize(
    "change, name",
    [
        (dict(kappa=jnp.asarray(float("nan"))), "kappa"),
        (dict(kappa=jnp.asarray(-1.0)), "kappa"),
        (dict(noise=float("inf")), "noise"),
        (dict(memories_nan=True), "memories"),
    ],
)
def test_sequence_network_refuses_out_of_domain_parameters(key, change, name):
    memories = jh.idp.random_memories(key, 16, 4)
    if change.pop("memories_nan", False):
        memories = memories.at[0, 0].set(jnp.nan)
    fields = dict(kappa=jnp.asarray(5.0)) | change
    kappa = fields.pop("kappa")
    with pytest.raises(ValueError, match=name):
        jh.idp.SequenceNetwork(memories, jh.idp.cyclic_successor(4), kappa, **fields)
    with pytest.raises(ValueError, match="num_memories"):
        jh.idp.cyclic_successor(0)
