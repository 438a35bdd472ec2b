"""Robustness to word swaps (ARAE thesis Table 4.1): NLL of a sentence decoded from a corrupted copy's code.

For each k, every sentence (of at least two words) is corrupted by k successive random adjacent
transpositions of its words (`<eos>` stays last; a later swap may undo an earlier one, as in the
reference). The corrupted copy is encoded, and the *original* sentence is scored teacher-forced by
the decoder from that code. At k = 0 this is exactly the reconstruction NLL.
"""

import os

import numpy as np
import tensorflow as tf

from tfarae.data.tokenizer import PAD_ID
from tfarae.decoding import decode


def swap_adjacent(token_ids, k, rng):
    """Returns a copy of `token_ids [N, T]` with k random adjacent word swaps per sentence.

    Args:
        token_ids: int `[N, T]`, `words + <eos>` then `<pad>`; sentences need at least two words.
        k: number of swaps.
        rng: a `numpy.random.Generator`.
    """
    corrupted = np.array(token_ids, copy=True)
    num_words = (corrupted != PAD_ID).sum(axis=1) - 1  # without <eos>
    for row, n in enumerate(num_words):
        for _ in range(k if n >= 2 else 0):
            i = rng.integers(0, n - 1)
            corrupted[row, i], corrupted[row, i + 1] = corrupted[row, i + 1], corrupted[row, i]
    return corrupted


def swappable(token_ids):
    """Returns the rows of `token_ids [N, T]` with at least two words (one word cannot be swapped)."""
    token_ids = np.asarray(token_ids)
    return token_ids[(token_ids != PAD_ID).sum(axis=1) >= 3]


def swap_robustness(trainer, token_ids, max_swaps=4, seed=0, batch_size=500):
    """Returns the NLL of the original sentences decoded from codes of k-swapped copies, k = 0..max_swaps.

    Args:
        trainer: an `AutoencoderTrainer` (any of the family).
        token_ids: int `[N, T]`; sentences with fewer than two words are left out.
        max_swaps: largest k.
        seed: seed of the swap positions.

    Returns:
        dict with lists indexed by k: `per_sentence` (mean over sentences of the summed NLL, nats,
        of words + `<eos>`), `per_token` (total NLL / total tokens), and `corrupted` (the corrupted
        token ids `[N', T]` for each k); plus `num_sentences` N'. When N' is 0 there is nothing to
        score: `per_sentence` and `per_token` are None and `corrupted` is empty.
    """
    token_ids = swappable(token_ids)
    if not len(token_ids):
        return {"per_sentence": None, "per_token": None, "corrupted": [], "num_sentences": 0}
    rng = np.random.default_rng(seed)
    step = tf.function(lambda original, corrupted: trainer.reconstruction(original, trainer.encoder(corrupted)),
                       reduce_retracing=True)
    result = {"per_sentence": [], "per_token": [], "corrupted": [], "num_sentences": len(token_ids)}
    for k in range(max_swaps + 1):
        corrupted = swap_adjacent(token_ids, k, rng)
        total, tokens = 0.0, 0.0
        for start in range(0, len(token_ids), batch_size):
            _, token_losses, _, mask = step(tf.constant(token_ids[start : start + batch_size]),
                                            tf.constant(corrupted[start : start + batch_size]))
            total += float(tf.reduce_sum(token_losses * mask))
            tokens += float(tf.reduce_sum(mask))
        result["per_sentence"].append(total / len(token_ids))
        result["per_token"].append(total / tokens)
        result["corrupted"].append(corrupted)
    return result


def swap_examples(trainer, tokenizer, token_ids, corrupted_by_k, num=3):
    """Returns example rows `{"k", "original", "corrupted", "decoded"}` for the first `num` sentences at each k.

    `decoded` is the greedy decoding of the corrupted copy's code.
    """
    strings = lambda ids: [s.decode("utf-8") for s in tokenizer.detokenize(tf.constant(ids)).numpy()]  # noqa: E731
    token_ids = swappable(token_ids)[:num]
    corrupted = np.concatenate([c[:num] for c in corrupted_by_k])
    decoded = strings(decode(trainer.decoder, trainer.encoder(tf.constant(corrupted)), corrupted.shape[1]))
    originals, corrupted = strings(token_ids), strings(corrupted)
    return [{"k": i // len(token_ids), "original": originals[i % len(token_ids)], "corrupted": corrupted[i],
             "decoded": decoded[i]} for i in range(len(corrupted))]


NO_SWAP_SENTENCES = "no held-out sentence has two or more words"


def robustness_suite(trainer, tokenizer, valid, eval_dir, max_eval_sentences=2000, seed=0, title=""):
    """The robustness suite of `python -m tfarae.evaluate`: NLL of originals decoded from k-swapped copies, k = 0..4.

    Args:
        valid: the held-out split (`tfarae.evaluate._Split`); its first `max_eval_sentences` are used.
        eval_dir: where `swap_nll.png` goes.

    Returns:
        `(figures, details)`. With no held-out sentence of two or more words there is nothing to
        score: `swap_nll` and `swap_nll_per_token` are None, `swap_note` says why, and no examples
        or plot are made.
    """
    from tfarae.metrics.plots import plot_swap_nll

    ids = valid.token_ids[:max_eval_sentences]
    result = swap_robustness(trainer, ids, max_swaps=4, seed=seed)
    figures = {"swap_nll": result["per_sentence"], "swap_nll_per_token": result["per_token"],
               "swap_sentences": result["num_sentences"]}
    if not result["num_sentences"]:
        return {**figures, "swap_note": NO_SWAP_SENTENCES}, {}
    plot_swap_nll(result["per_sentence"], os.path.join(eval_dir, "swap_nll.png"), title=title)
    return figures, {"swap_examples": swap_examples(trainer, tokenizer, ids, result["corrupted"])}
