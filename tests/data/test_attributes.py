import numpy as np
import pytest

from tfarae.data import attributes, grammar
from tfarae.data.pipeline import encode_sentences, train_dataset
from tfarae.data.tokenizer import SentenceTokenizer, split_words
from tfarae.data.vocab import build_vocabulary

POLAR = {word: a["sentiment"] for word, a in grammar.word_attributes().items()
         if a.get("sentiment") in ("positive", "negative") and a["pos"] != "noun"}
TOPIC = {word: a["topic"] for word, a in grammar.word_attributes().items() if "topic" in a}


def test_sentiment_classes_use_only_their_polarity_and_are_grammatical():
    sentences, labels = attributes.generate_labelled(400, "sentiment", seed=5)
    assert labels == [i % 2 for i in range(400)]
    for sentence, label in zip(sentences, labels):
        polar = {POLAR[w] for w in sentence.split() if w in POLAR}
        assert polar == {attributes.LABEL_NAMES["sentiment"][label]}, sentence
        assert grammar.is_grammatical(sentence)
    assert attributes.generate_labelled(50, "sentiment", seed=5) == (sentences[:50], labels[:50])


def test_topic_classes_have_nouns_of_their_topic_only():
    sentences, labels = attributes.generate_labelled(300, "topic", seed=2)
    assert labels == [i % 3 for i in range(300)]
    for sentence, label in zip(sentences, labels):
        assert {TOPIC[w] for w in sentence.split() if w in TOPIC} == {attributes.LABEL_NAMES["topic"][label]}
        assert grammar.is_grammatical(sentence)


def test_sentence_class_and_neutral_content_words():
    assert attributes.sentence_class("sentiment", "the happy dog smiles .") == 1
    assert attributes.sentence_class("sentiment", "the sad dog smiles .") is None  # mixed
    assert attributes.sentence_class("sentiment", "the red dog runs .") is None  # neutral
    assert attributes.sentence_class("topic", "the happy dog eats an apple .") is None  # two topics
    assert attributes.sentence_class("topic", "the happy dog sees a cat .") == 0
    assert attributes.neutral_content_words("sentiment", "the happy red dog runs quickly .") == [
        "red", "dog", "runs", "quickly"]
    assert attributes.neutral_content_words("topic", "the happy red dog runs quickly .") == [
        "happy", "red", "runs", "quickly"]
    with pytest.raises(ValueError, match="unknown grammar attribute 'colour'"):
        attributes.generate_labelled(2, "colour")


def test_class_batches_hold_one_class_each():
    sentences, labels = attributes.generate_labelled(300, "topic", seed=1)
    labels = [0 if label == 0 else 1 + (i % 7 == 0) for i, label in enumerate(labels)]  # class 2 is rare
    tokenizer = SentenceTokenizer(build_vocabulary(split_words(sentences), 200), maxlen=15)
    encoded = encode_sentences(tokenizer, sentences + ["one two three four five six seven eight nine ten eleven "
                                                       "twelve thirteen fourteen fifteen sixteen"], labels + [2])
    assert len(encoded.labels) == len(encoded.token_ids) == 300  # the too-long sentence went with its label
    rows = {tuple(ids): label for ids, label in zip(encoded.token_ids, encoded.labels)}
    data = train_dataset(encoded, 8, 3, 100, seed=0, num_classes=3)
    batches = list(data)
    assert len(batches) == 300 // (8 * 3)
    for batch in batches:
        assert batch["class_token_ids"].shape == (8, 3, 16) and batch["fresh_token_ids"].shape == (8, 3, 16)
        for k in range(3):
            assert {rows[tuple(ids)] for ids in batch["class_token_ids"][:, k].numpy()} == {k}
    rare = np.concatenate([b["class_token_ids"][:, 2].numpy() for b in batches])
    assert len(rare) > (np.asarray(encoded.labels) == 2).sum()  # the rare class is repeated to keep up
