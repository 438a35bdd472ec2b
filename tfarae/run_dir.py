"""The run directory format: what `tfarae.run.run` writes, and how export and evaluation read it back.

Layout (every path is relative to `run_dir`):
  config.yaml                      the resolved configuration
  vocab.txt                        one token per line, in id order (text runs)
  checkpoints/last.weights.h5      weights and all optimizer states after the last finished epoch
  checkpoints/initial.weights.h5   the weights training started from (the NaN guard's first rollback point)
  backup/                          Keras BackupAndRestore state used by --resume
  logs/                            TensorBoard (train/ and validation/)
  samples/epoch_NNN.txt            generated and reconstructed sentences per epoch (text runs)
  samples/epoch_NNN.png            decoded samples' pixel means per epoch, and epoch_NNN_interpolation.png (image runs)
  code_stats.jsonl                 code-space statistics per epoch (tfarae.metrics.code_stats; text runs)
  metrics.json                     final figures (see `tfarae.run.final_metrics`)

Training (`tfarae.run`), export (`tfarae.export`), evaluation and tuning all take the file names
and the rebuilding of a run from here, so none of them imports the training entry to read a run.
"""

import os

from tfarae.config import load_config
from tfarae.data.tokenizer import SentenceTokenizer
from tfarae.data.vocab import load_vocabulary
from tfarae.trainers.factory import compile_trainer, make_trainer

CONFIG_FILE = "config.yaml"
VOCAB_FILE = "vocab.txt"
CHECKPOINT_FILE = os.path.join("checkpoints", "last.weights.h5")
INITIAL_CHECKPOINT_FILE = os.path.join("checkpoints", "initial.weights.h5")
BACKUP_DIR = "backup"
METRICS_FILE = "metrics.json"
CODE_STATS_FILE = "code_stats.jsonl"


def make_tokenizer(data_config, vocabulary):
    """Returns the `SentenceTokenizer` a `DataConfig` describes over `vocabulary`."""
    return SentenceTokenizer(vocabulary, data_config.maxlen, lowercase=data_config.lowercase,
                             split_punctuation=data_config.split_punctuation, backend=data_config.tokenizer)


def load_trainer(run_dir):
    """Rebuilds the trainer of a run directory from its config, vocabulary and last checkpoint.

    Returns:
        `(config, tokenizer, trainer)`; the trainer is compiled so optimizer states load too, and
        holds what it samples from as trained (the AE baseline's code Gaussian is not refitted).
        An image run (`data.modality: image`) has no tokenizer: None.
    """
    config = load_config(os.path.join(run_dir, CONFIG_FILE))
    if config.data.modality == "image":
        tokenizer, trainer = None, make_trainer(config)
    else:
        tokenizer = make_tokenizer(config.data, load_vocabulary(os.path.join(run_dir, VOCAB_FILE)))
        trainer = make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length)
    compile_trainer(trainer, config)
    trainer.load_weights(os.path.join(run_dir, CHECKPOINT_FILE))
    return config, tokenizer, trainer


def finished_run_problem(run_dir, modality="text"):
    """Returns why `run_dir` holds no run of `modality` with a finished epoch (one line naming `--run-dir`), or None.

    Export and evaluation need the config, the vocabulary and the last epoch's checkpoint, which
    exists only once an epoch has finished. They read text runs only (the default `modality`): an
    image run (`data.modality: image`) is named as such.
    """
    if not os.path.isfile(os.path.join(run_dir, CONFIG_FILE)):
        return f"--run-dir: {run_dir} holds no run ({CONFIG_FILE} missing)"
    found = load_config(os.path.join(run_dir, CONFIG_FILE)).data.modality
    if found != modality:
        return f"--run-dir: {run_dir} holds a run of data.modality: {found}; this reads {modality} runs only"
    if modality == "text" and not os.path.isfile(os.path.join(run_dir, VOCAB_FILE)):
        return f"--run-dir: {run_dir} holds no run ({VOCAB_FILE} missing)"
    if not os.path.isfile(os.path.join(run_dir, CHECKPOINT_FILE)):
        return f"--run-dir: {run_dir} has no finished epoch ({CHECKPOINT_FILE} missing)"
    return None
