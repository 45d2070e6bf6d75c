"""The house rules, read from the code's imports: shared rooms name no model family, only the
composition roots list the families, and every family's workload is on the one list."""

import ast
import importlib
from pathlib import Path

import pytest

import jaxhop as jh
from jaxhop import _workloads, cli, demo

PACKAGE = Path(jh.__file__).parent
FAMILIES = ("saliency", "idp", "dam", "firing_rate", "ssm")
SHARED = [
    PACKAGE / "_checks.py",
    PACKAGE / "_memory.py",
    PACKAGE / "_integrate.py",
    PACKAGE / "_random.py",
    PACKAGE / "_progress.py",
    PACKAGE / "_report.py",
    PACKAGE / "_lazy.py",
    PACKAGE / "fit.py",
    PACKAGE / "plot.py",
    *sorted((PACKAGE / "sweep").glob("*.py")),
]


def _imported_modules(source: str, package: str) -> set[str]:
    """Every module an ``import`` anywhere in `source` (a module of `package`) names, as
    absolute names (``from . import x`` counts as ``package.x``)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _families_named(source: str, package: str) -> set[str]:
    found = set()
    for module in _imported_modules(source, package):
        parts = module.split(".")
        if len(parts) >= 2 and parts[0] == "jaxhop" and parts[1] in FAMILIES:
            found.add(parts[1])
    return found


def _package_of(path: Path) -> str:
    return ".".join(("jaxhop", *path.relative_to(PACKAGE).parent.parts))


@pytest.mark.parametrize("path", SHARED, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_shared_rooms_import_no_family(path):
    assert _families_named(path.read_text(), _package_of(path)) == set()


@pytest.mark.parametrize(
    "source, package, family",
    [
        ("from .. import dam\n", "jaxhop.sweep", "dam"),
        ("def f():\n    from ..idp import _events\n", "jaxhop.sweep", "idp"),
        ("import jaxhop.ssm._train\n", "jaxhop", "ssm"),
        ("from . import saliency\n", "jaxhop", "saliency"),
        ("from jaxhop.firing_rate import _phase\n", "jaxhop", "firing_rate"),
    ],
)
def test_the_import_reader_sees_family_imports(source, package, family):
    """The check above can fail: each way of importing a family is seen."""
    assert _families_named(source, package) == {family}


def test_every_family_is_a_folder_with_its_cli():
    for family in FAMILIES:
        folder = PACKAGE / family
        assert (folder / "__init__.py").is_file(), family
        assert (folder / "_cli.py").is_file(), family
    assert not (PACKAGE / "saliency.py").exists()
    modules = [entry.partition(":")[0] for entry in cli.COMMAND_MODULES]
    for family in FAMILIES:
        assert f"jaxhop.{family}._cli" in modules, family


def test_workload_list_names_every_family_workload_module():
    on_disk = {
        f"jaxhop.{p.parent.name}._workload"
        for p in PACKAGE.glob("*/_workload.py")
        if p.parent.name in FAMILIES
    }
    assert on_disk == set(_workloads.WORKLOAD_MODULES)
    for module_name in _workloads.WORKLOAD_MODULES:
        workloads = importlib.import_module(module_name).WORKLOADS
        assert workloads and all(isinstance(w, jh.sweep.Workload) for w in workloads)
    assert set(_workloads.names()) == {
        "saliency",
        "sequence",
        "dam_recall",
        "firing_rate_stability",
    }


def test_demo_sections_live_in_their_families():
    for name, module_name in demo.DEMO_SECTIONS:
        assert module_name == f"jaxhop.{name}._demo"
        assert callable(importlib.import_module(module_name).demo_section)


def test_registry_loads_lazily_and_refuses_duplicates():
    registry = jh.sweep.WorkloadRegistry(["jaxhop.saliency._workload"])
    assert registry._loaded is False
    assert registry.names() == ("saliency",)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.get("saliency"))
    with pytest.raises(ValueError, match="must be one of"):
        registry.get("nope")
    with pytest.raises(TypeError, match="Workload"):
        registry.register("saliency")
