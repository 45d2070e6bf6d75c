"""Argument checks shared by the public functions (a shared room: it names no family).

The rule every public function follows:

- with **concrete** arguments (Python numbers, NumPy or committed JAX arrays), a value outside
  the function's domain raises ``ValueError`` naming the argument and its allowed range, before
  any work starts;
- with **traced** arguments (inside ``jit``, ``vmap``, ``grad``) nothing can be checked in
  Python: the function then returns a non-finite value (NaN) or its documented sentinel where
  an input is outside the domain, never a plausible number.

:func:`is_traced` tells the two cases apart; :func:`check_real` and :func:`check_int` are the
concrete checks (they return at once for traced values); :func:`nan_unless` is the traced
counterpart. :func:`finite_or_flag` is the same rule for a run's *result* (a simulation that
diverged): concrete, it raises ``FloatingPointError``; traced, it turns the result into NaN.
Neither uses a host callback, so every program stays in JAX's persistent compilation cache
(which stores no program with one, e.g. ``equinox.error_if``). Functions that allocate by a
size argument estimate the bytes from their arguments and call :func:`check_memory`, which
refuses what exceeds :func:`memory_budget` (the memory available now, or
``$JAXHOP_MEMORY_BUDGET``), naming the largest size that fits.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool

from ._memory import MEMORY_BUDGET_ENV, budget_error, memory_budget

__all__ = [
    "INT32_MAX",
    "MEMORY_BUDGET_ENV",
    "is_traced",
    "check_real",
    "check_int",
    "check_finite",
    "check_memory",
    "memory_budget",
    "nan_unless",
    "finite_or_flag",
]

INT32_MAX = 2**31 - 1
"""The largest step count or size a loop counter (int32 in JAX's default mode) can hold."""


def is_traced(value: Any) -> bool:
    """Whether `value` (or any leaf of it) is a JAX tracer: its value is unknown in Python."""
    return any(isinstance(leaf, jax.core.Tracer) for leaf in jax.tree_util.tree_leaves(value))


def _range_text(lo, hi, lo_open, hi_open) -> str:
    if lo is not None and hi is not None:
        return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    if lo is not None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        return f"{'<' if hi_open else '<='} {hi:g}"
    return "finite"


def check_real(
    name: str,
    value: object,
    *,
    lo: float | int | None = None,
    hi: float | int | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    finite: bool = True,
) -> None:
    """Raise ``ValueError`` unless every element of a concrete `value` is a real number in
    the range given by `lo`/`hi` (closed unless `lo_open`/`hi_open`), and finite when
    `finite`. Traced values pass unchecked (see :func:`nan_unless`)."""
    if type(value) is float or type(value) is int:
        # the common case, a Python number: checked without NumPy or building the message
        # (≈ 1 µs instead of ≈ 60 µs; every public function checks its float arguments)
        try:
            x = float(value)
        except OverflowError:  # an int beyond float range: the general path reports it
            x = math.nan
        if _real_ok(x, lo, hi, lo_open, hi_open, finite):
            return
    elif is_traced(value):
        return

    def what() -> str:
        text = _range_text(lo, hi, lo_open, hi_open)
        finite_text = "a finite number" if finite else "a number"
        return f"{name} must be {finite_text}" + ("" if text == "finite" else f" {text}")

    if isinstance(value, (str, bytes)) or value is None:
        raise ValueError(f"{what()}; got {value!r}")
    try:
        values = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what()}; got {value!r}") from error
    if values.dtype == object or not (
        np.issubdtype(values.dtype, np.number) or np.issubdtype(values.dtype, np.bool_)
    ):
        raise ValueError(f"{what()}; got {value!r}")
    if np.issubdtype(values.dtype, np.complexfloating):
        raise ValueError(f"{what()} (real); got {value!r}")
    values = values.astype(np.float64)
    bad = np.zeros(values.shape, bool)
    if finite:
        bad |= ~np.isfinite(values)
    else:
        bad |= np.isnan(values)
    with np.errstate(invalid="ignore"):
        if lo is not None:
            bad |= (values <= lo) if lo_open else (values < lo)
        if hi is not None:
            bad |= (values >= hi) if hi_open else (values > hi)
    if bad.any():
        raise ValueError(f"{what()}; got {values[bad].ravel()[0].item()!r}")


