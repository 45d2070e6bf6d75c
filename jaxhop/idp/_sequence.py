r"""The two-timescale network of sequential retrieval (reconstruction — ours).

Source: Betteti, Baggio, Zampieri, *A Dynamical Theory of Sequential Retrieval in Input-Driven
Hopfield Networks* (arXiv 2603.03201, 2026). The paper's exact equations were not available;
the model below is our reconstruction (``docs/idp.md`` says why). It reproduces the
published saliency map exactly in the limit of an instantaneous fast layer (ε → 0):

.. math::

    ε\,dy = [-y + W(α)\,h(y)]\,dt + σ\,dB_t, \qquad h = \mathrm{HardTanh},\quad
    W(α) = \tfrac1N Ξ\,\mathrm{diag}(α)\,Ξᵀ,

    \dot α = -α + κ\,S\,d(m), \qquad m = \tfrac1N Ξᵀ h(y),

with orthogonal memories, ``S`` the successor matrix (``S[ν, μ] = 1`` when memory μ excites ν;
default the cycle μ → μ+1 mod P) and the drive ``d(m) = |m|`` (default), ``m²`` or the signed
``m``. The signed drive is *not* the default: noise can pick ``−ξ^{μ+1}`` and then drive the
successor's saliency negative.

Why the map appears: while memory μ is retrieved (``|m_μ| = 1``), ``α_μ = Z_k e^{−s}`` decays and
the successor charges as ``κ(1 − e^{−s})``; μ stops being an equilibrium when ``α_μ = 1``, after
the dwell ``T_k = ln Z_k``, and the state falls into the successor, whose saliency is then
``Z_{k+1} = κ(1 − 1/Z_k)``. If no saliency exceeds 1 the state collapses to the origin.
Residual saliency: in a cycle of P memories the successor still carries about ``Z^{−(P−2)}``
from its previous turn, so the map is exact for the first pass (from zero saliencies) and
approximate afterwards for small P.

Noise convention (ours): ``σ`` multiplies ``dB/ε``, so the per-step fast-layer noise is
``(σ/ε)√dt ξ``; a small σ (1e-6) is needed to leave the unstable direction at each escape.
"""

from __future__ import annotations

import math
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float, PRNGKeyArray

from .._checks import check_finite, check_int, check_real, finite_or_flag
from .._integrate import euler_maruyama_step, integrate
from ._memories import hadamard_memories

__all__ = ["DRIVES", "cyclic_successor", "SequenceNetwork", "sequence_init", "simulate_sequence"]

DRIVES = ("abs", "square", "signed")


def cyclic_successor(num_memories: int) -> Float[Array, "p p"]:
    """``S[ν, μ] = 1`` iff ``ν = μ + 1 mod P``: each memory excites the next."""
    num_memories = check_int("num_memories", num_memories, lo=1)
    eye = np.eye(num_memories, dtype=np.float64)
    return jnp.asarray(np.roll(eye, 1, axis=0), dtype=jnp.result_type(float))


