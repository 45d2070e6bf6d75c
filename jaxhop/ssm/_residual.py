"""Residual-generator selection block and model — OUR design (``docs/ssm.md``).

Casti, Zampieri & Pasqualetti (arXiv 2505.17932) describe a "Residual SSM" built from LTI
blocks and a gate, modelled on residual generators from fault detection, but publish no
equations; everything below is our construction (see ``docs/ssm.md`` for the design
choices and what they were checked against). Every block is LTI, so a whole forward pass is
FFT convolutions plus pointwise maps (no time-varying recurrence).

For token embeddings ``e_t ∈ R^d`` (``t = 0 … L−1``):

1. **Detector (residual generator).** A bank of F = ``delays + 1`` SISO LTI filters
   (:class:`~jaxhop.ssm.DiagonalLTI`, shared by all d channels) gives ``z_t[c, f] =
   (h_f * e[:, c])_t``. The filters share ``M = delays`` complex modes forming a damped ring,
   ``λ_m = ρ e^{2πi m / M}``; with ``B = 1`` and ``C_{f,m} = ρ^{1−f} e^{−2πi m (f−1)/M} / M``
   filter ``f ≥ 1`` has impulse response ``ρ^{ℓ−f}·[ℓ ≡ f (mod M)]`` at lag ℓ — exactly 1 at
   lag f, echoes damped by ``ρ^M`` — and filter 0 is the direct term (``D``). At initialisation
   position t thus sees ``e_t, e_{t−1}, …, e_{t−delays}`` side by side; the poles and
   residues are trained. A static readout with one hidden layer scores the window:
   ``a_t = gelu(W_1 vec(z_t) + b_1)``, ``s_t = w_2·a_t + b_2``.
2. **Gate.** ``g_t = σ(s_{t−1})`` (``g_0 = 0``): shifted one step, so the token *after* a
   detected trigger passes; the gated stream is ``g_t e_t``.
3. **Memory.** J slow real poles ``r_j = exp(−exp(log_rate_j))`` (time constants geometric
   between ``min_tau`` and ``max_tau``), the LTI filter ``(R_j * v)_t = Σ_{ℓ≥0} r_j^ℓ
   v_{t−ℓ}`` applied by FFT, normalised by the equally filtered gate:
   ``m_t[c, j] = (R_j * (g e[:, c]))_t / ((R_j * g)_t + ε)`` — a gate-weighted average of the
   passed embeddings, whose scale depends neither on the gate's magnitude nor on L.
4. **Readout.** At the last position an MLP maps ``[vec(m_{L−1}), a_{L−1}]`` (memory and the
   current-position detector features) to logits over the V content tokens.
"""

from __future__ import annotations

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int, PRNGKeyArray

from .._checks import check_int, check_real
from ._lti import DiagonalLTI, causal_conv, vandermonde

__all__ = ["delay_bank", "window_features", "ResidualBlock", "ResidualModel"]


def delay_bank(delays: int, *, rho: float = 0.5) -> DiagonalLTI:
    """The detector's filter bank initialised as exact delays ``0 … delays`` (damped ring).

    Returns a :class:`DiagonalLTI` with 1 input, ``delays`` complex modes and ``delays + 1``
    outputs; output f is ``u_{t−f}`` plus echoes at lags ``f + nM`` of weight ``ρ^{nM}``.
    """
    delays = check_int("delays", delays, lo=1, hi=2**16)
    check_real("rho", rho, lo=0, hi=1, lo_open=True, hi_open=True)
    m = jnp.arange(delays, dtype=float)
    f = jnp.arange(1, delays + 1, dtype=float)
    phase = -2 * jnp.pi * (m[None, :] * (f[:, None] - 1)) / delays
    amp = rho ** (1.0 - f[:, None]) / delays
    zeros_row = jnp.zeros((1, delays))
    C_re = jnp.concatenate([zeros_row, amp * jnp.cos(phase)])
    C_im = jnp.concatenate([zeros_row, amp * jnp.sin(phase)])
    return DiagonalLTI(
        log_rate=jnp.full((delays,), math.log(-math.log(rho)), dtype=float),
        theta=2 * jnp.pi * m / delays,
        B_re=jnp.ones((delays, 1)),
        B_im=jnp.zeros((delays, 1)),
        C_re=C_re,
        C_im=C_im,
        D=jnp.zeros((delays + 1, 1)).at[0, 0].set(1.0),
        complex=True,
    )


