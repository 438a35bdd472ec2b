"""The training CLI end to end on tiny.yaml, resume, and the NaN guard."""

import json
import os
import shutil

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfarae.callbacks import TrainingDiverged
from tfarae.config import load_config
from tfarae.run import run
from tfarae.run_dir import CHECKPOINT_FILE, load_trainer
from tfarae.train import main
from tfarae.trainers import AutoencoderTrainer


def test_cli_writes_the_run_directory(tmp_path, capsys):
    run_dir = str(tmp_path / "run")
    main(["--config", "tiny", "--run-dir", run_dir, "--set", "train.epochs=2"])
    names = set(os.listdir(run_dir))
    assert {"config.yaml", "vocab.txt", "checkpoints", "backup", "logs", "samples", "metrics.json"} <= names
    assert os.listdir(os.path.join(run_dir, "logs", "train"))
    assert sorted(os.listdir(os.path.join(run_dir, "samples"))) == ["epoch_001.txt", "epoch_002.txt"]
    assert "# generated" in open(os.path.join(run_dir, "samples", "epoch_002.txt")).read()
    assert load_config(os.path.join(run_dir, "config.yaml")).train.epochs == 2
    metrics = json.load(open(os.path.join(run_dir, "metrics.json")))
    for key in ("reconstruction_accuracy", "valid_fraction", "distinct_fraction", "novel_fraction"):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["num_samples"] == 50 and metrics["iterations"] == 8
    assert "run directory" in capsys.readouterr().out


