"""Property tests (hypothesis): generated arguments across types, signs, non-finite values and
extreme sizes, for every CLI subcommand and the public functions with numeric domains.

Properties: the CLI refuses bad input with exit 2, one line on stderr and no traceback, before
any work (run in-process through :func:`jaxhop.cli.main`); a public function either raises a
``ValueError`` naming the argument or, for finite in-range inputs, returns finite values that
satisfy an independent check. The default profile runs a fixed, small number of examples per
test (shapes are held fixed, so nothing recompiles per example); ``-m slow`` runs a longer one.
"""

import contextlib
import io
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import jaxhop as jh
from jaxhop.cli import main

FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
LONG = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

nonfinite = st.sampled_from(["nan", "inf", "-inf", "NaN"])
text = st.sampled_from(["", "abc", "1,5", "0x", "--", "1e", "½"])
negative = st.floats(max_value=0.0, allow_nan=False, allow_infinity=False).map(repr)
negative_int = st.integers(max_value=0).map(str)
huge_int = st.integers(min_value=2**31, max_value=2**200).map(str)
fraction = st.floats(min_value=0.01, max_value=1e6).filter(lambda x: not x.is_integer())

bad_positive_float = st.one_of(nonfinite, text, negative)
bad_count = st.one_of(negative_int, huge_int, text, fraction.map(repr), nonfinite)

# (subcommand and valid required arguments, flag, strategy of values that must be refused)
CASES = [
    ("saliency --kappa 5 --z0 3", "--kappa", bad_positive_float),
    ("saliency --kappa 5 --z0 3", "--z0", bad_positive_float),
    ("saliency --kappa 5 --z0 3", "--steps", st.one_of(huge_int, text, nonfinite)),
    ("fit-period --target 2", "--target", st.one_of(nonfinite, text, st.just("0.5"))),
    ("fit-period --target 2", "--max-steps", bad_count),
    ("fit-period --target 2", "--tol", st.one_of(nonfinite, text, st.just("-1e-3"))),
    ("sequence --kappa 5 --z0 3", "--kappa", bad_positive_float),
    ("sequence --kappa 5 --z0 3", "--eps", bad_positive_float),
    ("sequence --kappa 5 --z0 3", "--time", bad_positive_float),
    (
        "sequence --kappa 5 --z0 3",
        "--size",
        st.one_of(
            bad_count,
            st.integers(min_value=3, max_value=10**6)
            .filter(lambda n: n & (n - 1))
            .map(str),  # not a power of two
            st.integers(min_value=40, max_value=60).map(lambda k: str(2**k)),  # too large
        ),
    ),
    ("sequence --kappa 5 --z0 3", "--memories", st.one_of(negative_int, huge_int, text)),
    ("sequence --kappa 5 --z0 3", "--max-events", bad_count),
    ("sequence --kappa 5 --z0 3", "--seed", st.one_of(text, fraction.map(repr))),
    ("dam-recall", "--order", st.one_of(st.integers(max_value=1).map(str), huge_int, text)),
    ("dam-recall", "--size", st.one_of(st.integers(max_value=1).map(str), huge_int, text)),
    ("dam-recall", "--load", bad_positive_float),
    (
        "dam-recall",
        "--m0",
        st.one_of(nonfinite, text, st.floats(min_value=1.0001, max_value=1e300).map(repr)),
    ),
    ("dam-recall", "--trials", bad_count),
    ("dam-recall", "--steps", st.one_of(bad_count, st.integers(10**4, 10**9).map(str))),
    ("dam-recall", "--paths", bad_count),
    ("firing-rate phase-diagram", "--size", st.one_of(bad_count, st.just("26"))),
    ("firing-rate phase-diagram", "--chunk-size", bad_count),
    ("ssm train", "--steps", bad_count),
    ("ssm train", "--batch", st.one_of(bad_count, st.integers(10**7, 10**12).map(str))),
    ("ssm train", "--length", bad_count),
    ("ssm train", "--width", bad_count),
    ("ssm train", "--vocab", st.one_of(bad_count, st.just("1"))),
    ("ssm train", "--lr", bad_positive_float),
    ("ssm train", "--eval-size", bad_count),
    ("sweep", "--chunk-size", st.one_of(text, fraction.map(repr))),
]


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _refused(prefix, flag, value):
    argv = [*prefix.split(), f"{flag}={value}"]
    code, out, err = run(argv)
    assert code == 2, (argv, err)
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), (argv, err)


def _cli_property(profile):
    @pytest.mark.parametrize(("prefix", "flag", "values"), CASES, ids=[c[1] for c in CASES])
    def test(prefix, flag, values, monkeypatch):
        monkeypatch.setenv("JAXHOP_MEMORY_BUDGET", "8G")

        @profile
        @given(value=values)
        def check(value):
            _refused(prefix, flag, value)

        check()

    return test


test_cli_refuses_bad_values = _cli_property(FAST)
test_cli_refuses_bad_values_long = pytest.mark.slow(_cli_property(LONG))


# --- public functions: ValueError naming the argument, or finite and correct ---

reals = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=32),
    st.floats(min_value=1e-3, max_value=50.0),
)


