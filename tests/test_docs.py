"""The documentation site: ``mkdocs build --strict`` passes, and the built pages render.

The site is built once per session (notebooks rendered without executing them: the suite runs
them through nbmake already), then the home page and one family page are opened in headless
Chromium. A page "shows content" when its screenshot is mostly not blank and its DOM holds the
page title; it "shows its images" when the screenshot with images enabled differs clearly from
one of the same page with image loading switched off, and every ``<img>`` in the DOM points at a
file of the built site. The API and CLI references are checked against the code they document.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FAMILIES = ("saliency", "idp", "dam", "firing_rate", "ssm")

needs_mkdocs = pytest.mark.skipif(
    any(
        importlib.util.find_spec(name) is None
        for name in ("mkdocs", "material", "mkdocstrings_handlers", "mkdocs_jupyter")
    ),
    reason='mkdocs and its plugins are not installed (pip install -e ".[docs]")',
)


def _chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


needs_chromium = pytest.mark.skipif(
    _chromium() is None,
    reason="headless Chromium is not installed (Debian: apt-get install chromium; .ci/run does)",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = dict(
        os.environ,
        JAXHOP_DOCS_EXECUTE="false",
        JAXHOP_DOCS_CACHE="false",
        NO_MKDOCS_2_WARNING="1",
    )
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


def _chromium_run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--no-first-run",
        "--virtual-time-budget=8000",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def _screenshot(url: str, path: Path, *, images: bool = True) -> np.ndarray:
    import matplotlib.image

    extra = [] if images else ["--blink-settings=imagesEnabled=false"]
    result = _chromium_run(*extra, f"--screenshot={path}", "--window-size=1280,2400", url)
    assert path.exists(), result.stderr[-2000:]
    pixels = matplotlib.image.imread(path)[..., :3]  # floats in [0, 1]
    assert pixels.shape[0] > 1000 and pixels.shape[1] > 1000
    return pixels


def _dom(url: str) -> str:
    result = _chromium_run("--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@needs_mkdocs
@needs_chromium
@pytest.mark.parametrize(
    ("page", "title", "heading"),
    [
        ("index.html", "jaxhop", "jaxhop"),
        ("saliency/index.html", "saliency", "The saliency map of sequential retrieval"),
    ],
)
def test_built_page_renders_content_and_images(site, tmp_path, page, title, heading):
    path = site / page
    assert path.exists()
    url = path.as_uri()

    dom = _dom(url)
    page_title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert page_title and title in page_title.group(1).lower()
    assert heading in dom
    sources = re.findall(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", dom)
    assert sources, "the page has no <img>"
    for source in sources:
        target = urlparse(source)
        assert target.scheme in ("", "file"), source
        resolved = Path(unquote(target.path)) if target.scheme else (path.parent / unquote(source))
        assert resolved.resolve().is_file(), f"{source} is not a file of the built site"

    shot = _screenshot(url, tmp_path / "with.png")
    bare = _screenshot(url, tmp_path / "without.png", images=False)
    # content: a page of text, header and figure is far from a blank (uniform) screenshot
    non_white = np.any(shot < 0.92, axis=-1)
    assert non_white.mean() > 0.02, f"screenshot almost blank ({non_white.mean():.3%} ink)"
    assert np.unique(shot.reshape(-1, 3).round(2), axis=0).shape[0] > 50
    # images: enabling them changes a clear share of the pixels (the figure is painted)
    changed = np.any(np.abs(shot - bare) > 0.1, axis=-1)
    assert changed.mean() > 0.01, f"images change only {changed.mean():.3%} of the pixels"


def _public_names(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name in vars(module)
        if not name.startswith("_") and not inspect.ismodule(getattr(module, name))
    ]


@needs_mkdocs
@pytest.mark.parametrize("module", [*FAMILIES, "fit", "sweep"])
def test_api_reference_documents_every_public_name(site, module):
    html = (site / "api" / module / "index.html").read_text()
    anchors = set(re.findall(r'id="(jaxhop\.[\w.]+)"', html))
    names = _public_names(f"jaxhop.{module}")
    assert names
    missing = [name for name in names if f"jaxhop.{module}.{name}" not in anchors]
    assert not missing, f"jaxhop.{module}: not in the API reference: {missing}"


@needs_mkdocs
def test_api_reference_documents_the_engine(site):
    html = (site / "api" / "engine" / "index.html").read_text()
    for name in ("integrate", "euler_maruyama_step", "num_steps_for", "Solution", "fast_key"):
        assert f'id="jaxhop.{name}"' in html, name


@needs_mkdocs
def test_cli_reference_shows_the_help_of_every_command(site):
    import argparse

    from jaxhop.cli import build_parser

    html = (site / "cli" / "index.html").read_text()

    def walk(parser, path):
        yield path, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*path, name))

    commands = list(walk(build_parser(), ("jaxhop",)))
    assert len(commands) > 8
    for path, parser in commands:
        assert f"<code>{' '.join(path)}</code>" in html, path
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--"):
                    assert option in html, (path, option)


@needs_mkdocs
def test_every_notebook_is_a_page(site):
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for name in notebooks:
        page = site / "notebooks" / name / "index.html"
        assert page.exists(), name
        assert "jp-Cell" in page.read_text() or "jp-Notebook" in page.read_text(), name


def test_ci_runs_the_readme_test_command_and_installs_chromium():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^pip install -e \"\.\[test[^\n]*$", readme, re.M)
    assert len(commands) == 1, commands
    assert "docs" in commands[0] and "--nbmake" in commands[0]
    script = (ROOT / ".ci" / "run").read_text()
    lines = [line.strip() for line in script.splitlines()]
    assert "set -euo pipefail" in lines
    assert lines[-1] == commands[0], "the last line of .ci/run must be the README's command"
    assert "apt-get install" in script and "chromium" in script


@pytest.mark.slow
@pytest.mark.parametrize("page", ["index.md", "getting-started.md"])
def test_python_examples_of_the_page_run(page):
    text = (ROOT / "docs" / page).read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    namespace: dict = {}
    for block in blocks:  # in order, one namespace: later blocks use earlier imports
        exec(compile(block, f"docs/{page}", "exec"), namespace)
