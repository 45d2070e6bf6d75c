"""Start-up of the ``jaxhop`` command: argument errors, ``--help`` and ``--version`` answer
without importing JAX (or numpy); every option's help states its default; the command's
persistent compilation cache (docs/getting-started.md)."""

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import jaxhop
from jaxhop import cli

ROOT = Path(jaxhop.__file__).resolve().parents[1]
HEAVY = ("jax", "jaxlib", "numpy", "equinox", "optax", "diffrax", "matplotlib", "scipy")

# Calls main(argv) for each argv given as JSON, and after each prints which heavy modules the
# process has imported so far: a structural check, not a timing one.
_PROBE = """
import json, sys
from jaxhop.cli import main
heavy = {heavy!r}
for argv in json.loads(sys.argv[1]):
    try:
        code = main(argv)
    except SystemExit as exit:
        code = exit.code
    loaded = sorted(name for name in heavy if name in sys.modules)
    print(json.dumps({{"argv": argv, "code": code, "loaded": loaded}}), file=sys.__stdout__)
"""


def _probe(argvs, **env):
    result = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), json.dumps(argvs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{"argv"')]
    assert len(lines) == len(argvs), result.stderr
    return lines, result.stderr


BAD_ARGUMENTS = [
    ["saliency", "--kappa", "-1", "--z0", "3"],
    ["saliency", "--kappa", "abc", "--z0", "3"],
    ["saliency", "--kappa", "5", "--z0", "3", "--steps", "-1"],
    ["fit-period", "--target", "0.5"],
    ["fit-period", "--target", "1.5", "--tol", "-1"],
    ["sequence", "--kappa", "-1", "--z0", "3"],
    ["sequence", "--kappa", "5", "--z0", "3", "--size", "63"],
    ["sequence", "--kappa", "5", "--z0", "3", "--method", "adiabatic", "--dt", "0.1"],
    ["dam-recall", "--order", "1"],
    ["dam-recall", "--m0", "2"],
    ["dam-capacity", "--sizes", "64"],
    ["dam-capacity", "--m0", "0"],
    ["firing-rate", "phase-diagram", "--size", "7"],
    ["ssm", "train", "--lr", "-1"],
    ["ssm", "train", "--task", "induction", "--k", "3"],
    ["sweep"],
    ["sweep", "phase.toml", "--worker", "5/2"],
    ["sweep", "phase.toml", "--chunk-size", "0"],
    ["nope"],
    [],
]


def test_argument_errors_import_no_jax():
    results, stderr = _probe(BAD_ARGUMENTS)
    for result in results:
        assert result["code"] == 2, result
        assert result["loaded"] == [], result  # e.g. ["jax", "numpy"] once a check is late
    assert "Traceback" not in stderr


def test_help_and_version_import_no_jax():
    parser = cli.build_parser()
    commands = [path for path, _ in _walk(parser, ()) if path]
    argvs = [["--help"], ["--version"], *([*path, "--help"] for path in commands)]
    results, _ = _probe(argvs)
    assert {len(commands), *(r["code"] for r in results)} == {len(commands), 0}
    assert all(result["loaded"] == [] for result in results), results


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...]):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*path, name))


_FLAGS = (argparse._StoreTrueAction, argparse._StoreConstAction, argparse._VersionAction)


def _help_problems(parser: argparse.ArgumentParser) -> list[str]:
    """Options of `parser` (and its subcommands) without help, or whose help does not state a
    default that is neither ``None`` nor a flag's ``False``."""
    problems = []
    for path, sub in _walk(parser, ("jaxhop",)):
        formatter = sub._get_formatter()
        for action in sub._actions:
            if isinstance(action, (argparse._SubParsersAction, argparse._HelpAction)):
                continue
            name = " ".join(path) + " " + ("/".join(action.option_strings) or action.dest)
            if not (action.help or "").strip():
                problems.append(f"{name}: no help")
                continue
            if action.default in (None, argparse.SUPPRESS) or isinstance(action, _FLAGS):
                continue
            text = formatter._expand_help(action)
            shown = re.escape(str(action.default))
            if not re.search(rf"\bdefault:? {shown}(?![\w.])", text):
                problems.append(f"{name}: default {action.default!r} not in {text!r}")
    return problems


