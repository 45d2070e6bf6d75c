"""Training: the residual model learns the induction head; one compilation per run;
checkpoint round trip; optimizer schedule; bad input."""

import equinox as eqx
import jax
import numpy as np
import pytest

import jaxhop as jh
from jaxhop.ssm import _train


def test_residual_model_learns_induction_head(key, tmp_path, monkeypatch):
    """Small L: the residual-generator model reaches high test accuracy (chance = 1/16); the
    step compiles once for the whole run; a checkpoint restores identical predictions."""
    guarded = eqx.filter_jit(
        eqx.debug.assert_max_traces(_train.train_step.__wrapped__, max_traces=1)
    )
    monkeypatch.setattr(_train, "train_step", guarded)
    task = jh.ssm.induction_head(length=32)
    model = jh.ssm.make_model("residual", jax.random.key(1), task, width=32)
    result = jh.ssm.train(
        model, task, key=key, steps=120, batch=32, lr=3e-3, eval_size=512, quiet=True
    )
    assert result.accuracy >= 0.95, result.eval_accuracy
    assert result.losses.shape == (120,) and np.all(np.isfinite(result.losses))
    assert result.losses[-1] < 0.3 < result.losses[0]
    assert result.tokens_per_s > 0 and result.compile_s > 0

    path = jh.ssm.save_model(tmp_path / "ckpt" / "model.eqx", result.model)
    fresh = jh.ssm.make_model("residual", jax.random.key(99), task, width=32)
    restored = jh.ssm.load_model(path, fresh)
    tokens, _ = task.batch(key, 64)
    predict = eqx.filter_jit(lambda m, t: jax.vmap(m)(t))
    np.testing.assert_array_equal(predict(restored, tokens), predict(result.model, tokens))
    assert not np.array_equal(predict(fresh, tokens), predict(result.model, tokens))
    with pytest.raises(ValueError, match="checkpoint not found"):
        jh.ssm.load_model(tmp_path / "missing.eqx", fresh)


def test_schedule_warmup_then_cosine():
    import optax

    opt = jh.ssm.make_optimizer(100, lr=1.0, warmup=10)
    # the schedule lives in the adamw state; check it through a one-parameter problem:
    # the first update is zero (lr 0 at step 0), later updates follow warmup then decay
    params = {"w": np.ones(1, np.float32)}
    with jax.numpy_dtype_promotion("standard"):
        state = opt.init(params)
        update = jax.jit(opt.update)
        sizes = []
        for _ in range(100):
            updates, state = update({"w": np.ones(1, np.float32)}, state, params)
            sizes.append(abs(float(updates["w"][0])))
    sched = optax.warmup_cosine_decay_schedule(0.0, 1.0, 10, 100)
    assert sizes[0] < 1e-6
    assert np.argmax(sizes) in (9, 10, 11)
    assert sizes[-1] < 0.01 * max(sizes)
    assert abs(float(sched(10)) - 1.0) < 1e-6


def test_bad_arguments(key):
    task = jh.ssm.induction_head(length=16)
    model = jh.ssm.make_model("lti", key, task, width=4)
    with pytest.raises(ValueError, match="steps"):
        jh.ssm.train(model, task, key=key, steps=0)
    with pytest.raises(ValueError, match="batch"):
        jh.ssm.train(model, task, key=key, batch=-1)
    with pytest.raises(ValueError, match="lr"):
        jh.ssm.make_optimizer(10, lr=0.0)


@pytest.mark.slow
@pytest.mark.parametrize("k", [2, 3])
def test_residual_model_learns_extended_task(key, k):
    """Fixed k-gram trigger with partial-match distractors (longer run: marked slow)."""
    task = jh.ssm.extended_induction_head(k, length=64)
    model = jh.ssm.make_model("residual", jax.random.key(1), task, width=32)
    result = jh.ssm.train(model, task, key=key, steps=250, batch=32, eval_size=512, quiet=True)
    assert result.accuracy >= 0.95, result.eval_accuracy
