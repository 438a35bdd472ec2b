"""The TF.js folder: layout and metadata, weights read once, float32 graphs, and the one-line refusals."""

import json
import os
import shutil

import numpy as np
import pytest
import tensorflow as tf

from tfarae.export import LIMITS
from tfarae.export.tfjs import export_tfjs
from tfarae.export.tfjs_module import GRAPHS, TfjsModule, load_float32_trainer
from tfarae.export.writer import ExportError


def _model_json(tfjs_dir, graph):
    with open(os.path.join(tfjs_dir, graph, "model.json"), encoding="utf-8") as f:
        return json.load(f)


def test_cli_writes_graphs_vocabulary_and_limits_beside_the_saved_model(exported, varied_run_dir):
    version, tfjs_dir = exported
    assert os.path.isfile(os.path.join(version, "saved_model.pb"))
    assert sorted(os.listdir(tfjs_dir)) == sorted([*GRAPHS, "metadata.json", "vocab.json"])
    with open(os.path.join(varied_run_dir, "vocab.txt"), encoding="utf-8") as f:
        vocabulary = f.read().splitlines()
    with open(os.path.join(tfjs_dir, "vocab.json"), encoding="utf-8") as f:
        assert json.load(f) == vocabulary
    with open(os.path.join(tfjs_dir, "metadata.json"), encoding="utf-8") as f:
        metadata = json.load(f)
    assert metadata == {"format": "tfarae-tfjs/1", "graphs": list(GRAPHS), "maxlen": 15, "sequence_length": 16,
                        "code_dim": 8, "z_dim": 4, "vocab_size": len(vocabulary), **LIMITS, "lowercase": True,
                        "split_punctuation": True, "trained_precision": "float32", "labels": []}
    inputs = {g: list(_model_json(tfjs_dir, g)["signature"]["inputs"]) for g in GRAPHS}
    assert inputs == {"encode_ids": ["token_ids"], "decode_ids": ["codes"], "codes_from_noise": ["noise"]}


def test_the_unrolled_encoder_holds_each_kernel_once(exported):
    """Without reading weights once, each of the 16 unrolled steps froze its own copy of the recurrent kernel."""
    weights = [w for group in _model_json(exported[1], "encode_ids")["weightsManifest"] for w in group["weights"]]
    lstm_shaped = [w["name"] for w in weights if w["shape"] == [8, 32]]  # E = H = 8: kernel and recurrent kernel
    assert len(lstm_shaped) == 2, lstm_shaped


def test_graphs_compute_in_float32_only(exported):
    for graph in GRAPHS:
        text = json.dumps(_model_json(exported[1], graph))
        assert "DT_BFLOAT16" not in text and "DT_HALF" not in text, graph


def test_a_bfloat16_run_converts_as_the_float32_model_with_its_weights(varied_run_dir, tmp_path):
    """`runtime.precision` and the softmax layer in mixed_bfloat16: the TF.js graphs are the float32 model's."""
    from tfarae.config import load_config, save_config
    from tfarae.run_dir import load_trainer

    bf16_dir = tmp_path / "bf16"
    shutil.copytree(varied_run_dir, bf16_dir)
    save_config(load_config(os.path.join(varied_run_dir, "config.yaml"),
                            ["runtime.precision=mixed_bfloat16", "model.output_dtype=mixed_bfloat16"]),
                str(bf16_dir / "config.yaml"))
    ids = tf.constant([[5, 6, 7, 2] + [0] * 12, [9, 2] + [0] * 14], tf.int32)
    noise = tf.constant(np.random.default_rng(0).normal(size=(3, 4)), tf.float32)
    with pytest.raises(ValueError, match="TF.js runs float32 only"):
        TfjsModule(load_trainer(str(bf16_dir))[2], 16)
    outputs = {}
    for run_dir in (varied_run_dir, str(bf16_dir)):
        _, tokenizer, trainer = load_float32_trainer(run_dir)
        module = TfjsModule(trainer, tokenizer.sequence_length)
        for graph in GRAPHS:
            dtypes = {t.dtype for op in getattr(module, graph).get_concrete_function().graph.get_operations()
                      for t in op.outputs}
            assert tf.bfloat16 not in dtypes, graph
        codes = module.encode_ids(ids)["codes"]
        outputs[run_dir] = (codes, module.decode_ids(codes)["token_ids"], module.codes_from_noise(noise)["codes"])
    for float32, converted in zip(*outputs.values()):
        np.testing.assert_array_equal(float32.numpy(), converted.numpy())


def test_missing_converter_environment_is_a_one_line_error_before_anything_is_written(
        varied_run_dir, tmp_path, monkeypatch, capsys):
    from tfarae.export.__main__ import main

    monkeypatch.setenv("TFARAE_TFJS_ENV", str(tmp_path / "no-env"))
    with pytest.raises(SystemExit) as exit_status:
        main(["--run-dir", varied_run_dir, "--output", str(tmp_path / "models"), "--tfjs"])
    assert exit_status.value.code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: no TF.js converter environment at {tmp_path / 'no-env'}: "
        "run `python -m tfarae.export.tfjs --setup` first"]
    assert not (tmp_path / "models").exists()


def test_tf_text_runs_and_existing_outputs_are_refused(varied_run_dir, tmp_path):
    from tfarae.config import load_config, save_config

    with pytest.raises(ExportError, match="exists; it is never overwritten"):
        export_tfjs(varied_run_dir, str(tmp_path))
    tf_text_dir = tmp_path / "tf_text"
    shutil.copytree(varied_run_dir, tf_text_dir)
    save_config(load_config(str(tf_text_dir / "config.yaml"), ["data.tokenizer=tf_text"]),
                str(tf_text_dir / "config.yaml"))
    with pytest.raises(ExportError, match="only data.tokenizer: core"):
        export_tfjs(str(tf_text_dir), str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
