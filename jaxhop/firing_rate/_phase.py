r"""The stability phase diagram over (x*, ρ) of the designed network (``docs/firing_rate.md``).

For every cell (x*, ρ) of the grid — by default ``ρ = linspace(0.2, 5, 30)``,
``x* = linspace(0, 0.9, 30)`` — the network is designed from (a, b) for the deterministic
pattern set (q = 0.2, P = 6) and each cell records: numerically stable
(``max_μ λ_max(J_μ) < 0``, from the low-rank structure of :mod:`._stability`), the sufficient
stability test (``η·max(α̃, γ) < 1``) and the sufficient instability test (value > 0).

All cells are one ``jax.vmap`` inside one ``eqx.filter_jit`` call (optionally tiled into
chunks of ``chunk_size`` cells by ``lax.map``, the same program per chunk); the pattern
structure is computed once.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Bool, Float

from .._checks import check_int, check_real
from ._activations import ACTIVATIONS, make_activation
from ._design import GAMMA_SETTINGS, synaptic_design
from ._patterns import exact_overlap_patterns
from ._stability import (
    StabilityStructure,
    instability_test,
    lambda_max_of,
    memory_matrices,
    stability_structure,
    sufficient_test,
)

__all__ = ["PhaseDiagram", "cell_stability", "phase_diagram", "RHO_GRID", "X_STAR_GRID"]

RHO_GRID = np.linspace(0.2, 5.0, 30)
X_STAR_GRID = np.linspace(0.0, 0.9, 30)


class PhaseDiagram(eqx.Module):
    """Per-cell stability of the designed memories (final). Cell arrays are indexed
    ``[i, j]`` ↔ ``(x_star[i], rho[j])``.

    ``lambda_max`` (``max_μ λ_max(J_μ)``), ``stable`` (``lambda_max < 0``), ``sufficient``
    (the sufficient test holds) and its value ``sufficient_value`` (``η·max(α̃, γ)``),
    ``instability`` (the instability test flags the cell) and ``instability_value``,
    ``alpha_tilde`` and ``gamma``; static: `activation`, `gamma_setting`, `size`.
    """

    x_star: Float[Array, " nx"]
    rho: Float[Array, " nr"]
    lambda_max: Float[Array, "nx nr"]
    stable: Bool[Array, "nx nr"]
    sufficient: Bool[Array, "nx nr"]
    sufficient_value: Float[Array, "nx nr"]
    instability: Bool[Array, "nx nr"]
    instability_value: Float[Array, "nx nr"]
    alpha_tilde: Float[Array, "nx nr"]
    gamma: Float[Array, "nx nr"]
    activation: str = eqx.field(static=True)
    gamma_setting: str = eqx.field(static=True)
    size: int = eqx.field(static=True)

    def counts(self) -> dict[str, int]:
        """Cell counts: stable, sufficient, instability (flagged), and mislabelled cells."""
        stable = np.asarray(self.stable)
        sufficient = np.asarray(self.sufficient)
        flagged = np.asarray(self.instability)
        return {
            "stable": int(stable.sum()),
            "sufficient": int(sufficient.sum()),
            "instability": int(flagged.sum()),
            "cells": int(stable.size),
            "mislabelled": int((sufficient & ~stable).sum() + (flagged & stable).sum()),
        }


def _cell_parts(activation, structure, x_star, rho, a, b, q) -> tuple[Array, dict]:
    """One cell's :func:`memory_matrices` and its scalar results (all but ``lambda_max``)."""
    phi = make_activation(activation, rho, x_star)
    dtype = structure.active.dtype
    a, b = jnp.asarray(a, dtype), jnp.asarray(b, dtype)
    design = synaptic_design(phi, a, b, q)
    d_a, d_b = phi.derivative(a), phi.derivative(b)
    matrices = memory_matrices(structure, d_b, d_a, design.alpha, design.beta, design.gamma)
    return matrices, {
        "sufficient_value": sufficient_test(design.alpha_tilde, design.gamma, d_a, d_b),
        "instability_value": instability_test(design.alpha_tilde, design.gamma, d_a, d_b, q),
        "alpha_tilde": design.alpha_tilde,
        "gamma": design.gamma,
    }


def cell_stability(
    activation: str,
    structure: StabilityStructure,
    x_star: Float[ArrayLike, ""],
    rho: Float[ArrayLike, ""],
    a: Float[ArrayLike, ""] = -0.3,
    b: Float[ArrayLike, ""] = 0.95,
    q: Float[ArrayLike, ""] = 0.2,
) -> dict[str, Array]:
    """One cell: design the network for ``Φ = activation(ρ, x*)`` and fields (a, b) with
    r = q, and return ``lambda_max`` (max over memories), ``sufficient_value``,
    ``instability_value``, ``alpha_tilde``, ``gamma`` (scalars)."""
    matrices, cell = _cell_parts(activation, structure, x_star, rho, a, b, q)
    return {"lambda_max": jnp.max(lambda_max_of(structure, matrices)), **cell}


