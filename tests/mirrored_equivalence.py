"""Trains tiny trainers on one device and under MirroredStrategy on two logical CPUs; prints a JSON report.

Run by tests/test_distribute.py in a fresh process (logical devices must be set before
TensorFlow starts). Output (last line): `{trainer: {"weights": max |difference|, "metrics":
{name: [one device, mirrored]}}, "loop": the same for `tfarae.distributed_loop.fit` under
mirrored, "split": each replica's rows of a 5-row batch, "evaluate": [one device, the loop's
`evaluate` under mirrored] on an uneven last batch, "run": metrics.json of a mirrored tiny run}`.
"""

import dataclasses
import functools
import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfarae.config import RuntimeConfig, load_config  # noqa: E402
from tfarae.distribute import make_strategy  # noqa: E402

MIRRORED = make_strategy(RuntimeConfig(strategy="mirrored", logical_cpus=2))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfarae import distributed_loop  # noqa: E402
from tfarae.data import grammar  # noqa: E402
from tfarae.data.pipeline import encode_sentences, eval_dataset, train_dataset  # noqa: E402
from tfarae.data.tokenizer import SentenceTokenizer, split_words  # noqa: E402
from tfarae.data.vocab import build_vocabulary  # noqa: E402
from tfarae.run import run  # noqa: E402
from tfarae.trainers.factory import compile_trainer, make_trainer  # noqa: E402

SENTENCES = grammar.generate(256, seed=3)
TOKENIZER = SentenceTokenizer(build_vocabulary(split_words(SENTENCES), 100), maxlen=15)
ENCODED = encode_sentences(TOKENIZER, SENTENCES)


def train(strategy, overrides, steps=4, loop=False):
    """Returns (weights, last logged metrics) after `steps` steps of the tiny config under `strategy`.

    Trains with Keras' `fit`, or with `tfarae.distributed_loop.fit` when `loop` is set.
    """
    config = load_config("tiny", overrides)
    with strategy.scope():
        trainer = compile_trainer(make_trainer(config, TOKENIZER.vocab_size, TOKENIZER.sequence_length), config)
    # Unshuffled (buffer 1): a distributed dataset reshuffles differently from a plain one, and the
    # comparison needs the same global batches in both runs.
    data = train_dataset(ENCODED, config.train.batch_size, trainer.fresh_batches, 1, seed=0)
    if loop:
        history = distributed_loop.fit(trainer, strategy, data, 1, steps_per_epoch=steps, verbose=0).history
    else:
        history = trainer.fit(data, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0).history
    return [w.numpy() for w in trainer.weights], {k: float(v[-1]) for k, v in history.items()}


def replica_rows():
    """Returns each replica's rows of a 5-row global batch split by `distributed_loop.split_global_batches`."""
    batch = tf.data.Dataset.from_tensors({"token_ids": tf.reshape(tf.range(5), [5, 1])})
    split = next(iter(distributed_loop.split_global_batches(MIRRORED, batch)))
    return [t.numpy()[:, 0].tolist() for t in MIRRORED.experimental_local_results(split["token_ids"])]


def evaluations():
    """Returns [one device's `evaluate`, the loop's `evaluate` under mirrored] on 33 rows.

    Batches of 16, 16 and 1 rows: the last one leaves the second replica an empty batch.
    """
    config = load_config("tiny")
    data = eval_dataset(dataclasses.replace(ENCODED, token_ids=ENCODED.token_ids[:33]), 16)
    results = []
    for strategy in (tf.distribute.get_strategy(), MIRRORED):
        with strategy.scope():
            trainer = compile_trainer(make_trainer(config, TOKENIZER.vocab_size, TOKENIZER.sequence_length), config)
        results.append(distributed_loop.evaluate(trainer, strategy, data) if strategy is MIRRORED
                       else trainer.evaluate(data, verbose=0, return_dict=True))
    return results


@functools.cache
def train_on_one_device(overrides):
    """`train` under the default strategy, once per tuple of overrides."""
    return train(tf.distribute.get_strategy(), list(overrides))


def compare(overrides, loop=False):
    single_weights, single_metrics = train_on_one_device(tuple(overrides))
    mirrored_weights, mirrored_metrics = train(MIRRORED, overrides, loop=loop)
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(single_weights, mirrored_weights) if a.size)
    return {"weights": difference, "metrics": {k: [single_metrics[k], mirrored_metrics[k]] for k in single_metrics}}


def main():
    clipped = ["train.ae_clipnorm=0.05"]  # small enough that clipping acts at every step
    report = {
        "ae": compare(["train.trainer=ae", *clipped]),
        "arae": compare([*clipped, "train.gan_rounds=2"]),
        # SGD for encoder and decoder: Keras' Adam treats embedding gradients (IndexedSlices) on one
        # device differently from the dense all-reduced ones (see the README).
        # Without the critic's BatchNorm: the gradient of the critic's loss with respect to its BN
        # offsets is zero up to rounding, which Adam's first step turns into +-lr in either run.
        "arae_weight_clip": compare(["train.lipschitz=weight_clip", "train.critic_learning_rate=0.01"]),
        "loop": compare([*clipped, "train.gan_rounds=2"], loop=True),
        "split": replica_rows(),
        "evaluate": evaluations(),
    }
    with tempfile.TemporaryDirectory() as run_dir:
        config = load_config("tiny", ["runtime.strategy=mirrored", "runtime.logical_cpus=2",
                                      "train.num_eval_samples=10"])
        report["run"] = run(config, os.path.join(run_dir, "run"), verbose=0)
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
