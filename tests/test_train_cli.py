"""The training CLI end to end on tiny.yaml, resume, and the NaN guard."""

import json
import os

import h5py
import keras
import numpy as np
import pytest
import tensorflow as tf

from tfarae.callbacks import TrainingDiverged
from tfarae.config import load_config
from tfarae.run import CHECKPOINT_FILE, run
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
    config = load_config("tiny", ["train.epochs=3", "train.num_eval_samples=0"])
    with pytest.raises(KeyboardInterrupt):
        run(config, run_dir, verbose=0, callbacks=[KillAt(epoch=1, batch=1)])
    metrics = run(config, run_dir, resume=True, verbose=0)
    assert metrics["iterations"] == 12  # 3 epochs × 4 steps: epoch 2 redone, nothing counted twice
    with h5py.File(os.path.join(run_dir, "backup", "latest.weights.h5")) as f:
        assert {"ae_optimizer", "critic_optimizer", "generator_optimizer"} <= set(f)


@pytest.fixture
def nan_once(monkeypatch):
    """Makes the reconstruction loss NaN at the first step that starts at iteration 5; returns the flag."""
    armed = tf.Variable(True)
    reconstruction = AutoencoderTrainer.reconstruction

    def once_nan(self, token_ids, codes, training=False):
        loss, *rest = reconstruction(self, token_ids, codes, training=training)
        hit = armed & (self.iteration == 5)
        with tf.control_dependencies([armed.assign(armed & ~hit)]):
            loss = loss * tf.where(hit, np.nan, 1.0)  # NaN gradients, hence NaN weights
        return (loss, *rest)

    monkeypatch.setattr(AutoencoderTrainer, "reconstruction", once_nan)
    return armed


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
