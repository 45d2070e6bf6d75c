"""The fast selective scans: the Mamba-2 (SSD) chunked form and the fused Mamba-1 scan, each
against a NumPy loop over positions of the same recurrence, values and gradients; the mixers'
initialisation, causality and bad input; and (slow) learning the induction head with the
command's default settings."""

import json

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh
from jaxhop.ssm._selective import fused_selective_scan


def numpy_ssd(x, dt, A, B, C):
    """h_t = exp(Δ_t A) h_{t−1} + Δ_t x_t ⊗ B_t, y_t = h_t C_t, in float64, one head at a time."""
    x, dt, A, B, C = (np.asarray(v, np.float64) for v in (x, dt, A, B, C))
    L, H, P = x.shape
    h = np.zeros((H, P, B.shape[1]))
    y = np.zeros((L, H, P))
    for t in range(L):
        h = np.exp(dt[t] * A)[:, None, None] * h + (dt[t][:, None] * x[t])[:, :, None] * B[t]
        y[t] = h @ C[t]
    return y


def ssd_inputs(key, L, H=3, P=4, N=5):
    k = jax.random.split(key, 5)
    return (
        jax.random.normal(k[0], (L, H, P)),
        jax.nn.softplus(jax.random.normal(k[1], (L, H)) - 1.0),
        -jnp.exp(jax.random.normal(k[2], (H,))),
        jax.random.normal(k[3], (L, N)),
        jax.random.normal(k[4], (L, N)),
    )


@pytest.mark.parametrize(("L", "chunk"), [(40, 8), (37, 8), (37, 1), (20, 64), (64, 64)])
def test_ssd_scan_matches_numpy_loop(key, L, chunk):
    args = ssd_inputs(key, L)
    want = numpy_ssd(*args)
    scan = jax.jit(jh.ssm.ssd_scan, static_argnames=("mode", "chunk"))
    scale = np.abs(want).max()
    np.testing.assert_allclose(scan(*args, chunk=chunk), want, atol=2e-6 * scale)
    np.testing.assert_allclose(scan(*args, mode="sequential"), want, atol=2e-6 * scale)


def test_ssd_scan_gradients_agree(key):
    """The chunked form's gradient (through the masked exponentials) equals the sequential
    scan's, and a central finite difference of the NumPy loop along one direction."""
    args = ssd_inputs(key, 30)
    w = jax.random.normal(jax.random.key(7), (30, 3, 4))

    def loss(mode, x, dt, A, B, C):
        return jnp.sum(w * jh.ssm.ssd_scan(x, dt, A, B, C, mode=mode, chunk=8))

    grads = {
        m: jax.grad(lambda *a, m=m: loss(m, *a), argnums=range(5))(*args)
        for m in jh.ssm._ssd.SSD_MODES
    }
    for g_chunk, g_seq in zip(grads["chunked"], grads["sequential"]):
        np.testing.assert_allclose(g_chunk, g_seq, rtol=1e-4, atol=1e-4 * np.abs(g_seq).max())
    # finite difference in float64 NumPy along a random direction of dt
    v = np.asarray(jax.random.normal(jax.random.key(8), (30, 3)))
    eps = 1e-6
    x, dt, A, B, C = (np.asarray(a, np.float64) for a in args)
    w64 = np.asarray(w, np.float64)
    fd = (
        np.sum(w64 * numpy_ssd(x, dt + eps * v, A, B, C))
        - np.sum(w64 * numpy_ssd(x, dt - eps * v, A, B, C))
    ) / (2 * eps)
    np.testing.assert_allclose(np.sum(np.asarray(grads["chunked"][1]) * v), fd, rtol=1e-3)


def numpy_s6(x, dt, A, B, C):
    """Mamba-1 recurrence with the exact zero-order hold of B, float64."""
    x, dt, A, B, C = (np.asarray(v, np.float64) for v in (x, dt, A, B, C))
    h = np.zeros(A.shape)
    y = []
    for t in range(len(x)):
        dA = dt[t][:, None] * A
        h = np.exp(dA) * h + np.expm1(dA) / A * (B[t][None] * x[t][:, None])
        y.append(h @ C[t])
    return np.stack(y)


