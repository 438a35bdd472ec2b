"""Bernoulli image decoders: codes → one logit per pixel, by an MLP (ARAE.md §3) or transposed convolutions.

A decoded image is a product of independent Bernoulli pixels, `p(x = 1) = sigmoid(logit)`; its
negative log-likelihood is the sum of the pixels' sigmoid cross-entropies (`bernoulli_nll`). A
decoder owns its reconstruction loss (`reconstruction_terms`, the interface the trainers call, as
`tfarae.models.decoder.SentenceReconstruction` for text): per image, the NLL in nats and the pixel accuracy.
Weights start from Keras' default Glorot-uniform, a fresh initializer per layer (see
`tfarae.models.image_encoder` for why not the reference's N(0, 0.02)).
"""

import math

import keras
from keras import ops

from tfarae.models.mlp import _batch_norm


def bernoulli_nll(pixels, logits):
    """Returns the per-image negative log-likelihood in nats, float32 `[B]`.

    Args:
        pixels: float `[B, ...]` in {0, 1} (values in [0, 1] give the cross-entropy to those means).
        logits: float `[B, ...]` of the same shape.
    """
    pixels, logits = ops.cast(pixels, "float32"), ops.cast(logits, "float32")
    per_pixel = ops.binary_crossentropy(pixels, logits, from_logits=True)
    return ops.sum(per_pixel, axis=tuple(range(1, len(per_pixel.shape))))


class _BernoulliDecoder(keras.Model):
    """A subclass's network `self.body` from codes to logits, and what a Bernoulli output gives.

    Args:
        code_dim: C.
        image_shape: `(H, W, channels)` of the images.
        **kwargs: `keras.Model` arguments; `dtype` (a dtype policy) is also every layer's. Logits are float32.
    """

    def __init__(self, code_dim, image_shape=(28, 28, 1), **kwargs):
        super().__init__(**kwargs)
        self.code_dim = code_dim
        self.image_shape = tuple(image_shape)

    target_dtype = "float32"  # of the targets: pixels [B, H, W, channels]

    def call(self, codes, training=False):
        return ops.cast(self.body(codes, training=training), "float32")

    def target_weights(self, pixels):
        """Returns float32 ones `[B]`: every image is one unit of the reconstruction loss."""
        return ops.ones((ops.shape(pixels)[0],), "float32")

    def reconstruction_terms(self, pixels, codes, training=False, static_shapes=False):
        """Returns `(nll [B], pixel_accuracy [B], ones [B])` of `pixels [B, H, W, channels]` decoded from `codes [B, C]`.

        `nll` is `-log p(pixels | codes)` in nats per image; `pixel_accuracy` the share of the
        image's pixels on the right side of 1/2 (logit > 0 for a 1), the images' counterpart of
        token accuracy. `static_shapes` is the text decoders' (every shape here is static).
        """
        logits = self(codes, training=training)
        pixels = ops.cast(pixels, "float32")
        right = ops.cast(ops.equal(ops.cast(logits > 0, "float32"), pixels), "float32")
        accuracy = ops.mean(ops.reshape(right, (ops.shape(right)[0], -1)), axis=1)
        return bernoulli_nll(pixels, logits), accuracy, self.target_weights(pixels)

    def negative_log_likelihood(self, codes, pixels, training=False):
        """Returns `-log p(pixels | codes)` per image, float32 `[B]`; codes `[B, C]`, pixels `[B, H, W, channels]`."""
        return bernoulli_nll(pixels, self(codes, training=training))

    def means(self, codes):
        """Returns each pixel's probability of being 1, float32 `[B, H, W, channels]` in [0, 1]."""
        return ops.sigmoid(self(codes))

    def sample(self, codes, seed):
        """Returns binary images drawn pixel by pixel from `means(codes)`, float32 `[B, H, W, channels]` in {0, 1}.

        Args:
            codes: `[B, C]`.
            seed: an int or a `keras.random.SeedGenerator` (which advances).
        """
        means = self.means(codes)
        return ops.cast(keras.random.uniform(ops.shape(means), seed=seed) < means, "float32")

    def get_config(self):
        return {**super().get_config(), "code_dim": self.code_dim, "image_shape": list(self.image_shape)}


