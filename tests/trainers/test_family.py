"""The regularized-autoencoder family on the AE trainer: DAE (input noise), VAE (KL), WAE-MMD."""

import json
import math
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfarae.config import load_config
from tfarae.data.pipeline import train_dataset
from tfarae.data.tokenizer import EOS_ID, PAD_ID, UNK_ID
from tfarae.models import Decoder, Encoder
from tfarae.trainers import VAETrainer
from tfarae.trainers.factory import FAMILY, compile_trainer, make_trainer
from tfarae.trainers.text_noise import blank_words, drop_words, shuffle_words, substitute_words
from tfarae.trainers.vae import ActiveUnits, gaussian_kl
from tfarae.trainers.wae import imq_mmd

_, W = PAD_ID, EOS_ID  # for the hand-made batches below
BATCH = np.array([[5, 6, 7, 8, 9, W, _, _],
                  [10, 11, W, _, _, _, _, _],
                  [W, _, _, _, _, _, _, _]], np.int32)  # the last sentence has no word


def _trainer(corpus, *overrides):
    tokenizer, encoded = corpus
    config = load_config("tiny", list(overrides))
    trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config)
    return trainer, train_dataset(encoded, config.train.batch_size, trainer.fresh_batches, 256, seed=0)


def _uniform_at(positions, shape=BATCH.shape):
    """Returns draws `[B, T]` that are 0 at `positions` (row, column) and 0.99 elsewhere."""
    uniform = np.full(shape, 0.99, np.float32)
    uniform[tuple(np.array(positions).T)] = 0.0
    return uniform


def _assert_well_formed(token_ids):
    """Every row is words, one `<eos>`, then only `<pad>`."""
    for row in np.asarray(token_ids):
        end = list(row).index(EOS_ID)
        assert all(t not in (PAD_ID, EOS_ID) for t in row[:end]) and all(t == PAD_ID for t in row[end + 1 :]), row


# Input noise ----------------------------------------------------------------------------------------------------


def test_word_dropout_removes_the_chosen_words_and_closes_the_gap():
    dropped = drop_words(BATCH, _uniform_at([(0, 1), (0, 3), (1, 0), (1, 1), (1, 2), (2, 0)]), 0.5).numpy()
    np.testing.assert_array_equal(dropped, [[5, 7, 9, W, _, _, _, _], [W, _, _, _, _, _, _, _], BATCH[2]])
    _assert_well_formed(dropped)


def test_blanking_and_substitution_touch_only_words():
    everything = np.zeros(BATCH.shape, np.float32)
    blanked = blank_words(BATCH, everything, 1.0).numpy()
    np.testing.assert_array_equal(blanked, np.where((BATCH != PAD_ID) & (BATCH != EOS_ID), UNK_ID, BATCH))
    one = blank_words(BATCH, _uniform_at([(0, 4)]), 0.5).numpy()[0]
    np.testing.assert_array_equal(one, [5, 6, 7, 8, UNK_ID, W, _, _])
    replacements = np.full(BATCH.shape, 42, np.int32)
    substituted = substitute_words(BATCH, _uniform_at([(0, 0), (1, 2), (2, 3)]), 0.5, replacements)
    np.testing.assert_array_equal(substituted.numpy()[:, :3], [[42, 6, 7], [10, 11, W], [W, _, _]])


def test_local_shuffle_moves_no_word_more_than_k():
    rng = np.random.default_rng(0)
    lengths = rng.integers(0, 15, size=200)
    ids = np.full((200, 16), PAD_ID, np.int32)
    for row, n in enumerate(lengths):
        ids[row, :n], ids[row, n] = 4 + np.arange(n), EOS_ID  # word id - 4 is its original place
    uniform = rng.uniform(size=ids.shape).astype(np.float32)
    np.testing.assert_array_equal(shuffle_words(ids, uniform, 0).numpy(), ids)
    shuffled = shuffle_words(ids, uniform, 3).numpy()
    _assert_well_formed(shuffled)
    moves = [abs(place - (word - 4)) for row in shuffled for place, word in enumerate(row) if word > EOS_ID]
    assert max(moves) == 3 and np.mean(moves) > 0.5
    for before, after in zip(ids, shuffled):
        assert sorted(before) == sorted(after)


