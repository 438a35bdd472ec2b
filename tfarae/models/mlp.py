"""The code-space GAN: an MLP generator `z → code` and an MLP critic `code → score`."""

import keras
import tensorflow as tf
from keras import ops

from tfarae.layers import ClipWeights



def _dense(width, **kwargs):
    """Returns a Dense layer with the reference's N(0, 0.02) kernel and zero bias.

    Each layer gets its own initializer: a Keras initializer fixes its seed when it is made, so
    one shared instance gave every kernel the same draw, from a seed taken at import time.
    """
    return keras.layers.Dense(width, kernel_initializer=keras.initializers.RandomNormal(0.0, 0.02),
                              bias_initializer="zeros", **kwargs)


def _batch_norm(**kwargs):
    """Returns a BatchNormalization whose statistics span the global batch when built under several replicas.

    Synchronised only then: Keras' synchronised moments run three all-reduces and compute the
    variance as E[x²] - E[x]², even under the default strategy.
    """
    return keras.layers.BatchNormalization(synchronized=tf.distribute.get_strategy().num_replicas_in_sync > 1,
                                           **kwargs)


@keras.saving.register_keras_serializable(package="tfarae")
class Generator(keras.Model):
    """`z ~ N(0, I)` → (Dense → BatchNorm → ReLU) per hidden width → Dense to the code size.

    Built in the scope of a strategy with several replicas, BatchNorm statistics span the global
    batch, so replicas normalise exactly as one device would.

    Args:
        z_dim: noise size Z.
        hidden_units: list of widths.
        code_dim: C.
        tanh: bound the output with tanh (the thesis); the 2018 code leaves it linear.
        **kwargs: `keras.Model` arguments; `dtype` (a dtype policy) is also every layer's.

    Call: `[B, Z]` → float32 `[B, C]`.
    """

    def __init__(self, z_dim, hidden_units, code_dim, tanh=False, **kwargs):
        super().__init__(**kwargs)
        self.z_dim = z_dim
        self.hidden_units = list(hidden_units)
        self.code_dim = code_dim
        self.tanh = tanh
        policy = dict(dtype=self.dtype_policy)
        layers = []
        for width in self.hidden_units:
            layers += [_dense(width, **policy), _batch_norm(**policy), keras.layers.ReLU(**policy)]
        layers.append(_dense(code_dim, activation="tanh" if tanh else None, **policy))
        self.body = keras.Sequential(layers)

    def call(self, z, training=False):
        return ops.cast(self.body(z, training=training), "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "z_dim": self.z_dim,
            "hidden_units": self.hidden_units,
            "code_dim": self.code_dim,
            "tanh": self.tanh,
        }


@keras.saving.register_keras_serializable(package="tfarae")
class Critic(keras.Model):
    """Dense → LeakyReLU(0.2), then (Dense → [BatchNorm] → LeakyReLU(0.2)) per further width, then Dense → 1.

    Args:
        code_dim: C.
        hidden_units: list of widths (the first layer has no BatchNorm, as in the reference).
        batchnorm: BatchNorm after every hidden layer but the first (the reference); without it
            (the default) the critic is the plain WGAN-GP critic.
        weight_clip: if set, every weight (kernels, biases, BatchNorm scales and offsets) is kept
            in `[-weight_clip, weight_clip]` by a `ClipWeights` constraint (WGAN).
        **kwargs: `keras.Model` arguments; `dtype` (a dtype policy) is also every layer's.

    Call: `[B, C]` → float32 `[B]` scores.
    """

    def __init__(self, code_dim, hidden_units, batchnorm=False, weight_clip=None, **kwargs):
        super().__init__(**kwargs)
        self.code_dim = code_dim
        self.hidden_units = list(hidden_units)
        self.batchnorm = batchnorm
        self.weight_clip = weight_clip
        clip = ClipWeights(weight_clip) if weight_clip else None
        policy = dict(dtype=self.dtype_policy)
        dense = dict(kernel_constraint=clip, bias_constraint=clip, **policy)
        layers = []
        for i, width in enumerate(self.hidden_units):
            layers.append(_dense(width, **dense))
            if i > 0 and batchnorm:
                layers.append(_batch_norm(beta_constraint=clip, gamma_constraint=clip, **policy))
            layers.append(keras.layers.LeakyReLU(negative_slope=0.2, **policy))
        layers.append(_dense(1, **dense))
        self.body = keras.Sequential(layers)

    def call(self, codes, training=False):
        return ops.cast(self.body(codes, training=training)[:, 0], "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "code_dim": self.code_dim,
            "hidden_units": self.hidden_units,
            "batchnorm": self.batchnorm,
            "weight_clip": self.weight_clip,
        }
