"""The variational autoencoder of text (Bowman et al. 2016): Gaussian posterior, KL to N(0, I), annealed.

The loss is the negative ELBO per reconstruction unit (the decoder's `target_weights`: a token of
text, an image): the reconstruction loss summed over units and the KL summed over examples, both
divided by the global unit count, so `kl_weight` 1 is the ELBO and other values are the β-VAE
(Higgins et al. 2017).
"""

import keras
from keras import ops

from tfarae.config.schema import KL_SCHEDULES
from tfarae.models.decoder import SentenceReconstruction
from tfarae.trainers.base import global_sum, model_inputs, num_replicas, replica_rows
from tfarae.trainers.regularized import PriorTrainer
from tfarae.trainers.text_noise import blank_words


def gaussian_kl(mean, log_variance):
    """Returns KL(N(mean, exp(log_variance)) ‖ N(0, 1)) per dimension, `[B, C]`, in nats (Kingma & Welling 2014)."""
    return 0.5 * (ops.square(mean) + ops.exp(log_variance) - 1.0 - log_variance)


@keras.saving.register_keras_serializable(package="tfarae")
class ActiveUnits(keras.metrics.Metric):
    """Counts the active code dimensions of the sentences seen, Var_x(E_q[z_j | x]) > threshold (Burda et al. 2016).

    Args:
        code_dim: C.
        threshold: the variance above which a dimension is active (Burda et al.: 0.01).

    `update_state(means)`: posterior means `[B, C]`; `result()`: the count, a float32 scalar.
    The sums are kept per dimension, so a whole validation set is measured batch by batch.
    """

    def __init__(self, code_dim, threshold=0.01, name="active_units", **kwargs):
        super().__init__(name=name, **kwargs)
        self.code_dim = code_dim
        self.threshold = threshold
        self.total = self.add_variable((code_dim,), "zeros", name="total")
        self.total_squares = self.add_variable((code_dim,), "zeros", name="total_squares")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, means):
        means = ops.cast(means, "float32")
        self.total.assign_add(ops.sum(means, axis=0))
        self.total_squares.assign_add(ops.sum(ops.square(means), axis=0))
        self.count.assign_add(ops.cast(ops.shape(means)[0], "float32"))

    def result(self):
        count = ops.maximum(self.count, 1.0)
        variance = self.total_squares / count - ops.square(self.total / count)
        return ops.sum(ops.cast(variance > self.threshold, "float32"))

    def get_config(self):
        return {**super().get_config(), "code_dim": self.code_dim, "threshold": self.threshold}


class _BlankedInputs(SentenceReconstruction):
    """A decoder whose input words become `<unk>` where `uniform [B, T] < rate` (word dropout, Bowman et al. 2016).

    Only the inputs change: the targets, the outputs and the weights are the wrapped decoder's.
    """

    def __init__(self, decoder, uniform, rate):
        self.decoder = decoder
        self.uniform = uniform
        self.rate = rate

    def __call__(self, inputs, training=False):
        input_ids, codes = inputs
        return self.decoder((blank_words(input_ids, self.uniform, self.rate), codes), training=training)

    def logits(self, hidden):
        return self.decoder.logits(hidden)


