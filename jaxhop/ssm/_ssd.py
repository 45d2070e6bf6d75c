"""Mamba-2 (state-space dual) selective baseline: scalar decay per head, computed by chunks.

The second selective baseline of the comparison (``docs/ssm.md``), after Dao & Gu, "Transformers
are SSMs: Generalized Models and Efficient Algorithms Through Structured State Space Duality"
(arXiv 2405.21060, 2024), written from its equations. For ``H`` heads of ``P`` channels
(``H·P = expand · width``), state size N, one group of ``B, C`` shared by the heads:

    Δ_t = softplus(Δ̃_t + b_Δ) ∈ R^H,   a_t = Δ_t A  (A = −exp(A_log) ∈ R^H, one scalar a head),
    h_t = exp(a_t) h_{t−1} + Δ_t x_t ⊗ B_t ∈ R^{H×P×N},   y_t = h_t C_t + D ⊙ x_t.

(``Δ_t B_t``, not the exact zero-order hold of ``B``, as in both Mamba papers.) Because the
decay is one scalar per head, the map ``x → y`` restricted to a chunk of ``T`` positions is a
masked matrix, ``y_t = Σ_{s≤t} (C_t·B_s) exp(S_t − S_s) Δ_s x_s`` with ``S`` the running sum of
``a`` inside the chunk, and its end state is ``Σ_s exp(S_T − S_s) Δ_s x_s ⊗ B_s``: batched matrix
products. Only ⌈L/T⌉ chunk states are passed on by a short ``lax.scan`` — this is the CPU-fast
formulation (``mode="chunked"``, the default). ``mode="sequential"`` runs the recurrence above
position by position (``lax.scan``), the reference that the chunked form equals to float
tolerance (``tests/test_ssm_ssd.py``).

Around the scan, the Mamba-2 block: ``[z, xBC, Δ̃] = W_in u``; a width-4 causal depthwise
convolution and ``silu`` on ``xBC = [x, B, C]``; the scan; ``y ← RMSNorm(y ⊙ silu(z))`` (the
gated norm); ``out = W_out y``. Initialisation as in Mamba-2: ``A`` uniform in [1, 16], ``Δ``
log-uniform in [`dt_min`, `dt_max`] through the inverse softplus of ``b_Δ``, ``D = 1``. The head
size ``P = 16`` (Mamba-2 uses 64 at widths of hundreds; ours: four heads at width 32).
"""

from __future__ import annotations

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int, PRNGKeyArray

from .._checks import check_int, check_real
from ._selective import causal_depthwise_conv, init_conv, init_dt_bias
from ._stack import AbstractPreNormStack, RMSNorm

__all__ = ["SSDMixer", "SSDModel", "ssd_scan", "SSD_MODES"]

SSD_MODES = ("chunked", "sequential")


def _sequential(x, dt, A, B, C):
    def step(h, inp):
        x_t, dt_t, B_t, C_t = inp
        h = (
            jnp.exp(dt_t * A)[:, None, None] * h
            + (dt_t[:, None] * x_t)[:, :, None] * B_t[None, None]
        )
        return h, h @ C_t

    H, P = x.shape[1:]
    h0 = jnp.zeros((H, P, B.shape[-1]), x.dtype)
    return jax.lax.scan(step, h0, (x, dt, B, C))[1]


