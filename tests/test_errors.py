"""Bad input is refused before work starts, and NaN never comes out as a plausible number.

Concrete arguments outside a function's domain raise ``ValueError`` naming the argument; the
same inputs under ``jit`` give NaN or the documented sentinel. CLI errors are exit 2 and one
line on stderr, checked before any tracing (sizes against the memory budget, counts against
int32, ``--out`` first).
"""

import contextlib
import io
import math
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxhop as jh
from jaxhop import cli
from jaxhop.cli import main

NAN = float("nan")


def run(argv):
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


# --- the NaN-in-finite-out cases of the issue, concrete: a ValueError naming the argument ---


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: jh.saliency.retrievals(NAN, 3.0, 10), "kappa"),
        (lambda: jh.saliency.collapse_index(NAN, 3.0), "kappa"),
        (lambda: jh.saliency.collapse_index(5.0, -1.0), "z0"),
        (lambda: jh.saliency.regime(NAN, 3.0), "kappa"),
        (lambda: jh.saliency.regime(5.0, math.inf), "z0"),
        (lambda: jh.saliency.cumulative_time(5.0, 3.0, -1), "n"),
        (lambda: jh.saliency.cumulative_time(5.0, 3.0, 1.5), "n"),
        (lambda: jh.saliency.kappa_for_period(1000.0), "target_period"),
        (lambda: jh.saliency.fixed_points(-1.0), "kappa"),
        (lambda: jh.saliency.saliency_map(5.0, 0.0), "z0"),
        (lambda: jh.saliency.orbit(5.0, 3.0, 2**31), "steps"),
        (lambda: jh.saliency.soft_retrievals(5.0, 3.0, 10, temperature=0.0), "temperature"),
        (lambda: jh.saliency.fit_kappa_to_period(2.0, tol=-1.0), "tol"),
        (lambda: jh.saliency.fit_kappa_to_period(2.0, tol=NAN), "tol"),
        (lambda: jh.saliency.fit_kappa_to_period(2.0, kappa0=NAN), "kappa0"),
        (lambda: jh.saliency.fit_kappa_to_dwell_times([1.0, NAN], 3.0), "target_dwells"),
        (lambda: jh.saliency.fit_kappa_to_retrievals(3, NAN), "z0"),
        (lambda: jh.fit.fit(lambda p: p**2, 1.0, steps=2**31), "steps"),
        (lambda: jh.dam.recurrence(1.5, 0.2, 3, 5), "m0"),
        (lambda: jh.dam.recurrence(0.5, -0.2, 3, 5), "load"),
        (lambda: jh.dam.recurrence(0.5, NAN, 3, 5), "load"),
        (lambda: jh.dam.two_step(-1.01, 0.2, 3), "m0"),
        (lambda: jh.dam.effective_process(1.5, 0.2, 3, 2, key=jax.random.key(0)), "m0"),
        (lambda: jh.dam.effective_process(0.5, -1.0, 3, 2, key=jax.random.key(0)), "load"),
        (
            lambda: jh.firing_rate.phase_diagram(rho=np.array([1.0, NAN]), x_star=np.array([0.1])),
            "rho",
        ),
        (lambda: jh.firing_rate.phase_diagram(rho=np.array([0.0]), x_star=np.array([0.1])), "rho"),
        (
            lambda: jh.firing_rate.phase_diagram(rho=np.array([1.0]), x_star=np.array([math.inf])),
            "x_star",
        ),
        (lambda: jh.firing_rate.make_activation("sigmoid", -2.0, 0.1), "rho"),
        (lambda: jh.firing_rate.num_steps_for(1e9, 1e-3), "t1"),
        (lambda: jh.idp.sequential_retrieval(math.inf, 3.0), "kappa"),
        (lambda: jh.idp.sequential_retrieval(5.0, 3.0, eps=NAN), "eps"),
        (lambda: jh.idp.sequential_retrieval(5.0, 3.0, noise=-1.0), "noise"),
    ],
)
def test_concrete_out_of_domain_raises_naming_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()


