"""The `transfer` signature of a class-conditional run: Python's transfers, in bare TensorFlow, with clear errors."""

import numpy as np
import pytest
import tensorflow as tf

SENTENCES = ["the happy dog smiles .", "a cruel man hates the cats .", "", "zzqx qqqz"]


@pytest.fixture(scope="module")
def transfer_export(transfer_run_dir, tmp_path_factory):
    from tfarae.export import export_run

    result = export_run(transfer_run_dir, str(tmp_path_factory.mktemp("models")), name="transfer")
    return result, tf.saved_model.load(result.path)


def _transfer(loaded, sentences, targets):
    return loaded.signatures["transfer"](sentences=tf.constant(sentences, tf.string),
                                         target=tf.constant(targets, tf.int32))["sentences"].numpy()


def test_transfer_signature_matches_python_and_was_verified_in_bare_tensorflow(transfer_export, transfer_run_dir):
    from tfarae.run_dir import load_trainer
    from tfarae.sampling import transfer_sentences

    result, loaded = transfer_export
    assert result.signatures["transfer"] == {"sentences": [2]}  # called in a process without tfarae
    _, tokenizer, trainer = load_trainer(transfer_run_dir)
    targets = [1, 0, 1, 0]
    exported = [s.decode("utf-8") for s in _transfer(loaded, SENTENCES, targets)]
    assert exported == transfer_sentences(trainer, tokenizer, SENTENCES, targets)
    assert [s.decode() for s in loaded.label_names.numpy()] == ["negative", "positive"]
    assert int(loaded.num_classes.numpy()) == 2


@pytest.mark.parametrize("targets, message", [([0, 2], r"target: class indices must be in \[0, 2\)"),
                                              ([-1, 0], r"target: class indices must be in \[0, 2\)"),
                                              ([0], "target: one class index per sentence")])
def test_bad_targets_are_invalid_arguments_naming_target(transfer_export, targets, message):
    _, loaded = transfer_export
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        _transfer(loaded, SENTENCES[:2], targets)


def test_unconditional_exports_have_no_transfer_signature(loaded):
    assert "transfer" not in loaded.signatures
    assert int(loaded.num_classes.numpy()) == 0 and loaded.label_names.numpy().shape == (0,)