def _depthwise(lti: DiagonalLTI, u: Float[Array, "L c"], mode: str) -> Float[Array, "L c f"]:
    """Apply a 1-input filter bank to every channel of ``u``."""
    return jax.vmap(lambda col: lti(col[:, None], mode=mode), in_axes=1, out_axes=1)(u)


def window_features(
    bank: DiagonalLTI, hidden: eqx.nn.Linear, e: Float[Array, "L d"], *, mode: str = "conv"
) -> Float[Array, "L hidden"]:
    """The detector's window features ``a_t = gelu(W_1 vec(z_t) + b_1)``, ``z_t`` the filter
    `bank` applied to every channel of `e` (the ``u_t … u_{t−delays}`` window at
    initialisation), for every position."""
    z = _depthwise(bank, e, mode)  # (L, d, F)
    return jax.nn.gelu(jax.vmap(hidden)(z.reshape(z.shape[0], -1)))


class ResidualBlock(eqx.Module):
    """Detector → gate → memory (module docstring). Acts on one embedded sequence.

    **Fields:** `bank` (detector filters), `hidden`, `score` (the detector's static readout),
    `memory_log_rate` (``(J,)``, memory poles ``r = exp(−exp(log_rate))``), static `eps`.
    """

    bank: DiagonalLTI
    hidden: eqx.nn.Linear
    score: eqx.nn.Linear
    memory_log_rate: Float[Array, " j"]
    eps: float = eqx.field(static=True, default=1e-3)

    @classmethod
    def init(
        cls,
        key: PRNGKeyArray,
        width: int,
        *,
        delays: int = 4,
        detector_hidden: int = 64,
        memory_poles: int = 4,
        min_tau: float = 64.0,
        max_tau: float = 1e5,
        random_poles: bool = False,
    ) -> ResidualBlock:
        """`delays`: detector window (covers triggers of up to ``delays + 1`` tokens);
        `random_poles`: random ring instead of exact delays (also learns the task)."""
        for name, value in (
            ("width", width),
            ("detector_hidden", detector_hidden),
            ("memory_poles", memory_poles),
        ):
            check_int(name, value, lo=1, hi=2**16)
        check_real("min_tau", min_tau, lo=1, lo_open=True)
        check_real("max_tau", max_tau, lo=min_tau)
        k_bank, k_hidden, k_score = jax.random.split(key, 3)
        if random_poles:
            bank = DiagonalLTI.init(k_bank, 1, delays, delays + 1, min_rate=0.1, max_rate=1.0)
        else:
            bank = delay_bank(delays)
        taus = jnp.geomspace(min_tau, max_tau, memory_poles)
        return cls(
            bank=bank,
            hidden=eqx.nn.Linear(width * (delays + 1), detector_hidden, key=k_hidden),
            score=eqx.nn.Linear(detector_hidden, 1, key=k_score),
            memory_log_rate=-jnp.log(taus),
        )

    @property
    def memory_poles(self) -> Float[Array, " j"]:
        return jnp.exp(-jnp.exp(self.memory_log_rate))

    def detect(
        self, e: Float[Array, "L d"], *, mode: str = "conv"
    ) -> tuple[Float[Array, "L hidden"], Float[Array, " L"]]:
        """Detector features ``a_t`` and scores ``s_t`` (the residual) for every position."""
        a = window_features(self.bank, self.hidden, e, mode=mode)
        return a, jax.vmap(self.score)(a)[:, 0]

    def gate(self, scores: Float[Array, " L"]) -> Float[Array, " L"]:
        """``g_t = σ(s_{t−1})``, ``g_0 = 0``."""
        return jnp.concatenate([jnp.zeros((1,), scores.dtype), jax.nn.sigmoid(scores[:-1])])

    def memory(
        self, e: Float[Array, "L d"], g: Float[Array, " L"], *, mode: str = "conv"
    ) -> Float[Array, "L d j"]:
        """Gate-weighted averages ``m_t[c, j]`` of the gated stream (FFT or direct sum)."""
        length = e.shape[0]
        r = self.memory_poles.astype(jnp.complex64 if e.dtype == jnp.float32 else jnp.complex128)
        kernel = jnp.real(vandermonde(r, length)).T.astype(e.dtype)  # (L, J): r_j^ℓ
        stacked = jnp.concatenate([g[:, None] * e, g[:, None]], axis=1)  # (L, d + 1)
        if mode == "conv":
            filt = jax.vmap(
                lambda col: causal_conv(col[:, None], kernel[:, :, None]), in_axes=1, out_axes=1
            )(stacked)  # (L, d + 1, J)
        elif mode == "recurrent":
            rr = self.memory_poles.astype(e.dtype)

            def step(x, v):
                x = rr[None, :] * x + v[:, None]
                return x, x

            _, filt = jax.lax.scan(
                step, jnp.zeros((stacked.shape[1], rr.shape[0]), e.dtype), stacked
            )
        else:
            raise ValueError(f"mode must be 'conv' or 'recurrent' (got {mode!r})")
        return filt[:, :-1, :] / (filt[:, -1:, :] + self.eps)

    def final_memory(self, e: Float[Array, "L d"], g: Float[Array, " L"]) -> Float[Array, "d j"]:
        """``m_{L−1}``, the memory at the last position only (what the model reads):
        ``Σ_ℓ r_j^ℓ g_{L−1−ℓ} e_{L−1−ℓ}`` over the equally filtered gate, as one product with
        the reversed kernel — O(L d J), where every position by FFT is O(L log L · d J)."""
        length = e.shape[0]
        r = self.memory_poles.astype(jnp.complex64 if e.dtype == jnp.float32 else jnp.complex128)
        weights = jnp.real(vandermonde(r, length)).T.astype(e.dtype)[::-1]  # (L, J): r_j^{L−1−t}
        gated = weights * g[:, None]  # (L, J)
        return (e.T @ gated) / (jnp.sum(gated, axis=0) + self.eps)[None, :]

    def __call__(
        self, e: Float[Array, "L d"], *, mode: str = "conv"
    ) -> tuple[Float[Array, "L d j"], Float[Array, "L hidden"], Float[Array, " L"]]:
        """``(memory m, detector features a, gate g)`` for every position."""
        a, s = self.detect(e, mode=mode)
        g = self.gate(s)
        return self.memory(e, g, mode=mode), a, g


