"""Property tests (hypothesis): generated arguments across types, signs, non-finite values and
extreme sizes, for every CLI subcommand and the public functions with numeric domains (every
public function of ``jh.ssm`` and ``jh.idp`` among them).

Properties: the CLI refuses bad input with exit 2, one line on stderr and no traceback, before
any work (run in-process through :func:`jaxhop.cli.main`); a public function either raises a
``ValueError`` naming the argument or, for finite in-range inputs, returns finite values that
satisfy an independent check (NumPy reimplementations, closed forms, invariants); a CLI
subcommand given sizes far beyond the memory budget is refused with its peak resident memory
under a stated cap (measured in a fresh child process). The default profile runs a fixed,
small number of examples per test (shapes are held fixed or drawn from a few values, so little
recompiles per example); ``-m slow`` runs the longer profile ``LONG`` on the same properties.
Library functions run under a memory budget of 1 GiB here (``JAXHOP_MEMORY_BUDGET``), so that
the refusals do not depend on the machine.
"""

import contextlib
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from jaxtyping import TypeCheckError

import jaxhop as jh
from jaxhop.cli import main

FAST = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
LONG = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# the generated-argument properties of the library functions: FAST by default, MORE under -m slow
MORE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIBRARY_BUDGET = "1G"


@pytest.fixture(autouse=True, scope="module")
def _library_budget():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JAXHOP_MEMORY_BUDGET", LIBRARY_BUDGET)
        yield


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

    def ok(x):  # positive, finite and a normal float32 (XLA flushes subnormals to zero)
        tiny, big = np.finfo(np.float32).tiny, np.finfo(np.float32).max
        return math.isfinite(x) and tiny <= x and np.float32(x) <= big

    in_domain = ok(kappa) and ok(z0)
    if not in_domain:
        name = "kappa" if not ok(kappa) else "z0"
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


# --- every public function of jh.ssm and jh.idp: generated arguments ---
#
# Each property computes, independently of the code, which argument (if any) is out of its
# domain; then the call must raise a ValueError naming it, or return finite values that pass an
# independent check. `both` registers a property twice: FAST by default, MORE under -m slow.


def both(examples=None, **strategies):
    def register(prop):
        fast = settings(FAST, max_examples=examples or FAST.max_examples)(given(**strategies)(prop))
        more = pytest.mark.slow(MORE(given(**strategies)(prop)))
        return fast, more

    return register


def raises(name, call):
    """A ValueError naming `name`; under the test suite's jaxtyping hook (``conftest.py``) an
    argument of the wrong type (a float where an ``int`` is annotated) is refused first, by a
    ``TypeCheckError`` that names the parameter, which counts too."""
    with pytest.raises((ValueError, TypeCheckError), match=rf"\b{name}\b"):
        call()


def finite(x) -> bool:
    return math.isfinite(x)


# integers a user might pass as a count: small ones of both signs, int32 overflow, huge ones
# that pass int32 but not the memory budget, floats with and without a fraction, NaN, a bool
counts = st.one_of(
    st.integers(-3, 6),
    st.integers(2**31, 2**80),
    st.sampled_from([2**31 - 1, 2**30, 2.5, math.nan, True]),
)
small = st.one_of(st.integers(-2, 4), st.sampled_from([2**31, 1.5, math.nan]))
near_unit = st.one_of(st.floats(width=32), st.floats(-1.5, 1.5))


def count_ok(value, lo=0, hi=2**31 - 1) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            return False
    return lo <= value <= hi


@both(r=near_unit, length=st.one_of(st.sampled_from([0, 1, 5]), counts.filter(lambda v: v != 6)))
def _vandermonde(r, length):
    lam = np.array([0.5 + 0.5j, -0.9, 0.0, r], np.complex64)
    if not finite(r):
        return raises("lam", lambda: jh.ssm.vandermonde(jnp.asarray(lam), length))
    # an n × length complex64 matrix: beyond 2^25 columns it passes the 1 GiB budget
    if not count_ok(length) or length * 4 * 8 > 2**30:
        return raises("length", lambda: jh.ssm.vandermonde(jnp.asarray(lam), length))
    v = np.asarray(jh.ssm.vandermonde(jnp.asarray(lam), int(length)), np.complex128)
    expected = lam.astype(np.complex128)[:, None] ** np.arange(int(length))[None, :]
    assert v.shape == (4, int(length))
    if abs(r) ** max(int(length) - 1, 0) > 1e30:
        return  # |λ|^k past float32's range: inf is the right answer there
    assert np.all(np.isfinite(v))
    np.testing.assert_allclose(v, expected, rtol=1e-4, atol=1e-5)


test_vandermonde_domain, test_vandermonde_domain_long = _vandermonde


