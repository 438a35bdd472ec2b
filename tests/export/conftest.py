"""Export fixtures: one export of the session's tiny run, loaded once, and the in-process pipeline to compare with."""

import os

import pytest
import tensorflow as tf


@pytest.fixture(scope="session")
def export_root(tmp_path_factory):
    """The TF Serving base directory (`MODELS`) the session's export writes into."""
    return str(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def exported(tiny_run_dir, export_root):
    """The `ExportResult` of `export_run(tiny_run_dir, export_root, name="tiny")` (version 1)."""
    from tfarae.export import export_run

    return export_run(tiny_run_dir, export_root, name="tiny")


@pytest.fixture(scope="session")
def loaded(exported):
    """The exported SavedModel, loaded with `tf.saved_model.load`."""
    return tf.saved_model.load(exported.path)


@pytest.fixture(scope="session")
def in_process(tiny_run_dir):
    """`(config, tokenizer, trainer)` rebuilt from the run directory, as the Python pipeline sees them."""
    from tfarae.run_dir import load_trainer

    return load_trainer(tiny_run_dir)


@pytest.fixture(scope="session")
def vocabulary(tiny_run_dir):
    with open(os.path.join(tiny_run_dir, "vocab.txt"), encoding="utf-8") as f:
        return f.read().splitlines()


@pytest.fixture(scope="session")
def sentences(vocabulary):
    """Sentences of in-vocabulary words, mixed case and punctuation, 1 to maxlen (15) words."""
    words = vocabulary[4:]
    made = [" ".join(words[i : i + n]) for i, n in ((0, 1), (3, 4), (7, 9), (11, 15), (20, 6), (30, 12))]
    return made + [made[1].upper() + " .", f'"{made[2]}" , ok ?']
