"""The small-matrix eigenvalue kernel (jaxhop._linalg) against numpy.linalg (LAPACK)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxhop._linalg import psd_columns, psd_factor, top_eigenvalue


def _with_spectrum(rng, eigenvalues):
    """Q diag(w) Qᵀ with a random orthogonal Q, one matrix per row of `eigenvalues`."""
    b, k = eigenvalues.shape
    q, _ = np.linalg.qr(rng.standard_normal((b, k, k)))
    return np.einsum("bij,bj,bkj->bik", q, eigenvalues, q)


@pytest.mark.parametrize("k", [2, 3, 7, 10])
def test_top_eigenvalue_equals_lapack_on_random_symmetric_matrices(x64, k):
    rng = np.random.default_rng(k)
    a = rng.standard_normal((300, k, k))
    a = a + np.swapaxes(a, 1, 2)
    a[::2] -= 3.0 * np.sqrt(k) * np.eye(k)  # half of them mostly negative: the clamp acts
    want = np.linalg.eigvalsh(a)[:, -1]
    np.testing.assert_allclose(np.asarray(top_eigenvalue(jnp.asarray(a))), want, atol=1e-12)
    clamped = np.asarray(top_eigenvalue(jnp.asarray(a), 0.0))
    np.testing.assert_allclose(clamped, np.maximum(want, 0.0), atol=1e-12)
    assert (want < 0).any() and (clamped[want < 0] == 0).all()  # the clamp is exercised


def test_top_eigenvalue_float32_to_rounding_and_degenerate_spectra():
    rng = np.random.default_rng(0)
    spectra = np.stack(
        [
            [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],  # a multiple of I: Gershgorin is tight
            [-3.0, 0.5, 2.0, 2.0, 2.0, 2.0, 2.0],  # top eigenvalue of multiplicity 5
            [0.0, 0.0, 0.0, 0.0, 0.0, 1e-6, 4.0],  # rank deficient, a tiny gap
            [-5.0, -4.0, -3.0, -2.0, -1.5, -1.0, -0.5],  # negative definite
            [1e-3, 2e-3, 5e-3, 1e-2, 1e3, 1e3 + 1e-1, 1e3 + 2e-1],  # wide dynamic range
        ]
    )
    a = _with_spectrum(rng, spectra)
    got = np.asarray(top_eigenvalue(jnp.asarray(a, jnp.float32)))
    scale = np.abs(spectra).max(axis=1)
    np.testing.assert_array_less(np.abs(got - spectra.max(axis=1)), 8e-7 * scale + 1e-7)
    got0 = np.asarray(top_eigenvalue(jnp.asarray(a, jnp.float32), 0.0))
    assert got0[3] == 0.0  # every eigenvalue below the clamp


def test_top_eigenvalue_batch_shapes_and_bad_input():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 3, 5, 5)).astype(np.float32)
    got = np.asarray(top_eigenvalue(jnp.asarray(a)))
    sym = 0.5 * (a + np.swapaxes(a, -1, -2))
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, np.linalg.eigvalsh(sym)[..., -1], atol=1e-5)
    one = np.asarray(top_eigenvalue(jnp.full((4, 1, 1), -2.0), 0.0))
    np.testing.assert_array_equal(one, 0.0)
    with pytest.raises((ValueError, TypeError)):  # TypeError: jaxtyping's check, when on
        top_eigenvalue(jnp.ones((3, 4)))
    # under vmap (one matrix per call) it gives the batched answer
    vm = np.asarray(jax.vmap(top_eigenvalue)(jnp.asarray(a.reshape(6, 5, 5))))
    np.testing.assert_allclose(vm, got.ravel(), rtol=1e-6, atol=1e-6)


def test_top_eigenvalue_derivative_matches_finite_differences(x64):
    rng = np.random.default_rng(2)
    a = jnp.asarray(_with_spectrum(rng, np.array([[-1.0, 0.2, 0.9, 1.7, 3.0]]))[0])
    direction = jnp.asarray(rng.standard_normal((5, 5)))

    def f(t):
        return top_eigenvalue(a + t * direction)

    h = 1e-6
    fd = (f(h) - f(-h)) / (2 * h)
    np.testing.assert_allclose(float(jax.grad(f)(0.0)), float(fd), rtol=1e-6)
    # below the clamp the value is constant: zero derivative
    g = jax.grad(lambda t: top_eigenvalue(a - 5.0 * jnp.eye(5) + t * direction, 0.0))(0.0)
    assert float(g) == 0.0


def test_psd_factor_of_definite_and_singular_matrices(x64):
    rng = np.random.default_rng(3)
    for rank in (7, 4, 1):
        x = rng.standard_normal((7, rank))
        g = x @ x.T
        low, perm = (np.asarray(v) for v in psd_factor(jnp.asarray(g)))
        assert np.all(np.isfinite(low)) and np.allclose(np.triu(low, 1), 0)
        assert sorted(perm) == list(range(7))
        np.testing.assert_allclose(low @ low.T, g[perm][:, perm], atol=1e-10)
        # the same factor with G's row order: F Fᵀ = G, F[perm] = L
        columns, perm2 = (np.asarray(v) for v in psd_columns(jnp.asarray(g)))
        np.testing.assert_array_equal(perm2, perm)
        np.testing.assert_array_equal(columns[perm], low)
        np.testing.assert_allclose(columns @ columns.T, g, atol=1e-10)
        # eig(Lᵀ C[perm][:, perm] L) = eig(G^{1/2} C G^{1/2}) for a symmetric indefinite C
        c = rng.standard_normal((7, 7))
        c = c + c.T
        w, v = np.linalg.eigh(g)
        root = (v * np.sqrt(np.maximum(w, 0))) @ v.T
        want = np.linalg.eigvalsh(root @ c @ root)
        got = np.linalg.eigvalsh(low.T @ c[perm][:, perm] @ low)
        np.testing.assert_allclose(got, want, atol=1e-9)


def test_psd_factor_of_a_nearly_singular_matrix_in_float32():
    """G = A + 1e-10·B with A singular (a saturated activation's G): float32 pivoting keeps
    the spectrum of G^{1/2} C G^{1/2} to rounding, as the float64 answer says (unpivoted
    Cholesky met the tiny pivot first and returned garbage here)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((7, 3))
    y = rng.standard_normal((7, 7))
    g = x @ x.T + 1e-10 * (y @ y.T)
    g[[0, 3]] = g[[3, 0]]
    g[:, [0, 3]] = g[:, [3, 0]]
    c = rng.standard_normal((7, 7))
    c = c + c.T
    w, v = np.linalg.eigh(g)
    root = (v * np.sqrt(np.maximum(w, 0))) @ v.T
    want = np.linalg.eigvalsh(root @ c @ root)[-1]
    low, perm = jax.jit(psd_factor)(jnp.asarray(g, jnp.float32))
    m = jnp.asarray(low).T @ jnp.asarray(c[np.asarray(perm)][:, np.asarray(perm)], jnp.float32)
    got = float(jax.jit(top_eigenvalue)(m @ low))
    assert abs(got - want) < 1e-5 * np.abs(np.linalg.eigvalsh(c)).max() * np.trace(g)
