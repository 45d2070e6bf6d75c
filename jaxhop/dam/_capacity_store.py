"""Resume for :func:`jaxhop.dam.dynamical_capacity`: measured points kept in a JSON file.

A capacity run at N ≥ 1024 takes an hour or more on a CPU. Every (N, M) point it measures —
the per-pattern-set success fractions — is written to the store as soon as it is measured,
under a key that names everything the numbers depend on (the PRNG key of the size, order,
variant, sets, trials per set, m0, steps, the maximal set and block the patterns are drawn
from, the storage and M). Running the same call again reads the points back instead of
simulating them, so an interrupted run continues where it stopped, and a run with more
sizes or a finer grid reuses what is there. A point whose key differs in anything is measured
anew: a store can hold several runs' points without mixing them.

No JAX import here: the CLI checks a ``--store`` path before it imports JAX.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["PointStore", "check_store_path"]

_FORMAT = "jaxhop.dam.dynamical_capacity points"
_VERSION = 1  # bump when what a point means changes: old points are then never reused


def check_store_path(path: str | os.PathLike) -> Path:
    """Return `path` as a ``Path`` if it can hold a store, else raise ``ValueError``: a
    directory, a path below an existing *file*, or an existing file that is not a store.
    Missing folders are created with the first point written."""
    path, _ = _open(path)
    return path


def _open(path: str | os.PathLike) -> tuple[Path, dict]:
    # the checks of check_store_path, and the points already stored (read once)
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"store {str(path)!r} is a directory; give a file name")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"store {str(path)!r}: {str(parent)!r} is a file, not a folder")
            break
    return path, (dict(_read(path)["points"]) if path.exists() else {})


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"store {str(path)!r} is not a readable JSON file: {error}") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise ValueError(f"store {str(path)!r} is not a dynamical-capacity store")
    if data.get("version") != _VERSION or not isinstance(data.get("points"), dict):
        raise ValueError(
            f"store {str(path)!r} has version {data.get('version')!r}, this jaxhop writes "
            f"{_VERSION}: use another file"
        )
    return data


class PointStore:
    """Per-set success fractions by point key, in memory and, when `path` is given, on disk
    (rewritten atomically after every new point)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path: Path | None = None
        self.points: dict[str, list[float]] = {}
        if path is not None:
            self.path, self.points = _open(path)
        self.reused = 0
        self.measured = 0

    @staticmethod
    def key(**fields: object) -> str:
        """A canonical string of the fields (sorted, JSON)."""
        return json.dumps(fields, sort_keys=True, separators=(",", ":"))

    def get(self, key: str) -> list[float] | None:
        value = self.points.get(key)
        if value is not None:
            self.reused += 1
        return value

    def put(self, key: str, fractions: list[float]) -> None:
        self.points[key] = [float(x) for x in fractions]
        self.measured += 1
        if self.path is None:
            return
        data = {"format": _FORMAT, "version": _VERSION, "points": self.points}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)  # a crash leaves the old store or the new, never half
