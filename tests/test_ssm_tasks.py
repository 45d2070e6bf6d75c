"""Task generators: invariants over many sampled sequences, checked by an independent NumPy
checker (it re-derives every property from the tokens alone)."""

import equinox as eqx
import jax
import numpy as np
import pytest

import jaxhop as jh


def occurrences(seq, gram):
    """Start positions of `gram` in `seq` (plain NumPy sliding comparison)."""
    windows = np.lib.stride_tricks.sliding_window_view(seq, len(gram))
    return np.flatnonzero(np.all(windows == gram, axis=1)).tolist()


def check_induction(tokens, labels, length, vocab):
    for seq, label in zip(tokens, labels):
        assert seq.shape == (length,)
        where = np.flatnonzero(seq == vocab)
        assert len(where) == 2, "trigger exactly once before the end, and at the end"
        p, last = where
        assert last == length - 1 and p <= length - 3
        assert seq[p + 1] == label
        assert 0 <= label < vocab
        assert np.all(seq[seq != vocab] < vocab)


def check_extended(tokens, labels, trigger, length, vocab, distractors=True):
    k = trigger.shape[1]
    seen_prefix = seen_suffix = seen_perm = 0
    for seq, label, gram in zip(tokens, labels, trigger):
        gram = np.asarray(gram)
        assert len(set(gram.tolist())) == k
        assert np.all((0 <= seq) & (seq < vocab))
        occ = occurrences(seq, gram)
        assert len(occ) == 2, f"full k-gram must occur exactly twice, got {occ}"
        p, end = occ
        assert end == length - k, "sequence ends with the trigger"
        assert p + k < end
        assert seq[p + k] == label
        # partial matches (not completing the trigger) are present as distractors
        windows = np.delete(np.lib.stride_tricks.sliding_window_view(seq, k), occ, axis=0)
        seen_prefix += np.all(windows[:, :-1] == gram[:-1], axis=1).sum()
        seen_suffix += np.all(windows[:, 1:] == gram[1:], axis=1).sum()
        seen_perm += np.all(np.sort(windows, axis=1) == np.sort(gram), axis=1).sum()
    if distractors:
        assert seen_prefix > 0 and seen_suffix > 0 and seen_perm > 0


@pytest.mark.parametrize("length", [128])
def test_induction_head_invariants(key, length):
    task = jh.ssm.induction_head(length=length, vocab=16)
    tokens, labels = eqx.filter_jit(lambda t, k: t.batch(k, 500))(task, key)
    check_induction(np.asarray(tokens), np.asarray(labels), length, 16)
    # positions and targets are spread over their ranges (not constant)
    p = np.argmax(np.asarray(tokens) == 16, axis=1)
    assert p.min() <= 5 and p.max() >= length - 8
    assert len(np.unique(np.asarray(labels))) == 16


@pytest.mark.parametrize("k", [2, pytest.param(3, marks=pytest.mark.slow), 4])
def test_extended_invariants(key, k):
    task = jh.ssm.extended_induction_head(k, key=jax.random.key(k), length=128)
    tokens, labels = task.batch(key, 300)
    trigger = np.broadcast_to(np.asarray(task.trigger), (300, k))
    check_extended(np.asarray(tokens), np.asarray(labels), trigger, 128, 16)
    assert task.distractors == 8


def test_extended_distractor_density_extremes(key):
    """Maximal distractor packing still never completes the trigger."""
    task = jh.ssm.extended_induction_head(
        2, trigger=np.array([1, 3]), length=30, vocab=4, num_distractors=6
    )
    assert task.distractors == task.max_distractors == 6
    tokens, labels = task.batch(key, 400)
    trigger = np.broadcast_to([1, 3], (400, 2))
    check_extended(np.asarray(tokens), np.asarray(labels), trigger, 30, 4)


def test_per_sequence_trigger(key):
    task = jh.ssm.per_sequence_trigger(3, length=64)
    tokens, labels = task.batch(key, 200)
    tokens = np.asarray(tokens)
    triggers = tokens[:, -3:]  # revealed at the end
    check_extended(tokens, np.asarray(labels), triggers, 64, 16)
    assert len({tuple(t) for t in triggers.tolist()}) > 100  # drawn per sequence


def test_deterministic_and_jit_once(key):
    task = jh.ssm.extended_induction_head(3, length=64)
    sample = eqx.filter_jit(eqx.debug.assert_max_traces(task.sample.__func__, max_traces=1))
    a = sample(task, key)
    b = sample(task, key)
    c = sample(task, jax.random.fold_in(key, 1))
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])


def test_with_length_keeps_trigger():
    task = jh.ssm.extended_induction_head(3, key=jax.random.key(7), length=64)
    longer = task.with_length(256)
    np.testing.assert_array_equal(longer.trigger, task.trigger)
    assert longer.length == 256 and longer.distractors == 16


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: jh.ssm.induction_head(length=2), "length"),
        (lambda: jh.ssm.extended_induction_head(1), "k must be"),
        (lambda: jh.ssm.extended_induction_head(3, length=10), "length"),
        (lambda: jh.ssm.extended_induction_head(3, num_distractors=99), "num_distractors"),
        (lambda: jh.ssm.extended_induction_head(2, trigger=np.array([1, 2, 3])), "trigger"),
        (lambda: jh.ssm.extended_induction_head(16, vocab=16), "k must"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()