@both(x=reals, length=st.one_of(st.integers(0, 5), st.sampled_from([-1, 2**31, 1.5])))
def _lti_kernel(x, length):
    lam = jnp.asarray([0.5 + 0.3j, 0.8 + 0j], jnp.complex64)
    B = np.array([[1.0 + 0j], [x]], np.complex64)
    C = jnp.asarray([[1.0 + 0.5j, -1.0 + 0j]], jnp.complex64)
    if not finite(np.float32(x)):
        return raises("B", lambda: jh.ssm.lti_kernel(lam, jnp.asarray(B), C, length))
    if not count_ok(length):
        return raises("length", lambda: jh.ssm.lti_kernel(lam, jnp.asarray(B), C, length))
    kernel = np.asarray(jh.ssm.lti_kernel(lam, jnp.asarray(B), C, length), np.float64)
    if length == 0:
        assert kernel.shape == (0, 1, 1)
        return
    # K_k = Re(C diag(λ)^k B), one power at a time in complex128
    a, b, c = (np.asarray(v, np.complex128) for v in (lam, B, C))
    expected = np.stack([np.real(c @ np.diag(a**k) @ b) for k in range(length)]).reshape(
        length, 1, 1
    )
    assert np.all(np.isfinite(kernel))
    np.testing.assert_allclose(kernel, expected, rtol=2e-3, atol=2e-3 * max(1, abs(x)))


test_lti_kernel_domain, test_lti_kernel_domain_long = _lti_kernel


@both(x=reals, k=st.floats(-3, 3))
def _causal_conv(x, k):
    u = np.arange(12, dtype=np.float32).reshape(6, 2) / 6
    u[3, 1] = x
    kernel = np.array([[[1.0, k]], [[0.5, 0.0]], [[k, -1.0]]], np.float32)  # (3, 1, 2)
    if not finite(np.float32(x)):
        return raises("u", lambda: jh.ssm.causal_conv(jnp.asarray(u), jnp.asarray(kernel)))
    y = np.asarray(jh.ssm.causal_conv(jnp.asarray(u), jnp.asarray(kernel)), np.float64)
    uu, kk = u.astype(np.float64), kernel.astype(np.float64)
    expected = np.array(
        [[sum(kk[j, 0] @ uu[t - j] for j in range(min(t, 2) + 1))] for t in range(6)]
    )
    assert np.all(np.isfinite(y))
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4 * max(1.0, abs(x) * 3))


test_causal_conv_domain, test_causal_conv_domain_long = _causal_conv


def test_causal_conv_and_lti_kernel_refuse_shapes():
    raises("kernel", lambda: jh.ssm.causal_conv(jnp.ones((4, 2)), jnp.ones((3, 1, 3))))
    raises("u", lambda: jh.ssm.causal_conv(jnp.ones((4,)), jnp.ones((3, 1, 1))))
    lam = jnp.ones(2, jnp.complex64) / 2
    raises("B", lambda: jh.ssm.lti_kernel(lam, jnp.ones((3, 1)), jnp.ones((1, 2)), 4))
    raises("lam", lambda: jh.ssm.vandermonde(jnp.ones((2, 2), jnp.complex64), 4))


@both(state=counts, min_rate=reals, max_rate=st.one_of(reals, st.just(0.1)))
def _lti_init(state, min_rate, max_rate):
    def call():
        return jh.ssm.DiagonalLTI.init(
            jax.random.key(0), 2, state, 2, min_rate=min_rate, max_rate=max_rate
        )

    if not count_ok(state, lo=1):
        return raises("state_size", call)
    if not (finite(min_rate) and min_rate > 0):
        return raises("min_rate", call)
    if not (finite(max_rate) and max_rate >= min_rate):
        return raises("max_rate", call)
    if 4 * 2 * (4 * state + state) + 16 > 2**30:
        return raises("state_size", call)
    layer = call()
    poles = np.abs(np.asarray(layer.poles, np.complex128))
    # |λ| = exp(−rate), rate = exp(log_rate) log-uniform in [min_rate, max_rate]
    rate = np.exp(np.asarray(layer.log_rate, np.float64))
    assert poles.shape == (state,) and np.all(poles < 1) and np.all(np.isfinite(poles))
    np.testing.assert_array_less(min_rate * (1 - 1e-3) - 1e-30, rate)
    np.testing.assert_array_less(rate, max_rate * (1 + 1e-3) + 1e-30)


test_lti_init_domain, test_lti_init_domain_long = _lti_init


@both(delays=st.one_of(st.integers(-2, 5), st.sampled_from([2**17, 2.5, math.nan])), rho=reals)
def _delay_bank(delays, rho):
    def call():
        return jh.ssm.delay_bank(delays, rho=rho)

    if not count_ok(delays, lo=1, hi=2**16):
        return raises("delays", call)
    if not (finite(rho) and 0 < rho < 1):
        return raises("rho", call)
    bank = call()
    impulse = np.zeros((delays + 1, 1), np.float32)
    impulse[0] = 1
    y = np.asarray(bank(jnp.asarray(impulse)), np.float64)
    # within one ring period, output f is the input delayed by exactly f steps
    np.testing.assert_allclose(y, np.eye(delays + 1), atol=1e-3)


test_delay_bank_domain, test_delay_bank_domain_long = _delay_bank


@both(x=reals, mode=st.sampled_from(["associative", "sequential", "parallel"]))
def _selective_scan(x, mode):
    a = np.linspace(0.1, 0.9, 10, dtype=np.float32).reshape(5, 2)
    b = np.ones((5, 2), np.float32)
    b[2, 0] = x

    def call():
        return jh.ssm.selective_scan(jnp.asarray(a), jnp.asarray(b), mode=mode)

    if not finite(np.float32(x)):
        return raises("b", call)
    if mode == "parallel":
        return raises("mode", call)
    h, expected = np.zeros(2), []
    for t in range(5):
        h = a[t] * h + b[t].astype(np.float64)
        expected.append(h)
    np.testing.assert_allclose(np.asarray(call()), np.array(expected), rtol=1e-4, atol=1e-4)


