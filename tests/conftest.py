"""Shared test configuration: strict dtype promotion, rank-promotion errors, a key fixture."""

import jax
import pytest

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def key():
    """A fresh PRNG key; tests split or fold it as they need."""
    return jax.random.key(0)


@pytest.fixture
def x64():
    """Run a test in float64 (restores the previous setting afterwards)."""
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


# Runtime shape/dtype checking of every jaxtyping annotation in the package (jaxtyping +
# beartype). The hook must be installed before jaxhop is first imported.
from jaxtyping import install_import_hook  # noqa: E402

with install_import_hook("jaxhop", "beartype.beartype"):
    import jaxhop  # noqa: E402, F401
    from jaxhop._lazy import load_all  # noqa: E402

    load_all("jaxhop")  # the package is lazy: import, under the hook, all that it exposes