def _chunked(x, dt, A, B, C, chunk):
    L, H, P = x.shape
    T = min(chunk, L)
    chunks = -(-L // T)
    pad = chunks * T - L  # trailing Δ = 0, x = 0: no decay, no input, outputs discarded

    def split(v):
        v = jnp.concatenate([v, jnp.zeros((pad, *v.shape[1:]), v.dtype)]) if pad else v
        return v.reshape(chunks, T, *v.shape[1:])

    x, dt, B, C = (split(v) for v in (x, dt, B, C))  # (c, T, H, P), (c, T, H), (c, T, N)
    S = jnp.cumsum(dt * A[None, None], axis=1)  # (c, T, H): log-decay from the chunk start, ≤ 0
    causal = jnp.tril(jnp.ones((T, T), bool))[None, :, :, None]
    # exp(S_t − S_s) for s ≤ t only: the masked entries never reach exp (they would overflow)
    gap = jnp.where(causal, S[:, :, None, :] - S[:, None, :, :], -jnp.inf)
    x = x * dt[..., None]  # Δ_s x_s, the input of each position
    weights = jnp.einsum("ctn,csn->cts", C, B)[..., None] * jnp.exp(gap)
    y = jnp.einsum("ctsh,cshp->cthp", weights, x)  # within the chunk
    to_end = jnp.exp(S[:, -1:] - S)  # (c, T, H)
    ends = jnp.einsum("csh,cshp,csn->chpn", to_end, x, B)  # each chunk's own end state

    def carry(h, inp):
        end, decay = inp
        return decay[:, None, None] * h + end, h  # emit the state entering the chunk

    h0 = jnp.zeros(ends.shape[1:], x.dtype)
    entering = jax.lax.scan(carry, h0, (ends, jnp.exp(S[:, -1])))[1]  # (c, H, P, N)
    y = y + jnp.einsum("ctn,chpn,cth->cthp", C, entering, jnp.exp(S))
    return y.reshape(chunks * T, H, P)[:L]


def ssd_scan(
    x: Float[Array, "L H P"],
    dt: Float[Array, "L H"],
    A: Float[Array, " H"],
    B: Float[Array, "L N"],
    C: Float[Array, "L N"],
    *,
    mode: str = "chunked",
    chunk: int = 32,
) -> Float[Array, "L H P"]:
    """``y_t = h_t C_t`` of ``h_t = exp(Δ_t A) h_{t−1} + Δ_t x_t ⊗ B_t`` (module docstring).

    ``mode="chunked"``: matrix products within chunks of `chunk` positions and a scan over
    ⌈L/chunk⌉ chunk states; ``mode="sequential"``: one ``lax.scan`` step per position.
    """
    if mode == "chunked":
        return _chunked(x, dt, A, B, C, chunk)
    if mode == "sequential":
        return _sequential(x, dt, A, B, C)
    raise ValueError(f"mode must be one of {', '.join(SSD_MODES)} (got {mode!r})")


class SSDMixer(eqx.Module):
    """One Mamba-2 mixer (module docstring) on one sequence ``u`` of shape ``(L, width)``."""

    in_proj: eqx.nn.Linear
    conv_weight: Float[Array, "channels w"]
    conv_bias: Float[Array, " channels"]
    dt_bias: Float[Array, " H"]
    A_log: Float[Array, " H"]
    D: Float[Array, " H"]
    norm: RMSNorm
    out_proj: eqx.nn.Linear
    heads: int = eqx.field(static=True)
    state_size: int = eqx.field(static=True)
    chunk: int = eqx.field(static=True, default=32)

    @classmethod
    def init(
        cls,
        key: PRNGKeyArray,
        width: int,
        *,
        state_size: int = 16,
        expand: int = 2,
        head_size: int = 16,
        conv_width: int = 4,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        chunk: int = 32,
    ) -> SSDMixer:
        """Mamba-2's initialisation (module docstring); ``expand · width`` must be a multiple
        of `head_size`."""
        for name, value in (
            ("width", width),
            ("state_size", state_size),
            ("expand", expand),
            ("head_size", head_size),
            ("conv_width", conv_width),
        ):
            check_int(name, value, lo=1, hi=2**16)
        check_int("chunk", chunk, lo=1, hi=2**16)
        check_real("dt_min", dt_min, lo=0, lo_open=True)
        check_real("dt_max", dt_max, lo=dt_min)
        d_inner = expand * width
        if d_inner % head_size:
            raise ValueError(
                f"head_size must divide expand·width = {d_inner} (got head_size={head_size})"
            )
        heads = d_inner // head_size
        channels = d_inner + 2 * state_size
        k = jax.random.split(key, 5)
        conv_weight, conv_bias = init_conv(k[0], channels, conv_width)
        return cls(
            in_proj=eqx.nn.Linear(width, d_inner + channels + heads, use_bias=False, key=k[1]),
            conv_weight=conv_weight,
            conv_bias=conv_bias,
            dt_bias=init_dt_bias(k[2], heads, dt_min, dt_max),
            A_log=jnp.log(jax.random.uniform(k[3], (heads,), minval=1.0, maxval=16.0)),
            D=jnp.ones((heads,)),
            norm=RMSNorm(jnp.ones((d_inner,))),
            out_proj=eqx.nn.Linear(d_inner, width, use_bias=False, key=k[4]),
            heads=heads,
            state_size=state_size,
            chunk=int(chunk),
        )

    def __call__(
        self, u: Float[Array, "L width"], *, mode: str = "chunked"
    ) -> Float[Array, "L width"]:
        L = u.shape[0]
        d_inner = self.norm.weight.shape[0]
        proj = jax.vmap(self.in_proj)(u)
        z, xBC, dt = jnp.split(proj, [d_inner, 2 * d_inner + 2 * self.state_size], axis=-1)
        xBC = jax.nn.silu(causal_depthwise_conv(xBC, self.conv_weight, self.conv_bias))
        x, B, C = jnp.split(xBC, [d_inner, d_inner + self.state_size], axis=-1)
        x = x.reshape(L, self.heads, -1)
        dt = jax.nn.softplus(dt + self.dt_bias[None])
        y = ssd_scan(x, dt, -jnp.exp(self.A_log), B, C, mode=mode, chunk=self.chunk)
        y = (y + self.D[None, :, None] * x).reshape(L, d_inner)
        return jax.vmap(self.out_proj)(self.norm(y * jax.nn.silu(z)))


class SSDModel(AbstractPreNormStack):
    """Embedding → ``layers`` × (RMSNorm → :class:`SSDMixer` → residual) → RMSNorm → linear
    head at the last position."""

    @classmethod
    def make_layer(cls, key: PRNGKeyArray, width: int, **mixer_kwargs: Any) -> SSDMixer:
        """``SSDMixer.init(key, width, **mixer_kwargs)`` (``init`` passes extra keywords)."""
        return SSDMixer.init(key, width, **mixer_kwargs)

    def __call__(self, tokens: Int[Array, " L"], *, mode: str = "chunked") -> Float[Array, " v"]:
        return self._logits(tokens, mode)
