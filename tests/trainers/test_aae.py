"""The adversarial autoencoder: its priors, its phases' variables, and codes pulled onto the prior."""

import math

import keras
import numpy as np
import pytest

from tfarae.config import ConfigError, load_config
from tfarae.data.pipeline import train_dataset
from tfarae.models.priors import GaussianMixturePrior, GaussianPrior, make_prior, mixture_means
from tfarae.trainers import AAETrainer
from tfarae.trainers.factory import compile_trainer, make_trainer
from tfarae.trainers.wae import imq_mmd


def _trainer(corpus, *overrides):
    tokenizer, encoded = corpus
    config = load_config("tiny", ["train.trainer=aae", "model.hidden_dim=8", "model.embedding_dim=8",
                                  "train.ae_optimizer=adam", "train.ae_learning_rate=0.01", "train.noise_std=0",
                                  "train.adversary_optimizer=adam", "train.adversary_learning_rate=0.005",
                                  "train.critic_learning_rate=0.005", *overrides])
    trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config)
    return trainer, train_dataset(encoded, config.train.batch_size, 0, 256, seed=0)


def test_gaussian_prior_scales_the_noise():
    noise = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(GaussianPrior(3, std=2.0)(noise), 2 * noise, rtol=1e-6)
    assert GaussianPrior(3).noise_dim == 3


def test_mixture_prior_picks_components_evenly_and_samples_around_their_means():
    prior = GaussianMixturePrior(2, components=10, radius=4.0, std=0.5)
    means = mixture_means(2, 10, 4.0)
    np.testing.assert_allclose(np.linalg.norm(means, axis=1), 4.0, rtol=1e-6)
    np.testing.assert_allclose(means[1], [4 * math.cos(math.pi / 5), 4 * math.sin(math.pi / 5)], rtol=1e-5)
    noise = np.random.default_rng(1).standard_normal((20000, prior.noise_dim)).astype(np.float32)
    components = keras.ops.convert_to_numpy(prior.component_of(noise))
    shares = np.bincount(components, minlength=10) / len(components)
    np.testing.assert_allclose(shares, 0.1, atol=0.01)
    codes = keras.ops.convert_to_numpy(prior(noise))
    offsets = codes - means[components]
    np.testing.assert_allclose(offsets, 0.5 * noise[:, 1:], rtol=1e-5, atol=1e-5)
    nearest = np.argmin(((codes[:, None] - means[None]) ** 2).sum(-1), axis=1)
    assert np.mean(nearest == components) > 0.95  # the components barely overlap at radius 4, std 0.5
    high = mixture_means(16, 5, 3.0, seed=2)
    np.testing.assert_allclose(np.linalg.norm(high, axis=1), 3.0, rtol=1e-5)
    np.testing.assert_array_equal(high, mixture_means(16, 5, 3.0, seed=2))


def test_priors_round_trip_and_bad_names_are_refused():
    prior = make_prior("mixture", 6, components=4, radius=2.0, std=0.3, seed=5)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(prior))
    noise = np.random.default_rng(0).standard_normal((8, 7)).astype(np.float32)
    np.testing.assert_allclose(restored(noise), prior(noise))
    with pytest.raises(ValueError, match="unknown prior 'uniform'"):
        make_prior("uniform", 4)
    with pytest.raises(ConfigError, match="train.aae_prior: wae_gan samples from N\\(0, I\\)"):
        load_config("tiny", ["train.trainer=wae_gan", "train.aae_prior=mixture"])
    with pytest.raises(ConfigError, match="train.prior_components"):
        load_config("tiny", ["train.trainer=aae", "train.prior_components=1"])


def _weights(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def _changed(before, model):
    return [not np.array_equal(a, b) for a, b in zip(before, model.trainable_weights)]


def test_each_phase_updates_only_its_own_variables(corpus):
    trainer, data = _trainer(corpus)
    token_ids = next(iter(data))["token_ids"]
    models = {"encoder": trainer.encoder, "decoder": trainer.decoder, "discriminator": trainer.discriminator}
    expected = {"_autoencoder_step": {"encoder", "decoder"}, "_encoder_adversary_step": {"encoder"}}
    for phase, updated in expected.items():
        before = {name: _weights(m) for name, m in models.items()}
        getattr(trainer, phase)(token_ids)
        for name, model in models.items():
            assert all(_changed(before[name], model)) == (name in updated), (phase, name)
            assert any(_changed(before[name], model)) == (name in updated), (phase, name)
    before = {name: _weights(m) for name, m in models.items()}
    trainer._discriminator_step(trainer.encoder(token_ids))
    for name, model in models.items():
        assert any(_changed(before[name], model)) == (name == "discriminator"), name


@pytest.mark.parametrize("prior", ["gaussian", "mixture"])
def test_the_adversary_pulls_codes_onto_the_prior(corpus, prior):
    """After the same steps, the codes' MMD to prior samples is far smaller with the adversary than without."""
    tokenizer, encoded = corpus
    token_ids = encoded.token_ids[:200]
    mmd, told_apart = {}, {}
    for weight in (0.0, 1.0):
        keras.utils.set_random_seed(0)
        trainer, data = _trainer(corpus, f"train.adversarial_lambda={weight}", f"train.aae_prior={prior}",
                                 "train.prior_radius=2.0", "train.prior_components=4")
        history = trainer.fit(data.repeat(), steps_per_epoch=60, epochs=3, shuffle=False, verbose=0).history
        samples = keras.ops.convert_to_numpy(trainer.sample_codes(200, np.array([0, 1])))
        mmd[weight] = float(imq_mmd(trainer.encoder(token_ids), samples))
        told_apart[weight] = history["discriminator_accuracy"][-1]
        assert history["reconstruction_loss"][-1] < history["reconstruction_loss"][0]
    assert mmd[1.0] < 0.5 * mmd[0.0], mmd
    assert told_apart[1.0] < told_apart[0.0] - 0.05, told_apart  # the codes pass as prior samples more often


def test_a_mixture_aae_run_exports_and_generates_from_its_prior(tmp_path):
    from tfarae.export import export_run
    from tfarae.run import run
    from tfarae.run_dir import load_trainer

    run_dir = str(tmp_path / "aae")
    config = load_config("tiny", ["train.trainer=aae", "train.aae_prior=mixture", "train.epochs=1",
                                  "train.steps_per_epoch=2", "train.num_samples_per_epoch=0", "train.num_eval_samples=8"])
    run(config, run_dir, verbose=0)
    _, _, trainer = load_trainer(run_dir)
    assert isinstance(trainer, AAETrainer) and isinstance(trainer.prior, GaussianMixturePrior)
    result = export_run(run_dir, str(tmp_path / "models"), name="aae")  # calls every signature in a fresh process
    assert result.signatures["generate"]["codes"] == [2, 8]
    import tensorflow as tf

    loaded = tf.saved_model.load(result.path)
    codes = loaded.signatures["generate"](num=tf.constant(64), seed=tf.constant(3, tf.int64),
                                          temperature=tf.constant(0.0))["codes"].numpy()
    means = mixture_means(8, 10, 4.0, seed=0)
    distances = np.sqrt(((codes[:, None] - means[None]) ** 2).sum(-1)).min(axis=1)
    assert np.all(distances < 0.5 * 4 * 2)  # every sample sits near a component mean (std 0.5 per dimension, C = 8)
