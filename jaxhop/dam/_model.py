r"""The Krotov–Hopfield dense associative memory.

Krotov & Hopfield, *Dense Associative Memory for Pattern Recognition* (NeurIPS 2016; arXiv
1606.01164); the recall setting studied is that of Mimura et al. (ICLR 2026; arXiv 2506.00851).

Units ``s ∈ {±1}^N``, patterns ``ξ^μ ∈ {±1}^N`` (i.i.d. uniform), energy
``E(s) = −Σ_μ F(ξ^μ·s)`` with ``F(x) = x^n`` (or ``exp``). Updates use the field

.. math::  u_i = \sum_μ ξ_i^μ P(x_μ − ξ_i^μ s_i) = [Ξ E(x)]_i − s_i Σ_μ O(x_μ),
           \qquad x = Ξᵀ s,

with ``P`` the rule polynomial of :mod:`jaxhop.dam._poly` (dominant term ``y^{n−1}``, exact
energy difference, or the n-body distinct-tuple sum); the self term ``j = i`` is removed
exactly. ``s_i ← sgn(u_i)``; **ties** ``u_i = 0`` keep the current spin (our choice; the paper
does not say).

Compute (ours): the state of one call is ``B`` trials sharing one pattern set (the columns
of ``s``), so both products are GEMMs, streamed over pattern blocks of ``block_size`` columns;
the fields are exact integers for ``F = x^n`` (:mod:`jaxhop.dam._fields` says how). Pattern
storage: ``"int8"`` holds all patterns (N·M bytes); ``"key"`` regenerates each block from the
pattern key on every pass (32 signs per random uint32), so memory does not grow with M. Both
give identical patterns for the same key.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, Float, Int, Int8, PRNGKeyArray

from .._random import fast_key
from ._fields import dot_int, exp_fields, horner, power_fields
from ._poly import even_odd, poly_bound, rule_polynomial

__all__ = ["DenseMemory", "VARIANTS", "RULES", "SEPARATIONS", "STORAGES"]

VARIANTS = ("krotov", "nbody")
RULES = ("dominant", "exact")
SEPARATIONS = ("power", "exp")
STORAGES = ("int8", "key")


def _unpack_signs(key, rows: int, cols: int) -> Int8[Array, "rows cols"]:
    words = -(-cols // 32)
    bits = jax.random.bits(fast_key(key), (rows, words), jnp.uint32)
    shifts = jnp.arange(32, dtype=jnp.uint32)
    b = (bits[:, :, None] >> shifts[None, None, :]) & jnp.uint32(1)
    return (2 * b.astype(jnp.int8) - 1).reshape(rows, words * 32)[:, :cols]


class DenseMemory(eqx.Module):
    """A dense associative memory (final).

    **Fields:** `patterns` (int8, ``(blocks, N, block_size)``, zero-padded past M; ``None``
    with ``storage="key"``), `pattern_key` (the key the patterns are drawn from); static:
    `order` n ≥ 2, `variant` (``"krotov"`` or ``"nbody"``), `rule` (``"dominant"`` term or
    ``"exact"`` energy difference), `separation` (``"power"`` ``F = x^n`` or ``"exp"``),
    `size` N, `num_patterns` M, `block_size`, `storage`. `active` (optional, a traced
    integer ≤ M): only the first `active` patterns take part — lets the load be a traced
    (vmappable, sweepable) parameter at a fixed maximal M.

    Build with :meth:`random`. Pattern ``μ = 0`` is the one :func:`jaxhop.dam.recall` cues.
    """

    patterns: Int8[Array, "blocks n block"] | None
    pattern_key: PRNGKeyArray
    active: Int[Array, ""] | None
    order: int = eqx.field(static=True)
    size: int = eqx.field(static=True)
    num_patterns: int = eqx.field(static=True)
    variant: str = eqx.field(static=True, default="krotov")
    rule: str = eqx.field(static=True, default="dominant")
    separation: str = eqx.field(static=True, default="power")
    block_size: int = eqx.field(static=True, default=2048)
    storage: str = eqx.field(static=True, default="int8")

    def __check_init__(self):
        _check_config(
            self.order,
            self.size,
            self.num_patterns,
            self.variant,
            self.rule,
            self.separation,
            self.block_size,
            self.storage,
        )

    @classmethod
    def random(
        cls,
        key: PRNGKeyArray,
        size: int,
        num_patterns: int,
        *,
        order: int = 3,
        variant: str = "krotov",
        rule: str = "dominant",
        separation: str = "power",
        block_size: int | None = None,
        storage: str = "int8",
    ) -> DenseMemory:
        """M i.i.d. uniform ±1 patterns of N units drawn from `key` (block ``b`` from
        ``fold_in(key, b)``). `block_size` defaults to ``min(M, 2048)`` rounded up to 32."""
        if block_size is None:
            block_size = max(32, -(-min(int(num_patterns), 2048) // 32) * 32)
        _check_config(order, size, num_patterns, variant, rule, separation, block_size, storage)
        proto = cls(
            None, key, None, order, size, num_patterns, variant, rule, separation, block_size, "key"
        )
        patterns = _stored_patterns(proto) if storage == "int8" else None
        return cls(
            patterns,
            key,
            None,
            order,
            size,
            num_patterns,
            variant,
            rule,
            separation,
            block_size,
            storage,
        )

    # --- patterns ---------------------------------------------------------------------------

    @property
    def num_blocks(self) -> int:
        return -(-self.num_patterns // self.block_size)

    def _valid(self, b):
        index = b * self.block_size + jnp.arange(self.block_size)
        valid = index < self.num_patterns
        if self.active is not None:
            valid = valid & (index < self.active)
        return valid

    def pattern_block(self, b: Int[Array, ""] | int) -> Int8[Array, "n block"]:
        """Patterns ``b·block_size … (b+1)·block_size − 1`` as columns (zero past M, or
        past `active`)."""
        if self.patterns is not None and self.active is None:
            return self.patterns[b]
        if self.patterns is not None:
            signs = self.patterns[b]
        else:
            signs = _unpack_signs(
                jax.random.fold_in(self.pattern_key, b), self.size, self.block_size
            )
        return jnp.where(self._valid(b)[None, :], signs, jnp.zeros_like(signs))

    def all_patterns(self) -> Int8[Array, "n m"]:
        """Ξ (N × M, int8) — materialised; for small sizes, tests and asynchronous updates."""
        blocks = jax.vmap(self.pattern_block)(jnp.arange(self.num_blocks))
        full = jnp.moveaxis(blocks, 0, 1).reshape(self.size, -1)
        return full[:, : self.num_patterns]

    def pattern_mask(self) -> Array:
        """Which of the M patterns take part (all, unless `active` is set)."""
        index = jnp.arange(self.num_patterns)
        return index >= 0 if self.active is None else index < self.active

    def cued_pattern(self) -> Int8[Array, " n"]:
        """ξ¹ (pattern index 0), the pattern recall is cued with."""
        return self.pattern_block(0)[:, 0]

    # --- fields -----------------------------------------------------------------------------

    @property
    def coefficients(self) -> tuple[list[int], list[int]]:
        """Integer coefficients (E, O) of the field (power separation only)."""
        return even_odd(rule_polynomial(self.order, self.variant, self.rule, self.size))

    def fields(self, s: Int8[Array, "n batch"]) -> Int[Array, "n batch"] | Float[Array, "n batch"]:
        """``u = Ξ E(x) − s ⊙ Σ_μ O(x_μ)`` for B trials (columns of ``s``): exact integers
        (int32; int64 with x64) for ``F = x^n``, float for ``F = exp``."""
        return _fields(self, s)

    @eqx.filter_jit
    def energy(self, s: Int8[Array, "n batch"]) -> Float[Array, " batch"]:
        """``E(s) = −Σ_μ F(x_μ)`` (Krotov) or ``−Σ_μ Q_n(x_μ, N)`` (n-body: the sum over
        ordered distinct n-tuples), one value per trial; in floating point."""
        dtype = jnp.result_type(float)
        x = dot_int(self.all_patterns(), s, 0).astype(dtype)
        if self.separation == "exp":
            return -jnp.sum(jnp.exp(x), axis=0)
        if self.variant == "nbody":
            from ._poly import nbody_poly

            return -jnp.sum(horner(nbody_poly(self.order, self.size), x), axis=0)
        return -jnp.sum(x**self.order, axis=0)


@eqx.filter_jit
def _fields(model, s):
    if model.separation == "exp":
        return exp_fields(model, s)
    return power_fields(model, s)


@eqx.filter_jit
def _stored_patterns(proto):
    return jax.vmap(proto.pattern_block)(jnp.arange(proto.num_blocks))


def _check_config(order, size, num_patterns, variant, rule, separation, block_size, storage):
    for name, value, minimum in (
        ("order", order, 2),
        ("size", size, 2),
        ("num_patterns", num_patterns, 1),
        ("block_size", block_size, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    for name, value, allowed in (
        ("variant", variant, VARIANTS),
        ("rule", rule, RULES),
        ("separation", separation, SEPARATIONS),
        ("storage", storage, STORAGES),
    ):
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    if separation == "exp" and variant != "krotov":
        raise ValueError("separation='exp' is defined for variant='krotov' only")
    if 128 * num_patterns >= 2**31:
        raise ValueError(f"num_patterns must be < 2^24 (digit sums in int32), got {num_patterns}")
    if separation == "power":
        even, odd = even_odd(rule_polynomial(order, variant, rule, size))
        limit = 2**63 if jax.config.jax_enable_x64 else 2**31
        bound = max(poly_bound(even, size), poly_bound(odd, size))
        if bound >= limit:
            raise ValueError(
                f"order/size: the field polynomial reaches {bound:.3g} > {limit:.3g} at "
                f"N = {size}, n = {order}; enable jax_enable_x64 (int64) for this size"
            )
    if not math.isfinite(float(size)):
        raise ValueError("size must be finite")
