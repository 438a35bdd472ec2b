"""A run's data, text or images: what `tfarae.run.run` trains on, and the parts of the run that depend on it.

`load_run_data(config, run_dir, resume)` returns `_Sentences` (corpus, vocabulary, tokenizer,
encoded splits) or `_Images` (pixels and labels); both offer `train_inputs`, `make_trainer`,
`save`, `datasets`, `sample_callbacks` and `final_metrics`, so `run` never branches on the modality.
"""

import os

from tfarae.callbacks import ImageSampleWriter, SampleWriter
from tfarae.config import ConfigError
from tfarae.data.images import eval_image_dataset, load_images, train_image_dataset
from tfarae.data.pipeline import encode_sentences, eval_dataset, sentences_as_seen, train_dataset
from tfarae.data.sources import load_corpus
from tfarae.data.tokenizer import split_words
from tfarae.data.vocab import build_vocabulary, load_vocabulary, save_vocabulary
from tfarae.metrics import sample_statistics
from tfarae.metrics.code_stats import CodeStatistics
from tfarae.run_dir import CODE_STATS_FILE, VOCAB_FILE, make_tokenizer
from tfarae.sampling import generate_sentences
from tfarae.trainers.factory import make_trainer


def _vocabulary(data_config, sentences, run_dir, resume):
    """Returns the run's vocabulary when resuming, else a new one built from `sentences` (not saved yet)."""
    if resume:
        return load_vocabulary(os.path.join(run_dir, VOCAB_FILE))
    words = split_words(sentences, data_config.lowercase, data_config.split_punctuation, data_config.tokenizer)
    return build_vocabulary(words, data_config.vocab_size)


def final_metrics(trainer, tokenizer, config, train, evaluation, oracle=None):
    """Returns the figures of `metrics.json`.

    `evaluation` is the trainer's evaluation on the validation data (`{metric name: value}`).
    Keys: every figure of `evaluation` — `reconstruction_accuracy` (validation token accuracy,
    0–1), `reconstruction_loss`, and the trainer's own (`kl` and `active_units` of the VAE,
    `classifier_accuracy` of the transfer trainer's code classifier) — and
    for `config.train.num_eval_samples` generated sentences `distinct_fraction`, `novel_fraction`
    (vs. the training set), `mean_length`, `distinct_1`, `distinct_2`, plus `valid_fraction` when
    the corpus has an oracle. Samples come from the trainer as it is (its sampling fit included).
    """
    metrics = {k: float(v) for k, v in evaluation.items()}
    if config.train.num_eval_samples:
        samples = generate_sentences(trainer, tokenizer, config.train.num_eval_samples, seed=config.train.seed)
        metrics.update(sample_statistics(samples, sentences_as_seen(tokenizer, train.token_ids), oracle))
        metrics["num_samples"] = len(samples)
    return metrics


def _check_data_fits(config, train, valid, names):
    """Raises `ConfigError` when the data cannot feed the config (checked before anything is written).

    `names`: the class names a class-conditional trainer needs a batch of each of (else empty).
    """
    fitting = f"sentences of at most data.maxlen={config.data.maxlen} words"
    if len(train.token_ids) < config.train.batch_size:
        raise ConfigError(f"train.batch_size: {config.train.batch_size} is more than the {len(train.token_ids)} "
                          f"training {fitting}")
    for label, name in enumerate(names):
        count = int((train.labels == label).sum())
        if count < config.train.batch_size:
            raise ConfigError(f"train.batch_size: {config.train.batch_size} is more than the {count} training "
                              f"{fitting} of class {label} ({name})")
    if not len(valid.token_ids):
        raise ConfigError(f"data: no validation {fitting}")


