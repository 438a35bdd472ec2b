"""The run directory format (`tfarae.run_dir`): readers never import the training entry; a run rebuilds as trained."""

import dataclasses
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tfarae.config import load_config
from tfarae.run_dir import CHECKPOINT_FILE, CONFIG_FILE, METRICS_FILE, VOCAB_FILE, finished_run_problem, load_trainer

# Imports every reader of run directories, then goes down each path that reads one (the imports
# of the format sit inside those functions), and prints whether `tfarae.run` got imported.
READERS = r"""
import argparse, json, sys
import tfarae.evaluate, tfarae.export.serving, tfarae.export.tfjs, tfarae.export.tfjs_module
import tfarae.export.writer, tfarae.semisupervised, tfarae.transfer

run_dir, empty, out = sys.argv[1:]
seen = {}
for name, export in (("writer", tfarae.export.writer.export_run), ("tfjs", tfarae.export.tfjs.export_tfjs)):
    try:
        export(empty, out)
    except tfarae.export.writer.ExportError as error:
        seen[name] = str(error)
for name, main, argv in (("transfer", tfarae.transfer.main, ["--run-dir", run_dir, "--to", "0"]),
                         ("semisupervised", tfarae.semisupervised.main,
                          ["--run-dir", empty, "--train-pairs", "p", "--test-pairs", "p"])):
    try:
        main(argv)
    except SystemExit as stop:
        seen[name] = stop.code
args = argparse.Namespace(run_dir=run_dir, suite="transfer", reference_lm=None, num_samples=1, lm_recipe="tiny",
                          max_eval_sentences=1, references=[])
seen["evaluate"] = tfarae.evaluate.argument_problem(args)
seen["serving"] = tfarae.export.serving.build_serving_module(run_dir)[0].train.trainer
print(json.dumps({"seen": seen, "imported_run": "tfarae.run" in sys.modules}))
"""


def test_export_and_evaluation_read_runs_without_the_training_entry(tiny_run_dir, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = subprocess.run([sys.executable, "-c", READERS, tiny_run_dir, str(empty), str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    no_run = f"--run-dir: {empty} holds no run ({CONFIG_FILE} missing)"
    assert report["seen"] == {"writer": no_run, "tfjs": no_run, "semisupervised": 2, "transfer": 2,
                              "evaluate": f"--suite transfer: {tiny_run_dir} was trained with train.trainer: arae, "
                                          "not transfer",
                              "serving": "arae"}
    assert not report["imported_run"]


def test_load_trainer_rebuilds_the_run_as_trained(tiny_run_dir):
    from tfarae.data.pipeline import encode_sentences, eval_dataset
    from tfarae.data.sources import load_corpus

    config, tokenizer, trainer = load_trainer(tiny_run_dir)
    trained_with = load_config("tiny", ["train.epochs=2", "train.steps_per_epoch=8"])  # conftest's tiny_run_dir
    assert dataclasses.asdict(config) == dataclasses.asdict(trained_with)
    with open(os.path.join(tiny_run_dir, VOCAB_FILE), encoding="utf-8") as f:
        assert list(tokenizer.vocabulary) == f.read().splitlines()

    # The run's own last evaluation, reproduced: the checkpoint holds the weights the run ended with.
    with open(os.path.join(tiny_run_dir, METRICS_FILE), encoding="utf-8") as f:
        saved = json.load(f)
    corpus = load_corpus(config.data)
    valid = encode_sentences(tokenizer, corpus.valid, corpus.valid_labels)
    evaluation = trainer.evaluate(eval_dataset(valid, config.train.batch_size), verbose=0, return_dict=True)
    for key in ("reconstruction_loss", "reconstruction_accuracy"):
        assert evaluation[key] == pytest.approx(saved[key], rel=1e-5), key
    assert int(trainer.iteration.numpy()) == saved["iterations"]

    codes = trainer.encoder(valid.token_ids[:8]).numpy()
    np.testing.assert_array_equal(codes, load_trainer(tiny_run_dir)[2].encoder(valid.token_ids[:8]).numpy())


def test_finished_run_problem_names_the_missing_file(tiny_run_dir, tmp_path):
    assert finished_run_problem(tiny_run_dir) is None
    run_dir = str(tmp_path / "run")
    shutil.copytree(tiny_run_dir, run_dir)
    os.remove(os.path.join(run_dir, CHECKPOINT_FILE))
    assert finished_run_problem(run_dir) == f"--run-dir: {run_dir} has no finished epoch ({CHECKPOINT_FILE} missing)"
    os.remove(os.path.join(run_dir, VOCAB_FILE))
    assert finished_run_problem(run_dir) == f"--run-dir: {run_dir} holds no run ({VOCAB_FILE} missing)"
