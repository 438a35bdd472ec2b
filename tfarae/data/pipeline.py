"""tf.data input: sentences are tokenized once with the model's tokenizer, then shuffled and batched.

Batches are dicts:
  token_ids        int32 [B, T]            the autoencoder batch (`T = maxlen + 1`)
  fresh_token_ids  int32 [B, k, T]         k further real batches per step (critic and encoder
                                           adversary steps each see a fresh one, as the reference);
                                           batch-major so tf.distribute splits it like the rest
"""

import dataclasses

import numpy as np
import tensorflow as tf


@dataclasses.dataclass
class EncodedSentences:
    """Token ids of the sentences that fit `maxlen`, with the raw kept sentences."""

    token_ids: np.ndarray  # int32 [N, T]
    sentences: list[str]
    num_dropped: int  # sentences longer than maxlen (or empty) that were left out


def encode_sentences(tokenizer, sentences, chunk=65536):
    """Tokenizes `sentences`, dropping those with no words or more than `tokenizer.maxlen` words.

    Returns:
        `EncodedSentences`.
    """
    ids, lengths = [], []
    for start in range(0, len(sentences), chunk):
        part = sentences[start : start + chunk]
        lengths.append(tokenizer.split(part).row_lengths().numpy())
        ids.append(tokenizer(tf.constant(part)).numpy())
    lengths = np.concatenate(lengths) if lengths else np.zeros([0], np.int64)
    token_ids = np.concatenate(ids) if ids else np.zeros([0, tokenizer.sequence_length], np.int32)
    keep = (lengths > 0) & (lengths <= tokenizer.maxlen)
    return EncodedSentences(
        token_ids=token_ids[keep],
        sentences=[s for s, k in zip(sentences, keep) if k],
        num_dropped=int((~keep).sum()),
    )


def sentences_as_seen(tokenizer, token_ids):
    """Returns the sentences of token ids `[N, T]` as the model sees them (normalised, OOV as `<unk>`): a list of str."""
    if not len(token_ids):
        return []
    return [s.decode("utf-8") for s in tokenizer.detokenize(tf.constant(token_ids)).numpy()]


def _examples(encoded):
    return tf.data.Dataset.from_tensor_slices({"token_ids": encoded.token_ids})


def train_dataset(encoded, batch_size, fresh_batches, shuffle_buffer, seed):
    """Returns the training `tf.data.Dataset`: one epoch of shuffled global batches (remainder dropped).

    Args:
        encoded: `EncodedSentences` of the training data.
        batch_size: global batch size.
        fresh_batches: k, the number of extra real batches each step gets (0 for none).
        shuffle_buffer: shuffle buffer size in sentences.
        seed: shuffling seed.
    """
    if len(encoded.token_ids) < batch_size:
        raise ValueError(f"only {len(encoded.token_ids)} training sentences, fewer than one batch of {batch_size}")
    dataset = _examples(encoded).shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if fresh_batches:
        length = encoded.token_ids.shape[1]
        fresh = (
            tf.data.Dataset.from_tensor_slices(encoded.token_ids)
            .repeat()
            .shuffle(shuffle_buffer, seed=seed + 1)
            .batch(batch_size * fresh_batches, drop_remainder=True)
            .map(lambda ids: tf.reshape(ids, [batch_size, fresh_batches, length]))
        )
        dataset = tf.data.Dataset.zip(dataset, fresh).map(lambda batch, ids: {**batch, "fresh_token_ids": ids})
    return dataset.prefetch(tf.data.AUTOTUNE)


def eval_dataset(encoded, batch_size):
    """Returns the validation `tf.data.Dataset`, in order, last partial batch kept."""
    return _examples(encoded).batch(batch_size).prefetch(tf.data.AUTOTUNE)
