"""Input noise of the text-autoencoder literature, on `token_ids [B, T]` (`words + <eos>`, then `<pad>`).

Each function takes its random draws as arguments (one uniform per position, `[B, T]` in [0, 1)),
so the trainer draws them from its `SeedGenerator` (and per replica, `replica_rows`) and the
tests can hand-pick them. Only words are touched: `<pad>`, `<bos>` and `<eos>` stay where they
are (`<unk>` counts as a word), and every result is well-formed again.
- `shuffle_words`: each word moves at most k positions (Lample et al. 2018, §2.3);
- `drop_words`: removes each word with probability p, closing the gap (Lample et al. 2018);
- `blank_words`: replaces each word by `<unk>` with probability p (Bowman et al. 2016's word
  dropout on the decoder input; the blank noising of Xie et al. 2017);
- `substitute_words`: replaces each word by a given random word with probability p.
"""

import tensorflow as tf
from keras import ops

from tfarae.data.tokenizer import BOS_ID, EOS_ID, PAD_ID, UNK_ID


def is_word(token_ids):
    """Returns bool `[B, T]`: True at words (every id but `<pad>`, `<bos>` and `<eos>`)."""
    return ops.logical_and(ops.logical_and(ops.not_equal(token_ids, PAD_ID), ops.not_equal(token_ids, BOS_ID)),
                           ops.not_equal(token_ids, EOS_ID))


def shuffle_words(token_ids, uniform, k):
    """Returns `token_ids` with each sentence's words permuted, none moving more than `k` positions.

    The words are sorted by `position + (k + 1) · u` (Lample et al. 2018): a word passes a later
    one only when that one is less than `k + 1` positions ahead. `<eos>` and padding keep their place.

    Args:
        token_ids: int `[B, T]`.
        uniform: float `[B, T]` in [0, 1).
        k: the largest move (0: the identity).
    """
    positions = ops.cast(ops.arange(ops.shape(token_ids)[1]), "float32")[None, :]
    keys = positions + ops.where(is_word(token_ids), (k + 1.0) * uniform, k + 1.0)  # non-words after every word
    return ops.take_along_axis(token_ids, tf.argsort(keys, axis=1, stable=True), axis=1)


def drop_words(token_ids, uniform, rate):
    """Returns `token_ids` without the words whose draw is below `rate`; the rest move left, `<pad>` fills the end.

    Args:
        token_ids: int `[B, T]`.
        uniform: float `[B, T]` in [0, 1).
        rate: the probability of removing a word (0: the identity).
    """
    dropped = ops.logical_and(is_word(token_ids), uniform < rate)
    order = tf.argsort(ops.cast(dropped, "int32"), axis=1, stable=True)  # kept tokens first, in their order
    moved = ops.take_along_axis(token_ids, order, axis=1)
    return ops.where(ops.take_along_axis(dropped, order, axis=1), PAD_ID, moved)


def substitute_words(token_ids, uniform, rate, replacements):
    """Returns `token_ids` with the words whose draw is below `rate` replaced by `replacements [B, T]`."""
    return ops.where(ops.logical_and(is_word(token_ids), uniform < rate), replacements, token_ids)


def blank_words(token_ids, uniform, rate):
    """Returns `token_ids` with the words whose draw is below `rate` replaced by `<unk>`."""
    return substitute_words(token_ids, uniform, rate, ops.full_like(token_ids, UNK_ID))
