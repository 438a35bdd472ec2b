"""The sentence encoder: embedding → LSTM → last hidden state → code head.

The head is chosen by the trainer (`head`), so one encoder serves the whole family (ARAE.md §6):
  unit_sphere  the last hidden state, L2-normalised in float32 (ARAE, AE, DAE; the default)
  linear       Dense(H → C) on the last hidden state, unbounded codes (WAE)
  gaussian     Dense(H → 2C) read as the posterior mean and log-variance (VAE)
  categorical  Dense(H → C), a softmax over the first K (`categories`), the rest linear (the AAE's
               categorical prior: a class `y` and a style `z`, Makhzani et al. 2016, §5)
Calling the encoder returns codes `[B, C]` for every head (for `gaussian` the posterior mean,
which reconstruction, evaluation and export use); `posterior()` returns both moments.
"""

import keras
from keras import ops

from tfarae.data.tokenizer import PAD_ID
from tfarae.layers import ProjectedLSTM
from tfarae.models.image_encoder import categorical_codes, check_head


@keras.saving.register_keras_serializable(package="tfarae")
class Encoder(keras.Model):
    """Maps token ids to codes (ARAE, Zhao et al. 2018, §4; the heads of the family, see the module docstring).

    Args:
        vocab_size: V.
        embedding_dim: E.
        hidden_dim: H, also the code size C.
        init_scale: uniform(-s, s) initialisation of the embedding, the LSTM and the head's Dense.
        head: `unit_sphere` (no weights of its own: the layout of runs made before heads existed),
            `linear`, `gaussian` or `categorical`.
        categories: K of the `categorical` head (0 < K < H); unused by the others.
        **kwargs: `keras.Model` arguments; `dtype` (a dtype policy) is also the embedding's, the
            LSTM's and the head's, and codes are float32.

    Call: int `[B, T]` (`words + <eos>`, `<pad>`-padded) → float32 codes `[B, H]` (unit L2 norm for
    `unit_sphere`, the posterior mean for `gaussian`, a probability vector in the first K dimensions
    for `categorical`). A sentence ends at its first `<pad>`: tokens after it do not change the code.
    """

    def __init__(self, vocab_size, embedding_dim, hidden_dim, init_scale=0.1, head="unit_sphere", categories=0,
                 **kwargs):
        super().__init__(**kwargs)
        check_head(head, hidden_dim, categories)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.init_scale = init_scale
        self.head = head
        self.categories = categories
        initializer = keras.initializers.RandomUniform(-init_scale, init_scale)
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim, embeddings_initializer=initializer,
                                                dtype=self.dtype_policy)
        self.lstm = ProjectedLSTM(hidden_dim, embedding_dim, init_scale=init_scale, dtype=self.dtype_policy)
        if head == "unit_sphere":
            # The norm (a sum over H) in float32, which is also the code's dtype.
            self.normalize = keras.layers.UnitNormalization(dtype="float32")
        else:
            width = 2 * hidden_dim if head == "gaussian" else hidden_dim
            self.code_layer = keras.layers.Dense(
                width, kernel_initializer=keras.initializers.RandomUniform(-init_scale, init_scale),
                dtype=self.dtype_policy)

    @property
    def code_dim(self):
        return self.hidden_dim

    def _last_hidden(self, token_ids):
        """Returns the LSTM's hidden state `[B, H]` at each sentence's last token (before its first `<pad>`)."""
        # An all-padding row (possible through `encode_ids`) reads position 0 instead of position -1.
        before_padding = ops.cumprod(ops.cast(ops.not_equal(token_ids, PAD_ID), "int32"), axis=1)
        lengths = ops.maximum(ops.sum(before_padding, axis=1), 1)
        hidden = self.lstm(self.lstm.project(self.embedding(token_ids)))
        last = ops.take_along_axis(hidden, ops.expand_dims(ops.expand_dims(lengths - 1, 1), 2), axis=1)
        return ops.squeeze(last, 1)

    def _head_outputs(self, token_ids):
        """Returns the Dense head's float32 outputs `[B, C]` (linear, categorical) or `[B, 2C]` (gaussian)."""
        return ops.cast(self.code_layer(self._last_hidden(token_ids)), "float32")

    def call(self, token_ids):
        if self.head == "unit_sphere":
            return self.normalize(self._last_hidden(token_ids))
        if self.head == "categorical":
            return categorical_codes(self._head_outputs(token_ids), self.categories)
        return self._head_outputs(token_ids)[:, : self.hidden_dim]

    def posterior(self, token_ids, training=False):
        """Returns the Gaussian posterior `(mean [B, C], log_variance [B, C])`, float32, of the `gaussian` head.

        The VAE's training step uses this (Kingma & Welling 2014); `call` returns the mean alone.
        `training` is accepted for the image encoders' interface (this encoder has no layer that uses it).
        """
        if self.head != "gaussian":
            raise ValueError(f"posterior() needs head='gaussian', this encoder's head is {self.head!r}")
        moments = self._head_outputs(token_ids)
        return moments[:, : self.hidden_dim], moments[:, self.hidden_dim :]

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "init_scale": self.init_scale,
            "head": self.head,
            "categories": self.categories,
        }
