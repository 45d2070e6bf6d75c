"""The shared stepping engine against closed forms: an OU process and a linear ODE."""

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh


class OU(eqx.Module):
    """dy = −θ y dt + σ dW."""

    theta: jax.Array
    sigma: jax.Array


def ou_drift(model, t, y):
    return -model.theta * y


def ou_diffusion(model, t, y):
    return model.sigma


def test_ou_mean_and_variance_match_closed_form(key):
    theta, sigma, y0, dt, steps, paths = 1.5, 0.7, 2.0, 1e-3, 1000, 20_000
    model = OU(jnp.asarray(theta), jnp.asarray(sigma))
    step = jh.euler_maruyama_step(ou_drift, ou_diffusion, dt=dt)

    def run(k):
        sol = jh.integrate(step, model, jnp.asarray(y0), num_steps=steps, dt=dt, key=k)
        return sol.final

    finals = jax.jit(jax.vmap(run))(jax.random.split(key, paths))
    t = dt * steps
    mean = y0 * np.exp(-theta * t)
    var = sigma**2 / (2 * theta) * (1 - np.exp(-2 * theta * t))
    # Monte-Carlo error of the mean is sqrt(var/paths) ≈ 0.0028; Euler bias O(dt).
    assert abs(float(finals.mean()) - mean) < 5 * np.sqrt(var / paths) + 2e-3
    assert abs(float(finals.var()) - var) < 0.03 * var


