r"""The saliency map of sequential retrieval.

Source: Betteti, Baggio, Zampieri, *A Dynamical Theory of Sequential Retrieval in Input-Driven
Hopfield Networks* (arXiv 2603.03201, 2026). When memory ``k`` of a sequence is retrieved with
saliency ``Z_k``, it dwells for ``T_k = ln Z_k`` and hands over to its successor with saliency

.. math::  Z_{k+1} = f_\kappa(Z_k) = \kappa\,(1 - 1/Z_k), \qquad Z > 0,\ \kappa > 0.

A step with ``Z_t ≤ 1`` means the memory cannot be retrieved: the sequence has *collapsed*.

Everything here is closed form except :func:`orbit` / :func:`retrievals`, which iterate the
map with the shared engine (:func:`jaxhop.integrate`). All functions are pure, work on scalars
(``vmap`` for batches — or pass arrays: the closed forms broadcast), under ``jit`` and
``grad``, in float32 by default and float64 with ``jax_enable_x64``.

Facts used (the threshold κ = 4, the periodic regime and ``T_∞ = ln Z_+`` are the paper's; the
closed forms follow from the linear recurrence below and are worked out in ``docs/saliency.md``):

- fixed points ``Z_± = (κ ± √(κ² − 4κ))/2`` (real iff κ ≥ 4), ``Z_+ + Z_− = Z_+ Z_− = κ``;
- ``f'(Z) = κ/Z²``: ``f'(Z_+) = Z_−/Z_+ < 1`` (stable), ``f'(Z_−) = Z_+/Z_− > 1`` (unstable);
- with ``Z_t = y_{t+1}/y_t`` the map is the linear recurrence ``y_{t+2} = κ y_{t+1} − κ y_t``,
  which gives the orbit, the collapse index and the cumulative time in closed form.

Regimes (integer codes, names in :data:`REGIMES`): ``0`` periodic (κ ≥ 4, ``Z_0 ≥ Z_−``:
converges to ``Z_+``, period ``T_∞ = ln Z_+``), ``1`` collapse (κ ≥ 4, ``Z_0 < Z_−``),
``2`` decay (κ < 4: every orbit collapses).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float, Int

from .._checks import check_int, check_real, is_traced
from .._integrate import integrate

__all__ = [
    "KAPPA_CRITICAL",
    "PERIODIC",
    "COLLAPSE",
    "DECAY",
    "INVALID",
    "REGIMES",
    "saliency_map",
    "fixed_points",
    "multipliers",
    "period",
    "regime",
    "orbit",
    "retrievals",
    "soft_retrievals",
    "collapse_index",
    "cumulative_time",
    "dwell_times",
    "kappa_for_period",
    "min_period",
    "is_collapsed",
]

KAPPA_CRITICAL = 4.0
"""The saddle-node threshold: fixed points exist iff κ ≥ 4."""

PERIODIC = 0
"""Regime code: κ ≥ 4 and Z₀ ≥ Z₋; the orbit never collapses (period ln Z₊)."""
COLLAPSE = 1
"""Regime code: κ ≥ 4 and Z₀ < Z₋; the orbit falls to Z ≤ 1 after finitely many steps."""
DECAY = 2
"""Regime code: κ < 4, no real fixed point; the orbit reaches Z ≤ 1 in finitely many steps."""
REGIMES = ("periodic", "collapse", "decay")
"""Names of the regime codes returned by :func:`regime`."""

INVALID = -1
"""Sentinel of the integer-valued functions (:func:`regime`, :func:`retrievals`) under ``jit``
for inputs outside the domain (κ or ``Z_0`` non-finite or ``≤ 0``); concrete inputs there
raise ``ValueError`` instead."""

Scalar = Float[ArrayLike, "..."]
One = Float[ArrayLike, ""]


def _float(x) -> Array:
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.result_type(float))
    return x


def _check_domain(kappa, z0=None) -> None:
    # Concrete arguments: the map is defined for finite κ > 0 and Z > 0 — also once cast to
    # the working precision (float32 unless x64), where 1e-45 is 0 and 1e39 is inf.
    for name, value in (("kappa", kappa), ("z0", z0)):
        if value is None:
            continue
        check_real(name, value, lo=0, lo_open=True)
        if is_traced(value) or isinstance(value, jax.Array):
            continue  # a JAX array is already in the precision the map computes in
        dtype = np.dtype(jnp.result_type(float))
        with np.errstate(over="ignore", under="ignore"):
            cast = np.asarray(value, np.float64).astype(dtype)
        info = np.finfo(dtype)
        if not np.all(np.isfinite(cast) & (cast >= info.tiny)):  # XLA flushes subnormals
            raise ValueError(
                f"{name} must be in [{info.tiny:.3g}, {info.max:.3g}] to be represented in "
                f"{dtype.name} (enable jax_enable_x64 for more); got {value!r}"
            )


def _in_domain(kappa, z0=None) -> Array:
    # Traced arguments: where this is False the result is NaN (or INVALID).
    ok = jnp.isfinite(kappa) & (kappa > 0)
    if z0 is not None:
        ok = ok & jnp.isfinite(z0) & (z0 > 0)
    return ok


def _check_count(name: str, n) -> None:
    if is_traced(n):
        return
    values = np.asarray(n)
    if values.ndim == 0 and not isinstance(n, (np.ndarray, jax.Array)):
        check_int(name, n, lo=0)
        return
    check_real(name, values, lo=0)
    if not np.all(np.asarray(values, np.float64) == np.floor(np.asarray(values, np.float64))):
        raise ValueError(f"{name} must hold integers >= 0; got {n!r}")


def min_period() -> float:
    """``ln 2``: the shortest period any gain gives (``T_∞(4) = ln 2``)."""
    return math.log(2.0)


def saliency_map(kappa: Scalar, z: Scalar) -> Float[Array, ...]:
    """One step of the map, ``f_κ(Z) = κ(1 − 1/Z)``, for finite ``κ > 0`` and ``Z > 0``.

    Concrete arguments outside that domain raise ``ValueError``; traced ones give NaN.
    """
    _check_domain(kappa, z)
    kappa, z = _float(kappa), _float(z)
    return jnp.where(_in_domain(kappa, z), kappa * (1 - 1 / z), jnp.nan)


def fixed_points(kappa: Scalar) -> tuple[Float[Array, ...], Float[Array, ...]]:
    """``(Z_−, Z_+) = (κ ∓ √(κ² − 4κ))/2``; both NaN for κ < 4 (no real fixed point).

    Differentiable for κ > 4 (``dZ_±/dκ = (1 ± (κ − 2)/√(κ² − 4κ))/2``, infinite at κ = 4).
    Concrete κ that is not a finite number ``> 0`` raises ``ValueError``; traced, NaN.
    """
    _check_domain(kappa)
    kappa = _float(kappa)
    disc = kappa * kappa - 4 * kappa
    real = (disc >= 0) & _in_domain(kappa)
    root = jnp.sqrt(jnp.where(real, disc, 1.0))  # safe where: no NaN gradient below 4
    nan = jnp.full_like(kappa, jnp.nan)
    return (
        jnp.where(real, (kappa - root) / 2, nan),
        jnp.where(real, (kappa + root) / 2, nan),
    )


def multipliers(kappa: Scalar) -> tuple[Float[Array, ...], Float[Array, ...]]:
    """Derivatives of the map at the fixed points, ``(f'(Z_−), f'(Z_+)) = (Z_+/Z_−, Z_−/Z_+)``.

    ``f'(Z_+) < 1 < f'(Z_−)`` for κ > 4: ``Z_+`` is stable, ``Z_−`` unstable; both equal 1 at
    the saddle-node κ = 4. NaN below 4.
    """
    z_minus, z_plus = fixed_points(kappa)
    return z_plus / z_minus, z_minus / z_plus


def period(kappa: Scalar) -> Float[Array, ...]:
    """Asymptotic period ``T_∞ = ln Z_+(κ)`` of the periodic regime; NaN for κ < 4."""
    return jnp.log(fixed_points(kappa)[1])


def kappa_for_period(target_period: Scalar) -> Float[Array, ...]:
    """Closed-form inverse of :func:`period`: ``κ = Z_+²/(Z_+ − 1)`` with ``Z_+ = e^T``.

    Valid for ``ln 2 ≤ T ≤ T_max``, where ``T_max = ⌊ln(largest float)⌋`` (88 in float32,
    709 in float64) keeps κ ≈ e^T representable. Evaluated as ``κ = Z_+ + 1 + 1/(Z_+ − 1)``
    (the same value, without the overflow of ``Z_+²``). Concrete inputs outside the range
    raise ``ValueError``; traced inputs (inside ``jit``) give NaN below ``ln 2`` and a
    non-finite κ where it overflows.
    """
    t = _float(target_period)
    t_max = float(math.floor(math.log(float(jnp.finfo(t.dtype).max))))
    if not is_traced(target_period):
        values = np.asarray(target_period, dtype=np.float64)
        bad = ~np.isfinite(values) | (values < math.log(2.0) - 1e-12) | (values > t_max)
        if bad.any():
            raise ValueError(
                f"target_period must be a finite number in [ln 2 ≈ 0.693147, {t_max:g}] (ln 2 "
                f"is the period at κ = 4; beyond {t_max:g} κ ≈ e^T overflows {t.dtype}); "
                f"got {values[bad].ravel()[0]!r}"
            )
    z_plus = jnp.exp(t)
    kappa = z_plus + 1 + 1 / (z_plus - 1)
    return jnp.where(t >= math.log(2.0) - 1e-7, kappa, jnp.nan)


def regime(kappa: Scalar, z0: Scalar) -> Int[Array, ...]:
    """Regime code: 0 periodic (κ ≥ 4, Z_0 ≥ Z_−), 1 collapse (κ ≥ 4, Z_0 < Z_−), 2 decay.

    ``Z_0 = Z_−`` exactly is the unstable fixed point and never collapses: it counts as
    periodic. See :data:`REGIMES` for names. Domain: finite ``κ > 0``, ``Z_0 > 0``; concrete
    arguments outside it raise ``ValueError``, traced ones give :data:`INVALID` (−1).
    """
    _check_domain(kappa, z0)
    kappa, z0 = _float(kappa), _float(z0)
    z_minus, _ = fixed_points(kappa)
    code = jnp.where(kappa < KAPPA_CRITICAL, DECAY, jnp.where(z0 >= z_minus, PERIODIC, COLLAPSE))
    return jnp.where(_in_domain(kappa, z0), code, INVALID).astype(jnp.int32)


def collapse_index(kappa: Scalar, z0: Scalar) -> Float[Array, ...]:
    r"""Closed-form number of retrievals before collapse (``+inf`` in the periodic regime).

    It is the number of indices ``t ≥ 0`` with ``Z_t > 1`` before the first ``Z_t ≤ 1``:

    - κ > 4, ``Z_0 < Z_−``: ``(Z_t − Z_+)/(Z_t − Z_−) = (Z_−/Z_+)^t c_0`` with
      ``c_0 = (Z_0 − Z_+)/(Z_0 − Z_−)``, and ``Z_t > 1`` iff that ratio exceeds its value
      ``(Z_+ − 1)²`` at ``Z = 1``, so ``t* = ⌈ln(c_0/(Z_+ − 1)²) / ln(Z_+/Z_−)⌉``.
    - κ = 4, ``Z_0 < 2``: ``Z_t = 2 + 2d/(2 + t d)``, ``d = Z_0 − 2``, and
      ``t* = ⌈2/(2 − Z_0) − 2⌉``.
    - κ < 4: ``Z_t = √κ sin((t+1)θ + φ)/sin(tθ + φ)``, ``θ = arccos(√κ/2)``, and
      ``√κ sin(ψ + θ) − sin ψ = sin(ψ + 2θ)``, so ``Z_t > 1`` iff ``φ + (t + 2)θ < π``:
      ``t* = ⌈(π − φ)/θ − 2⌉``.

    All clipped at 0 (``Z_0 ≤ 1`` gives 0). Returned as a float so that ``inf`` can mark the
    periodic regime. Agrees with :func:`retrievals` (a test); not differentiable (integer).
    Domain: finite ``κ > 0``, ``Z_0 > 0``; concrete arguments outside it raise
    ``ValueError``, traced ones give NaN.
    """
    _check_domain(kappa, z0)
    kappa, z0 = _float(kappa), _float(z0)
    z_minus, z_plus = fixed_points(kappa)
    above = kappa > KAPPA_CRITICAL
    at = kappa == KAPPA_CRITICAL
    below = kappa < KAPPA_CRITICAL

    # κ > 4 (safe placeholders elsewhere keep every branch finite)
    zm = jnp.where(above, z_minus, 1.5)
    zp = jnp.where(above, z_plus, 3.0)
    z0a = jnp.where(above & (z0 < zm), z0, 0.5 * (1 + zm))
    c0 = (z0a - zp) / (z0a - zm)
    t_above = jnp.ceil(jnp.log(c0 / (zp - 1) ** 2) / jnp.log(zp / zm))

    # κ = 4
    z0b = jnp.where(at & (z0 < 2), z0, 1.0)
    t_at = jnp.ceil(2 / (2 - z0b) - 2)

    # κ < 4
    kb = jnp.where(below, kappa, 2.0)
    sqrt_k = jnp.sqrt(kb)
    theta = jnp.arccos(sqrt_k / 2)
    phi = jnp.arctan2(jnp.sin(theta), z0 / sqrt_k - jnp.cos(theta))
    t_below = jnp.ceil((jnp.pi - phi) / theta - 2)

    finite = jnp.where(above, t_above, jnp.where(at, t_at, t_below))
    finite = jnp.maximum(finite, 0.0)
    periodic = regime(kappa, z0) == PERIODIC
    return jnp.where(_in_domain(kappa, z0), jnp.where(periodic, jnp.inf, finite), jnp.nan)


def cumulative_time(kappa: Scalar, z0: Scalar, n: Int[ArrayLike, ...]) -> Float[Array, ...]:
    r"""Time spent in the first ``n`` memories, ``T(n) = Σ_{t<n} ln Z_t``, in closed form.

    ``T(n) = ln(y_n/y_0)`` for the linear recurrence ``y_{t+2} = κ y_{t+1} − κ y_t``:

    - κ > 4: ``T(n) = ln(A Z_+^n + B Z_−^n)``, ``A = (Z_0 − Z_−)/(Z_+ − Z_−)``, ``B = 1 − A``;
    - κ = 4: ``T(n) = n ln 2 + ln(1 + n (Z_0 − 2)/2)``;
    - κ < 4: ``T(n) = (n/2) ln κ + ln(sin(nθ + φ)/sin φ)`` (θ, φ as in
      :func:`collapse_index`).

    Defined while the sequence lives (``n ≤`` :func:`collapse_index`); NaN beyond, where the
    dwell of a non-retrieved memory is meaningless. Differentiable in κ and ``Z_0``.
    Domain: finite ``κ > 0``, ``Z_0 > 0`` and integer ``n ≥ 0``; concrete arguments outside
    it raise ``ValueError``, traced ones give NaN.
    """
    _check_domain(kappa, z0)
    _check_count("n", n)
    kappa, z0 = _float(kappa), _float(z0)
    n_float = jnp.asarray(n).astype(kappa.dtype)
    z_minus, z_plus = fixed_points(kappa)
    above = kappa > KAPPA_CRITICAL
    at = kappa == KAPPA_CRITICAL
    below = ~(above | at)

    zm = jnp.where(above, z_minus, 1.5)
    zp = jnp.where(above, z_plus, 3.0)
    a_coef = (z0 - zm) / (zp - zm)
    # A Z_+^n + B Z_-^n = Z_+^n (A + B (Z_-/Z_+)^n): factor Z_+^n to avoid overflow.
    inner_above = a_coef + (1 - a_coef) * (zm / zp) ** n_float
    t_above = n_float * jnp.log(zp) + jnp.log(jnp.where(inner_above > 0, inner_above, 1.0))

    inner_at = 1 + n_float * (z0 - 2) / 2
    t_at = n_float * math.log(2.0) + jnp.log(jnp.where(inner_at > 0, inner_at, 1.0))

    kb = jnp.where(below, kappa, 2.0)
    sqrt_k = jnp.sqrt(kb)
    theta = jnp.arccos(sqrt_k / 2)
    phi = jnp.arctan2(jnp.sin(theta), z0 / sqrt_k - jnp.cos(theta))
    ratio = jnp.sin(n_float * theta + phi) / jnp.sin(phi)
    t_below = n_float * jnp.log(sqrt_k) + jnp.log(jnp.where(ratio > 0, ratio, 1.0))

    value = jnp.where(above, t_above, jnp.where(at, t_at, t_below))
    alive = n_float <= collapse_index(kappa, z0)
    counted = (n_float >= 0) & (n_float == jnp.floor(n_float))
    return jnp.where(alive & counted, value, jnp.nan)


def _orbit_step(kappa, z, t, key):
    # After the first Z ≤ 1 the sequence has ended: NaN marks "no memory" from then on.
    # The double `where` keeps gradients finite (no 1/0 in the untaken branch).
    alive = z > 1
    safe_z = jnp.where(alive, z, 2.0)
    return jnp.where(alive, kappa * (1 - 1 / safe_z), jnp.nan)


def orbit(kappa: One, z0: One, steps: int) -> Float[Array, " steps_plus_1"]:
    """Iterate the map: ``[Z_0, Z_1, …, Z_steps]`` (``steps + 1`` values).

    The first value ``≤ 1`` (the collapse) is kept; every value after it is NaN — no memory is
    retrieved any more, so there is nothing to report. Differentiable in κ and ``Z_0`` before
    the collapse. Runs on the shared engine with ``save_every=1``. Domain: finite ``κ > 0``,
    ``Z_0 > 0``, integer ``0 ≤ steps < 2³¹``; concrete arguments outside it raise
    ``ValueError``, traced ones give an all-NaN orbit.
    """
    steps = check_int("steps", steps, lo=0, hi=2**31 - 2)
    _check_domain(kappa, z0)
    kappa, z0 = _float(kappa), _float(z0)
    kappa, z0 = jnp.broadcast_arrays(kappa, z0)
    z0 = jnp.where(_in_domain(kappa, z0), z0, jnp.nan)  # outside the domain
    sol = integrate(_orbit_step, kappa, z0, num_steps=int(steps), save_every=1)
    return sol.ys


def dwell_times(kappa: One, z0: One, n: int) -> Float[Array, " n"]:
    """Dwell times ``T_k = ln Z_k`` of the first ``n`` memories (NaN after a collapse); the
    domain is that of :func:`orbit` with ``n ≥ 0``."""
    n = check_int("n", n, lo=0)
    zs = orbit(kappa, z0, n - 1) if n > 0 else jnp.zeros((0,), _float(kappa).dtype)
    return jnp.where(zs > 1, jnp.log(jnp.where(zs > 0, zs, 1.0)), jnp.nan)


def _count_step(kappa, state, t, key):
    # Two-state form (saliency, count), used where the one-state clock below cannot count.
    z, count = state
    alive = z > 1
    count = count + alive.astype(count.dtype)
    return _orbit_step(kappa, z, t, key), count


# The one-state retrieval clock. While a point is alive its state is the saliency Z_t > 1;
# the step after the collapse writes the marker −1/2, and every later step subtracts 1, so the
# state −1/2 − (k − 1) says "k steps since the collapse". No count is carried: XLA then fuses a
# step into one loop over the points instead of one for Z and one for the count (measured 3×
# faster at 10⁶ points × 200 steps, benchmarks/bench_saliency.py). The collapse value itself is
# ≥ 0 (κ(1 − 1/Z) with Z > 1), markers are ≤ −1/2: the threshold −1/4 tells them apart. Exact
# while the markers are integers + 1/2 of the float type: fewer than 2^nmant steps.
_ENDED = -0.25


def _clock_step(kappa, z, t, key):
    alive = z > 1
    safe_z = jnp.where(alive, z, 2.0)
    ended = jnp.where(z > _ENDED, -0.5, z - 1)  # NaN (outside the domain) stays NaN
    return jnp.where(alive, kappa * (1 - 1 / safe_z), ended)


def _clock_fits(dtype, max_steps: int) -> bool:
    return max_steps < 2 ** jnp.finfo(dtype).nmant


def _final_and_retrievals(kappa: Array, z0: Array, max_steps: int) -> tuple[Array, Array]:
    """``(Z_max_steps, retrievals)`` of the iteration, NaN saliency after a collapse — the
    state of :func:`_count_step` after ``max_steps`` steps, computed by the one-state clock
    where it is exact. No domain checks (callers make them)."""
    if not _clock_fits(jnp.result_type(kappa, z0), max_steps):
        state0 = (z0, jnp.zeros(jnp.shape(z0), jnp.int32))
        return integrate(_count_step, kappa, state0, num_steps=max_steps).final
    z = integrate(_clock_step, kappa, z0, num_steps=max_steps).final
    ended = z <= _ENDED
    since = jnp.where(ended, jnp.round(0.5 - z), 0).astype(jnp.int32)  # −1/2 → 1 step
    count = jnp.where(jnp.isnan(z), 0, max_steps - since)
    return jnp.where(ended, jnp.nan, z), count


def retrievals(kappa: One, z0: One, max_steps: int) -> Int[Array, ""]:
    """Number of retrievals by iteration: indices ``t < max_steps`` with ``Z_t > 1`` before the
    first ``Z_t ≤ 1``.

    Capped at ``max_steps`` (the periodic regime, and slow decays, reach the cap). Keeps only
    the running state — O(1) memory whatever ``max_steps`` is. Agrees with
    :func:`collapse_index` below the cap. Domain: finite ``κ > 0``, ``Z_0 > 0``, integer
    ``0 ≤ max_steps < 2³¹``; concrete arguments outside it raise ``ValueError``, traced ones
    give :data:`INVALID` (−1).
    """
    max_steps = check_int("max_steps", max_steps, lo=0)
    _check_domain(kappa, z0)
    kappa, z0 = _float(kappa), _float(z0)
    kappa, z0 = jnp.broadcast_arrays(kappa, z0)
    valid = _in_domain(kappa, z0)
    z0 = jnp.where(valid, z0, jnp.nan)
    _, count = _final_and_retrievals(kappa, z0, max_steps)
    return jnp.where(valid, count, INVALID)


def _soft_step(kappa, state, t, key):
    z, survive, total, temperature = state
    # Probability-like survival: product over s ≤ t of σ((Z_s − 1)/τ).
    survive = survive * jax.nn.sigmoid((z - 1) / temperature)
    total = total + survive
    # Keep Z away from the pole so the smooth surrogate stays finite after a collapse.
    z_next = kappa * (1 - 1 / jnp.maximum(z, 0.5))
    return z_next, survive, total, temperature


def soft_retrievals(
    kappa: One,
    z0: One,
    max_steps: int,
    temperature: Float[ArrayLike, ""] = 0.05,
) -> Float[Array, ""]:
    r"""Smooth surrogate of :func:`retrievals` for gradient fitting (ours).

    ``R_τ = Σ_{t<max_steps} Π_{s≤t} σ((Z_s − 1)/τ)``: each hard indicator ``[Z_s > 1]`` of the
    running product is replaced by a logistic of width τ. As τ → 0 it tends to the hard count
    (away from orbits that touch ``Z = 1``); for τ > 0 it is differentiable in κ and ``Z_0``.
    Domain: finite ``κ > 0``, ``Z_0 > 0``, ``τ > 0``, integer ``0 ≤ max_steps < 2³¹``;
    concrete arguments outside it raise ``ValueError``, traced ones give NaN.
    """
    max_steps = check_int("max_steps", max_steps, lo=0)
    _check_domain(kappa, z0)
    check_real("temperature", temperature, lo=0, lo_open=True)
    kappa, z0 = _float(kappa), _float(z0)
    one = jnp.ones_like(z0)
    temperature = jnp.asarray(temperature, z0.dtype)
    state0 = (z0, one, jnp.zeros_like(z0), temperature)
    sol = integrate(_soft_step, kappa, state0, num_steps=max_steps)
    valid = _in_domain(kappa, z0) & jnp.isfinite(temperature) & (temperature > 0)
    return jnp.where(valid, sol.final[2], jnp.nan)


def is_collapsed(kappa: Scalar, z0: Scalar, n: Int[ArrayLike, ...]) -> Bool[Array, ...]:
    """Whether the sequence has collapsed within its first ``n`` memories.

    Concrete arguments outside the domain of :func:`collapse_index` raise ``ValueError``;
    under ``jit`` such inputs give ``False`` (a boolean has no NaN: check the inputs, or use
    :func:`collapse_index`, which is NaN there).
    """
    _check_count("n", n)
    return collapse_index(kappa, z0) < jnp.asarray(n)
