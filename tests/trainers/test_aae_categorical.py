"""The AAE's categorical prior for unsupervised clustering (Makhzani et al. 2016, §5) and the clustering error."""

import os

import keras
import numpy as np
import pytest

from tfarae.config import ConfigError, load_config, save_config
from tfarae.data.images import digits, load_images, train_image_dataset
from tfarae.metrics.clustering import cluster_assignments, clustering_error
from tfarae.models import CategoricalPrior, ConvImageEncoder, Critic, Encoder, MLPImageDecoder, MLPImageEncoder
from tfarae.models.priors import make_prior
from tfarae.trainers import AAETrainer
from tfarae.trainers.factory import compile_trainer, make_trainer

CATEGORICAL = ["train.trainer=aae", "train.aae_prior=categorical", "train.prior_components=4"]  # C = 8: y 4, z 4
PIXELS = (np.random.default_rng(0).random((6, 28, 28, 1)) > 0.7).astype("float32")


def _is_probability_vector(rows):
    return np.all(rows >= 0) and np.allclose(rows.sum(axis=1), 1.0, atol=1e-5)


# The prior --------------------------------------------------------------------------------------------------------


def test_prior_samples_are_uniform_one_hots_then_gaussian_noise():
    prior = CategoricalPrior(7, components=4)
    assert prior.noise_dim == 4 and prior.encoder_head == "categorical"
    noise = np.random.default_rng(2).standard_normal((20000, prior.noise_dim)).astype(np.float32)
    codes = keras.ops.convert_to_numpy(prior(noise))
    assert codes.shape == (20000, 7)
    classes = codes[:, :4]
    assert set(np.unique(classes)) == {0.0, 1.0} and np.all(classes.sum(axis=1) == 1.0)  # exact one-hots
    np.testing.assert_array_equal(classes.argmax(1), keras.ops.convert_to_numpy(prior.component_of(noise)))
    np.testing.assert_allclose(np.bincount(classes.argmax(1), minlength=4) / 20000, 0.25, atol=0.01)
    np.testing.assert_array_equal(codes[:, 4:], noise[:, 1:])  # z is the rest of the noise: N(0, I)
    np.testing.assert_allclose(codes[:, 4:].mean(0), 0.0, atol=0.03)
    np.testing.assert_allclose(codes[:, 4:].std(0), 1.0, atol=0.03)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(prior))
    np.testing.assert_array_equal(restored(noise[:8]), codes[:8])
    assert isinstance(make_prior("categorical", 7, components=4), CategoricalPrior)
    with pytest.raises(ValueError, match="0 < components < code_dim"):
        CategoricalPrior(4, components=4)


# The encoder head -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda **head: Encoder(20, 4, 6, **head),
                                  lambda **head: MLPImageEncoder(6, [16, 8], **head),
                                  lambda **head: ConvImageEncoder(6, [4, 8], 16, **head)])
def test_the_categorical_head_gives_a_softmax_then_linear_codes(make):
    encoder = make(head="categorical", categories=3)
    inputs = np.array([[5, 6, 7, 2, 0], [8, 9, 2, 0, 0]]) if isinstance(encoder, Encoder) else PIXELS
    codes = keras.ops.convert_to_numpy(encoder(inputs))
    assert codes.shape == (len(inputs), 6) and codes.dtype == np.float32
    assert _is_probability_vector(codes[:, :3])
    outputs = keras.ops.convert_to_numpy(encoder._head_outputs(inputs) if isinstance(encoder, Encoder)
                                         else encoder._head_outputs(inputs, False))
    np.testing.assert_allclose(codes[:, 3:], outputs[:, 3:], rtol=1e-6)  # z: the Dense outputs, linear
    exp = np.exp(outputs[:, :3] - outputs[:, :3].max(1, keepdims=True))
    np.testing.assert_allclose(codes[:, :3], exp / exp.sum(1, keepdims=True), rtol=1e-5)
    config = encoder.get_config()
    assert config["head"] == "categorical" and config["categories"] == 3
    assert type(encoder).from_config(config).categories == 3
    for categories in (0, 6):
        with pytest.raises(ValueError, match="the categorical head needs 0 < categories < code size 6"):
            make(head="categorical", categories=categories)


def test_the_trainer_takes_its_head_from_the_prior():
    decoder, discriminator = MLPImageDecoder(8, [16]), Critic(8, [8])
    with pytest.raises(ValueError, match="AAETrainer needs an encoder with head='categorical', got 'linear'"):
        AAETrainer(MLPImageEncoder(8, [16], head="linear"), decoder, discriminator, CategoricalPrior(8, 4))
    with pytest.raises(ValueError, match="the prior has 4 classes, the encoder's head 3"):
        AAETrainer(MLPImageEncoder(8, [16], head="categorical", categories=3), decoder, discriminator,
                   CategoricalPrior(8, 4))
    with pytest.raises(ValueError, match="AAETrainer needs an encoder with head='linear', got 'categorical'"):
        AAETrainer(MLPImageEncoder(8, [16], head="categorical", categories=4), decoder, discriminator,
                   make_prior("gaussian", 8))


# Configuration ----------------------------------------------------------------------------------------------------


def test_k_must_leave_room_for_z():
    message = ("train.prior_components: the categorical prior's K classes need model.hidden_dim > K for z, got K=8 "
               "and hidden_dim=8")
    with pytest.raises(ConfigError) as error:
        load_config("tiny_image", ["train.trainer=aae", "train.aae_prior=categorical", "train.prior_components=8"])
    assert str(error.value) == message
    load_config("tiny_image", ["train.trainer=aae", "train.aae_prior=mixture", "train.prior_components=8"])  # no z


