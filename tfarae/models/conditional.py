"""Class-conditional parts of attribute transfer: the decoder conditioned on a label, and the code classifier."""

import keras
from keras import ops

from tfarae.models.decoder import Decoder, SentenceReconstruction
from tfarae.models.mlp import _dense

CONDITIONINGS = ("per_class", "embedding")


class _RowsOfEachClass(SentenceReconstruction):
    """The decoder interface (`__call__`, `logits`, `initial_state`, `step`) over per-class decoders, row by row.

    Every decoder runs on every row and each row keeps its own label's output: K times the work
    of one decoder, paid only where labels vary within a batch (transfer to mixed targets,
    evaluation); training decodes one class per batch.
    """

    def __init__(self, decoders, labels):
        self.decoders = decoders
        self.choice = ops.one_hot(labels, len(decoders), dtype="float32")  # [B, K]

    def _select(self, outputs):
        """Returns row b of `outputs[labels[b]]` for a list of K float32 tensors `[B, ...]`."""
        stacked = ops.stack(outputs, axis=1)  # [B, K, ...]
        weights = ops.reshape(self.choice, (-1, len(outputs)) + (1,) * (len(stacked.shape) - 2))
        return ops.sum(stacked * weights, axis=1)

    def __call__(self, inputs, training=False):
        return self._select([decoder(inputs, training=training) for decoder in self.decoders])

    def logits(self, hidden):
        return self.decoders[0].logits(hidden)  # one output layer, shared

    def initial_state(self, codes):
        return tuple(decoder.initial_state(codes) for decoder in self.decoders)

    def step(self, token_ids, state):
        steps = [decoder.step(token_ids, s) for decoder, s in zip(self.decoders, state)]
        return self._select([logits for logits, _ in steps]), tuple(s for _, s in steps)


class _LabelEmbeddedCodes(SentenceReconstruction):
    """The decoder interface over one decoder whose code input is `[code ; label embedding]`, and its variables."""

    def __init__(self, decoder, label_embedding, labels):
        self.decoder = decoder
        self.label_embedding = label_embedding
        self.labels = labels

    @property
    def trainable_variables(self):
        return self.decoder.trainable_variables + self.label_embedding.trainable_variables

    def _codes(self, codes):
        embedded = ops.cast(self.label_embedding(ops.convert_to_tensor(self.labels, "int32")), codes.dtype)
        embedded = ops.broadcast_to(embedded, (ops.shape(codes)[0], ops.shape(embedded)[-1]))
        return ops.concatenate([codes, embedded], axis=-1)

    def __call__(self, inputs, training=False):
        input_ids, codes = inputs
        return self.decoder((input_ids, self._codes(codes)), training=training)

    def logits(self, hidden):
        return self.decoder.logits(hidden)

    def initial_state(self, codes):
        return self.decoder.initial_state(self._codes(codes))

    def step(self, token_ids, state):
        return self.decoder.step(token_ids, state)