def test_linear_ode_exact_solution():
    a = jnp.asarray([[-0.5, 2.0], [-2.0, -0.5]])
    y0 = jnp.asarray([1.0, 0.0])
    dt, steps = 1e-4, 20_000

    def drift(model, t, y):
        return model @ y

    # Heun-free check: explicit Euler has global error O(dt) ≈ 1e-4·T.
    sol = jh.integrate(
        jh.euler_maruyama_step(drift, dt=dt), a, y0, num_steps=steps, dt=dt, save_every=1000
    )
    ts = np.asarray(sol.ts)
    exact = np.stack(
        [np.exp(-0.5 * ts) * np.cos(2 * ts), -np.exp(-0.5 * ts) * np.sin(2 * ts)], axis=1
    )
    np.testing.assert_allclose(np.asarray(sol.ys), exact, atol=2e-3)
    np.testing.assert_allclose(ts[-1], dt * steps, rtol=1e-6)
    assert sol.ys.shape == (steps // 1000 + 1, 2)


def _map_step(model, z, t, key):
    return model * (1 - 1 / z)


def test_save_every_and_final_agree_and_thinning_shape():
    sol_full = jh.integrate(
        _map_step, jnp.asarray(5.0), jnp.asarray(3.0), num_steps=12, save_every=1
    )
    sol_thin = jh.integrate(
        _map_step, jnp.asarray(5.0), jnp.asarray(3.0), num_steps=12, save_every=4
    )
    sol_final = jh.integrate(_map_step, jnp.asarray(5.0), jnp.asarray(3.0), num_steps=12)
    assert sol_full.ys.shape == (13,) and sol_thin.ys.shape == (4,)
    assert sol_final.ys is None and sol_final.ts is None
    np.testing.assert_allclose(sol_full.ys[::4], sol_thin.ys, rtol=1e-6)
    np.testing.assert_allclose(sol_full.final, sol_final.final, rtol=1e-6)
    np.testing.assert_allclose(sol_full.ys[:3], [3.0, 10 / 3, 3.5], rtol=1e-6)


def test_save_fn_observes_and_keys_independent_of_blocking(key):
    def noisy(model, y, t, k):
        return y + jax.random.normal(k, y.shape)

    y0 = jnp.zeros(3)
    a = jh.integrate(noisy, None, y0, num_steps=60, key=key, save_every=6, save_fn=jnp.sum)
    b = jh.integrate(noisy, None, y0, num_steps=60, key=key, checkpoint=True, checkpoint_every=7)
    c = jh.integrate(noisy, None, y0, num_steps=60, key=key)
    assert a.ys.shape == (11,)
    np.testing.assert_allclose(a.final, c.final, rtol=1e-6)
    np.testing.assert_allclose(b.final, c.final, rtol=1e-6)
    np.testing.assert_allclose(a.ys[-1], jnp.sum(c.final), rtol=1e-5)


def test_checkpointed_gradient_matches_plain_and_finite_differences():
    def final(kappa, checkpoint):
        sol = jh.integrate(
            _map_step, kappa, jnp.asarray(3.0), num_steps=1000, checkpoint=checkpoint
        )
        return sol.final

    g_plain = jax.grad(final)(jnp.asarray(5.0), False)
    g_ckpt = jax.grad(final)(jnp.asarray(5.0), True)
    h = 1e-2
    fd = (final(jnp.asarray(5.0 + h), False) - final(jnp.asarray(5.0 - h), False)) / (2 * h)
    np.testing.assert_allclose(g_ckpt, g_plain, rtol=1e-5)
    np.testing.assert_allclose(g_plain, fd, rtol=1e-3)
    # d Z_+/dκ = (1 + (κ − 2)/√(κ² − 4κ))/2 at κ = 5
    np.testing.assert_allclose(g_plain, 0.5 * (1 + 3 / np.sqrt(5)), rtol=1e-4)


def test_checkpointing_bounds_stored_residuals():
    """With checkpointing, the VJP stores O(√n) states, not n."""

    def final(kappa, checkpoint):
        return jh.integrate(
            _map_step, kappa, jnp.ones(64) * 3.0, num_steps=10_000, checkpoint=checkpoint
        ).final.sum()

    def residual_bytes(checkpoint):
        _, vjp = jax.vjp(lambda k: final(k, checkpoint), jnp.asarray(5.0))
        return sum(x.size * x.dtype.itemsize for x in jax.tree_util.tree_leaves(vjp))

    assert residual_bytes(True) * 20 < residual_bytes(False)


@pytest.mark.parametrize("bad", [dict(num_steps=-1), dict(num_steps=10, save_every=3)])
def test_bad_arguments_raise(bad):
    with pytest.raises(ValueError):
        jh.integrate(_map_step, jnp.asarray(5.0), jnp.asarray(3.0), **bad)


def test_non_integer_steps_rejected():
    # a ValueError from the engine, or a type error from runtime annotation checking
    with pytest.raises((ValueError, TypeError)):
        jh.integrate(_map_step, jnp.asarray(5.0), jnp.asarray(3.0), num_steps=2.5)


def test_diffusion_without_key_raises():
    step = jh.euler_maruyama_step(ou_drift, ou_diffusion, dt=0.1)
    with pytest.raises(ValueError, match="key"):
        jh.integrate(
            step, OU(jnp.asarray(1.0), jnp.asarray(1.0)), jnp.asarray(0.0), num_steps=3, dt=0.1
        )


def _compiled_bytes(num_steps, save_every):
    def decay(model, y, t, key):
        return 0.99 * y + 0.01

    run = jax.jit(
        lambda y: jh.integrate(decay, None, y, num_steps=num_steps, save_every=save_every)
    )
    analysis = run.lower(jnp.ones(1000)).compile().memory_analysis()
    return analysis.output_size_in_bytes + analysis.temp_size_in_bytes


def test_final_state_only_memory_does_not_grow_with_steps():
    """No trajectory is stored unless asked: compiled memory is independent of num_steps."""
    state_bytes = 1000 * 4
    assert _compiled_bytes(10, None) == _compiled_bytes(100_000, None) < 2 * state_bytes
    # thinning stores num_steps / save_every + 1 states, and no more
    thinned = _compiled_bytes(10_000, 100)
    assert 101 * state_bytes <= thinned < 3 * 101 * state_bytes


def test_num_steps_for_takes_at_least_one_step_and_checks_save_every():
    from jaxhop._integrate import num_steps_for

    assert num_steps_for(0.01, 1.0) == 1  # t1 < dt/2: one step, not a run of none
    assert num_steps_for(10.0, 0.1, 7) == 105  # 100 steps rounded up to whole blocks of 7
    with pytest.raises(ValueError, match="save_every"):
        num_steps_for(1.0, 0.1, 0)
