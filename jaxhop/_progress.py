"""Progress bars for long work (tqdm on stderr, off with ``quiet``)."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from tqdm.auto import tqdm

__all__ = ["progress"]


def progress(
    iterable: Iterable | None = None,
    *,
    total: int | None = None,
    desc: str | None = None,
    quiet: bool = False,
    unit: str = "it",
) -> tqdm:
    """A tqdm bar on stderr showing rate and ETA; a silent pass-through when ``quiet``."""
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        disable=quiet,
        file=sys.stderr,
        unit=unit,
        dynamic_ncols=True,
        leave=False,
    )
