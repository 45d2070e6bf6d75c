"""The unrolled Threefry hash behind :func:`jaxhop.fast_key`.

Independent truth: the Threefry-2x32-20 known-answer vectors published with the Random123
library (Salmon et al., SC'11), and JAX's own ``jax.random`` samplers, which must give the
same numbers bit for bit.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh
from jaxhop._random import threefry2x32

# (key, counter) → output, Threefry-2x32 with 20 rounds (Random123 kat_vectors).
KNOWN_ANSWERS = [
    ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6B200159, 0x99BA4EFE)),
    ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF), (0x1CB996FC, 0xBB002BE7)),
    ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3), (0xC4923A9C, 0x483DF7A0)),
]


@pytest.mark.parametrize("key, counter, expected", KNOWN_ANSWERS)
def test_threefry_known_answers(key, counter, expected):
    u32 = lambda v: jnp.asarray(v, jnp.uint32)  # noqa: E731
    out = threefry2x32(u32(key[0]), u32(key[1]), u32(counter[0]), u32(counter[1]))
    assert tuple(int(x) for x in out) == expected


SAMPLERS = {
    "normal": lambda k, s: jax.random.normal(k, s),
    "uniform": lambda k, s: jax.random.uniform(k, s, minval=-2.0, maxval=3.0),
    "bits8": lambda k, s: jax.random.bits(k, s, jnp.uint8),
    "bits16": lambda k, s: jax.random.bits(k, s, jnp.uint16),
    "bits32": lambda k, s: jax.random.bits(k, s, jnp.uint32),
    "rademacher": lambda k, s: jax.random.rademacher(k, s),
    "normal_bf16": lambda k, s: jax.random.normal(k, s, jnp.bfloat16),
}


@pytest.mark.parametrize("sampler", SAMPLERS)
@pytest.mark.parametrize("shape", [(), (7,), (3, 5), (2, 1, 33)])
def test_same_numbers_as_jax(sampler, shape):
    key = jax.random.key(11)
    draw = SAMPLERS[sampler]
    fast = jh.fast_key(key)
    assert str(jax.random.key_impl(fast)) != str(jax.random.key_impl(key))  # really re-labelled
    np.testing.assert_array_equal(np.asarray(draw(fast, shape)), np.asarray(draw(key, shape)))


def test_same_numbers_in_float64():
    with jax.enable_x64(True):
        key = jax.random.key(5)
        a = jax.random.normal(jh.fast_key(key), (4, 9), jnp.float64)
        b = jax.random.normal(key, (4, 9), jnp.float64)
        assert a.dtype == jnp.float64
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_same_numbers_under_vmap_jit_and_fold_in():
    keys = jax.random.split(jax.random.key(2), 6)

    @jax.jit
    def draw(keys):
        return jax.vmap(lambda k: jax.random.normal(jh.fast_key(jax.random.fold_in(k, 9)), (128,)))(
            keys
        )

    fast = draw(keys)
    own = jax.jit(
        lambda keys: jax.vmap(lambda k: jax.random.normal(jax.random.fold_in(k, 9), (128,)))(keys)
    )(keys)
    np.testing.assert_array_equal(np.asarray(fast), np.asarray(own))
    # split and fold_in of a fast key follow the threefry key's own
    k = jax.random.key(4)
    np.testing.assert_array_equal(
        jax.random.key_data(jax.random.split(jh.fast_key(k), 3)),
        jax.random.key_data(jax.random.split(k, 3)),
    )


def test_raw_uint32_keys():
    key = jax.random.PRNGKey(8)
    np.testing.assert_array_equal(
        np.asarray(jax.random.normal(jh.fast_key(key), (50,))),
        np.asarray(jax.random.normal(key, (50,))),
    )


def test_other_implementations_pass_through():
    key = jax.random.key(0, impl="rbg")
    assert jh.fast_key(key) is key


def test_non_partitionable_mode_keeps_jax_stream():
    key = jax.random.key(6)
    with jax.threefry_partitionable(False):
        a = jax.random.normal(jh.fast_key(key), (40,))
        b = jax.random.normal(key, (40,))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # and that stream really is another one (so the check above is not vacuous)
    assert not np.array_equal(np.asarray(b), np.asarray(jax.random.normal(key, (40,))))


def test_euler_maruyama_noise_is_jax_normal_of_the_step_key():
    """One step of ``dy = σ dW`` from 0: y = σ√dt·ξ with ξ the normal of the step's key."""
    step = jh.euler_maruyama_step(lambda m, t, y: jnp.zeros_like(y), lambda m, t, y: 2.0, dt=0.25)
    key = jax.random.key(1)
    sol = jh.integrate(step, None, jnp.zeros(64), num_steps=3, dt=0.25, key=key, save_every=1)
    for i in range(3):
        (leaf_key,) = jax.random.split(jax.random.fold_in(key, i), 1)
        increment = sol.ys[i + 1] - sol.ys[i]
        np.testing.assert_allclose(
            np.asarray(increment),
            2.0 * 0.5 * np.asarray(jax.random.normal(leaf_key, (64,))),
            rtol=1e-6,
            atol=1e-6,
        )
