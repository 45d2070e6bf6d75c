"""Synthetic selection tasks: induction head and extended (multi-token trigger) induction head.

After Casti, Zampieri & Pasqualetti (arXiv 2505.17932, 2025; they describe the tasks in words
only; the generators below are ours). Every generator is pure JAX, driven by an
explicit key and jittable; one call makes one sequence, ``jax.vmap`` over keys makes a batch
(:meth:`InductionTask.batch`).

Token ids: ``0 … vocab−1`` are content tokens, ``vocab`` is the trigger token of the basic task
(the extended tasks never use it, so every task has ``vocab + 1`` token ids and ``vocab``
classes).

- **Induction head** (``k = 1``): the trigger token appears once at a random position
  ``p ≤ L − 3``, followed by the target; the last token is the trigger; label = target.
- **Extended induction head** (``k ≥ 2``): the trigger is a k-gram of *distinct* content
  tokens, fixed for the task. It occurs exactly once before the end (at ``p ≤ L − 2k − 1``,
  followed by the target) and again as the last k tokens. Elsewhere, distractors are planted
  in disjoint windows: the first k−1 trigger tokens followed by a wrong token, a wrong token
  followed by the last k−1 trigger tokens, and non-identity permutations of the k-gram. After
  planting, every other occurrence of the full k-gram (random background or a distractor
  completed by chance) is broken by replacing one of its tokens with a content token that is
  not in the trigger — such a token cannot start a new occurrence, and since the trigger's
  tokens are distinct two occurrences never overlap, so one pass suffices.
- **Per-sequence trigger** (stretch): as the extended task, but the k-gram is drawn per
  sequence (revealed only at the end) — multi-token associative recall.
"""

from __future__ import annotations

import itertools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Int, PRNGKeyArray

from .._checks import check_int, check_memory, is_traced

__all__ = [
    "InductionTask",
    "induction_head",
    "extended_induction_head",
    "per_sequence_trigger",
    "draw_trigger",
]

_DISTRACTOR_KINDS = 3  # prefix (first k−1), suffix (last k−1), permutation


def draw_trigger(key: PRNGKeyArray, k: int, vocab: int) -> Int[Array, " k"]:
    """A k-gram of distinct content tokens (uniform without replacement from ``0 … vocab−1``)."""
    vocab = check_int("vocab", vocab, lo=2)
    k = check_int("k", k, lo=1, hi=vocab - 1)
    # drawing without replacement permutes all of 0 … vocab−1 (keys, values, sort buffers)
    check_memory("vocab", vocab, lambda v: 16 * v, lo=2)
    return jax.random.choice(key, vocab, (k,), replace=False).astype(jnp.int32)


def _uniform_int(u, n):
    """Map uniforms in [0, 1) to integers in ``0 … n−1``."""
    return jnp.minimum(jnp.floor(u * n).astype(jnp.int32), n - 1)


def _other_token(u, avoid, vocab):
    """A uniform content token different from ``avoid``."""
    r = _uniform_int(u, vocab - 1)
    return jnp.where(r >= avoid, r + 1, r)


def _non_identity_permutation(u):
    """A uniform random permutation (argsort of uniforms), identity replaced by a swap."""
    k = u.shape[0]
    perm = jnp.argsort(u)
    identity = jnp.all(perm == jnp.arange(k))
    swapped = perm.at[0].set(perm[1]).at[1].set(perm[0])
    return jnp.where(identity, swapped, perm)


