"""The workload list: which families' sweep workloads ``jaxhop sweep CONFIG.toml`` can run.

A composition root, like :mod:`jaxhop.cli` and :mod:`jaxhop.demo`: the one place that names
the families' workload modules. Each family owns its point functions (``<family>/_workload.py``,
a ``WORKLOADS`` tuple of :class:`jaxhop.sweep.Workload`); the registry in :mod:`jaxhop.sweep`
imports them only when a workload is first looked up.

Adding a workload: define it in its family's ``_workload.py`` (or call :func:`register` with
your own at run time).
"""

from __future__ import annotations

from .sweep._workload import Workload, WorkloadRegistry

__all__ = ["WORKLOAD_MODULES", "REGISTRY", "Workload", "register", "get", "names", "bind"]

# Modules that define ``WORKLOADS``, in the order ``jaxhop sweep --list`` is documented.
WORKLOAD_MODULES: tuple[str, ...] = (
    "jaxhop.saliency._workload",
    "jaxhop.idp._workload",
    "jaxhop.dam._workload",
    "jaxhop.firing_rate._workload",
)

REGISTRY = WorkloadRegistry(WORKLOAD_MODULES)
register = REGISTRY.register
get = REGISTRY.get
names = REGISTRY.names
bind = REGISTRY.bind


def register_command(subparsers) -> None:
    """Add ``jaxhop sweep`` / ``sweep-plot``, running the workloads of :data:`REGISTRY`."""
    from .sweep._cli import register as register_sweep

    register_sweep(subparsers, workloads=REGISTRY)
