"""The sentence encoder: embedding → LSTM → last hidden state, L2-normalised onto the unit sphere."""

import keras
from keras import ops

from tfarae.data.tokenizer import PAD_ID
from tfarae.layers import ProjectedLSTM


@keras.saving.register_keras_serializable(package="tfarae")
class Encoder(keras.Model):
    """Maps token ids to unit-norm codes (ARAE, Zhao et al. 2018, §4).

    Args:
        vocab_size: V.
        embedding_dim: E.
        hidden_dim: H, also the code size C.
        init_scale: uniform(-s, s) initialisation of the embedding and LSTM.
        **kwargs: `keras.Model` arguments; `dtype` (a dtype policy) is also the embedding's and
            the LSTM's, and the normalisation runs in float32.

    Call: int `[B, T]` (`words + <eos>`, `<pad>`-padded) → float32 `[B, H]` with unit L2 norm. A
    sentence ends at its first `<pad>`: tokens after it do not change the code.
    """

    def __init__(self, vocab_size, embedding_dim, hidden_dim, init_scale=0.1, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.init_scale = init_scale
        initializer = keras.initializers.RandomUniform(-init_scale, init_scale)
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim, embeddings_initializer=initializer,
                                                dtype=self.dtype_policy)
        self.lstm = ProjectedLSTM(hidden_dim, embedding_dim, init_scale=init_scale, dtype=self.dtype_policy)
        # The norm (a sum over H) in float32, which is also the code's dtype.
        self.normalize = keras.layers.UnitNormalization(dtype="float32")

    @property
    def code_dim(self):
        return self.hidden_dim

    def call(self, token_ids):
        # Length = tokens before the first <pad>. An all-padding row (possible through `encode_ids`)
        # reads position 0 instead of position -1.
        before_padding = ops.cumprod(ops.cast(ops.not_equal(token_ids, PAD_ID), "int32"), axis=1)
        lengths = ops.maximum(ops.sum(before_padding, axis=1), 1)
        hidden = self.lstm(self.lstm.project(self.embedding(token_ids)))
        last = ops.take_along_axis(hidden, ops.expand_dims(ops.expand_dims(lengths - 1, 1), 2), axis=1)
        return self.normalize(ops.squeeze(last, 1))

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "init_scale": self.init_scale,
        }