class SequenceNetwork(eqx.Module):
    """Two-timescale network (final; reconstruction, see module docstring).

    **Fields:** `memories` Ξ (N×P, orthogonal ±1), `successor` S (P×P), `kappa` the gain κ (a
    float array leaf, so ``jax.grad`` reaches it); static: `eps` the fast time constant ε,
    `noise` σ, `drive` (``"abs"`` default, ``"square"``, ``"signed"``), `zero_diagonal`,
    `smoothing` (0: exact Hard Tanh; ``s > 0`` rounds its corners over a width ~s — ours, for
    gradients: with the exact kink every component leaves saturation at the same discrete
    step, so the escape time is a staircase in κ whose pathwise derivative misses the event).

    Build with :meth:`hadamard` for the usual set-up.
    """

    memories: Float[Array, "n p"]
    successor: Float[Array, "p p"]
    kappa: Float[Array, ""]
    eps: float = eqx.field(static=True, default=1e-3)
    noise: float = eqx.field(static=True, default=1e-6)
    drive: str = eqx.field(static=True, default="abs")
    zero_diagonal: bool = eqx.field(static=True, default=False)
    smoothing: float = eqx.field(static=True, default=0.0)

    def __check_init__(self):
        if not (math.isfinite(self.smoothing) and self.smoothing >= 0):
            raise ValueError(f"smoothing must be a finite number >= 0, got {self.smoothing!r}")
        if self.drive not in DRIVES:
            raise ValueError(f"drive must be one of {DRIVES}, got {self.drive!r}")
        if not (math.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"eps must be a finite number > 0, got {self.eps!r}")
        check_real("noise", self.noise, lo=0)
        check_real("kappa", self.kappa, lo=0)  # traced (under jit, vmap, grad): unchecked
        check_finite("memories", self.memories)
        check_finite("successor", self.successor)
        p = self.memories.shape[1]
        if self.successor.shape != (p, p):
            raise ValueError(f"successor must be {p}×{p}, got {self.successor.shape}")

    @classmethod
    def hadamard(
        cls,
        kappa: float | Float[ArrayLike, ""],
        *,
        size: int = 64,
        num_memories: int = 8,
        successor: Float[Array, "p p"] | None = None,
        **config: Any,
    ) -> SequenceNetwork:
        """Orthogonal (Hadamard) memories and the cyclic successor unless one is given."""
        check_real("kappa", kappa, lo=0)
        memories = hadamard_memories(size, num_memories)
        if successor is None:
            successor = cyclic_successor(num_memories)
        kappa = jnp.asarray(kappa, memories.dtype)
        return cls(memories, successor, kappa, **config)

    def activate(self, y: Float[Array, " n"]) -> Float[Array, " n"]:
        """Hard Tanh ``clip(y, −1, 1)``; with ``smoothing = s > 0`` the smooth version
        ``s·[softplus((y+1)/s) − softplus((y−1)/s)] − 1`` (→ Hard Tanh as s → 0; ours)."""
        if self.smoothing == 0:
            return jnp.clip(y, -1.0, 1.0)
        s = self.smoothing
        return s * (jax.nn.softplus((y + 1) / s) - jax.nn.softplus((y - 1) / s)) - 1

    def overlaps(self, y: Float[Array, " n"]) -> Float[Array, " p"]:
        """Signed overlaps ``m_μ = (1/N) ξ^μᵀ h(y)``."""
        return self.memories.T @ self.activate(y) / self.memories.shape[0]

    def drive_of(self, m: Float[Array, " p"]) -> Float[Array, " p"]:
        if self.drive == "abs":
            return jnp.abs(m)
        if self.drive == "square":
            return m * m
        return m

    def drift(
        self, y: Float[Array, " n"], saliencies: Float[Array, " p"]
    ) -> tuple[Float[Array, " n"], Float[Array, " p"]]:
        """``(ẏ, α̇) = ((−y + W(α)h(y))/ε, −α + κ S d(m))``, all in O(NP)."""
        n = self.memories.shape[0]
        h = self.activate(y)
        projections = self.memories.T @ h
        recurrent = self.memories @ (saliencies * projections) / n
        if self.zero_diagonal:
            recurrent = recurrent - jnp.sum(saliencies) / n * h
        fast = (-y + recurrent) / self.eps
        slow = -saliencies + self.kappa * (self.successor @ self.drive_of(projections / n))
        return fast, slow


def sequence_init(
    network: SequenceNetwork, z0: Float[ArrayLike, ""], first: int = 0
) -> tuple[Float[Array, " n"], Float[Array, " p"]]:
    """``y(0) = Z_0 ξ^first``, ``α(0) = Z_0 e_first`` (our experiments' start; ``docs/idp.md``).
    ``ValueError`` for a concrete non-finite `z0` or `first` outside ``[0, P − 1]``."""
    check_real("z0", z0)
    check_int("first", first, lo=0, hi=network.memories.shape[1] - 1)
    z0 = jnp.asarray(z0, network.memories.dtype)
    y0 = z0 * network.memories[:, first]
    alpha0 = jnp.zeros(network.memories.shape[1], network.memories.dtype).at[first].set(z0)
    return y0, alpha0


