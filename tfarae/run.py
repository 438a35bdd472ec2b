"""`run()`: the one function behind `python -m tfarae.train` — data, trainer, callbacks, fit, final metrics.

Run directory layout (every path is relative to `run_dir`):
  config.yaml                      the resolved configuration
  vocab.txt                        one token per line, in id order
  checkpoints/last.weights.h5      weights and all optimizer states after the last finished epoch
  backup/                          Keras BackupAndRestore state used by --resume
  logs/                            TensorBoard (train/ and validation/)
  samples/epoch_NNN.txt            generated and reconstructed sentences per epoch
  code_stats.jsonl                 code-space statistics per epoch (tfarae.metrics.code_stats)
  metrics.json                     final figures (see `final_metrics`)
"""

import json
import os

import keras

from tfarae.callbacks import NaNGuard, SampleWriter
from tfarae.config import ConfigError, load_config, save_config
from tfarae.data.pipeline import encode_sentences, eval_dataset, train_dataset
from tfarae.data.sources import load_corpus
from tfarae.data.tokenizer import SentenceTokenizer, split_words
from tfarae.data.vocab import build_vocabulary, load_vocabulary, save_vocabulary
from tfarae.metrics import sample_statistics
from tfarae.metrics.code_stats import CodeStatistics
from tfarae.sampling import generate_sentences
from tfarae.trainers.factory import compile_trainer, make_trainer

CONFIG_FILE = "config.yaml"
VOCAB_FILE = "vocab.txt"
CHECKPOINT_FILE = os.path.join("checkpoints", "last.weights.h5")
METRICS_FILE = "metrics.json"


def make_tokenizer(data_config, vocabulary):
    """Returns the `SentenceTokenizer` a `DataConfig` describes over `vocabulary`."""
    return SentenceTokenizer(vocabulary, data_config.maxlen, lowercase=data_config.lowercase,
                             split_punctuation=data_config.split_punctuation, backend=data_config.tokenizer)


def _vocabulary(data_config, sentences, path):
    """Loads `path` if it exists (resume), else builds the vocabulary from `sentences` and saves it."""
    if os.path.exists(path):
        return load_vocabulary(path)
    words = split_words(sentences, data_config.lowercase, data_config.split_punctuation, data_config.tokenizer)
    vocabulary = build_vocabulary(words, data_config.vocab_size)
    save_vocabulary(vocabulary, path)
    return vocabulary


def load_trainer(run_dir):
    """Rebuilds the trainer of a run directory from its config, vocabulary and last checkpoint.

    Returns:
        `(config, tokenizer, trainer)`; the trainer is compiled so optimizer states load too.
    """
    config = load_config(os.path.join(run_dir, CONFIG_FILE))
    tokenizer = make_tokenizer(config.data, load_vocabulary(os.path.join(run_dir, VOCAB_FILE)))
    trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config)
    trainer.load_weights(os.path.join(run_dir, CHECKPOINT_FILE))
    return config, tokenizer, trainer


def final_metrics(trainer, tokenizer, config, train, valid_dataset, oracle=None):
    """Returns the figures of `metrics.json`.

    Keys: `reconstruction_accuracy` (validation token accuracy, 0–1), `reconstruction_loss`, and
    for `config.train.num_eval_samples` generated sentences `distinct_fraction`, `novel_fraction`
    (vs. the training set), `mean_length`, `distinct_1`, `distinct_2`, plus `valid_fraction` when
    the corpus has an oracle.
    """
    evaluation = trainer.evaluate(valid_dataset, verbose=0, return_dict=True)
    metrics = {k: float(evaluation[k]) for k in ("reconstruction_accuracy", "reconstruction_loss")}
    if config.train.num_eval_samples:
        trainer.prepare_sampling(train.token_ids)
        samples = generate_sentences(trainer, tokenizer, config.train.num_eval_samples, seed=config.train.seed)
        training_text = [s.decode("utf-8") for s in tokenizer.detokenize(train.token_ids).numpy()]
        metrics.update(sample_statistics(samples, training_text, oracle))
        metrics["num_samples"] = len(samples)
    return metrics