def test_traced_out_of_domain_is_nan_or_the_sentinel():
    sal = jh.saliency
    assert int(jax.jit(sal.regime)(NAN, 3.0)) == sal.INVALID
    assert int(jax.jit(sal.regime)(5.0, -2.0)) == sal.INVALID
    assert int(jax.jit(sal.retrievals, static_argnums=2)(NAN, 3.0, 10)) == sal.INVALID
    assert np.isnan(jax.jit(sal.collapse_index)(NAN, 3.0))
    assert np.isnan(jax.jit(sal.cumulative_time)(5.0, 3.0, -1))
    assert np.isnan(jax.jit(sal.cumulative_time)(5.0, 3.0, 1.5))
    assert not np.isfinite(jax.jit(sal.kappa_for_period)(1000.0))
    assert np.isnan(jax.jit(sal.saliency_map)(-1.0, 3.0))
    assert np.all(np.isnan(jax.jit(sal.fixed_points)(NAN)))
    assert np.isnan(jax.jit(sal.soft_retrievals, static_argnums=2)(5.0, 3.0, 5, 0.0))
    assert np.all(np.isnan(jax.jit(jh.dam.recurrence, static_argnums=(2, 3))(1.5, 0.2, 3, 4)))
    assert np.all(np.isnan(jax.jit(jh.dam.recurrence, static_argnums=(2, 3))(0.5, -1.0, 3, 4)))
    assert all(np.isnan(v) for v in jax.jit(jh.dam.two_step, static_argnums=2)(2.0, 0.2, 3))


def test_in_domain_values_are_unchanged_by_the_checks():
    # κ = Z_+²/(Z_+ − 1) and T_∞ = ln Z_+: the closed forms, independent of the code.
    for t in (math.log(2.0), 1.0, 5.0, 80.0):
        z = math.exp(t)
        assert float(jh.saliency.kappa_for_period(t)) == pytest.approx(z * z / (z - 1), rel=1e-5)
    # Z = 3 under κ = 5: Z_1 = 5 (1 − 1/3) = 10/3
    assert float(jh.saliency.saliency_map(5.0, 3.0)) == pytest.approx(10 / 3, rel=1e-6)
    # m(1) = erf(m0^(n−1)/√(2α')) by hand
    m = np.asarray(jh.dam.recurrence(0.6, 0.3, 3, 1))
    assert m[1] == pytest.approx(math.erf(0.36 / math.sqrt(0.6)), rel=1e-5)


def test_a_fit_that_stops_early_does_not_allocate_for_its_cap():
    result = jh.saliency.fit_kappa_to_period(2.0, steps=10**9)
    assert result.losses.shape[-1] == jh.fit.MAX_HISTORY  # not 10⁹ entries (4 GB)
    assert bool(result.converged)
    assert int(result.steps) < 100
    z = math.exp(2.0)
    assert float(result.kappa) == pytest.approx(z * z / (z - 1), rel=1e-4)


def test_converged_is_false_when_the_loss_is_not_finite():
    result = jh.fit.fit(lambda p: jnp.log(p - 10.0), jnp.asarray(1.0), steps=3, tol=0.0)
    assert not bool(result.converged)


# --- the CLI ---


def _one_line_error(code, out, err, expected_code=2):
    assert code == expected_code, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        ("saliency --kappa 3 --z0 2 --steps 1000000000", ["--steps", "largest --steps"]),
        ("saliency --kappa 3 --z0 2 --steps 3000000000", ["--steps", "2147483646"]),
        ("fit-period --target 2 --max-steps 3e9", ["--max-steps", "2147483647"]),
        ("fit-period --target 2 --tol -1", ["--tol"]),
        ("sequence --kappa 5 --z0 3 --size 1073741824", ["--size", "largest --size"]),
        ("sequence --kappa 5 --z0 3 --time 1e9", ["--time", "2147483647"]),
        ("sequence --kappa 5 --z0 3 --method adiabatic --dt 1e-4", ["--dt", "adiabatic"]),
        ("sequence --kappa 5 --z0 3 --method continuous --dt 1e-4", ["--dt", "continuous"]),
        ("sequence --kappa 5 --z0 3 --solver kvaerno3", ["--solver", "euler"]),
        ("sequence --kappa 5 --z0 3 --method adiabatic --rtol 1e-3", ["--rtol", "adiabatic"]),
        ("ssm train --batch 1000000000", ["--batch", "largest --batch"]),
        ("ssm train --steps 3000000000", ["--steps", "2147483647"]),
        ("ssm train --task induction --per-sequence", ["--per-sequence", "--task"]),
        ("ssm train --eval-every 250", ["--eval-every", "--steps"]),
        ("dam-recall --steps 100000", ["--steps", "largest --steps"]),
        ("dam-recall --order 2 --paths 0", ["--paths"]),
        ("dam-capacity --sizes 256", ["--sizes"]),
        ("dam-capacity --loads 0.3 0", ["--loads"]),
        ("dam-capacity --sizes 256 65536 --loads 0.3 0.6", ["--sizes", "patterns"]),
        ("firing-rate phase-diagram --size 1000000000000", ["--size"]),
        ("firing-rate phase-diagram --chunk-size 0", ["--chunk-size"]),
    ],
)
def test_cli_refuses_before_work(argv, names, monkeypatch):
    monkeypatch.setenv(cli.MEMORY_BUDGET_ENV, "8G")
    line = _one_line_error(*run(argv.split()))
    for name in names:
        assert name in line


