r"""Local stability of the rescaled memories, from the low-rank structure of W.

Source: Betteti, Baggio, Bullo, Zampieri, arXiv 2411.07388 (Neural Computation 2025).
The Jacobian of ``ẋ = −x + Φ(Wx)`` at ``x̄^μ`` is ``J_μ = −I + D_μ W`` with
``D_μ = diag(Φ'(a + (b − a)ξ^μ_i))``; ``D_μ W`` has the spectrum of the symmetric
``D_μ^{1/2} W D_μ^{1/2}`` (``AB`` and ``BA`` share their eigenvalues), so the spectrum is
real. Memory μ is numerically stable iff ``λ_max(J_μ) < 0``.

**Structure (ours).** Write ``U = [ξ¹ … ξᴾ, 1]/√N`` (N × K, K = P + 1). Since
``ξ^μ − β1 = U·(√N)(e_μ − β e_K)``,

.. math::  W = U C Uᵀ,\qquad C = T\,\mathrm{diag}(α,…,α,γ)\,Tᵀ,\quad
           T = \begin{pmatrix} I_P & 0 \\ −β1ᵀ & 1 \end{pmatrix}.

Then ``D^{1/2} W D^{1/2} = V C Vᵀ`` with ``V = D^{1/2}U``. The non-zero eigenvalues of
``V C Vᵀ`` (N×N) are those of ``C VᵀV = C G`` (K×K), ``G = Uᵀ D U`` (Gram trick: ``AB`` and
``BA`` share non-zero eigenvalues), which are those of the symmetric ``G^{1/2} C G^{1/2}``
(again ``AB ~ BA``). All other eigenvalues of ``V C Vᵀ`` are 0 (its rank is ≤ K < N). Hence

.. math::  λ_{\max}(J_μ) = −1 + \max\{0,\ λ_{\max}(G_μ^{1/2} C G_μ^{1/2})\}\quad (N > K).

D_μ takes only two values, ``Φ'(b)`` on the active units of ξ^μ and ``Φ'(a)`` on the
inactive ones, so ``G_μ = Φ'(b)·A_μ + Φ'(a)·B_μ`` with the design-independent
``A_μ = Uᵀ diag(ξ^μ) U`` and ``B_μ = UᵀU − A_μ``, computed once per pattern set
(:class:`StabilityStructure`, O(N P K²)). Each (cell, memory) then costs one K×K problem
instead of an N×N one.

**No square root of G (ours).** With ``G = F Fᵀ`` (Cholesky with diagonal pivoting, the rows
of F left in G's order, stable for the nearly singular G of a saturated activation:
:func:`jaxhop._linalg.psd_columns`), ``G^{1/2} C G^{1/2}`` is similar to the symmetric
``M = Fᵀ C F`` (both are similar to ``C G``), so
``λ_max(J_μ) = −1 + max{0, λ_max(M_μ)}`` needs only the largest eigenvalue of M
(:func:`memory_matrices`), which :func:`jaxhop._linalg.top_eigenvalue` finds for the whole
batch of matrices at once (Householder + bisection, vectorised over the batch) instead of two
LAPACK ``eigh`` calls per matrix (``benchmarks/README.md``).

Tests of the design (from the authors' released settings, for r = q; ``η = max(Φ'(a), Φ'(b))``):

- sufficient stability: ``η · max(α̃, γ) < 1`` (:func:`sufficient_test` returns the left side);
- sufficient instability: unstable if
  ``max{q(γ − α̃)(Φ'(b) − Φ'(a)) − (1 − Φ'(b)α̃)(1 − Φ'(a)γ), qΦ'(b)((1 − q)α̃ + qγ) − 1} > 0``
  (:func:`instability_test`).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, ArrayLike, Float

from .._linalg import psd_columns, top_eigenvalue
from ._network import FiringRateNetwork

__all__ = [
    "StabilityStructure",
    "stability_structure",
    "memory_matrices",
    "memory_lambda_max",
    "jacobian_lambda_max",
    "sufficient_test",
    "instability_test",
]


class StabilityStructure(eqx.Module):
    """The design-independent Gram blocks of a pattern set (final).

    ``active[μ] = Uᵀ diag(ξ^μ) U`` and ``inactive[μ] = Uᵀ diag(1 − ξ^μ) U`` (P × K × K),
    ``U = [Ξ, 1]/√N``; `size` N (static).
    """

    active: Float[Array, "p k k"]
    inactive: Float[Array, "p k k"]
    size: int = eqx.field(static=True)


def stability_structure(patterns: Float[Array, "n p"]) -> StabilityStructure:
    """Precompute :class:`StabilityStructure` for patterns Ξ (N × P), in O(N P K²)."""
    n = patterns.shape[0]
    u = jnp.concatenate([patterns, jnp.ones((n, 1), patterns.dtype)], axis=1) / jnp.sqrt(
        jnp.asarray(n, patterns.dtype)
    )
    total = u.T @ u
    active = jnp.einsum("im,ij,ik->mjk", patterns, u, u)
    return StabilityStructure(active, total[None] - active, n)


@eqx.filter_jit  # hundreds of small operations: one compiled program, also when called eagerly
def memory_matrices(
    structure: StabilityStructure,
    d_active: Float[ArrayLike, ""],
    d_inactive: Float[ArrayLike, ""],
    alpha: Float[ArrayLike, ""],
    beta: Float[ArrayLike, ""],
    gamma: Float[ArrayLike, ""],
) -> Float[Array, "p k k"]:
    """``M_μ = F_μᵀ C F_μ`` (``G_μ = F_μ F_μᵀ``, ``G_μ = Φ'(b) A_μ + Φ'(a) B_μ``) for every
    memory μ: symmetric K × K matrices with the eigenvalues of ``G_μ^{1/2} C G_μ^{1/2}``
    (module doc); `d_active` is ``Φ'(b)``, `d_inactive` ``Φ'(a)``."""
    p = structure.active.shape[0]
    k = p + 1
    # C = T diag(α,…,α,γ) Tᵀ = α I + α (e_K rᵀ + r e_Kᵀ) + c e_K e_Kᵀ with r = (−β,…,−β, 0) and
    # c = αPβ² + γ − α (T = I + e_K rᵀ), so Fᵀ C F = α (FᵀF + y zᵀ + z yᵀ) + c y yᵀ with
    # y = Fᵀ e_K (F's last row, the ones-vector's) and z = Fᵀ r = −β Σ (F's other rows)
    c = alpha * p * beta * beta + gamma - alpha

    def one(active, inactive):
        low, _ = psd_columns(d_active * active + d_inactive * inactive)
        # sums in a fixed order (not XLA reductions, whose tiling may change with the program
        # around them): bit-identical results for any chunk size and device count
        y = low[k - 1]
        z = low[0]
        ltl = low[0][:, None] * low[0][None, :]
        for i in range(1, k):
            if i < k - 1:
                z = z + low[i]
            ltl = ltl + low[i][:, None] * low[i][None, :]
        z = -beta * z
        return alpha * (ltl + jnp.outer(y, z) + jnp.outer(z, y)) + c * jnp.outer(y, y)

    return jax.vmap(one)(structure.active, structure.inactive)


def lambda_max_of(structure: StabilityStructure, matrices: Float[Array, "*b k k"]) -> Array:
    """``λ_max(J) = −1 + max{0, λ_max(M)}`` (``−1 + λ_max(M)`` when N ≤ K) for a batch of
    :func:`memory_matrices` of any shape: one vectorised call (pass the whole batch)."""
    lower = 0.0 if structure.size > structure.active.shape[-1] else None
    return top_eigenvalue(matrices, lower) - 1.0


def memory_lambda_max(
    structure: StabilityStructure,
    d_active: Float[ArrayLike, ""],
    d_inactive: Float[ArrayLike, ""],
    alpha: Float[ArrayLike, ""],
    beta: Float[ArrayLike, ""],
    gamma: Float[ArrayLike, ""],
) -> Float[Array, " p"]:
    """``λ_max(J_μ)`` for every memory μ, with ``D_μ`` equal to `d_active` (``Φ'(b)``) on the
    active units of ξ^μ and `d_inactive` (``Φ'(a)``) elsewhere; O(P K³) (see module doc)."""
    matrices = memory_matrices(structure, d_active, d_inactive, alpha, beta, gamma)
    return lambda_max_of(structure, matrices)


def jacobian_lambda_max(
    network: FiringRateNetwork, structure: StabilityStructure | None = None
) -> Float[Array, " p"]:
    """``λ_max(J_μ)``, μ = 1 … P, of a designed network at its rescaled memories."""
    if structure is None:
        structure = stability_structure(network.patterns)
    a, b = jnp.asarray(network.a), jnp.asarray(network.b)
    d_active = network.activation.derivative(b)
    d_inactive = network.activation.derivative(a)
    return memory_lambda_max(
        structure, d_active, d_inactive, network.alpha, network.beta, network.gamma
    )


def sufficient_test(
    alpha_tilde: Float[ArrayLike, ""],
    gamma: Float[ArrayLike, ""],
    d_a: Float[ArrayLike, ""],
    d_b: Float[ArrayLike, ""],
) -> Float[Array, ""]:
    """``η · max(α̃, γ)``, ``η = max(Φ'(a), Φ'(b))``: every memory is stable if it is < 1."""
    return jnp.maximum(d_a, d_b) * jnp.maximum(alpha_tilde, gamma)


def instability_test(
    alpha_tilde: Float[ArrayLike, ""],
    gamma: Float[ArrayLike, ""],
    d_a: Float[ArrayLike, ""],
    d_b: Float[ArrayLike, ""],
    q: Float[ArrayLike, ""],
) -> Float[Array, ""]:
    """``max{q(γ − α̃)(Φ'(b) − Φ'(a)) − (1 − Φ'(b)α̃)(1 − Φ'(a)γ), qΦ'(b)((1 − q)α̃ + qγ) − 1}``:
    the memories are unstable if it is > 0."""
    first = q * (gamma - alpha_tilde) * (d_b - d_a) - (1 - d_b * alpha_tilde) * (1 - d_a * gamma)
    second = q * d_b * ((1 - q) * alpha_tilde + q * gamma) - 1
    return jnp.maximum(first, second)
