"""Selective-scan (Mamba / S6) baseline: an input-dependent, time-varying diagonal SSM.

The baseline of the comparison in Casti, Zampieri & Pasqualetti (arXiv 2505.17932, 2025;
``docs/ssm.md``). The mixer follows the S6 layer of Gu & Dao, "Mamba: Linear-Time Sequence
Modeling with Selective State Spaces" (arXiv 2312.00752, 2023), written from its equations: for
inputs ``x_t ∈ R^{D}`` (D = ``expand · width`` channels) and state size N,

    Δ_t = softplus(W_Δ (W_r x_t) + b_Δ) ∈ R^D,   B_t = W_B x_t,  C_t = W_C x_t ∈ R^N,
    Ā_t = exp(Δ_t A),   B̄_t = (exp(Δ_t A) − 1) / A · B_t     (zero-order hold, A = −exp(A_log)),
    h_t = Ā_t ⊙ h_{t−1} + B̄_t x_t,   y_t = h_t C_t + D ⊙ x_t,

with ``h ∈ R^{D×N}``. Around it, the Mamba block: ``[x, z] = W_in u``, an optional width-4
causal depthwise convolution on x, ``x ← silu(x)``, the scan, ``y ← y ⊙ silu(z)``,
``out = W_out y``; pre-norm (RMS) residual layers.

Two modes give the same numbers: ``mode="associative"`` runs the linear recurrence as
``lax.associative_scan`` with the operator ``(a₁, b₁)∘(a₂, b₂) = (a₁a₂, a₂b₁ + b₂)``;
``mode="sequential"`` as a ``lax.scan`` over positions (a layer-internal sequence map, not a
simulation time loop).
"""

from __future__ import annotations

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Float, Int, PRNGKeyArray

from .._checks import check_finite, check_int, check_real
from ._stack import AbstractPreNormStack

__all__ = ["SelectiveScan", "SelectiveModel", "selective_scan", "fused_selective_scan"]

MODES = ("fused", "sequential", "associative")


def init_dt_bias(key: PRNGKeyArray, size: int, dt_min: float, dt_max: float) -> Float[Array, " n"]:
    """Bias ``b`` with ``softplus(b) = Δ`` for ``Δ`` log-uniform in [`dt_min`, `dt_max`]
    (Mamba's initialisation: ``b = Δ + log(1 − e^{−Δ})``, the inverse softplus)."""
    dt = jnp.exp(jax.random.uniform(key, (size,), minval=math.log(dt_min), maxval=math.log(dt_max)))
    return dt + jnp.log(-jnp.expm1(-dt))


def init_conv(
    key: PRNGKeyArray, channels: int, width: int
) -> tuple[Float[Array, "channels w"], Float[Array, " channels"]]:
    """Depthwise convolution weights, uniform in ±1/√width (PyTorch's default), zero bias."""
    bound = 1 / math.sqrt(width)
    weight = jax.random.uniform(key, (channels, width), minval=-bound, maxval=bound)
    return weight, jnp.zeros((channels,))


def causal_depthwise_conv(
    x: Float[Array, "L c"], weight: Float[Array, "c w"], bias: Float[Array, " c"]
) -> Float[Array, "L c"]:
    """Causal depthwise convolution of width w: tap j multiplies ``x_{t−(w−1−j)}``."""
    w = weight.shape[1]
    padded = jnp.concatenate([jnp.zeros((w - 1, x.shape[1]), x.dtype), x], axis=0)
    return sum(padded[j : j + x.shape[0]] * weight[None, :, j] for j in range(w)) + bias[None, :]


def selective_scan(
    a: Float[Array, " L *s"], b: Float[Array, " L *s"], *, mode: str = "associative"
) -> Float[Array, " L *s"]:
    """All states of ``h_t = a_t ⊙ h_{t−1} + b_t`` with ``h_{−1} = 0``."""
    if jnp.shape(a) != jnp.shape(b) or jnp.ndim(a) < 1:
        raise ValueError(
            f"a and b must have the same shape (L, ...) (got {jnp.shape(a)} and {jnp.shape(b)})"
        )
    check_finite("a", a)
    check_finite("b", b)
    if mode == "associative":

        def combine(left, right):
            a1, b1 = left
            a2, b2 = right
            return a1 * a2, a2 * b1 + b2

        return jax.lax.associative_scan(combine, (a, b), axis=0)[1]
    if mode == "sequential":

        def step(h, ab):
            h = ab[0] * h + ab[1]
            return h, h

        return jax.lax.scan(step, jnp.zeros_like(b[0]), (a, b))[1]
    raise ValueError(f"mode must be 'associative' or 'sequential' (got {mode!r})")