def test_the_largest_size_reported_fits_and_one_more_does_not(monkeypatch):
    monkeypatch.setenv(cli.MEMORY_BUDGET_ENV, "64K")
    line = _one_line_error(*run("saliency --kappa 5 --z0 3 --steps 100000 --json".split()))
    largest = int(re.search(r"largest --steps that fits is (\d+)", line).group(1))
    assert 0 < largest < 100000
    code, out, err = run(f"saliency --kappa 5 --z0 3 --steps {largest} --json".split())
    assert code == 0, err
    code, _, err = run(f"saliency --kappa 5 --z0 3 --steps {largest + 1} --json".split())
    assert code == 2 and "--steps" in err


def test_memory_budget_env(monkeypatch):
    monkeypatch.setenv(cli.MEMORY_BUDGET_ENV, "3G")
    assert cli.memory_budget() == 3 * 2**30
    monkeypatch.setenv(cli.MEMORY_BUDGET_ENV, "1e6")
    assert cli.memory_budget() == 10**6
    monkeypatch.setenv(cli.MEMORY_BUDGET_ENV, "lots")
    with pytest.raises(cli.UsageError, match=cli.MEMORY_BUDGET_ENV):
        cli.memory_budget()
    monkeypatch.delenv(cli.MEMORY_BUDGET_ENV)
    assert cli.memory_budget() > 0


def test_seeds_any_integer_reduced_mod_2_32():
    parser = cli.build_parser()
    for value in (0, 7, 2**32 - 1, 2**32 + 7, -1, 2**100 + 3, -(2**80)):
        args = parser.parse_args(["dam-recall", "--seed", str(value)])
        assert args.seed == value % 2**32
        assert 0 <= args.seed < 2**32
    with pytest.raises(cli.UsageError, match="--seed"):
        parser.parse_args(["ssm", "train", "--seed", "1.5"])


@pytest.mark.parametrize(
    "argv",
    [
        "sequence --kappa 5 --z0 3",
        "dam-recall",
        "firing-rate phase-diagram",
        "ssm train",
        "demo --quick",
    ],
)
def test_out_that_is_a_file_is_refused_first(argv, tmp_path):
    existing = tmp_path / "file.txt"
    existing.write_text("x")
    line = _one_line_error(*run([*argv.split(), "--out", existing]))
    assert "--out" in line and "not a directory" in line
    blocked = existing / "sub"  # a parent that is a file: cannot be created
    line = _one_line_error(*run([*argv.split(), "--out", blocked]))
    assert "--out" in line


@pytest.mark.parametrize("argv", ["saliency --kappa 5 --z0 3", "fit-period --target 2"])
def test_commands_that_write_nothing_take_no_out(argv, tmp_path):
    line = _one_line_error(*run([*argv.split(), "--out", tmp_path]))
    assert "--out" in line
    assert list(tmp_path.iterdir()) == []


def test_a_diverged_run_is_one_line_and_exit_1(monkeypatch):
    from jaxhop.ssm import _train

    def diverge(*args, **kwargs):
        raise FloatingPointError("training diverged (non-finite loss at step 2)")

    monkeypatch.setattr(_train, "train", diverge)
    line = _one_line_error(
        *run("ssm train --lr 1e30 --length 16 --width 8 --eval-size 8".split()), expected_code=1
    )
    assert "diverged" in line and "--lr" in line


@pytest.mark.slow
def test_ssm_train_with_a_huge_learning_rate_diverges_cleanly():
    argv = "ssm train --steps 4 --batch 2 --length 16 --width 8 --eval-size 8 --lr 1e30 --quiet"
    line = _one_line_error(*run(argv.split()), expected_code=1)
    assert "--lr" in line
