"""`runtime.precision`: sub-models compute in float16/bfloat16 on float32 variables and return float32;
under mixed_float16 every optimizer scales its loss and skips steps whose gradients are not finite."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfarae.config import load_config
from tfarae.data.pipeline import train_dataset
from tfarae.export.serving import ServingModule
from tfarae.models import Encoder
from tfarae.sampling import generate_sentences, reconstruct_sentences
from tfarae.trainers.base import apply_gradients
from tfarae.trainers.factory import compile_trainer, make_trainer

LossScaleOptimizer = keras.optimizers.LossScaleOptimizer
MIXED = [("mixed_float16", "float16"), ("mixed_bfloat16", "bfloat16")]
OPTIMIZERS = ("ae_optimizer", "critic_optimizer", "generator_optimizer", "adversary_optimizer")
OVERFLOWING_SCALE = 2.0**60  # scaled gradients far beyond float16's range (65504)


def _config(precision, *overrides):
    return load_config("tiny", [f"runtime.precision={precision}", *overrides])


def _trainer(corpus, config):
    """Returns the compiled trainer of `config` and its training dataset."""
    tokenizer, encoded = corpus
    trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config)
    return trainer, train_dataset(encoded, config.train.batch_size, trainer.fresh_batches, 256, seed=0)


def _weights(trainer):
    return {name: [w.numpy().copy() for w in c.trainable_weights] for name, c in trainer.components.items()}


def _changed(before, trainer):
    """Returns the names of the components whose trainable weights differ from `before`."""
    after = _weights(trainer)
    return {name for name in before if any(not np.array_equal(a, b) for a, b in zip(before[name], after[name]))}


def _scaled_sgd(variables, learning_rate=1.0):
    """Returns a built `LossScaleOptimizer` around SGD (initial scale 2**15)."""
    optimizer = LossScaleOptimizer(keras.optimizers.SGD(learning_rate))
    optimizer.build(variables)
    return optimizer


@pytest.mark.parametrize("precision, compute", MIXED)
def test_sub_models_compute_in_the_policy_dtype_on_float32_variables_and_return_float32(corpus, precision, compute):
    trainer, _ = _trainer(corpus, _config(precision))
    encoder, decoder, generator, critic = (trainer.components[n] for n in ("encoder", "decoder", "generator", "critic"))
    layers = [encoder.embedding, encoder.lstm, decoder.embedding, decoder.lstm, *generator.body.layers,
              *critic.body.layers]
    assert {layer.compute_dtype for layer in layers} == {compute}
    assert decoder.output_layer.compute_dtype == "float32"  # model.output_dtype, not runtime.precision
    assert {w.dtype for c in trainer.components.values() for w in c.weights} == {"float32"}

    # The LSTM's input projection and its recurrence (the matrix products) are in the compute dtype.
    seen, lstm_call = [], encoder.lstm.call

    def recording_call(projected, **kwargs):
        hidden = lstm_call(projected, **kwargs)
        seen.extend([projected.dtype.name, hidden.dtype.name])
        return hidden

    encoder.lstm.call = recording_call
    ids = tf.constant(corpus[1].token_ids[:4])
    codes = encoder(ids)
    assert seen == [compute, compute]

    hidden = decoder((ids, codes))
    outputs = [codes, hidden, decoder.logits(hidden), generator(tf.zeros((4, generator.z_dim))), critic(codes)]
    assert [t.dtype.name for t in outputs] == ["float32"] * 5
    np.testing.assert_allclose(np.linalg.norm(codes.numpy(), axis=1), 1.0, atol=1e-5)
    logits, (h, c, _) = decoder.step(ids[:, 0], decoder.initial_state(codes))
    assert (logits.dtype.name, h.dtype.name, c.dtype.name) == ("float32", compute, compute)


def test_make_trainer_neither_reads_nor_changes_the_global_policy(corpus):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        exact, _ = _trainer(corpus, _config("float32"))
        fast, _ = _trainer(corpus, _config("mixed_bfloat16"))
        assert keras.config.dtype_policy().name == "mixed_float16"
    finally:
        keras.config.set_dtype_policy(previous)
    assert {layer.compute_dtype for layer in exact.generator.body.layers + [exact.encoder.lstm]} == {"float32"}
    assert fast.encoder.lstm.compute_dtype == "bfloat16"
    # Keras would wrap the optimizer of a model built under a global mixed_float16 policy.
    assert exact.optimizer is exact.ae_optimizer and not isinstance(exact.optimizer, LossScaleOptimizer)


@pytest.mark.parametrize("precision", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_every_optimizer_scales_the_loss_under_mixed_float16_only(corpus, precision):
    trainer, _ = _trainer(corpus, _config(precision))
    optimizers = [getattr(trainer, name) for name in OPTIMIZERS]
    assert [isinstance(o, LossScaleOptimizer) for o in optimizers] == [precision == "mixed_float16"] * 4
    assert len(set(map(id, optimizers))) == 4 and trainer.optimizer is trainer.ae_optimizer


def test_clipping_sees_the_unscaled_gradients():
    weights = keras.Variable(np.zeros(2, "float32"))
    optimizer = _scaled_sgd([weights])
    scale = float(optimizer.dynamic_scale.numpy())
    apply_gradients(optimizer, [tf.constant([3.0, 4.0]) * scale], [weights], clipnorm=1.0)
    np.testing.assert_allclose(weights.numpy(), [-0.6, -0.8], rtol=1e-6)  # norm 5 clipped to 1, then applied


@pytest.mark.parametrize("clipnorm", [None, 1.0])
def test_a_non_finite_gradient_skips_the_update_and_halves_the_loss_scale(clipnorm):
    weights = keras.Variable(np.ones(2, "float32"))
    optimizer = _scaled_sgd([weights], learning_rate=0.5)
    apply_gradients(optimizer, [tf.constant([np.inf, 1.0])], [weights], clipnorm)
    np.testing.assert_array_equal(weights.numpy(), [1.0, 1.0])
    assert float(optimizer.dynamic_scale.numpy()) == 2.0**14 and int(optimizer.iterations.numpy()) == 0
    apply_gradients(optimizer, [tf.constant([0.5, 0.5]) * 2.0**14], [weights], clipnorm)
    np.testing.assert_allclose(weights.numpy(), [0.75, 0.75], rtol=1e-6)  # unscaled; norm 0.7 is not clipped
    assert int(optimizer.iterations.numpy()) == 1


def test_an_overflowing_float16_iteration_skips_every_phase_and_lowers_each_loss_scale(corpus):
    trainer, data = _trainer(corpus, _config("mixed_float16"))
    for name in OPTIMIZERS:
        getattr(trainer, name).dynamic_scale.assign(OVERFLOWING_SCALE)
    before = _weights(trainer)
    logs = trainer.train_on_batch(next(iter(data)), return_dict=True)
    assert _changed(before, trainer) == set()
    skipped = {"ae_optimizer": 1, "critic_optimizer": trainer.critic_steps, "generator_optimizer": 1,
               "adversary_optimizer": 1}
    for name, count in skipped.items():
        optimizer = getattr(trainer, name)
        assert float(optimizer.dynamic_scale.numpy()) == OVERFLOWING_SCALE / 2**count, name
        assert int(optimizer.iterations.numpy()) == 0, name
    assert all(np.isfinite(value) for value in logs.values())  # the losses themselves are not scaled


def _sgd_phases(trainer, precision):
    """Compiles `trainer` with SGD (0.01) in every phase, loss-scaled under mixed_float16."""
    optimizers = {name: keras.optimizers.SGD(0.01) for name in OPTIMIZERS}
    if precision == "mixed_float16":
        optimizers = {name: LossScaleOptimizer(o) for name, o in optimizers.items()}
    trainer.compile(**optimizers)
    return trainer


PHASES = {  # one phase of the ARAE iteration on a trainer and real token ids [16, T]
    "autoencoder": lambda trainer, ids: trainer._autoencoder_step(ids),
    "critic": lambda trainer, ids: trainer._critic_step(trainer.encoder(ids)),
    "encoder adversary": lambda trainer, ids: trainer._encoder_adversary_step(ids),
    "generator": lambda trainer, ids: trainer._generator_step(16),
}


@pytest.mark.parametrize("precision, tolerance", [("mixed_float16", 0.01), ("mixed_bfloat16", 0.05)])
def test_every_phase_updates_its_component_as_float32_does(corpus, precision, tolerance):
    # SGD shows the gradients' size (Adam's first step does not): a loss scale left in, a scaled
    # gradient penalty or encoder adversary, or clipping of scaled gradients would be off by 2**15.
    tokenizer, encoded = corpus
    trainers = {p: _sgd_phases(make_trainer(_config(p, "train.grad_lambda=1.0"), tokenizer.vocab_size,
                                            tokenizer.sequence_length), p)
                for p in ("float32", precision)}
    trainers[precision].set_weights(trainers["float32"].get_weights())
    ids = tf.constant(encoded.token_ids[:16])
    for phase, run in PHASES.items():
        updates = {}
        for p, trainer in trainers.items():
            before = _weights(trainer)
            run(trainer, ids)
            updates[p] = {name: np.concatenate([(b - a).ravel() for a, b in zip(before[name], after)])
                          for name, after in _weights(trainer).items()}
        changed = {name for name, update in updates["float32"].items() if np.any(update)}
        assert changed == {name for name, update in updates[precision].items() if np.any(update)}, phase
        for name in changed:
            exact = updates["float32"][name]
            error = np.linalg.norm(updates[precision][name] - exact) / np.linalg.norm(exact)
            assert error < tolerance, (phase, name, error)


@pytest.mark.parametrize("precision, overrides", [
    ("mixed_float16", []),
    ("mixed_bfloat16", []),
    ("mixed_float16", ["train.lipschitz=weight_clip", "train.weight_clip=0.01", "train.critic_learning_rate=0.01"]),
])
def test_arae_trains_under_mixed_precision(corpus, precision, overrides):
    trainer, data = _trainer(corpus, _config(precision, "train.ae_optimizer=adam", "train.ae_learning_rate=0.01",
                                             *overrides))
    history = trainer.fit(data.repeat(), steps_per_epoch=8, epochs=3, shuffle=False, verbose=0).history
    assert all(np.all(np.isfinite(values)) for values in history.values())
    losses = history["reconstruction_loss"]
    assert losses[-1] < 0.85 * losses[0]
    assert int(trainer.ae_optimizer.iterations.numpy()) > 0 and int(trainer.critic_optimizer.iterations.numpy()) > 0
    if trainer.lipschitz == "weight_clip":
        assert max(np.abs(w.numpy()).max() for w in trainer.critic.trainable_weights) <= 0.01 + 1e-7


def test_loss_scaled_critic_step_under_xla_updates_then_skips_an_overflow(corpus):
    trainer, _ = _trainer(corpus, _config("mixed_float16"))
    step = tf.function(trainer._critic_step, jit_compile=True)
    real = trainer.encoder(tf.constant(corpus[1].token_ids[:16]))
    before = _weights(trainer)
    stats = step(real)
    assert _changed(before, trainer) == {"critic"} and np.isfinite(float(stats["gradient_penalty"]))
    trainer.critic_optimizer.dynamic_scale.assign(OVERFLOWING_SCALE)
    before = _weights(trainer)
    step(real)
    assert _changed(before, trainer) == set()
    assert float(trainer.critic_optimizer.dynamic_scale.numpy()) == OVERFLOWING_SCALE / 2


def test_a_mixed_float16_trainer_exports_and_serves_what_it_computes_in_process(corpus, tmp_path):
    tokenizer, _ = corpus
    trainer, _ = _trainer(corpus, _config("mixed_float16"))
    module = ServingModule(tokenizer, trainer)
    tf.saved_model.save(module, str(tmp_path), signatures=module.signatures())
    loaded = tf.saved_model.load(str(tmp_path))
    sentences = ["the cat sat .", "a dog ran"]
    codes = loaded.signatures["encode"](sentences=tf.constant(sentences))["codes"]
    assert codes.dtype == tf.float32
    np.testing.assert_allclose(codes.numpy(), trainer.encoder(tokenizer(tf.constant(sentences))).numpy(), atol=1e-6)
    served = loaded.signatures["reconstruct"](sentences=tf.constant(sentences))["sentences"].numpy()
    assert [s.decode("utf-8") for s in served] == reconstruct_sentences(trainer, tokenizer, sentences)
    generated = loaded.signatures["generate"](num=tf.constant(5), seed=tf.constant(3, tf.int64),
                                              temperature=tf.constant(0.0))["sentences"].numpy()
    assert [s.decode("utf-8") for s in generated] == generate_sentences(trainer, tokenizer, 5, seed=3)


@pytest.fixture(scope="module")
def mirrored_report():
    """The JSON report of `mirrored_precision.py` (two logical CPUs need a fresh process)."""
    script = os.path.join(os.path.dirname(__file__), "mirrored_precision.py")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, script], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_loss_scaled_updates_under_two_replicas_sum_then_clip_the_unscaled_gradients(mirrored_report):
    unclipped, clipped = mirrored_report["finite"]
    np.testing.assert_allclose(unclipped, [-3.0, -3.0], rtol=1e-6)  # 1 + 2, the scale removed
    np.testing.assert_allclose(clipped, [-0.5**0.5, -0.5**0.5], rtol=1e-6)  # the sum's norm clipped to 1


def test_a_gradient_infinite_on_one_replica_skips_the_update_on_every_replica(mirrored_report):
    # Keras' LossScaleOptimizer alone judges by replica 0's gradients and would apply the infinite sum.
    weights, scale = mirrored_report["non_finite"]
    assert weights == [0.0, 0.0] and scale == 2.0**13


def test_mixed_float16_arae_under_two_replicas_follows_one_device(mirrored_report):
    assert mirrored_report["arae"]["weights"] < 5e-4  # float16 products over half batches
    for name, (single, mirrored) in mirrored_report["arae"]["metrics"].items():
        assert mirrored == pytest.approx(single, rel=5e-3, abs=1e-6), name


def test_a_mixed_component_round_trips_with_its_policy_on_every_layer():
    encoder = Encoder(10, 4, 6, dtype="mixed_float16")
    ids = np.array([[5, 6, 2, 0]], "int32")
    codes = encoder(ids)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(encoder))
    restored(ids)
    restored.set_weights(encoder.get_weights())
    assert (restored.embedding.compute_dtype, restored.lstm.compute_dtype) == ("float16", "float16")
    np.testing.assert_array_equal(restored(ids).numpy(), codes.numpy())