test_selective_scan_domain, test_selective_scan_domain_long = _selective_scan


@both(k=small, vocab=st.one_of(counts, st.sampled_from([16, 2**31 - 1])))
def _draw_trigger(k, vocab):
    def call():
        return jh.ssm.draw_trigger(jax.random.key(1), k, vocab)

    if not count_ok(vocab, lo=2):
        return raises("vocab", call)
    if not count_ok(k, lo=1, hi=vocab - 1):
        return raises(r"k", call)
    if 16 * vocab > 2**30:
        return raises("vocab", call)
    trigger = np.asarray(call())
    assert trigger.shape == (k,) and len(set(trigger.tolist())) == k
    assert np.all((trigger >= 0) & (trigger < vocab))


test_draw_trigger_domain, test_draw_trigger_domain_long = _draw_trigger


@both(
    length=st.one_of(st.integers(-1, 40), st.sampled_from([2**31, 8.5, math.nan])),
    vocab=st.one_of(st.integers(-1, 20), st.sampled_from([2**31, 4.5])),
    k=st.integers(1, 4),
)
def _tasks(length, vocab, k):
    ssm = jh.ssm
    if k == 1:
        call = lambda: ssm.induction_head(length=length, vocab=vocab)  # noqa: E731
    else:
        call = lambda: ssm.extended_induction_head(k, length=length, vocab=vocab)  # noqa: E731
    if not count_ok(vocab, lo=2):
        return raises("vocab", call)
    if k > vocab - 1:
        return raises("k", call)
    if not count_ok(length, lo=3 if k == 1 else 4 * (k + 1)):
        return raises("length", call)
    task = call()
    assert (task.k, task.length, task.vocab) == (k, length, vocab)
    trigger = np.asarray(task.trigger)
    if k == 1:
        assert trigger.tolist() == [vocab]
    else:
        assert len(set(trigger.tolist())) == k and trigger.max() < vocab
    if k > 1:
        same = ssm.per_sequence_trigger(k, length=length, vocab=vocab)
        assert same.per_sequence and same.length == length


test_task_domain, test_task_domain_long = _tasks


