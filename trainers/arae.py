"""The adversarially regularized autoencoder (Zhao, Kim, Zhang, Rush, LeCun 2018), one iteration per step."""

import keras
import tensorflow as tf
from keras import ops

from tfarae.trainers.base import (AutoencoderTrainer, apply_gradients, global_mean, model_inputs, num_replicas,
                                  replica_rows, replica_share_for_tracker)


@keras.saving.register_keras_serializable(package="tfarae")
class ARAETrainer(AutoencoderTrainer):
    """Autoencoder + a WGAN in code space, trained by block coordinate descent.

    One `train_step` is one iteration of the ARAE algorithm:
    1. `_autoencoder_step`: reconstruction from noisy codes (SGD, clipped);
    2. `_critic_step` × `critic_steps`, each on a fresh real batch and fresh `z`;
    3. `_encoder_adversary_step`: the encoder learns to make real codes score like generated ones,
       its gradient scaled by `grad_lambda` and clipped like the autoencoder's, applied by its own
       `adversary_optimizer` (the reference shares its SGD with the autoencoder, which is the
       same thing only because SGD keeps no state), optionally ramped up from 0 over the first
       `grad_lambda_warmup` iterations;
    4. `_generator_step`;
    steps 2-4 repeated `gan_rounds` times (the reference's `niters_gan`), each round on its own
    fresh batches.

    Args:
        encoder, decoder: as `AutoencoderTrainer`.
        generator: `tfarae.models.Generator`.
        critic: `tfarae.models.Critic` (built with `weight_clip` when `lipschitz="weight_clip"`).
        critic_steps: k.
        lipschitz: `gradient_penalty` (WGAN-GP on real/fake interpolates) or `weight_clip`.
        gp_lambda: gradient-penalty weight.
        grad_lambda: scale of the critic's gradient into the encoder.
        grad_lambda_warmup: iterations over which that scale rises linearly from 0 (0: none). The
            adversary pulls on codes that carry little yet; the ramp lets the autoencoder leave its
            language-model plateau first.
        gan_rounds: GAN rounds (critic steps, encoder adversary, generator) per autoencoder step.
        gan_batch_size: global batch size of the GAN phases (None: the autoencoder's). Each replica
            takes the first `gan_batch_size / replicas` rows of its fresh batches; a smaller GAN
            batch than the autoencoder's makes the iteration cheaper (the reference uses 64 for both).
        **kwargs: `AutoencoderTrainer` arguments.

    `train_step` input: `token_ids [B, T]` and `fresh_token_ids [B, gan_rounds * (critic_steps + 1), T]`
    (image models: `pixels [B, H, W, 1]` and `fresh_pixels [B, gan_rounds * (critic_steps + 1), H, W, 1]`).
    """

    component_names = AutoencoderTrainer.component_names + ("generator", "critic")

    def __init__(self, encoder, decoder, generator, critic, critic_steps=5, lipschitz="gradient_penalty",
                 gp_lambda=1.0, grad_lambda=0.1, grad_lambda_warmup=0, gan_rounds=1, gan_batch_size=None,
                 **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        if lipschitz not in ("gradient_penalty", "weight_clip"):
            raise ValueError(f"lipschitz must be gradient_penalty or weight_clip, got {lipschitz!r}")
        if lipschitz == "weight_clip" and not critic.weight_clip:
            raise ValueError("lipschitz='weight_clip' needs a critic built with weight_clip")
        self.generator = generator
        self.critic = critic
        self.critic_steps = critic_steps
        self.lipschitz = lipschitz
        self.gp_lambda = gp_lambda
        self.grad_lambda = grad_lambda
        self.grad_lambda_warmup = grad_lambda_warmup
        self.gan_rounds = gan_rounds
        self.gan_batch_size = gan_batch_size
        names = ("critic_loss", "wasserstein_estimate", "gradient_penalty", "generator_loss",
                 "encoder_adversary_loss", "code_norm_real", "code_norm_generated")
        self.gan_trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def fresh_batches(self):
        return self.gan_rounds * (self.critic_steps + 1)

    @property
    def metrics(self):
        return super().metrics + list(self.gan_trackers.values())

    def build(self, input_shape):
        super().build(input_shape)
        codes = self.generator(ops.zeros((2, self.generator.z_dim)))
        self.critic(codes)

    def compile(self, ae_optimizer, critic_optimizer, generator_optimizer, adversary_optimizer, **kwargs):
        """Sets one optimizer per phase; `adversary_optimizer` updates only the encoder (its own state)."""
        super().compile(ae_optimizer, **kwargs)
        self.critic_optimizer = critic_optimizer
        self.generator_optimizer = generator_optimizer
        self.adversary_optimizer = adversary_optimizer
        critic_optimizer.build(self.critic.trainable_variables)
        generator_optimizer.build(self.generator.trainable_variables)
        adversary_optimizer.build(self.encoder.trainable_variables)

    @property
    def noise_dim(self):
        return self.generator.z_dim

    def codes_from_noise(self, noise):
        """Maps `z [B, Z]` to codes `[B, C]` through the generator (inference mode)."""
        return self.generator(noise)

    def prepare_sampling(self, token_ids):
        """ARAE samples through its generator: nothing to fit."""

    def _generated_codes(self, batch_size):
        """Returns `[batch_size, C]` codes of fresh `z` (this replica's rows), the generator in training mode."""
        z = replica_rows(lambda rows: keras.random.normal((rows, self.generator.z_dim), seed=self.seed_generator),
                         batch_size)
        return self.generator(z, training=True)

    def _gradient_penalty(self, real, fake):
        """Returns the per-example WGAN-GP term `(||∇ D(x̂)|| - 1)^2`, `[B]`, at random interpolates.

        Under mixed precision the input gradient is taken of the unscaled scores: float16 loses
        only entries far below 1, which barely move `||∇ D||` in a penalty on its distance from 1;
        the penalty's own gradient flows through the critic loss, which the critic step scales.
        """
        alpha = replica_rows(lambda rows: keras.random.uniform((rows, 1), seed=self.seed_generator), ops.shape(real)[0])
        interpolates = alpha * real + (1.0 - alpha) * fake
        with tf.GradientTape() as tape:
            tape.watch(interpolates)
            scores = self.critic(interpolates, training=True)
        grads = tape.gradient(scores, interpolates)
        return (ops.sqrt(ops.sum(ops.square(grads), axis=1) + 1e-12) - 1.0) ** 2

    def _critic_step(self, real_codes):
        """One critic update on real codes `[B, C]` (no gradient to the encoder) and fresh fakes.

        Returns:
            Its statistics by tracker name: the scalar losses as this replica's tracker share
            (`replica_share_for_tracker`), and per-example code norms `[B]`.
        """
        fake_codes = ops.stop_gradient(self._generated_codes(ops.shape(real_codes)[0]))
        variables = self.critic.trainable_variables
        with tf.GradientTape() as tape:
            real_scores = self.critic(real_codes, training=True)
            fake_scores = self.critic(fake_codes, training=True)
            wasserstein = global_mean(real_scores - fake_scores)
            loss = -wasserstein
            stats = {"wasserstein_estimate": wasserstein}
            if self.lipschitz == "gradient_penalty":
                stats["gradient_penalty"] = global_mean(self._gradient_penalty(real_codes, fake_codes))
                loss += self.gp_lambda * stats["gradient_penalty"]
            scaled_loss = self.critic_optimizer.scale_loss(loss)
        apply_gradients(self.critic_optimizer, tape.gradient(scaled_loss, variables), variables)
        stats["critic_loss"] = loss
        return {**{name: replica_share_for_tracker(value) for name, value in stats.items()},
                "code_norm_real": ops.norm(real_codes, axis=1), "code_norm_generated": ops.norm(fake_codes, axis=1)}

    def current_grad_lambda(self):
        """Returns the encoder adversary's scale for the current iteration (a float32 scalar)."""
        if not self.grad_lambda_warmup:
            return ops.convert_to_tensor(self.grad_lambda, "float32")
        ramp = ops.cast(self.iteration, "float32") / float(self.grad_lambda_warmup)
        return self.grad_lambda * ops.minimum(ramp, 1.0)

    def _encoder_adversary_step(self, token_ids):
        """Moves real codes towards what the critic scores as generated, scaled by `current_grad_lambda`."""
        variables = self.encoder.trainable_variables
        with tf.GradientTape() as tape:
            scores = self.critic(self.encoder(token_ids, training=True), training=True)
            loss = self.current_grad_lambda() * global_mean(scores)
            scaled_loss = self.adversary_optimizer.scale_loss(loss)
        apply_gradients(self.adversary_optimizer, tape.gradient(scaled_loss, variables), variables, self.ae_clipnorm)
        self.gan_trackers["encoder_adversary_loss"].update_state(replica_share_for_tracker(loss))

    def _generator_step(self, batch_size):
        """Moves generated codes towards what the critic scores as real."""
        variables = self.generator.trainable_variables
        with tf.GradientTape() as tape:
            loss = -global_mean(self.critic(self._generated_codes(batch_size), training=True))
            scaled_loss = self.generator_optimizer.scale_loss(loss)
        apply_gradients(self.generator_optimizer, tape.gradient(scaled_loss, variables), variables)
        self.gan_trackers["generator_loss"].update_state(replica_share_for_tracker(loss))

    def _gan_round(self, fresh):
        """Critic steps on `fresh[:, :-1]`, the encoder adversary on `fresh[:, -1]`, then the generator.

        Args:
            fresh: int `[B, critic_steps + 1, T]` real batches (images: `[B, critic_steps + 1, H, W, 1]`).
        """
        batch_size, example_shape = ops.shape(fresh)[0], ops.shape(fresh)[2:]
        # The encoder does not change during the critic steps: encode all their batches in one pass.
        critic_ids = ops.reshape(fresh[:, : self.critic_steps], (-1, *example_shape))
        real_codes = ops.reshape(ops.stop_gradient(self.encoder(critic_ids)), (batch_size, self.critic_steps, -1))
        steps = [self._critic_step(real_codes[:, k]) for k in range(self.critic_steps)]
        for name in steps[0]:  # one update per tracker: the same means, far fewer small ops than one per step
            self.gan_trackers[name].update_state(ops.concatenate([ops.reshape(s[name], (-1,)) for s in steps], 0))
        self._encoder_adversary_step(fresh[:, self.critic_steps])
        self._generator_step(batch_size)

    def _local_fresh(self, fresh):
        """Returns this replica's rows of `fresh [B_local, K, T]` that the GAN phases use."""
        if self.gan_batch_size is None:
            return fresh
        replicas = num_replicas()
        if self.gan_batch_size % replicas:
            raise ValueError(f"train.gan_batch_size={self.gan_batch_size} must divide evenly over {replicas} replicas")
        return fresh[: self.gan_batch_size // replicas]

    def _gan_rounds(self, fresh):
        """Runs `gan_rounds` GAN rounds on this replica's rows of `fresh_token_ids [B, fresh_batches, T]`."""
        fresh = self._local_fresh(fresh)
        for start in range(0, self.fresh_batches, self.critic_steps + 1):
            self._gan_round(fresh[:, start : start + self.critic_steps + 1])

    def train_step(self, data):
        self._autoencoder_step(model_inputs(data))
        self._gan_rounds(model_inputs(data, fresh=True))
        self.iteration.assign_add(1)
        return {m.name: m.result() for m in self.metrics}

    def get_config(self):
        return {
            **super().get_config(),
            "critic_steps": self.critic_steps,
            "lipschitz": self.lipschitz,
            "gp_lambda": self.gp_lambda,
            "grad_lambda": self.grad_lambda,
            "grad_lambda_warmup": self.grad_lambda_warmup,
            "gan_rounds": self.gan_rounds,
            "gan_batch_size": self.gan_batch_size,
        }
