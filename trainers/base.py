"""The shared autoencoder trainer: reconstruction step, evaluation, code sampling, distribution-safe updates.

Every regularizer of the family subclasses `AutoencoderTrainer` and adds its own phases after
`_autoencoder_step`. Used on its own it is the plain AE baseline (ARAE with the adversarial parts
switched off); to sample from it, a Gaussian is fitted to its codes (see `prepare_sampling`).

Under a `tf.distribute` strategy (see `tfarae.distribute`):
- every loss is a sum over the local replica divided by a *global* count (tokens or examples), so
  the gradient sum that Keras optimizers take across replicas is the global mean;
- noise is drawn for the whole global batch and each replica keeps its own rows (`replica_rows`),
  so replicas never share noise and a run equals the single-device run on the same global batches;
- trackers read the global value (`replica_share_for_tracker`).
"""

import keras
import tensorflow as tf
from keras import ops


INPUT_KEYS = ("token_ids", "pixels")  # a batch's model input: text (tfarae.data.pipeline) or images (tfarae.data.images)


def global_sum(value):
    """Returns `value` summed over all replicas (itself outside tf.distribute)."""
    if num_replicas() == 1:
        return value
    return tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, value)


def num_replicas():
    """Returns the number of replicas in sync (1 outside tf.distribute)."""
    context = tf.distribute.get_replica_context()
    return 1 if context is None else context.num_replicas_in_sync


def replica_rows(draw, local_rows):
    """Returns this replica's `local_rows` rows of one draw for the whole global batch.

    Args:
        draw: `rows → tensor [rows, ...]`, drawing from a seed every replica shares.
        local_rows: the replica's batch size (the same on every replica).
    """
    replicas = num_replicas()
    if replicas == 1:
        return draw(local_rows)
    start = tf.distribute.get_replica_context().replica_id_in_sync_group * local_rows
    return draw(local_rows * replicas)[start : start + local_rows]


def replica_share_for_tracker(local_share):
    """Returns what to give a `keras.metrics.Mean` so that it reads the global value.

    `local_share` is a replica's part of a global quantity (a sum over its examples divided by the
    global count); the tracker averages the replicas' updates, so each gives `replicas × share`.
    """
    return local_share * num_replicas()


def global_mean(per_example):
    """Returns the sum of `per_example [B]` divided by the global batch size."""
    return tf.nn.compute_average_loss(per_example)


def features(data):
    """Returns the feature dict of a step's `data` (`fit` passes it alone, `train_on_batch` as `(x,)`)."""
    return keras.utils.unpack_x_y_sample_weight(data)[0] if isinstance(data, tuple) else data


def model_inputs(data, fresh=False):
    """Returns the model input of a step's `data`: `token_ids` or `pixels` (with `fresh`: `fresh_token_ids`, `fresh_pixels`).

    The one place the trainers read a batch by modality; everything downstream goes through the
    encoder and the decoder's `reconstruction_terms`.
    """
    data = features(data)
    for key in INPUT_KEYS:
        key = f"fresh_{key}" if fresh else key
        if key in data:
            return data[key]
    raise KeyError(f"a batch needs one of {', '.join(INPUT_KEYS)} (fresh: prefixed fresh_); got {', '.join(data)}")


def apply_gradients(optimizer, grads, variables, clipnorm=None):
    """Applies `grads`, clipping their global norm across replicas first when `clipnorm` is set.

    Keras optimizers sum gradients across replicas inside `apply`; clipping must see the summed
    gradients, so they are all-reduced, clipped and divided by the replica count before `apply`.

    With a `keras.optimizers.LossScaleOptimizer`, `grads` are of the scaled loss
    (`optimizer.scale_loss`). The optimizer unscales them, skips the update and halves the scale
    when any is non-finite; clipping them at `clipnorm × scale` is exactly clipping the unscaled
    gradients at `clipnorm` (the scale is a power of two), and a non-finite norm makes every
    clipped gradient NaN, so the step is still skipped. Under several replicas the gradients are
    all-reduced first even without clipping: the optimizer judges finiteness on the first
    replica's gradients only (Keras 3.15), which must then be the global ones.
    """
    scaled = isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
    replicas = num_replicas() if clipnorm or scaled else 1
    if replicas > 1:
        grads = [tf.convert_to_tensor(g) for g in grads]
        grads = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, grads)
    if clipnorm:
        grads, _ = tf.clip_by_global_norm(grads, optimizer.scale_loss(clipnorm) if scaled else clipnorm)
    if replicas > 1:
        grads = [g / replicas for g in grads]
    optimizer.apply(grads, variables)


