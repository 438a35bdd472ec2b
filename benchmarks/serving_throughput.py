"""Serving throughput and latency of an exported ARAE (`encode`, `reconstruct`, `generate`).

By default the model is an SNLI-size ARAE with *untrained* (freshly initialised) weights:
configuration emb/hidden 300, z 100, G/D 300-300, maxlen 15, and a synthetic vocabulary of 11,004
tokens (`w0 ... w10999` after the special tokens), fed sentences of 5–15 random words. It is
written to a temporary run directory (`config.yaml`, `vocab.txt`, `checkpoints/last.weights.h5`).
Untrained decoders almost never emit `<eos>`, so every decoded sentence runs all maxlen steps
(the last of the maxlen + 1 positions is `<eos>` without a step): the worst case for decoding.

`--run-dir RUN` benchmarks a trained run instead, fed validation sentences of the run's own corpus:
decoding stops once every sentence of a batch has said `<eos>`, so the figures depend on how long
its sentences are (the mean decoded length is printed).

Either model is exported with the normal path (`tfarae.export.export_run`), then loaded with
`tf.saved_model.load` and called through its signatures in this process (no server; the figures
bound what TF Serving can do on this CPU).

For each signature, at batch 1 and 64, with one client thread and with 8 concurrent threads,
prints sentences/s and p50/p99 request latency; last the two target lines
`reconstruct_batch64_sentences_per_second=<n>` (the better of 1 and 8 client threads) and
`reconstruct_batch1_p50_ms=<n>` (one client thread).

    python benchmarks/serving_throughput.py [--run-dir RUN] [--seconds 3] [--profile]
"""

import argparse
import os
import tempfile
import threading
import time

import numpy as np
import tensorflow as tf

from tfarae.config import config_from_dict, load_config, save_config
from tfarae.data.sources import load_corpus
from tfarae.data.tokenizer import SPECIAL_TOKENS
from tfarae.data.vocab import save_vocabulary
from tfarae.export import export_run
from tfarae.trainers.factory import compile_trainer, make_trainer

VOCAB = 11004
MAXLEN = 15


def make_run_dir(run_dir):
    """Writes an untrained SNLI-size run (config, synthetic vocabulary, weights) into `run_dir`."""
    config = config_from_dict({
        "data": {"source": "grammar", "maxlen": MAXLEN, "vocab_size": VOCAB - 4},
        "model": {"embedding_dim": 300, "hidden_dim": 300, "z_dim": 100,
                  "generator_hidden": [300, 300], "critic_hidden": [300, 300]},
        "train": {"batch_size": 64, "critic_steps": 5, "jit_compile": False},
    })
    vocabulary = list(SPECIAL_TOKENS) + [f"w{i}" for i in range(VOCAB - 4)]
    trainer = compile_trainer(make_trainer(config, VOCAB, MAXLEN + 1), config)
    os.makedirs(os.path.join(run_dir, "checkpoints"))
    save_config(config, os.path.join(run_dir, "config.yaml"))
    save_vocabulary(vocabulary, os.path.join(run_dir, "vocab.txt"))
    trainer.save_weights(os.path.join(run_dir, "checkpoints", "last.weights.h5"))


def synthetic_sentences(rng):
    """Returns `num → string [num]`: sentences of 5–15 random words of the synthetic vocabulary."""
    return lambda num: np.array([" ".join(f"w{i}" for i in rng.integers(0, VOCAB - 4, rng.integers(5, MAXLEN + 1)))
                                 for _ in range(num)], dtype=object)


def corpus_sentences(run_dir, rng):
    """Returns `num → string [num]`: validation sentences of the run's corpus, drawn with replacement."""
    pool = load_corpus(load_config(os.path.join(run_dir, "config.yaml")).data).valid
    return lambda num: np.array([pool[i] for i in rng.integers(0, len(pool), num)], dtype=object)


def requests(loaded, batch, sentences):
    """Returns `{signature: callable}` for requests of `batch` sentences (from `sentences(batch)`)."""
    text = tf.constant(sentences(batch))
    encode, reconstruct, generate = (loaded.signatures[n] for n in ("encode", "reconstruct", "generate"))
    num, seed, temperature = tf.constant(batch), tf.constant(0, tf.int64), tf.constant(0.0)
    return {
        "encode": lambda: encode(sentences=text),
        "reconstruct": lambda: reconstruct(sentences=text),
        "generate": lambda: generate(num=num, seed=seed, temperature=temperature),
    }


