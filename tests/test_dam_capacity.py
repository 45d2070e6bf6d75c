"""``jaxhop.dam`` dynamical capacity: the crossing finder, the bisection, the finite-size fit
(against closed forms and a NumPy Monte Carlo) and the ``dam-capacity`` command."""

import json
import math

import numpy as np
import pytest

from jaxhop.cli import main
from jaxhop.dam import bisect_crossing, finite_size_fit, success_crossing


def test_crossing_of_a_linear_curve_is_exact():
    loads = np.linspace(0.2, 0.6, 9)
    rates = np.clip(1.0 - (loads - 0.2) / 0.4 * 1.25, 0, 1)  # r = 1/2 at α' = 0.36
    assert success_crossing(loads, rates) == pytest.approx(0.36, abs=1e-12)
    shuffled = np.random.default_rng(0).permutation(loads.size)  # order does not matter
    assert success_crossing(loads[shuffled], rates[shuffled]) == pytest.approx(0.36, abs=1e-12)


def test_crossing_of_a_logistic_curve_on_a_symmetric_grid():
    # symmetric about 0.31 on a grid symmetric about it: linear interpolation is exact there
    loads = 0.31 + 0.02 * (np.arange(10) - 4.5)
    rates = 1 / (1 + np.exp((loads - 0.31) / 0.015))
    assert success_crossing(loads, rates) == pytest.approx(0.31, abs=1e-12)
    # off-centre grid: within the interpolation error of a smooth curve (< spacing² · |r''|)
    loads = np.linspace(0.2, 0.45, 11)
    rates = 1 / (1 + np.exp((loads - 0.3137) / 0.03))
    assert success_crossing(loads, rates) == pytest.approx(0.3137, abs=2e-3)


def test_crossing_pools_non_monotone_points():
    # pool adjacent violators by hand: (1, 0.4, 0.6, 0) → (1, 0.5, 0.5, 0); the last point at
    # or above 1/2 is the third, at 0.3, and the line to (0.4, 0) leaves 1/2 right there
    assert success_crossing([0.1, 0.2, 0.3, 0.4], [1.0, 0.4, 0.6, 0.0]) == pytest.approx(0.3)
    # (1, 0.8, 0.2, 0.4, 0) → (1, 0.8, 0.3, 0.3, 0): crossing between 0.2 and 0.3, at 0.25
    got = success_crossing([0.1, 0.2, 0.3, 0.4, 0.5], [1.0, 0.8, 0.2, 0.4, 0.0])
    assert got == pytest.approx(0.2 + 0.3 / 0.5 * 0.1)


def test_crossing_outside_the_grid_is_nan():
    assert math.isnan(success_crossing([0.1, 0.2, 0.3], [1.0, 0.9, 0.6]))
    assert math.isnan(success_crossing([0.1, 0.2, 0.3], [0.4, 0.2, 0.0]))


def test_bisection_brackets_a_known_step():
    truth = 0.28371

    def rate(load):
        return 1.0 if load < truth else 0.0

    lo, hi, seen = bisect_crossing(rate, 0.2, 0.4, iterations=10)
    assert lo <= truth < hi
    assert hi - lo == pytest.approx(0.2 / 2**10)
    assert len(seen) == 10 and all(r == rate(a) for a, r in seen)
    # the evaluated points, with the bracket ends, give the crossing to the last bracket
    loads = [0.2, 0.4, *(a for a, _ in seen)]
    rates = [1.0, 0.0, *(r for _, r in seen)]
    assert abs(success_crossing(loads, rates) - truth) < 0.2 / 2**10


def test_finite_size_fit_recovers_a_known_intercept():
    sizes = np.array([128, 256, 512, 1024, 2048])
    exact = 0.291 + 0.83 * sizes**-0.5
    fit = finite_size_fit(sizes, exact)
    assert fit["intercept"] == pytest.approx(0.291, abs=1e-12)
    assert fit["slope"] == pytest.approx(0.83, abs=1e-10)
    assert fit["intercept_err"] < 1e-10  # exact data: no residual


def test_finite_size_fit_error_bar_matches_monte_carlo():
    # weighted fit with known σ: the reported intercept error is the spread of the intercept
    # over independent noisy data sets (NumPy Monte Carlo, not the fit's own formula)
    rng = np.random.default_rng(1)
    sizes = np.array([128, 256, 512, 1024])
    sigma = np.array([0.02, 0.015, 0.01, 0.01])
    truth = 0.3 + 0.5 * sizes**-0.5
    fits = [
        finite_size_fit(sizes, truth + sigma * rng.standard_normal(4), sigma) for _ in range(4000)
    ]
    intercepts = np.array([f["intercept"] for f in fits])
    assert abs(intercepts.mean() - 0.3) < 4 * fits[0]["intercept_err"] / math.sqrt(4000)
    assert np.std(intercepts) == pytest.approx(fits[0]["intercept_err"], rel=0.06)


