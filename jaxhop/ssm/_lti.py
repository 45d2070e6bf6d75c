"""Diagonal linear time-invariant (LTI) state-space layer, recurrent and convolutional.

The LTI block of Casti, Zampieri & Pasqualetti (arXiv 2505.17932); this diagonal
parameterisation is ours (``docs/ssm.md``). The layer maps an input sequence
``u_0 … u_{L−1}`` (``H`` channels) to an output sequence (``P`` channels) through

    x_{t+1} = A x_t + B u_t,   y_t = Re(C x_t) + D u_t,   x_0 = 0,

with ``A = diag(λ)`` diagonal, ``λ_n = exp(−exp(log_rate_n) + i θ_n)`` (``|λ_n| < 1`` for any
real parameters: stable by construction; the step size Δ is absorbed into the rate and the
angle). ``complex=False`` keeps ``θ = 0`` (real poles). Unrolling the recursion,

    y_t = D u_t + Σ_{k=0}^{t−1} K_k u_{t−1−k},   K_k = Re(C A^k B) ∈ R^{P×H},

so the layer is a causal convolution with kernel ``K``. Two execution modes give the same
numbers (to float tolerance):

- ``mode="recurrent"``: a ``lax.scan`` over sequence positions (inference, O(L·N) memory-free
  streaming). An SSM layer is a *sequence map*, not a time-stepped simulation of the package's
  dynamics, so this scan lives inside the layer rather than in ``jh.integrate``;
- ``mode="conv"``: the kernel is materialised in closed form as a Vandermonde product
  ``K_k = Σ_n C_{pn} λ_n^k B_{nh}`` (an einsum with the power matrix ``λ_n^k`` — no loop over
  k and no N×N matrix powers), and applied by a zero-padded real FFT convolution in
  O(P·H·L log L) (training).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Complex, Float, PRNGKeyArray

from .._checks import check_finite, check_int, check_memory, check_real

__all__ = ["DiagonalLTI", "vandermonde", "causal_conv", "lti_kernel"]


def _check_poles(lam) -> None:
    if jnp.ndim(lam) != 1:
        raise ValueError(f"lam must be 1-D (one pole per state), got shape {jnp.shape(lam)}")
    check_finite("lam", lam)


def _check_length(length, need) -> int:
    length = check_int("length", length, lo=0)
    check_memory("length", length, need, lo=0)
    return length


def vandermonde(lam: Complex[Array, " n"], length: int) -> Complex[Array, "n length"]:
    """Power matrix ``V[n, k] = λ_n^k`` for ``k = 0 … length−1``, as ``exp(k · log λ_n)``.

    `lam` must be 1-D and finite, `length` an integer >= 0 whose ``n × length`` complex matrix
    fits the memory budget (``ValueError`` otherwise; ``docs/errors.md``)."""
    _check_poles(lam)
    length = _check_length(length, lambda m: 8 * jnp.shape(lam)[0] * m)
    k = jnp.arange(length).astype(lam.dtype)
    # a pole at 0 is a pure delay, 0⁰ = 1 and 0^k = 0 (k · log 0 would be NaN)
    zero = (lam == 0)[:, None]
    powers = jnp.exp(jnp.log(jnp.where(lam == 0, 1, lam))[:, None] * k[None, :])
    return jnp.where(zero, (k[None, :] == 0).astype(powers.dtype), powers)


def lti_kernel(
    lam: Complex[Array, " n"],
    B: Complex[Array, "n h"],
    C: Complex[Array, "p n"],
    length: int,
) -> Float[Array, "length p h"]:
    """``K_k = Re(C diag(λ)^k B)`` for ``k = 0 … length−1`` (closed-form Vandermonde product).

    Shapes ``λ (n,)``, ``B (n, h)``, ``C (p, n)``; concrete arrays must be finite."""
    _check_poles(lam)
    n = jnp.shape(lam)[0]
    if jnp.ndim(B) != 2 or jnp.shape(B)[0] != n or jnp.ndim(C) != 2 or jnp.shape(C)[1] != n:
        raise ValueError(
            f"B must have shape ({n}, h) and C shape (p, {n}) for {n} poles "
            f"(got {jnp.shape(B)} and {jnp.shape(C)})"
        )
    check_finite("B", B)
    check_finite("C", C)
    p, h = jnp.shape(C)[0], jnp.shape(B)[1]
    _check_length(length, lambda m: 8 * m * (n + p * h))
    return jnp.real(jnp.einsum("pn,nk,nh->kph", C, vandermonde(lam, length), B))


def causal_conv(u: Float[Array, "L h"], kernel: Float[Array, "K p h"]) -> Float[Array, "L p"]:
    """``y_t = Σ_{k=0}^{min(t, K−1)} Σ_h kernel[k, p, h] u[t−k, h]`` by zero-padded real FFT.

    `u` is ``(L, h)`` and `kernel` ``(K, p, h)``, both non-empty; concrete arrays must be finite
    and the FFT buffers fit the memory budget."""
    if jnp.ndim(u) != 2 or jnp.ndim(kernel) != 3 or jnp.shape(kernel)[2] != jnp.shape(u)[1]:
        raise ValueError(
            f"u must have shape (L, h) and kernel shape (K, p, h) with the same h "
            f"(got {jnp.shape(u)} and {jnp.shape(kernel)})"
        )
    if jnp.shape(u)[0] < 1 or jnp.shape(kernel)[0] < 1:
        raise ValueError(
            f"u and kernel must be non-empty (got {jnp.shape(u)} and {jnp.shape(kernel)})"
        )
    check_finite("u", u)
    check_finite("kernel", kernel)
    taps, p, h = jnp.shape(kernel)
    check_memory(
        "u length",
        jnp.shape(u)[0],
        lambda m: 8 * (1 << (m + taps - 1).bit_length()) * (p * h + h + p),
    )
    length = u.shape[0]
    n = 1 << (length + kernel.shape[0] - 1).bit_length()  # ≥ L + K − 1: no wrap-around
    uf = jnp.fft.rfft(u, n=n, axis=0)  # (F, h)
    kf = jnp.fft.rfft(kernel, n=n, axis=0)  # (F, p, h)
    yf = jnp.einsum("fph,fh->fp", kf, uf)
    return jnp.fft.irfft(yf, n=n, axis=0)[:length]


class DiagonalLTI(eqx.Module):
    """Diagonal LTI layer ``x_{t+1} = A x_t + B u_t, y_t = Re(C x_t) + D u_t`` (module docs).

    **Fields:** `log_rate`, `theta` (``(N,)``; ``λ = exp(−exp(log_rate) + iθ)``), `B_re`,
    `B_im` (``(N, H)``), `C_re`, `C_im` (``(P, N)``), `D` (``(P, H)``), and the static
    `complex` flag (``False``: real poles, imaginary parts unused).

    Build with :meth:`init` (random S4D-like initialisation) or directly from arrays.
    """

    log_rate: Float[Array, " n"]
    theta: Float[Array, " n"]
    B_re: Float[Array, "n h"]
    B_im: Float[Array, "n h"]
    C_re: Float[Array, "p n"]
    C_im: Float[Array, "p n"]
    D: Float[Array, "p h"]
    complex: bool = eqx.field(static=True, default=True)

    def __check_init__(self):
        n, h = self.B_re.shape
        p = self.C_re.shape[0]
        shapes = {
            "log_rate": (self.log_rate.shape, (n,)),
            "theta": (self.theta.shape, (n,)),
            "B_im": (self.B_im.shape, (n, h)),
            "C_re": (self.C_re.shape, (p, n)),
            "C_im": (self.C_im.shape, (p, n)),
            "D": (self.D.shape, (p, h)),
        }
        for name, (got, want) in shapes.items():
            if got != want:
                raise ValueError(f"{name} must have shape {want} (got {got})")

    @classmethod
    def init(
        cls,
        key: PRNGKeyArray,
        in_size: int,
        state_size: int,
        out_size: int,
        *,
        complex: bool = True,
        min_rate: float = 1e-3,
        max_rate: float = 1e-1,
    ) -> DiagonalLTI:
        """Random initialisation: decay rates log-uniform in [`min_rate`, `max_rate`], angles
        uniform in [0, π], ``B ~ N(0, 1/H)``, ``C ~ N(0, 1/N)``, ``D ~ N(0, 1/H)``."""
        for name, value in (("in_size", in_size), ("state_size", state_size)):
            check_int(name, value, lo=1)
        check_int("out_size", out_size, lo=1)
        check_real("min_rate", min_rate, lo=0, lo_open=True)
        check_real("max_rate", max_rate, lo=min_rate)
        n, h, p = int(state_size), int(in_size), int(out_size)
        check_memory("state_size", n, lambda m: 4 * 2 * (m * h + p * m + m) + 4 * p * h)
        k = jax.random.split(key, 7)
        log_rate = jax.random.uniform(
            k[0], (n,), minval=jnp.log(min_rate), maxval=jnp.log(max_rate)
        )
        theta = jax.random.uniform(k[1], (n,), maxval=jnp.pi) if complex else jnp.zeros((n,))
        scale_b, scale_c = 1 / jnp.sqrt(h), 1 / jnp.sqrt(n)
        b_im = scale_b * jax.random.normal(k[3], (n, h)) if complex else jnp.zeros((n, h))
        c_im = scale_c * jax.random.normal(k[5], (p, n)) if complex else jnp.zeros((p, n))
        return cls(
            log_rate=log_rate,
            theta=theta,
            B_re=scale_b * jax.random.normal(k[2], (n, h)),
            B_im=b_im,
            C_re=scale_c * jax.random.normal(k[4], (p, n)),
            C_im=c_im,
            D=scale_b * jax.random.normal(k[6], (p, h)),
            complex=complex,
        )

    @property
    def poles(self) -> Complex[Array, " n"]:
        """``λ = exp(−exp(log_rate) + iθ)`` (θ = 0 when not complex)."""
        theta = self.theta if self.complex else jnp.zeros_like(self.theta)
        return jnp.exp(jax.lax.complex(-jnp.exp(self.log_rate), theta))

    @property
    def B(self) -> Complex[Array, "n h"]:
        return jax.lax.complex(self.B_re, self.B_im if self.complex else jnp.zeros_like(self.B_im))

    @property
    def C(self) -> Complex[Array, "p n"]:
        return jax.lax.complex(self.C_re, self.C_im if self.complex else jnp.zeros_like(self.C_im))

    def kernel(self, length: int) -> Float[Array, "length p h"]:
        """``K_k = Re(C A^k B)``, ``k = 0 … length−1`` (:func:`lti_kernel`)."""
        return lti_kernel(self.poles, self.B, self.C, length)

    def __call__(self, u: Float[Array, "L h"], *, mode: str = "conv") -> Float[Array, "L p"]:
        """Output sequence ``y`` for one input sequence ``u`` (``vmap`` for batches)."""
        direct = u @ self.D.T
        if mode == "conv":
            length = u.shape[0]
            # y_t − D u_t = Σ_k K_k u_{t−1−k}: convolve, then delay by one position
            conv = causal_conv(u, self.kernel(length))
            delayed = jnp.concatenate([jnp.zeros_like(conv[:1]), conv[:-1]], axis=0)
            return direct + delayed
        if mode == "recurrent":
            lam, B, C = self.poles, self.B, self.C

            def step(x, u_t):
                y = jnp.real(C @ x)
                return lam * x + B @ u_t.astype(B.dtype), y

            x0 = jnp.zeros(lam.shape, lam.dtype)
            _, ys = jax.lax.scan(step, x0, u)
            return direct + ys
        raise ValueError(f"mode must be 'conv' or 'recurrent' (got {mode!r})")
