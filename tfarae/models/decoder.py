"""The sentence decoder: an LSTM fed `[word embedding ; code]` at every step, then a softmax layer.

Every decoder owns its reconstruction loss (`reconstruction_terms`), which the trainers call: the
sentence decoders' teacher-forced cross-entropy here (`SentenceReconstruction`), the image
decoders' Bernoulli likelihood in `tfarae.models.image_decoder`.
"""

import keras
import tensorflow as tf
from keras import ops

from tfarae.data.tokenizer import BOS_ID, PAD_ID
from tfarae.layers import ProjectedLSTM
from tfarae.losses import token_cross_entropy

TOKEN_BUCKET = 64  # gathered token counts are rounded up to a multiple of this (one loss compilation each)


class SentenceReconstruction:
    """The reconstruction interface of every object with the decoder interface (`__call__((input_ids, codes))`, `logits`).

    The trainers use only this: `target_dtype`, `target_weights` and `reconstruction_terms`
    (`tfarae.trainers.AutoencoderTrainer.reconstruction`).
    """

    target_dtype = "int32"  # of the targets: token ids [B, T]

    def target_weights(self, token_ids):
        """Returns float32 `[B, T]`: 1 at real tokens (words and `<eos>`), 0 at padding."""
        return ops.cast(ops.not_equal(token_ids, PAD_ID), "float32")

    def reconstruction_terms(self, token_ids, codes, training=False, static_shapes=False):
        """Teacher-forced reconstruction of `token_ids [B, T]` from `codes [B, C]`, the decoder in `training` mode.

        Without `static_shapes` the softmax layer runs only on real tokens (gathered out of the
        padding, their count rounded up to a multiple of `TOKEN_BUCKET` so the fused loss compiles
        for few shapes), the largest saving in the step; with it (XLA) it runs on every position, masked.

        Returns:
            `(token_losses [B, T], correct [B, T], mask [B, T])`: the cross-entropy of each real
            token and 1.0 where its target is the argmax, both 0 at padding; `mask` is `target_weights`.
        """
        batch_size = ops.shape(token_ids)[0]
        input_ids = ops.concatenate([ops.full((batch_size, 1), BOS_ID, dtype="int32"), token_ids[:, :-1]], axis=1)
        hidden = self((input_ids, codes), training=training)
        real = ops.not_equal(token_ids, PAD_ID)
        mask = ops.cast(real, "float32")
        if static_shapes:
            losses, correct = token_cross_entropy(self.logits(hidden), token_ids)
        else:
            positions = tf.where(real)
            count = tf.shape(positions)[0]
            padded = tf.concat([positions, tf.repeat(positions[:1], -count % TOKEN_BUCKET, axis=0)], axis=0)
            losses, correct = token_cross_entropy(self.logits(tf.gather_nd(hidden, padded)),
                                                  tf.gather_nd(token_ids, padded))
            shape = tf.shape(token_ids, out_type=tf.int64)
            losses = tf.scatter_nd(positions, losses[:count], shape)
            correct = tf.scatter_nd(positions, correct[:count], shape)
        return losses * mask, correct * mask, mask


@keras.saving.register_keras_serializable(package="tfarae")
class Decoder(SentenceReconstruction, keras.Model):
    """Teacher-forced and step-by-step decoding of codes (ARAE, Zhao et al. 2018, §4).

    The code's share of the LSTM input projection is computed once per sentence and added at every
    step, which is exactly an LSTM whose input is the concatenation `[embedding ; code]`.

    Args:
        vocab_size: V.
        embedding_dim: E.
        hidden_dim: H.
        code_dim: C.
        init_scale: uniform(-s, s) initialisation of the embedding, LSTM and output layer.
        output_dtype: dtype policy of the output (softmax) layer, the largest matrix product:
            `float32`, or `mixed_bfloat16` (bfloat16 products, float32 weights; about 3x faster
            on CPUs with AVX512-BF16 and on recent GPUs). `logits()` always returns float32.
        output_layer: a `keras.layers.Dense(V)` to share with other decoders (the per-class
            decoders of `tfarae.models.ConditionalDecoder`); not part of `get_config`: whoever
            shares it rebuilds the sharing. None: the decoder makes its own.
        **kwargs: `keras.Model` arguments; `dtype` (a dtype policy) is also the embedding's and
            the LSTM's (not the output layer's: that is `output_dtype`).

    Call: `(input_ids int [B, T], codes float [B, C])` → float32 hidden states `[B, T, H]`; apply
    `logits()` to get `[..., V]`. The decoding state (`initial_state`, `step`) is in the compute dtype.
    """

    def __init__(self, vocab_size, embedding_dim, hidden_dim, code_dim, init_scale=0.1, output_dtype="float32",
                 output_layer=None, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.code_dim = code_dim
        self.init_scale = init_scale
        self.output_dtype = output_dtype
        # One initializer each: an initializer's seed is fixed when it is made, so a shared one gave
        # the embedding and the output kernel the same draw.
        self.embedding = keras.layers.Embedding(
            vocab_size, embedding_dim, embeddings_initializer=keras.initializers.RandomUniform(-init_scale, init_scale),
            dtype=self.dtype_policy)
        self.lstm = ProjectedLSTM(hidden_dim, embedding_dim + code_dim, init_scale=init_scale, dtype=self.dtype_policy)
        self.output_layer = output_layer or keras.layers.Dense(
            vocab_size, kernel_initializer=keras.initializers.RandomUniform(-init_scale, init_scale),
            bias_initializer="zeros", dtype=output_dtype)

    def build(self, input_shape):
        ids_shape, codes_shape = input_shape
        self.embedding.build(ids_shape)
        if not self.output_layer.built:
            self.output_layer.build((None, self.hidden_dim))

    def code_projection(self, codes):
        """Returns the code's (and bias's) share of every step's LSTM input projection, `[B, 4H]`."""
        return self.lstm.project(codes, kernel_rows=slice(self.embedding_dim, None))

    def word_projection(self, token_ids):
        """Returns the embedding's share of the LSTM input projection, `[..., 4H]` (no bias)."""
        return self.lstm.project(self.embedding(token_ids), kernel_rows=slice(None, self.embedding_dim), bias=False)

    def call(self, inputs):
        input_ids, codes = inputs
        projected = self.word_projection(input_ids) + ops.expand_dims(self.code_projection(codes), 1)
        return ops.cast(self.lstm(projected), "float32")

    def logits(self, hidden):
        """Returns unnormalised float32 scores `[..., V]` for hidden states `[..., H]`."""
        return ops.cast(self.output_layer(hidden), "float32")

    def initial_state(self, codes):
        """Returns the decoding state for `codes [B, C]`: `(h, c, code_projection)`."""
        h, c = self.lstm.initial_state(ops.shape(codes)[0])
        return h, c, self.code_projection(codes)

    def step(self, token_ids, state):
        """One decoding step (the cell function of the decoding loops and of export).

        Args:
            token_ids: int `[B]`, the previous tokens (`<bos>` first).
            state: from `initial_state` or the previous `step`.

        Returns:
            `(logits [B, V], new_state)`.
        """
        h, c, code_projection = state
        h, c = self.lstm.step(self.word_projection(token_ids) + code_projection, (h, c))
        return self.logits(h), (h, c, code_projection)

    def get_config(self):
        return {
            **super().get_config(),
            "vocab_size": self.vocab_size,
            "embedding_dim": self.embedding_dim,
            "hidden_dim": self.hidden_dim,
            "code_dim": self.code_dim,
            "init_scale": self.init_scale,
            "output_dtype": self.output_dtype,
        }