def test_dam_capacity_json(capsys, tmp_path):
    argv = (
        "dam-capacity --sizes 64 96 --trials 8 --steps 5 --loads 0.1 0.5 8.0 --refine 2 "
        "--bootstrap 50 --json"
    )
    assert main([*argv.split(), "--out", str(tmp_path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (tmp_path / "dam_capacity.png").stat().st_size > 10_000
    for name in ("capacity", "capacity_err", "sizes", "capacity_by_size", "steps", "m0", "curves"):
        assert name in out
    assert out["sizes"] == [64, 96] and out["steps"] == 5 and out["m0"] == 1.0
    assert out["reference"] == {"rs": 0.252, "1rsb": 0.266, "paper_dynamical": 0.3}
    for k, (curve, size) in enumerate(zip(out["curves"], (64, 96))):
        loads, rates = np.array(curve["loads"]), np.array(curve["rates"])
        assert curve["size"] == size and len(loads) == len(rates) == 5  # 3 grid + 2 midpoints
        # α' = 3M/N² of the patterns actually used
        np.testing.assert_allclose(loads, 3 * np.array(curve["patterns"]) / size**2)
        assert rates[0] == 1.0 and rates[-1] == 0.0  # α' = 8: m(1) ≈ erf(1/4) = 0.28
        assert 0.1 < out["capacity_by_size"][k] < 8.0
    # two sizes: the fit is the line through both points, α'_c(∞) = (c₁x₂ − c₂x₁)/(x₂ − x₁)
    (c1, c2), (x1, x2) = out["capacity_by_size"], (64**-0.5, 96**-0.5)
    assert out["capacity"] == pytest.approx((c1 * x2 - c2 * x1) / (x2 - x1), rel=1e-9)
    assert out["exponent"] == 0.5


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sizes": (64,)}, "sizes"),
        ({"loads": (0.3,)}, "loads"),
        ({"trials": 0}, "trials"),
        ({"refine": -1}, "refine"),
        ({"m0": 1.5}, "m0"),
        ({"pattern_sets": 0}, "pattern_sets"),
    ],
)
def test_dynamical_capacity_refuses_bad_arguments(kwargs, name):
    import jax

    from jaxhop.dam import dynamical_capacity

    with pytest.raises(ValueError, match=name):
        dynamical_capacity(jax.random.key(0), **{"sizes": (64, 96), **kwargs})


@pytest.mark.parametrize(
    "args,match",
    [
        ("--sizes 64", "--sizes"),
        ("--sizes 64 64", "--sizes"),
        ("--sizes 4 64", "--sizes"),
        ("--m0 0", "--m0"),
        ("--m0 1.5", "--m0"),
        ("--loads 0.3", "--loads"),
        ("--loads 0.3 -0.1", "--loads"),
        ("--loads 0.3 nan", "--loads"),
        ("--steps 0", "--steps"),
        ("--trials 0", "--trials"),
        ("--refine -1", "--refine"),
        ("--order 1", "--order"),
        ("--exponent 0", "--exponent"),
        ("--sizes 64 100000 --loads 0.2 0.5", "patterns"),
    ],
)
def test_dam_capacity_bad_input(capsys, args, match):
    code = main(["dam-capacity", *args.split(), "--json"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert match in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_dynamical_capacity_resumes_from_its_store(tmp_path, monkeypatch):
    import jax

    from jaxhop.dam import _capacity, dynamical_capacity

    store = tmp_path / "new-folder" / "points.json"  # created with the first point
    kwargs = dict(sizes=(64, 96), trials=6, steps=4, loads=(0.1, 0.5, 8.0), refine=1)
    first = dynamical_capacity(jax.random.key(3), store=store, bootstrap=20, **kwargs)
    assert first["points_reused"] == 0 and first["points_measured"] == 8  # 2 × (3 + 1)
    assert first["store"] == str(store)
    saved = json.loads(store.read_text())
    assert len(saved["points"]) == 8

    # the same call again simulates nothing: every point comes from the store
    def no_simulation(*args, **kw):
        raise AssertionError("a stored point was simulated again")

    monkeypatch.setattr(_capacity, "_final_overlaps", no_simulation)
    again = dynamical_capacity(jax.random.key(3), store=store, bootstrap=20, **kwargs)
    assert again["points_reused"] == 8 and again["points_measured"] == 0
    assert again["capacity"] == first["capacity"]
    np.testing.assert_array_equal(again["capacity_by_size"], first["capacity_by_size"])
    # another seed is another run: nothing of the store is reused
    monkeypatch.undo()
    other = dynamical_capacity(jax.random.key(4), store=store, bootstrap=0, **kwargs)
    assert other["points_reused"] == 0 and len(json.loads(store.read_text())["points"]) == 16


def test_dynamical_capacity_store_matches_a_run_without_one(tmp_path):
    import jax

    from jaxhop.dam import dynamical_capacity

    kwargs = dict(sizes=(64, 96), trials=4, steps=3, loads=(0.2, 6.0), refine=1, bootstrap=0)
    plain = dynamical_capacity(jax.random.key(5), **kwargs)
    stored = dynamical_capacity(jax.random.key(5), store=tmp_path / "s.json", **kwargs)
    np.testing.assert_array_equal(plain["capacity_by_size"], stored["capacity_by_size"])
    assert plain["store"] is None and plain["points_measured"] == 6  # 2 × (2 + 1)


@pytest.mark.parametrize("kind", ["directory", "below-a-file", "not-json", "other-json"])
def test_dam_capacity_refuses_a_bad_store(capsys, tmp_path, kind):
    path = {
        "directory": tmp_path,
        "below-a-file": tmp_path / "s.json" / "deeper" / "p.json",
        "not-json": tmp_path / "s.json",
        "other-json": tmp_path / "o.json",
    }[kind]
    (tmp_path / "s.json").write_text("{not json")
    (tmp_path / "o.json").write_text('{"points": {}}')
    code = main(["dam-capacity", "--sizes", "64", "96", "--store", str(path), "--json"])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "--store" in err and len(err.splitlines()) == 1 and "Traceback" not in err
    (tmp_path / "s.json").unlink()
