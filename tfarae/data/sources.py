"""Where sentences come from: the embedded grammar, text files, or TFDS (SNLI, Yelp polarity).

Labelled corpora (attributes for transfer) carry one integer label per sentence and the classes'
names (`label_names`, a function of the `DataConfig` alone so a run rebuilds them without data).
"""

import dataclasses
import re
from typing import Callable, Optional

from tfarae.data import attributes, grammar

YELP_LABEL_NAMES = ("negative", "positive")  # TFDS yelp_polarity_reviews: 0 = 1-2 stars, 1 = 4-5 stars
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?:\\n)+|\n+")  # Yelp reviews: after . ! ? and at (escaped) newlines


@dataclasses.dataclass
class Corpus:
    """Raw training and validation sentences, optional integer labels, optional exact oracle."""

    train: list[str]
    valid: list[str]
    train_labels: Optional[list[int]] = None
    valid_labels: Optional[list[int]] = None
    oracle: Optional[Callable[[str], bool]] = None  # is_grammatical, for corpora that have one
    label_names: tuple = ()  # class names, indexed by label (empty: unlabelled)


def label_names(data_config):
    """Returns the class names of the corpus a `DataConfig` describes: a tuple (empty when unlabelled)."""
    if data_config.source == "grammar":
        return attributes.LABEL_NAMES.get(data_config.grammar_attribute, ())
    if data_config.source == "tfds_yelp":
        return YELP_LABEL_NAMES
    if data_config.source == "files" and data_config.train_labels:
        return tuple(data_config.label_names) or tuple(str(i) for i in range(max(data_config.train_labels) + 1))
    return ()


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


def yelp_sentences(split):
    """Returns the sentences of a TFDS `yelp_polarity_reviews` split and their review's label (downloads on first use).

    Reviews are split after `.`, `!` and `?` followed by space and at (escaped) newlines; each
    sentence keeps its review's label (0 negative, 1 positive).

    Returns:
        `(sentences, labels)`: lists of str and int.
    """
    import tensorflow_datasets as tfds

    sentences, labels = [], []
    for example in tfds.as_numpy(tfds.load("yelp_polarity_reviews", split=split)):
        parts = [p.strip() for p in SENTENCE_END.split(example["text"].decode("utf-8")) if p.strip()]
        sentences += parts
        labels += [int(example["label"])] * len(parts)
    return sentences, labels


def _grammar_corpus(data_config):
    seed, attribute = data_config.grammar_seed, data_config.grammar_attribute
    if not attribute:
        return Corpus(grammar.generate(data_config.grammar_train_size, seed=seed),
                      grammar.generate(data_config.grammar_valid_size, seed=seed + 1_000_003),
                      oracle=grammar.is_grammatical)
    train, train_labels = attributes.generate_labelled(data_config.grammar_train_size, attribute, seed=seed)
    valid, valid_labels = attributes.generate_labelled(data_config.grammar_valid_size, attribute, seed=seed + 1_000_003)
    return Corpus(train, valid, train_labels, valid_labels, grammar.is_grammatical, label_names(data_config))


def _read_corpus(data_config):
    """Returns the whole `Corpus` of `data_config.source`."""
    if data_config.source == "grammar":
        return _grammar_corpus(data_config)
    if data_config.source == "files":
        train, train_labels = read_lines(data_config.train_files, data_config.train_labels)
        valid, valid_labels = read_lines(data_config.valid_files, data_config.valid_labels)
        return Corpus(train, valid, train_labels, valid_labels, label_names=label_names(data_config))
    if data_config.source == "tfds_yelp":
        (train, train_labels), (valid, valid_labels) = yelp_sentences("train"), yelp_sentences("test")
        return Corpus(train, valid, train_labels, valid_labels, label_names=YELP_LABEL_NAMES)
    return Corpus(train=snli_sentences("train"), valid=snli_sentences("validation"))


def load_corpus(data_config):
    """Returns the `Corpus` described by a `DataConfig`, its training part cut to `data.max_train_sentences`."""
    corpus = _read_corpus(data_config)
    keep = data_config.max_train_sentences
    if keep:
        corpus.train = corpus.train[:keep]
        corpus.train_labels = corpus.train_labels and corpus.train_labels[:keep]
    return corpus