@keras.saving.register_keras_serializable(package="tfarae")
class AutoencoderTrainer(keras.Model):
    """Encoder + decoder trained to reconstruct, with annealed Gaussian noise on the codes.

    Args:
        encoder: `tfarae.models.Encoder` or an image encoder (`MLPImageEncoder`, `ConvImageEncoder`).
        decoder: `tfarae.models.Decoder` or a Bernoulli image decoder: anything with
            `reconstruction_terms`, `target_weights` and `target_dtype` (the decoder owns its loss).
        noise_std: initial std of the code noise (ARAE's `noise_r`).
        noise_anneal: factor applied to the std every `noise_anneal_every` iterations.
        noise_anneal_every: iterations between annealing steps.
        ae_clipnorm: global-norm clip of the autoencoder gradients.
        seed: seed of every noise source.

    `train_step` input: a dict with `token_ids` int `[B, T]`, or `pixels` float `[B, H, W, 1]` for
    image models (`model_inputs`); the trainers' code names either `token_ids`.
    """

    fresh_batches = 0  # extra real batches each step needs (see `tfarae.data.pipeline`)
    num_classes = 0  # K > 0: a class-conditional trainer, fed `class_token_ids` batches (see `tfarae.data.pipeline`)
    component_names = ("encoder", "decoder")  # constructor arguments that are sub-models; subclasses extend it

    def __init__(self, encoder, decoder, noise_std=0.05, noise_anneal=0.9995, noise_anneal_every=100,
                 ae_clipnorm=1.0, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder
        self.noise_std = noise_std
        self.noise_anneal = noise_anneal
        self.noise_anneal_every = noise_anneal_every
        self.ae_clipnorm = ae_clipnorm
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.iteration = keras.Variable(0, dtype="int64", trainable=False, name="iteration")
        self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
        self.reconstruction_accuracy_tracker = keras.metrics.Mean(name="reconstruction_accuracy")
        self.noise_std_tracker = keras.metrics.Mean(name="noise_std")
        code_dim = encoder.code_dim
        self.code_mean = keras.Variable(ops.zeros((code_dim,)), trainable=False, name="code_mean")
        self.code_scale = keras.Variable(ops.eye(code_dim), trainable=False, name="code_scale")

    @property
    def metrics(self):
        return [self.reconstruction_loss_tracker, self.reconstruction_accuracy_tracker, self.noise_std_tracker]

    @property
    def components(self):
        """The sub-models, by name (`component_names`)."""
        return {name: getattr(self, name) for name in self.component_names}

    def build(self, input_shape):
        """Creates every variable eagerly (variables born inside the traced step break the optimizers).

        Args:
            input_shape: `(batch, T)` of `token_ids`, or `(batch, H, W, 1)` of `pixels`.
        """
        inputs = ops.zeros((2, *input_shape[1:]), dtype=self.decoder.target_dtype)
        self.decoder.reconstruction_terms(inputs, self.encoder(inputs), static_shapes=True)
        self.built = True

    def compile(self, ae_optimizer, **kwargs):
        if not self.built:
            raise ValueError("build the trainer (trainer.build((None, T))) before compile")
        # Given `optimizer`, Keras adds no unused default one. Loss scaling is the caller's choice
        # (`tfarae.trainers.factory`): Keras must not wrap the optimizer under a global mixed policy.
        super().compile(optimizer=ae_optimizer, auto_scale_loss=False, **kwargs)
        self.ae_optimizer = ae_optimizer
        ae_optimizer.build(self.encoder.trainable_variables + self.decoder.trainable_variables)

    def prepare_sampling(self, token_ids):
        """Fits the Gaussian that `sample_codes` draws from to the codes of `token_ids [N, T]`.

        This is how the reference samples from a plain autoencoder; regularized trainers that
        have a prior or a generator override `sample_codes` and make this a no-op.
        """
        codes = tf.concat([self.encoder(token_ids[i : i + 1024]) for i in range(0, len(token_ids), 1024)], 0)
        mean = tf.reduce_mean(codes, axis=0)
        centered = codes - mean
        covariance = tf.matmul(centered, centered, transpose_a=True) / tf.cast(tf.shape(codes)[0], codes.dtype)
        self.code_mean.assign(mean)
        self.code_scale.assign(tf.linalg.cholesky(covariance + 1e-5 * tf.eye(tf.shape(codes)[1])))

    @property
    def noise_dim(self):
        """Z, the size of the standard-normal noise `codes_from_noise` maps (here the code size)."""
        return self.encoder.code_dim

    def codes_from_noise(self, noise):
        """Maps standard-normal noise `[B, Z]` to codes `[B, C]`: here through the fitted Gaussian."""
        return self.code_mean + tf.matmul(noise, self.code_scale, transpose_b=True)

    def sample_codes(self, num, seed):
        """Returns `num` codes `[num, C]` drawn with the stateless int `[2]` `seed`."""
        return self.codes_from_noise(tf.random.stateless_normal([num, self.noise_dim], seed=seed))

    def current_noise_std(self):
        """Returns the annealed code-noise std for the current iteration (a scalar)."""
        steps = ops.cast(self.iteration // self.noise_anneal_every, "float32")
        return self.noise_std * ops.power(self.noise_anneal, steps)

    def reconstruction(self, token_ids, codes, training=False, decoder=None):
        """Reconstruction of `token_ids` (or pixels) from `codes [B, C]`, the decoder in `training` mode.

        The decoder computes its own loss terms (`reconstruction_terms`: the teacher-forced
        cross-entropy of `tfarae.models.decoder.SentenceReconstruction`, or an image decoder's
        Bernoulli likelihood); under XLA (`jit_compile`) it is asked for static shapes.
        `decoder` is one with the interface of `tfarae.models.Decoder` (a class's decoder of a
        `ConditionalDecoder`); None: `self.decoder`.

        Returns:
            `(loss, losses, correct, weights)`: `loss` is `losses` summed over the replica divided by
            the global sum of `weights`. Text: per token `[B, T]` (0 at padding, `weights` the
            mask), so `loss` is nats per token; images: per image `[B]` (the NLL and the share of
            pixels whose rounded mean is right, `weights` 1), so `loss` is nats per image.
        """
        decoder = decoder or self.decoder
        losses, correct, mask = decoder.reconstruction_terms(token_ids, codes, training=training,
                                                            static_shapes=self.jit_compile)
        loss = ops.sum(losses) / global_sum(ops.sum(mask))
        return loss, losses, correct, mask

    def _track_reconstruction(self, token_losses, correct, mask):
        self.reconstruction_loss_tracker.update_state(token_losses, sample_weight=mask)
        self.reconstruction_accuracy_tracker.update_state(correct, sample_weight=mask)

    def _training_codes(self, token_ids):
        """Returns what the autoencoder step reconstructs `token_ids [B, T]` from, the encoder in training mode.

        Here the codes plus the annealed Gaussian code noise and no penalty; the family's
        regularizers (`tfarae.trainers.dae`, `vae`, `wae`) override it.

        Returns:
            `(codes [B, C], decoded [B, C], penalty)`: the encoder's codes (returned by the step),
            the codes the decoder reconstructs from, and a float32 loss term added to the
            reconstruction loss (a replica's share of it, as that loss is).
        """
        noise_std = self.current_noise_std()
        codes = self.encoder(token_ids, training=True)
        noise = replica_rows(lambda rows: keras.random.normal((rows, self.encoder.code_dim), seed=self.seed_generator),
                             ops.shape(codes)[0])
        self.noise_std_tracker.update_state(noise_std)
        return codes, codes + noise_std * noise, 0.0

    def _autoencoder_step(self, token_ids, decoder=None):
        """Reconstruction update of encoder + decoder from `_training_codes`; returns the clean codes `[B, C]`.

        `decoder`: as in `reconstruction`; only its variables (and the encoder's) are updated.
        """
        decoder = decoder or self.decoder
        variables = self.encoder.trainable_variables + decoder.trainable_variables
        with tf.GradientTape() as tape:
            codes, decoded, penalty = self._training_codes(token_ids)
            loss, token_losses, correct, mask = self.reconstruction(token_ids, decoded, training=True, decoder=decoder)
            scaled_loss = self.ae_optimizer.scale_loss(loss + penalty)  # the loss itself without loss scaling
        apply_gradients(self.ae_optimizer, tape.gradient(scaled_loss, variables), variables, self.ae_clipnorm)
        self._track_reconstruction(token_losses, correct, mask)
        return codes

    def train_step(self, data):
        data = features(data)
        self._autoencoder_step(model_inputs(data))
        self.iteration.assign_add(1)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        data = features(data)
        token_ids = model_inputs(data)
        _, token_losses, correct, mask = self.reconstruction(token_ids, self.encoder(token_ids),
                                                             decoder=self.evaluation_decoder(data))
        self._track_reconstruction(token_losses, correct, mask)
        return {m.name: m.result() for m in self.metrics[:2]}

    def evaluation_decoder(self, data):
        """Returns the decoder that reconstructs a validation batch `data` (here `self.decoder`)."""
        return self.decoder

    def get_config(self):
        return {
            **super().get_config(),
            **{name: keras.saving.serialize_keras_object(c) for name, c in self.components.items()},
            "noise_std": self.noise_std,
            "noise_anneal": self.noise_anneal,
            "noise_anneal_every": self.noise_anneal_every,
            "ae_clipnorm": self.ae_clipnorm,
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for name in cls.component_names:
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)
