import keras
import numpy as np
import pytest

from tfarae.layers import ClipWeights, ProjectedLSTM
from tfarae.models import CodeClassifier, ConditionalDecoder, Critic, Decoder, Encoder, Generator

IDS = np.array([[5, 6, 7, 2, 0], [8, 2, 0, 0, 0]], "int32")


def test_codes_lie_on_the_unit_sphere():
    codes = Encoder(vocab_size=10, embedding_dim=4, hidden_dim=6)(IDS).numpy()
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 1.0, atol=1e-5)


def test_code_ignores_padding_and_every_token_after_it():
    encoder = Encoder(vocab_size=10, embedding_dim=4, hidden_dim=6)
    sentence = encoder(np.array([[5, 2]], "int32")).numpy()
    padded = np.array([[5, 2, 0, 0, 0], [5, 2, 0, 9, 9], [5, 2, 0, 0, 7]], "int32")
    np.testing.assert_allclose(encoder(padded).numpy(), np.repeat(sentence, 3, axis=0), atol=1e-6)
    assert not np.allclose(encoder(np.array([[5, 2, 9]], "int32")).numpy(), sentence, atol=1e-3)


def test_all_padding_row_gets_the_code_of_its_first_position():
    encoder = Encoder(vocab_size=10, embedding_dim=4, hidden_dim=6)
    codes = encoder(np.array([[0, 0, 0], [0, 9, 9]], "int32")).numpy()
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(codes[0], encoder(np.array([[0]], "int32")).numpy()[0], atol=1e-6)


def test_decoder_steps_match_the_teacher_forced_pass():
    decoder = Decoder(vocab_size=10, embedding_dim=4, hidden_dim=6, code_dim=3)
    codes = np.random.default_rng(0).normal(size=(2, 3)).astype("float32")
    hidden = decoder((IDS, codes))
    state = decoder.initial_state(codes)
    for t in range(IDS.shape[1]):
        logits, state = decoder.step(IDS[:, t], state)
        np.testing.assert_allclose(logits.numpy(), decoder.logits(hidden[:, t]).numpy(), atol=1e-5)


def test_bfloat16_softmax_layer_gives_float32_logits_close_to_float32():
    exact = Decoder(vocab_size=50, embedding_dim=4, hidden_dim=16, code_dim=3)
    fast = Decoder(vocab_size=50, embedding_dim=4, hidden_dim=16, code_dim=3, output_dtype="mixed_bfloat16")
    codes = np.ones((2, 3), "float32")
    hidden = exact((IDS, codes))
    fast((IDS, codes))
    fast.set_weights(exact.get_weights())
    assert fast.output_layer.kernel.dtype == "float32"  # weights stay float32, only the product is bfloat16
    exact_logits, fast_logits = exact.logits(hidden), fast.logits(hidden)
    assert fast_logits.dtype == "float32"
    np.testing.assert_allclose(fast_logits.numpy(), exact_logits.numpy(), atol=0.02)
    assert not np.allclose(fast_logits.numpy(), exact_logits.numpy(), atol=1e-7)  # really computed in bfloat16


@pytest.mark.parametrize("component, inputs", [
    (Encoder(10, 4, 6, init_scale=0.2), IDS),
    (Decoder(10, 4, 6, 3), (IDS, np.ones((2, 3), "float32"))),
    (Decoder(10, 4, 6, 3, output_dtype="mixed_bfloat16"), (IDS, np.ones((2, 3), "float32"))),
    (Generator(4, [5, 5], 3, tanh=True), np.ones((2, 4), "float32")),
    (Critic(3, [5, 5], weight_clip=0.05), np.ones((2, 3), "float32")),
    (ProjectedLSTM(5, 3), np.ones((2, 4, 20), "float32")),
    (ConditionalDecoder(3, 10, 4, 6, 3), (IDS, np.ones((2, 3), "float32"))),
    (ConditionalDecoder(2, 10, 4, 6, 3, conditioning="embedding", label_embedding_dim=5),
     (IDS, np.ones((2, 3), "float32"))),
    (CodeClassifier(3, [5], 4), np.ones((2, 3), "float32")),
])
def test_config_round_trip(component, inputs):
    component(inputs)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(component))
    assert restored.get_config() == component.get_config()
    restored(inputs)
    assert [w.shape for w in restored.weights] == [w.shape for w in component.weights]


def test_clip_weights_constraint_bounds_values():
    assert np.abs(ClipWeights(0.1)(np.array([-3.0, 0.05, 2.0])).numpy()).max() == pytest.approx(0.1)

