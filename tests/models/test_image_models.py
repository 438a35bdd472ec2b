"""Image encoders and Bernoulli decoders: heads, likelihood, sampling, dtypes, serialization, learning."""

import itertools
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfarae.data.images import digits
from tfarae.models.image_decoder import ConvImageDecoder, MLPImageDecoder, bernoulli_nll
from tfarae.models.image_encoder import ConvImageEncoder, MLPImageEncoder

PIXELS = (np.random.default_rng(0).random((3, 28, 28, 1)) > 0.7).astype("float32")
CODES = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")


@pytest.mark.parametrize("make", [lambda head: MLPImageEncoder(4, [16, 8], head=head),
                                  lambda head: ConvImageEncoder(4, [4, 8], 16, head=head)])
def test_encoder_heads(make):
    codes = make("unit_sphere")(PIXELS).numpy()
    assert codes.shape == (3, 4) and codes.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 1.0, atol=1e-5)
    assert not np.allclose(np.linalg.norm(make("linear")(PIXELS).numpy(), axis=1), 1.0, atol=1e-3)
    gaussian = make("gaussian")
    mean, log_variance = gaussian.posterior(PIXELS)
    assert mean.shape == (3, 4) and log_variance.shape == (3, 4) and mean.dtype == "float32"
    np.testing.assert_array_equal(gaussian(PIXELS), mean)  # the text Encoder's interface: call gives the mean
    assert not np.allclose(mean, log_variance)
    with pytest.raises(ValueError, match="posterior\\(\\) needs head='gaussian'"):
        make("linear").posterior(PIXELS)
    with pytest.raises(ValueError, match="unknown encoder head 'sphere'; choose one of unit_sphere, linear, gaussian"):
        make("sphere")


def test_batchnorm_makes_a_training_code_depend_on_its_batch():
    alone, batch = PIXELS[:1], PIXELS
    plain = MLPImageEncoder(4, [16], head="linear")
    np.testing.assert_allclose(plain(alone, training=True).numpy(), plain(batch, training=True).numpy()[:1], atol=1e-5)
    normed = MLPImageEncoder(4, [16], batchnorm=True, head="linear")
    assert not np.allclose(normed(alone[[0, 0]], training=True).numpy()[:1],
                           normed(batch, training=True).numpy()[:1], atol=1e-3)


@pytest.mark.parametrize("decoder", [MLPImageDecoder(4, [8, 16]), ConvImageDecoder(4, [4, 8], 16)])
def test_decoders_give_logits_means_and_seeded_binary_samples(decoder):
    logits = decoder(CODES)
    assert logits.shape == (3, 28, 28, 1) and logits.dtype == "float32"
    means = decoder.means(CODES).numpy()
    np.testing.assert_allclose(means, 1 / (1 + np.exp(-logits.numpy())), atol=1e-6)
    samples = decoder.sample(CODES, seed=7).numpy()
    assert samples.shape == (3, 28, 28, 1) and set(np.unique(samples).tolist()) <= {0.0, 1.0}
    np.testing.assert_array_equal(decoder.sample(CODES, seed=7).numpy(), samples)
    generator = keras.random.SeedGenerator(0)
    assert not np.array_equal(decoder.sample(CODES, generator).numpy(), decoder.sample(CODES, generator).numpy())
    many = decoder.sample(np.repeat(CODES[:1], 400, axis=0), seed=1).numpy()
    assert np.abs(many.mean(axis=0) - means[0]).mean() < 0.03  # pixels are Bernoulli(means)


def test_bernoulli_nll_by_hand():
    logits = np.array([[[[0.0], [2.0]], [[-1.0], [3.0]]]], "float32")  # one 2x2 image
    pixels = np.array([[[[1.0], [0.0]], [[0.0], [1.0]]]], "float32")
    # -log sigmoid(l) for a 1, -log(1 - sigmoid(l)) = log(1 + e^l) for a 0.
    expected = math.log(2) + math.log(1 + math.e ** 2) + math.log(1 + math.e ** -1) + math.log(1 + math.e ** -3)
    np.testing.assert_allclose(bernoulli_nll(pixels, logits).numpy(), [expected], rtol=1e-6)


def test_decoder_nll_is_the_sum_of_pixel_cross_entropies():
    decoder = MLPImageDecoder(4, [8])
    nll = decoder.negative_log_likelihood(CODES, PIXELS).numpy()
    probability = 1 / (1 + np.exp(-decoder(CODES).numpy().astype("float64")))
    by_hand = -(PIXELS * np.log(probability) + (1 - PIXELS) * np.log(1 - probability)).sum(axis=(1, 2, 3))
    assert nll.shape == (3,)
    np.testing.assert_allclose(nll, by_hand, rtol=1e-5)
    decoder.set_weights([np.zeros_like(w) for w in decoder.get_weights()])  # every logit 0: each pixel costs log 2
    np.testing.assert_allclose(decoder.negative_log_likelihood(CODES, PIXELS).numpy(), 784 * math.log(2), rtol=1e-6)


