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
counterpart. Functions that allocate by a size argument estimate the bytes from their arguments
and call :func:`check_memory`, which refuses what exceeds :func:`memory_budget` (the memory
available now, or ``$JAXHOP_MEMORY_BUDGET``), naming the largest size that fits.
"""

from __future__ import annotations

import math
import operator
import os
import re
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool

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
]

INT32_MAX = 2**31 - 1
"""The largest step count or size a loop counter (int32 in JAX's default mode) can hold."""

MEMORY_BUDGET_ENV = "JAXHOP_MEMORY_BUDGET"
"""Environment variable overriding :func:`memory_budget`: bytes, or a number with a suffix
``K``, ``M``, ``G``, ``T`` (powers of 1024), e.g. ``JAXHOP_MEMORY_BUDGET=64G`` (the same
variable and grammar as the command line's budget, ``docs/errors.md``)."""


def is_traced(value) -> bool:
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
    if is_traced(value):
        return
    text = _range_text(lo, hi, lo_open, hi_open)
    finite_text = "a finite number" if finite else "a number"
    what = f"{name} must be {finite_text}" + ("" if text == "finite" else f" {text}")
    if isinstance(value, (str, bytes)) or value is None:
        raise ValueError(f"{what}; got {value!r}")
    try:
        values = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{what}; got {value!r}") from error
    if values.dtype == object or not (
        np.issubdtype(values.dtype, np.number) or np.issubdtype(values.dtype, np.bool_)
    ):
        raise ValueError(f"{what}; got {value!r}")
    if np.issubdtype(values.dtype, np.complexfloating):
        raise ValueError(f"{what} (real); got {value!r}")
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
        raise ValueError(f"{what}; got {values[bad].ravel()[0].item()!r}")


def check_int(name: str, value, *, lo: int | None = None, hi: int | None = INT32_MAX) -> int:
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


def _parse_bytes(text: str) -> int:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([KMGT]?)i?B?\s*", text)
    value = math.nan
    if match is not None:
        number, unit = match.groups()
        value = float(number) * 1024 ** "_KMGT".index(unit or "_")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(
            f"{MEMORY_BUDGET_ENV} must be a byte count > 0 such as 8000000000 or 8G (got {text!r})"
        )
    return int(value)


def memory_budget() -> int:
    """Bytes a call may plan to allocate: ``$JAXHOP_MEMORY_BUDGET`` when set, otherwise the
    memory available now (``MemAvailable`` of ``/proc/meminfo``; 80% of the physical memory
    where that is unknown)."""
    text = os.environ.get(MEMORY_BUDGET_ENV)
    if text is not None and text.strip():
        return _parse_bytes(text)
    try:  # Linux: what can be allocated without swapping
        with open("/proc/meminfo") as file:
            for line in file:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(0.8 * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


def check_memory(name: str, value: int, need: Callable[[int], float], *, lo: int = 1) -> None:
    """Raise ``ValueError`` if ``need(value)`` bytes (an estimate from the arguments, made
    before any work) exceed :func:`memory_budget`; the message names `name`, the estimate,
    the budget and the largest value in ``[lo, value]`` that fits (`need` must grow with its
    argument), and how to change the budget."""
    budget = memory_budget()
    estimate = need(value)
    if estimate <= budget:
        return

    def gib(n):
        return f"{n / 2**30:.3g} GiB"

    hint = f"set {MEMORY_BUDGET_ENV} (bytes, e.g. 64G) to change the budget"
    if need(lo) > budget:
        raise ValueError(
            f"{name}={value} needs about {gib(estimate)}, more than the memory budget of "
            f"{gib(budget)}, and even {name}={lo} does not fit with the other arguments; {hint}"
        )
    good, bad = lo, value
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if need(mid) <= budget else (good, mid)
    raise ValueError(
        f"{name}={value} needs about {gib(estimate)}, more than the memory budget of "
        f"{gib(budget)}; the largest {name} that fits is {good} ({hint})"
    )
