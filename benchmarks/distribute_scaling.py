"""Training step time with one replica and with two (MirroredStrategy on two logical CPUs), and whether they agree.

Trains the SNLI-size ARAE of `train_throughput.py` (emb/hidden 300, vocab 11,004, batch 64, 5 critic
steps; synthetic sentences, unshuffled so both runs see the same global batches) for the same
steps with the default strategy and with `runtime.strategy: mirrored` over two logical CPUs of
this machine, then prints per-step time, sentences/s, the overhead of the second replica, and the
largest weight difference between the two runs. The two start equal to float32 rounding and the
training dynamics amplify the rounding differences step by step (measured on this configuration:
1.8e-7 after 2 steps, 7.2e-6 after 5, 1.4e-2 after 40); tests/test_distribute.py checks the
equivalence itself on tiny models.

On a 2-core machine two CPU replicas share the same cores: no speed-up is expected; the point is
the measured overhead and identical results. Two local workers (`MultiWorkerMirroredStrategy`)
are not measured: tfarae has no multi-worker loop yet.

    python benchmarks/distribute_scaling.py [--steps 30] [--lengths full|snli]

Last line: `overhead_two_replicas=<two-replica step time / one-replica step time>`.
"""

import argparse
import os
import sys

from tfarae.config import RuntimeConfig, config_from_dict
from tfarae.distribute import make_strategy

MIRRORED = make_strategy(RuntimeConfig(strategy="mirrored", logical_cpus=2))  # before any other TF op

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_throughput import VOCAB, SteadyStateTimer, synthetic_corpus  # noqa: E402

from tfarae.data.pipeline import train_dataset  # noqa: E402
from tfarae.trainers.factory import compile_trainer, make_trainer  # noqa: E402

WARMUP = 10  # untimed iterations (tracing, loss compilations)
CONFIG = {
    "data": {"source": "grammar", "maxlen": 15, "vocab_size": VOCAB - 4},
    "model": {"embedding_dim": 300, "hidden_dim": 300, "z_dim": 100, "generator_hidden": [300, 300],
              "critic_hidden": [300, 300]},
    "train": {"batch_size": 64, "critic_steps": 5, "jit_compile": False},
}


def timed_training(strategy, encoded, steps, warmup=WARMUP):
    """Returns `(seconds per step, weights)` after `warmup + steps` iterations under `strategy`."""
    config = config_from_dict(CONFIG)
    with strategy.scope():
        trainer = compile_trainer(make_trainer(config, VOCAB, 16), config)
    dataset = train_dataset(encoded, 64, trainer.fresh_batches, 1, seed=0).repeat()  # unshuffled: same batches
    timer = SteadyStateTimer(warmup)
    trainer.fit(dataset, steps_per_epoch=warmup + steps, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    return timer.seconds_per_step(), [w.numpy() for w in trainer.weights]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help=f"timed iterations after {WARMUP} warm-up ones")
    parser.add_argument("--lengths", choices=["full", "snli"], default="full", help="sentence length distribution")
    args = parser.parse_args()
    encoded = synthetic_corpus(4000, 15, args.lengths)
    results = {}
    for name, strategy in (("one replica", tf.distribute.get_strategy()), ("two replicas", MIRRORED)):
        seconds, weights = timed_training(strategy, encoded, args.steps)
        results[name] = (seconds, weights)
        print(f"{name:<13} {1000 * seconds:7.1f} ms/step  {64 / seconds:7.1f} sentences/s")
    (one, one_weights), (two, two_weights) = results.values()
    difference = max(float(np.max(np.abs(a - b))) for a, b in zip(one_weights, two_weights) if a.size)
    print(f"largest weight difference after {WARMUP + args.steps} identical steps: {difference:.2e}")
    print(f"overhead_two_replicas={two / one:.2f}")


if __name__ == "__main__":
    main()