@eqx.filter_jit
def _diagram(activation, patterns, x_star, rho, a, b, q, chunk_size):
    structure = stability_structure(patterns)
    xs, rs = jnp.meshgrid(x_star, rho, indexing="ij")
    pairs = jnp.stack([xs.ravel(), rs.ravel()], axis=1)

    def cells(block):
        # every cell's K × K matrices first, then their top eigenvalues in ONE batched call:
        # the batch is the vector width of the eigenvalue kernel (jaxhop._linalg)
        matrices, out = jax.vmap(
            lambda pair: _cell_parts(activation, structure, pair[0], pair[1], a, b, q)
        )(block)
        out["lambda_max"] = jnp.max(lambda_max_of(structure, matrices), axis=-1)
        return out

    if chunk_size is None:
        out = cells(pairs)
    else:
        # the same program on chunks of at least two cells (the last padded by repeating
        # a cell): XLA compiles a one-cell batch as unbatched code, whose float32 rounding
        # differs in the last bits of λ_max; from two cells on, every chunk size gives the
        # whole-grid numbers bit for bit (test)
        n = pairs.shape[0]
        width = max(chunk_size, 2)
        chunks = -(-n // width)
        padded = jnp.concatenate([pairs, jnp.repeat(pairs[-1:], chunks * width - n, axis=0)])
        out = jax.lax.map(cells, padded.reshape(chunks, width, 2))
        out = {k: v.reshape((chunks * width,) + v.shape[2:])[:n] for k, v in out.items()}
    cell = {k: v.reshape(xs.shape) for k, v in out.items()}
    cell["stable"] = cell["lambda_max"] < 0
    cell["sufficient"] = cell["sufficient_value"] < 1
    cell["instability"] = cell["instability_value"] > 0
    return cell


def phase_diagram(
    activation: str = "sigmoid",
    gamma: str = "negative",
    *,
    size: int = 1000,
    q: float = 0.2,
    x_star: Float[ArrayLike, " nx"] | None = None,
    rho: Float[ArrayLike, " nr"] | None = None,
    chunk_size: int | None = None,
) -> PhaseDiagram:
    """The (x*, ρ) phase diagram for deterministic patterns (``exact_overlap_patterns(size,
    q)``), activation ``"sigmoid"`` or ``"rect-tanh"`` and design setting `gamma`
    (``"negative"``: a = −0.3, b = 0.95; ``"positive"``: a = 0.1, b = 0.95).

    `chunk_size`: cells per compiled batch (``None``: the whole grid at once), to bound
    memory on large grids; every value gives the whole grid's numbers bit for bit (a chunk
    holds at least two cells).

    Raises ``ValueError`` for gains `rho` that are not finite and ``> 0``, thresholds
    `x_star` that are not finite, a `q` outside ``(0, 1)``, or a `size` that is not a
    positive integer (its multiples are checked by :func:`exact_overlap_patterns`).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if gamma not in GAMMA_SETTINGS:
        raise ValueError(f"gamma must be one of {tuple(GAMMA_SETTINGS)}, got {gamma!r}")
    if chunk_size is not None and (isinstance(chunk_size, bool) or chunk_size < 1):
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    size = check_int("size", size, lo=1)
    check_real("q", q, lo=0, hi=1, lo_open=True, hi_open=True)
    check_real("x_star", X_STAR_GRID if x_star is None else x_star)
    check_real("rho", RHO_GRID if rho is None else rho, lo=0, lo_open=True)
    a, b = GAMMA_SETTINGS[gamma]
    patterns = exact_overlap_patterns(size, q)
    dtype = patterns.dtype
    x_star = np.asarray(X_STAR_GRID if x_star is None else x_star)
    rho = np.asarray(RHO_GRID if rho is None else rho)
    if x_star.ndim != 1 or rho.ndim != 1:
        raise ValueError("x_star and rho must be 1-D grids")
    if not np.all(rho > 0):
        raise ValueError("rho must be > 0 on the whole grid")
    x_star, rho = jnp.asarray(x_star, dtype), jnp.asarray(rho, dtype)
    # a, b, q as arrays: one compilation serves both design settings
    a, b, q_ = (jnp.asarray(v, dtype) for v in (a, b, q))
    cell = _diagram(activation, patterns, x_star, rho, a, b, q_, chunk_size)
    return PhaseDiagram(
        x_star=x_star,
        rho=rho,
        lambda_max=cell["lambda_max"],
        stable=cell["stable"],
        sufficient=cell["sufficient"],
        sufficient_value=cell["sufficient_value"],
        instability=cell["instability"],
        instability_value=cell["instability_value"],
        alpha_tilde=cell["alpha_tilde"],
        gamma=cell["gamma"],
        activation=activation,
        gamma_setting=gamma,
        size=size,
    )
