"""TF.js fixtures: a model whose outputs vary, its SavedModel and TF.js folder (one CLI call), Node, Chromium, demo.

The trained tiny run answers fifteen `<unk>` to everything, which would make "JS equals Python"
hold trivially; `varied_run_dir` is the tiny config with untrained weights drawn large, so
different inputs give different sentences of different lengths (some end at once).
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "varied"


@pytest.fixture(scope="session")
def node():
    """The `node` executable (the tests skip without one: `.ci/run` installs it)."""
    path = shutil.which("node")
    if path is None:
        pytest.skip("Node.js is not installed (needed to run the converted model)")
    return path


@pytest.fixture(scope="session")
def run_node(node, web_dir):
    """Returns `(script in tests/tfjs, request dict) → JSON of the script's last stdout line`.

    The request goes to the script's stdin with `web` (the web folder) added.
    """

    def run(script, request, timeout=180):
        done = subprocess.run([node, os.path.join(HERE, script)], input=json.dumps({"web": web_dir, **request}),
                              capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    return run


@pytest.fixture(scope="session")
def web_dir(node):
    """`tfarae/web` with its npm packages installed (`python -m tfarae.export.tfjs --setup`)."""
    from tfarae.demo import WEB_DIR, web_dependencies_problem

    problem = web_dependencies_problem()
    if problem:
        pytest.fail(problem)
    return WEB_DIR


@pytest.fixture(scope="session")
def chromium(web_dir):
    """The Debian `chromium` executable (the browser tests skip without one: `.ci/run` installs it)."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    return path


def write_varied_run(run_dir, overrides=()):
    """Writes a finished run of `tiny.yaml` + `overrides` into `run_dir` with untrained, large weights; returns it.

    `model.init_scale=1.0` for the encoder and decoder(s), generator kernels N(0, 1/fan_in), so
    codes and sentences differ from input to input. The vocabulary is the grammar corpus's.
    """
    from tfarae.config import load_config, save_config
    from tfarae.data.sources import load_corpus
    from tfarae.data.tokenizer import split_words
    from tfarae.data.vocab import build_vocabulary, save_vocabulary
    from tfarae.trainers.factory import compile_trainer, make_trainer

    config = load_config("tiny", ["model.init_scale=1.0", *overrides])
    vocabulary = build_vocabulary(split_words(load_corpus(config.data).train), config.data.vocab_size)
    trainer = compile_trainer(make_trainer(config, len(vocabulary), config.data.maxlen + 1), config)
    rng = np.random.default_rng(0)
    for kernel in (v for v in trainer.generator.trainable_weights if len(v.shape) == 2):
        kernel.assign(rng.normal(0.0, 1.0 / np.sqrt(kernel.shape[0]), kernel.shape).astype("float32"))
    (run_dir / "checkpoints").mkdir()
    save_config(config, str(run_dir / "config.yaml"))
    save_vocabulary(vocabulary, str(run_dir / "vocab.txt"))
    trainer.save_weights(str(run_dir / "checkpoints" / "last.weights.h5"))
    return str(run_dir)


@pytest.fixture(scope="session")
def varied_run_dir(tmp_path_factory):
    """An ARAE run of `tiny.yaml` with untrained, large weights (`write_varied_run`)."""
    return write_varied_run(tmp_path_factory.mktemp("varied_run"))


@pytest.fixture(scope="session")
def varied_transfer_run_dir(tmp_path_factory):
    """A sentiment-transfer run (classes negative, positive) of `tiny.yaml` with untrained, large weights."""
    return write_varied_run(tmp_path_factory.mktemp("transfer_run"),
                            ["train.trainer=transfer", "data.grammar_attribute=sentiment"])


@pytest.fixture(scope="session")
def exported(varied_run_dir, tmp_path_factory):
    """`(SavedModel version dir, its tfjs/ folder)` written by the command line `python -m tfarae.export ... --tfjs`."""
    from tfarae.export.__main__ import main
    from tfarae.export.tfjs import check_converter
    from tfarae.export.writer import ExportError

    try:
        check_converter()
    except ExportError as error:
        pytest.fail(str(error))
    models = tmp_path_factory.mktemp("models")
    main(["--run-dir", varied_run_dir, "--output", str(models), "--name", NAME, "--tfjs"])
    version = os.path.join(models, NAME, "1")
    return version, os.path.join(version, "tfjs")


@pytest.fixture(scope="session")
def saved_model(exported):
    """The exported SavedModel, loaded with `tf.saved_model.load`."""
    return tf.saved_model.load(exported[0])


@pytest.fixture(scope="session")
def python_answers(saved_model):
    """Returns `(signature, **inputs) → {output: np.ndarray}` with strings decoded, from the SavedModel."""

    def call(name, **inputs):
        out = saved_model.signatures[name](**{k: tf.constant(v) for k, v in inputs.items()})
        return {k: np.vectorize(lambda s: s.decode("utf-8"), otypes=[object])(v.numpy()) if v.dtype == tf.string
                else v.numpy() for k, v in out.items()}

    return call


@pytest.fixture(scope="session")
def start_demo():
    """Returns `model folder → URL` of a `python -m tfarae.demo --model <folder> --port 0` running for the session."""
    servers = []

    def start(model):
        server = subprocess.Popen([sys.executable, "-m", "tfarae.demo", "--model", model, "--port", "0"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        servers.append(server)
        line = server.stdout.readline()
        if not line.startswith("serving "):
            pytest.fail(f"the demo server did not start: {line}{server.stderr.read()}")
        return line.split()[1]

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def demo_url(exported, web_dir, start_demo):
    """The demo page of the varied model (`--model` its SavedModel version directory)."""
    return start_demo(exported[0])