@keras.saving.register_keras_serializable(package="tfarae")
class MLPImageDecoder(_BernoulliDecoder):
    """Codes → (Dense → [BatchNorm] → ReLU) per hidden width → Dense to one logit per pixel (ARAE.md §3).

    Args:
        code_dim: C.
        hidden_units: list of widths; default `[400, 800]` (the reference adds a third layer of 1000).
        batchnorm: BatchNorm before every ReLU.
        image_shape: `(H, W, channels)`.
        **kwargs: `keras.Model` arguments, `dtype` included.

    Call: `[B, C]` → float32 logits `[B, H, W, channels]`.
    """

    def __init__(self, code_dim, hidden_units=(400, 800), batchnorm=False, image_shape=(28, 28, 1), **kwargs):
        super().__init__(code_dim, image_shape, **kwargs)
        self.hidden_units = list(hidden_units)
        self.batchnorm = batchnorm
        policy = dict(dtype=self.dtype_policy)
        layers = []
        for width in self.hidden_units:
            layers.append(keras.layers.Dense(width, **policy))
            if batchnorm:
                layers.append(_batch_norm(**policy))
            layers.append(keras.layers.ReLU(**policy))
        layers += [keras.layers.Dense(math.prod(self.image_shape), **policy),
                   keras.layers.Reshape(self.image_shape, **policy)]
        self.body = keras.Sequential(layers)

    def get_config(self):
        return {**super().get_config(), "hidden_units": self.hidden_units, "batchnorm": self.batchnorm}


@keras.saving.register_keras_serializable(package="tfarae")
class ConvImageDecoder(_BernoulliDecoder):
    """The mirror of `ConvImageEncoder`: (Dense → ReLU) × 2 → reshape → Conv2DTranspose per filter count.

    With the default filters `[32, 64]` and 28x28 images: codes → `dense_units` → 7x7x64 →
    14x14x32 (ReLU) → 28x28x1 logits; every transposed convolution is 4x4, stride 2, same padding.

    Args:
        code_dim: C.
        filters: the encoder's filters, in the encoder's order; the decoder runs them backwards.
        dense_units: width of the first dense layer.
        image_shape: `(H, W, channels)`; H and W must be divisible by `2 ** len(filters)`.
        **kwargs: `keras.Model` arguments, `dtype` included.

    Call: `[B, C]` → float32 logits `[B, H, W, channels]`.
    """

    def __init__(self, code_dim, filters=(32, 64), dense_units=256, image_shape=(28, 28, 1), **kwargs):
        super().__init__(code_dim, image_shape, **kwargs)
        self.filters = list(filters)
        self.dense_units = dense_units
        height, width, channels = self.image_shape
        factor = 2 ** len(self.filters)
        if height % factor or width % factor:
            raise ValueError(f"image size {height}x{width} is not divisible by 2 ** len(filters) = {factor}")
        start = (height // factor, width // factor, self.filters[-1])
        policy = dict(dtype=self.dtype_policy)
        layers = [keras.layers.Dense(dense_units, activation="relu", **policy),
                  keras.layers.Dense(math.prod(start), activation="relu", **policy),
                  keras.layers.Reshape(start, **policy)]
        outputs = self.filters[-2::-1] + [channels]
        for i, count in enumerate(outputs):
            last = i == len(outputs) - 1
            layers.append(keras.layers.Conv2DTranspose(count, 4, strides=2, padding="same",
                                                       activation=None if last else "relu", **policy))
        self.body = keras.Sequential(layers)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "dense_units": self.dense_units}
