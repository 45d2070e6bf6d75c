"""Models: delay-bank initialisation, residual block modes and memory, selective scan modes,
causality, the ungated LTI stack."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh


def test_delay_bank_is_exact_delays():
    """Filter f responds 1 at lag f and ρ^M at lag f + M (damped ring), 0 elsewhere."""
    delays, rho = 4, 0.5
    bank = jh.ssm.delay_bank(delays, rho=rho)
    impulse = jnp.zeros((20, 1)).at[0, 0].set(1.0)
    response = np.asarray(
        eqx.filter_jit(lambda b, u: b(u))(bank, impulse)
    )  # (20, delays + 1): output f at time ℓ = lag ℓ
    want = np.zeros((20, delays + 1))
    for f in range(delays + 1):
        for n in range(5):
            lag = f + n * delays
            if lag < 20 and (f > 0 or n == 0):
                want[lag, f] = rho ** (n * delays)
    np.testing.assert_allclose(response, want, atol=1e-5)


def test_residual_block_modes_agree(key):
    k1, k2 = jax.random.split(key)
    block = jh.ssm.ResidualBlock.init(k1, 4, delays=3, detector_hidden=8, random_poles=True)
    e = jax.random.normal(k2, (32, 4))
    conv = eqx.filter_jit(lambda b, x: b(x))(block, e)
    rec = eqx.filter_jit(lambda b, x: b(x, mode="recurrent"))(block, e)
    # g_0 = 0 exactly, so m_0 = 0/ε: FFT round-off divided by ε there; compare from t = 1
    for a, b in zip(conv, rec):
        np.testing.assert_allclose(a[1:], b[1:], atol=2e-4 * float(np.abs(np.asarray(b)).max()))


def test_memory_is_gate_weighted_average(key):
    """m_t = Σ r^ℓ g_{t−ℓ} e_{t−ℓ} / (Σ r^ℓ g_{t−ℓ} + ε), against a NumPy loop; a one-hot
    gate stores exactly the passed embedding."""
    k1, k2, k3 = jax.random.split(key, 3)
    block = jh.ssm.ResidualBlock.init(k1, 5, memory_poles=3)
    e = jax.random.normal(k2, (40, 5))
    g = jax.random.uniform(k3, (40,))
    m = np.asarray(eqx.filter_jit(lambda b: b.memory(e, g))(block))
    r = np.asarray(block.memory_poles, np.float64)
    en, gn = np.asarray(e, np.float64), np.asarray(g, np.float64)
    for t in (0, 17, 39):
        w = r[None, :] ** np.arange(t, -1, -1)[:, None] * gn[: t + 1, None]  # (t+1, J)
        want = (en[: t + 1].T @ w) / (w.sum(0) + block.eps)
        np.testing.assert_allclose(m[t], want, rtol=2e-4, atol=1e-5)
    one_hot = jnp.zeros(40).at[11].set(1.0)
    stored = eqx.filter_jit(lambda b: b.memory(e, one_hot))(block)[-1]
    np.testing.assert_allclose(stored, np.repeat(en[11][:, None], 3, 1), rtol=3e-3)
    # the model reads only m_{L−1}: final_memory (one product with the reversed kernel)
    # against the same NumPy sum, and the all-positions FFT path's last row
    final = np.asarray(eqx.filter_jit(lambda b: b.final_memory(e, g))(block))
    w = r[None, :] ** np.arange(39, -1, -1)[:, None] * gn[:, None]
    np.testing.assert_allclose(final, (en.T @ w) / (w.sum(0) + block.eps), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(final, m[-1], rtol=2e-4, atol=1e-5)


def numpy_scan(a, b):
    h = np.zeros_like(b[0])
    out = []
    for a_t, b_t in zip(a, b):
        h = a_t * h + b_t
        out.append(h)
    return np.stack(out)


def test_selective_scan_modes(key):
    k1, k2 = jax.random.split(key)
    a = jax.random.uniform(k1, (50, 3, 4))
    b = jax.random.normal(k2, (50, 3, 4))
    scan = jax.jit(jh.ssm.selective_scan, static_argnames="mode")
    assoc, seq = scan(a, b, mode="associative"), scan(a, b, mode="sequential")
    want = numpy_scan(np.asarray(a, np.float64), np.asarray(b, np.float64))
    np.testing.assert_allclose(assoc, want, atol=1e-5)
    np.testing.assert_allclose(seq, want, atol=1e-5)


@pytest.mark.parametrize("conv_width", [4, pytest.param(None, marks=pytest.mark.slow)])
def test_selective_model_modes_and_causality(key, conv_width):
    task = jh.ssm.induction_head(length=16)
    model = jh.ssm.make_model("selective", key, task, width=8, layers=1, conv_width=conv_width)
    tokens, _ = task.batch(jax.random.key(1), 3)
    run = eqx.filter_jit(lambda m, t, mode: jax.vmap(lambda x: m(x, mode=mode))(t))
    np.testing.assert_allclose(
        run(model, tokens, "associative"), run(model, tokens, "sequential"), atol=1e-4
    )
    # the mixer is causal: changing the input after t0 leaves outputs up to t0 unchanged
    mixer = model.layers[0]
    u = jax.random.normal(key, (16, 8))
    apply = eqx.filter_jit(lambda m, x: m(x))
    out, out2 = apply(mixer, u), apply(mixer, u.at[10:].add(1.0))
    np.testing.assert_allclose(out[:10], out2[:10], atol=1e-5)
    assert not np.allclose(out[10:], out2[10:])
    assert (mixer.conv_weight is None) == (conv_width is None)


@pytest.mark.slow
def test_lti_stack_and_residual_modes(key):
    task = jh.ssm.extended_induction_head(2, length=12)
    tokens, _ = task.batch(key, 2)
    for name in ("lti", "residual"):
        model = jh.ssm.make_model(name, key, task, width=4)
        run = eqx.filter_jit(lambda m, t, mode: jax.vmap(lambda x: m(x, mode=mode))(t))
        conv, rec = run(model, tokens, "conv"), run(model, tokens, "recurrent")
        assert conv.shape == (2, task.vocab)
        np.testing.assert_allclose(conv, rec, atol=2e-4)


def test_make_model_and_params(key):
    task = jh.ssm.induction_head(length=32)
    model = jh.ssm.make_model("residual", key, task, width=4, delays=2)
    # embedding 17·4, bank (log_rate, theta 2+2, B 2·2, C 3·2·2, D 3), hidden 12→64,
    # score 64→1, memory 4 poles, readout MLP (16 + 64 → 64 → 16)
    want = 68 + (2 + 2 + 4 + 12 + 3) + (12 * 64 + 64) + 65 + 4 + (80 * 64 + 64 + 64 * 16 + 16)
    assert jh.ssm.count_params(model) == want
    with pytest.raises(ValueError, match="model must be one of"):
        jh.ssm.make_model("mamba", key, task)
