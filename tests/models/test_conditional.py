import numpy as np
import pytest

from tfarae.models import CodeClassifier, ConditionalDecoder

IDS = np.array([[5, 6, 7, 2, 0], [8, 2, 0, 0, 0], [4, 4, 2, 0, 0]], "int32")
CODES = np.random.default_rng(0).normal(size=(3, 6)).astype("float32")


def _decoder(conditioning, num_classes=3):
    decoder = ConditionalDecoder(num_classes, vocab_size=10, embedding_dim=4, hidden_dim=5, code_dim=6,
                                 conditioning=conditioning, label_embedding_dim=3)
    decoder((IDS, CODES))
    return decoder


def test_per_class_decoders_share_only_the_softmax_layer():
    decoder = _decoder("per_class")
    first, second = decoder.decoders[0], decoder.decoders[1]
    assert first.output_layer is second.output_layer
    assert first.embedding.embeddings is not second.embedding.embeddings
    shared = {id(v) for v in first.output_layer.trainable_variables}
    assert len({id(v) for v in decoder.trainable_variables}) == len(decoder.trainable_variables)  # counted once
    assert len(decoder.trainable_variables) == 3 * 4 + len(shared)  # embedding + 3 LSTM weights per class
    assert decoder.for_labels(2) is decoder.decoders[2]


@pytest.mark.parametrize("conditioning", ["per_class", "embedding"])
def test_each_row_is_decoded_in_its_own_class(conditioning):
    decoder = _decoder(conditioning)
    labels = np.array([2, 0, 1], "int32")
    mixed = decoder.for_labels(labels)((IDS, CODES)).numpy()
    for row, label in enumerate(labels):
        alone = decoder.for_labels(int(label))((IDS, CODES)).numpy()
        np.testing.assert_allclose(mixed[row], alone[row], atol=1e-6)
    other = decoder.for_labels(0)((IDS, CODES)).numpy()
    assert not np.allclose(mixed[0], other[0], atol=1e-4)  # the class changes the decoding
    np.testing.assert_allclose(decoder((IDS, CODES)).numpy(), other, atol=1e-6)  # no label: class 0


@pytest.mark.parametrize("conditioning", ["per_class", "embedding"])
def test_row_conditioned_steps_match_the_teacher_forced_pass(conditioning):
    view = _decoder(conditioning).for_labels(np.array([1, 2, 0], "int32"))
    hidden = view((IDS, CODES))
    state = view.initial_state(CODES)
    for t in range(IDS.shape[1]):
        logits, state = view.step(IDS[:, t], state)
        np.testing.assert_allclose(logits.numpy(), view.logits(hidden[:, t]).numpy(), atol=1e-5)


def test_unknown_conditioning_is_refused():
    with pytest.raises(ValueError, match="conditioning must be one of"):
        ConditionalDecoder(2, 10, 4, 5, 6, conditioning="film")


def test_code_classifier_gives_one_logit_per_class():
    logits = CodeClassifier(6, [8, 8], 3)(CODES)
    assert logits.shape == (3, 3) and logits.dtype == "float32"
