"""The LSTM language model behind the perplexity metrics (ARAE.md §4: forward and reverse PPL).

One recipe (`LMConfig`) is used for every system compared, and every report names it. A
`LanguageModel` bundles its own `SentenceTokenizer` (vocabulary + normalisation) with a Keras
`LSTMLanguageModel`; it trains with early stopping on a held-out slice of its training text and
saves to / loads from a directory:

  lm_config.json       the recipe (`LMConfig` fields)
  vocab.txt            one token per line, in id order (`<pad> <bos> <eos> <unk>` first)
  lm.weights.h5        the Keras weights

Perplexity is `exp(mean token NLL)` where the mean runs over every predicted token of every
sentence: its words and the final `<eos>` (not `<bos>`, not padding). Words outside the LM's
vocabulary are mapped to `<unk>` and `<unk>` is scored like any other token. Sentences are never
truncated or dropped when scored.
"""

import dataclasses
import json
import math
import os

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from tfarae.data.tokenizer import BOS_ID, PAD_ID, SentenceTokenizer, split_words
from tfarae.data.vocab import build_vocabulary, load_vocabulary, save_vocabulary
from tfarae.losses import token_cross_entropy

CONFIG_FILE = "lm_config.json"
VOCAB_FILE = "vocab.txt"
WEIGHTS_FILE = "lm.weights.h5"


@dataclasses.dataclass
class LMConfig:
    """One LM training recipe; `name` is what reports cite."""

    name: str = "lstm-lm-v1"  # recipe name written next to every perplexity
    vocab_size: int = 10000  # most frequent training words kept (special tokens on top)
    maxlen: int = 50  # training sentences with more words are dropped; scoring never truncates
    embedding_dim: int = 128  # word embedding size
    hidden_dim: int = 256  # LSTM size (one layer)
    dropout: float = 0.2  # dropout on embeddings and LSTM outputs (training only)
    batch_size: int = 128  # sentences per batch
    learning_rate: float = 2e-3  # Adam
    clipnorm: float = 1.0  # gradient-norm clip
    epochs: int = 8  # maximum passes over the training text
    patience: int = 1  # early stopping: epochs without validation improvement before stopping
    valid_fraction: float = 0.05  # share of the training sentences held out for early stopping
    min_valid_sentences: int = 32  # ... but at least this many (when there are enough sentences)
    lowercase: bool = True  # normalisation, as `SentenceTokenizer`
    split_punctuation: bool = True  # normalisation, as `SentenceTokenizer`
    seed: int = 0  # weights, dropout, shuffling and the validation split

    def validate(self):
        for key in ("vocab_size", "maxlen", "embedding_dim", "hidden_dim", "batch_size", "epochs"):
            if getattr(self, key) <= 0:
                raise ValueError(f"LMConfig.{key} must be positive, got {getattr(self, key)}")
        if not 0 <= self.dropout < 1 or not 0 < self.valid_fraction < 1:
            raise ValueError("LMConfig.dropout must be in [0, 1) and valid_fraction in (0, 1)")
        return self


# Named recipes. `standard` is the one every comparison uses; `small` is for smoke runs of real
# data (benchmark --quick), `tiny` for tests. Figures from different recipes are not comparable.
RECIPES = {
    "standard": LMConfig(),
    "small": LMConfig(name="lstm-lm-small", embedding_dim=32, hidden_dim=64, epochs=2),
    "tiny": LMConfig(name="lstm-lm-tiny", vocab_size=200, embedding_dim=8, hidden_dim=16, dropout=0.0,
                     batch_size=32, learning_rate=1e-2, epochs=2, patience=1),
}


def recipe(name_or_config):
    """Returns the `LMConfig` for a recipe name (a key of `RECIPES`) or an `LMConfig` itself."""
    if isinstance(name_or_config, LMConfig):
        return name_or_config.validate()
    if name_or_config not in RECIPES:
        raise ValueError(f"unknown LM recipe {name_or_config!r}; known: {sorted(RECIPES)}")
    return dataclasses.replace(RECIPES[name_or_config]).validate()


