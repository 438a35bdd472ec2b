"""Training throughput of the SNLI-size ARAE on a synthetic corpus, in sentences per second.

Configuration (ARAE reference, SNLI): emb/hidden 300, vocab 11,004, z 100, G/D 300-300, batch 64,
maxlen 15, 5 critic steps each on a fresh real batch. The synthetic corpus draws words uniformly;
sentence lengths are all 15 words (`--lengths full`, the default, the worst case) or follow the
length distribution of SNLI sentences of at most 15 words (`--lengths snli`: read from
../shared/data/snli/valid.txt, mean 8.5 words). Prints the phase breakdown (autoencoder / critic /
encoder adversary / generator), the achieved GFLOP/s next to the rate of the largest matrix product
timed alone in the same process (this shared machine's speed drifts by 10-20% between runs), and
last `sentences_per_second=<number>`.

    python benchmarks/train_throughput.py [--steps 60] [--lengths full|snli] [--output-dtype mixed_bfloat16]

`--output-dtype mixed_bfloat16` computes the softmax layer in bfloat16 (`model.output_dtype`); the
FLOP count is the same, so the GFLOP/s figure then mixes float32 and bfloat16 products.
"""

import argparse
import os
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from tfarae.config import config_from_dict
from tfarae.data.pipeline import EncodedSentences, train_dataset
from tfarae.data.tokenizer import EOS_ID
from tfarae.trainers.factory import compile_trainer, make_trainer

VOCAB = 11004


SNLI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "snli", "valid.txt")


def sentence_lengths(kind, num, maxlen, rng):
    """Returns `num` sentence lengths: all `maxlen`, or drawn from SNLI's lengths up to `maxlen`."""
    if kind == "full":
        return np.full(num, maxlen)
    if not os.path.exists(SNLI):
        sys.exit(f"--lengths snli needs {SNLI}")
    with open(SNLI, encoding="utf-8") as f:
        observed = [n for n in (len(line.split()) for line in f) if 0 < n <= maxlen]
    return rng.choice(observed, size=num)


def synthetic_corpus(num, maxlen, lengths, seed=0):
    """Returns `EncodedSentences` of random word ids (words + <eos>, padded)."""
    rng = np.random.default_rng(seed)
    ids = np.zeros((num, maxlen + 1), np.int32)
    for i, n in enumerate(sentence_lengths(lengths, num, maxlen, rng)):
        ids[i, :n] = rng.integers(4, VOCAB, size=n)
        ids[i, n] = EOS_ID
    return EncodedSentences(ids, [""] * num, 0)


def flops_per_iteration(e, h, v, z, gd, b, t, k, tokens):
    """Returns matrix-product FLOPs of one ARAE iteration (backward counted as 2× forward).

    `t` is the padded length the LSTMs run over; `tokens` the mean real tokens per sentence, the
    positions the softmax layer runs on.
    """
    enc = 2 * t * 4 * h * (e + h)  # per sentence, forward
    dec = 2 * t * 4 * h * (e + h) + 2 * 4 * h * h + 2 * tokens * h * v  # code projection once per sentence
    gen = 2 * (z * gd[0] + gd[0] * gd[1] + gd[1] * h)
    crit = 2 * (h * gd[0] + gd[0] * gd[1] + gd[1])
    ae = 3 * (enc + dec) * b
    critic = k * (enc * b + gen * b + 2 * 3 * crit * b + 3 * 3 * crit * b)  # + gradient-penalty double backward
    adversary = 3 * (enc + crit) * b
    generator = 3 * (gen + crit) * b
    return ae + critic + adversary + generator


def matmul_gflops(repeats=20):
    """Returns this machine's float32 rate right now on the iteration's largest product, in GFLOP/s.

    The product is the softmax layer's forward pass at batch 64 × 16 positions ([1024, 300] ×
    [300, 11004]); the best of three timings of `repeats` calls each.
    """
    hidden, kernel = tf.random.normal([1024, 300]), tf.random.normal([300, VOCAB])
    product = tf.function(lambda: tf.matmul(hidden, kernel))
    product()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            result = product()
        result.numpy()
        best = min(best, (time.perf_counter() - start) / repeats)
    return 2 * 1024 * 300 * VOCAB / best / 1e9


