"""Code-space priors of the adversarial autoencoder (Makhzani et al. 2016, §2): maps of standard-normal noise.

A prior is a Keras layer that turns standard-normal noise `[B, Z]` into prior samples `[B, C]`, so
a trainer that samples from its prior keeps the family's one sampling interface
(`noise_dim`, `codes_from_noise`) and the exported `generate` signature works unchanged.

  GaussianPrior         N(0, std² I); Z = C.
  GaussianMixturePrior  K Gaussians N(μ_k, std² I) with equal weights; Z = C + 1, the first noise
                        column picks the component (its normal CDF, cut into K equal parts). The
                        means lie evenly on a circle of `radius` when C = 2 (the AAE paper's
                        figure) and on `radius`-long seeded random directions otherwise.
  CategoricalPrior      `[one_hot(k) ; z]`, k uniform over K classes, z ~ N(0, I) of size C − K (§5,
                        unsupervised clustering: the class `y` and the style `z`); Z = C − K + 1, the
                        first noise column picks k as the mixture's does.

Each prior names the encoder head whose codes share its support (`encoder_head`): `linear` for the
Gaussians, `categorical` (a softmax over the first K dimensions) for the categorical prior. The
AAE trainer builds and checks its encoder with that head.
"""

import math

import keras
import numpy as np
from keras import ops

from tfarae.config.schema import PRIORS


@keras.saving.register_keras_serializable(package="tfarae")
class GaussianPrior(keras.layers.Layer):
    """N(0, std² I) over codes of size C.

    Args:
        code_dim: C.
        std: the standard deviation of every dimension.

    Call: standard-normal noise float `[B, C]` → codes float32 `[B, C]`.
    """

    encoder_head = "linear"

    def __init__(self, code_dim, std=1.0, **kwargs):
        super().__init__(**kwargs)
        self.code_dim = code_dim
        self.std = std

    @property
    def noise_dim(self):
        return self.code_dim

    def call(self, noise):
        return self.std * ops.cast(noise, "float32")

    def get_config(self):
        return {**super().get_config(), "code_dim": self.code_dim, "std": self.std}


def pick_component(noise, components):
    """Returns the component in `[0, K)` each row of `noise [B, Z]` picks, int32 `[B]`.

    Φ(noise[:, 0]), uniform on (0, 1) for standard-normal noise, cut into K equal parts: K-way
    uniform choices from the same noise as the rest of the sample.
    """
    uniform = 0.5 * (1.0 + ops.erf(ops.cast(noise[:, 0], "float32") / math.sqrt(2.0)))
    return ops.minimum(ops.cast(ops.floor(uniform * components), "int32"), components - 1)


def mixture_means(code_dim, components, radius, seed=0):
    """Returns the K component means `[K, C]` (float32): on a circle for C = 2, seeded directions otherwise."""
    if code_dim == 2:
        angles = 2 * math.pi * np.arange(components) / components
        directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        directions = np.random.default_rng(seed).standard_normal((components, code_dim))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return (radius * directions).astype(np.float32)


@keras.saving.register_keras_serializable(package="tfarae")
class GaussianMixturePrior(keras.layers.Layer):
    """An equal-weight mixture of K Gaussians N(μ_k, std² I) over codes of size C.

    Args:
        code_dim: C.
        components: K.
        radius: the norm of every mean μ_k.
        std: each component's standard deviation per dimension.
        seed: seeds the mean directions when C != 2.

    Call: standard-normal noise float `[B, C + 1]` → codes float32 `[B, C]`: component
    `component_of(noise)`, then `μ_k + std × noise[:, 1:]`.
    """

    encoder_head = "linear"

    def __init__(self, code_dim, components=10, radius=4.0, std=0.5, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.code_dim = code_dim
        self.components = components
        self.radius = radius
        self.std = std
        self.seed = seed
        self.means = ops.convert_to_tensor(mixture_means(code_dim, components, radius, seed))

    @property
    def noise_dim(self):
        return self.code_dim + 1

    def component_of(self, noise):
        """Returns the component each noise row picks, int32 `[B]`: Φ(noise[:, 0]) cut into K equal parts."""
        return pick_component(noise, self.components)

    def sample_components(self, components, noise):
        """Returns codes `[B, C]` of the given components (int `[B]`) from standard-normal noise `[B, C]`."""
        return ops.take(self.means, components, axis=0) + self.std * ops.cast(noise, "float32")

    def call(self, noise):
        return self.sample_components(self.component_of(noise), noise[:, 1:])

    def get_config(self):
        return {**super().get_config(), "code_dim": self.code_dim, "components": self.components,
                "radius": self.radius, "std": self.std, "seed": self.seed}


@keras.saving.register_keras_serializable(package="tfarae")
class CategoricalPrior(keras.layers.Layer):
    """The AAE's clustering prior (Makhzani et al. 2016, §5): a uniform class `y` and a Gaussian style `z`.

    Codes are `[y ; z]`: `y` the one-hot vector of a class k drawn uniformly from K, `z ~ N(0, I)`
    of size C − K. The encoder's `categorical` head gives `y` as a softmax, so the argmax of a
    code's first K dimensions is its cluster (`tfarae.metrics.clustering`).

    Args:
        code_dim: C, more than K.
        components: K, the number of classes (clusters).

    Call: standard-normal noise float `[B, C − K + 1]` → codes float32 `[B, C]`:
    `[one_hot(pick_component(noise), K) ; noise[:, 1:]]`.
    """

    encoder_head = "categorical"

    def __init__(self, code_dim, components=10, **kwargs):
        super().__init__(**kwargs)
        if not 0 < components < code_dim:
            raise ValueError(f"the categorical prior needs 0 < components < code_dim, got {components} and {code_dim}")
        self.code_dim = code_dim
        self.components = components

    @property
    def noise_dim(self):
        return self.code_dim - self.components + 1

    def component_of(self, noise):
        """Returns the class each noise row picks, int32 `[B]` (`pick_component`)."""
        return pick_component(noise, self.components)

    def call(self, noise):
        classes = ops.one_hot(self.component_of(noise), self.components, dtype="float32")
        return ops.concatenate([classes, ops.cast(noise[:, 1:], "float32")], axis=1)

    def get_config(self):
        return {**super().get_config(), "code_dim": self.code_dim, "components": self.components}


def make_prior(name, code_dim, components=10, radius=4.0, std=0.5, seed=0):
    """Returns the prior `name` (`gaussian`: N(0, I), `mixture` or `categorical`) over codes of size `code_dim`."""
    if name == "categorical":
        return CategoricalPrior(code_dim, components, name="prior")
    if name == "gaussian":
        return GaussianPrior(code_dim, name="prior")
    if name == "mixture":
        return GaussianMixturePrior(code_dim, components, radius, std, seed, name="prior")
    raise ValueError(f"unknown prior {name!r}; choose one of {', '.join(PRIORS)}")