def measure(call, batch, threads, seconds):
    """Runs `call` from `threads` client threads for about `seconds`; returns (sentences/s, p50 ms, p99 ms)."""
    call()  # warm-up (first call of a signature builds its kernels)
    latencies, lock = [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        mine = []
        while time.perf_counter() < deadline or not mine:
            start = time.perf_counter()
            call()
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    start = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    wall = time.perf_counter() - start
    ms = 1000 * np.array(latencies)
    return batch * len(latencies) / wall, float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def mean_lengths(loaded, sentences, num=256):
    """Returns the mean number of words of `num` reconstructions and of `num` greedy generations."""
    words = lambda out: np.mean([len(s.split()) for s in out["sentences"].numpy()])  # noqa: E731
    reconstructed = loaded.signatures["reconstruct"](sentences=tf.constant(sentences(num)))
    generated = loaded.signatures["generate"](num=tf.constant(num), seed=tf.constant(0, tf.int64),
                                              temperature=tf.constant(0.0))
    return words(reconstructed), words(generated)


def profile(run_dir, sentences, repeats=10):
    """Prints where a batch-64 reconstruction spends its time (tokenize, encode, decode loop, softmax layer)."""
    from tfarae.decoding import decode
    from tfarae.run_dir import load_trainer

    _, tokenizer, trainer = load_trainer(run_dir)
    text = tf.constant(sentences(64))
    ids = tokenizer(text)
    codes = trainer.encoder(ids)
    hidden = tf.random.normal([64, trainer.decoder.hidden_dim])
    steps = tokenizer.sequence_length
    parts = {
        "tokenize": tf.function(lambda: tokenizer(text)),
        "encode (ids->codes)": tf.function(lambda: trainer.encoder(ids)),
        f"decode loop (<={steps} steps)": tf.function(lambda: decode(trainer.decoder, codes, steps)),
        f"output layer x{steps}": tf.function(lambda: [tf.argmax(trainer.decoder.logits(hidden + i), -1)
                                                       for i in range(steps)]),
        "detokenize": tf.function(lambda: tokenizer.detokenize(ids)),
    }
    for name, fn in parts.items():
        fn()
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        print(f"profile batch 64 {name:<24} {1000 * (time.perf_counter() - start) / repeats:7.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per configuration")
    parser.add_argument("--profile", action="store_true", help="also time the parts of a reconstruction")
    parser.add_argument("--run-dir", help="benchmark this trained run (default: an untrained SNLI-size model)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        if args.run_dir:
            run_dir, sentences = args.run_dir, corpus_sentences(args.run_dir, rng)
        else:
            run_dir, sentences = os.path.join(tmp, "run"), synthetic_sentences(rng)
            make_run_dir(run_dir)
        result = export_run(run_dir, os.path.join(tmp, "models"), name=None if args.run_dir else "snli_size")
        print(f"built and exported {result.path} in {time.perf_counter() - start:.1f} s")
        loaded = tf.saved_model.load(result.path)
        print("mean words per sentence: reconstruct {:.2f}, generate {:.2f}".format(*mean_lengths(loaded, sentences)))
        figures = {}
        for batch in (1, 64):
            calls = requests(loaded, batch, sentences)
            for name, call in calls.items():
                for threads in (1, 8):
                    rate, p50, p99 = measure(call, batch, threads, args.seconds)
                    figures[name, batch, threads] = rate, p50
                    print(f"{name:<12} batch {batch:>2} threads {threads}: {rate:8.1f} sentences/s  "
                          f"p50 {p50:7.2f} ms  p99 {p99:7.2f} ms")
        if args.profile:
            profile(run_dir, sentences)
    best64 = max(figures["reconstruct", 64, t][0] for t in (1, 8))
    print(f"reconstruct_batch64_sentences_per_second={best64:.1f}")
    print(f"reconstruct_batch1_p50_ms={figures['reconstruct', 1, 1][1]:.2f}")


if __name__ == "__main__":
    main()