class ResidualModel(eqx.Module):
    """Embedding → :class:`ResidualBlock` → MLP readout at the last position → logits.

    ``model(tokens)`` takes one int sequence and returns logits over the `num_classes`
    content tokens at the last position (``jax.vmap`` for batches).
    """

    embedding: eqx.nn.Embedding
    block: ResidualBlock
    readout: eqx.nn.MLP

    @classmethod
    def init(
        cls,
        key: PRNGKeyArray,
        num_tokens: int,
        num_classes: int,
        *,
        width: int = 32,
        readout_hidden: int = 64,
        **block_kwargs: Any,
    ) -> ResidualModel:
        k_emb, k_block, k_read = jax.random.split(key, 3)
        block = ResidualBlock.init(k_block, width, **block_kwargs)
        features = width * block.memory_log_rate.shape[0] + block.hidden.out_features
        return cls(
            embedding=eqx.nn.Embedding(num_tokens, width, key=k_emb),
            block=block,
            readout=eqx.nn.MLP(
                features, num_classes, readout_hidden, depth=1, activation=jax.nn.gelu, key=k_read
            ),
        )

    def __call__(self, tokens: Int[Array, " L"], *, mode: str = "conv") -> Float[Array, " v"]:
        e = jax.vmap(self.embedding)(tokens)
        if mode == "conv":  # only the last position's memory is read: no FFT for it
            a, scores = self.block.detect(e, mode=mode)
            memory = self.block.final_memory(e, self.block.gate(scores))
        else:
            m, a, _ = self.block(e, mode=mode)
            memory = m[-1]
        return self.readout(jnp.concatenate([memory.reshape(-1), a[-1]]))
