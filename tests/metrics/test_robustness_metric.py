"""Word-swap robustness: k = 0 is the reconstruction NLL; swaps permute words and keep <eos> last."""

import numpy as np
import pytest
import tensorflow as tf

from tfarae.data.grammar import generate
from tfarae.metrics.robustness import swap_adjacent, swap_examples, swap_robustness, swappable


def test_swaps_permute_words_only():
    ids = np.array([[5, 6, 7, 8, 2, 0, 0], [9, 2, 0, 0, 0, 0, 0]])
    swapped = swap_adjacent(ids, 3, np.random.default_rng(0))
    assert sorted(swapped[0, :4]) == [5, 6, 7, 8] and (swapped[0, 4:] == ids[0, 4:]).all()
    assert (swapped[1] == ids[1]).all()  # one word: nothing to swap
    assert (swap_adjacent(ids, 0, np.random.default_rng(0)) == ids).all()
    assert (swap_adjacent(ids, 1, np.random.default_rng(0))[0] != ids[0]).sum() == 2


def test_zero_swaps_equal_reconstruction_nll(tiny_run_dir):
    from tfarae.run_dir import load_trainer

    _, tokenizer, trainer = load_trainer(tiny_run_dir)
    ids = tokenizer(tf.constant(generate(40, seed=9))).numpy()
    result = swap_robustness(trainer, ids, max_swaps=2, seed=1, batch_size=16)
    loss, token_losses, _, mask = trainer.reconstruction(tf.constant(ids), trainer.encoder(tf.constant(ids)))
    per_sentence = float(tf.reduce_mean(tf.reduce_sum(token_losses * mask, axis=1)))
    assert result["num_sentences"] == 40
    assert result["per_sentence"][0] == pytest.approx(per_sentence, rel=1e-5)
    assert result["per_token"][0] == pytest.approx(float(loss), rel=1e-5)
    assert len(result["per_sentence"]) == 3
    rows = swap_examples(trainer, tokenizer, ids, result["corrupted"], num=2)
    assert [r["k"] for r in rows] == [0, 0, 1, 1, 2, 2]
    assert rows[0]["original"] == rows[0]["corrupted"]


def test_no_sentence_of_two_words_gives_no_figures():
    ids = np.array([[5, 2, 0], [9, 2, 0], [0, 0, 0]])  # one-word sentences and an empty row
    assert len(swappable(ids)) == 0
    result = swap_robustness(None, ids, max_swaps=2)  # nothing to score: the trainer is never called
    assert result == {"per_sentence": None, "per_token": None, "corrupted": [], "num_sentences": 0}
