"""Diagonal LTI layer: closed-form kernel vs a NumPy loop, conv vs recurrent modes."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh


def numpy_kernel(layer, length):
    """K_k = Re(C A^k B) by repeated multiplication with the dense A (independent of the code)."""
    A = np.diag(np.asarray(layer.poles, np.complex128))
    B = np.asarray(layer.B, np.complex128)
    C = np.asarray(layer.C, np.complex128)
    out, power = [], np.eye(A.shape[0], dtype=np.complex128)
    for _ in range(length):
        out.append(np.real(C @ power @ B))
        power = A @ power
    return np.stack(out)


def numpy_recurrence(layer, u):
    A = np.diag(np.asarray(layer.poles, np.complex128))
    B, C = np.asarray(layer.B, np.complex128), np.asarray(layer.C, np.complex128)
    D = np.asarray(layer.D, np.float64)
    x = np.zeros(A.shape[0], np.complex128)
    ys = []
    for u_t in np.asarray(u, np.float64):
        ys.append(np.real(C @ x) + D @ u_t)
        x = A @ x + B @ u_t
    return np.stack(ys)


@pytest.mark.parametrize("complex_", [True, False])
def test_kernel_matches_numpy_loop(key, complex_):
    layer = jh.ssm.DiagonalLTI.init(key, 3, 8, 2, complex=complex_, max_rate=0.3)
    np.testing.assert_allclose(layer.kernel(50), numpy_kernel(layer, 50), rtol=1e-4, atol=1e-5)
    assert np.all(np.abs(np.asarray(layer.poles)) < 1)


@pytest.mark.parametrize("complex_", [True, False])
def test_conv_and_recurrent_agree(key, complex_):
    k1, k2 = jax.random.split(key)
    layer = jh.ssm.DiagonalLTI.init(k1, 4, 16, 5, complex=complex_)
    u = jax.random.normal(k2, (200, 4))
    apply = eqx.filter_jit(lambda m, x, mode: m(x, mode=mode))
    conv, rec = apply(layer, u, "conv"), apply(layer, u, "recurrent")
    scale = np.abs(np.asarray(rec)).max()
    np.testing.assert_allclose(conv, rec, atol=2e-5 * scale)
    np.testing.assert_allclose(rec, numpy_recurrence(layer, u), atol=2e-5 * scale)


@pytest.mark.slow
def test_modes_agree_in_float64(x64, key):
    k1, k2 = jax.random.split(key)
    layer = jh.ssm.DiagonalLTI.init(k1, 2, 6, 3)
    layer = jax.tree_util.tree_map(lambda x: x.astype(jnp.float64), layer)
    u = jax.random.normal(k2, (300, 2), jnp.float64)
    np.testing.assert_allclose(layer(u), layer(u, mode="recurrent"), atol=1e-11)
    np.testing.assert_allclose(layer(u), numpy_recurrence(layer, u), atol=1e-11)


def test_causal_conv_against_numpy(key):
    k1, k2 = jax.random.split(key)
    u = jax.random.normal(k1, (37, 3))
    kern = jax.random.normal(k2, (37, 2, 3))
    want = np.zeros((37, 2))
    un, kn = np.asarray(u, np.float64), np.asarray(kern, np.float64)
    for t in range(37):
        for k in range(t + 1):
            want[t] += kn[k] @ un[t - k]
    np.testing.assert_allclose(jh.ssm.causal_conv(u, kern), want, atol=1e-4)


def test_batched_jit_grad(key):
    layer = jh.ssm.DiagonalLTI.init(key, 2, 4, 2)
    u = jnp.ones((3, 20, 2))
    out = eqx.filter_jit(jax.vmap(layer))(u)
    assert out.shape == (3, 20, 2)
    grads = eqx.filter_jit(eqx.filter_grad(lambda m: jnp.sum(jax.vmap(m)(u) ** 2)))(layer)
    assert np.all(np.isfinite(np.asarray(grads.log_rate)))
    # gradient in log_rate against a central finite difference (float32 tolerance)
    eps = 1e-2
    bump = jnp.zeros(4).at[0].set(eps)
    f = jax.jit(lambda lr: jnp.sum(jax.vmap(eqx.tree_at(lambda m: m.log_rate, layer, lr))(u) ** 2))
    fd = (f(layer.log_rate + bump) - f(layer.log_rate - bump)) / (2 * eps)
    np.testing.assert_allclose(grads.log_rate[0], fd, rtol=2e-2)


def test_bad_arguments(key):
    with pytest.raises(ValueError, match="state_size"):
        jh.ssm.DiagonalLTI.init(key, 2, 0, 2)
    layer = jh.ssm.DiagonalLTI.init(key, 2, 3, 2)
    with pytest.raises(ValueError, match="mode"):
        layer(jnp.ones((4, 2)), mode="fft")
    # caught by the field annotations under the test-suite type checker, else by __check_init__
    with pytest.raises((ValueError, TypeError)):
        fields = {
            n: getattr(layer, n) for n in ("log_rate", "theta", "B_re", "B_im", "C_re", "C_im")
        }
        jh.ssm.DiagonalLTI(**fields, D=jnp.ones((3, 3)))
