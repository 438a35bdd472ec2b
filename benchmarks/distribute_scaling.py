"""Training step time with one replica, two replicas in one process and two local workers, and whether they agree.

Trains the SNLI-size ARAE of `train_throughput.py` (emb/hidden 300, vocab 11,004, batch 64, 5 critic
steps; synthetic sentences, unshuffled so both runs see the same global batches) for the same
steps with the default strategy, with `runtime.strategy: mirrored` over two logical CPUs of this
machine, and with `multi_worker` over two worker processes on 127.0.0.1 (`tfarae.distributed_loop`,
gRPC collectives), then prints per-step time, sentences/s, the overhead against one replica, and
the largest weight difference from the one-replica run. The two start equal to float32 rounding and the
training dynamics amplify the rounding differences step by step (measured on this configuration:
1.8e-7 after 2 steps, 7.2e-6 after 5, 1.4e-2 after 40); tests/test_distribute.py checks the
equivalence itself on tiny models.

On a 2-core machine two replicas (or workers) share the same cores: no speed-up is expected; the
point is the measured overhead and identical results.

    python benchmarks/distribute_scaling.py [--steps 30] [--lengths full|snli]

Last lines: `overhead_two_replicas=<r>` and `overhead_two_workers=<r>` (step time / one replica's).
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_throughput import VOCAB, SteadyStateTimer, synthetic_corpus  # noqa: E402

from tfarae import distributed_loop  # noqa: E402
from tfarae.config import RuntimeConfig, config_from_dict  # noqa: E402
from tfarae.data.pipeline import train_dataset  # noqa: E402
from tfarae.distribute import make_strategy  # noqa: E402
from tfarae.trainers.factory import compile_trainer, make_trainer  # noqa: E402

WARMUP = 10  # untimed iterations (tracing, loss compilations)
CONFIG = {
    "data": {"source": "grammar", "maxlen": 15, "vocab_size": VOCAB - 4},
    "model": {"embedding_dim": 300, "hidden_dim": 300, "z_dim": 100, "generator_hidden": [300, 300],
              "critic_hidden": [300, 300]},
    "train": {"batch_size": 64, "critic_steps": 5, "jit_compile": False},
}


def timed_training(strategy, encoded, steps, warmup=WARMUP):
    """Returns `(seconds per step, weights)` after `warmup + steps` iterations under `strategy`.

    `multi_worker` runs through `tfarae.distributed_loop` (Keras' `fit` cannot run under it).
    """
    config = config_from_dict(CONFIG)
    with strategy.scope():
        trainer = compile_trainer(make_trainer(config, VOCAB, 16), config)
    dataset = train_dataset(encoded, 64, trainer.fresh_batches, 1, seed=0)  # unshuffled: the same batches
    timer = SteadyStateTimer(warmup)
    if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        distributed_loop.fit(trainer, strategy, dataset, 1, [timer], steps_per_epoch=warmup + steps, verbose=0)
    else:
        trainer.fit(dataset.repeat(), steps_per_epoch=warmup + steps, epochs=1, shuffle=False, verbose=0,
                    callbacks=[timer])
    return timer.seconds_per_step(), [w.numpy() for w in trainer.weights]


def worker(index, ports, steps, lengths, weights_path):
    """One of two local workers: trains under `multi_worker` and, as worker 0, writes its time and weights."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in ports]}
    os.environ["TF_CONFIG"] = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
    strategy = make_strategy(RuntimeConfig(strategy="multi_worker"))  # before any other TF op
    seconds, weights = timed_training(strategy, synthetic_corpus(4000, 15, lengths), steps)
    if index == 0:
        np.savez(weights_path, seconds, *weights)


def two_workers(steps, lengths):
    """Returns `(seconds per step, weights)` of worker 0 of two local worker processes."""
    sockets = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    ports = [str(s.getsockname()[1]) for s in sockets]
    for s in sockets:
        s.close()
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "worker0.npz")
        command = [sys.executable, __file__, "--steps", str(steps), "--lengths", lengths, "--ports", *ports,
                   "--weights", path, "--worker"]
        processes = [subprocess.Popen([*command, str(i)]) for i in range(2)]
        if any(p.wait() for p in processes):
            sys.exit("a worker failed (see its output above)")
        seconds, *weights = np.load(path).values()
    return float(seconds), weights


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help=f"timed iterations after {WARMUP} warm-up ones")
    parser.add_argument("--lengths", choices=["full", "snli"], default="full", help="sentence length distribution")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # internal: run as local worker N
    parser.add_argument("--ports", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--weights", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        return worker(args.worker, args.ports, args.steps, args.lengths, args.weights)
    mirrored = make_strategy(RuntimeConfig(strategy="mirrored", logical_cpus=2))  # before any other TF op
    encoded = synthetic_corpus(4000, 15, args.lengths)
    one, one_weights = timed_training(tf.distribute.get_strategy(), encoded, args.steps)
    results = {"two replicas": timed_training(mirrored, encoded, args.steps),
               "two workers": two_workers(args.steps, args.lengths)}
    print(f"{'one replica':<13} {1000 * one:7.1f} ms/step  {64 / one:7.1f} sentences/s")
    for name, (seconds, weights) in results.items():
        difference = max(float(np.max(np.abs(a - b))) for a, b in zip(one_weights, weights) if a.size)
        print(f"{name:<13} {1000 * seconds:7.1f} ms/step  {64 / seconds:7.1f} sentences/s  "
              f"largest weight difference from one replica: {difference:.2e}")
    print(f"after {WARMUP + args.steps} identical steps each")
    for name, (seconds, _) in results.items():
        print(f"overhead_{name.replace(' ', '_')}={seconds / one:.2f}")


if __name__ == "__main__":
    main()
