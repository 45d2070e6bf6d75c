"""The published IDP experiments (N = 1024, P = 10, σ = 8): inputs, schedules, behaviour."""

import jax
import jax.numpy as jnp
import numpy as np

import jaxhop as jh


def test_published_saliencies(key):
    alpha = np.asarray(jh.idp.published_saliencies(key, 10, 1024))
    np.testing.assert_allclose(alpha.sum(1), np.sqrt(10 * 1024), rtol=1e-5)
    raw = alpha / alpha.sum(1, keepdims=True)  # ratios survive the rescaling
    for j in range(3):
        target, others = raw[j, j], np.delete(raw[j], [j, j - 1] if j else [j])
        assert target / others.max() > 2.0 / 1.5 and target / others.min() < 3.5 / 0.8
        if j:
            assert raw[j, j - 1] / others.min() < 0.6 / 0.8  # the previous target is damped


def test_schedules_follow_the_published_windows():
    rows = jnp.eye(3, 2) + 1  # three inputs, distinguishable rows
    glitch = jh.idp.glitch_schedule(rows)
    pulse = jh.idp.pulse_schedule(rows)
    for t, row in [(0.0, 0), (7.9, 0), (8.5, 1), (12.0, 0), (16.0, 1), (24.0, 2)]:
        np.testing.assert_array_equal(glitch(jnp.float32(t)), rows[row])
    for t, row in [(0.5, 0), (8.5, 1), (10.5, 0), (15.5, 1), (19.5, 2)]:
        np.testing.assert_array_equal(pulse(jnp.float32(t)), rows[row])
    for t in (1.5, 9.5, 12.0, 17.0, 21.0):
        np.testing.assert_array_equal(pulse(jnp.float32(t)), [0, 0])


def test_idp_follows_sustained_inputs_ignores_the_glitch_and_beats_additive():
    result = jh.idp.published_experiment(jax.random.key(3), trials=4, kind="glitch")
    ts, targets = np.asarray(result.ts), np.asarray(result.targets)
    idp = np.abs(np.asarray(result.idp_overlaps))
    additive = np.abs(np.asarray(result.additive_overlaps))

    def on(strength, memory, window):
        inside = (ts >= window[0]) & (ts < window[1])
        hit = (strength.argmax(-1) == memory) & (strength.max(-1) > 0.5)
        return hit[:, inside].mean()

    sustained = [(5.0, 8.0), (13.0, 15.0), (22.0, 25.0)]  # late in u₁, u₁, u₃
    for window in sustained:
        memory = targets[np.searchsorted(ts, window[0])]
        assert on(idp, memory, window) > 0.9
        assert on(additive, memory, window) < 0.2  # its input was only a short pulse
    # The 2-unit glitch u₂ on [8, 10) does not pull IDP away from memory 1 (index 0).
    assert on(idp, 0, (9.0, 10.0)) > 0.7