@keras.saving.register_keras_serializable(package="tfarae")
class LSTMLanguageModel(keras.Model):
    """Embedding → one-layer LSTM → softmax over the vocabulary, trained by masked token cross-entropy.

    Args:
        vocab_size: V, including the special tokens.
        embedding_dim: E.
        hidden_dim: H.
        dropout: rate on embeddings and LSTM outputs during training.

    Call: token ids `[B, T]` (`words + <eos>`, `<pad>`-padded) → logits `[B, T, V]` where position
    t predicts token t from `<bos>` and tokens `< t`.
    `train_step`/`test_step` input: the same ids; they track `nll` (mean NLL per real token, exact
    over the epoch) and `perplexity` (`exp(nll)` of the batch-weighted mean).
    """

    def __init__(self, vocab_size, embedding_dim, hidden_dim, dropout=0.0, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size = vocab_size
        self.embedding_dim = embedding_dim
        self.hidden_dim = hidden_dim
        self.dropout = dropout
        self.embedding = keras.layers.Embedding(vocab_size, embedding_dim)
        self.lstm = keras.layers.LSTM(hidden_dim, return_sequences=True)
        self.drop = keras.layers.Dropout(dropout)
        self.output_layer = keras.layers.Dense(vocab_size)
        self.nll_tracker = keras.metrics.Mean(name="nll")

    @property
    def metrics(self):
        return [self.nll_tracker]

    def build(self, input_shape):
        self.call(ops.zeros((1, 2), dtype="int32"))
        self.built = True

    def call(self, token_ids, training=False):
        batch_size = ops.shape(token_ids)[0]
        inputs = ops.concatenate([ops.full((batch_size, 1), BOS_ID, dtype="int32"),
                                  ops.cast(token_ids[:, :-1], "int32")], axis=1)
        hidden = self.lstm(self.drop(self.embedding(inputs), training=training))
        return self.output_layer(self.drop(hidden, training=training))

    def token_nll(self, token_ids, training=False):
        """Returns `(nll [B, T], mask [B, T])`: per-token negative log-likelihood (nats) and real-token mask."""
        token_ids = ops.cast(token_ids, "int32")
        logits = self(token_ids, training=training)
        nll = token_cross_entropy(logits, token_ids)[0]
        return nll, ops.cast(ops.not_equal(token_ids, PAD_ID), nll.dtype)

    def _mean_nll(self, token_ids, training):
        nll, mask = self.token_nll(token_ids, training=training)
        count = ops.maximum(ops.sum(mask), 1.0)
        loss = ops.sum(nll * mask) / count
        self.nll_tracker.update_state(loss, sample_weight=count)
        return loss

    def train_step(self, token_ids):
        with tf.GradientTape() as tape:
            loss = self._mean_nll(token_ids, training=True)
        variables = self.trainable_variables
        self.optimizer.apply(tape.gradient(loss, variables), variables)
        return {"nll": self.nll_tracker.result()}

    def test_step(self, token_ids):
        self._mean_nll(token_ids, training=False)
        return {"nll": self.nll_tracker.result()}

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size, "embedding_dim": self.embedding_dim,
                "hidden_dim": self.hidden_dim, "dropout": self.dropout}


def _length_sorted_batches(token_ids, batch_size):
    """Yields `(indices, ids)` batches of similar length, each trimmed to its longest sentence."""
    lengths = (token_ids != PAD_ID).sum(axis=1)
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        indices = order[start : start + batch_size]
        yield indices, token_ids[indices, : max(1, int(lengths[indices].max()))]


def _dataset(token_ids, batch_size, shuffle_seed=None):
    """A tf.data pipeline of id batches, each trimmed to its longest sentence."""
    dataset = tf.data.Dataset.from_tensor_slices(token_ids)
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(token_ids), seed=shuffle_seed, reshuffle_each_iteration=True)

    def trim(ids):
        length = tf.reduce_max(tf.reduce_sum(tf.cast(ids != PAD_ID, tf.int32), axis=1))
        return ids[:, :length]

    return dataset.batch(batch_size).map(trim).prefetch(tf.data.AUTOTUNE)