class SteadyStateTimer(keras.callbacks.Callback):
    """Times the steps of one `fit` after `warmup` steps (tracing and warm-up excluded)."""

    def __init__(self, warmup):
        super().__init__()
        self.warmup, self.start, self.steps = warmup, None, 0

    def on_train_batch_end(self, batch, logs=None):
        if batch + 1 == self.warmup:
            self.start = time.perf_counter()
        elif batch + 1 > self.warmup:
            self.steps, self.end = self.steps + 1, time.perf_counter()

    def seconds_per_step(self):
        return (self.end - self.start) / self.steps


def phase_times(trainer, batch, repeats=20):
    """Returns seconds per call of each phase, each compiled on its own."""
    ids, fresh = batch["token_ids"], batch["fresh_token_ids"]
    real = trainer.encoder(ids)
    phases = {
        "autoencoder": tf.function(lambda: trainer._autoencoder_step(ids)),
        "critic_encode": tf.function(lambda: trainer.encoder(tf.reshape(fresh[:, : trainer.critic_steps], (-1, ids.shape[1])))),
        "critic (x1)": tf.function(lambda: trainer._critic_step(real)),
        "encoder_adversary": tf.function(lambda: trainer._encoder_adversary_step(ids)),
        "generator": tf.function(lambda: trainer._generator_step(ids.shape[0])),
    }
    times = {}
    for name, fn in phases.items():
        fn()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        times[name] = (time.perf_counter() - start) / repeats
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="timed iterations (after warm-up)")
    parser.add_argument("--lengths", choices=["full", "snli"], default="full", help="sentence length distribution")
    parser.add_argument("--output-dtype", choices=["float32", "mixed_bfloat16"], default="float32",
                        help="dtype policy of the softmax layer (model.output_dtype)")
    parser.add_argument("--skip-phases", action="store_true", help="do not time the phases separately")
    args = parser.parse_args()
    config = config_from_dict({
        "data": {"source": "grammar", "maxlen": 15, "vocab_size": VOCAB - 4},
        "model": {"embedding_dim": 300, "hidden_dim": 300, "z_dim": 100,
                  "generator_hidden": [300, 300], "critic_hidden": [300, 300], "output_dtype": args.output_dtype},
        "train": {"batch_size": 64, "critic_steps": 5},
    })
    b, t, k = 64, 16, 5
    encoded = synthetic_corpus(20000, 15, args.lengths)
    tokens = float((encoded.token_ids != 0).sum(1).mean())
    trainer = compile_trainer(make_trainer(config, VOCAB, t), config)
    dataset = train_dataset(encoded, b, trainer.fresh_batches, 20000, seed=0).repeat()
    timer = SteadyStateTimer(warmup=30)  # past the loss compilations for each token-count bucket
    trainer.fit(dataset, steps_per_epoch=timer.warmup + args.steps, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    seconds = timer.seconds_per_step()
    flops = flops_per_iteration(300, 300, VOCAB, 100, (300, 300), b, t, k, tokens)
    if not args.skip_phases:
        batch = next(iter(dataset))
        for name, sec in phase_times(trainer, batch).items():
            print(f"phase {name:<18} {1000 * sec:7.1f} ms")
    print(f"lengths {args.lengths}: mean {tokens:.1f} tokens/sentence (words + <eos>), padded to {t}; "
          f"softmax layer {args.output_dtype}")
    peak = matmul_gflops()
    print(f"iteration {1000 * seconds:.1f} ms; {flops / 1e9:.1f} GFLOP/iteration; {flops / seconds / 1e9:.0f} GFLOP/s")
    print(f"for scale: the softmax layer's forward product alone (hot caches) runs at {peak:.0f} GFLOP/s now; "
          f"the iteration averaged {100 * flops / seconds / 1e9 / peak:.0f}% of that")
    print(f"sentences_per_second={b / seconds:.1f}")


if __name__ == "__main__":
    main()
