"""Loss scaling under MirroredStrategy on two logical CPUs; prints a JSON report (last line).

Run by tests/trainers/test_precision.py in a fresh process (logical devices must be set before
TensorFlow starts). Report keys:
- `finite`: weights after one `apply_gradients` of a loss-scale SGD (lr 1, scale 2**15) given the
  scaled gradients 1 and 2 on replicas 0 and 1, without and with `clipnorm` 1;
- `non_finite`: the weights and the loss scale after two such updates whose gradient is infinite
  on replica 1 only (one without, one with clipping);
- `arae`: `{"weights": max |difference|, "metrics": {name: [one device, mirrored]}}` of two
  mixed_float16 ARAE iterations of `tiny.yaml` (one critic step each).
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from tfarae.config import RuntimeConfig, load_config  # noqa: E402
from tfarae.distribute import make_strategy  # noqa: E402

MIRRORED = make_strategy(RuntimeConfig(strategy="mirrored", logical_cpus=2))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from tfarae.data import grammar  # noqa: E402
from tfarae.data.pipeline import encode_sentences, train_dataset  # noqa: E402
from tfarae.data.tokenizer import SentenceTokenizer, split_words  # noqa: E402
from tfarae.data.vocab import build_vocabulary  # noqa: E402
from tfarae.trainers.base import apply_gradients  # noqa: E402
from tfarae.trainers.factory import compile_trainer, make_trainer  # noqa: E402


def scaled_updates(gradient, clipnorms):
    """Returns `(weights [2], loss scale)` after one `apply_gradients` per clipnorm under MIRRORED.

    Args:
        gradient: `replica id → unscaled gradient [2]` (a tensor function, traced per replica).
        clipnorms: `clipnorm` of each update (None: no clipping).
    """
    with MIRRORED.scope():
        weights = keras.Variable(np.zeros(2, "float32"))
        optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(1.0))
        optimizer.build([weights])

    @tf.function
    def update(clipnorm):
        def replica_update():
            replica = tf.distribute.get_replica_context().replica_id_in_sync_group
            apply_gradients(optimizer, [optimizer.scale_loss(gradient(replica))], [weights], clipnorm)

        MIRRORED.run(replica_update)

    for clipnorm in clipnorms:
        update(clipnorm)
    return weights.numpy().tolist(), float(optimizer.dynamic_scale.numpy())


def train(strategy, steps=2):
    """Returns (weights, last logged metrics) after `steps` mixed_float16 ARAE iterations under `strategy`."""
    sentences = grammar.generate(256, seed=3)
    tokenizer = SentenceTokenizer(build_vocabulary(split_words(sentences), 100), maxlen=15)
    config = load_config("tiny", ["runtime.precision=mixed_float16", "train.ae_clipnorm=0.05",
                                  "train.critic_steps=1"])
    with strategy.scope():
        trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config)
    data = train_dataset(encode_sentences(tokenizer, sentences), config.train.batch_size, trainer.fresh_batches, 1,
                         seed=0)  # unshuffled: the same global batches in both runs
    history = trainer.fit(data, steps_per_epoch=steps, epochs=1, shuffle=False, verbose=0).history
    return [w.numpy() for w in trainer.weights], {k: float(v[-1]) for k, v in history.items()}


def main():
    replica_plus_one = lambda replica: tf.ones(2) * tf.cast(replica + 1, tf.float32)  # noqa: E731
    infinite_on_1 = lambda replica: tf.where(replica == 1, np.inf, 1.0) * tf.ones(2)  # noqa: E731
    # The GAN's initializer seed is drawn when tfarae.models is imported: both runs share it here.
    single_weights, single_metrics = train(tf.distribute.get_strategy())
    mirrored_weights, mirrored_metrics = train(MIRRORED)
    report = {
        "finite": [scaled_updates(replica_plus_one, [None])[0], scaled_updates(replica_plus_one, [1.0])[0]],
        "non_finite": scaled_updates(infinite_on_1, [None, 1.0]),
        "arae": {"weights": max(float(np.max(np.abs(a - b))) for a, b in zip(single_weights, mirrored_weights)
                                if a.size),
                 "metrics": {k: [single_metrics[k], mirrored_metrics[k]] for k in single_metrics}},
    }
    print(json.dumps(report))


if __name__ == "__main__":
    sys.exit(main())
