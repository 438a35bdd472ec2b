import keras
import numpy as np
import pytest
import tensorflow as tf

from tfarae.config import load_config
from tfarae.data.pipeline import train_dataset
from tfarae.trainers import ARAETrainer, AutoencoderTrainer
from tfarae.models.decoder import TOKEN_BUCKET
from tfarae.trainers.factory import compile_trainer, make_trainer


def _trainer(corpus, *overrides):
    tokenizer, encoded = corpus
    config = load_config("tiny", list(overrides))
    trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config)
    data = train_dataset(encoded, config.train.batch_size, trainer.fresh_batches, 256, seed=0)
    return trainer, data


def test_reconstruction_loss_falls(corpus):
    trainer, data = _trainer(corpus, "train.trainer=ae", "model.hidden_dim=16", "model.embedding_dim=16",
                             "train.ae_optimizer=adam", "train.ae_learning_rate=0.01")
    assert isinstance(trainer, AutoencoderTrainer) and trainer.fresh_batches == 0
    history = trainer.fit(data.repeat(), steps_per_epoch=15, epochs=4, shuffle=False, verbose=0).history
    losses = history["reconstruction_loss"]
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert losses[-1] < 0.8 * losses[0]


def test_one_arae_step_updates_every_component(corpus):
    trainer, data = _trainer(corpus)
    assert isinstance(trainer, ARAETrainer) and trainer.fresh_batches == 3
    before = {name: [w.numpy().copy() for w in c.trainable_weights] for name, c in trainer.components.items()}
    batch = next(iter(data))
    logs = trainer.train_on_batch(batch, return_dict=True)
    for name, component in trainer.components.items():
        assert any(not np.allclose(a, b.numpy()) for a, b in zip(before[name], component.trainable_weights)), name
    assert logs["code_norm_real"] == pytest.approx(1.0, abs=1e-5)
    assert int(trainer.iteration.numpy()) == 1
    # Each critic step counts in the trackers: its losses once, its codes once per example.
    assert float(trainer.gan_trackers["critic_loss"].count) == trainer.critic_steps == 2
    assert float(trainer.gan_trackers["code_norm_generated"].count) == 2 * batch["token_ids"].shape[0]
    for key in ("reconstruction_loss", "critic_loss", "wasserstein_estimate", "gradient_penalty", "generator_loss"):
        assert np.isfinite(logs[key]), key


@pytest.mark.parametrize("gan_batch_size", [None, 4])
def test_gan_rounds_repeat_the_gan_phases_on_their_own_fresh_batches(corpus, gan_batch_size):
    trainer, data = _trainer(corpus, "train.gan_rounds=3", f"train.gan_batch_size={gan_batch_size or 'null'}")
    assert trainer.fresh_batches == 9
    batch = next(iter(data))
    assert batch["fresh_token_ids"].shape[1] == 9
    encoded_batches = []
    original_encode = trainer.encoder.call
    trainer.encoder.call = lambda ids, **kwargs: encoded_batches.append(ids) or original_encode(ids, **kwargs)
    trainer.train_step(batch)  # eagerly, so the encoded batches are values
    assert int(trainer.critic_optimizer.iterations.numpy()) == 6
    assert int(trainer.generator_optimizer.iterations.numpy()) == 3
    assert int(trainer.ae_optimizer.iterations.numpy()) == 1
    assert int(trainer.adversary_optimizer.iterations.numpy()) == 3
    # The autoencoder batch, then per round its two critic batches (one pass) and its adversary batch,
    # each the first gan_batch_size rows (tiny: batch 16, 2 critic steps).
    fresh = batch["fresh_token_ids"].numpy()[:gan_batch_size]
    expected = [batch["token_ids"].numpy()]
    for start in (0, 3, 6):
        expected += [fresh[:, start : start + 2].reshape(-1, fresh.shape[2]), fresh[:, start + 2]]
    assert len(encoded_batches) == len(expected)
    for encoded, ids in zip(encoded_batches, expected):
        np.testing.assert_array_equal(encoded, ids)


def test_critic_separates_real_from_generated_codes(corpus):
    tokenizer, encoded = corpus
    # Without BatchNorm: with it, scores of an all-real or all-fake batch are normalised alike.
    trainer, _ = _trainer(corpus, "model.hidden_dim=16", "train.critic_learning_rate=0.005",
                          "model.critic_batchnorm=false")
    real = trainer.encoder(encoded.token_ids[:64])
    step = tf.function(trainer._critic_step)
    for _ in range(60):
        step(real)
    fake = trainer.sample_codes(64, tf.constant([1, 2], tf.int64))
    assert float(tf.reduce_mean(trainer.critic(real))) > float(tf.reduce_mean(trainer.critic(fake))) + 0.1


