"""Image encoders: binarized images → codes, by an MLP (ARAE.md §3) or a small convolutional network.

The code head is chosen by `head`, so one encoder serves the whole family (ARAE.md §6):
  unit_sphere  Dense to C, L2-normalised in float32 (ARAE, as the text `Encoder`) → `[B, C]`
  linear       Dense to C (AE, AAE, WAE)                                          → `[B, C]`
  gaussian     Dense to 2C read as mean and log-variance (VAE)                    → `[B, C]`, the mean
  categorical  Dense to C: a softmax over the first K (`categories`), the rest linear
               (the AAE's categorical prior, Makhzani et al. 2016, §5)            → `[B, C]`, `[y ; z]`
Calling an encoder returns codes `[B, C]` for every head (for `gaussian` the posterior mean), and
`posterior()` returns both moments: the interface of the text `tfarae.models.Encoder`, so the
trainers take either.

Weights start from Keras' default Glorot-uniform, a fresh initializer (and seed) per layer. The
reference's N(0, 0.02), used by the code-space MLPs, lets the signal vanish through an
autoencoder this deep without BatchNorm: in 100 steps on the embedded digits such a pair learnt
only the mean image.
"""

import keras
from keras import ops

from tfarae.models.mlp import _batch_norm

HEADS = ("unit_sphere", "linear", "gaussian", "categorical")


def check_head(head, code_dim, categories):
    """Raises `ValueError` unless `head` is one of `HEADS` and, for `categorical`, 0 < `categories` < `code_dim`."""
    if head not in HEADS:
        raise ValueError(f"unknown encoder head {head!r}; choose one of {', '.join(HEADS)}")
    if head == "categorical" and not 0 < categories < code_dim:
        raise ValueError(f"the categorical head needs 0 < categories < code size {code_dim}, got {categories}")


def categorical_codes(outputs, categories):
    """Returns the `categorical` head's codes `[softmax(outputs[:, :K]) ; outputs[:, K:]]`, float32 `[B, C]`.

    Args:
        outputs: float32 `[B, C]`, the head's Dense outputs.
        categories: K; each row's first K entries become a probability vector `y`.
    """
    return ops.concatenate([ops.softmax(outputs[:, :categories], axis=-1), outputs[:, categories:]], axis=1)


class _ImageEncoder(keras.Model):
    """A subclass's feature network `self.body`, then the code head (see the module docstring).

    Args:
        code_dim: C.
        head: `unit_sphere`, `linear`, `gaussian` or `categorical`.
        categories: K of the `categorical` head (0 < K < C); unused by the others.
        **kwargs: `keras.Model` arguments; `dtype` (a dtype policy) is also every layer's but the
            normalisation's. Codes are float32.
    """

    def __init__(self, code_dim, head="unit_sphere", categories=0, **kwargs):
        super().__init__(**kwargs)
        check_head(head, code_dim, categories)
        self.code_dim = code_dim
        self.head = head
        self.categories = categories
        width = 2 * code_dim if head == "gaussian" else code_dim
        self.code_layer = keras.layers.Dense(width, dtype=self.dtype_policy)
        self.normalize = keras.layers.UnitNormalization(dtype="float32") if head == "unit_sphere" else None

    def _head_outputs(self, pixels, training):
        return ops.cast(self.code_layer(self.body(pixels, training=training)), "float32")

    def call(self, pixels, training=False):
        codes = self._head_outputs(pixels, training)
        if self.head == "gaussian":
            return codes[:, : self.code_dim]
        if self.head == "categorical":
            return categorical_codes(codes, self.categories)
        return codes if self.normalize is None else self.normalize(codes)

    def posterior(self, pixels, training=False):
        """Returns the Gaussian posterior `(mean [B, C], log_variance [B, C])`, float32, of the `gaussian` head.

        The VAE's training step uses this (Kingma & Welling 2014); `call` returns the mean alone.
        """
        if self.head != "gaussian":
            raise ValueError(f"posterior() needs head='gaussian', this encoder's head is {self.head!r}")
        moments = self._head_outputs(pixels, training)
        return moments[:, : self.code_dim], moments[:, self.code_dim :]

    def get_config(self):
        return {**super().get_config(), "code_dim": self.code_dim, "head": self.head, "categories": self.categories}


@keras.saving.register_keras_serializable(package="tfarae")
class MLPImageEncoder(_ImageEncoder):
    """Flattened pixels → (Dense → [BatchNorm] → ReLU) per width → code head (ARAE.md §3: 784-800-400-100).

    Args:
        code_dim: C (the reference: 100).
        hidden_units: list of widths; default the reference's `[800, 400]`.
        batchnorm: BatchNorm before every ReLU (the reference); without it (the default) a code
            depends on its own image only, not on the rest of the batch.
        head: `unit_sphere`, `linear`, `gaussian` or `categorical`.
        categories: K of the `categorical` head.
        **kwargs: `keras.Model` arguments, `dtype` included.

    Call: float `[B, H, W, channels]` (flattened inside) → float32 codes `[B, C]` (the posterior mean
    for `gaussian`; `posterior()` gives mean and log-variance).
    """

    def __init__(self, code_dim, hidden_units=(800, 400), batchnorm=False, head="unit_sphere", categories=0,
                 **kwargs):
        super().__init__(code_dim, head, categories, **kwargs)
        self.hidden_units = list(hidden_units)
        self.batchnorm = batchnorm
        policy = dict(dtype=self.dtype_policy)
        layers = [keras.layers.Flatten(**policy)]
        for width in self.hidden_units:
            layers.append(keras.layers.Dense(width, **policy))
            if batchnorm:
                layers.append(_batch_norm(**policy))
            layers.append(keras.layers.ReLU(**policy))
        self.body = keras.Sequential(layers)

    def get_config(self):
        return {**super().get_config(), "hidden_units": self.hidden_units, "batchnorm": self.batchnorm}


@keras.saving.register_keras_serializable(package="tfarae")
class ConvImageEncoder(_ImageEncoder):
    """(Conv2D 4x4, stride 2, same padding → ReLU) per filter count → Flatten → Dense → ReLU → code head.

    With the default filters `[32, 64]` a 28x28 image becomes 14x14x32, then 7x7x64, then
    `dense_units` features.

    Args:
        code_dim: C.
        filters: output channels of each stride-2 convolution.
        dense_units: width of the dense layer after the convolutions.
        head: `unit_sphere`, `linear`, `gaussian` or `categorical`.
        categories: K of the `categorical` head.
        **kwargs: `keras.Model` arguments, `dtype` included.

    Call: float `[B, H, W, channels]` → float32 codes `[B, C]` (the posterior mean for `gaussian`;
    `posterior()` gives mean and log-variance).
    """

    def __init__(self, code_dim, filters=(32, 64), dense_units=256, head="unit_sphere", categories=0, **kwargs):
        super().__init__(code_dim, head, categories, **kwargs)
        self.filters = list(filters)
        self.dense_units = dense_units
        policy = dict(dtype=self.dtype_policy)
        layers = [keras.layers.Conv2D(count, 4, strides=2, padding="same", activation="relu", **policy)
                  for count in self.filters]
        layers += [keras.layers.Flatten(**policy), keras.layers.Dense(dense_units, activation="relu", **policy)]
        self.body = keras.Sequential(layers)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "dense_units": self.dense_units}