def test_denoising_trainer_corrupts_with_its_seed_and_is_the_identity_at_zero(corpus):
    clean, _ = _trainer(corpus, "train.trainer=dae", "train.dae_word_dropout=0", "train.dae_shuffle_k=0")
    ids = tf.constant(corpus[1].token_ids[:64])
    np.testing.assert_array_equal(clean.corrupt(ids).numpy(), ids.numpy())
    noisy, _ = _trainer(corpus, "train.trainer=dae", "train.dae_word_dropout=0.3", "train.dae_shuffle_k=2",
                        "train.dae_word_blank=0.2", "train.dae_word_substitute=0.2")
    first, second = noisy.corrupt(ids).numpy(), noisy.corrupt(ids).numpy()
    _assert_well_formed(first)
    assert not np.array_equal(first, second)  # the seed generator moves on
    words = lambda t: np.sum((t != PAD_ID) & (t != EOS_ID))  # noqa: E731
    assert 0.5 * words(ids.numpy()) < words(first) < 0.9 * words(ids.numpy())  # 30% dropped
    assert first.max() < corpus[0].vocab_size
    blanking, _ = _trainer(corpus, "train.trainer=dae", "train.dae_word_dropout=0", "train.dae_shuffle_k=0",
                           "train.dae_word_blank=0.25")
    blanked, original = blanking.corrupt(ids).numpy(), ids.numpy()
    changed = blanked != original
    assert set(blanked[changed]) == {UNK_ID} and 0.15 < changed[original > UNK_ID].mean() < 0.35


def test_a_noiseless_dae_takes_exactly_the_ae_step(corpus):
    # The family's step (trainers/regularized.py) must be the AE's, code noise and its draws included.
    ae, data = _trainer(corpus, "train.trainer=ae")
    dae, _ = _trainer(corpus, "train.trainer=dae", "train.dae_word_dropout=0", "train.dae_shuffle_k=0")
    dae.set_weights(ae.get_weights())
    batch = next(iter(data))
    for trainer in (ae, dae):
        trainer.train_on_batch(batch)
    for a, b in zip(ae.get_weights(), dae.get_weights()):
        np.testing.assert_array_equal(a, b)


# VAE --------------------------------------------------------------------------------------------------------------


def _vae(**kwargs):
    """A small unbuilt VAE trainer (enough for schedules and KL terms)."""
    return VAETrainer(Encoder(20, 4, 3, head="gaussian"), Decoder(20, 4, 3, 3), **kwargs)


@pytest.mark.parametrize("schedule, weights", [
    (dict(kl_schedule="constant", kl_weight=0.5), {0: 0.5, 70: 0.5, 10_000: 0.5}),
    (dict(kl_schedule="linear", kl_anneal_steps=100), {0: 0.0, 50: 0.5, 100: 1.0, 300: 1.0}),
    (dict(kl_schedule="logistic", kl_anneal_steps=100, kl_weight=2.0),
     {0: 2.0 / (1 + math.exp(5)), 50: 1.0, 100: 2.0 / (1 + math.exp(-5))}),
    (dict(kl_schedule="cyclical", kl_anneal_steps=50, kl_cycle_steps=100),
     {0: 0.0, 25: 0.5, 50: 1.0, 99: 1.0, 100: 0.0, 125: 0.5, 260: 1.0}),
])
def test_kl_weight_schedules(schedule, weights):
    trainer = _vae(**schedule)
    for iteration, weight in weights.items():
        trainer.iteration.assign(iteration)
        assert float(trainer.current_kl_weight()) == pytest.approx(weight, abs=1e-6), iteration


def test_kl_matches_the_closed_form_and_is_the_penalty_per_token(corpus):
    # KL(N(1, 1) || N(0, 1)) = 1/2; KL(N(0, 2) || N(0, 1)) = (2 - 1 - ln 2) / 2.
    kl = gaussian_kl(tf.constant([[1.0, 0.0]]), tf.constant([[0.0, math.log(2.0)]])).numpy()
    np.testing.assert_allclose(kl, [[0.5, (1 - math.log(2.0)) / 2]], rtol=1e-6)
    trainer, _ = _trainer(corpus, "train.trainer=vae", "train.kl_weight=0.3")
    ids = tf.constant(corpus[1].token_ids[:16])
    mean, log_variance = trainer.encoder.posterior(ids)
    codes, sample, penalty = trainer._training_codes(ids)
    expected = gaussian_kl(mean, log_variance).numpy().sum(axis=1)
    assert float(penalty) == pytest.approx(0.3 * expected.sum() / np.sum(ids.numpy() != PAD_ID), rel=1e-5)
    assert float(trainer.kl_tracker.result()) == pytest.approx(expected.mean(), rel=1e-5)
    np.testing.assert_array_equal(codes, mean)
    assert not np.allclose(sample, mean)