@both(
    trigger=st.lists(st.integers(-2, 9), min_size=1, max_size=4),
    distractors=st.one_of(st.none(), st.integers(-1, 3), st.just(1.5)),
)
def _trigger_argument(trigger, distractors):
    k = len(trigger)

    def call():
        return jh.ssm.extended_induction_head(
            k,
            trigger=np.asarray(trigger, np.int32),
            length=32,
            vocab=8,
            num_distractors=distractors,
        )

    if k < 2:
        return raises("k", call)
    distractors_ok = distractors is None or count_ok(distractors, lo=0, hi=32 // (k + 1) - 4)
    if not (len(set(trigger)) == k and all(0 <= t < 8 for t in trigger)):
        # two bad arguments: either may be named
        return raises("trigger" if distractors_ok else "(trigger|num_distractors)", call)
    if not distractors_ok:
        return raises("num_distractors", call)
    assert np.asarray(call().trigger).tolist() == trigger


test_trigger_argument_domain, test_trigger_argument_domain_long = _trigger_argument


@both(size=st.one_of(st.sampled_from([1, 2, 3]), counts))
def _batch(size):
    task = jh.ssm.induction_head(length=12, vocab=5)
    if not count_ok(size, lo=1):
        return raises("size", lambda: task.batch(jax.random.key(2), size))
    if size * task.batch_bytes > 2**30:
        return raises("size", lambda: task.batch(jax.random.key(2), size))
    tokens, labels = (np.asarray(a) for a in task.batch(jax.random.key(2), size))
    assert tokens.shape == (size, 12) and labels.shape == (size,)
    for row, label in zip(tokens, labels):
        # the trigger (id 5) once before the end, followed by the label; again at the end
        (where,) = np.nonzero(row[:-1] == 5)
        assert len(where) == 1 and row[where[0] + 1] == label and row[-1] == 5
        assert np.all((row >= 0) & (row <= 5))


test_task_batch_domain, test_task_batch_domain_long = _batch


@both(
    examples=8,  # building each model costs about a second
    name=st.sampled_from(["residual", "selective", "lti", "mlp"]),
    width=st.one_of(st.sampled_from([1, 2, 4]), counts, st.just(2**16)),
)
def _make_model(name, width):
    task = jh.ssm.extended_induction_head(2, length=12, vocab=4)

    def call():
        return jh.ssm.make_model(name, jax.random.key(3), task, width=width)

    if not count_ok(width, lo=1, hi=2**16):
        return raises("width", call)
    if name == "mlp":
        return raises("model", call)
    if 4 * 3 * 64 * 2 * width * width > 2**30:
        return raises("width", call)
    model = call()
    leaves = jax.tree_util.tree_leaves(eqx_filter(model))
    assert jh.ssm.count_params(model) == sum(
        np.size(x) * (2 if np.iscomplexobj(x) else 1) for x in leaves
    )
    assert all(np.all(np.isfinite(np.asarray(x))) for x in leaves)


def eqx_filter(model):
    import equinox as eqx

    return eqx.filter(model, eqx.is_inexact_array)


test_make_model_domain, test_make_model_domain_long = _make_model


@both(
    steps=st.one_of(st.integers(-1, 50), st.sampled_from([2**31, 2.5])),
    lr=reals,
    warmup=st.one_of(st.none(), st.integers(-1, 60)),
    decay=reals,
)
def _make_optimizer(steps, lr, warmup, decay):
    def call():
        return jh.ssm.make_optimizer(steps, lr=lr, warmup=warmup, weight_decay=decay)

    if not count_ok(steps, lo=1):
        return raises("steps", call)
    if not (finite(lr) and lr > 0):
        return raises("lr", call)
    if not (finite(decay) and decay >= 0):
        return raises("weight_decay", call)
    if warmup is not None and not 0 <= warmup <= max(steps - 1, 1):
        return raises("warmup", call)
    optimizer = call()
    params = jnp.ones(3)
    with jax.numpy_dtype_promotion("standard"):  # optax mixes int counters and floats
        updates, _ = optimizer.update(jnp.ones(3), optimizer.init(params), params)
    assert np.all(np.isfinite(np.asarray(updates)))


test_make_optimizer_domain, test_make_optimizer_domain_long = _make_optimizer


_SMALL_TASK = None


def _small_model():
    global _SMALL_TASK
    if _SMALL_TASK is None:
        task = jh.ssm.induction_head(length=8, vocab=3)
        _SMALL_TASK = task, jh.ssm.make_model("lti", jax.random.key(4), task, width=2, layers=1)
    return _SMALL_TASK


@both(size=st.one_of(st.sampled_from([1, 2]), counts), batch=st.sampled_from([1, 2, 0, 2.5]))
def _evaluate(size, batch):
    task, model = _small_model()

    def call():
        return jh.ssm.evaluate(model, task, jax.random.key(5), size, batch=batch)

    if not count_ok(size, lo=1):
        return raises("size", call)
    if not count_ok(batch, lo=1):
        return raises("batch", call)
    if size > 2:
        return  # in range: a large size costs time (batches in a loop), not memory
    accuracy = call()
    assert 0 <= accuracy <= 1 and (accuracy * size).is_integer()


test_evaluate_domain, test_evaluate_domain_long = _evaluate


@both(
    which=st.sampled_from(["steps", "batch", "eval_size", "eval_every", "lr"]),
    value=st.one_of(counts, st.sampled_from([0, -1.0, math.inf, 10**7])),
)
def _train_refuses(which, value):
    task, model = _small_model()
    kwargs = {"steps": 1, "batch": 1, "eval_size": 1, "quiet": True, which: value}
    if which == "lr" and isinstance(value, bool):
        return  # a bool is the number 1 to a real-valued argument
    ok = (finite(value) and value > 0) if which == "lr" else count_ok(value, lo=1)
    if which == "batch" and ok:
        ok = False  # a valid batch: the memory check must refuse only the huge ones
        per_sequence = 4 * task.length * (64 * 2 + 4 * task.vocab) + task.batch_bytes
        if value * per_sequence <= 2**30:
            return  # in range (training itself is tested in test_ssm_train.py)
    if ok:
        return
    raises(which, lambda: jh.ssm.train(model, task, key=jax.random.key(0), **kwargs))


test_train_refuses_domain, test_train_refuses_domain_long = _train_refuses


def test_load_model_refuses_a_missing_checkpoint(tmp_path):
    task, model = _small_model()
    raises("checkpoint", lambda: jh.ssm.load_model(tmp_path / "none.eqx", model))
    path = jh.ssm.save_model(tmp_path / "m.eqx", model)
    back = jh.ssm.load_model(path, model)
    assert all(
        np.array_equal(np.asarray(a), np.asarray(b))
        for a, b in zip(jax.tree_util.tree_leaves(back), jax.tree_util.tree_leaves(model))
    )


# --- jh.idp ---

_XI = np.asarray(jh.idp.hadamard_memories(8, 3), np.float64)  # ΞᵀΞ = 8 I


@both(size=st.one_of(st.sampled_from([1, 4, 8]), counts), count=st.sampled_from([1, 3, 0, 2**30]))
def _random_memories(size, count):
    def call():
        return jh.idp.random_memories(jax.random.key(6), size, count)

    if not count_ok(size, lo=1):
        return raises("size", call)
    if not count_ok(count, lo=1):
        return raises("count", call)
    if 5 * size * count > 2**30:
        return raises("size", call)
    xi = np.asarray(call())
    assert xi.shape == (size, count) and set(np.unique(xi)) <= {-1.0, 1.0}


test_random_memories_domain, test_random_memories_domain_long = _random_memories


@both(x=reals, y=reals)
def _saliency_readout(x, y):
    signal = np.array([1, -2, 0.5, 3, 0, 1, x, 2], np.float32)
    alpha = np.array([0.5, y, -1.0], np.float32)
    xi = jnp.asarray(_XI, jnp.float32)
    if not finite(np.float32(x)):
        raises("signal", lambda: jh.idp.saliencies_from_input(xi, jnp.asarray(signal)))
    else:
        got = np.asarray(jh.idp.saliencies_from_input(xi, jnp.asarray(signal)))
        np.testing.assert_allclose(got, _XI.T @ signal / 8, rtol=1e-5, atol=1e-5 * (1 + abs(x)))
    if not finite(np.float32(y)):
        raises("saliencies", lambda: jh.idp.input_from_saliencies(xi, jnp.asarray(alpha)))
        return
    u = jh.idp.input_from_saliencies(xi, jnp.asarray(alpha))
    np.testing.assert_allclose(np.asarray(u), _XI @ alpha, rtol=1e-5, atol=1e-4 * (1 + abs(y)))
    # orthogonal memories: the read-out of the synthesised input gives the saliencies back
    back = np.asarray(jh.idp.saliencies_from_input(xi, u))
    np.testing.assert_allclose(back, alpha, rtol=1e-4, atol=1e-4 * (1 + abs(y)))


test_saliency_readout_domain, test_saliency_readout_domain_long = _saliency_readout


def test_saliency_readout_refuses_shapes():
    xi = jnp.asarray(_XI, jnp.float32)
    raises("signal", lambda: jh.idp.saliencies_from_input(xi, jnp.ones(3)))
    raises("saliencies", lambda: jh.idp.input_from_saliencies(xi, jnp.ones(8)))
    raises("memories", lambda: jh.idp.input_from_saliencies(jnp.ones(8), jnp.ones(8)))


@both(name=st.sampled_from(["tanh", "hardtanh", "relu"]), gain=reals, y=reals)
def _activation(name, gain, y):
    def call():
        return jh.idp.activation(name, gain, np.float32(y))

    if name == "relu":
        return raises("activation", call)
    if not (finite(gain) and gain > 0):
        return raises("gain", call)
    if not finite(np.float32(y)):
        return raises("y", call)
    y32 = float(np.float32(y))
    expected = math.tanh(float(np.float32(gain)) * y32) if name == "tanh" else min(1, max(-1, y32))
    assert float(call()) == pytest.approx(expected, rel=1e-5, abs=1e-6)


test_idp_activation_domain, test_idp_activation_domain_long = _activation


@both(
    kind=st.sampled_from(["IDPNetwork", "AdditiveNetwork"]),
    gain=reals,
    noise=reals,
    entry=st.one_of(st.just(1.0), st.sampled_from([math.nan, math.inf])),
)
def _network(kind, gain, noise, entry):
    memories = _XI.astype(np.float32).copy()
    memories[0, 0] = entry

    def call():
        cls = getattr(jh.idp, kind)
        return cls(jnp.asarray(memories), activation="tanh", gain=gain, noise=noise)

    if not (finite(gain) and gain > 0):
        return raises("gain", call)
    if not (finite(noise) and noise >= 0):
        return raises("noise", call)
    if not finite(entry):
        return raises("memories", call)
    network = call()
    y = np.linspace(-1, 1, 8).astype(np.float32)
    alpha = np.array([1.5, 0.5, 2.0], np.float32)
    g = np.tanh(np.float64(np.float32(gain)) * y)
    m = memories.astype(np.float64)
    if kind == "IDPNetwork":  # −y + (1/N) Ξ diag(α) Ξᵀ g, with the dense matrix
        expected = -y + (m * alpha) @ m.T @ g / 8
    else:  # −y + (1/N) Ξ Ξᵀ g + Ξ α
        expected = -y + m @ m.T @ g / 8 + m @ alpha
    drift = np.asarray(network.drift(jnp.asarray(y), jnp.asarray(alpha)))
    np.testing.assert_allclose(drift, expected, rtol=1e-4, atol=1e-4)


test_network_domain, test_network_domain_long = _network


@both(b1=reals, b2=st.one_of(reals, st.just(5.0)), v=reals)
def _schedule(b1, b2, v):
    breaks = np.array([0.0, b1, b2], np.float32)
    values = np.array([[1.0, 2.0], [v, 0.5]], np.float32)

    def call():
        return jh.idp.SaliencySchedule(jnp.asarray(breaks), jnp.asarray(values))

    if not (finite(np.float32(b1)) and finite(np.float32(b2))):
        return raises("breaks", call)
    if not finite(np.float32(v)):
        return raises("values", call)
    if not (0 < np.float32(b1) < np.float32(b2)):
        return raises("breaks", call)
    schedule = call()
    mid = float(np.float32(b1)) / 2
    at = lambda t: np.asarray(schedule(jnp.asarray(t, jnp.float32)))  # noqa: E731
    np.testing.assert_array_equal(at(mid), values[0])
    np.testing.assert_array_equal(at(-1.0), [0, 0])
    np.testing.assert_array_equal(at(breaks[2] + 1), [0, 0])


test_schedule_domain, test_schedule_domain_long = _schedule


@both(
    rows=st.integers(0, 4),
    window=st.one_of(st.just(2.0), reals),
    which=st.sampled_from(["window_schedule", "glitch_schedule", "pulse_schedule"]),
)
def _schedules(rows, window, which):
    saliencies = jnp.asarray(np.arange(1, 1 + 2 * rows, dtype=np.float32).reshape(rows, 2))
    if which == "window_schedule":
        call = lambda: jh.idp.window_schedule(saliencies, window)  # noqa: E731
        if rows < 1:
            return raises("saliencies", call)
        if not (finite(window) and window > 0):
            return raises("window", call)
        schedule = call()
        w = float(schedule.breaks[1])
        for j in range(rows):  # input j on [j·window, (j+1)·window)
            t = jnp.asarray((j + 0.5) * w, schedule.breaks.dtype)
            np.testing.assert_array_equal(np.asarray(schedule(t)), np.asarray(saliencies[j]))
        return
    call = lambda: getattr(jh.idp, which)(saliencies)  # noqa: E731
    if rows < 3:
        return raises("saliencies", call)
    schedule = call()
    # the published glitch: u1 at t = 4 (both), u3 at t = 19.5 (both), u2 at 9 only for IDP
    for t, row in ((0.5, 0), (19.5, 2)):
        np.testing.assert_array_equal(np.asarray(schedule(jnp.float32(t))), saliencies[row])
    at_9 = np.asarray(schedule(jnp.float32(9.5)))
    expected = saliencies[1] if which == "glitch_schedule" else np.zeros(2)
    np.testing.assert_array_equal(at_9, expected)


test_schedules_domain, test_schedules_domain_long = _schedules


@both(
    t1=st.one_of(st.sampled_from([0.1, 0.2]), reals, st.just(1e6)),
    dt=st.one_of(st.sampled_from([0.01, 0.05]), st.sampled_from([0.0, -1.0, math.nan])),
    save_every=st.sampled_from([1, 2, 0, 1.5]),
    entry=st.sampled_from([0.5, math.nan]),
)
def _simulate(t1, dt, save_every, entry):
    xi = jnp.asarray(_XI, jnp.float32)
    network = jh.idp.IDPNetwork(xi, activation="tanh", gain=2.0)
    schedule = jh.idp.SaliencySchedule(
        jnp.asarray([0.0, 100.0]), jnp.asarray([[1.5, 0.5, 1.0]], jnp.float32)
    )
    y0 = np.asarray(_XI[:, 0] * 0.3, np.float32)
    y0[1] = entry

    def call():
        return jh.idp.simulate(
            network, schedule, jnp.asarray(y0), t1=t1, dt=dt, save_every=save_every
        )

    if not count_ok(save_every, lo=1):
        return raises("save_every", call)
    if not (finite(dt) and dt > 0):
        return raises("dt", call)
    if not (finite(t1) and t1 > 0):
        return raises("t1", call)
    steps = round(t1 / dt)
    steps += -steps % save_every
    if steps > 2**31 - 1:
        return raises("t1", call)
    if steps == 0:
        return  # t1 < dt/2 rounds to no step at all (num_steps_for allows it)
    if not finite(entry):
        return raises("y0", call)
    if 4 * (steps // save_every + 1) * 4 > 2**30:
        return raises("t1", call)
    if steps > 10**4:
        return  # in range but long: the engine's own tests cover long runs
    sol = call()
    # noiseless Euler in float64: y ← y + dt (−y + (1/N) Ξ diag(α) Ξᵀ tanh(2y))
    y = y0.astype(np.float64)
    alpha = np.array([1.5, 0.5, 1.0])
    for _ in range(steps):
        y = y + dt * (-y + (_XI * alpha) @ _XI.T @ np.tanh(2 * y) / 8)
    final = np.asarray(sol.final, np.float64)
    np.testing.assert_allclose(final, y, rtol=1e-3, atol=1e-4)
    overlaps = np.asarray(sol.ys)
    assert np.all(np.isfinite(overlaps)) and np.all(np.abs(overlaps) <= 1 + 1e-6)


test_simulate_domain, test_simulate_domain_long = _simulate


@both(
    memories=small,
    size=st.one_of(st.just(16), small),
    inputs=st.one_of(st.integers(-1, 5), st.just(2.5)),
)
def _published_saliencies(memories, size, inputs):
    def call():
        return jh.idp.published_saliencies(jax.random.key(7), memories, size, inputs)

    if not count_ok(memories, lo=1):
        return raises("num_memories", call)
    if not count_ok(size, lo=1):
        return raises("size", call)
    if not count_ok(inputs, lo=1, hi=memories):
        return raises("num_inputs", call)
    alpha = np.asarray(call(), np.float64)
    assert alpha.shape == (inputs, memories) and np.all(alpha > 0)
    np.testing.assert_allclose(alpha.sum(axis=1), math.sqrt(memories * size), rtol=1e-5)
    # input j targets memory j: its saliency is the row's largest (U[2, 3.5] against < 1.5)
    assert np.all(np.argmax(alpha, axis=1) == np.arange(inputs))


test_published_saliencies_domain, test_published_saliencies_domain_long = _published_saliencies


@both(
    which=st.sampled_from(["trials", "size", "num_memories", "noise", "dt", "save_every"]),
    value=st.one_of(counts, st.sampled_from([-1.0, 0.0, math.inf, 2])),
)
def _published_experiment_refuses(which, value):
    if which in ("noise", "dt"):
        ok = finite(value) and (value >= 0 if which == "noise" else value > 0)
        ok = ok and not isinstance(value, bool)
    else:
        ok = count_ok(value, lo=3 if which == "num_memories" else 1)
        # sizes of 2^30 pass int32 but not the 1 GiB budget; a long save_every is only slow
        ok = ok and (which == "save_every" or value < 2**30)
    if ok:
        return  # in range: the experiment itself is tested in test_idp_experiments.py
    raises(which, lambda: jh.idp.published_experiment(jax.random.key(0), **{which: value}))


test_published_experiment_refuses_domain, test_published_experiment_refuses_long = (
    _published_experiment_refuses
)


def _trajectory(entry):
    """Memory 0 dominant on samples 0–3, memory 1 on 4–7, none after (|m| < 1/2)."""
    ts = np.arange(10, dtype=np.float32)
    m = np.full((10, 3), 0.1, np.float32)
    m[:4, 0], m[4:8, 1] = 0.9, 0.9
    m[2, 2] = entry  # a non-dominant memory's overlap
    alpha = np.full((10, 3), 0.5, np.float32)
    return ts, m, alpha


@both(
    entry=st.one_of(st.floats(0.0, 0.3), st.sampled_from([math.nan, math.inf])),
    threshold=st.one_of(st.floats(0.2, 0.8), reals),
    max_events=st.sampled_from([1, 4, 0, 2.5]),
)
def _extract_events(entry, threshold, max_events):
    ts, m, alpha = _trajectory(entry)

    def call(*args):
        args = args or (jnp.asarray(ts), jnp.asarray(m), jnp.asarray(alpha))
        return jh.idp.extract_events(*args, max_events=max_events, threshold=threshold)

    if not count_ok(max_events, lo=1):
        return raises("max_events", call)
    if not (finite(threshold) and 0 < threshold < 1):
        return raises("threshold", call)
    if not finite(entry):
        raises("overlaps", call)
        # under jit the same input gives the sentinel, never plausible events
        events = jax.jit(call)(jnp.asarray(ts), jnp.asarray(m), jnp.asarray(alpha))
        assert int(events.num_entries) == -1 and not bool(events.collapsed)
        assert np.all(np.asarray(events.memories) == -1)
        assert np.all(np.isnan(np.asarray(events.entry_times)))
        return
    events = call()
    lo, hi = (0.1, 0.9) if threshold > 0.3 else (max(0.1, entry), 0.9)
    if not lo < threshold < hi or threshold <= 0.3 < entry:
        return  # a threshold at the background level: the event count is not fixed here
    expected = [0, 1][:max_events]
    assert int(events.num_entries) == len(expected)
    assert np.asarray(events.memories)[: len(expected)].tolist() == expected
    assert bool(events.collapsed)
    # linear interpolation of the crossings: 0.1 → 0.9 between samples 3 and 4, 7 and 8
    w = (threshold - 0.1) / 0.8
    assert float(events.collapse_time) == pytest.approx(8 - w, abs=1e-4)
    if max_events > 1:
        assert float(events.entry_times[1]) == pytest.approx(3 + w, abs=1e-4)


test_extract_events_domain, test_extract_events_domain_long = _extract_events


_SEQUENCE = {}


def _sequence_network(kappa):
    # one network structure (kappa is an array leaf): the adiabatic solve compiles once
    if "net" not in _SEQUENCE:
        _SEQUENCE["net"] = jh.idp.SequenceNetwork.hadamard(5.0, size=8, num_memories=4)
    import equinox as eqx

    return eqx.tree_at(lambda n: n.kappa, _SEQUENCE["net"], jnp.asarray(kappa, jnp.float32))


@both(
    kappa=st.one_of(st.floats(0.5, 9.0), st.sampled_from([math.nan, -1.0])),
    z0=st.one_of(st.floats(0.0, 8.0), reals),
    first=st.sampled_from([0, 2, 4, -1, 1.5]),
)
def _adiabatic(kappa, z0, first):
    network = _sequence_network(kappa)

    def call():
        return jh.idp.adiabatic_events(network, z0, max_events=4, first=first)

    if not count_ok(first, lo=0, hi=3):
        return raises("first", call)
    if not (finite(z0) and z0 >= 0):
        raises("z0", call)
        if not (finite(kappa) and kappa >= 0):
            return
        events = jax.jit(lambda z: jh.idp.adiabatic_events(network, z, max_events=4))(z0)
        assert int(events.num_entries) == -1 and np.isnan(float(events.collapse_time))
        return
    if not (finite(kappa) and kappa >= 0):
        return raises("kappa", call)
    events = call()
    n = int(events.num_entries)
    if float(np.float32(z0)) <= 1:  # nothing is retrieved: an immediate collapse
        assert n == 0 and bool(events.collapsed)
        return
    # the first entry is memory `first` at Z_0, and the entry saliencies follow the map
    assert n >= 1 and int(events.memories[0]) == first
    z = np.asarray(events.entry_saliencies, np.float64)[:n]
    assert z[0] == pytest.approx(z0, rel=1e-5)
    k32 = float(np.float32(kappa))
    for a, b in zip(z[:-1], z[1:]):
        assert b == pytest.approx(k32 * (1 - 1 / a), rel=1e-3, abs=1e-3)
    assert np.all(np.isfinite(np.asarray(events.dwell_times)[:n][: n - int(events.collapsed)]))


test_adiabatic_events_domain, test_adiabatic_events_domain_long = _adiabatic


@both(
    which=st.sampled_from(["kappa", "z0", "eps", "noise", "t1", "dt", "max_events", "save_every"]),
    value=st.one_of(reals, st.sampled_from([0, -1, 2.5, 2**31, math.nan])),
)
def _sequential_retrieval(which, value):
    integer = which in ("max_events", "save_every")
    if not integer and not isinstance(value, bool):
        value = float(value)  # the real-valued arguments are annotated float
    kwargs = {"kappa": 5.0, "z0": 3.0, which: value}
    if integer:
        ok = count_ok(value, lo=1)
    else:
        ok = finite(value) and (value >= 0 if which == "noise" else value > 0)
    call = lambda: jh.idp.sequential_retrieval(  # noqa: E731
        method="adiabatic", size=8, num_memories=4, **kwargs
    )
    if not ok:
        return raises(which, call)
    if which not in ("kappa", "z0"):
        return  # only the Euler and continuous paths use these (covered in test_idp_*)
    events, solution = call()
    assert solution is None
    n = int(events.num_entries)
    assert 0 <= n <= 16
    assert np.all(np.isfinite(np.asarray(events.entry_saliencies)[:n]))


test_sequential_retrieval_domain, test_sequential_retrieval_domain_long = _sequential_retrieval


@both(kappa=st.floats(0.5, 9.0), z0=st.floats(0.5, 8.0), n=st.one_of(st.integers(-2, 8), small))
def _map_prediction(kappa, z0, n):
    if not count_ok(n, lo=1):
        return raises("n", lambda: jh.idp.map_prediction(kappa, z0, n))
    z = np.asarray(jh.idp.map_prediction(kappa, z0, n), np.float64)
    assert z.shape == (n,)
    # float64 iteration of Z ← κ (1 − 1/Z), NaN from the first collapse (Z ≤ 1) on
    k32, value = float(np.float32(kappa)), float(np.float32(z0))
    for i in range(n):
        if not finite(z[i]):
            assert value <= 1 + 1e-3 or i > 0
            break
        assert z[i] == pytest.approx(value, rel=1e-3, abs=1e-3)
        value = k32 * (1 - 1 / value) if value > 0 else math.nan


test_map_prediction_domain, test_map_prediction_domain_long = _map_prediction


# --- the CLI's memory while it runs: extreme sizes are refused before they allocate ---

ROOT = Path(__file__).resolve().parents[1]
RSS_CAP_MIB = 4096  # the whole child: Python, JAX, every family, one fit compiled and run
CLI_BUDGET = "2G"  # what the refused sizes are measured against (each needs far more)

# (argv prefix, flag, extreme values, expected exit code): each value needs ≥ 8 GiB if it were
# run; the fit's cap is not allocated, so fit-period converges (exit 0) within the cap
EXTREME = [
    ("saliency --kappa 3 --z0 2", "--steps", st.integers(2 * 10**9, 2**31 - 2), 2),
    ("fit-period --target 2", "--max-steps", st.integers(10**9, 2**31 - 1), 0),
    ("sequence --kappa 5 --z0 3", "--size", st.integers(26, 40).map(lambda k: 2**k), 2),
    ("sequence --kappa 5 --z0 3", "--time", st.floats(1e7, 1e12).map(repr), 2),
    ("ssm train", "--batch", st.integers(10**7, 10**12), 2),
    ("dam-recall", "--steps", st.integers(10**6, 10**9), 2),
    ("firing-rate phase-diagram", "--size", st.integers(10**11, 10**13), 2),
]

IN_PROCESS = """
import contextlib, io, json, resource, sys
from jaxhop.cli import main
report = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(argv)
    report.append([code, err.getvalue()])
# this process's own peak: VmHWM (reset at exec). ru_maxrss is not: Linux carries the forking
# parent's high-water mark across exec, so a pytest worker that had grown to 4 GiB made this
# child report 4 GiB while it used 0.2 GiB
try:
    peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
print(json.dumps({"results": report, "peak_mib": peak}))
"""

SUBPROCESSES = """
import json, resource, subprocess, sys
report = []
for argv in json.loads(sys.argv[1]):
    child = subprocess.run([sys.executable, "-m", "jaxhop", *argv], capture_output=True, text=True)
    report.append([child.returncode, child.stderr])
# the largest peak resident set of the children this process waited for
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"results": report, "peak_mib": peak}))
"""


def _child_env():
    env = dict(os.environ)
    env["JAXHOP_MEMORY_BUDGET"] = CLI_BUDGET
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _extreme_runs(script, values):
    argvs = [
        [*prefix.split(), f"{flag}={value}", *(["--quiet"] if code == 0 else [])]
        for (prefix, flag, _, code), value in zip(EXTREME, values)
    ]
    child = subprocess.run(
        [sys.executable, "-c", script, json.dumps(argvs)],
        env=_child_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.splitlines()[-1])
    for argv, (_, flag, _, expected), (code, err) in zip(argvs, EXTREME, report["results"]):
        assert code == expected, (argv, err)
        assert "Traceback" not in err
        if expected == 2:  # refused, naming the flag, in one line
            lines = err.strip().splitlines()
            assert len(lines) == 1 and flag in lines[0], (argv, err)
    assert 0 < report["peak_mib"] < RSS_CAP_MIB, report["peak_mib"]


extreme_values = st.tuples(*(values for _, _, values, _ in EXTREME))


@settings(FAST, max_examples=1)
@given(values=extreme_values)
def test_cli_memory_stays_under_the_cap(values):
    _extreme_runs(IN_PROCESS, values)


@pytest.mark.slow
@settings(LONG, max_examples=3)
@given(values=extreme_values)
def test_cli_memory_stays_under_the_cap_long(values):
    _extreme_runs(IN_PROCESS, values)


@pytest.mark.slow
@settings(FAST, max_examples=1)
@given(values=extreme_values)
def test_cli_memory_stays_under_the_cap_one_process_per_command(values):
    _extreme_runs(SUBPROCESSES, values)