def test_mlp_autoencoder_learns_to_reconstruct_the_embedded_digits():
    train, test = digits("train"), digits("test")
    # Unit-sphere codes learn too, more slowly: 100 steps reach only about the mean-image NLL.
    encoder, decoder = MLPImageEncoder(8, [256, 128], head="linear"), MLPImageDecoder(8, [128, 256])
    decoder(encoder(test.pixels[:1]))
    optimizer = keras.optimizers.Adam(3e-3)
    variables = encoder.trainable_variables + decoder.trainable_variables

    @tf.function
    def step(pixels):
        with tf.GradientTape() as tape:
            codes = encoder(pixels, training=True)
            loss = tf.reduce_mean(decoder.negative_log_likelihood(codes, pixels, training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))

    def test_nll():
        return float(np.mean(decoder.negative_log_likelihood(encoder(test.pixels), test.pixels)))

    before = test_nll()
    order = np.random.default_rng(0).permutation(len(train.pixels))
    for i in range(100):
        step(train.pixels[np.take(order, range(64 * i, 64 * (i + 1)), mode="wrap")])
    after = test_nll()
    mean_image = np.clip(train.pixels.mean(axis=0), 1e-3, 1 - 1e-3)
    mean_image_nll = -np.mean(np.sum(test.pixels * np.log(mean_image) + (1 - test.pixels) * np.log(1 - mean_image),
                                     axis=(1, 2, 3)))
    assert before > 500  # about 784 log 2 at the start
    assert after < 0.75 * mean_image_nll, (before, after, mean_image_nll)  # uses the codes, not only the mean digit


def test_mixed_precision_keeps_float32_weights_and_outputs():
    encoder = MLPImageEncoder(4, [16], dtype="mixed_bfloat16")
    decoder = ConvImageDecoder(4, [4, 8], 16, dtype="mixed_bfloat16")
    codes = encoder(PIXELS)
    assert codes.dtype == "float32" and decoder(codes).dtype == "float32"
    assert encoder.body.layers[1].compute_dtype == "bfloat16" and encoder.body.layers[1].kernel.dtype == "float32"
    assert decoder.body.layers[-1].compute_dtype == "bfloat16"
    np.testing.assert_allclose(np.linalg.norm(codes.numpy(), axis=1), 1.0, atol=1e-5)


def test_no_two_weights_start_from_the_same_draw():
    encoder, decoder = MLPImageEncoder(16, [16, 16]), MLPImageDecoder(16, [16, 16])
    conv_encoder, conv_decoder = ConvImageEncoder(4, [4, 4], 16), ConvImageDecoder(4, [4, 4], 16)
    for model, inputs in [(encoder, PIXELS), (decoder, np.ones((1, 16), "float32")),
                          (conv_encoder, PIXELS), (conv_decoder, CODES)]:
        model(inputs)
    kernels = {f"{i}/{w.path}": w.numpy() for i, model in enumerate([encoder, decoder, conv_encoder, conv_decoder])
               for w in model.weights if "kernel" in w.path}
    assert len(kernels) == 14
    for (a, x), (b, y) in itertools.combinations(kernels.items(), 2):
        n = min(x.size, y.size)
        assert not np.allclose(np.sort(x.ravel()[:n]), np.sort(y.ravel()[:n])), (a, b)


def test_conv_decoder_refuses_an_image_size_its_strides_cannot_reach():
    with pytest.raises(ValueError, match="image size 28x28 is not divisible by 2 \\*\\* len\\(filters\\) = 8"):
        ConvImageDecoder(4, [4, 8, 16])


@pytest.mark.parametrize("component, inputs", [
    (MLPImageEncoder(4, [8, 6], batchnorm=True, head="gaussian"), PIXELS),
    (ConvImageEncoder(4, [4, 8], 16, head="linear"), PIXELS),
    (MLPImageDecoder(4, [6, 8], batchnorm=True, image_shape=(8, 8, 1)), CODES),
    (ConvImageDecoder(4, [4, 8], 16, dtype="mixed_bfloat16"), CODES),
])
def test_config_round_trip(component, inputs):
    component(inputs)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(component))
    assert type(restored) is type(component)
    assert restored.get_config() == component.get_config()
    restored(inputs)
    assert [w.shape for w in restored.weights] == [w.shape for w in component.weights]
