"""The key⊗value variant of the residual model (ours): its memory read against a direct
NumPy sum, the one-step shift of the keys (causality), modes, and learning a per-sequence
trigger (slow)."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh
from jaxhop.ssm._associative import associative_read


def test_associative_read_is_the_normalised_lti_state(key):
    # S = Σ_t r^{L−1−t} k_t v_tᵀ, n = Σ_t r^{L−1−t} k_t, read = Sᵀq / (nᵀq + ε): built here
    # as the recurrence x_t = r x_{t−1} + u_t that the module doc states, in float64 NumPy
    rng = np.random.default_rng(0)
    length, dk, dv, r = 12, 5, 3, 0.9
    keys = rng.uniform(0.1, 2.0, (length, dk))
    values = rng.standard_normal((length, dv))
    query = rng.uniform(0.1, 2.0, dk)
    s, n = np.zeros((dk, dv)), np.zeros(dk)
    for t in range(length):
        s = r * s + np.outer(keys[t], values[t])
        n = r * n + keys[t]
    want = s.T @ query / (n @ query + 1e-6)
    got = associative_read(
        jnp.asarray(keys, jnp.float32),
        jnp.asarray(values, jnp.float32),
        jnp.asarray(query, jnp.float32),
        jnp.float32(r),
    )
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5)


def test_associative_model_keys_see_only_the_window_before_each_position(key):
    task = jh.ssm.per_sequence_trigger(2, length=16, vocab=8)
    model = jh.ssm.make_model("associative", key, task, width=8, key_size=16)
    tokens, _ = task.batch(jax.random.key(1), 3)
    run = eqx.filter_jit(lambda m, t, mode: jax.vmap(lambda x: m(x, mode=mode))(t))
    conv, rec = run(model, tokens, "conv"), run(model, tokens, "recurrent")
    assert conv.shape == (3, task.vocab) and np.all(np.isfinite(conv))
    np.testing.assert_allclose(conv, rec, atol=2e-4)
    e = jax.vmap(model.embedding)(tokens[0])
    features = jh.ssm.window_features
    a = features(model.bank, model.hidden, e, mode="recurrent")  # exactly causal (FFT is not)
    keys = jax.nn.softmax(jax.vmap(model.key_map)(a), axis=-1)
    shifted = jnp.concatenate([jnp.zeros_like(keys[:1]), keys[:-1]])
    # position t's key is the window ending at t − 1: perturbing the token at t leaves it alone
    e2 = e.at[7].add(1.0)
    a2 = features(model.bank, model.hidden, e2, mode="recurrent")
    keys2 = jax.nn.softmax(jax.vmap(model.key_map)(a2), axis=-1)
    shifted2 = jnp.concatenate([jnp.zeros_like(keys2[:1]), keys2[:-1]])
    np.testing.assert_array_equal(np.asarray(shifted[:8]), np.asarray(shifted2[:8]))
    assert not np.allclose(shifted[8], shifted2[8])
    assert np.all(np.asarray(shifted[0]) == 0)


def test_associative_model_gradients_are_finite(key):
    task = jh.ssm.per_sequence_trigger(2, length=16, vocab=8)
    model = jh.ssm.make_model("associative", key, task, width=8, key_size=16)
    tokens, labels = task.batch(jax.random.key(2), 4)
    grads = eqx.filter_grad(lambda m: jh.ssm.loss_fn(m, tokens, labels)[0])(model)
    leaves = jax.tree_util.tree_leaves(eqx.filter(grads, eqx.is_inexact_array))
    assert leaves and all(np.all(np.isfinite(np.asarray(g))) for g in leaves)
    assert any(np.abs(np.asarray(g)).max() > 0 for g in leaves)


@pytest.mark.slow
def test_associative_model_learns_a_per_sequence_trigger():
    """Per-sequence k = 2 at L = 32: the residual model stays near chance (1/16) on this task;
    the key⊗value memory learns it."""
    task = jh.ssm.per_sequence_trigger(2, length=32, vocab=16)
    model = jh.ssm.make_model("associative", jax.random.key(0), task)
    result = jh.ssm.train(
        model, task, key=jax.random.key(1), steps=600, batch=32, lr=3e-3, quiet=True
    )
    accuracy = jh.ssm.evaluate(result.model, task, jax.random.key(7), 512)
    assert accuracy > 0.4
