"""Image models through the text machinery (issue #13): every trainer of the family on binarized digits.

The same trainers, `run()` and run directory as text; only the encoder, the decoder (which owns its
reconstruction loss) and the data differ. Sizes are tiny (`configs/tiny_image.yaml`, the embedded
digits: no download).
"""

import json
import math
import os

import keras
import matplotlib.image
import numpy as np
import pytest
import tensorflow as tf

from tfarae.config import ConfigError, load_config, save_config
from tfarae.data.images import IMAGE_SHAPE, digits, load_images, train_image_dataset
from tfarae.models import MLPImageDecoder, MLPImageEncoder
from tfarae.trainers import ARAETrainer, AutoencoderTrainer
from tfarae.trainers.factory import FAMILY, compile_trainer, make_trainer

TRAINERS = ("ae", "arae", "aae", "vae", "wae_mmd")
CLASSES = {"ae": AutoencoderTrainer, "arae": ARAETrainer, **FAMILY}
TILE = 28 + 2  # an image and the padding after it in a PNG grid (tfarae.metrics.image_plots)


@pytest.fixture(scope="module")
def images():
    return load_images(load_config("tiny_image").data)


def _trainer(*overrides):
    config = load_config("tiny_image", list(overrides))
    return compile_trainer(make_trainer(config), config), config


def _weights(trainer):
    return {name: [w.numpy().copy() for w in component.trainable_weights]
            for name, component in trainer.components.items()}


@pytest.mark.parametrize("name", TRAINERS)
def test_loss_falls_and_every_component_learns(images, name):
    train, _ = images
    trainer, config = _trainer(f"train.trainer={name}")
    assert isinstance(trainer, CLASSES[name]) and isinstance(trainer.decoder, MLPImageDecoder)
    data = train_image_dataset(train, config.train.batch_size, seed=0, fresh_batches=trainer.fresh_batches)
    before = _weights(trainer)
    history = trainer.fit(data.repeat(), steps_per_epoch=10, epochs=3, shuffle=False, verbose=0).history
    losses = history["reconstruction_loss"]
    assert losses[0] > 300 and losses[-1] < 0.8 * losses[0], losses  # nats per image, from about 784 log 2
    assert 0.5 < history["reconstruction_accuracy"][-1] <= 1.0
    assert int(trainer.iteration.numpy()) == int(trainer.ae_optimizer.iterations.numpy()) == 30
    after = _weights(trainer)
    for component, weights in before.items():
        changed = [not np.array_equal(a, b) for a, b in zip(weights, after[component])]
        if component == "critic":  # its output bias cancels in E[D(real)] - E[D(fake)]: no gradient
            assert not changed.pop()
        assert all(changed), (component, changed)


@pytest.mark.parametrize("name", ["arae", "aae"])
def test_the_autoencoder_step_moves_only_encoder_and_decoder(images, name):
    trainer, _ = _trainer(f"train.trainer={name}")
    before = _weights(trainer)
    trainer._autoencoder_step(tf.constant(images[0].pixels[:16]))
    after = _weights(trainer)
    for component, weights in before.items():
        moved = any(not np.array_equal(a, b) for a, b in zip(weights, after[component]))
        assert moved == (component in ("encoder", "decoder")), component


def test_reconstruction_is_nats_per_image_and_pixel_accuracy(images):
    trainer, _ = _trainer("train.trainer=ae")
    pixels = images[1].pixels[:5]
    trainer.decoder.set_weights([np.zeros_like(w) for w in trainer.decoder.get_weights()])  # every logit 0
    loss, losses, correct, weights = trainer.reconstruction(pixels, trainer.encoder(pixels))
    assert losses.shape == (5,) and correct.shape == (5,)
    np.testing.assert_allclose(losses, 784 * math.log(2), rtol=1e-6)
    assert float(loss) == pytest.approx(784 * math.log(2), rel=1e-6)  # the mean over images
    np.testing.assert_allclose(correct, (pixels == 0).mean(axis=(1, 2, 3)), rtol=1e-6)  # logit 0 reads as a 0
    np.testing.assert_array_equal(weights, np.ones(5))