def _sample(key, trigger, length, vocab, num_distractors):
    """One sequence and its label (see the module docstring).

    All randomness comes from one uniform draw, cut into pieces (a single threefry call keeps
    the compiled generator small)."""
    k = trigger.shape[0]
    block = k + 1
    num_blocks = length // block
    nd = num_distractors
    sizes = (length, 1, 1, num_blocks, nd, nd, nd, nd * k, length)
    u = jax.random.uniform(key, (sum(sizes),))
    u_bg, u_p, u_tgt, u_slots, u_kind, u_off, u_wrong, u_perm, u_fix = jnp.split(
        u, list(itertools.accumulate(sizes))[:-1]
    )
    tokens = _uniform_int(u_bg, vocab)
    target = _uniform_int(u_tgt[0], vocab)
    p = _uniform_int(u_p[0], length - 2 * k)  # p ≤ L − 2k − 1
    end = length - k
    positions = jnp.arange(length)

    if nd > 0:
        # disjoint blocks of k + 1 positions that do not touch the two protected windows
        starts = jnp.arange(num_blocks) * block
        stops = starts + block  # exclusive
        touches_first = (starts <= p + k) & (stops > p)
        touches_end = stops > end
        scores = jnp.where(touches_first | touches_end, -1.0, u_slots)
        _, chosen = jax.lax.top_k(scores, nd)
        offsets = _uniform_int(u_off, 2)
        kinds = _uniform_int(u_kind, _DISTRACTOR_KINDS)

        def window(kind, uw, up):
            prefix = trigger.at[k - 1].set(_other_token(uw, trigger[k - 1], vocab))
            suffix = trigger.at[0].set(_other_token(uw, trigger[0], vocab))
            permuted = trigger[_non_identity_permutation(up)]
            return jnp.select([kind == 0, kind == 1], [prefix, suffix], permuted)

        windows = jax.vmap(window)(kinds, u_wrong, u_perm.reshape(nd, k))  # (nd, k)
        where = (starts[chosen] + offsets)[:, None] + jnp.arange(k)[None, :]
        tokens = tokens.at[where.reshape(-1)].set(windows.reshape(-1))

    # plant the trigger, its target and the final trigger
    tokens = jax.lax.dynamic_update_slice(tokens, trigger, (p,))
    tokens = tokens.at[p + k].set(target)
    tokens = tokens.at[end:].set(trigger)

    if k > 1:
        # break every other occurrence of the full k-gram (see module docstring)
        windows = jnp.stack([jnp.roll(tokens, -j) for j in range(k)], axis=-1)
        match = jnp.all(windows == trigger[None, :], axis=-1) & (positions <= end)
        match = match & (positions != p) & (positions != end)
        # change the occurrence's last token, unless that is the protected target
        fix_at = jnp.where(positions + k - 1 == p + k, positions, positions + k - 1)
        in_trigger = jnp.zeros((vocab,), bool).at[trigger].set(True)
        allowed = jnp.argsort(in_trigger, stable=True)[: vocab - k].astype(jnp.int32)
        replacement = allowed[_uniform_int(u_fix, vocab - k)]
        tokens = tokens.at[jnp.where(match, fix_at, length)].set(replacement, mode="drop")
    return tokens, target


