"""The export directory: TF Serving layout, bare-TensorFlow loading, warmup replay, versions, the CLI."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

from tfarae.export import ExportError, export_run, next_version
from tfarae.export.__main__ import main
from tfarae.export.writer import WARMUP_FILE, write_warmup

BARE_TENSORFLOW = r"""
import json, sys
import tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
s = tf.constant(["", "hello there"])
out = {
    "reconstruct": loaded.signatures["reconstruct"](sentences=s)["sentences"].numpy().tolist(),
    "encode": loaded.signatures["encode"](sentences=s)["codes"].numpy().tolist(),
    "generate": loaded.signatures["generate"](num=tf.constant(3), seed=tf.constant(1, tf.int64),
                                              temperature=tf.constant(0.0))["sentences"].numpy().tolist(),
    "interpolate": loaded.signatures["interpolate"](start=s, end=s[::-1],
                                                    steps=tf.constant(2))["sentences"].shape.as_list(),
}
out = {k: [x.decode() if isinstance(x, bytes) else x for x in v] for k, v in out.items()}
out["modules"] = sorted(m for m in ("tfarae", "tensorflow_text", "keras") if m in sys.modules)
print(json.dumps(out))
"""


def test_tf_serving_layout(exported, export_root):
    assert exported.path == os.path.join(export_root, "tiny", "1") and exported.version == 1
    assert sorted(os.listdir(os.path.join(export_root, "tiny"))) == ["1"]  # no staging directory left behind
    for name in ("saved_model.pb", "variables", WARMUP_FILE):
        assert os.path.exists(os.path.join(exported.path, name)), name
    assert set(exported.signatures) >= {"encode", "decode", "reconstruct", "generate", "interpolate"}


def test_loads_and_runs_with_only_tensorflow_imported(exported, loaded):
    done = subprocess.run([sys.executable, "-c", BARE_TENSORFLOW, exported.path], capture_output=True, text=True,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"), cwd="/", timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert "tfarae" not in out["modules"] and "tensorflow_text" not in out["modules"]
    s = tf.constant(["", "hello there"])
    here = [x.decode() for x in loaded.signatures["reconstruct"](sentences=s)["sentences"].numpy()]
    assert out["reconstruct"] == here
    np.testing.assert_allclose(out["encode"], loaded.signatures["encode"](sentences=s)["codes"].numpy(), atol=1e-6)
    assert len(out["generate"]) == 3 and out["interpolate"] == [2, 2]


def test_warmup_file_replays_against_the_model(exported, loaded):
    prediction_log_pb2 = pytest.importorskip("tensorflow_serving.apis.prediction_log_pb2")
    replayed = set()
    for record in tf.data.TFRecordDataset(os.path.join(exported.path, WARMUP_FILE)):
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        request = log.predict_log.request
        assert request.model_spec.name == "tiny"
        signature = loaded.signatures[request.model_spec.signature_name]
        outputs = signature(**{k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()})
        assert set(outputs) == set(signature.structured_outputs)
        replayed.add(request.model_spec.signature_name)
    assert replayed == set(loaded.signatures)


def test_warmup_is_skipped_without_the_serving_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tensorflow_serving.apis", None)
    assert write_warmup(str(tmp_path), "m", {"encode": {}}) is None
    assert "pip install 'tfarae[serving]'" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / WARMUP_FILE)


def test_next_version(tmp_path):
    assert next_version(str(tmp_path / "absent")) == 1
    for name in ("1", "3", ".4.tmp-x", "notes"):
        os.makedirs(tmp_path / name)
    assert next_version(str(tmp_path)) == 4


def test_existing_version_is_never_overwritten(exported, tiny_run_dir, export_root):
    before = os.path.getmtime(os.path.join(exported.path, "saved_model.pb"))
    with pytest.raises(ExportError, match="already exists; versions are never overwritten"):
        export_run(tiny_run_dir, export_root, name="tiny", version=1)
    assert os.path.getmtime(os.path.join(exported.path, "saved_model.pb")) == before


@pytest.mark.parametrize("argv, message", [
    (["--run-dir", "/nonexistent/run"], "holds no run (config.yaml missing)"),
    (["--version", "1"], "already exists; versions are never overwritten"),
    (["--version", "0"], "must be a positive integer"),
])
def test_cli_bad_input_is_one_line_and_exit_1(argv, message, tiny_run_dir, export_root, exported, capsys):
    args = ["--run-dir", tiny_run_dir, "--output", export_root, "--name", "tiny"]
    if argv[0] == "--run-dir":
        args[1] = argv[1]
    else:
        args += argv
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


@pytest.mark.slow
def test_cli_end_to_end_writes_the_next_version(tiny_run_dir, export_root, exported):
    done = subprocess.run([sys.executable, "-m", "tfarae.export", "--run-dir", tiny_run_dir, "--output", export_root,
                           "--name", "tiny"], capture_output=True, text=True,
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    second = os.path.join(export_root, "tiny", "2")
    assert f"exported and verified: {second}" in done.stdout
    assert "reconstruct: sentences [2]" in done.stdout
    assert os.path.exists(os.path.join(second, "saved_model.pb"))
    assert os.path.exists(os.path.join(exported.path, "saved_model.pb"))  # version 1 untouched


def test_a_relative_output_directory_is_verified_where_it_was_written(tiny_run_dir, tmp_path, monkeypatch):
    from tfarae.export import export_run

    monkeypatch.chdir(tmp_path)  # the verifying process starts elsewhere: the path must not stay relative
    result = export_run(tiny_run_dir, "models", name="tiny")
    assert result.path == str(tmp_path / "models" / "tiny" / "1")
    assert os.path.exists(os.path.join(result.path, "saved_model.pb"))
