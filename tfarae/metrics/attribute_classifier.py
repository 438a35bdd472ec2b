"""The attribute classifier behind transfer accuracy (ARAE.md §4): a word-CNN trained on the real labelled text.

The reference scores transfer with fastText; tfarae trains its own Keras classifier, one recipe
(`ClassifierConfig`) for every system compared: embedding → 1-D convolution (width 3, ReLU) →
max over time → dropout → softmax (a one-layer word CNN in the style of Kim 2014). It trains with
early stopping on a held-out slice and saves to / loads from a directory:

  classifier_config.json   the recipe, plus `num_classes`
  vocab.txt                one token per line, in id order
  classifier.weights.h5    the Keras weights
"""

import dataclasses
import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfarae.data.tokenizer import SentenceTokenizer
from tfarae.data.vocab import load_vocabulary, save_vocabulary
from tfarae.metrics.lm import lm_vocabulary, split_validation

CONFIG_FILE = "classifier_config.json"
VOCAB_FILE = "vocab.txt"
WEIGHTS_FILE = "classifier.weights.h5"


@dataclasses.dataclass
class ClassifierConfig:
    """One classifier recipe; `name` is what reports cite (field meanings as `tfarae.metrics.lm.LMConfig`)."""

    name: str = "word-cnn-v1"
    vocab_size: int = 10000
    maxlen: int = 50  # words kept per sentence (longer ones are cut, never dropped)
    embedding_dim: int = 64
    filters: int = 128
    dropout: float = 0.3
    batch_size: int = 128
    learning_rate: float = 2e-3
    epochs: int = 6
    patience: int = 1
    valid_fraction: float = 0.05
    min_valid_sentences: int = 32
    lowercase: bool = True
    split_punctuation: bool = True
    seed: int = 0


def _model(vocab_size, num_classes, config):
    return keras.Sequential([
        keras.layers.Embedding(vocab_size, config.embedding_dim),
        keras.layers.Conv1D(config.filters, 3, padding="same", activation="relu"),
        keras.layers.GlobalMaxPooling1D(),
        keras.layers.Dropout(config.dropout),
        keras.layers.Dense(num_classes),
    ], name="attribute_classifier")


class AttributeClassifier:
    """A sentence classifier over K classes: recipe + vocabulary + Keras word CNN.

    Args:
        config: its `ClassifierConfig`.
        vocabulary: its token list (`<pad> <bos> <eos> <unk>` first).
        num_classes: K.
    """

    def __init__(self, config, vocabulary, num_classes):
        self.config = config
        self.vocabulary = list(vocabulary)
        self.num_classes = num_classes
        self.tokenizer = SentenceTokenizer(self.vocabulary, config.maxlen, lowercase=config.lowercase,
                                           split_punctuation=config.split_punctuation)
        self.model = _model(len(self.vocabulary), num_classes, config)
        self.model.build((None, config.maxlen + 1))

    def _ids(self, sentences):
        return self.tokenizer(tf.constant(list(sentences), tf.string)).numpy()

    def fit(self, sentences, labels, verbose=0):
        """Trains on `sentences` (N strings) with int `labels` (N), early-stopping on a held-out slice."""
        order = list(range(len(sentences)))
        train_rows, valid_rows = split_validation(order, self.config)
        labels = np.asarray(labels, np.int32)
        keras.utils.set_random_seed(self.config.seed)
        self.model.compile(optimizer=keras.optimizers.Adam(self.config.learning_rate),
                           loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=self.config.patience,
                                             restore_best_weights=True)
        ids = self._ids(sentences)
        return self.model.fit(ids[train_rows], labels[train_rows], validation_data=(ids[valid_rows], labels[valid_rows]),
                              batch_size=self.config.batch_size, epochs=self.config.epochs, callbacks=[stop],
                              verbose=verbose)

    def predict(self, sentences, batch_size=512):
        """Returns the predicted class of each sentence, int `[N]`."""
        if not len(sentences):
            return np.zeros([0], np.int64)
        return np.argmax(self.model.predict(self._ids(sentences), batch_size=batch_size, verbose=0), axis=-1)

    def accuracy(self, sentences, labels):
        """Returns the share of `sentences` classified as their `labels`."""
        return float(np.mean(self.predict(sentences) == np.asarray(labels)))

    def save(self, directory):
        """Writes the recipe, vocabulary and weights into `directory` (created)."""
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, CONFIG_FILE), "w", encoding="utf-8") as f:
            json.dump({**dataclasses.asdict(self.config), "num_classes": self.num_classes}, f, indent=2)
        save_vocabulary(self.vocabulary, os.path.join(directory, VOCAB_FILE))
        self.model.save_weights(os.path.join(directory, WEIGHTS_FILE))

    @classmethod
    def load(cls, directory):
        """Returns the `AttributeClassifier` saved in `directory`."""
        with open(os.path.join(directory, CONFIG_FILE), encoding="utf-8") as f:
            saved = json.load(f)
        num_classes = saved.pop("num_classes")
        classifier = cls(ClassifierConfig(**saved), load_vocabulary(os.path.join(directory, VOCAB_FILE)), num_classes)
        classifier.model.load_weights(os.path.join(directory, WEIGHTS_FILE))
        return classifier

    @staticmethod
    def exists(directory):
        """Whether `directory` holds a saved classifier."""
        return all(os.path.exists(os.path.join(directory, f)) for f in (CONFIG_FILE, VOCAB_FILE, WEIGHTS_FILE))


def cached_attribute_classifier(directory, sentences, labels, num_classes, config=None, verbose=0):
    """Returns the classifier saved in `directory` if its recipe and classes match, else trains, saves and returns one."""
    config = config or ClassifierConfig()
    if AttributeClassifier.exists(directory):
        classifier = AttributeClassifier.load(directory)
        if classifier.config == config and classifier.num_classes == num_classes:
            return classifier
    classifier = AttributeClassifier(config, lm_vocabulary(sentences, config), num_classes)
    classifier.fit(sentences, labels, verbose=verbose)
    classifier.save(directory)
    return classifier
