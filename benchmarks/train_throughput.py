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
        [--precision float32|mixed_float16|mixed_bfloat16] [--vs-reference [--pairs 2]]

`--output-dtype mixed_bfloat16` computes the softmax layer in bfloat16 (`model.output_dtype`);
`--precision` sets every sub-model's policy (`runtime.precision`). The FLOP count is the same, so
the GFLOP/s figure then mixes float32 and reduced-precision products.

`--vs-reference` measures tfarae (this script in a fresh process) and the reference
implementation (`../shared/peer/run.sh snli`, PyTorch, same sizes, 2 threads) interleaved, A B A B,
on this machine: each pair's sentences/s and ratio, the CPU model and the flags that decide its
matrix speed (AVX-512, AVX512-BF16, AMX), and last `ratio_vs_reference=<median ratio>`.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

import keras
import numpy as np
import tensorflow as tf

from tfarae.config import config_from_dict
from tfarae.data.pipeline import EncodedSentences, train_dataset
from tfarae.data.tokenizer import EOS_ID
from tfarae.timing import seconds_per_call
from tfarae.trainers.factory import compile_trainer, make_trainer

VOCAB = 11004


SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared")
SNLI = os.path.join(SHARED, "data", "snli", "valid.txt")
REFERENCE = os.path.join(SHARED, "peer", "run.sh")
CPU_FLAGS = {"AVX-512": "avx512f", "AVX512-BF16": "avx512_bf16", "AMX": "amx_tile"}  # name: /proc/cpuinfo flag


def cpu_description(cpuinfo="/proc/cpuinfo"):
    """Returns `"<model name>; AVX-512 yes, AVX512-BF16 yes, AMX no"` for this machine (from `cpuinfo`)."""
    with open(cpuinfo, encoding="utf-8") as f:
        text = f.read()
    model = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
    flags_line = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
    flags = set(flags_line.group(1).split()) if flags_line else set()
    found = ", ".join(f"{name} {'yes' if flag in flags else 'no'}" for name, flag in CPU_FLAGS.items())
    return f"{model.group(1).strip() if model else 'unknown CPU'}; {found}"


def last_figure(output, key):
    """Returns the number of the last `key=<number>` line in `output`; exits naming `key` if there is none."""
    found = re.findall(rf"^{key}=([0-9.]+)$", output, re.M)
    if not found:
        sys.exit(f"no {key}= line in:\n{output[-2000:]}")
    return float(found[-1])


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
    return 2 * 1024 * 300 * VOCAB / seconds_per_call(tf.function(lambda: tf.matmul(hidden, kernel)), repeats) / 1e9


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
    return {name: seconds_per_call(fn, repeats) for name, fn in phases.items()}


def versus_reference(args):
    """Runs tfarae and the reference interleaved `args.pairs` times; prints each pair and the median ratio."""
    print(f"CPU: {cpu_description()}, {os.cpu_count()} cores")
    ours_command = [sys.executable, os.path.abspath(__file__), "--steps", str(args.steps), "--lengths", args.lengths,
                    "--output-dtype", args.output_dtype, "--precision", args.precision, "--skip-phases"]
    ratios = []
    for pair in range(1, args.pairs + 1):
        done = subprocess.run(ours_command, capture_output=True, text=True)
        ours = last_figure(done.stdout + done.stderr, "sentences_per_second")
        done = subprocess.run(["bash", REFERENCE, "snli"], capture_output=True, text=True)
        reference = last_figure(done.stdout + done.stderr, "reference_sentences_per_second")
        ratios.append(ours / reference)
        print(f"pair {pair}: tfarae {ours:.1f}, reference {reference:.1f} sentences/s, ratio {ours / reference:.2f}",
              flush=True)
    print(f"tfarae: --lengths {args.lengths}, precision {args.precision}, softmax layer {args.output_dtype}")
    print(f"ratio_vs_reference={statistics.median(ratios):.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="timed iterations (after warm-up)")
    parser.add_argument("--lengths", choices=["full", "snli"], default="full", help="sentence length distribution")
    parser.add_argument("--output-dtype", choices=["float32", "mixed_bfloat16"], default="float32",
                        help="dtype policy of the softmax layer (model.output_dtype)")
    parser.add_argument("--precision", choices=["float32", "mixed_float16", "mixed_bfloat16"], default="float32",
                        help="dtype policy of every sub-model (runtime.precision)")
    parser.add_argument("--skip-phases", action="store_true", help="do not time the phases separately")
    parser.add_argument("--vs-reference", action="store_true",
                        help="run tfarae and ../shared/peer/run.sh snli interleaved and print their ratio")
    parser.add_argument("--pairs", type=int, default=2, help="tfarae/reference pairs with --vs-reference")
    args = parser.parse_args()
    if args.vs_reference:
        return versus_reference(args)
    config = config_from_dict({
        "data": {"source": "grammar", "maxlen": 15, "vocab_size": VOCAB - 4},
        "model": {"embedding_dim": 300, "hidden_dim": 300, "z_dim": 100,
                  "generator_hidden": [300, 300], "critic_hidden": [300, 300], "output_dtype": args.output_dtype},
        "train": {"batch_size": 64, "critic_steps": 5},
        "runtime": {"precision": args.precision},
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
          f"precision {args.precision}, softmax layer {args.output_dtype}")
    peak = matmul_gflops()
    print(f"iteration {1000 * seconds:.1f} ms; {flops / 1e9:.1f} GFLOP/iteration; {flops / seconds / 1e9:.0f} GFLOP/s")
    print(f"for scale: the softmax layer's forward product alone (hot caches) runs at {peak:.0f} GFLOP/s now; "
          f"the iteration averaged {100 * flops / seconds / 1e9 / peak:.0f}% of that")
    print(f"sentences_per_second={b / seconds:.1f}")


if __name__ == "__main__":
    main()