class InductionTask(eqx.Module):
    """A task: trigger (or per-sequence triggers), sequence length and vocabulary.

    **Fields:** `trigger` (the fixed k-gram, int32 ``(k,)``; for ``k = 1`` it is the dedicated
    trigger token ``vocab``; ``None`` for per-sequence triggers), `k`, `length` (L), `vocab`
    (content tokens V), `num_distractors` (partial matches planted per sequence, ``None`` →
    ``min(L // 16, L // (k + 1) − 4)``; always 0 for ``k = 1``).

    Use :func:`induction_head`, :func:`extended_induction_head` or
    :func:`per_sequence_trigger` to build one; :meth:`sample` makes one sequence,
    :meth:`batch` a batch, :meth:`with_length` the same task at another length.
    """

    trigger: Int[Array, " k"] | None
    k: int = eqx.field(static=True)
    length: int = eqx.field(static=True)
    vocab: int = eqx.field(static=True)
    num_distractors: int | None = eqx.field(static=True, default=None)

    def __check_init__(self):
        vocab = check_int("vocab", self.vocab, lo=2)
        k = check_int("k", self.k, lo=1, hi=vocab - 1)
        min_length = 3 if k == 1 else 4 * (k + 1)
        check_int("length", self.length, lo=min_length)
        if self.num_distractors is not None:
            check_int("num_distractors", self.num_distractors, lo=0, hi=self.max_distractors)
        if self.trigger is not None and not is_traced(self.trigger):
            trigger = np.asarray(self.trigger)
            if trigger.shape != (k,) or not np.issubdtype(trigger.dtype, np.integer):
                raise ValueError(f"trigger must be {k} integer tokens (got {self.trigger!r})")
            valid = (
                (trigger == vocab).all()
                if k == 1
                else (
                    ((trigger >= 0) & (trigger < vocab)).all() and len(set(trigger.tolist())) == k
                )
            )
            if not valid:
                raise ValueError(
                    f"trigger must be [{vocab}] (the trigger token) for k = 1, or {k} distinct "
                    f"content tokens in [0, {vocab - 1}] (got {trigger.tolist()})"
                )

    @property
    def max_distractors(self) -> int:
        return 0 if self.k == 1 else self.length // (self.k + 1) - 4

    @property
    def distractors(self) -> int:
        if self.num_distractors is not None:
            return self.num_distractors
        return max(0, min(self.length // 16, self.max_distractors))

    @property
    def batch_bytes(self) -> int:
        """Bytes one sequence of :meth:`batch` holds at its peak (an estimate: the int32
        tokens, the float32 uniforms it is drawn from and the k shifted copies that find
        repeated triggers)."""
        return 4 * self.length * (4 + 2 * self.k)

    @property
    def num_tokens(self) -> int:
        """Token ids ``0 … vocab`` (the embedding size)."""
        return self.vocab + 1

    @property
    def per_sequence(self) -> bool:
        return self.trigger is None

    def sample(self, key: PRNGKeyArray) -> tuple[Int[Array, " L"], Int[Array, ""]]:
        """One sequence ``tokens`` (int32, length L) and its label (the target token)."""
        if self.trigger is None:
            key, sub = jax.random.split(key)
            trigger = draw_trigger(sub, self.k, self.vocab)
        else:
            trigger = self.trigger
        return _sample(key, trigger, self.length, self.vocab, self.distractors)

    def batch(self, key: PRNGKeyArray, size: int) -> tuple[Int[Array, "b L"], Int[Array, " b"]]:
        """``size`` independent sequences (``jax.vmap`` of :meth:`sample`); `size` an integer
        >= 1 whose batch (tokens and the generator's uniforms) fits the memory budget."""
        size = check_int("size", size, lo=1)
        check_memory("size", size, lambda b: b * self.batch_bytes)
        return _batch(self, key, size)

    def with_length(self, length: int) -> InductionTask:
        """The same task (same trigger) at another sequence length."""
        return InductionTask(self.trigger, self.k, length, self.vocab, self.num_distractors)


@eqx.filter_jit
def _batch(task, key, size):
    return jax.vmap(task.sample)(jax.random.split(key, size))


def induction_head(length: int = 256, vocab: int = 16) -> InductionTask:
    """Induction head: one trigger token (id ``vocab``) once at ``p ≤ L − 3``, target after it,
    trigger again at the end."""
    vocab = check_int("vocab", vocab, lo=2)
    return InductionTask(jnp.array([vocab], jnp.int32), 1, length, vocab)


def extended_induction_head(
    k: int = 3,
    *,
    key: PRNGKeyArray | None = None,
    trigger: Int[ArrayLike, " k"] | None = None,
    length: int = 256,
    vocab: int = 16,
    num_distractors: int | None = None,
) -> InductionTask:
    """Extended induction head: a fixed k-gram trigger of distinct content tokens, drawn from
    `key` (default ``jax.random.key(0)``) or given as `trigger`."""
    k = check_int("k", k, lo=2)  # the extended task; k = 1 is induction_head
    if trigger is None:
        trigger = draw_trigger(jax.random.key(0) if key is None else key, k, vocab)
    else:
        trigger = jnp.asarray(trigger, jnp.int32)
        if trigger.shape != (k,):
            raise ValueError(f"trigger must have shape ({k},) (got {trigger.shape})")
    return InductionTask(trigger, k, length, vocab, num_distractors)


def per_sequence_trigger(
    k: int = 3, *, length: int = 256, vocab: int = 16, num_distractors: int | None = None
) -> InductionTask:
    """Stretch task: the k-gram is drawn per sequence, so it is revealed only at the end."""
    k = check_int("k", k, lo=2)  # the per-sequence task needs a k-gram
    return InductionTask(None, k, length, vocab, num_distractors)
