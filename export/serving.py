"""The serving module: a `tf.Module` whose named signatures take and return strings.

Built from the inference components that `tfarae.run_dir.load_trainer` rebuilds from a run directory
(config + vocabulary + last checkpoint): the run's own `SentenceTokenizer` (so serving splits and
looks up words exactly as training did), `trainer.encoder`, `trainer.decoder` and
`trainer.sample_codes`. Nothing else of the trainer (critic, optimizers, metrics) is saved.

Signatures (`B` batch, `C` code size, `Z` noise size, `T = maxlen + 1`):

| name | inputs | outputs |
| `encode` | `sentences: string[B]` | `codes: float32[B, C]` |
| `decode` | `codes: float32[B, C]` | `sentences: string[B]` |
| `reconstruct`, `serving_default` | `sentences: string[B]` | `sentences: string[B]` |
| `generate` | `num: int32[]`, `seed: int64[]`, `temperature: float32[]` (default 0) | `sentences: string[num]`, `codes: float32[num, C]` |
| `generate_from_noise` | `noise: float32[B, Z]` | `sentences: string[B]`, `codes: float32[B, C]` |
| `interpolate` | `start: string[B]`, `end: string[B]`, `steps: int32[]` | `sentences: string[B, steps]` |
| `encode_ids` | `token_ids: int32[B, T]` | `codes: float32[B, C]` |
| `decode_ids` | `codes: float32[B, C]` | `token_ids: int32[B, T]` |
| `generate_ids` | as `generate` | `token_ids: int32[num, T]`, `codes: float32[num, C]` |
| `transfer` (class-conditional runs) | `sentences: string[B]`, `target: int32[B]` | `sentences: string[B]` |

`transfer` decodes each sentence's code with the decoder of class `target` (an index into the
saved `label_names`); the other text signatures of a class-conditional run decode in class 0.

Limits (see `LIMITS`): sentences longer than `maxlen` words are truncated to their first `maxlen`
words; `num` is clamped to `[0, max_num]` and `steps` to `[0, max_steps]`; a batch larger than
`max_batch` (or `start`/`end` of different sizes, or non-finite codes/noise) is an
`InvalidArgumentError`, as is a `target` outside `[0, K)` or of another size than `sentences`. Decoding is greedy unless `generate` gets `temperature > 0`, and yields at
most `maxlen` words (`<eos>` at the latest in the last of the `T` positions, `<pad>` after it).

Seeds: `generate` draws its noise and its sampled tokens from two independent streams split from
`[seed, 0]` (`tfarae.decoding.sampling_seeds`), so `generate_from_noise` fed
`tf.random.stateless_normal([num, Z], seed=tf.random.split(tf.constant([seed, 0], tf.int64))[0])`
returns the codes and greedy sentences of `generate(num, seed, 0)`.
"""

import tensorflow as tf

from tfarae.decoding import decode, sampling_seeds

LIMITS = {
    "max_batch": 1024,  # sentences (or codes, or noise rows) per request; more is an InvalidArgumentError
    "max_num": 1000,  # `generate` / `generate_ids`: `num` is clamped to [0, max_num]
    "max_steps": 50,  # `interpolate`: `steps` is clamped to [0, max_steps]
}