def _saliency_property(kappa, z0):
    sal = jh.saliency
    in_domain = math.isfinite(kappa) and kappa > 0 and math.isfinite(z0) and z0 > 0
    if not in_domain:
        name = "kappa" if not (math.isfinite(kappa) and kappa > 0) else "z0"
        for call in (sal.regime, sal.collapse_index, sal.saliency_map):
            with pytest.raises(ValueError, match=name):
                call(kappa, z0)
        with pytest.raises(ValueError, match=name):
            sal.retrievals(kappa, z0, 8)
        return
    code = int(sal.regime(kappa, z0))
    assert code in (sal.PERIODIC, sal.COLLAPSE, sal.DECAY)
    assert (code == sal.DECAY) == (np.float32(kappa) < 4)
    index = float(sal.collapse_index(kappa, z0))
    assert not math.isnan(index) and index >= 0
    assert math.isinf(index) == (code == sal.PERIODIC)
    step = float(sal.saliency_map(kappa, z0))
    k32, z32 = np.float32(kappa), np.float32(z0)
    expected = float(k32 * (np.float32(1) - np.float32(1) / z32))
    assert step == pytest.approx(expected, rel=1e-5, abs=1e-30)
    count = int(sal.retrievals(kappa, z0, 8))
    assert 0 <= count <= 8


@FAST
@given(kappa=reals, z0=reals)
def test_saliency_domain(kappa, z0):
    _saliency_property(kappa, z0)


@pytest.mark.slow
@LONG
@given(kappa=reals, z0=reals)
def test_saliency_domain_long(kappa, z0):
    _saliency_property(kappa, z0)


@FAST
@given(t=st.one_of(st.floats(width=32), st.floats(min_value=0.69, max_value=90.0)))
def test_kappa_for_period_domain(t):
    if not (math.isfinite(t) and math.log(2.0) <= t <= 88):
        with pytest.raises(ValueError, match="target_period"):
            jh.saliency.kappa_for_period(t)
        return
    kappa = float(jh.saliency.kappa_for_period(t))
    assert math.isfinite(kappa) and kappa >= 4 * (1 - 1e-6)
    # the period of that gain is the target: ln Z_+ with Z_+ = (κ + √(κ² − 4κ))/2, in float64
    z_plus = (kappa + math.sqrt(max(kappa * kappa - 4 * kappa, 0.0))) / 2
    assert math.log(z_plus) == pytest.approx(t, rel=2e-3, abs=2e-3)


@FAST
@given(kappa=st.floats(min_value=0.5, max_value=10.0), z0=reals, n=st.integers(-5, 40))
def test_cumulative_time_domain(kappa, z0, n):
    sal = jh.saliency
    if not (math.isfinite(z0) and z0 > 0) or n < 0:
        with pytest.raises(ValueError, match="z0" if n >= 0 else r"\bn\b|z0"):
            sal.cumulative_time(kappa, z0, n)
        return
    value = float(sal.cumulative_time(kappa, z0, n))
    alive = n <= float(sal.collapse_index(kappa, z0))
    assert math.isfinite(value) == alive  # NaN exactly past the collapse
    if alive and n <= 12:
        # Σ_{t<n} ln Z_t by iterating the map in float64 (independent of the closed form)
        z, total = float(z0), 0.0
        for _ in range(n):
            total += math.log(z)
            z = kappa * (1 - 1 / z)
        assert value == pytest.approx(total, rel=1e-2, abs=1e-2)


@FAST
@given(
    m0=st.one_of(st.floats(width=32), st.floats(-1.0, 1.0)),
    load=st.one_of(st.floats(width=32), st.floats(1e-3, 10.0)),
)
def test_dam_recurrence_domain(m0, load):
    m0_ok = math.isfinite(m0) and -1 <= m0 <= 1
    load_ok = math.isfinite(load) and load > 0
    if not (m0_ok and load_ok):
        bad = "|".join(name for name, ok in (("m0", m0_ok), ("load", load_ok)) if not ok)
        with pytest.raises(ValueError, match=bad):
            jh.dam.recurrence(m0, load, 3, 4)
        return
    m = np.asarray(jh.dam.recurrence(m0, load, 3, 4), np.float64)
    assert np.all(np.isfinite(m)) and np.all(np.abs(m) <= 1)
    assert m[1] == pytest.approx(math.erf(np.float32(m0) ** 2 / math.sqrt(2 * load)), abs=1e-5)


@FAST
@given(steps=st.one_of(st.integers(max_value=0), st.integers(min_value=2**31)))
def test_fit_refuses_step_counts(steps):
    with pytest.raises(ValueError, match="steps"):
        jh.fit.fit(lambda p: p**2, 1.0, steps=steps)


@FAST
@given(tol=st.one_of(st.floats(max_value=-1e-300), st.just(math.nan), st.just(math.inf)))
def test_fit_period_refuses_tolerances(tol):
    with pytest.raises(ValueError, match="tol"):
        jh.saliency.fit_kappa_to_period(2.0, tol=tol)


@FAST
@given(rho=reals, threshold=reals)
def test_activation_domain(rho, threshold):
    if not (math.isfinite(rho) and rho > 0):
        with pytest.raises(ValueError, match="rho"):
            jh.firing_rate.make_activation("sigmoid", rho, threshold)
        return
    if not math.isfinite(threshold):
        with pytest.raises(ValueError, match="threshold"):
            jh.firing_rate.make_activation("sigmoid", rho, threshold)
        return
    phi = jh.firing_rate.make_activation("sigmoid", rho, threshold)
    value = float(phi(np.float32(0.3)))
    assert 0 <= value <= 1


@FAST
@given(size=st.integers(-4, 64), count=st.integers(-2, 70))
def test_hadamard_memories_domain(size, count):
    power = size >= 2 and not size & (size - 1)
    if not power or not 1 <= count <= size - 1:
        with pytest.raises(ValueError, match="size|count"):
            jh.idp.hadamard_memories(size, count)
        return
    xi = np.asarray(jh.idp.hadamard_memories(size, count), np.float64)
    assert np.array_equal(xi.T @ xi, size * np.eye(count))