def test_free_bits_floor_each_dimensions_batch_mean_kl():
    kl = tf.constant([[0.1, 2.0, 0.6], [0.3, 0.0, 0.6]])  # batch means 0.2, 1.0, 0.6
    with tf.GradientTape() as tape:
        tape.watch(kl)
        floored = _vae(free_bits=0.5).floored_kl(kl)
    assert float(floored) == pytest.approx(2 * (0.5 + 1.0 + 0.6))  # N Σ_j max(λ, K_j)
    np.testing.assert_array_equal(tape.gradient(floored, kl), [[0, 1, 1], [0, 1, 1]])
    assert float(_vae().floored_kl(kl)) == pytest.approx(3.6)


def test_reparameterisation_carries_the_reconstruction_gradient_to_the_log_variance(corpus):
    trainer, _ = _trainer(corpus, "train.trainer=vae", "train.kl_weight=0")
    ids = tf.constant(corpus[1].token_ids[:16])
    kernel = trainer.encoder.code_layer.kernel
    with tf.GradientTape() as tape:
        _, sample, penalty = trainer._training_codes(ids)
        loss = trainer.reconstruction(ids, sample, training=True)[0] + penalty
    gradient = tape.gradient(loss, kernel).numpy()
    code_dim = trainer.encoder.code_dim
    assert np.abs(gradient[:, :code_dim]).max() > 0 and np.abs(gradient[:, code_dim:]).max() > 0


def test_the_vae_encoder_returns_the_posterior_mean_and_samples_come_from_the_prior(corpus):
    trainer, _ = _trainer(corpus, "train.trainer=vae")
    ids = tf.constant(corpus[1].token_ids[:8])
    np.testing.assert_array_equal(trainer.encoder(ids), trainer.encoder.posterior(ids)[0])
    noise = tf.random.stateless_normal([4, trainer.noise_dim], seed=[1, 2])
    np.testing.assert_array_equal(trainer.sample_codes(4, tf.constant([1, 2], tf.int64)), noise)


def test_decoder_word_dropout_blanks_inputs_in_training_only(corpus):
    trainer, _ = _trainer(corpus, "train.trainer=vae", "train.decoder_word_dropout=1.0")
    ids = tf.constant(corpus[1].token_ids[:8])
    codes = trainer.encoder(ids)
    seen = []
    original = trainer.decoder.call
    trainer.decoder.call = lambda inputs, **kwargs: seen.append(inputs[0]) or original(inputs, **kwargs)
    trainer.reconstruction(ids, codes, training=True)
    trainer.reconstruction(ids, codes)
    blanked, clean = (np.asarray(s) for s in seen)
    assert set(np.unique(blanked)) <= {PAD_ID, 1, UNK_ID, EOS_ID} and UNK_ID in blanked  # 1: <bos>
    np.testing.assert_array_equal(clean[:, 1:], ids.numpy()[:, :-1])


def test_active_units_count_dimensions_whose_means_vary():
    rng = np.random.default_rng(0)
    means = np.stack([rng.normal(size=300), rng.normal(0, 0.5, size=300), np.full(300, 2.0),
                      rng.normal(0, 0.03, size=300)], axis=1).astype(np.float32)  # variances 1, 0.25, 0, 0.0009
    metric = ActiveUnits(4)
    for start in range(0, 300, 64):
        metric.update_state(means[start : start + 64])
    assert float(metric.result()) == 2.0
    metric.reset_state()
    assert float(metric.result()) == 0.0


# WAE --------------------------------------------------------------------------------------------------------------


def test_mmd_is_near_zero_for_one_distribution_and_clearly_positive_for_shifted_ones():
    x, y = (tf.random.stateless_normal([400, 8], seed=[s, 0]) for s in (1, 2))
    assert abs(float(imq_mmd(x, y))) < 0.01
    assert float(imq_mmd(x + 1.0, y)) > 0.2
    assert float(imq_mmd(x + 1.0, y)) > 5 * abs(float(imq_mmd(x, y)))


