"""The memory budget: byte sizes, the budget and the refusal of what exceeds it (a shared room:
it names no family, and imports no JAX, so the command can check sizes before importing it).

One grammar for every byte size jaxhop reads (``$JAXHOP_MEMORY_BUDGET``, a sweep's
``memory_budget``): a number, optionally followed by a unit, case-insensitive —
``K``/``M``/``G``/``T`` and ``KiB``/``MiB``/``GiB``/``TiB`` are powers of 1024,
``KB``/``MB``/``GB``/``TB`` powers of 1000, ``B`` or nothing bytes. So ``8G`` = ``8GiB`` =
8·2³⁰ and ``8GB`` = 8·10⁹.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable

__all__ = ["MEMORY_BUDGET_ENV", "parse_bytes", "available_memory", "memory_budget", "budget_error"]

MEMORY_BUDGET_ENV = "JAXHOP_MEMORY_BUDGET"
"""Environment variable overriding :func:`memory_budget`: bytes in the grammar of
:func:`parse_bytes`, e.g. ``JAXHOP_MEMORY_BUDGET=64G``."""

_UNITS = {"": 1, "b": 1}
for _power, _letter in enumerate("kmgt", start=1):
    _UNITS |= {_letter: 1024**_power, f"{_letter}ib": 1024**_power, f"{_letter}b": 1000**_power}


def parse_bytes(value: int | float | str, *, name: str = "memory_budget") -> int:
    """Bytes from a positive number or a string such as ``"512 MiB"``, ``"8G"``, ``"2GB"``,
    ``"1e9"`` (the module docstring gives the units); ``ValueError`` naming `name` otherwise."""
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([A-Za-z]*)\s*", value)
        unit = match.group(2).lower() if match else None
        if match is None or unit not in _UNITS:
            raise ValueError(
                f"{name} must be a byte count such as 8000000000, 8G, 512 MiB or 2 GB "
                f"(got {value!r})"
            )
        value = float(match.group(1)) * _UNITS[unit]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a positive number of bytes (got {value!r})")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive, finite number of bytes (got {value!r})")
    return int(value)


def available_memory() -> int:
    """What can be allocated now without swapping: ``MemAvailable`` of ``/proc/meminfo``,
    80% of the physical memory where that is unknown."""
    try:
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


def memory_budget() -> int:
    """Bytes a call may plan to allocate: ``$JAXHOP_MEMORY_BUDGET`` when set (e.g. ``64G``),
    otherwise :func:`available_memory`."""
    text = os.environ.get(MEMORY_BUDGET_ENV)
    if text is None or not text.strip():
        return available_memory()
    return parse_bytes(text, name=MEMORY_BUDGET_ENV)


def _gib(n: float | int) -> str:
    return f"{n / 2**30:.3g} GiB"


def budget_error(
    name: str,
    value: int,
    need: Callable[[int], float | int],
    *,
    lo: int = 1,
    allowed: Callable[[int], int] | None = None,
    sep: str = "=",
    budget: int | None = None,
) -> str | None:
    """``None`` if ``need(value)`` bytes (an estimate from the arguments, made before any work)
    fit :func:`memory_budget`; otherwise the message refusing it: `name`, the estimate, the
    budget, the largest value in ``[lo, value]`` that fits (by bisection — `need` must grow with
    its argument; ``allowed(v)`` rounds it down to a value the argument accepts) and how to
    change the budget. `sep` joins name and value (``"="`` for a Python argument, ``" "`` for a
    command-line flag); `budget` defaults to :func:`memory_budget`."""
    budget = memory_budget() if budget is None else budget
    estimate = need(value)
    if estimate <= budget:
        return None
    hint = f"set {MEMORY_BUDGET_ENV} (bytes, e.g. 64G) to change the budget"
    if need(lo) > budget:
        return (
            f"{name}{sep}{value} needs about {_gib(estimate)}, more than the memory budget of "
            f"{_gib(budget)}, and even {name}{sep}{lo} does not fit with the other arguments; "
            f"{hint}"
        )
    good, bad = lo, value
    while bad - good > 1:
        mid = (good + bad) // 2
        good, bad = (mid, bad) if need(mid) <= budget else (good, mid)
    good = good if allowed is None else allowed(good)
    return (
        f"{name}{sep}{value} needs about {_gib(estimate)}, more than the memory budget of "
        f"{_gib(budget)}; the largest {name} that fits is {good} ({hint})"
    )
