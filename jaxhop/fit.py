"""Gradient-based inverse problems, driven by optax.

:func:`fit` is the one fitting loop every inverse problem in jaxhop uses: it minimises
``loss_fn(params, *args)`` with an optax optimizer inside a single jitted ``lax.while_loop``,
records the loss history, and stops early once the loss falls below ``tol``. Because the loop
is pure JAX, a whole fit can be ``vmap``-ed — :func:`jaxhop.saliency.fit_kappa_to_period` fits
10⁴ targets in one call.

Optimizers that need the loss value (``optax.lbfgs`` with its line search) are supported:
every update receives ``value``, ``grad`` and ``value_fn`` as extra arguments.
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from jaxtyping import Array, Bool, Float, Int, PyTree

from ._checks import check_int, check_real

__all__ = ["FitResult", "fit", "MAX_HISTORY"]


def __getattr__(name: str):
    # the κ fits under their old names here (``jh.fit.fit_kappa_to_period``): the package's
    # face (``jaxhop/__init__.py``) says where they live, so that this module names no family
    import importlib

    from . import _FIT_ALIASES

    if name not in _FIT_ALIASES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_FIT_ALIASES[name]), name)


def __dir__() -> list[str]:
    from . import _FIT_ALIASES

    return sorted({*globals(), *_FIT_ALIASES})


MAX_HISTORY = 10_000
"""The default number of losses :func:`fit` records: a fit that may run up to 10⁹ steps but
stops after 7 allocates a history of ``min(steps, MAX_HISTORY)`` entries, not of 10⁹."""


class FitResult(eqx.Module):
    """Outcome of :func:`fit`.

    **Fields:** `params` (the fitted pytree), `losses` (the loss before each of the first
    ``history`` steps; entries after the stop are NaN, steps past ``history`` are not
    recorded), `steps` (optimizer steps taken), `loss` (final loss), `converged` (whether
    ``loss ≤ tol`` was reached, and the final loss is finite).
    """

    params: PyTree
    losses: Float[Array, " history"]
    steps: Int[Array, ""]
    loss: Float[Array, ""]
    converged: Bool[Array, ""]


def fit(
    loss_fn: Callable[..., Float[Array, ""]],
    params: PyTree,
    optimizer: optax.GradientTransformation | None = None,
    steps: int = 200,
    *,
    tol: float | None = None,
    args: tuple = (),
    history: int | None = None,
) -> FitResult:
    """Minimise ``loss_fn(params, *args)`` with an optax optimizer.

    **Arguments:**

    - `loss_fn`: scalar loss, differentiable in the inexact-array leaves of `params`.
    - `params`: initial parameters, any pytree (non-float leaves are held fixed).
    - `optimizer`: an optax transformation (default ``optax.adam(1e-2)``).
    - `steps`: maximum number of optimizer steps.
    - `tol`: stop as soon as the loss is ``≤ tol`` (default: run all `steps`).
    - `args`: extra arguments passed to `loss_fn` (arrays in it are traced, so changing their
      values does not recompile).
    - `history`: how many losses to record (default ``min(steps, MAX_HISTORY)``): memory is
      bounded by it, not by the cap `steps`.

    **Returns:** a :class:`FitResult`. Works under ``jax.vmap`` (batch over `params`/`args`).
    Raises ``ValueError`` for `steps` outside ``[1, 2³¹ − 1]``, a `tol` that is not a finite
    number ``≥ 0``, or `history` outside ``[1, steps]``.
    """
    steps = check_int("steps", steps, lo=1)
    if tol is not None:
        check_real("tol", tol, lo=0)
        tol = float(tol)
    history = min(steps, MAX_HISTORY) if history is None else history
    history = check_int("history", history, lo=1, hi=steps)
    optimizer = optax.adam(1e-2) if optimizer is None else optimizer
    return _fit(loss_fn, optimizer, steps, tol, params, args, history)


@eqx.filter_jit
def _fit(loss_fn, optimizer, steps, tol, params, args, history=None) -> FitResult:
    history = steps if history is None else history
    optimizer = optax.with_extra_args_support(optimizer)
    trainable, frozen = eqx.partition(params, eqx.is_inexact_array)

    def value_fn(trainable_):
        return loss_fn(eqx.combine(trainable_, frozen), *args)

    value_and_grad = jax.value_and_grad(value_fn)
    loss0 = value_fn(trainable)
    dtype = jnp.result_type(loss0)
    threshold = jnp.asarray(-jnp.inf if tol is None else tol, dtype)

    def cond(carry):
        i, _, _, loss, _ = carry
        return (i < steps) & ~(loss <= threshold)

    def body(carry):
        i, trainable_, opt_state, _, losses = carry
        loss, grads = value_and_grad(trainable_)
        losses = losses.at[i].set(loss, mode="drop")  # steps past `history`: not recorded
        # optax mixes its int32 step counters with float hyper-parameters: let it promote.
        with jax.numpy_dtype_promotion("standard"):
            updates, opt_state = optimizer.update(
                grads, opt_state, trainable_, value=loss, grad=grads, value_fn=value_fn
            )
        trainable_ = eqx.apply_updates(trainable_, updates)
        return i + 1, trainable_, opt_state, value_fn(trainable_), losses

    with jax.numpy_dtype_promotion("standard"):
        opt_state0 = optimizer.init(trainable)
    carry = (
        jnp.asarray(0, jnp.int32),
        trainable,
        opt_state0,
        loss0,
        jnp.full((history,), jnp.nan, dtype),
    )
    i, trainable, _, loss, losses = jax.lax.while_loop(cond, body, carry)
    return FitResult(
        params=eqx.combine(trainable, frozen),
        losses=losses,
        steps=i,
        loss=loss,
        converged=(loss <= threshold) & jnp.isfinite(loss),
    )