def _prepare_run_dir(run_dir, config, resume):
    config_path = os.path.join(run_dir, CONFIG_FILE)
    if resume:
        if not os.path.exists(config_path):
            raise ConfigError(f"--resume: {run_dir} holds no run ({CONFIG_FILE} missing)")
    elif os.path.exists(config_path):
        raise ConfigError(f"--run-dir: {run_dir} already holds a run; pass --resume or choose another directory")
    os.makedirs(run_dir, exist_ok=True)
    save_config(config, config_path)


def run(config, run_dir, resume=False, verbose="auto", callbacks=()):
    """Trains `config` into `run_dir` and returns the final metrics (also written to `metrics.json`).

    Args:
        config: a validated `Config` (when resuming, the caller loads it from the run directory).
        run_dir: the run directory (created if needed).
        resume: continue the run in `run_dir` from its backup (step count and optimizer states).
        verbose: Keras `fit` verbosity.
        callbacks: further Keras callbacks, run after the built-in ones.

    Raises:
        ConfigError: the run directory does not fit `resume`.
        TrainingDiverged: a loss became NaN and `train.nan_policy` is `stop`.
    """
    _prepare_run_dir(run_dir, config, resume)
    corpus = load_corpus(config.data)
    if config.data.max_train_sentences:
        corpus.train = corpus.train[: config.data.max_train_sentences]
    tokenizer = make_tokenizer(config.data, _vocabulary(config.data, corpus.train, os.path.join(run_dir, VOCAB_FILE)))
    train = encode_sentences(tokenizer, corpus.train, corpus.train_labels)
    valid = encode_sentences(tokenizer, corpus.valid, corpus.valid_labels)
    print(f"data: {len(train.sentences)} training / {len(valid.sentences)} validation sentences; dropped "
          f"{train.num_dropped} / {valid.num_dropped} empty or longer than maxlen={config.data.maxlen}; "
          f"vocabulary {tokenizer.vocab_size}")

    steps_per_epoch = config.train.steps_per_epoch or len(train.token_ids) // config.train.batch_size
    trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config,
                              iterations=config.train.epochs * steps_per_epoch)
    train_ds = train_dataset(train, config.train.batch_size, trainer.fresh_batches, config.data.shuffle_buffer,
                             config.train.seed)
    valid_ds = eval_dataset(valid, config.train.batch_size)
    checkpoint = os.path.join(run_dir, CHECKPOINT_FILE)
    all_callbacks = [
        NaNGuard(checkpoint, policy=config.train.nan_policy),
        keras.callbacks.BackupAndRestore(os.path.join(run_dir, "backup"), delete_checkpoint=False),
        # Before the checkpoint: it fits the AE baseline's code Gaussian, which the checkpoint then holds.
        SampleWriter(tokenizer, valid.sentences, train.token_ids[:10000], os.path.join(run_dir, "samples"),
                     config.train.num_samples_per_epoch, seed=config.train.seed),
        # Adds code-space statistics to the epoch logs, so TensorBoard (after it) records them.
        CodeStatistics(valid.token_ids[:1000], os.path.join(run_dir, "code_stats.jsonl"), seed=config.train.seed),
        keras.callbacks.ModelCheckpoint(checkpoint, save_weights_only=True),
        keras.callbacks.TensorBoard(os.path.join(run_dir, "logs")),
        *callbacks,
    ]
    trainer.fit(train_ds, validation_data=valid_ds, epochs=config.train.epochs,
                steps_per_epoch=config.train.steps_per_epoch, callbacks=all_callbacks, verbose=verbose)
    metrics = final_metrics(trainer, tokenizer, config, train, valid_ds, corpus.oracle)
    metrics["iterations"] = int(trainer.iteration.numpy())
    with open(os.path.join(run_dir, METRICS_FILE), "w", encoding="utf-8") as f:
        json.dump(metrics, f, indent=2)
    return metrics


def resolve_config(config_path, overrides, run_dir, resume):
    """Returns the config to run: the run directory's own when resuming, else `config_path` + overrides."""
    if resume:
        return load_config(os.path.join(run_dir, CONFIG_FILE), overrides)
    return load_config(config_path, overrides)