def test_weight_clipping_bounds_every_critic_weight(corpus):
    trainer, data = _trainer(corpus, "train.lipschitz=weight_clip", "train.weight_clip=0.01",
                             "train.critic_learning_rate=0.01")
    trainer.fit(data, steps_per_epoch=3, epochs=1, shuffle=False, verbose=0)
    for weight in trainer.critic.trainable_weights:
        assert np.abs(weight.numpy()).max() <= 0.01 + 1e-7, weight.path
    assert max(np.abs(w.numpy()).max() for w in trainer.critic.trainable_weights) == pytest.approx(0.01)


def test_noise_std_anneals_with_iterations(corpus):
    trainer, _ = _trainer(corpus, "train.noise_std=0.2", "train.noise_anneal=0.5", "train.noise_anneal_every=10")
    trainer.iteration.assign(25)
    assert float(trainer.current_noise_std()) == pytest.approx(0.05)


def test_encoder_adversary_weight_ramps_up_over_the_warmup(corpus):
    trainer, data = _trainer(corpus, "train.grad_lambda=0.4", "train.grad_lambda_warmup=8")
    weights = []
    for iteration in (0, 2, 8, 20):
        trainer.iteration.assign(iteration)
        weights.append(float(trainer.current_grad_lambda()))
    assert weights == pytest.approx([0.0, 0.1, 0.4, 0.4])
    assert float(trainer.gan_trackers["encoder_adversary_loss"].result()) == 0.0


@pytest.mark.parametrize("adversary_optimizer", ["sgd", "adam"])
def test_encoder_adversary_at_weight_zero_leaves_the_encoder_after_adam_autoencoder_steps(corpus, adversary_optimizer):
    # The adversary has its own optimizer: the autoencoder's Adam momentum must not leak into its step.
    trainer, data = _trainer(corpus, "train.ae_optimizer=adam", "train.ae_learning_rate=0.01",
                             f"train.adversary_optimizer={adversary_optimizer}", "train.grad_lambda_warmup=8")
    batch = next(iter(data))
    for _ in range(3):
        trainer._autoencoder_step(batch["token_ids"])
    trainer.iteration.assign(0)
    before = [w.numpy().copy() for w in trainer.encoder.trainable_weights]
    ae_updates = int(trainer.ae_optimizer.iterations.numpy())
    trainer._encoder_adversary_step(batch["token_ids"])
    for a, b in zip(before, trainer.encoder.trainable_weights):
        np.testing.assert_array_equal(a, b.numpy())
    assert int(trainer.ae_optimizer.iterations.numpy()) == ae_updates
    assert int(trainer.adversary_optimizer.iterations.numpy()) == 1


def _weights(trainer):
    return {name: [w.numpy().copy() for w in c.trainable_weights] for name, c in trainer.components.items()}


def _changed(before, trainer):
    """Returns the names of the components whose trainable weights differ from `before`."""
    after = _weights(trainer)
    return {name for name in before if any(not np.array_equal(a, b) for a, b in zip(before[name], after[name]))}


def _fake_scores(trainer, z):
    return float(tf.reduce_mean(trainer.critic(trainer.generator(z, training=True))))


@pytest.fixture
def adversarial(corpus):
    """A tiny ARAE trainer whose critic has learned for a few steps (so it has gradients), and real ids `[64, T]`."""
    trainer, _ = _trainer(corpus, "model.hidden_dim=16", "train.critic_learning_rate=0.005",
                          "train.generator_learning_rate=0.005", "train.grad_lambda=1.0")
    ids = tf.constant(corpus[1].token_ids[:64])
    step = tf.function(trainer._critic_step)
    for _ in range(20):
        step(trainer.encoder(ids))
    return trainer, ids


def test_critic_step_raises_the_wasserstein_estimate_and_touches_only_the_critic(adversarial):
    trainer, ids = adversarial
    real = trainer.encoder(ids)
    fake = trainer.sample_codes(256, tf.constant([1, 2], tf.int64))
    estimate = lambda: float(tf.reduce_mean(trainer.critic(real)) - tf.reduce_mean(trainer.critic(fake)))  # noqa: E731
    before, start = _weights(trainer), estimate()
    step = tf.function(trainer._critic_step)
    for _ in range(10):
        step(real)
    assert _changed(before, trainer) == {"critic"}
    assert estimate() > start + 0.02