def test_the_vae_penalty_is_the_kl_per_image(images):
    trainer, _ = _trainer("train.trainer=vae", "train.kl_weight=0.5")
    pixels = tf.constant(images[0].pixels[:8])
    mean, log_variance = (t.numpy() for t in trainer.encoder.posterior(pixels, training=True))
    codes, sample, penalty = trainer._training_codes(pixels)
    kl = 0.5 * (np.square(mean) + np.exp(log_variance) - 1.0 - log_variance)
    assert float(penalty) == pytest.approx(0.5 * kl.sum() / 8, rel=1e-5)
    np.testing.assert_allclose(codes, mean, rtol=1e-6)
    assert not np.allclose(sample, mean)


def test_arae_steps_read_fresh_image_batches(images):
    trainer, config = _trainer("train.trainer=arae", "train.critic_steps=3")
    data = train_image_dataset(images[0], 16, seed=0, fresh_batches=trainer.fresh_batches)
    batch = next(iter(data))
    assert trainer.fresh_batches == 4 and batch["fresh_pixels"].shape == (16, 4, *IMAGE_SHAPE)
    assert not np.array_equal(batch["fresh_pixels"][:, 0], batch["pixels"])
    every = {image.tobytes() for image in images[0].pixels}
    assert all(image.tobytes() in every for image in batch["fresh_pixels"].numpy().reshape((-1, *IMAGE_SHAPE)))
    logs = trainer.train_on_batch(batch, return_dict=True)
    assert math.isfinite(logs["critic_loss"]) and logs["code_norm_real"] == pytest.approx(1.0, abs=1e-4)


@pytest.mark.parametrize("name", TRAINERS)
def test_config_round_trip(name, tmp_path):
    trainer, config = _trainer(f"train.trainer={name}")
    restored = CLASSES[name].from_config(trainer.get_config())
    assert restored.get_config() == trainer.get_config()
    assert isinstance(restored.encoder, MLPImageEncoder) and restored.encoder.head == trainer.encoder.head
    assert isinstance(keras.saving.serialize_keras_object(trainer), dict)
    save_config(config, str(tmp_path / "config.yaml"))
    assert load_config(str(tmp_path / "config.yaml")) == config


def test_conv_networks_train_too(images):
    trainer, _ = _trainer("train.trainer=vae", "model.image_network=conv", "model.image_filters=[4, 8]",
                          "model.image_dense_units=16")
    assert type(trainer.encoder).__name__ == "ConvImageEncoder" and type(trainer.decoder).__name__ == "ConvImageDecoder"
    batch = {"pixels": images[0].pixels[:16]}
    first = trainer.train_on_batch(batch, return_dict=True)["reconstruction_loss"]
    for _ in range(5):
        last = trainer.train_on_batch(batch, return_dict=True)["reconstruction_loss"]
    assert last < first


@pytest.mark.parametrize("override, message", [
    ("train.trainer=transfer", "train.trainer: transfer is text-only; data.modality: image takes arae, ae, vae, "
                               "wae_mmd, aae, wae_gan"),
    ("train.trainer=dae", "train.trainer: dae is text-only; data.modality: image takes arae, ae, vae, wae_mmd, aae, "
                          "wae_gan"),
    ("train.decoder_word_dropout=0.2", "train.decoder_word_dropout: word dropout is text-only: must be 0 with "
                                       "data.modality: image"),
    ("runtime.precision=auto", "runtime.precision: auto measures the text LSTM: choose float32, mixed_float16 or "
                               "mixed_bfloat16 for images"),
    ("data.grammar_attribute=sentiment", "data.grammar_attribute: labels sentences: must be empty with "
                                         "data.modality: image"),
    ("data.modality=video", "data.modality: must be one of text, image, got 'video'"),
    ("data.image_source=cifar", "data.image_source: must be one of digits, binarized_mnist, mnist, got 'cifar'"),
    ("model.image_network=resnet", "model.image_network: must be one of mlp, conv, got 'resnet'"),
    ("model.image_filters=[4, 4, 4]", "model.image_filters: 28-pixel images take 1 or 2 stride-2 layers, got 3"),
])
def test_combinations_that_do_not_exist_are_one_line_errors(override, message):
    with pytest.raises(ConfigError) as error:
        load_config("tiny_image", [override])
    assert str(error.value) == message


def _png(path):
    """Returns the `(height, width)` of a PNG file (read back as an image: it is a real PNG)."""
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    return matplotlib.image.imread(path).shape[:2]