@keras.saving.register_keras_serializable(package="tfarae")
class VAETrainer(PriorTrainer):
    """Encoder posterior N(μ, σ²), a reparameterised sample decoded, KL to the prior N(0, I) (Kingma & Welling 2014).

    Text-VAE remedies of posterior collapse, each by argument:
    - a KL weight schedule `kl_schedule` at iteration t, times `kl_weight` (β):
      `constant` 1; `linear` min(1, t / A); `logistic` σ(10 (t / A − 1/2)) (Bowman et al. 2016's
      sigmoid, centred at A/2); `cyclical` min(1, (t mod P) / A), P = `kl_cycle_steps` (Fu et al.
      2019: a linear ramp over the first A of each cycle of P iterations, then 1), with
      A = `kl_anneal_steps`;
    - word dropout on the decoder input (`word_dropout`, Bowman et al. 2016);
    - free bits (`free_bits` λ, nats): each dimension's batch-mean KL counts as at least λ in the
      loss (Kingma et al. 2016), so no gradient pushes a dimension below λ.

    Sampling decodes the prior N(0, I); the encoder (`trainer.encoder(ids)`) returns the posterior
    mean, used by reconstruction, evaluation and export.

    Trackers: `kl` (nats per sentence, without the free-bits floor), `kl_weight`, and in
    evaluation `active_units` (`ActiveUnits` over the validation set).

    Args:
        encoder: a `tfarae.models.Encoder` with the `gaussian` head.
        decoder: as `AutoencoderTrainer`.
        kl_weight: β, the weight the schedule rises to.
        kl_schedule: `constant`, `linear`, `logistic` or `cyclical`.
        kl_anneal_steps: A, iterations of a ramp (of each cycle's ramp, for `cyclical`).
        kl_cycle_steps: P, iterations per cycle of `cyclical`.
        free_bits: λ, the KL floor per dimension in nats (0: none).
        word_dropout: probability of replacing each decoder input word by `<unk>`.
        **kwargs: `AutoencoderTrainer` arguments (the code noise `noise_std` is not used: the
            posterior's is the noise).

    `train_step` input: `token_ids [B, T]` (or `pixels`, see `tfarae.trainers.base.model_inputs`).
    """

    encoder_head = "gaussian"

    def __init__(self, encoder, decoder, kl_weight=1.0, kl_schedule="constant", kl_anneal_steps=1000,
                 kl_cycle_steps=2000, free_bits=0.0, word_dropout=0.0, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        if kl_schedule not in KL_SCHEDULES:
            raise ValueError(f"kl_schedule must be one of {', '.join(KL_SCHEDULES)}, got {kl_schedule!r}")
        self.kl_weight = kl_weight
        self.kl_schedule = kl_schedule
        self.kl_anneal_steps = kl_anneal_steps
        self.kl_cycle_steps = kl_cycle_steps
        self.free_bits = free_bits
        self.word_dropout = word_dropout
        self.kl_tracker = keras.metrics.Mean(name="kl")
        self.kl_weight_tracker = keras.metrics.Mean(name="kl_weight")
        self.active_units_tracker = ActiveUnits(encoder.code_dim)

    @property
    def metrics(self):
        return [self.reconstruction_loss_tracker, self.reconstruction_accuracy_tracker, self.kl_tracker,
                self.kl_weight_tracker, self.active_units_tracker]

    def current_kl_weight(self):
        """Returns the KL weight at the current iteration (a float32 scalar; see the class docstring)."""
        if self.kl_schedule == "constant":
            return ops.convert_to_tensor(self.kl_weight, "float32")
        if self.kl_schedule == "cyclical":
            step = ops.cast(self.iteration % self.kl_cycle_steps, "float32")
        else:
            step = ops.cast(self.iteration, "float32")
        progress = step / float(self.kl_anneal_steps)
        if self.kl_schedule == "logistic":
            return self.kl_weight * ops.sigmoid(10.0 * (progress - 0.5))
        return self.kl_weight * ops.minimum(progress, 1.0)

    def floored_kl(self, kl):
        """Returns this replica's share of `N Σ_j max(free_bits, K_j)`: the global batch's KL sum, with free bits.

        Args:
            kl: float32 `[B, C]`, the replica's per-dimension KL (`gaussian_kl`).

        `K_j` is dimension j's mean KL over the global batch of N sentences. A floored dimension
        contributes the constant `N λ / replicas` (no gradient); the others their own sum. Without
        free bits: `Σ kl`.
        """
        per_dimension = ops.sum(kl, axis=0)
        if not self.free_bits:
            return ops.sum(per_dimension)
        floor = self.free_bits * global_sum(ops.cast(ops.shape(kl)[0], "float32"))
        below = ops.stop_gradient(global_sum(per_dimension)) < floor
        return ops.sum(ops.where(below, floor / num_replicas(), per_dimension))

    def _training_codes(self, token_ids):
        """Returns the posterior means, a reparameterised sample `μ + σ ε` and the weighted KL per token (per image)."""
        mean, log_variance = self.encoder.posterior(token_ids, training=True)
        code_dim = self.encoder.code_dim
        epsilon = replica_rows(lambda rows: keras.random.normal((rows, code_dim), seed=self.seed_generator),
                               ops.shape(mean)[0])
        kl = gaussian_kl(mean, log_variance)
        weight = self.current_kl_weight()
        self.kl_tracker.update_state(ops.sum(kl, axis=1))
        self.kl_weight_tracker.update_state(weight)
        tokens = global_sum(ops.sum(self.decoder.target_weights(token_ids)))
        return mean, mean + ops.exp(0.5 * log_variance) * epsilon, weight * self.floored_kl(kl) / tokens

    def reconstruction(self, token_ids, codes, training=False, decoder=None):
        """`AutoencoderTrainer.reconstruction`, in training with word dropout on the decoder input."""
        if training and self.word_dropout:
            # The decoder input (`<bos>` + token_ids[:, :-1]) has the shape of `token_ids`.
            decoder = _BlankedInputs(decoder or self.decoder, self._draw_like(token_ids), self.word_dropout)
        return super().reconstruction(token_ids, codes, training=training, decoder=decoder)

    def train_step(self, data):
        logs = super().train_step(data)
        return {name: value for name, value in logs.items() if name != self.active_units_tracker.name}

    def test_step(self, data):
        """Reconstruction from the posterior means, the KL, and the active units of the validation sentences."""
        logs = super().test_step(data)
        mean, log_variance = self.encoder.posterior(model_inputs(data))
        self.kl_tracker.update_state(ops.sum(gaussian_kl(mean, log_variance), axis=1))
        self.active_units_tracker.update_state(mean)
        return {**logs, **{m.name: m.result() for m in (self.kl_tracker, self.active_units_tracker)}}

    def get_config(self):
        return {**super().get_config(), "kl_weight": self.kl_weight, "kl_schedule": self.kl_schedule,
                "kl_anneal_steps": self.kl_anneal_steps, "kl_cycle_steps": self.kl_cycle_steps,
                "free_bits": self.free_bits, "word_dropout": self.word_dropout}
