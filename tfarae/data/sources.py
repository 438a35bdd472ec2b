"""Where sentences come from: the embedded grammar, text files, or TFDS (SNLI)."""

import dataclasses
from typing import Callable, Optional

from tfarae.data import grammar


@dataclasses.dataclass
class Corpus:
    """Raw training and validation sentences, optional integer labels, optional exact oracle."""

    train: list[str]
    valid: list[str]
    train_labels: Optional[list[int]] = None
    valid_labels: Optional[list[int]] = None
    oracle: Optional[Callable[[str], bool]] = None  # is_grammatical, for corpora that have one


def read_lines(paths, labels=()):
    """Returns (sentences, labels or None) from one-sentence-per-line files; blank lines skipped."""
    sentences, sentence_labels = [], []
    for i, path in enumerate(paths):
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = [line.strip() for line in f if line.strip()]
        sentences += lines
        if labels:
            sentence_labels += [labels[i]] * len(lines)
    return sentences, (sentence_labels or None)


def snli_sentences(split):
    """Returns premises and hypotheses of a TFDS `snli` split (downloads on first use)."""
    import tensorflow_datasets as tfds

    sentences = []
    for example in tfds.as_numpy(tfds.load("snli", split=split)):
        sentences += [example["premise"].decode("utf-8"), example["hypothesis"].decode("utf-8")]
    return sentences


def _read_corpus(data_config):
    """Returns the whole `Corpus` of `data_config.source`."""
    if data_config.source == "grammar":
        seed = data_config.grammar_seed
        return Corpus(
            train=grammar.generate(data_config.grammar_train_size, seed=seed),
            valid=grammar.generate(data_config.grammar_valid_size, seed=seed + 1_000_003),
            oracle=grammar.is_grammatical,
        )
    if data_config.source == "files":
        train, train_labels = read_lines(data_config.train_files, data_config.train_labels)
        valid, valid_labels = read_lines(data_config.valid_files, data_config.valid_labels)
        return Corpus(train, valid, train_labels, valid_labels)
    return Corpus(train=snli_sentences("train"), valid=snli_sentences("validation"))


def load_corpus(data_config):
    """Returns the `Corpus` described by a `DataConfig`, its training part cut to `data.max_train_sentences`."""
    corpus = _read_corpus(data_config)
    keep = data_config.max_train_sentences
    if keep:
        corpus.train = corpus.train[:keep]
        corpus.train_labels = corpus.train_labels and corpus.train_labels[:keep]
    return corpus