def fused_selective_scan(
    x: Float[Array, "L d"],
    dt: Float[Array, "L d"],
    A: Float[Array, "d n"],
    B: Float[Array, "L n"],
    C: Float[Array, "L n"],
    *,
    chunk: int | None = 32,
    unroll: int = 1,
) -> Float[Array, "L d"]:
    """``y_t = h_t C_t`` of the S6 recurrence ``h_t = exp(Δ_t A) ⊙ h_{t−1} + B̄_t x_t`` (module
    docstring), without materialising the ``(L, d, n)`` discretised tensors or states.

    The discretisation ``exp(Δ_t A)``, ``B̄_t x_t = (exp(Δ_t A) − 1)/A · B_t x_t`` and the
    contraction with ``C_t`` happen inside the step, so only ``(L, d)`` leaves the scan. With
    `chunk` = T the sequence runs as an outer ``lax.scan`` over ⌈L/T⌉ chunks whose inner
    ``lax.scan`` is rematerialised (``jax.checkpoint``): the backward pass stores only the
    ``(d, n)`` state at chunk boundaries and recomputes the states inside a chunk. The same
    numbers as :func:`selective_scan` on the materialised tensors (ours; an implementation
    choice, the recurrence is Gu & Dao's, arXiv 2312.00752). `unroll`: of the inner scan.
    """
    L, d = jnp.shape(x)
    n = jnp.shape(A)[-1]

    def step(h, inp):
        x_t, dt_t, B_t, C_t = inp
        dA = dt_t[:, None] * A
        h = jnp.exp(dA) * h + (jnp.expm1(dA) / A) * (B_t[None, :] * x_t[:, None])
        return h, h @ C_t

    h0 = jnp.zeros((d, n), x.dtype)
    if chunk is None or chunk >= L:
        return jax.lax.scan(step, h0, (x, dt, B, C), unroll=unroll)[1]
    chunks = -(-L // chunk)
    pad = chunks * chunk - L  # trailing padding: Δ = 0, x = 0 leave earlier outputs unchanged

    def split(v):
        v = jnp.concatenate([v, jnp.zeros((pad, *v.shape[1:]), v.dtype)]) if pad else v
        return v.reshape(chunks, chunk, *v.shape[1:])

    @jax.checkpoint
    def block(h, inp):
        return jax.lax.scan(step, h, inp, unroll=unroll)

    y = jax.lax.scan(block, h0, tuple(split(v) for v in (x, dt, B, C)))[1]
    return y.reshape(chunks * chunk, d)[:L]


class SelectiveScan(eqx.Module):
    """One Mamba mixer (module docstring) on one sequence ``u`` of shape ``(L, width)``."""

    in_proj: eqx.nn.Linear
    conv_weight: Float[Array, "dinner w"] | None
    conv_bias: Float[Array, " dinner"] | None
    x_proj: eqx.nn.Linear
    dt_proj: eqx.nn.Linear
    A_log: Float[Array, "dinner n"]
    D: Float[Array, " dinner"]
    out_proj: eqx.nn.Linear
    state_size: int = eqx.field(static=True)
    dt_rank: int = eqx.field(static=True)
    chunk: int | None = eqx.field(static=True, default=32)
    unroll: int = eqx.field(static=True, default=1)

    @classmethod
    def init(
        cls,
        key: PRNGKeyArray,
        width: int,
        *,
        state_size: int = 16,
        expand: int = 2,
        conv_width: int | None = 4,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        chunk: int | None = 32,
        unroll: int = 1,
    ) -> SelectiveScan:
        """Mamba's initialisation: ``A_log = log(1 … N)``, ``Δ`` log-uniform in
        [`dt_min`, `dt_max`] through the bias of ``W_Δ``; ``conv_width=None``: no convolution."""
        for name, value in (("width", width), ("state_size", state_size), ("expand", expand)):
            check_int(name, value, lo=1, hi=2**16)
        if conv_width is not None:
            check_int("conv_width", conv_width, lo=1, hi=2**16)
        if chunk is not None:
            check_int("chunk", chunk, lo=1, hi=2**20)
        check_int("unroll", unroll, lo=1, hi=2**10)
        check_real("dt_min", dt_min, lo=0, lo_open=True)
        check_real("dt_max", dt_max, lo=dt_min)
        d_inner = expand * width
        dt_rank = max(1, math.ceil(width / 16))
        k = jax.random.split(key, 6)
        dt_proj = eqx.nn.Linear(dt_rank, d_inner, key=k[1])
        dt_bias = init_dt_bias(k[0], d_inner, dt_min, dt_max)
        dt_proj = eqx.tree_at(lambda m: m.bias, dt_proj, dt_bias)
        if conv_width is None:
            conv_weight = conv_bias = None
        else:
            conv_weight, conv_bias = init_conv(k[2], d_inner, conv_width)
        return cls(
            in_proj=eqx.nn.Linear(width, 2 * d_inner, use_bias=False, key=k[3]),
            conv_weight=conv_weight,
            conv_bias=conv_bias,
            x_proj=eqx.nn.Linear(d_inner, dt_rank + 2 * state_size, use_bias=False, key=k[4]),
            dt_proj=dt_proj,
            A_log=jnp.log(jnp.broadcast_to(jnp.arange(1, state_size + 1.0), (d_inner, state_size))),
            D=jnp.ones((d_inner,)),
            out_proj=eqx.nn.Linear(d_inner, width, use_bias=False, key=k[5]),
            state_size=state_size,
            dt_rank=dt_rank,
            chunk=None if chunk is None else int(chunk),
            unroll=int(unroll),
        )

    def __call__(
        self, u: Float[Array, "L width"], *, mode: str = "fused"
    ) -> Float[Array, "L width"]:
        xz = jax.vmap(self.in_proj)(u)
        x, z = jnp.split(xz, 2, axis=-1)
        if self.conv_weight is not None:
            x = causal_depthwise_conv(x, self.conv_weight, self.conv_bias)
        x = jax.nn.silu(x)
        proj = jax.vmap(self.x_proj)(x)
        dt_in, B, C = jnp.split(proj, [self.dt_rank, self.dt_rank + self.state_size], axis=-1)
        dt = jax.nn.softplus(jax.vmap(self.dt_proj)(dt_in))  # (L, D)
        A = -jnp.exp(self.A_log)  # (D, N)
        if mode == "fused":
            y = fused_selective_scan(x, dt, A, B, C, chunk=self.chunk, unroll=self.unroll)
            y = y + self.D[None, :] * x
            return jax.vmap(self.out_proj)(y * jax.nn.silu(z))
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)} (got {mode!r})")
        dA = dt[:, :, None] * A[None]  # (L, D, N)
        a = jnp.exp(dA)
        b = (jnp.expm1(dA) / A[None]) * B[:, None, :] * x[:, :, None]  # exact ZOH for B
        h = selective_scan(a, b, mode=mode)  # (L, D, N)
        y = jnp.einsum("ldn,ln->ld", h, C) + self.D[None, :] * x
        return jax.vmap(self.out_proj)(y * jax.nn.silu(z))


class SelectiveModel(AbstractPreNormStack):
    """Embedding → ``layers`` × (RMSNorm → :class:`SelectiveScan` → residual) → RMSNorm →
    linear head at the last position."""

    @classmethod
    def make_layer(cls, key: PRNGKeyArray, width: int, **mixer_kwargs: Any) -> SelectiveScan:
        """``SelectiveScan.init(key, width, **mixer_kwargs)`` (``init`` passes extra keywords)."""
        return SelectiveScan.init(key, width, **mixer_kwargs)

    def __call__(self, tokens: Int[Array, " L"], *, mode: str = "fused") -> Float[Array, " v"]:
        return self._logits(tokens, mode)
