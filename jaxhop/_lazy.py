"""Lazy package faces: a package's public names are imported on first use, not with the package.

``import jaxhop`` (and every family's ``__init__.py``) must not import JAX: the ``jaxhop``
command imports each family's ``_cli`` module to build its parser, and an argument error or
``--help`` should answer in a fraction of a second (docs/getting-started.md). A package using
this module lists its public names as ordinary imports under ``if TYPE_CHECKING:`` — what type
checkers and the documentation's static reader (griffe) see — and calls::

    __getattr__, __dir__, __all__ = attach(__name__)

:func:`attach` reads those imports from the package's own source, so the list exists once.
A name is imported the first time it is looked up (PEP 562 module ``__getattr__``) and then
cached in the package's namespace; ``__all__`` lists every name, ``dir()`` shows them all.
"""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import sys
from collections.abc import Callable

__all__ = ["attach", "load_all"]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _lazy_imports(package: str) -> dict[str, tuple[str, str | None]]:
    """``public name -> (absolute module, attribute or None for the module itself)`` for every
    ``from .x import y as y`` / ``from . import x as x`` under ``if TYPE_CHECKING:`` in the
    source of `package`'s ``__init__.py``."""
    spec = sys.modules[package].__spec__
    source = spec.loader.get_source(package) if spec is not None and spec.loader else None
    if source is None:
        raise ImportError(f"{package}: the lazy import list needs the package's source")
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and _is_type_checking(node.test)):
            continue
        for statement in node.body:
            if not (isinstance(statement, ast.ImportFrom) and statement.level == 1):
                raise ImportError(
                    f"{package}: only relative 'from . import' statements may stand under "
                    f"'if TYPE_CHECKING:' (line {statement.lineno})"
                )
            for alias in statement.names:
                public = alias.asname or alias.name
                if statement.module is None:  # from . import family as family
                    names[public] = (f"{package}.{alias.name}", None)
                else:
                    names[public] = (f"{package}.{statement.module}", alias.name)
    return names


def attach(package: str) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """The ``__getattr__``, ``__dir__`` and ``__all__`` of the lazy package `package` (its
    ``__name__``; call this from its ``__init__.py``)."""
    names = _lazy_imports(package)

    def __getattr__(name: str) -> object:
        if name not in names:
            # a submodule not imported yet (``jh.saliency._map``): what the eager package
            # gave, since its imports had loaded every submodule. Dunder probes (inspect,
            # pickle, copy) name no submodule: answered without searching the disk.
            if name.startswith("__"):
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
            spec = sys.modules[package].__spec__
            paths = getattr(spec, "submodule_search_locations", None) or []
            if importlib.machinery.PathFinder.find_spec(name, list(paths)) is not None:
                return importlib.import_module(f"{package}.{name}")
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, attribute = names[name]
        module = importlib.import_module(module_name)
        value = module if attribute is None else getattr(module, attribute)
        setattr(sys.modules[package], name, value)  # looked up once
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names))

    return __getattr__, __dir__, list(names)


def load_all(package: str) -> None:
    """Import every public name of `package` and of the lazy packages among them, as a
    non-lazy ``import`` would (e.g. for an import hook that must see every module)."""
    module = importlib.import_module(package)
    for name in getattr(module, "__all__", ()):
        value = getattr(module, name)
        if getattr(value, "__name__", None) == f"{package}.{name}" and hasattr(value, "__path__"):
            load_all(value.__name__)
