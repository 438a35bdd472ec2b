"""Training callbacks: the sampling fit, per-epoch samples (sentences or PNG pictures), and the NaN guard."""

import math
import os

import keras
import tensorflow as tf

from tfarae.sampling import generate_sentences, reconstruct_sentences


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the message says where and what was kept."""


class SamplingFit(keras.callbacks.Callback):
    """Fits what the trainer samples from (`prepare_sampling`) to all training ids after each epoch.

    The one place the AE baseline's code Gaussian is fitted: the checkpoint and the backup saved
    after it hold the fit, and `metrics.json`, `tfarae.evaluate` and the export all use it as loaded.
    Place it before the callbacks that sample or save.

    Args:
        token_ids: int `[N, T]`, every training sentence.
    """

    def __init__(self, token_ids):
        super().__init__()
        self.token_ids = token_ids

    def on_epoch_end(self, epoch, logs=None):
        self.model.prepare_sampling(self.token_ids)


class SampleWriter(keras.callbacks.Callback):
    """Writes `directory/epoch_NNN.txt` with generated and reconstructed sentences after each epoch.

    Args:
        tokenizer: the run's `SentenceTokenizer`.
        valid_sentences: sentences to reconstruct (the first `num` are used).
        directory: where the files go.
        num: sentences of each kind per epoch (0: none, no file).
        seed: generation seed (the same every epoch, so files compare across epochs).
    """

    def __init__(self, tokenizer, valid_sentences, directory, num, seed=0):
        super().__init__()
        self.tokenizer = tokenizer
        self.valid_sentences = list(valid_sentences[:num])
        self.directory = directory
        self.num = num
        self.seed = seed

    def on_epoch_end(self, epoch, logs=None):
        if not self.num:
            return
        generated = generate_sentences(self.model, self.tokenizer, self.num, seed=self.seed)
        reconstructed = reconstruct_sentences(self.model, self.tokenizer, self.valid_sentences)
        os.makedirs(self.directory, exist_ok=True)
        with open(os.path.join(self.directory, f"epoch_{epoch + 1:03d}.txt"), "w", encoding="utf-8") as f:
            f.write("# generated\n" + "\n".join(generated) + "\n\n# reconstructed (input => output)\n")
            f.write("\n".join(f"{a} => {b}" for a, b in zip(self.valid_sentences, reconstructed)) + "\n")
        print(f"\nepoch {epoch + 1} samples: " + " | ".join(generated[:3]))


class ImageSampleWriter(keras.callbacks.Callback):
    """Writes `directory/epoch_NNN.png` and `directory/epoch_NNN_interpolation.png` after each epoch (image models).

    The grid shows the Bernoulli means (pixel probabilities, black 0 to white 1) of `num` images
    decoded from `trainer.codes_from_noise` of fixed noise, `columns` per row; the strip decodes
    `steps` points of the straight line between two further noise vectors (the ARAE paper's
    interpolation in z for ARAE; in the prior's or the fitted Gaussian's noise for the others).
    The noise is the same every epoch, so the pictures compare across epochs.

    Args:
        directory: where the PNGs go.
        num: images in the grid (0: no pictures).
        seed: the noise seed.
        columns: images per row of the grid.
        steps: images in the interpolation strip.
    """

    def __init__(self, directory, num, seed=0, columns=10, steps=10):
        super().__init__()
        self.directory = directory
        self.num = num
        self.seed = seed
        self.columns = columns
        self.steps = steps

    def pictures(self, trainer):
        """Returns `(grid [num, H, W, 1], strip [1, steps, H, W, 1])` of Bernoulli means in [0, 1]."""
        from tfarae.metrics.latent import linear_path

        noise = tf.random.stateless_normal([self.num, trainer.noise_dim], seed=[self.seed, 0])
        start, end = tf.random.stateless_normal([2, trainer.noise_dim], seed=[self.seed, 1]).numpy()
        path = tf.constant(linear_path(start, end, self.steps), tf.float32)
        means = trainer.decoder.means(trainer.codes_from_noise(tf.concat([noise, path], 0))).numpy()
        return means[: self.num], means[None, self.num :]

    def on_epoch_end(self, epoch, logs=None):
        if not self.num:
            return
        from tfarae.metrics.image_plots import write_image_grid, write_interpolation_strips

        grid, strip = self.pictures(self.model)
        os.makedirs(self.directory, exist_ok=True)
        name = os.path.join(self.directory, f"epoch_{epoch + 1:03d}")
        write_image_grid(grid, f"{name}.png", columns=min(self.columns, self.num))
        write_interpolation_strips(strip, f"{name}_interpolation.png")


class NaNGuard(keras.callbacks.Callback):
    """Stops or rolls back training when a logged value is NaN or infinite.

    Must come first in the callback list, so that no later callback saves the bad weights.

    Args:
        checkpoint_path: the last good weights (`.weights.h5`, written at the end of each epoch
            by `ModelCheckpoint`; it exists only once an epoch has finished).
        initial_path: where the weights at the start of training are written, the rollback point
            while `checkpoint_path` does not exist yet.
        policy: `stop` raises `TrainingDiverged` at once (checkpoint untouched); `rollback`
            reloads the last good weights (and optimizer states) and goes on, up to
            `max_rollbacks` times, then stops.
    """

    def __init__(self, checkpoint_path, initial_path, policy="stop", max_rollbacks=3):
        super().__init__()
        self.checkpoint_path = checkpoint_path
        self.initial_path = initial_path
        self.policy = policy
        self.max_rollbacks = max_rollbacks
        self.rollbacks = 0
        self.epoch = 0

    def on_train_begin(self, logs=None):
        os.makedirs(os.path.dirname(self.initial_path), exist_ok=True)
        self.model.save_weights(self.initial_path)

    def last_good(self):
        """Returns the path of the last good weights: the last finished epoch's, else the initial ones."""
        return self.checkpoint_path if os.path.exists(self.checkpoint_path) else self.initial_path

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = sorted(k for k, v in (logs or {}).items() if not math.isfinite(float(v)))
        if not bad:
            return
        where = f"epoch {self.epoch + 1}, batch {batch + 1}: {', '.join(bad)} became NaN/inf"
        if self.policy == "rollback" and self.rollbacks < self.max_rollbacks:
            self.rollbacks += 1
            self.model.load_weights(self.last_good())
            for metric in self.model.metrics:
                metric.reset_state()
            print(f"\nNaN guard: {where}; rolled back to {self.last_good()} ({self.rollbacks}/{self.max_rollbacks})")
            return
        if not os.path.exists(self.checkpoint_path):
            raise TrainingDiverged(f"training diverged at {where}, before any epoch finished (the initial weights "
                                   f"are at {self.initial_path}); lower the learning rates and run again with --resume "
                                   "(no epoch to keep: it starts over).")
        raise TrainingDiverged(
            f"training diverged at {where}. The last good checkpoint is intact at {self.checkpoint_path}; "
            "lower the learning rates and continue with --resume."
        )
