"""Ancestral sampling from the LSTM language model: the thesis's "LM samples" row (Table 4.5).

Each sentence starts from `<bos>`; every next token is drawn from the LM's softmax at
`temperature` (1: the model's own distribution), one LSTM-cell step at a time, until `<eos>`.
`<pad>` and `<bos>` are never drawn (they are never training targets); `<unk>` can be, as in any
sample of the model, and is written as `<unk>`. A sentence that reaches `max_words` words is cut
there (its `<eos>` forced), as the autoencoders' decoded samples are at `maxlen`.
"""

import numpy as np
import tensorflow as tf

from tfarae.data.tokenizer import BOS_ID, EOS_ID, PAD_ID


def _sampler(model):
    """Returns a `tf.function` `(num, max_words, seed [2], temperature) → ids [num, max_words + 1]` over `model`."""
    cell, vocab_size = model.lstm.cell, model.vocab_size
    never = np.zeros([vocab_size], np.float32)
    never[[PAD_ID, BOS_ID]] = -np.inf  # added to the logits: <pad> and <bos> are never drawn

    @tf.function(reduce_retracing=True)
    def sample(num, max_words, seed, temperature):
        state = [tf.zeros([num, model.hidden_dim]), tf.zeros([num, model.hidden_dim])]
        token = tf.fill([num], BOS_ID)
        done = tf.zeros([num], tf.bool)
        steps = tf.TensorArray(tf.int32, size=max_words + 1)
        for t in tf.range(max_words + 1):
            hidden, state = cell(model.embedding(token), state, training=False)
            logits = tf.cast(model.output_layer(hidden), tf.float32) / temperature + never
            drawn = tf.random.stateless_categorical(
                logits, 1, seed=tf.random.experimental.stateless_fold_in(seed, t), dtype=tf.int32)[:, 0]
            drawn = tf.where(t == max_words, EOS_ID, drawn)
            token = tf.where(done, PAD_ID, drawn)
            steps = steps.write(t, token)
            done = done | tf.equal(token, EOS_ID)
        return tf.transpose(steps.stack())

    return sample


def sample_token_ids(model, num, seed=0, temperature=1.0, max_words=50, batch_size=1000):
    """Returns `num` sampled sentences as token ids, int32 `[num, max_words + 1]`: words, `<eos>`, then `<pad>`.

    Args:
        model: a trained `tfarae.metrics.lm.LSTMLanguageModel`.
        num: number of sentences.
        seed: an int; the samples are a function of `(seed, batch_size)` and the weights.
        temperature: > 0; the logits are divided by it.
        max_words: the longest sentence, in words.
        batch_size: sentences drawn per call.
    """
    if temperature <= 0 or max_words <= 0:
        raise ValueError(f"temperature and max_words must be positive, got {temperature} and {max_words}")
    sample = _sampler(model)
    batches = []
    for index, start in enumerate(range(0, num, batch_size)):
        size = min(batch_size, num - start)
        batches.append(sample(tf.constant(size), tf.constant(max_words), tf.constant([seed, index], tf.int64),
                              tf.constant(temperature, tf.float32)).numpy())
    return np.concatenate(batches) if batches else np.zeros([0, max_words + 1], np.int32)


def sample_sentences(lm, num, seed=0, temperature=1.0, max_words=None, batch_size=1000):
    """Returns `num` sentences (list of str, words joined by spaces) sampled from the `LanguageModel` `lm`.

    `max_words` defaults to the LM recipe's `maxlen`; the other arguments are `sample_token_ids`'s.
    """
    max_words = max_words or lm.config.maxlen
    token_ids = sample_token_ids(lm.model, num, seed, temperature, max_words, batch_size)
    if not len(token_ids):
        return []
    return [s.decode("utf-8") for s in lm.tokenizer(max_words).detokenize(tf.constant(token_ids)).numpy()]