def test_wae_penalty_is_lambda_times_the_mmd_to_prior_samples(corpus):
    trainer, _ = _trainer(corpus, "train.trainer=wae_mmd", "train.mmd_lambda=3", "train.noise_std=0")
    ids = tf.constant(corpus[1].token_ids[:16])
    codes, decoded, penalty = trainer._training_codes(ids)
    np.testing.assert_array_equal(codes, decoded)
    assert float(penalty) == pytest.approx(3 * float(trainer.mmd_tracker.result()), rel=1e-6)
    assert float(penalty) > 0


# The family -------------------------------------------------------------------------------------------------------


def test_encoder_heads_keep_the_default_layout_and_refuse_mismatches():
    default = Encoder(20, 4, 3)
    default(BATCH)
    config = default.get_config()
    assert config["head"] == "unit_sphere" and len(default.weights) == 4  # embedding, LSTM kernel, recurrent, bias
    del config["head"]  # a run directory written before heads existed
    assert Encoder.from_config(config).head == "unit_sphere"
    np.testing.assert_allclose(np.linalg.norm(default(BATCH), axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="head"):
        Encoder(20, 4, 3, head="spherical")
    with pytest.raises(ValueError, match="gaussian"):
        default.posterior(BATCH)
    with pytest.raises(ValueError, match="VAETrainer needs an encoder with head='gaussian'"):
        VAETrainer(default, Decoder(20, 4, 3, 3))


@pytest.mark.parametrize("name", FAMILY)
def test_loss_falls_and_the_step_updates_encoder_and_decoder(corpus, name):
    trainer, data = _trainer(corpus, f"train.trainer={name}", "model.hidden_dim=16", "model.embedding_dim=16",
                             "train.ae_optimizer=adam", "train.ae_learning_rate=0.01", "train.kl_schedule=linear",
                             "train.kl_anneal_steps=40", "train.decoder_word_dropout=0.1", "train.free_bits=0.02",
                             "train.mmd_lambda=1")
    assert isinstance(trainer, FAMILY[name]) and trainer.fresh_batches == 0
    before = {key: [w.numpy().copy() for w in c.trainable_weights] for key, c in trainer.components.items()}
    history = trainer.fit(data.repeat(), steps_per_epoch=10, epochs=4, shuffle=False, verbose=0).history
    losses = history["reconstruction_loss"]
    assert losses[-1] < 0.8 * losses[0], losses
    assert int(trainer.ae_optimizer.iterations.numpy()) == int(trainer.iteration.numpy()) == 40
    for component, weights in before.items():
        assert all(not np.array_equal(a, b) for a, b in zip(weights, trainer.components[component].trainable_weights))
    assert "active_units" not in history
    if name == "vae":
        assert history["kl_weight"][0] < history["kl_weight"][-1] <= 1.0
    if name == "wae_mmd":
        assert history["mmd"][-1] < history["mmd"][0]


@pytest.mark.parametrize("name", FAMILY)
def test_config_round_trip(corpus, name):
    trainer, _ = _trainer(corpus, f"train.trainer={name}", "train.dae_shuffle_k=2", "train.kl_schedule=cyclical",
                          "train.mmd_scales=[0.5, 2.0]")
    restored = FAMILY[name].from_config(trainer.get_config())
    assert restored.get_config() == trainer.get_config()
    heads = {"dae": "unit_sphere", "vae": "gaussian", "wae_mmd": "linear", "aae": "linear", "wae_gan": "linear"}
    assert restored.encoder.head == restored.encoder_head == heads[name]  # the AAE's is its prior's
    assert isinstance(keras.saving.serialize_keras_object(trainer), dict)


@pytest.mark.parametrize("name", FAMILY)
def test_a_tiny_run_writes_metrics_and_exports(tmp_path, name):
    from tfarae.export import export_run
    from tfarae.run import run

    run_dir = str(tmp_path / name)
    config = load_config("tiny", [f"train.trainer={name}", "train.epochs=1", "train.steps_per_epoch=2",
                                  "train.num_samples_per_epoch=0", "train.num_eval_samples=8"])
    metrics = run(config, run_dir, verbose=0)
    with open(os.path.join(run_dir, "metrics.json"), encoding="utf-8") as f:
        assert json.load(f) == metrics
    assert metrics["iterations"] == 2 and metrics["num_samples"] == 8
    assert ("active_units" in metrics and "kl" in metrics) == (name == "vae")  # the trainer's own figures
    result = export_run(run_dir, str(tmp_path / "models"), name=name)  # calls every signature in a fresh process
    assert result.signatures["encode"]["codes"] == [2, 8] and result.signatures["generate"]["codes"] == [2, 8]
