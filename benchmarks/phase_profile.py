"""Where an SNLI-size ARAE iteration spends its time: the autoencoder step split into its parts, and the GAN phases.

The autoencoder step is timed as nested compiled functions on one batch, each adding one part, so
every part is a difference of two timings (a part's own time, with the rest of the step around it
removed):

  embedding          both embedding lookups
  lstm forward       encoder and decoder LSTMs, forward (training path)
  softmax forward    output layer and cross-entropy on the real tokens
  lstm backward      gradients through both LSTMs and embeddings (of a loss on the hidden states)
  softmax backward   gradients through the output layer and cross-entropy
  optimizer          clipping and the SGD update (the rest of `_autoencoder_step`)

then the phases as `train_throughput.py` times them (the whole autoencoder step first), and the
full iteration under `fit`.
Same configuration and synthetic corpus as `train_throughput.py`.

    python benchmarks/phase_profile.py [--lengths full|snli] [--precision ...] [--output-dtype ...]
"""

import argparse
import os
import sys

import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_throughput import (VOCAB, SteadyStateTimer, cpu_description, phase_times,  # noqa: E402
                              synthetic_corpus)

from tfarae.config import config_from_dict  # noqa: E402
from tfarae.data.pipeline import train_dataset  # noqa: E402
from tfarae.timing import seconds_per_call  # noqa: E402
from tfarae.trainers.factory import compile_trainer, make_trainer  # noqa: E402


def autoencoder_parts(trainer, ids):
    """Returns `{part: seconds}` of the autoencoder step on `ids [B, T]` (see the module docstring)."""
    variables = trainer.encoder.trainable_variables + trainer.decoder.trainable_variables

    def hidden():
        codes = trainer.encoder(ids, training=True)
        return codes, trainer.decoder((ids, codes), training=True)

    def loss():
        codes = trainer.encoder(ids, training=True)
        return trainer.reconstruction(ids, codes, training=True)[0]

    def gradients(of):
        with tf.GradientTape() as tape:
            value = of()
        # The embeddings' gradients are IndexedSlices: return their values, not a densified copy;
        # the output layer has none in the gradients of the hidden states.
        return [g.values if isinstance(g, tf.IndexedSlices) else g
                for g in tape.gradient(value, variables) if g is not None]

    def embedding():
        return trainer.encoder.embedding(ids), trainer.decoder.embedding(ids)

    def hidden_sum():
        return tf.reduce_sum(hidden()[1])

    def gradients_of_hidden():
        return gradients(hidden_sum)

    def gradients_of_loss():
        return gradients(loss)

    def step():
        return trainer._autoencoder_step(ids)

    parts = {"embedding": embedding, "forward to hidden": lambda: hidden()[1], "forward with loss": loss,
             "gradients of hidden": gradients_of_hidden, "gradients of loss": gradients_of_loss, "step": step}
    timed = {name: seconds_per_call(tf.function(fn)) for name, fn in parts.items()}
    return {
        "embedding": timed["embedding"],
        "lstm forward": timed["forward to hidden"] - timed["embedding"],
        "softmax forward": timed["forward with loss"] - timed["forward to hidden"],
        "lstm backward": timed["gradients of hidden"] - timed["forward to hidden"],
        "softmax backward": (timed["gradients of loss"] - timed["gradients of hidden"]
                             - (timed["forward with loss"] - timed["forward to hidden"])),
        "optimizer": timed["step"] - timed["gradients of loss"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", choices=["full", "snli"], default="snli", help="sentence length distribution")
    parser.add_argument("--output-dtype", choices=["float32", "mixed_bfloat16"], default="float32")
    parser.add_argument("--precision", choices=["float32", "mixed_float16", "mixed_bfloat16"], default="float32")
    args = parser.parse_args()
    config = config_from_dict({
        "data": {"source": "grammar", "maxlen": 15, "vocab_size": VOCAB - 4},
        "model": {"embedding_dim": 300, "hidden_dim": 300, "z_dim": 100, "generator_hidden": [300, 300],
                  "critic_hidden": [300, 300], "output_dtype": args.output_dtype},
        "train": {"batch_size": 64, "critic_steps": 5},
        "runtime": {"precision": args.precision},
    })
    trainer = compile_trainer(make_trainer(config, VOCAB, 16), config)
    dataset = train_dataset(synthetic_corpus(4000, 15, args.lengths), 64, trainer.fresh_batches, 4000, seed=0)
    batch = next(iter(dataset))
    timer = SteadyStateTimer(warmup=20)
    trainer.fit(dataset.repeat(), steps_per_epoch=60, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    iteration = timer.seconds_per_step()
    print(f"CPU: {cpu_description()}; --lengths {args.lengths}, precision {args.precision}, "
          f"softmax layer {args.output_dtype}")
    rows = {**autoencoder_parts(trainer, batch["token_ids"]), **phase_times(trainer, batch)}
    rows["critic (all steps)"] = trainer.critic_steps * rows.pop("critic (x1)")
    for name, seconds in rows.items():
        print(f"{name:<20} {1000 * seconds:7.1f} ms  {100 * seconds / iteration:5.1f}% of an iteration")
    print(f"{'iteration (fit)':<20} {1000 * iteration:7.1f} ms")


if __name__ == "__main__":
    main()
