"""Package hygiene: every public function and method carries type hints; the default outputs of
the README's and the docs' example commands are git-ignored."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

import jaxhop

ROOT = Path(__file__).resolve().parents[1]

# Composition roots that another change owns; each entry must still lack hints (so that, once
# fixed, the test says to drop it), and no new entries may appear.
PENDING: set[str] = set()


def _modules():
    names = ["jaxhop"] + [
        m.name
        for m in pkgutil.walk_packages(jaxhop.__path__, "jaxhop.")
        if not m.name.endswith("__main__")
    ]
    return [importlib.import_module(name) for name in names]


def _unhinted(fn, *, method: bool = False, init: bool = False) -> list[str]:
    sig = inspect.signature(fn)
    params = list(sig.parameters.values())[1 if method else 0 :]
    missing = [p.name for p in params if p.annotation is inspect.Parameter.empty]
    if sig.return_annotation is inspect.Signature.empty and not init:
        missing.append("return")
    return missing


def _public_callables():
    seen = set()
    for module in _modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj) and obj.__module__.startswith("jaxhop"):
                key = f"{obj.__module__}.{obj.__qualname__}"
                if key not in seen:
                    seen.add(key)
                    yield key, obj, False
            elif inspect.isclass(obj) and obj.__module__.startswith("jaxhop"):
                for attr, value in vars(obj).items():
                    if attr.startswith("_") and attr != "__call__":
                        continue
                    fn = value.fget if isinstance(value, property) else value
                    fn = getattr(fn, "__func__", fn)
                    if not inspect.isfunction(fn):
                        continue
                    key = f"{obj.__module__}.{obj.__qualname__}.{attr}"
                    if key not in seen:
                        seen.add(key)
                        yield key, fn, not isinstance(value, staticmethod)


def test_every_public_function_and_method_is_hinted():
    found = {key: _unhinted(fn, method=method) for key, fn, method in _public_callables()}
    assert len(found) > 100  # the walk reaches the families
    lacking = {key: miss for key, miss in found.items() if miss}
    new = {k: v for k, v in lacking.items() if k not in PENDING}
    assert not new, f"public callables without type hints: {new}"
    fixed = sorted(PENDING - set(lacking))
    assert not fixed, f"now hinted, drop from PENDING: {fixed}"


def test_the_walk_sees_a_missing_hint():
    def bad(x, y: int):
        return x

    assert _unhinted(bad) == ["x", "return"]


def _default_outputs() -> set[str]:
    """Directories the README's and the docs' commands write by default."""
    outs = set()
    for config in (ROOT / "examples").glob("*.toml"):
        out = tomllib.loads(config.read_text()).get("out")
        if out:
            outs.add(str(out))
    demo = (ROOT / "jaxhop" / "demo.py").read_text()
    outs.update(re.findall(r'default_out="([^"]+)"', demo))
    text = (ROOT / "README.md").read_text() + (ROOT / "docs" / "getting-started.md").read_text()
    outs.update(re.findall(r"--out ([a-z][a-z0-9_.-]*)", text))
    outs.update(re.findall(r"--to ([a-z][a-z0-9_./-]*)", text))  # sweep-export targets
    outs.add("site")  # mkdocs build
    return {o for o in outs if not o.startswith("/")}


@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)
def test_default_outputs_are_git_ignored():
    outs = _default_outputs()
    assert {"jaxhop-out", "sweep-out/saliency_phase", "site"} <= outs
    for out in sorted(outs):
        probe = f"{out}/figure.png"
        result = subprocess.run(
            ["git", "check-ignore", "-q", probe], cwd=ROOT, capture_output=True, check=False
        )
        assert result.returncode == 0, f"{probe} (a default output) is not git-ignored"