def test_every_option_has_help_that_states_its_default():
    assert _help_problems(cli.build_parser()) == []


def test_the_help_check_can_fail():
    parser = cli._Parser(prog="jaxhop")
    parser.add_argument("--bare", type=int, default=3)
    parser.add_argument("--quiet-default", type=int, default=7, help="seven")  # shown by us
    parser.add_argument("--hidden", type=int, default=7, help="x (default: %(default)s)")
    plain = argparse.ArgumentParser(prog="jaxhop")  # argparse's own formatter shows no default
    plain.add_argument("--count", type=int, default=5, help="how many")
    assert _help_problems(parser) == ["jaxhop --bare: no help"]
    assert _help_problems(plain) == ["jaxhop --count: default 5 not in 'how many'"]


def test_help_shows_defaults_of_choices_and_floats():
    text = cli.build_parser()._subparsers._group_actions[0].choices["dam-recall"].format_help()
    assert "(default: krotov)" in text and "(default: 0.2)" in text
    assert "(default 3)" in text and "(default: 3)" not in text  # stated once


# ---------------------------------------------------------------- the compilation cache


@pytest.mark.parametrize(
    "setting, expected",
    [
        (None, "{xdg}/jaxhop/jax"),
        ("1", "{xdg}/jaxhop/jax"),
        ("0", None),
        ("off", None),
        ("{tmp}/elsewhere", "{tmp}/elsewhere"),
    ],
)
def test_compilation_cache_dir(monkeypatch, tmp_path, setting, expected):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if setting is None:
        monkeypatch.delenv(cli.COMPILATION_CACHE_ENV, raising=False)
    else:
        monkeypatch.setenv(cli.COMPILATION_CACHE_ENV, setting.format(tmp=tmp_path))
    folder = cli.compilation_cache_dir()
    if expected is None:
        assert folder is None
    else:
        assert folder == Path(expected.format(xdg=tmp_path / "xdg", tmp=tmp_path))


def test_compilation_cache_without_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.delenv(cli.COMPILATION_CACHE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cli.compilation_cache_dir() == tmp_path / ".cache" / "jaxhop" / "jax"


def _run_command(tmp_path, **env):
    return subprocess.run(
        [sys.executable, "-m", "jaxhop", "saliency", "--kappa", "5", "--z0", "3", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("JAX_")},
            "PYTHONPATH": str(ROOT),
            "XDG_CACHE_HOME": str(tmp_path / "xdg"),
            **env,
        },
        timeout=120,
    )


def test_a_command_imports_jax_and_fills_its_cache(tmp_path):
    """The probe can fail (a command that computes imports JAX in it), and that command writes
    its compiled programs to the cache folder."""
    argv = ["saliency", "--kappa", "5", "--z0", "3", "--steps", "2", "--json"]
    results, stderr = _probe([argv], **{cli.COMPILATION_CACHE_ENV: str(tmp_path / "cache")})
    assert results[0]["code"] == 0 and "jax" in results[0]["loaded"], stderr
    entries = [path.name for path in (tmp_path / "cache").iterdir()]
    assert any(name.startswith("jit_") for name in entries), entries


@pytest.mark.slow
def test_the_cache_can_be_turned_off(tmp_path):
    off = _run_command(tmp_path, **{cli.COMPILATION_CACHE_ENV: "0"})
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)["regime"] == "periodic"
    assert not (tmp_path / "xdg").exists()  # nothing written to the default folder


def test_main_in_a_jax_process_leaves_jax_configuration_alone(capsys, monkeypatch):
    import jax

    monkeypatch.delenv("JAX_COMPILATION_CACHE_DIR", raising=False)
    before = jax.config.jax_compilation_cache_dir
    assert cli.main(["saliency", "--kappa", "5", "--z0", "3", "--steps", "2", "--json"]) == 0
    capsys.readouterr()
    assert jax.config.jax_compilation_cache_dir == before
    assert "JAX_COMPILATION_CACHE_DIR" not in os.environ


# ---------------------------------------------------------------- the lazy package faces

