"""MkDocs hook: the command-line and API references, generated from the code at build time.

- ``<!-- jaxhop-cli-reference -->`` (in ``cli.md``) becomes the help text of the top-level
  parser and of every (nested) subcommand, taken from the argparse parsers themselves;
- ``<!-- jaxhop-api: MODULE -->`` (in ``api/*.md``) becomes a mkdocstrings block for MODULE
  whose members are every public name the module exposes at run time (its ``__all__`` when it
  has one, else every name without a leading underscore that is not a sub-module), so a name
  added to a family's ``__init__.py`` appears in the reference without editing the page.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import re

MARKER = "<!-- jaxhop-cli-reference -->"
API_MARKER = re.compile(r"<!-- jaxhop-api: ([\w.]+) -->")
WIDTH = 96


def _subcommands(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...]):
    yield path, parser
    for name, sub in _subcommands(parser):
        yield from _walk(sub, (*path, name))


def render() -> str:
    """Markdown for every parser of ``jaxhop``: one section and one help block per command."""
    from jaxhop.cli import build_parser

    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(WIDTH)  # argparse wraps to the terminal width: fix it
    try:
        sections = []
        for path, parser in _walk(build_parser(), ("jaxhop",)):
            title = " ".join(path)
            level = "#" * min(2 + max(len(path) - 2, 0), 4)
            sections.append(f"{level} `{title}`\n\n```text\n{parser.format_help().rstrip()}\n```\n")
        return "\n".join(sections)
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def public_names(module_name: str) -> list[str]:
    """The public names of `module_name`: ``__all__``, else non-underscore non-module names."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return sorted(
        name
        for name in vars(module)
        if not name.startswith("_") and not inspect.ismodule(getattr(module, name))
    )


def render_api(module_name: str) -> str:
    """A mkdocstrings block for `module_name` listing every public name as a member."""
    members = "\n".join(f"        - {name}" for name in public_names(module_name))
    return f"::: {module_name}\n    options:\n      members:\n{members}\n"


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, render())
    return API_MARKER.sub(lambda match: render_api(match.group(1)), markdown)