def _real_ok(x: float, lo, hi, lo_open: bool, hi_open: bool, finite: bool) -> bool:
    # the same test as the array path of check_real, for one Python float
    if math.isnan(x) or (finite and math.isinf(x)):
        return False
    if lo is not None and (x <= lo if lo_open else x < lo):
        return False
    return hi is None or not (x >= hi if hi_open else x > hi)


def check_int(name: str, value: Any, *, lo: int | None = None, hi: int | None = INT32_MAX) -> int:
    """Return `value` as a Python ``int`` if it is an integer (not a bool, not a float with a
    fraction) in ``[lo, hi]``; otherwise raise ``ValueError`` naming `name` and the range.
    The default upper bound is :data:`INT32_MAX` (JAX's loop counters and shapes)."""
    if lo is not None and hi is not None:
        text = f"an integer in [{lo}, {hi}]"
    elif lo is not None:
        text = f"an integer >= {lo}"
    elif hi is not None:
        text = f"an integer <= {hi}"
    else:
        text = "an integer"
    if isinstance(value, (bool, np.bool_)) or is_traced(value):
        raise ValueError(f"{name} must be {text} (a concrete Python int); got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and value.is_integer():
            number = int(value)
        else:
            raise ValueError(f"{name} must be {text}; got {value!r}") from None
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise ValueError(f"{name} must be {text}; got {number}")
    return int(number)


def nan_unless(ok: Bool[ArrayLike, ...], value: ArrayLike) -> Array:
    """``value`` where `ok`, NaN elsewhere: what a function returns under ``jit`` for inputs
    outside its domain (``value`` is cast to a floating dtype if needed)."""
    value = jnp.asarray(value)
    if not jnp.issubdtype(value.dtype, jnp.inexact):
        value = value.astype(jnp.result_type(float))
    return jnp.where(ok, value, jnp.nan)


def finite_or_flag(message: str, check: Any, flagged: Any) -> Any:
    """Refuse a run whose `check` pytree (e.g. its final state) holds a non-finite value.

    Concrete `check`: raise ``FloatingPointError(message)`` if any element is non-finite, else
    return `flagged` unchanged. Traced `check` (under ``jit``/``vmap``): return `flagged` with
    every floating leaf NaN wherever `check` is not all finite (a diverged run's observations
    come back non-finite, never plausible numbers, e.g. ``tanh`` of an infinite state); integer
    leaves are left as they are. Under ``vmap`` the flag is per example."""
    leaves = jax.tree_util.tree_leaves(check)
    if not is_traced(check):
        if not all(np.all(np.isfinite(np.asarray(leaf))) for leaf in leaves):
            raise FloatingPointError(message)
        return flagged
    ok = jnp.all(jnp.asarray([jnp.all(jnp.isfinite(leaf)) for leaf in leaves]))

    def flag(leaf):
        if leaf is None or not jnp.issubdtype(jnp.result_type(leaf), jnp.inexact):
            return leaf
        return jnp.where(ok, leaf, jnp.asarray(jnp.nan, jnp.result_type(leaf)))

    return jax.tree_util.tree_map(flag, flagged)


def check_finite(name: str, value: object) -> None:
    """Raise ``ValueError`` unless every element of a concrete `value` (real or complex) is
    finite; traced values pass unchecked."""
    if is_traced(value) or value is None:
        return
    try:
        values = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of finite numbers; got {value!r}") from error
    if not (np.issubdtype(values.dtype, np.number) or np.issubdtype(values.dtype, np.bool_)):
        raise ValueError(f"{name} must be an array of finite numbers; got dtype {values.dtype}")
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"{name} must be finite; got {values[bad].ravel()[0].item()!r} "
            f"({int(bad.sum())} non-finite of {values.size})"
        )


def check_memory(name: str, value: int, need: Callable[[int], float], *, lo: int = 1) -> None:
    """Raise ``ValueError`` if ``need(value)`` bytes (an estimate from the arguments, made
    before any work) exceed :func:`memory_budget`; the message names `name`, the estimate,
    the budget and the largest value in ``[lo, value]`` that fits (`need` must grow with its
    argument), and how to change the budget (:func:`jaxhop._memory.budget_error`)."""
    message = budget_error(name, value, need, lo=lo)
    if message is not None:
        raise ValueError(message)
