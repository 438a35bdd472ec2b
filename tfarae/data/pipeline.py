"""tf.data input: sentences are tokenized once with the model's tokenizer, then shuffled and batched.

Batches are dicts:
  token_ids        int32 [B, T]            the autoencoder batch (`T = maxlen + 1`)
  fresh_token_ids  int32 [B, k, T]         k further real batches per step (critic and encoder
                                           adversary steps each see a fresh one, as the reference);
                                           batch-major so tf.distribute splits it like the rest
  class_token_ids  int32 [B, K, T]         for class-conditional trainers, instead of `token_ids`:
                                           one batch of each of the K classes (each class drawn
                                           on its own, so a rare class is seen as often as the others)
  label            int32 [B]               validation batches of a labelled corpus
"""

import dataclasses
from typing import Optional

import numpy as np
import tensorflow as tf


@dataclasses.dataclass
class EncodedSentences:
    """Token ids of the sentences that fit `maxlen`, with the raw kept sentences."""

    token_ids: np.ndarray  # int32 [N, T]
    sentences: list[str]
    num_dropped: int  # sentences longer than maxlen (or empty) that were left out
    labels: Optional[np.ndarray] = None  # int32 [N], the kept sentences' labels (labelled corpora)


def encode_sentences(tokenizer, sentences, labels=None, chunk=65536):
    """Tokenizes `sentences`, dropping those with no words or more than `tokenizer.maxlen` words.

    Args:
        labels: optional int per sentence, kept for the kept sentences.

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
        labels=None if labels is None else np.asarray(labels, np.int32)[keep],
    )


def sentences_as_seen(tokenizer, token_ids):
    """Returns the sentences of token ids `[N, T]` as the model sees them (normalised, OOV as `<unk>`): a list of str."""
    if not len(token_ids):
        return []
    return [s.decode("utf-8") for s in tokenizer.detokenize(tf.constant(token_ids)).numpy()]


def _examples(encoded):
    examples = {"token_ids": encoded.token_ids}
    if encoded.labels is not None:
        examples["label"] = encoded.labels
    return tf.data.Dataset.from_tensor_slices(examples)


def _class_batches(encoded, num_classes, batch_size, shuffle_buffer, seed):
    """Returns one epoch (`N // (B K)` steps) of `{"class_token_ids": [B, K, T]}`, each class shuffled and repeated."""
    streams = []
    for k in range(num_classes):
        ids = encoded.token_ids[encoded.labels == k]
        if len(ids) < batch_size:
            raise ValueError(f"only {len(ids)} training sentences of class {k}, fewer than one batch of {batch_size}")
        streams.append(tf.data.Dataset.from_tensor_slices(ids).repeat()
                       .shuffle(shuffle_buffer, seed=seed + 7919 * k).batch(batch_size, drop_remainder=True))
    steps = len(encoded.token_ids) // (batch_size * num_classes)
    return tf.data.Dataset.zip(*streams).map(lambda *ids: {"class_token_ids": tf.stack(ids, axis=1)}).take(steps)


def train_dataset(encoded, batch_size, fresh_batches, shuffle_buffer, seed, num_classes=0):
    """Returns the training `tf.data.Dataset`: one epoch of shuffled global batches (remainder dropped).

    Args:
        encoded: `EncodedSentences` of the training data.
        batch_size: global batch size.
        fresh_batches: k, the number of extra real batches each step gets (0 for none).
        shuffle_buffer: shuffle buffer size in sentences.
        seed: shuffling seed.
        num_classes: K > 0 gives `class_token_ids` batches of a labelled corpus instead of `token_ids`.
    """
    if len(encoded.token_ids) < batch_size:
        raise ValueError(f"only {len(encoded.token_ids)} training sentences, fewer than one batch of {batch_size}")
    if num_classes:
        dataset = _class_batches(encoded, num_classes, batch_size, shuffle_buffer, seed)
    else:
        dataset = tf.data.Dataset.from_tensor_slices({"token_ids": encoded.token_ids})
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
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
    """Returns the validation `tf.data.Dataset`, in order, last partial batch kept (with `label` when labelled)."""
    return _examples(encoded).batch(batch_size).prefetch(tf.data.AUTOTUNE)
