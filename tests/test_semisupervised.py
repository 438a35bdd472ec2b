"""Semi-supervised pair classification: the pair files, the `PairClassifier` head, training and the CLI.

The pairs (conftest's `pairs_dir`) say `same` when the hypothesis repeats the premise, `different`
otherwise. Only the `|u - v|` feature of the head tells them apart, so a head or an encoder that
is wired wrong stays near chance.
"""

import keras
import numpy as np
import pytest

from tfarae import semisupervised
from tfarae.data.pairs import class_names, label_ids, labelled_subset, read_pairs
from tfarae.models.pair_classifier import PairClassifier

FAST = semisupervised.PairTrainingConfig(hidden_units=[32], epochs=12, patience=12, learning_rate=1e-2)


@pytest.fixture(scope="module")
def pair_files(pairs_dir):
    """Returns `(train_prefix, test_prefix)`: 400 and 200 grammar pairs."""
    return str(pairs_dir / "dev"), str(pairs_dir / "test")


def test_read_pairs_and_labels(pair_files, tmp_path):
    pairs = read_pairs(pair_files[0])
    assert len(pairs) == 400 and len(pairs.premises) == len(pairs.hypotheses) == 400
    assert class_names(pairs.labels) == ("different", "same")
    assert class_names(["neutral", "entailment"]) == ("entailment", "neutral", "contradiction")
    assert list(label_ids(["same", "different"], ("different", "same"))) == [1, 0]
    with pytest.raises(ValueError, match="unknown labels \\['maybe'\\]"):
        label_ids(["maybe"], ("different", "same"))
    assert len(pairs.sentences()) == len(set(pairs.premises) | set(pairs.hypotheses))
    (tmp_path / "bad.premise").write_text("a\nb\n")
    (tmp_path / "bad.hypothesis").write_text("a\n")
    with pytest.raises(ValueError, match="bad.label: no such file"):
        read_pairs(str(tmp_path / "bad"))
    (tmp_path / "bad.label").write_text("same\nsame\n")
    with pytest.raises(ValueError, match="differ in length"):
        read_pairs(str(tmp_path / "bad"))


def test_labelled_subset_is_seeded_and_sized():
    first = labelled_subset(1000, 0.222, seed=1)
    assert len(first) == 222 and len(set(first)) == 222 and list(first) == sorted(first)
    assert np.array_equal(first, labelled_subset(1000, 0.222, seed=1))
    assert not np.array_equal(first, labelled_subset(1000, 0.222, seed=2))
    assert len(labelled_subset(10, 0.01, seed=0)) == 1
    with pytest.raises(ValueError, match="\\(0, 1\\]"):
        labelled_subset(10, 0.0, seed=0)


def test_pair_features_are_u_v_absolute_difference_and_product():
    u = np.array([[1.0, -2.0]], np.float32)
    v = np.array([[3.0, 0.5]], np.float32)
    features = keras.ops.convert_to_numpy(PairClassifier.pair_features(u, v))
    np.testing.assert_allclose(features, [[1, -2, 3, 0.5, 2, 2.5, 3, -1]])


def _encoder():
    from tfarae.models import Encoder

    return Encoder(vocab_size=30, embedding_dim=8, hidden_dim=8)


def test_get_config_round_trips_with_the_encoder():
    classifier = PairClassifier(_encoder(), [16], 3, dropout=0.2, freeze_encoder=True)
    ids = np.array([[5, 6, 2, 0], [7, 2, 0, 0]], np.int32)
    logits = classifier((ids, ids[::-1]))
    assert logits.shape == (2, 3)
    rebuilt = PairClassifier.from_config(classifier.get_config())
    rebuilt((ids, ids[::-1]))
    rebuilt.set_weights(classifier.get_weights())
    np.testing.assert_allclose(rebuilt((ids, ids[::-1])), logits, atol=1e-6)
    assert rebuilt.freeze_encoder and not rebuilt.encoder.trainable and rebuilt.hidden_units == [16]


