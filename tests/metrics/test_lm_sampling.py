"""Ancestral sampling from the LSTM LM: seeded, ends at `<eos>`, follows the model, and the CLI."""

import dataclasses
import math

import numpy as np
import pytest

from tfarae import lm as lm_cli
from tfarae.data.tokenizer import BOS_ID, EOS_ID, PAD_ID
from tfarae.metrics.lm import recipe, train_language_model
from tfarae.metrics.lm_sampling import sample_sentences, sample_token_ids

CORPUS = ["the dog runs .", "a cat sleeps", "the dog sleeps ."]


@pytest.fixture(scope="module")
def small_lm():
    """An LM trained on three sentences (repeated): it puts almost all its mass on them."""
    config = dataclasses.replace(recipe("tiny"), epochs=25, learning_rate=3e-2, patience=25)
    return train_language_model(CORPUS * 100, config, valid_sentences=CORPUS)


def test_samples_are_seeded_and_well_formed(small_lm):
    ids = sample_token_ids(small_lm.model, 300, seed=4, max_words=6, batch_size=128)
    assert ids.shape == (300, 7) and ids.dtype == np.int32
    np.testing.assert_array_equal(ids, sample_token_ids(small_lm.model, 300, seed=4, max_words=6, batch_size=128))
    assert not np.array_equal(ids, sample_token_ids(small_lm.model, 300, seed=5, max_words=6, batch_size=128))
    for row in ids:
        end = list(row).index(EOS_ID)  # every row has its <eos> ...
        assert all(t not in (PAD_ID, BOS_ID, EOS_ID) for t in row[:end])  # ... after words only
        assert all(t == PAD_ID for t in row[end + 1 :])
    assert ids.max() < small_lm.vocab_size


def test_samples_follow_the_model(small_lm):
    samples = sample_sentences(small_lm, 600, seed=0)
    shares = {s: samples.count(s) / len(samples) for s in set(samples)}
    assert sum(shares.get(s, 0) for s in CORPUS) > 0.9, shares
    # "the dog" is followed by "runs" or "sleeps" about equally, "a" by "cat" only.
    assert 0.15 < shares.get("the dog runs .", 0) < 0.5 and 0.15 < shares.get("a cat sleeps", 0) < 0.5, shares
    # The sentence probabilities the LM gives match the samples' frequencies.
    nll, _ = small_lm.sentence_nll(CORPUS)
    for sentence, sentence_nll in zip(CORPUS, nll):
        assert abs(shares.get(sentence, 0) - math.exp(-sentence_nll)) < 0.07, (sentence, shares, math.exp(-sentence_nll))


def test_long_samples_are_cut_at_max_words_and_temperature_sharpens(small_lm):
    cut = sample_token_ids(small_lm.model, 200, seed=1, max_words=2)
    assert cut.shape == (200, 3) and np.all((cut == EOS_ID).sum(axis=1) == 1)
    hot = sample_sentences(small_lm, 400, seed=2, temperature=5.0)
    cold = sample_sentences(small_lm, 400, seed=2, temperature=0.2)
    assert len(set(hot)) > 3 * len(set(cold)), (len(set(hot)), len(set(cold)))
    with pytest.raises(ValueError, match="temperature and max_words must be positive"):
        sample_token_ids(small_lm.model, 2, temperature=0.0)


def test_cli_samples_from_a_saved_lm(small_lm, tmp_path, capsys):
    small_lm.save(str(tmp_path / "lm"))
    out = tmp_path / "samples.txt"
    lm_cli.main(["--load", str(tmp_path / "lm"), "--sample", "50", "--seed", "3", "--sample-output", str(out)])
    lines = out.read_text().splitlines()
    assert len(lines) == 50 and lines == sample_sentences(small_lm, 50, seed=3)
    capsys.readouterr()
    lm_cli.main(["--load", str(tmp_path / "lm"), "--sample", "5", "--seed", "3"])  # to standard output
    assert capsys.readouterr().out.splitlines() == sample_sentences(small_lm, 5, seed=3)
    with pytest.raises(SystemExit):
        lm_cli.main(["--load", str(tmp_path / "nothing"), "--sample", "5"])
    with pytest.raises(SystemExit):
        lm_cli.main(["--sample", "5"])