class ServingModule(tf.Module):
    """Strings in, strings out: tokenization, encoding, decoding and detokenization in one graph.

    Args:
        tokenizer: the run's `tfarae.data.tokenizer.SentenceTokenizer`.
        trainer: a trainer rebuilt from a run directory (`tfarae.run_dir.load_trainer`); only its
            `encoder`, `decoder`, `sample_codes` and the variables those read are kept.
        limits: overrides of `LIMITS`.
        label_names: the K class names of a class-conditional trainer (`trainer.num_classes > 0`).

    Attributes saved with the module (scalar int32 variables): `code_dim` (C), `z_dim` (Z),
    `maxlen`, `vocab_size`, `max_batch`, `max_num`, `max_steps`, `num_classes` (K, 0 when
    unconditional); and `label_names`, a string variable `[K]`.
    """

    def __init__(self, tokenizer, trainer, limits=None, label_names=(), name="tfarae_serving"):
        super().__init__(name=name)
        self.limits = {**LIMITS, **(limits or {})}
        self.tokenizer = tokenizer
        self.encoder = trainer.encoder
        self.decoder = trainer.decoder
        self._table = tokenizer._table  # a Keras layer does not expose it to tf.train tracking
        self._sample_codes = trainer.sample_codes
        self._codes_from_noise = trainer.codes_from_noise
        self._length = tokenizer.sequence_length
        c, z = int(trainer.encoder.code_dim), int(trainer.noise_dim)
        self._code_dim, self._z_dim = c, z
        # Whatever sampling reads (generator weights, or the AE baseline's Gaussian) is tracked
        # explicitly, so no other trainer variable lands in the SavedModel.
        sampling = tf.function(lambda: (self._sample_codes(2, tf.constant([0, 0], tf.int64)),
                                        self._codes_from_noise(tf.zeros([2, z]))), autograph=False)
        self.sampling_variables = list(sampling.get_concrete_function().variables)

        self._num_classes = int(trainer.num_classes)
        if len(label_names) != self._num_classes:
            raise ValueError(f"{len(label_names)} label names for {self._num_classes} classes")
        for key, value in {"code_dim": c, "z_dim": z, "maxlen": tokenizer.maxlen, "vocab_size": tokenizer.vocab_size,
                           "num_classes": self._num_classes, **self.limits}.items():
            setattr(self, key, tf.Variable(value, dtype=tf.int32, trainable=False, name=key))
        self.label_names = tf.Variable(tf.constant(list(label_names), tf.string, shape=[len(label_names)]),
                                       trainable=False, name="label_names")

        scalar = lambda dtype, name: tf.TensorSpec([], dtype, name=name)  # noqa: E731
        fn = lambda f, *spec: tf.function(f, input_signature=list(spec), autograph=False)  # noqa: E731
        self.encode = fn(self._encode, tf.TensorSpec([None], tf.string, name="sentences"))
        self.decode = fn(self._decode, tf.TensorSpec([None, c], tf.float32, name="codes"))
        self.reconstruct = fn(self._reconstruct, tf.TensorSpec([None], tf.string, name="sentences"))
        self.generate = fn(self._generate, scalar(tf.int32, "num"), scalar(tf.int64, "seed"),
                           scalar(tf.float32, "temperature"))
        self.generate_from_noise = fn(self._generate_from_noise, tf.TensorSpec([None, z], tf.float32, name="noise"))
        self.interpolate = fn(self._interpolate, tf.TensorSpec([None], tf.string, name="start"),
                              tf.TensorSpec([None], tf.string, name="end"), scalar(tf.int32, "steps"))
        self.encode_ids = fn(self._encode_ids, tf.TensorSpec([None, self._length], tf.int32, name="token_ids"))
        self.decode_ids = fn(self._decode_ids, tf.TensorSpec([None, c], tf.float32, name="codes"))
        self.generate_ids = fn(self._generate_ids, scalar(tf.int32, "num"), scalar(tf.int64, "seed"),
                               scalar(tf.float32, "temperature"))
        if self._num_classes:
            self.transfer = fn(self._transfer, tf.TensorSpec([None], tf.string, name="sentences"),
                               tf.TensorSpec([None], tf.int32, name="target"))

    def signatures(self):
        """Returns `{signature name: tf.function}` for `tf.saved_model.save`."""
        names = ("encode", "decode", "reconstruct", "generate", "generate_from_noise", "interpolate",
                 "encode_ids", "decode_ids", "generate_ids") + (("transfer",) if self._num_classes else ())
        return {"serving_default": self.reconstruct, **{n: getattr(self, n) for n in names}}

    # Checks ---------------------------------------------------------------------------------------

    def _check_batch(self, tensor, name):
        """Returns `tensor` once its batch size is at most `max_batch` (else InvalidArgumentError)."""
        limit = self.limits["max_batch"]
        check = tf.debugging.assert_less_equal(
            tf.shape(tensor)[0], limit,
            message=f"{name}: at most {limit} rows per request; split larger batches")
        with tf.control_dependencies([check]):
            return tf.identity(tensor)

    def _check_finite(self, values, name):
        return tf.debugging.assert_all_finite(values, f"{name}: every value must be finite (no NaN or Inf)")

    # Building blocks ------------------------------------------------------------------------------

    def _ids_to_codes(self, token_ids):
        return self.encoder(token_ids)

    def _strings_to_codes(self, sentences, name="sentences"):
        return self._ids_to_codes(self.tokenizer(self._check_batch(sentences, name)))

    def _greedy_ids(self, codes):
        return decode(self.decoder, codes, self._length)

    def _codes_to_ids(self, codes, temperature, token_seed):
        """Greedy for `temperature <= 0` (and NaN), else sampled at `temperature` from token stream `token_seed`."""
        return tf.cond(
            temperature > 0,
            lambda: decode(self.decoder, codes, self._length, sampler="sample", temperature=temperature,
                           seed=token_seed),
            lambda: self._greedy_ids(codes),
        )

    def _sampled(self, num, seed, temperature):
        """`(token_ids [n, T], codes [n, C])` for `num` clamped to `[0, max_num]`, seeded as batch 0 of `seed`.

        The seeds are `sampling_seeds([seed, 0])`, as in the first batch of
        `tfarae.sampling.generate_sentences`.
        """
        num = tf.clip_by_value(num, 0, self.limits["max_num"])
        z_seed, token_seed = sampling_seeds(tf.stack([seed, tf.constant(0, tf.int64)]))
        codes = self._sample_codes(num, z_seed)
        return self._codes_to_ids(codes, temperature, token_seed), codes

    # Signatures -----------------------------------------------------------------------------------

    def _encode(self, sentences):
        return {"codes": self._strings_to_codes(sentences)}

    def _decode(self, codes):
        codes = self._check_finite(self._check_batch(codes, "codes"), "codes")
        return {"sentences": self.tokenizer.detokenize(self._greedy_ids(codes))}

    def _reconstruct(self, sentences):
        return {"sentences": self.tokenizer.detokenize(self._greedy_ids(self._strings_to_codes(sentences)))}

    def _generate(self, num, seed, temperature=tf.constant(0.0)):
        token_ids, codes = self._sampled(num, seed, temperature)
        return {"sentences": self.tokenizer.detokenize(token_ids), "codes": codes}

    def _generate_from_noise(self, noise):
        noise = self._check_finite(self._check_batch(noise, "noise"), "noise")
        codes = self._codes_from_noise(noise)
        return {"sentences": self.tokenizer.detokenize(self._greedy_ids(codes)), "codes": codes}

    def _interpolate(self, start, end, steps):
        same = tf.debugging.assert_equal(tf.shape(start)[0], tf.shape(end)[0],
                                         message="start and end must hold the same number of sentences")
        with tf.control_dependencies([same]):
            start_codes = self._strings_to_codes(start, "start")
        end_codes = self._strings_to_codes(end, "end")
        steps = tf.clip_by_value(steps, 0, self.limits["max_steps"])
        # steps points from start (alpha 0) to end (alpha 1), linear in code space, not re-normalised.
        alpha = tf.cast(tf.range(steps), tf.float32) / tf.cast(tf.maximum(steps - 1, 1), tf.float32)
        alpha = alpha[None, :, None]
        points = (1.0 - alpha) * start_codes[:, None, :] + alpha * end_codes[:, None, :]
        batch = tf.shape(start_codes)[0]
        ids = self._greedy_ids(tf.reshape(points, [-1, self._code_dim]))
        return {"sentences": tf.reshape(self.tokenizer.detokenize(ids), [batch, steps])}

    def _encode_ids(self, token_ids):
        return {"codes": self._ids_to_codes(self._check_batch(token_ids, "token_ids"))}

    def _decode_ids(self, codes):
        codes = self._check_finite(self._check_batch(codes, "codes"), "codes")
        return {"token_ids": self._greedy_ids(codes)}

    def _generate_ids(self, num, seed, temperature=tf.constant(0.0)):
        token_ids, codes = self._sampled(num, seed, temperature)
        return {"token_ids": token_ids, "codes": codes}

    def _transfer(self, sentences, target):
        k = self._num_classes
        checks = [
            tf.debugging.assert_equal(tf.shape(target)[0], tf.shape(sentences)[0],
                                      message="target: one class index per sentence"),
            tf.debugging.assert_non_negative(target, message=f"target: class indices must be in [0, {k})"),
            tf.debugging.assert_less(target, k, message=f"target: class indices must be in [0, {k})"),
        ]
        with tf.control_dependencies(checks):
            codes = self._strings_to_codes(sentences)
        ids = decode(self.decoder.for_labels(target), codes, self._length)
        return {"sentences": self.tokenizer.detokenize(ids)}


def build_serving_module(run_dir, limits=None):
    """Rebuilds the run in `run_dir` (config, vocabulary, last checkpoint) and returns `(config, ServingModule)`."""
    from tfarae.data.sources import label_names
    from tfarae.run_dir import load_trainer

    config, tokenizer, trainer = load_trainer(run_dir)
    names = label_names(config.data) if trainer.num_classes else ()
    return config, ServingModule(tokenizer, trainer, limits, label_names=names)
