r"""Integer polynomials of the update rules (pure Python, exact; evaluated at trace time).

Every rule of the dense associative memory has the form

.. math::  u_i = \sum_\mu ξ_i^μ\, P(x_μ - ξ_i^μ s_i),\qquad x_μ = \sum_j ξ_j^μ s_j,

i.e. a polynomial ``P`` of the overlap *without* site ``i``. Since ``v = ξ_i^μ s_i = ±1``,
``P(x − v) = E(x) − v·O(x)`` exactly, with ``E(x) = [P(x+1) + P(x−1)]/2`` and
``O(x) = [P(x+1) − P(x−1)]/2`` (the even / odd parts of the Taylor series of ``P`` at ``x``), so

.. math::  u_i = [Ξ\,E(x)]_i - s_i \sum_μ O(x_μ)

— two GEMMs, with the self term ``j = i`` removed exactly (ours; ``docs/dam.md``).

- Krotov, dominant term: ``P(y) = y^{n−1}``.
- Krotov, exact energy difference: ``F(y + ξ) − F(y − ξ) = ξ [(y+1)^n − (y−1)^n]``, so
  ``P(y) = [(y+1)^n − (y−1)^n]/2``.
- n-body (Abbott/Gardner, distinct index tuples only): with ``y_j = ξ_j s_j`` and ``y_j² = 1``,
  the sum over ordered distinct ``(n−1)``-tuples of ``j ≠ i`` is ``Q_{n−1}(p, N−1)`` with
  ``p = Σ_{j≠i} y_j`` and the recursion ``Q_0 = 1``, ``Q_1 = p``,
  ``Q_{k+1} = p Q_k − k (N' − k + 1) Q_{k−1}`` (n = 3: ``p² − N'``; n = 4:
  ``p³ − (3N' − 2) p``). The n-body energy is multilinear in each spin, so its exact energy
  difference is this same rule.

Coefficients are lists of Python ints, lowest degree first.
"""

from __future__ import annotations

from math import comb, gcd

__all__ = ["rule_polynomial", "even_odd", "nbody_poly", "poly_bound"]


def _add(a: list[int], b: list[int]) -> list[int]:
    out = [0] * max(len(a), len(b))
    for i, c in enumerate(a):
        out[i] += c
    for i, c in enumerate(b):
        out[i] += c
    return out


def _scale(a: list[int], c: int) -> list[int]:
    return [c * v for v in a]


def _shift(p: list[int], h: int) -> list[int]:
    """Coefficients of ``P(y + h)``."""
    out = [0] * len(p)
    for k, c in enumerate(p):
        for j in range(k + 1):
            out[j] += c * comb(k, j) * h ** (k - j)
    return out


def nbody_poly(k: int, n_prime: int) -> list[int]:
    """``Q_k(p, N')``: sum over ordered distinct k-tuples of ``N'`` signs, as a polynomial of
    their sum ``p``."""
    q_prev, q = [1], [0, 1]
    if k == 0:
        return q_prev
    for j in range(1, k):
        q_next = _add([0] + q, _scale(q_prev, -j * (n_prime - j + 1)))
        q_prev, q = q, q_next
    return q


def rule_polynomial(order: int, variant: str, rule: str, size: int) -> list[int]:
    """``P`` of the rule (see module docstring); overall positive factors removed."""
    if variant == "nbody":
        return nbody_poly(order - 1, size - 1)
    if rule == "dominant":
        return [0] * (order - 1) + [1]
    p = _add(_shift([0] * order + [1], 1), _scale(_shift([0] * order + [1], -1), -1))
    return _reduce(p)


def _reduce(p: list[int]) -> list[int]:
    g = 0
    for c in p:
        g = gcd(g, c)
    return [c // g for c in p] if g > 1 else p


def even_odd(p: list[int]) -> tuple[list[int], list[int]]:
    """``(E, O)`` with ``P(x − v) = E(x) − v O(x)`` for ``v = ±1``; a common positive factor of
    both is removed (it does not change the sign of the field)."""
    plus, minus = _shift(p, 1), _shift(p, -1)
    even = [(a + b) for a, b in zip(plus, minus)]
    odd = [(a - b) for a, b in zip(plus, minus)]
    g = 0
    for c in even + odd:
        g = gcd(g, c)
    g = g or 1
    return _trim([c // g for c in even]), _trim([c // g for c in odd])


def _trim(p: list[int]) -> list[int]:
    while len(p) > 1 and p[-1] == 0:
        p = p[:-1]
    return p


def poly_bound(p: list[int], x_max: int) -> int:
    """An upper bound of ``|P(x)|`` for ``|x| ≤ x_max`` (``Σ |c_k| x_max^k``)."""
    return sum(abs(c) * x_max**k for k, c in enumerate(p))


def evaluate(p: list[int], x: int) -> int:
    """``P(x)`` in exact integers (for tests and host-side bounds)."""
    return sum(c * x**k for k, c in enumerate(p))