def test_generator_step_raises_the_critics_score_of_fakes_and_touches_only_the_generator(adversarial):
    trainer, _ = adversarial
    z = tf.random.stateless_normal([256, trainer.generator.z_dim], seed=[3, 4])
    before, start = _weights(trainer), _fake_scores(trainer, z)
    step = tf.function(trainer._generator_step)
    for _ in range(10):
        step(64)
    assert _changed(before, trainer) == {"generator"}
    assert _fake_scores(trainer, z) > start + 0.01


def test_encoder_adversary_lowers_the_critics_score_of_real_codes_and_touches_only_the_encoder(adversarial):
    trainer, ids = adversarial
    real_scores = lambda: float(tf.reduce_mean(trainer.critic(trainer.encoder(ids))))  # noqa: E731
    before, start = _weights(trainer), real_scores()
    step = tf.function(trainer._encoder_adversary_step)
    for _ in range(10):
        step(ids)
    assert _changed(before, trainer) == {"encoder"}
    assert real_scores() < start - 0.01


def test_trainer_config_round_trip(corpus):
    trainer, _ = _trainer(corpus, "train.grad_lambda_warmup=5")
    restored = ARAETrainer.from_config(trainer.get_config())
    assert restored.critic_steps == trainer.critic_steps and restored.grad_lambda_warmup == 5
    assert restored.generator.get_config() == trainer.generator.get_config()
    assert isinstance(keras.saving.serialize_keras_object(trainer), dict)


def test_ae_baseline_samples_from_a_gaussian_fitted_to_its_codes(corpus):
    _, encoded = corpus
    trainer, _ = _trainer(corpus, "train.trainer=ae")
    ids = np.concatenate([encoded.token_ids] * 5)[:1100]  # not a multiple of the encoding chunk
    trainer.prepare_sampling(ids)
    codes = trainer.encoder(ids).numpy()
    samples = trainer.sample_codes(4000, tf.constant([0, 1], tf.int64)).numpy()
    np.testing.assert_allclose(samples.mean(0), codes.mean(0), atol=0.05)
    np.testing.assert_allclose(np.cov(samples.T), np.cov(codes.T), atol=0.02)


@pytest.mark.parametrize("trainer_name", ["ae", "arae"])
def test_cosine_schedule_spans_every_autoencoder_update(corpus, trainer_name):
    tokenizer, encoded = corpus
    config = load_config("tiny", [f"train.trainer={trainer_name}", "train.ae_optimizer=adam",
                                  "train.ae_learning_rate=0.01", "train.ae_lr_schedule=cosine"])
    trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config,
                              iterations=4)
    data = train_dataset(encoded, config.train.batch_size, trainer.fresh_batches, 256, seed=0).repeat()
    rates = []
    for batch in data.take(4):
        rates.append(float(trainer.ae_optimizer.learning_rate))
        trainer.train_on_batch(batch)
    assert rates[0] == pytest.approx(0.01)
    assert all(later < earlier for earlier, later in zip(rates, rates[1:]))
    assert int(trainer.ae_optimizer.iterations.numpy()) == 4  # one update per iteration: the adversary has its own
    assert float(trainer.ae_optimizer.learning_rate) == pytest.approx(0.0, abs=1e-9)  # decayed fully at the end


def test_reconstruction_on_gathered_tokens_equals_the_masked_xla_path(corpus):
    _, encoded = corpus
    token_ids = tf.constant(encoded.token_ids[:37])  # 37 sentences of unequal length: the gathered count is ragged
    gathering, _ = _trainer(corpus, "train.jit_compile=false")
    masking, _ = _trainer(corpus, "train.jit_compile=true")
    masking.set_weights(gathering.get_weights())

    def reconstruct(trainer):
        with tf.GradientTape() as tape:
            loss, token_losses, correct, mask = trainer.reconstruction(token_ids, trainer.encoder(token_ids))
        grads = tape.gradient(loss, trainer.decoder.trainable_variables)
        return [loss, token_losses, correct] + [tf.convert_to_tensor(g) for g in grads], mask

    (gathered, mask), (masked, _) = reconstruct(gathering), reconstruct(masking)
    assert int(np.sum(mask)) % TOKEN_BUCKET != 0  # the bucket padding is exercised
    for a, b in zip(gathered, masked):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)