@keras.saving.register_keras_serializable(package="tfarae")
class ConditionalDecoder(SentenceReconstruction, keras.Model):
    """A sentence decoder conditioned on a class label y (ARAE, Zhao et al. 2018, §5 transfer).

    Two conditionings:
    - `per_class`: one `Decoder` (embedding table and LSTM) per class, all sharing one softmax
      layer (the reference's two decoders);
    - `embedding`: one `Decoder` whose code input at every step is `[c ; e(y)]`, with `e` a learned
      label embedding of size `label_embedding_dim` (its size does not grow with the classes).

    `for_labels(y)` gives the decoder interface of `tfarae.models.Decoder` (`(input_ids, codes)`
    call → hidden `[B, T, H]`, `logits`, `initial_state`, `step`) for label `y`: a Python int (the
    whole batch) or int `[B]` (one per row). Called directly, without a label, it decodes in class 0
    (`label_names[0]`): what the unconditional parts of tfarae (samples, `reconstruct`,
    `generate`) see.

    Args:
        num_classes: K.
        vocab_size, embedding_dim, hidden_dim, code_dim, init_scale, output_dtype: as `Decoder`.
        conditioning: `per_class` or `embedding`.
        label_embedding_dim: A, for `embedding`.
        **kwargs: `keras.Model` arguments (`dtype` is every decoder's).
    """

    def __init__(self, num_classes, vocab_size, embedding_dim, hidden_dim, code_dim, conditioning="per_class",
                 label_embedding_dim=16, init_scale=0.1, output_dtype="float32", **kwargs):
        super().__init__(**kwargs)
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"conditioning must be one of {CONDITIONINGS}, got {conditioning!r}")
        self.num_classes = num_classes
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.code_dim = code_dim
        self.conditioning = conditioning
        self.label_embedding_dim = label_embedding_dim
        self.init_scale = init_scale
        self.output_dtype = output_dtype
        shared = dict(init_scale=init_scale, output_dtype=output_dtype, dtype=self.dtype_policy)
        if conditioning == "per_class":
            first = Decoder(vocab_size, embedding_dim, hidden_dim, code_dim, name="decoder_0", **shared)
            self.decoders = [first] + [
                Decoder(vocab_size, embedding_dim, hidden_dim, code_dim, output_layer=first.output_layer,
                        name=f"decoder_{k}", **shared) for k in range(1, num_classes)]
        else:
            self.decoders = [Decoder(vocab_size, embedding_dim, hidden_dim, code_dim + label_embedding_dim,
                                     name="decoder", **shared)]
            self.label_embedding = keras.layers.Embedding(
                num_classes, label_embedding_dim, dtype=self.dtype_policy,
                embeddings_initializer=keras.initializers.RandomUniform(-init_scale, init_scale))

    def build(self, input_shape):
        ids_shape, _ = input_shape
        for decoder in self.decoders:
            decoder.build((ids_shape, (None, decoder.code_dim)))
        if self.conditioning == "embedding":
            self.label_embedding.build((None,))

    def for_labels(self, labels):
        """Returns the decoder interface for label(s) `labels` (a Python int, or int `[B]`)."""
        if self.conditioning == "embedding":
            return _LabelEmbeddedCodes(self.decoders[0], self.label_embedding, labels)
        if isinstance(labels, int):
            return self.decoders[labels]
        return _RowsOfEachClass(self.decoders, labels)

    def call(self, inputs, training=False):
        return self.for_labels(0)(inputs, training=training)

    def logits(self, hidden):
        return self.decoders[0].logits(hidden)

    def initial_state(self, codes):
        return self.for_labels(0).initial_state(codes)

    def step(self, token_ids, state):
        return self.for_labels(0).step(token_ids, state)

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "code_dim": self.code_dim,
            "conditioning": self.conditioning,
            "label_embedding_dim": self.label_embedding_dim,
            "init_scale": self.init_scale,
            "output_dtype": self.output_dtype,
        }


@keras.saving.register_keras_serializable(package="tfarae")
class CodeClassifier(keras.Model):
    """`p(y | c)`: an MLP from codes to class logits (Dense → ReLU per hidden width → Dense to K).

    The reference puts BatchNorm after the first layer; this one has none (as tfarae's critic), so
    its statistics never depend on how a batch is split across replicas.

    Args:
        code_dim: C.
        hidden_units: list of widths.
        num_classes: K.
        **kwargs: `keras.Model` arguments; `dtype` (a dtype policy) is also every layer's.

    Call: float `[B, C]` → float32 logits `[B, K]`.
    """

    def __init__(self, code_dim, hidden_units, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.code_dim = code_dim
        self.hidden_units = list(hidden_units)
        self.num_classes = num_classes
        policy = dict(dtype=self.dtype_policy)
        self.body = keras.Sequential([_dense(width, activation="relu", **policy) for width in self.hidden_units]
                                     + [_dense(num_classes, **policy)])

    def call(self, codes, training=False):
        return ops.cast(self.body(codes, training=training), "float32")

    def get_config(self):
        return {
            **super().get_config(),
            "code_dim": self.code_dim,
            "hidden_units": self.hidden_units,
            "num_classes": self.num_classes,
        }