@pytest.mark.parametrize("chunk", [None, 8, 7])
def test_fused_selective_scan_matches_numpy_loop(key, chunk):
    k = jax.random.split(key, 5)
    L, d, n = 30, 6, 4
    x = jax.random.normal(k[0], (L, d))
    dt = jax.nn.softplus(jax.random.normal(k[1], (L, d)) - 1.0)
    A = -jnp.exp(jax.random.normal(k[2], (d, n)))
    B, C = jax.random.normal(k[3], (L, n)), jax.random.normal(k[4], (L, n))
    got = jax.jit(fused_selective_scan, static_argnames=("chunk", "unroll"))(
        x, dt, A, B, C, chunk=chunk
    )
    np.testing.assert_allclose(got, numpy_s6(x, dt, A, B, C), atol=1e-5)


def test_selective_fused_mode_equals_materialised(key):
    task = jh.ssm.induction_head(length=24)
    model = jh.ssm.make_model("selective", key, task, width=8, layers=1, chunk=8)
    tokens, _ = task.batch(jax.random.key(1), 3)
    run = eqx.filter_jit(lambda m, t, mode: jax.vmap(lambda x: m(x, mode=mode))(t))
    np.testing.assert_allclose(
        run(model, tokens, "fused"), run(model, tokens, "sequential"), atol=1e-4
    )
    with pytest.raises(ValueError, match="mode must be one of"):
        model(tokens[0], mode="parallel")


def test_ssd_mixer_init_causality_and_modes(key):
    mixer = jh.ssm.SSDMixer.init(key, 8, head_size=4, dt_min=1e-3, dt_max=1e-1, chunk=4)
    assert mixer.heads == 4
    dt0 = np.asarray(jax.nn.softplus(mixer.dt_bias))
    assert np.all((dt0 >= 1e-3 * (1 - 1e-5)) & (dt0 <= 1e-1 * (1 + 1e-5)))
    A = np.exp(np.asarray(mixer.A_log))
    assert np.all((A >= 1) & (A <= 16))
    u = jax.random.normal(key, (13, 8))
    apply = eqx.filter_jit(lambda m, x, mode: m(x, mode=mode))
    out = apply(mixer, u, "chunked")
    np.testing.assert_allclose(out, apply(mixer, u, "sequential"), atol=1e-5)
    out2 = apply(mixer, u.at[9:].add(1.0), "chunked")  # causal: outputs before 9 unchanged
    np.testing.assert_allclose(out[:9], out2[:9], atol=1e-6)
    assert not np.allclose(out[9:], out2[9:])


def test_ssd_bad_arguments(key):
    with pytest.raises(ValueError, match="head_size"):
        jh.ssm.SSDMixer.init(key, 8, head_size=5)
    with pytest.raises(ValueError, match="chunk"):
        jh.ssm.SSDMixer.init(key, 8, chunk=0)
    with pytest.raises(ValueError, match="dt_max"):
        jh.ssm.SSDMixer.init(key, 8, dt_min=0.1, dt_max=0.01)
    args = ssd_inputs(key, 8)
    with pytest.raises(ValueError, match="mode must be one of"):
        jh.ssm.ssd_scan(*args, mode="associative")


@pytest.mark.slow
@pytest.mark.parametrize("length", [32, 128])
def test_ssd_learns_induction_with_default_settings(capsys, length):
    """``jaxhop ssm train --model ssd --task induction`` with only ``--length`` set reaches
    ≥ 95 % (defaults 1500 steps, lr 3e-3; a few minutes at L = 128 on 2 cores)."""
    from jaxhop.cli import main

    argv = ["ssm", "train", "--model", "ssd", "--length", str(length), "--json"]
    assert main([*argv, "--eval-size", "512"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["steps"] == 1500
    assert record["accuracy"] >= 0.95, record["eval_accuracy"]
