"""Griffe extension: show Sphinx cross-reference roles in docstrings as inline code.

jaxhop's docstrings use Sphinx roles (``:func:`orbit```, ``:class:`~jaxhop.fit.FitResult```)
that mkdocstrings does not interpret; without this they would appear literally. Each role
becomes inline code of its target (``~`` keeps only the last dotted component, as in Sphinx).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:func|class|data|mod|meth|attr|obj|exc):`(~?)([^`]+)`")


def strip_roles(text: str) -> str:
    """``:role:`target``` → ```target```; ``:role:`~a.b.c``` → ```c```."""

    def replace(match: re.Match) -> str:
        target = match.group(2)
        return f"`{target.rsplit('.', 1)[-1] if match.group(1) else target}`"

    return ROLE.sub(replace, text)


class SphinxRoles(griffe.Extension):
    """Rewrite the roles of every loaded object's docstring before it is parsed."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = strip_roles(obj.docstring.value)
