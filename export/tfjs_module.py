"""The numeric graphs TF.js runs, traced from a run's inference components in float32.

| graph | input | output |
| `encode_ids` | `token_ids: int32[B, T]` | `codes: float32[B, C]` |
| `decode_ids` | `codes: float32[B, C]` | `token_ids: int32[B, T]` |
| `codes_from_noise` | `noise: float32[B, Z]` | `codes: float32[B, C]` |
| `transfer_ids` (class-conditional runs) | `token_ids: int32[B, T]`, `target: int32[B]` | `token_ids: int32[B, T]` |

(`B` batch, `T = maxlen + 1`, `C` code size, `Z` noise size.) Each is converted to its own TF.js
graph model; `tfarae/web/tfarae.js` tokenizes and detokenizes around them with `vocab.json`.
`transfer_ids` is the SavedModel's `transfer` on ids: each code decoded by the decoder of class
`target` (an index into the run's label names).

Why these graphs and not the SavedModel's signatures:
- Strings: TF.js has no kernels for the tokenizer's string ops and hash table.
- Noise: `generate` draws with TF's stateless Philox generator, which TF.js lacks, so JS draws
  the noise itself and needs a noise-taking numeric graph (the SavedModel has only strings out of
  `generate_from_noise`).
- Same maths as serving: `encode_ids` is `trainer.encoder`, `codes_from_noise` is
  `trainer.codes_from_noise`, and `decode_ids` is the same greedy `tfarae.decoding.decode`
  `tf.while_loop` as the SavedModel's `decode_ids` (TF.js runs control flow v2), so stopping, the
  forced final `<eos>` and the `<pad>` after it agree by construction. The encoder's LSTM is
  unrolled (static T) and decoding calls the LSTM step, never an LSTM layer over a sequence,
  which TF.js cannot run.
- float32: TF.js has no bfloat16 or float16 kernels. `load_float32_trainer` rebuilds the run's
  trainer with `runtime.precision` and `model.output_dtype` float32 and gives it the run's
  weights (float32 under every policy), so a run trained with a mixed policy (including a
  `mixed_bfloat16` softmax layer) is converted as the float32 model with the same weights; it may
  decode differently from its own SavedModel where bfloat16 rounding decided an argmax.
  (Switching the loaded layers' policies is not enough: a Keras Sequential keeps casting its
  input to the dtype it was built with.)
- Each weight is read once per graph (`keras.StatelessScope`): the unrolled encoder reads its
  recurrent kernel at every step, and the converter freezes each read into its own constant
  (16 copies of the kernel, 2.3x the encoder's files at SNLI size).
- No batch-size or finiteness assertions in the graphs: `tfarae.js` checks the same limits in JS.
"""

import dataclasses

import keras
import tensorflow as tf

from tfarae.decoding import decode

GRAPHS = ("encode_ids", "decode_ids", "codes_from_noise")  # every run's; class-conditional runs add transfer_ids


def load_float32_trainer(run_dir):
    """Rebuilds the run in `run_dir` computing in float32 throughout, with its last checkpoint's weights.

    Returns:
        `(config, tokenizer, trainer)` as `tfarae.run_dir.load_trainer`, `config` being the run's own
        (its `runtime.precision` as trained).
    """
    from tfarae.run_dir import load_trainer
    from tfarae.trainers.factory import make_trainer

    config, tokenizer, trained = load_trainer(run_dir)
    if config.runtime.precision == "float32" and config.model.output_dtype == "float32":
        return config, tokenizer, trained
    float32 = dataclasses.replace(config, runtime=dataclasses.replace(config.runtime, precision="float32"),
                                  model=dataclasses.replace(config.model, output_dtype="float32"))
    trainer = make_trainer(float32, tokenizer.vocab_size, tokenizer.sequence_length)
    trainer.set_weights(trained.get_weights())
    return config, tokenizer, trainer


def _reading_weights_once(models, fn):
    """Returns `fn` run with every weight of `models` read once up front, whatever `fn` reads it how often."""

    def wrapped(*args):
        values = [(v, tf.identity(v.value)) for model in models for v in model.weights]
        with keras.StatelessScope(state_mapping=values):
            return fn(*args)

    return wrapped


class TfjsModule(tf.Module):
    """The graphs of `GRAPHS` (and `transfer_ids` for a class-conditional trainer) as `tf.function`s.

    Args:
        trainer: a trainer computing in float32 (`load_float32_trainer`).
        sequence_length: T, the tokenizer's `maxlen + 1`.

    Raises:
        ValueError: a layer of `trainer` computes in another dtype.
    """

    def __init__(self, trainer, sequence_length, name="tfarae_tfjs"):
        super().__init__(name=name)
        mixed = sorted({layer.dtype_policy.name for layer in trainer._flatten_layers()} - {"float32"})
        if mixed:  # (Keras has no public recursive listing of layers)
            raise ValueError(f"TF.js runs float32 only; this trainer has {mixed} layers (use load_float32_trainer)")
        encoder, decoder = trainer.encoder, trainer.decoder
        code_dim, noise_dim = int(encoder.code_dim), int(trainer.noise_dim)
        fn = lambda f, spec: tf.function(f, input_signature=[spec], autograph=False)  # noqa: E731
        ids_spec = tf.TensorSpec([None, sequence_length], tf.int32, name="token_ids")
        self.encode_ids = fn(_reading_weights_once([encoder], lambda ids: {"codes": encoder(ids)}), ids_spec)
        self.decode_ids = fn(
            _reading_weights_once([decoder], lambda codes: {"token_ids": decode(decoder, codes, sequence_length)}),
            tf.TensorSpec([None, code_dim], tf.float32, name="codes"))
        self.codes_from_noise = fn(lambda noise: {"codes": trainer.codes_from_noise(noise)},
                                   tf.TensorSpec([None, noise_dim], tf.float32, name="noise"))
        self.graph_names = GRAPHS
        if trainer.num_classes:
            transfer = lambda ids, target: {  # noqa: E731
                "token_ids": decode(decoder.for_labels(target), encoder(ids), sequence_length)}
            self.transfer_ids = tf.function(_reading_weights_once([encoder, decoder], transfer), autograph=False,
                                            input_signature=[ids_spec, tf.TensorSpec([None], tf.int32, name="target")])
            self.graph_names += ("transfer_ids",)
        # Tracked explicitly so that only what the graphs read is saved (not the critic or optimizers).
        used = {id(v): v for fn in self.signatures().values() for v in fn.get_concrete_function().variables}
        self.graph_variables = list(used.values())

    def signatures(self):
        """Returns `{graph name: tf.function}` for `tf.saved_model.save`."""
        return {name: getattr(self, name) for name in self.graph_names}
