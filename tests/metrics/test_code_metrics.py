"""Code-space statistics: norms, covariance traces, edit-distance neighbours, the callback and TB reading."""

import json

import numpy as np
import pytest
import tensorflow as tf

from tfarae.metrics.code_stats import (CodeStatistics, covariance_trace, edit_distance, mean_norm,
                                       neighbour_cosine, neighbour_pairs)
from tfarae.metrics.tensorboard import read_scalars


def test_norm_and_trace():
    codes = np.array([[3.0, 4.0], [0.0, 1.0], [-3.0, -5.0]])
    assert mean_norm(codes) == pytest.approx((5 + 1 + np.sqrt(34)) / 3)
    assert covariance_trace(codes) == pytest.approx(np.var(codes[:, 0]) + np.var(codes[:, 1]))


def test_edit_distance_and_neighbours():
    assert edit_distance("kitten".split(), "kitten".split()) == 0
    assert edit_distance(list("kitten"), list("sitting")) == 3
    assert edit_distance([], [1, 2]) == 2
    sequences = [(1, 2, 3), (1, 2, 4), (9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12), (1, 2, 3)]
    # Identical sentences are not neighbours; the long one is more than 5 edits from the rest.
    assert neighbour_pairs(sequences, 5) == [(0, 1), (1, 3)]
    assert neighbour_pairs(sequences, 0) == []
    codes = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    assert neighbour_cosine(codes, neighbour_pairs(sequences, 5)) == pytest.approx(1 / np.sqrt(2))
    assert np.isnan(neighbour_cosine(codes, []))


def test_code_statistics_callback_logs_and_tensorboard_reads(tiny_run_dir, tmp_path):
    from tfarae.data.grammar import generate
    from tfarae.run_dir import load_trainer

    _, tokenizer, trainer = load_trainer(tiny_run_dir)
    token_ids = tokenizer(tf.constant(generate(64, seed=5))).numpy()
    callback = CodeStatistics(token_ids, path=str(tmp_path / "code_stats.jsonl"))
    callback.set_model(trainer)
    logs = {}
    callback.on_epoch_end(0, logs)
    assert set(logs) == set(CodeStatistics.LOG_KEYS) | {"code_norm_real", "code_norm_generated"}
    row = json.loads((tmp_path / "code_stats.jsonl").read_text())
    assert row["epoch"] == 1 and row["code_norm_real"] == pytest.approx(1.0, abs=1e-4)
    assert row["neighbour_pairs"] > 0 and -1.0 <= row["neighbour_cosine"] <= 1.0
    scalars = read_scalars(f"{tiny_run_dir}/logs/train")
    assert [step for step, _ in scalars["epoch_code_norm_real"]] == [0, 1]