@pytest.mark.parametrize("freeze", [True, False])
def test_training_updates_the_encoder_only_when_not_frozen(tiny_run_dir, pair_files, freeze):
    from tfarae.run_dir import load_trainer

    _, tokenizer, trainer = load_trainer(tiny_run_dir)
    before = [w.copy() for w in trainer.encoder.get_weights()]
    pairs = read_pairs(pair_files[0]).subset(range(64))
    config = semisupervised.PairTrainingConfig(hidden_units=[8], epochs=1, freeze_encoder=freeze)
    classifier = semisupervised.fit_pair_classifier(trainer.encoder, tokenizer, pairs,
                                                    label_ids(pairs.labels, class_names(pairs.labels)), 2, config)
    changed = [not np.array_equal(a, b) for a, b in zip(before, trainer.encoder.get_weights())]
    assert not any(changed) if freeze else all(changed)
    assert classifier.head.trainable_weights


@pytest.mark.parametrize("from_scratch", [False, True])
def test_classifier_learns_the_pair_relation(tiny_run_dir, pair_files, from_scratch):
    report = semisupervised.semisupervised_accuracy(tiny_run_dir, *pair_files, label_fraction=1.0, seed=0,
                                                    from_scratch=from_scratch, config=FAST)
    assert report["labelled_pairs"] == 400 and report["test_pairs"] == 200
    assert report["accuracy"] >= 0.9, report


def test_cli_writes_the_report_and_a_loadable_model(tiny_run_dir, pair_files, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(semisupervised, "PairTrainingConfig", lambda **kwargs: FAST)
    out = tmp_path / "out"
    semisupervised.main(["--run-dir", tiny_run_dir, "--train-pairs", pair_files[0], "--test-pairs", pair_files[1],
                         "--label-fraction", "0.5", "--seed", "3", "--output", str(out)])
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert printed.startswith("accuracy=") and "200 labelled pairs" in printed
    import json

    report = json.loads((out / semisupervised.REPORT_FILE).read_text())
    assert report["seed"] == 3 and report["classes"] == ["different", "same"]
    assert abs(float(printed.split()[0].split("=")[1]) - report["accuracy"]) < 1e-4
    model = keras.saving.load_model(out / semisupervised.MODEL_FILE)
    assert isinstance(model, PairClassifier) and model.num_classes == 2


@pytest.mark.parametrize("change, message", [
    ({"--label-fraction": "1.5"}, "--label-fraction: must be in (0, 1]"),
    ({"--train-pairs": "/nonexistent/dev"}, "--train-pairs: /nonexistent/dev.premise: no such file"),
    ({"--run-dir": "/nonexistent"}, "--run-dir: /nonexistent holds no run"),
])
def test_cli_bad_arguments_get_one_line(tiny_run_dir, pair_files, capsys, change, message):
    argv = {"--run-dir": tiny_run_dir, "--train-pairs": pair_files[0], "--test-pairs": pair_files[1], **change}
    with pytest.raises(SystemExit) as stop:
        semisupervised.main([item for pair in argv.items() for item in pair])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {message}") and len(err.splitlines()) == 1


def test_cli_refuses_test_labels_unknown_in_training(tiny_run_dir, pair_files, tmp_path, capsys):
    test = read_pairs(pair_files[1])
    for part, column in (("premise", test.premises), ("hypothesis", test.hypotheses),
                         ("label", ["maybe"] + test.labels[1:])):
        (tmp_path / f"odd.{part}").write_text("\n".join(column) + "\n")
    with pytest.raises(SystemExit):
        semisupervised.main(["--run-dir", tiny_run_dir, "--train-pairs", pair_files[0],
                             "--test-pairs", str(tmp_path / "odd")])
    assert "labels ['maybe'] do not occur in --train-pairs" in capsys.readouterr().err