PACKAGES = ["jaxhop", *(f"jaxhop.{n}" for n in ("saliency", "idp", "dam", "firing_rate", "ssm"))]


@pytest.mark.parametrize("package", [*PACKAGES, "jaxhop.sweep"])
def test_every_listed_name_resolves_and_is_in_dir(package):
    import importlib

    module = importlib.import_module(package)
    assert module.__all__ and len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match=f"{package}' has no attribute 'no_such_name'"):
        module.no_such_name  # noqa: B018


_FRESH = """
import sys
import jaxhop, jaxhop.saliency, jaxhop.idp, jaxhop.dam, jaxhop.firing_rate, jaxhop.ssm
import jaxhop.sweep
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
import jaxhop.fit  # directly, not through jh.fit: the κ-fit names must still be there
print(heavy, jaxhop.fit.fit_kappa_to_period is jaxhop.saliency.fit_kappa_to_period,
      "KappaFit" in dir(jaxhop.fit))
"""


def test_importing_the_packages_imports_no_jax_and_jh_fit_keeps_its_names():
    result = subprocess.run(
        [sys.executable, "-c", _FRESH.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.stdout.split() == ["[]", "True", "True"], result.stderr


def test_a_submodule_is_reachable_as_an_attribute_of_a_lazy_package():
    # the eager package imported every submodule, so `jh.saliency._map` worked; it still does
    code = (
        "import jaxhop as jh\n"
        "assert jh.saliency._map.__name__ == 'jaxhop.saliency._map'\n"
        "try:\n    jh.saliency.no_such_name\nexcept AttributeError:\n    pass\n"
        "else:\n    raise SystemExit('no AttributeError')\n"
    )
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert child.returncode == 0, child.stderr


# A diverged simulation is refused without a host callback (JAX's persistent compilation cache
# stores no program holding one, so `equinox.error_if` made every such program recompile on
# each run): concrete, FloatingPointError; traced, the observations and final state are NaN.


def _idp_case():
    import jax.numpy as jnp

    import jaxhop as jh

    net = jh.idp.IDPNetwork(jh.idp.hadamard_memories(16, 2), activation="hardtanh")
    schedule = jh.idp.SaliencySchedule(jnp.array([0.0, 1e4]), jnp.array([[1.5, 0.5]]))

    def run(y0, **kw):
        return jh.idp.simulate(net, schedule, y0, **kw)

    return run, 16


def _firing_rate_case():
    import jax

    from jaxhop import firing_rate as fr

    xi = fr.bernoulli_patterns(jax.random.PRNGKey(0), 20, 2, 0.2)
    net = fr.FiringRateNetwork.designed(xi, fr.Sigmoid(4.8, 0.2), a=-0.3, b=0.95)

    def run(x0, **kw):
        return fr.simulate(net, x0, **kw)

    return run, 20


@pytest.mark.parametrize("case", [_idp_case, _firing_rate_case])
def test_a_diverged_run_raises_concrete_and_is_nan_under_jit_without_a_callback(case):
    import equinox as eqx
    import jax
    import jax.numpy as jnp
    import numpy as np

    run, n = case()
    # explicit Euler with dt = 3 on the leak −y multiplies y by (1 − 3) each step: |y| = 2^300
    with pytest.raises(FloatingPointError, match="diverged"):
        run(jnp.ones(n), t1=900.0, dt=3.0, save_every=1)
    jitted = eqx.filter_jit(jax.vmap(lambda y0: run(y0, t1=1.0, save_every=10)))
    good = jnp.full(n, 0.5)
    sol = jitted(jnp.stack([good, good.at[3].set(jnp.nan)]))
    ys, final = np.asarray(sol.ys), np.asarray(sol.final)
    assert np.all(np.isfinite(ys[0])) and np.all(np.isfinite(final[0]))  # the good trial
    assert np.all(np.isnan(ys[1])) and np.all(np.isnan(final[1]))  # flagged, none plausible
    eager = run(good, t1=1.0, save_every=10)
    np.testing.assert_allclose(ys[0], np.asarray(eager.ys), rtol=1e-5, atol=1e-6)
    assert "callback" not in jitted.lower(jnp.stack([good, good])).as_text()