def test_cli_config_error_is_one_line(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", "tiny", "--run-dir", str(tmp_path / "r"), "--set", "data.maxlen=0"])
    assert exit_info.value.code == "error: data.maxlen: must be positive, got 0"
    assert not os.path.exists(tmp_path / "r")


def test_cli_refuses_to_overwrite_a_run(tiny_run_dir):
    with pytest.raises(SystemExit, match="already holds a run"):
        main(["--config", "tiny", "--run-dir", tiny_run_dir])


def test_cli_missing_config_path_is_an_error(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", "/missing/dir/tiny.yaml", "--run-dir", str(tmp_path / "r")])
    assert exit_info.value.code == "error: --config: no such file: /missing/dir/tiny.yaml"
    assert not os.path.exists(tmp_path / "r")


def test_cli_resume_without_a_run_names_resume(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["--resume", "--run-dir", str(tmp_path)])
    assert exit_info.value.code == f"error: --resume: {tmp_path} holds no run (config.yaml missing)"
    assert os.listdir(tmp_path) == []


def test_batch_larger_than_the_corpus_is_one_line_and_writes_nothing(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", "tiny", "--run-dir", str(tmp_path / "r"), "--set", "train.batch_size=100000"])
    assert exit_info.value.code.startswith("error: train.batch_size: 100000 is more than the 512 training")
    assert not os.path.exists(tmp_path / "r")


def _run_files(run_dir):
    """Returns `{relative path: bytes}` of every file in `run_dir`."""
    files = {}
    for root, _, names in os.walk(run_dir):
        for name in names:
            path = os.path.join(root, name)
            files[os.path.relpath(path, run_dir)] = open(path, "rb").read()
    return files


@pytest.mark.parametrize("override, key", [("model.hidden_dim=16", "model.hidden_dim"),
                                           ("train.trainer=ae", "train.trainer"),
                                           ("train.adversary_optimizer=adam", "--resume"),
                                           ("runtime.precision=mixed_float16", "runtime.precision")])
def test_a_refused_resume_leaves_the_run_untouched(tiny_run_dir, tmp_path, override, key):
    run_dir = str(tmp_path / "run")
    shutil.copytree(tiny_run_dir, run_dir)
    before = _run_files(run_dir)
    with pytest.raises(SystemExit) as exit_info:
        main(["--resume", "--run-dir", run_dir, "--set", override])
    assert exit_info.value.code.startswith(f"error: {key}") and "\n" not in exit_info.value.code
    assert _run_files(run_dir) == before
    load_trainer(run_dir)  # still loads, so --resume and export still work


def test_resume_may_change_the_schedule(tiny_run_dir, tmp_path):
    run_dir = str(tmp_path / "run")
    shutil.copytree(tiny_run_dir, run_dir)
    metrics = run(load_config(os.path.join(run_dir, "config.yaml"), ["train.epochs=3", "train.num_eval_samples=0"]),
                  run_dir, resume=True, verbose=0)
    assert metrics["iterations"] == 24  # the tiny run: 2 epochs of 8 steps, one more epoch
    assert load_config(os.path.join(run_dir, "config.yaml")).train.epochs == 3


class OptimizerStates(keras.callbacks.Callback):
    """Records the values of every optimizer variable of the trainer at the end of one epoch, or at train begin."""

    def __init__(self, epoch=None):
        super().__init__()
        self.epoch, self.values = epoch, None

    def _record(self):
        self.values = {o: [v.numpy().copy() for v in getattr(self.model, o).variables]
                       for o in ("ae_optimizer", "critic_optimizer", "generator_optimizer", "adversary_optimizer")}

    def on_train_begin(self, logs=None):
        if self.epoch is None:
            self._record()

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            self._record()


class KillAt(keras.callbacks.Callback):
    """Interrupts training like a kill signal at a given epoch and batch."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.target, self.epoch = (epoch, batch), None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.target:
            raise KeyboardInterrupt


def test_resume_after_a_kill_loses_at_most_the_current_epoch(tmp_path):
    run_dir = str(tmp_path / "run")
    config = load_config("tiny", ["train.epochs=3", "train.num_eval_samples=0", "train.ae_optimizer=adam",
                                  "train.adversary_optimizer=adam"])
    saved = OptimizerStates(epoch=0)
    with pytest.raises(KeyboardInterrupt):
        run(config, run_dir, verbose=0, callbacks=[saved, KillAt(epoch=1, batch=1)])
    restored = OptimizerStates()
    metrics = run(config, run_dir, resume=True, verbose=0, callbacks=[restored])
    assert metrics["iterations"] == 12  # 3 epochs × 4 steps: epoch 2 redone, nothing counted twice
    for name, values in saved.values.items():  # the states at the end of epoch 1 came back, value for value
        assert len(values) == len(restored.values[name]) > 1, name
        assert any(np.any(v != 0) for v in values[1:]), name  # moments or iteration counts, not just zeros
        for a, b in zip(values, restored.values[name]):
            np.testing.assert_array_equal(a, b)


@pytest.fixture
def nan_once(monkeypatch):
    """Makes the reconstruction loss NaN at the first step that starts at iteration 5; returns the flag."""
    armed = tf.Variable(True)
    reconstruction = AutoencoderTrainer.reconstruction

    def once_nan(self, token_ids, codes, training=False, decoder=None):
        loss, *rest = reconstruction(self, token_ids, codes, training=training, decoder=decoder)
        hit = armed & (self.iteration == 5)
        with tf.control_dependencies([armed.assign(armed & ~hit)]):
            loss = loss * tf.where(hit, np.nan, 1.0)  # NaN gradients, hence NaN weights
        return (loss, *rest)

    monkeypatch.setattr(AutoencoderTrainer, "reconstruction", once_nan)
    return armed


def test_export_and_evaluate_refuse_a_run_killed_in_its_first_epoch(tmp_path):
    from tfarae.export.writer import ExportError, export_run

    run_dir = str(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        run(load_config("tiny"), run_dir, verbose=0, callbacks=[KillAt(epoch=0, batch=1)])
    with pytest.raises(ExportError, match="no finished epoch") as error:
        export_run(run_dir, str(tmp_path / "models"))
    assert "\n" not in str(error.value) and not os.path.exists(tmp_path / "models")


def test_nan_stops_with_the_last_good_checkpoint_intact(tmp_path, nan_once):
    run_dir = str(tmp_path / "run")
    with pytest.raises(TrainingDiverged, match="epoch 2, batch 2.*last good checkpoint is intact"):
        run(load_config("tiny", ["train.epochs=3"]), run_dir, verbose=0)
    with h5py.File(os.path.join(run_dir, CHECKPOINT_FILE)) as f:
        arrays = []
        f.visititems(lambda name, item: arrays.append(item[()]) if isinstance(item, h5py.Dataset) else None)
    assert arrays and all(np.all(np.isfinite(a)) for a in arrays)
    assert not os.path.exists(os.path.join(run_dir, "metrics.json"))


def test_nan_rollback_reloads_and_continues(tmp_path, nan_once):
    metrics = run(load_config("tiny", ["train.nan_policy=rollback", "train.num_eval_samples=0"]),
                  str(tmp_path / "run"), verbose=0)
    assert not bool(nan_once.numpy())  # the NaN really happened
    assert np.isfinite(metrics["reconstruction_loss"])
    assert metrics["iterations"] == 6  # back to 4 (end of epoch 1) at batch 2, then batches 3 and 4


def test_the_ae_sampling_gaussian_is_fitted_once_per_epoch_on_all_training_sentences(tmp_path, monkeypatch):
    from tfarae.data.pipeline import encode_sentences
    from tfarae.data.sources import load_corpus
    from tfarae.evaluate import evaluate

    fits = []
    fit = AutoencoderTrainer.prepare_sampling
    monkeypatch.setattr(AutoencoderTrainer, "prepare_sampling", lambda self, ids: fits.append(len(ids)) or fit(self, ids))
    run_dir = str(tmp_path / "run")
    config = load_config("tiny", ["train.trainer=ae", "data.max_train_sentences=300"])
    run(config, run_dir, verbose=0)
    assert fits == [300, 300]  # after each epoch, on every training sentence; metrics.json samples from that fit
    evaluate(run_dir, ("codes",), max_eval_sentences=20)
    assert len(fits) == 2  # evaluation (like export) uses the checkpoint's fit as it is
    _, tokenizer, trainer = load_trainer(run_dir)
    codes = trainer.encoder(encode_sentences(tokenizer, load_corpus(config.data).train).token_ids).numpy()
    np.testing.assert_allclose(trainer.code_mean.numpy(), codes.mean(0), atol=1e-5)
