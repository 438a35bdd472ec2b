import pytest

from tfarae.metrics.attribute_classifier import AttributeClassifier, ClassifierConfig, cached_attribute_classifier
from tfarae.metrics.transfer import grammar_transfer_scores, self_bleu


def test_grammar_scores_count_target_grammar_and_kept_neutral_words():
    sources = ["the happy red dog runs .", "the sad cat sleeps quietly ."]
    outputs = ["the sad red dog runs .", "the happy cat sleeps ."]
    scores = grammar_transfer_scores("sentiment", sources, outputs, [0, 1])
    assert scores["target_fraction"] == 1.0 and scores["grammatical_fraction"] == 1.0
    assert scores["content_kept"] == pytest.approx(5 / 6)  # red dog runs / cat sleeps, "quietly" lost
    scores = grammar_transfer_scores("sentiment", sources, ["the happy red dog runs .", "cat the ."], [0, 1])
    assert scores["target_fraction"] == 0.0 and scores["grammatical_fraction"] == 0.5
    assert self_bleu(sources, sources) == pytest.approx(100.0)


def test_attribute_classifier_learns_cached_and_reloaded(tmp_path):
    from tfarae.data import attributes

    sentences, labels = attributes.generate_labelled(600, "sentiment", seed=0)
    held_out, held_labels = attributes.generate_labelled(100, "sentiment", seed=1)
    config = ClassifierConfig(embedding_dim=16, filters=32, epochs=5, batch_size=32, learning_rate=5e-3)
    classifier = cached_attribute_classifier(str(tmp_path), sentences, labels, 2, config)
    assert classifier.accuracy(held_out, held_labels) > 0.9
    reloaded = cached_attribute_classifier(str(tmp_path), [], [], 2, config)  # no data needed: the cache is used
    assert list(reloaded.predict(held_out)) == list(classifier.predict(held_out))
    assert AttributeClassifier.exists(str(tmp_path))
