"""What the regularized-autoencoder family (DAE, VAE, WAE) shares beyond `AutoencoderTrainer`.

Each member overrides `AutoencoderTrainer._training_codes`: the encoder input (DAE), the
reparameterised sample and its KL (VAE) or the MMD to the prior (WAE) all live there, in the same
update as the reconstruction. `RegularizedAutoencoderTrainer` checks the encoder head and draws
per-token noise; `PriorTrainer` adds sampling from the prior N(0, I).
"""

import keras
from keras import ops

from tfarae.trainers.base import AutoencoderTrainer, replica_rows


class RegularizedAutoencoderTrainer(AutoencoderTrainer):
    """`AutoencoderTrainer` with the encoder head it needs (`encoder_head`) and per-token random draws.

    Args:
        encoder: a `tfarae.models.Encoder` with `head == encoder_head`.
        decoder, **kwargs: as `AutoencoderTrainer`.
    """

    encoder_head = "unit_sphere"  # the `tfarae.models.Encoder` head the trainer needs (the AAE's: its prior's)

    def __init__(self, encoder, decoder, **kwargs):
        if encoder.head != self.encoder_head:
            raise ValueError(f"{type(self).__name__} needs an encoder with head={self.encoder_head!r}, "
                             f"got {encoder.head!r}")
        super().__init__(encoder, decoder, **kwargs)

    def _draw_like(self, token_ids, sample=keras.random.uniform):
        """Returns `sample(shape, seed=...)` `[B, T]` for this replica's rows of a draw for the global batch.

        Args:
            token_ids: `[B, T]`, whose shape the draw takes.
            sample: a `keras.random` function of `(shape, seed=)`.
        """
        return replica_rows(lambda rows: sample((rows, ops.shape(token_ids)[1]), seed=self.seed_generator),
                            ops.shape(token_ids)[0])


class PriorTrainer(RegularizedAutoencoderTrainer):
    """A family member whose codes are pulled towards the prior N(0, I) and which samples from it (VAE, WAE).

    `noise_dim` is the code size C and `codes_from_noise` is the identity, so the sampling,
    evaluation and export code decodes prior samples unchanged.
    """

    def prepare_sampling(self, token_ids):
        """Samples come from the prior: nothing to fit."""

    def codes_from_noise(self, noise):
        """Returns prior samples `noise [B, C]` as codes (the identity)."""
        return ops.convert_to_tensor(noise, "float32")