class _Sentences:
    """A run's text: corpus, tokenizer, encoded splits, and what `run` does with them (`load_run_data`).

    Every modality's run data has: `train_inputs` (every training input, which the sampling fit
    reads), `make_trainer(config)`, `save(out_dir, resume)`, `datasets(config, trainer)`,
    `sample_callbacks(config, out_dir)` and `final_metrics(trainer, config, evaluation)`.
    """

    def __init__(self, config, run_dir, resume):
        self.corpus = load_corpus(config.data)
        self.tokenizer = make_tokenizer(config.data, _vocabulary(config.data, self.corpus.train, run_dir, resume))
        self.train = encode_sentences(self.tokenizer, self.corpus.train, self.corpus.train_labels)
        self.valid = encode_sentences(self.tokenizer, self.corpus.valid, self.corpus.valid_labels)
        print(f"data: {len(self.train.sentences)} training / {len(self.valid.sentences)} validation sentences; "
              f"dropped {self.train.num_dropped} / {self.valid.num_dropped} empty or longer than "
              f"maxlen={config.data.maxlen}; vocabulary {self.tokenizer.vocab_size}")
        _check_data_fits(config, self.train, self.valid,
                         self.corpus.label_names if config.train.trainer == "transfer" else ())
        self.train_inputs = self.train.token_ids

    def make_trainer(self, config):
        return make_trainer(config, self.tokenizer.vocab_size, self.tokenizer.sequence_length)

    def save(self, out_dir, resume):
        if not resume:
            save_vocabulary(self.tokenizer.vocabulary, os.path.join(out_dir, VOCAB_FILE))

    def datasets(self, config, trainer):
        return (train_dataset(self.train, config.train.batch_size, trainer.fresh_batches, config.data.shuffle_buffer,
                              config.train.seed, num_classes=trainer.num_classes),
                eval_dataset(self.valid, config.train.batch_size))

    def sample_callbacks(self, config, out_dir):
        return [
            SampleWriter(self.tokenizer, self.valid.sentences, os.path.join(out_dir, "samples"),
                         config.train.num_samples_per_epoch, seed=config.train.seed),
            # Adds code-space statistics to the epoch logs, so TensorBoard (after it) records them.
            CodeStatistics(self.valid.token_ids[:1000], os.path.join(out_dir, CODE_STATS_FILE), seed=config.train.seed),
        ]

    def final_metrics(self, trainer, config, evaluation):
        return final_metrics(trainer, self.tokenizer, config, self.train, evaluation, self.corpus.oracle)


class _Images:
    """A run's binarized images (`data.modality: image`), with the interface of `_Sentences`."""

    def __init__(self, config, run_dir, resume):
        self.train, self.valid = load_images(config.data)
        print(f"data: {len(self.train.pixels)} training / {len(self.valid.pixels)} validation images "
              f"({config.data.image_source})")
        if len(self.train.pixels) < config.train.batch_size:
            raise ConfigError(f"train.batch_size: {config.train.batch_size} is more than the {len(self.train.pixels)} "
                              "training images")
        self.train_inputs = self.train.pixels

    def make_trainer(self, config):
        return make_trainer(config)

    def save(self, out_dir, resume):
        """Images need no vocabulary: nothing to save."""

    def datasets(self, config, trainer):
        return (train_image_dataset(self.train, config.train.batch_size, config.train.seed, config.data.shuffle_buffer,
                                    fresh_batches=trainer.fresh_batches),
                eval_image_dataset(self.valid, config.train.batch_size))

    def sample_callbacks(self, config, out_dir):
        return [ImageSampleWriter(os.path.join(out_dir, "samples"), config.train.num_samples_per_epoch,
                                  seed=config.train.seed)]

    def final_metrics(self, trainer, config, evaluation):
        """The validation evaluation: `reconstruction_loss` (NLL, nats per image), `reconstruction_accuracy`
        (pixel accuracy) and the trainer's own figures; no sample statistics (they are the text's)."""
        return {k: float(v) for k, v in evaluation.items()}


def load_run_data(config, run_dir, resume):
    """Returns the run data of `config.data.modality` (`_Sentences` or `_Images`), loaded and checked against `config`.

    Raises:
        ConfigError: the data cannot feed `config` (too few examples for a batch, ...).
    """
    return (_Images if config.data.modality == "image" else _Sentences)(config, run_dir, resume)