def _drift(network, t, state):
    return network.drift(*state)


def _diffusion(network, t, state):
    y, alpha = state
    return (jnp.asarray(network.noise / network.eps, y.dtype), jnp.zeros((), alpha.dtype))


def _observe(network):
    def save(state):
        y, alpha = state
        return network.overlaps(y), alpha

    return save


def simulate_sequence(
    network: SequenceNetwork,
    state0: tuple[Float[Array, " n"], Float[Array, " p"]],
    *,
    t1: float,
    dt: float | None = None,
    key: PRNGKeyArray | None = None,
    save_every: int = 10,
    checkpoint: bool = False,
    solver: str = "euler",
    rtol: float = 1e-6,
    atol: float = 1e-12,
    num_saves: int | None = None,
) -> eqx.Module:
    """Fixed-step Euler–Maruyama of the two-timescale network on the shared engine.

    ``dt`` defaults to ``ε/5`` and must satisfy ``dt ≤ ε/2`` (explicit Euler on the fast layer,
    whose stable directions decay at rate ``1/ε``). ``ys`` of the result are ``(m, α)`` — signed
    overlaps and saliencies — every ``save_every`` steps; ``final`` is ``(y, α)``. The number of
    steps is ``t1/dt`` rounded up to a multiple of ``save_every``. ``checkpoint=True`` for
    reverse-mode gradients through long runs. A `key` is required when ``noise > 0``.

    ``solver="kvaerno5"`` (or ``"kvaerno3"``) instead solves the network in continuous time with
    diffrax, adaptive and with a cost independent of ε, and returns a
    :class:`~jaxhop.idp.ContinuousSolution` (same ``ts``, ``ys``, ``final``, plus the dense
    solution); ``rtol``, ``atol``, ``num_saves`` are its options (``dt``, ``save_every``,
    ``checkpoint`` are Euler's). Its noise is frozen — see :mod:`jaxhop.idp._continuous`.
    """
    if solver != "euler":
        from ._continuous import CONTINUOUS_SOLVERS, solve_sequence

        if solver not in CONTINUOUS_SOLVERS:
            raise ValueError(
                f"solver must be one of {('euler',) + CONTINUOUS_SOLVERS}, got {solver!r}"
            )
        return solve_sequence(
            network,
            state0,
            t1=t1,
            key=key,
            solver=solver,
            rtol=rtol,
            atol=atol,
            num_saves=num_saves,
        )
    dt = network.eps / 5 if dt is None else dt
    if not (math.isfinite(dt) and 0 < dt <= network.eps / 2):
        raise ValueError(f"dt must be in (0, eps/2 = {network.eps / 2:g}], got {dt!r}")
    if not (math.isfinite(t1) and t1 > 0):
        raise ValueError(f"t1 must be a finite number > 0, got {t1!r}")
    if isinstance(save_every, bool) or not isinstance(save_every, int) or save_every < 1:
        raise ValueError(f"save_every must be an integer >= 1, got {save_every!r}")
    if network.noise > 0 and key is None:
        raise ValueError("key is required when noise > 0")
    num_steps = math.ceil(t1 / dt / save_every - 1e-9) * save_every
    step = euler_maruyama_step(_drift, _diffusion if network.noise > 0 else None, dt=dt)
    state0 = tuple(jnp.asarray(s, network.memories.dtype) for s in state0)
    sol = integrate(
        step,
        network,
        state0,
        num_steps=num_steps,
        dt=dt,
        key=key,
        save_every=save_every,
        save_fn=_observe(network),
        checkpoint=checkpoint,
    )
    ys, final = finite_or_flag(
        "two-timescale simulation diverged (non-finite)", sol.final, (sol.ys, sol.final)
    )
    return eqx.tree_at(lambda s: (s.ys, s.final), sol, (ys, final), is_leaf=lambda x: x is None)