@pytest.mark.parametrize("name", TRAINERS)
def test_a_tiny_run_writes_the_run_directory_and_load_trainer_rebuilds_it(tmp_path, name):
    from tfarae.data.images import eval_image_dataset
    from tfarae.run import run
    from tfarae.run_dir import finished_run_problem, load_trainer

    run_dir = str(tmp_path / name)
    metrics = run(load_config("tiny_image", [f"train.trainer={name}", "train.steps_per_epoch=2"]), run_dir, verbose=0)
    with open(os.path.join(run_dir, "metrics.json"), encoding="utf-8") as f:
        assert json.load(f) == metrics
    assert metrics["iterations"] == 2 and 0.5 < metrics["reconstruction_accuracy"] <= 1.0
    assert 0 < metrics["reconstruction_loss"] < 784 * math.log(2) * 1.5
    assert "num_samples" not in metrics and ("kl" in metrics) == (name == "vae")
    assert {"config.yaml", "checkpoints", "backup", "logs", "samples", "metrics.json"} <= set(os.listdir(run_dir))
    assert "vocab.txt" not in os.listdir(run_dir)
    assert os.path.isfile(os.path.join(run_dir, "checkpoints", "last.weights.h5"))
    assert sorted(os.listdir(os.path.join(run_dir, "samples"))) == ["epoch_001.png", "epoch_001_interpolation.png"]
    assert _png(os.path.join(run_dir, "samples", "epoch_001.png")) == (2 * TILE + 2, 10 * TILE + 2)  # 20 samples
    assert _png(os.path.join(run_dir, "samples", "epoch_001_interpolation.png")) == (TILE + 2, 10 * TILE + 2)

    config, tokenizer, trainer = load_trainer(run_dir)
    assert tokenizer is None and config.data.modality == "image" and isinstance(trainer, CLASSES[name])
    assert int(trainer.iteration.numpy()) == 2
    evaluation = trainer.evaluate(eval_image_dataset(digits("test"), config.train.batch_size), verbose=0,
                                  return_dict=True)
    for key in ("reconstruction_loss", "reconstruction_accuracy"):
        assert evaluation[key] == pytest.approx(metrics[key], rel=1e-5), key
    problem = f"--run-dir: {run_dir} holds a run of data.modality: image; this reads text runs only"
    assert finished_run_problem(run_dir) == problem  # what export and evaluation say
    assert finished_run_problem(run_dir, modality="image") is None


def test_the_cli_trains_the_reference_preset_and_export_refuses_it(tmp_path):
    from tfarae.export.writer import ExportError, export_run
    from tfarae.train import main

    run_dir = str(tmp_path / "mnist_arae")
    main(["--config", "mnist_arae", "--run-dir", run_dir, "--set", "data.image_source=digits",
          "--set", "train.steps_per_epoch=2", "--set", "train.epochs=1"])
    config = load_config(os.path.join(run_dir, "config.yaml"))
    assert config.model.generator_tanh and config.train.lipschitz == "weight_clip" and config.train.critic_steps == 10
    assert _png(os.path.join(run_dir, "samples", "epoch_001.png")) == (10 * TILE + 2, 10 * TILE + 2)  # 100 samples
    with open(os.path.join(run_dir, "metrics.json"), encoding="utf-8") as f:
        assert json.load(f)["iterations"] == 2
    with pytest.raises(ExportError, match="holds a run of data.modality: image; this reads text runs only"):
        export_run(run_dir, str(tmp_path / "models"))


@pytest.mark.parametrize("source, sizes, labelled", [("digits", (1500, 297), True),
                                                     ("binarized_mnist", (50_000, 10_000), False),
                                                     ("mnist", (50_000, 10_000), True)])
def test_image_sources_split_into_train_and_validation(source, sizes, labelled):
    from tfarae.data import images

    default = {"binarized_mnist": images.BINARIZED_MNIST_PATH, "mnist": images.MNIST_PATH}.get(source)
    if default and not os.path.exists(default):
        pytest.skip(f"{default} not here (run from the repository root next to ../shared)")
    train, valid = load_images(load_config("tiny_image", [f"data.image_source={source}"]).data)
    assert (len(train.pixels), len(valid.pixels)) == sizes
    assert (train.labels is not None) == labelled and train.pixels.shape[1:] == IMAGE_SHAPE
    if source == "mnist":  # the last 10,000 training images, not the test split
        every = images.mnist("train")
        np.testing.assert_array_equal(valid.pixels, every.pixels[-10_000:])
