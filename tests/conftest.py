"""Shared fixtures: fixed seeds, the tiny config, one trained tiny run shared by the whole session."""

import os

import keras
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def fixed_seed():
    keras.utils.set_random_seed(0)


@pytest.fixture
def tiny_config():
    """Returns a fresh validated `Config` of `configs/tiny.yaml`."""
    from tfarae.config import load_config

    return load_config("tiny")


@pytest.fixture(scope="session")
def tiny_run_dir(tmp_path_factory):
    """Returns the directory of one ARAE run of `tiny.yaml` (trained once per test session; treat as read-only)."""
    from tfarae.config import load_config
    from tfarae.run import run

    run_dir = str(tmp_path_factory.mktemp("tiny_run"))
    run(load_config("tiny", ["train.epochs=2", "train.steps_per_epoch=8"]), run_dir, verbose=0)
    return run_dir


@pytest.fixture(scope="session")
def corpus():
    """Returns `(tokenizer, EncodedSentences)` of 256 embedded-grammar sentences (vocabulary 100, maxlen 15)."""
    from tfarae.data import grammar
    from tfarae.data.pipeline import encode_sentences
    from tfarae.data.tokenizer import SentenceTokenizer, split_words
    from tfarae.data.vocab import build_vocabulary

    sentences = grammar.generate(256, seed=3)
    tokenizer = SentenceTokenizer(build_vocabulary(split_words(sentences), 100), maxlen=15)
    return tokenizer, encode_sentences(tokenizer, sentences)


@pytest.fixture(scope="session")
def transfer_run_dir(tmp_path_factory):
    """Returns the directory of one sentiment-transfer run of `tiny.yaml` (trained once per session; read-only)."""
    from tfarae.config import load_config
    from tfarae.run import run

    run_dir = str(tmp_path_factory.mktemp("transfer_run"))
    overrides = ["train.trainer=transfer", "data.grammar_attribute=sentiment", "train.epochs=1",
                 "train.steps_per_epoch=4"]
    run(load_config("tiny", overrides), run_dir, verbose=0)
    return run_dir


def _write_pairs(prefix, count, seed):
    """Writes `count` same/different grammar pairs to `prefix.{premise,hypothesis,label}`."""
    import random

    from tfarae.data import grammar

    rng = random.Random(seed)
    sentences = grammar.generate(2 * count, seed=seed)
    rows = []
    for i in range(count):
        same = rng.random() < 0.5
        rows.append((sentences[i], sentences[i] if same else sentences[count + i], "same" if same else "different"))
    for part, column in zip(("premise", "hypothesis", "label"), zip(*rows)):
        (prefix.parent / f"{prefix.name}.{part}").write_text("\n".join(column) + "\n")


@pytest.fixture(scope="session")
def pairs_dir(tmp_path_factory):
    """Returns a directory of sentence pairs, `dev.*` (400) and `test.*` (200), labelled `same` when the
    hypothesis repeats the premise and `different` otherwise (embedded-grammar sentences; read-only)."""
    folder = tmp_path_factory.mktemp("pairs")
    _write_pairs(folder / "dev", 400, seed=11)
    _write_pairs(folder / "test", 200, seed=12)
    return folder
