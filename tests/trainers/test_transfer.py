import keras
import numpy as np
import pytest
import tensorflow as tf

from tfarae.config import load_config
from tfarae.data import attributes
from tfarae.data.pipeline import encode_sentences, train_dataset
from tfarae.data.tokenizer import SentenceTokenizer, split_words
from tfarae.data.vocab import build_vocabulary
from tfarae.trainers import TransferTrainer
from tfarae.trainers.factory import compile_trainer, make_trainer


@pytest.fixture(scope="module")
def labelled():
    """Returns `(tokenizer, EncodedSentences)` of 240 topic-labelled grammar sentences (3 classes)."""
    sentences, labels = attributes.generate_labelled(240, "topic", seed=4)
    tokenizer = SentenceTokenizer(build_vocabulary(split_words(sentences), 150), maxlen=15)
    return tokenizer, encode_sentences(tokenizer, sentences, labels)


def _trainer(labelled, *overrides):
    tokenizer, encoded = labelled
    config = load_config("tiny", ["train.trainer=transfer", "data.grammar_attribute=topic", *overrides])
    trainer = compile_trainer(make_trainer(config, tokenizer.vocab_size, tokenizer.sequence_length), config)
    data = train_dataset(encoded, 8, trainer.fresh_batches, 256, seed=0, num_classes=trainer.num_classes)
    return trainer, next(iter(data))


def _weights(model):
    return [w.numpy().copy() for w in model.trainable_weights]


def _changed(before, model):
    return [not np.allclose(a, b.numpy()) for a, b in zip(before, model.trainable_weights)]


@pytest.mark.parametrize("conditioning", ["per_class", "embedding"])
def test_one_step_runs_every_phase_in_order(labelled, conditioning):
    trainer, batch = _trainer(labelled, f"model.conditioning={conditioning}")
    assert isinstance(trainer, TransferTrainer) and trainer.num_classes == 3
    logs = trainer.train_on_batch(batch, return_dict=True)
    assert int(trainer.ae_optimizer.iterations.numpy()) == 3  # one autoencoder step per class
    for name in ("classifier_optimizer", "classifier_adversary_optimizer", "adversary_optimizer",
                 "generator_optimizer"):
        assert int(getattr(trainer, name).iterations.numpy()) == 1, name
    assert int(trainer.critic_optimizer.iterations.numpy()) == trainer.critic_steps
    for key in ("classifier_loss", "classifier_accuracy", "classifier_adversary_loss", "critic_loss"):
        assert np.isfinite(logs[key]), key


def test_autoencoder_step_of_a_class_updates_its_own_decoder_only(labelled):
    trainer, batch = _trainer(labelled)
    decoders = trainer.decoder.decoders
    before = [_weights(d.embedding) + _weights(d.lstm) for d in decoders]
    shared = _weights(decoders[0].output_layer)
    trainer._autoencoder_step(batch["class_token_ids"][:, 1], trainer.decoder.for_labels(1))
    for k, decoder in enumerate(decoders):
        changed = _changed(before[k], decoder.embedding) + _changed(before[k][1:], decoder.lstm)
        assert any(changed) == (k == 1), k
    assert all(_changed(shared, decoders[0].output_layer))


def test_classifier_phases_touch_only_their_variables(labelled):
    trainer, batch = _trainer(labelled, "train.classifier_learning_rate=0.01")
    ids = tf.reshape(batch["class_token_ids"], (-1, 16))
    labels = tf.tile(tf.range(3), [8])
    snapshot = {name: _weights(c) for name, c in trainer.components.items()}
    trainer._classifier_step(trainer.encoder(ids), labels)
    for name, component in trainer.components.items():
        assert any(_changed(snapshot[name], component)) == (name == "classifier"), name
    snapshot = {name: _weights(c) for name, c in trainer.components.items()}
    trainer._classifier_adversary_step(ids, labels)
    for name, component in trainer.components.items():
        assert any(_changed(snapshot[name], component)) == (name == "encoder"), name


def test_classifier_adversary_targets_the_flipped_label_or_the_uniform_distribution(labelled):
    trainer, _ = _trainer(labelled)
    log_probs = tf.math.log(tf.constant([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    uniform = trainer.adversary_target_loss(log_probs, tf.constant([0, 2])).numpy()
    np.testing.assert_allclose(uniform, -np.log([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]).mean(axis=1), rtol=1e-6)
    two = _trainer(labelled, "data.grammar_attribute=sentiment")[0]
    flipped = two.adversary_target_loss(tf.math.log(tf.constant([[0.9, 0.1], [0.3, 0.7]])), tf.constant([0, 0]))
    np.testing.assert_allclose(flipped.numpy(), -np.log([0.1, 0.7]), rtol=1e-6)


def test_without_the_code_gan_the_critic_does_not_move_the_encoder(labelled):
    trainer, batch = _trainer(labelled, "train.gan_lambda=0")
    before = _weights(trainer.encoder)
    trainer._encoder_adversary_step(batch["fresh_token_ids"][:, -1])
    assert not any(_changed(before, trainer.encoder))
    assert float(_trainer(labelled, "train.gan_lambda=10")[0].current_grad_lambda()) == pytest.approx(1.0)


def test_the_classifier_learns_and_the_adversary_hides_the_class(labelled):
    """Trained on fixed codes the classifier finds the topic; encoder adversary steps then undo that."""
    # A wide random initialisation spreads the untrained codes enough to tell topics apart.
    trainer, _ = _trainer(labelled, "train.classifier_learning_rate=0.01", "model.classifier_hidden=[32]",
                          "model.hidden_dim=16", "model.embedding_dim=16", "model.init_scale=1.0")
    _, encoded = labelled
    ids, labels = tf.constant(encoded.token_ids[:120]), tf.constant(encoded.labels[:120])
    classifier_step, codes = tf.function(trainer._classifier_step), trainer.encoder(ids)
    for _ in range(200):
        classifier_step(codes, labels)

    def accuracy():
        predicted = tf.argmax(trainer.classifier(trainer.encoder(ids)), axis=-1, output_type=tf.int32)
        return float(tf.reduce_mean(tf.cast(predicted == labels, tf.float32)))

    learned = accuracy()
    assert learned > 0.6
    adversary_step = tf.function(trainer._classifier_adversary_step)
    for _ in range(40):
        adversary_step(ids, labels)
    assert accuracy() < learned - 0.2


def test_validation_reconstructs_each_sentence_with_its_own_class(labelled):
    trainer, _ = _trainer(labelled)
    tokenizer, encoded = labelled
    ids, labels = encoded.token_ids[:12], encoded.labels[:12]
    logs = trainer.evaluate({"token_ids": ids, "label": labels}, verbose=0, return_dict=True)
    _, losses, _, mask = trainer.reconstruction(ids, trainer.encoder(ids), decoder=trainer.decoder.for_labels(labels))
    assert logs["reconstruction_loss"] == pytest.approx(float(np.sum(losses) / np.sum(mask)), rel=1e-4)
    assert 0.0 <= logs["classifier_accuracy"] <= 1.0


def test_config_round_trip(labelled):
    trainer, _ = _trainer(labelled, "train.gan_lambda=10", "train.classifier_lambda=0.5")
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(trainer))
    assert restored.get_config() == trainer.get_config()
    assert restored.gan_lambda == 10 and restored.classifier_lambda == 0.5 and restored.num_classes == 3