class LanguageModel:
    """A trained (or loadable) sentence LM: recipe + tokenizer + `LSTMLanguageModel`.

    Args:
        config: the `LMConfig` it was (or will be) trained with.
        vocabulary: its token list (`<pad> <bos> <eos> <unk>` first).
        model: an `LSTMLanguageModel` (built fresh from `config` when omitted).
    """

    def __init__(self, config, vocabulary, model=None):
        self.config = config
        self.vocabulary = list(vocabulary)
        self.model = model or LSTMLanguageModel(len(self.vocabulary), config.embedding_dim, config.hidden_dim,
                                                config.dropout, name="lm")
        if not self.model.built:
            self.model.build((None, None))

    @property
    def vocab_size(self):
        return len(self.vocabulary)

    def tokenizer(self, maxlen):
        """Returns a `SentenceTokenizer` over this LM's vocabulary that keeps up to `maxlen` words."""
        return SentenceTokenizer(self.vocabulary, max(1, maxlen), lowercase=self.config.lowercase,
                                 split_punctuation=self.config.split_punctuation)

    def encode(self, sentences, drop_longer=False):
        """Returns token ids `[N, T]` (`words + <eos>`) of `sentences`.

        Args:
            sentences: list of strings.
            drop_longer: drop sentences with no words or more than `config.maxlen` words (training);
                otherwise every sentence is kept whole (scoring), T fitting the longest.
        """
        words = split_words(list(sentences), self.config.lowercase, self.config.split_punctuation)
        lengths = words.row_lengths().numpy()
        if drop_longer:
            keep = (lengths > 0) & (lengths <= self.config.maxlen)
            sentences = [s for s, k in zip(sentences, keep) if k]
            maxlen = self.config.maxlen
        else:
            maxlen = int(lengths.max()) if len(lengths) else 1
        if not sentences:
            return np.zeros([0, maxlen + 1], np.int32)
        return self.tokenizer(maxlen)(tf.constant(list(sentences))).numpy()

    def fit(self, train_sentences, valid_sentences=None, verbose=0):
        """Trains on `train_sentences` with early stopping on `valid_sentences` (best weights kept).

        Args:
            train_sentences: list of strings (longer than `config.maxlen` words: dropped).
            valid_sentences: held-out strings; by default `config.valid_fraction` of the training
                sentences (at least `config.min_valid_sentences`) chosen with `config.seed`.
            verbose: Keras `fit` verbosity.

        Returns:
            The Keras `History`.
        """
        config = self.config
        train_sentences = list(train_sentences)
        if valid_sentences is None:
            train_sentences, valid_sentences = split_validation(train_sentences, config)
        train_ids = self.encode(train_sentences, drop_longer=True)
        valid_ids = self.encode(valid_sentences, drop_longer=True)
        if not len(train_ids) or not len(valid_ids):
            raise ValueError(f"no training or validation sentence of 1..{config.maxlen} words")
        keras.utils.set_random_seed(config.seed)
        self.model.compile(optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm),
                           jit_compile=False)
        stop = keras.callbacks.EarlyStopping(monitor="val_nll", mode="min", patience=config.patience,
                                             restore_best_weights=True)
        return self.model.fit(_dataset(train_ids, config.batch_size, shuffle_seed=config.seed),
                              validation_data=_dataset(valid_ids, config.batch_size), epochs=config.epochs,
                              shuffle=False, callbacks=[stop], verbose=verbose)  # the dataset shuffles

    def sentence_nll(self, sentences, batch_size=256):
        """Returns `(nll [N], num_tokens [N])`: summed NLL (nats) and predicted tokens (words + `<eos>`) per sentence."""
        token_ids = self.encode(sentences)
        total, counts = np.zeros(len(token_ids)), np.zeros(len(token_ids))
        step = tf.function(lambda ids: self.model.token_nll(ids), reduce_retracing=True)
        for indices, ids in _length_sorted_batches(token_ids, batch_size):
            nll, mask = step(tf.constant(ids))
            total[indices] = (nll.numpy() * mask.numpy()).sum(axis=1)
            counts[indices] = mask.numpy().sum(axis=1)
        return total, counts

    def perplexity(self, sentences, batch_size=256):
        """Returns `exp(total NLL / total predicted tokens)` over `sentences` (see the module docstring)."""
        if not len(sentences):
            raise ValueError("no sentences to score")
        total, counts = self.sentence_nll(sentences, batch_size)
        return float(math.exp(total.sum() / counts.sum()))

    def save(self, directory):
        """Writes `lm_config.json`, `vocab.txt` and `lm.weights.h5` into `directory` (created)."""
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, CONFIG_FILE), "w", encoding="utf-8") as f:
            json.dump(dataclasses.asdict(self.config), f, indent=2)
        save_vocabulary(self.vocabulary, os.path.join(directory, VOCAB_FILE))
        self.model.save_weights(os.path.join(directory, WEIGHTS_FILE))

    @classmethod
    def load(cls, directory):
        """Returns the `LanguageModel` saved in `directory`."""
        with open(os.path.join(directory, CONFIG_FILE), encoding="utf-8") as f:
            config = LMConfig(**json.load(f))
        lm = cls(config, load_vocabulary(os.path.join(directory, VOCAB_FILE)))
        lm.model.load_weights(os.path.join(directory, WEIGHTS_FILE))
        return lm

    @staticmethod
    def exists(directory):
        """Whether `directory` holds a saved LM."""
        return all(os.path.exists(os.path.join(directory, f)) for f in (CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE))


def split_validation(sentences, config):
    """Returns `(train, valid)`: a seeded random `config.valid_fraction` of `sentences` held out."""
    sentences = list(sentences)
    num_valid = max(int(round(len(sentences) * config.valid_fraction)), min(config.min_valid_sentences,
                                                                             len(sentences) // 2))
    order = np.random.default_rng(config.seed).permutation(len(sentences))
    held_out = set(order[:num_valid].tolist())
    return ([s for i, s in enumerate(sentences) if i not in held_out],
            [sentences[i] for i in sorted(held_out)])


def lm_vocabulary(sentences, config):
    """Returns the vocabulary `config` builds from `sentences` (its `vocab_size` most frequent words)."""
    words = split_words(list(sentences), config.lowercase, config.split_punctuation)
    return build_vocabulary(words, config.vocab_size)


def train_language_model(train_sentences, config="standard", valid_sentences=None, vocabulary=None, verbose=0):
    """Trains and returns a `LanguageModel`.

    Args:
        train_sentences: list of strings.
        config: an `LMConfig` or a recipe name (see `RECIPES`).
        valid_sentences: early-stopping text (default: a held-out slice of `train_sentences`).
        vocabulary: a fixed token list; by default built from `train_sentences`. Reverse perplexity
            passes the vocabulary of the real training text, so that `<unk>` means the same thing
            for every system compared.
        verbose: Keras `fit` verbosity.
    """
    config = recipe(config)
    if vocabulary is None:
        vocabulary = lm_vocabulary(train_sentences, config)
    lm = LanguageModel(config, vocabulary)
    lm.fit(train_sentences, valid_sentences, verbose=verbose)
    return lm