def test_config_round_trip(tmp_path):
    config = load_config("tiny_image", CATEGORICAL)
    trainer = make_trainer(config)
    restored = AAETrainer.from_config(trainer.get_config())
    assert restored.get_config() == trainer.get_config()
    assert isinstance(restored.prior, CategoricalPrior) and restored.prior.components == 4
    assert restored.encoder.head == restored.encoder_head == "categorical" and restored.encoder.categories == 4
    save_config(config, str(tmp_path / "config.yaml"))
    assert load_config(str(tmp_path / "config.yaml")) == config
    preset = load_config("mnist_aae_clusters")
    assert (preset.train.aae_prior, preset.train.prior_components, preset.model.hidden_dim) == ("categorical", 16, 20)
    assert preset.data.image_source == "mnist"


# Training ---------------------------------------------------------------------------------------------------------


def test_a_tiny_categorical_run_trains_writes_samples_and_gives_probability_vectors(tmp_path):
    from tfarae.run import run
    from tfarae.run_dir import load_trainer

    config = load_config("tiny_image", CATEGORICAL)
    trainer = compile_trainer(make_trainer(config), config)
    train, _ = load_images(config.data)
    data = train_image_dataset(train, config.train.batch_size, seed=0, fresh_batches=trainer.fresh_batches)
    history = trainer.fit(data.repeat(), steps_per_epoch=10, epochs=3, shuffle=False, verbose=0).history
    assert history["reconstruction_loss"][-1] < 0.8 * history["reconstruction_loss"][0]
    assert all(np.isfinite(history["discriminator_loss"])) and all(np.isfinite(history["encoder_adversary_loss"]))

    run_dir = str(tmp_path / "categorical")
    run(load_config("tiny_image", [*CATEGORICAL, "train.steps_per_epoch=2"]), run_dir, verbose=0)
    assert sorted(os.listdir(os.path.join(run_dir, "samples"))) == ["epoch_001.png", "epoch_001_interpolation.png"]
    _, _, trainer = load_trainer(run_dir)
    assert isinstance(trainer.prior, CategoricalPrior) and trainer.noise_dim == 5  # C - K + 1
    test = digits("test")
    codes = keras.ops.convert_to_numpy(trainer.encoder(test.pixels[:64]))
    assert codes.shape == (64, 8) and _is_probability_vector(codes[:, :4])
    samples = keras.ops.convert_to_numpy(trainer.sample_codes(32, np.array([0, 1])))
    assert np.all(samples[:, :4].sum(1) == 1.0) and set(np.unique(samples[:, :4])) == {0.0, 1.0}
    clusters = cluster_assignments(trainer, test.pixels, batch_size=100)
    np.testing.assert_array_equal(clusters[:64], codes[:, :4].argmax(1))
    assert clusters.shape == (len(test.pixels),) and 0.0 <= clustering_error(clusters, test.labels) < 1.0


# The clustering error ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("clusters, labels, error", [
    ([0, 0, 0, 1, 1, 2], [5, 5, 3, 7, 7, 7], 1 / 6),  # cluster 0 is a 5 (one 3 wrong); clusters 1 and 2 are 7s
    ([2, 2, 0, 0, 1], [9, 9, 4, 4, 1], 0.0),  # clusters named differently from labels: no error
    ([0] * 10, list(range(10)), 0.9),  # one cluster: all but its label's one example are wrong
    ([0] * 6 + [0] * 4, [1] * 6 + [2] * 4, 0.4),
    ([3, 3, 9, 9], [1, 2, 1, 1], 0.25),  # a tie costs one either way; clusters 0-2 and 4-8 are empty: ignored
    ([0, 1, 2, 3], [0, 0, 0, 0], 0.0),  # more clusters than labels: each example its own cluster's label
    ([], [], 0.0),
])
def test_clustering_error_on_hand_made_arrays(clusters, labels, error):
    assert clustering_error(np.array(clusters, int), np.array(labels, int)) == pytest.approx(error, abs=1e-12)


def test_clustering_error_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="3 clusters but 2 labels"):
        clustering_error([0, 1, 1], [0, 1])


class _FixedEncoder:
    """Returns fixed codes `[y ; z]` row by row, as an encoder with the `categorical` head would."""

    head, categories = "categorical", 3

    def __init__(self, codes):
        self.codes, self.calls = np.asarray(codes, np.float32), []

    def __call__(self, inputs):
        self.calls.append(len(inputs))
        return self.codes[np.asarray(inputs, int)]


def test_cluster_assignments_are_the_argmax_of_y_in_batches():
    encoder = _FixedEncoder([[0.1, 0.7, 0.2, 9.0], [0.6, 0.3, 0.1, -9.0], [0.0, 0.1, 0.9, 5.0],
                             [0.2, 0.2, 0.6, 0.0], [0.5, 0.4, 0.1, 99.0]])  # z (last column) never counts
    trainer = type("Trainer", (), {"encoder": encoder})()
    np.testing.assert_array_equal(cluster_assignments(trainer, np.arange(5), batch_size=2), [1, 0, 2, 2, 0])
    assert encoder.calls == [2, 2, 1]
    encoder.head = "linear"
    with pytest.raises(ValueError, match="clusters need an encoder with head='categorical'"):
        cluster_assignments(trainer, np.arange(5))
