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
import json
import os
import re
import subprocess
import sys
from pathlib import Path

# Document this checkout's jaxhop, not whichever one is installed (the `mkdocs` script does not
# put the working directory on the path).
ROOT = Path(__file__).resolve().parents[2]
if sys.path[:1] != [str(ROOT)]:
    sys.path.insert(0, str(ROOT))

MARKER = "<!-- jaxhop-cli-reference -->"
API_MARKER = re.compile(r"<!-- jaxhop-api: ([\w.]+) -->")
WIDTH = 80


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
    import jaxhop
    from jaxhop.cli import build_parser

    _check_origin(jaxhop)

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


def _check_origin(module) -> None:
    if not Path(module.__file__).resolve().is_relative_to(ROOT):
        raise RuntimeError(f"documenting {module.__file__}, not this checkout ({ROOT})")


def public_names(module_name: str) -> list[str]:
    """The public names of `module_name`: ``__all__``, else non-underscore non-module names."""
    module = importlib.import_module(module_name)
    _check_origin(module)
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


_RENDERED: dict[str, str] = {}


def _from_checkout(modules: list[str]) -> dict[str, str]:
    """Render the CLI reference and the API blocks of `modules` in a fresh interpreter, so
    that this checkout's jaxhop is the one imported (in the mkdocs process an installed jaxhop
    may have been imported already). One subprocess: jax is imported once."""
    result = subprocess.run(
        [sys.executable, __file__, *modules], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{Path(__file__).name} failed:\n{result.stderr}")
    return json.loads(result.stdout)


def on_pre_build(config) -> None:
    modules = sorted(
        {
            match.group(1)
            for page in Path(config["docs_dir"]).rglob("*.md")
            for match in API_MARKER.finditer(page.read_text(encoding="utf-8"))
        }
    )
    _RENDERED.clear()
    _RENDERED.update(_from_checkout(modules))


def on_page_markdown(markdown: str, page, config, files) -> str:
    if MARKER in markdown:
        markdown = markdown.replace(MARKER, _RENDERED["cli"])
    return API_MARKER.sub(lambda match: _RENDERED[match.group(1)], markdown)


if __name__ == "__main__":
    rendered = {"cli": render(), **{name: render_api(name) for name in sys.argv[1:]}}
    print(json.dumps(rendered))
