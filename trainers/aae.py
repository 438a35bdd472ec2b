"""The adversarial autoencoder (AAE; Makhzani, Shlens, Jaitly, Goodfellow & Frey 2016), deterministic encoder.

A discriminator tells prior samples from codes and the encoder, as the generator, learns to fool
it. With the Gaussian prior and a weight λ on the encoder's adversarial loss this is also WAE-GAN
(Tolstikhin et al. 2018, Algorithm 1), `train.trainer: wae_gan`.

The prior chooses the encoder head (`prior.encoder_head`): `linear` for the Gaussian and the
mixture, `categorical` for the clustering prior `[y ; z]` (§5). With that prior one discriminator
judges the joint code `[y ; z]`; the paper uses two, one on `y` against one-hot samples and one on
`z` against N(0, I). The joint one also sees a dependence between `y` and `z` (the prior has none),
which two discriminators on the parts cannot; it is one MLP over C inputs instead of two smaller ones.
"""

import keras
import tensorflow as tf
from keras import ops

from tfarae.trainers.base import apply_gradients, global_mean, model_inputs, replica_rows, replica_share_for_tracker
from tfarae.trainers.regularized import PriorTrainer


def _cross_entropy(logits, target):
    """Returns the per-example sigmoid cross-entropy of `logits [B]` against the constant label `target` (0 or 1)."""
    return ops.binary_crossentropy(ops.full(ops.shape(logits), float(target)), logits, from_logits=True)


@keras.saving.register_keras_serializable(package="tfarae")
class AAETrainer(PriorTrainer):
    """The AE trainer plus a code discriminator; samples decode the prior.

    One `train_step`, as the AAE paper's two phases on one minibatch:
    1. `_autoencoder_step`: reconstruction (the encoder's codes, plus the AE's code noise if set);
    2. `_discriminator_step`: prior samples are labelled 1, the step's codes 0 (no gradient to the encoder);
    3. `_encoder_adversary_step`: the encoder makes its codes pass as prior samples, its loss weighted
       by `adversarial_lambda` and applied by its own `adversary_optimizer`.

    Args:
        encoder: a `tfarae.models.Encoder` (or image encoder) with the prior's head, `prior.encoder_head`
            (`linear`: unbounded codes; `categorical`: a softmax over the prior's K classes, then linear).
        decoder: as `AutoencoderTrainer`.
        discriminator: codes `[B, C]` → float32 logits `[B]` (a `tfarae.models.Critic`).
        prior: a `tfarae.models.priors` layer over codes of size C.
        adversarial_lambda: λ, the weight of the encoder's adversarial loss.
        **kwargs: `AutoencoderTrainer` arguments.

    Trackers: `discriminator_loss`, `discriminator_accuracy` (the share of prior samples and codes it
    tells apart), `encoder_adversary_loss`. `train_step` input: `token_ids [B, T]`.
    """

    component_names = PriorTrainer.component_names + ("discriminator", "prior")

    def __init__(self, encoder, decoder, discriminator, prior, adversarial_lambda=1.0, **kwargs):
        self.prior = prior  # first: the base class checks the encoder head, which is the prior's
        super().__init__(encoder, decoder, **kwargs)
        if prior.code_dim != encoder.code_dim:
            raise ValueError(f"the prior is over codes of size {prior.code_dim}, the encoder's are {encoder.code_dim}")
        if encoder.head == "categorical" and encoder.categories != prior.components:
            raise ValueError(f"the prior has {prior.components} classes, the encoder's head {encoder.categories}")
        self.discriminator = discriminator
        self.adversarial_lambda = adversarial_lambda
        names = ("discriminator_loss", "discriminator_accuracy", "encoder_adversary_loss")
        self.adversarial_trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def encoder_head(self):
        """The encoder head the prior needs (`prior.encoder_head`)."""
        return self.prior.encoder_head

    @property
    def metrics(self):
        return super().metrics + list(self.adversarial_trackers.values())

    def build(self, input_shape):
        super().build(input_shape)
        self.discriminator(ops.zeros((2, self.encoder.code_dim)))

    def compile(self, ae_optimizer, discriminator_optimizer, adversary_optimizer, **kwargs):
        """Sets one optimizer per phase; `adversary_optimizer` updates only the encoder (its own state)."""
        super().compile(ae_optimizer, **kwargs)
        self.discriminator_optimizer = discriminator_optimizer
        self.adversary_optimizer = adversary_optimizer
        discriminator_optimizer.build(self.discriminator.trainable_variables)
        adversary_optimizer.build(self.encoder.trainable_variables)

    @property
    def noise_dim(self):
        return self.prior.noise_dim

    def codes_from_noise(self, noise):
        """Maps standard-normal noise `[B, Z]` to prior samples `[B, C]`."""
        return self.prior(noise)

    def _prior_samples(self, batch_size):
        """Returns `[batch_size, C]` prior samples (this replica's rows of a draw for the global batch)."""
        noise = replica_rows(lambda rows: keras.random.normal((rows, self.noise_dim), seed=self.seed_generator),
                             batch_size)
        return self.codes_from_noise(noise)

    def _discriminator_step(self, codes):
        """One discriminator update: prior samples → 1, `codes [B, C]` → 0 (codes taken as constants)."""
        codes = ops.stop_gradient(codes)
        prior = self._prior_samples(ops.shape(codes)[0])
        variables = self.discriminator.trainable_variables
        with tf.GradientTape() as tape:
            prior_logits = self.discriminator(prior, training=True)
            code_logits = self.discriminator(codes, training=True)
            loss = global_mean(_cross_entropy(prior_logits, 1) + _cross_entropy(code_logits, 0))
            scaled_loss = self.discriminator_optimizer.scale_loss(loss)
        apply_gradients(self.discriminator_optimizer, tape.gradient(scaled_loss, variables), variables)
        told_apart = ops.concatenate([ops.cast(prior_logits > 0, "float32"), ops.cast(code_logits <= 0, "float32")], 0)
        self.adversarial_trackers["discriminator_loss"].update_state(replica_share_for_tracker(loss))
        self.adversarial_trackers["discriminator_accuracy"].update_state(told_apart)

    def _encoder_adversary_step(self, token_ids):
        """The encoder update that makes its codes of `token_ids [B, T]` pass as prior samples, weighted by λ."""
        variables = self.encoder.trainable_variables
        with tf.GradientTape() as tape:
            logits = self.discriminator(self.encoder(token_ids, training=True), training=True)
            loss = self.adversarial_lambda * global_mean(_cross_entropy(logits, 1))
            scaled_loss = self.adversary_optimizer.scale_loss(loss)
        apply_gradients(self.adversary_optimizer, tape.gradient(scaled_loss, variables), variables, self.ae_clipnorm)
        self.adversarial_trackers["encoder_adversary_loss"].update_state(replica_share_for_tracker(loss))

    def train_step(self, data):
        token_ids = model_inputs(data)
        codes = self._autoencoder_step(token_ids)
        self._discriminator_step(codes)
        self._encoder_adversary_step(token_ids)
        self.iteration.assign_add(1)
        return {m.name: m.result() for m in self.metrics}

    def get_config(self):
        return {**super().get_config(), "adversarial_lambda": self.adversarial_lambda}
