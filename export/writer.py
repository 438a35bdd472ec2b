"""Writes a run as a versioned, verified SavedModel in the layout TF Serving watches.

    MODELS/NAME/N/saved_model.pb, variables/, assets/
    MODELS/NAME/N/assets.extra/tf_serving_warmup_requests   one PredictionLog per signature

The SavedModel is written into a hidden temporary directory next to the versions (TF Serving
ignores names that are not numbers), reloaded in a fresh Python process that imports only
`tensorflow` (plus `tensorflow_text` for runs with `data.tokenizer: tf_text`), every signature is
called once, and only then is the directory renamed to `N`. An existing version is never replaced.
"""

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf

from tfarae.data.tokenizer import EOS_ID, PAD_ID

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")

_VERIFY_SCRIPT = r"""
import json, sys
import tensorflow as tf
spec = json.loads(sys.stdin.read())
for module in spec["imports"]:
    __import__(module)
loaded = tf.saved_model.load(sys.argv[1])
missing = sorted(set(spec["inputs"]) - set(loaded.signatures))
shapes = {}
for name, inputs in spec["inputs"].items():
    if name in missing:
        continue
    args = {k: tf.reshape(tf.constant(v["value"], v["dtype"]), v["shape"]) for k, v in inputs.items()}
    shapes[name] = {k: t.shape.as_list() for k, t in loaded.signatures[name](**args).items()}
foreign = sorted(m for m in ("tfarae", "tensorflow_text") if m in sys.modules and m not in spec["imports"])
print(json.dumps({"missing": missing, "outputs": shapes, "foreign_modules": foreign}))
"""


class ExportError(ValueError):
    """An export cannot be written or did not verify; the message says why in one line."""


@dataclasses.dataclass
class ExportResult:
    """What `export_run` wrote.

    Attributes:
        path: the version directory `MODELS/NAME/N`.
        version: N.
        signatures: signature name → output name → output shape seen in the verification call.
        warmup_path: the warmup file, or None when `tensorflow-serving-api` is not installed.
    """

    path: str
    version: int
    signatures: dict
    warmup_path: str | None


def next_version(model_dir):
    """Returns 1 + the largest numeric version under `model_dir` (1 when there is none)."""
    if not os.path.isdir(model_dir):
        return 1
    versions = [int(n) for n in os.listdir(model_dir) if n.isdigit()]
    return max(versions, default=0) + 1


def example_inputs(module):
    """Returns `{signature: {input: np.ndarray}}`, one small valid request per signature of `module`."""
    words = [w for w in module.tokenizer.vocabulary[4:9]] or ["hello"]
    sentences = np.array([" ".join(words).encode("utf-8"), b""], dtype=object)
    code = np.full((1, module._code_dim), 1.0 / np.sqrt(module._code_dim), np.float32)
    ids = np.full((1, module.tokenizer.sequence_length), PAD_ID, np.int32)
    ids[0, 0], ids[0, 1] = 4 % module.tokenizer.vocab_size, EOS_ID
    generate = {"num": np.int32(2), "seed": np.int64(0), "temperature": np.float32(0.0)}
    transfer = {"transfer": {"sentences": sentences, "target": np.array([0, module._num_classes - 1], np.int32)}}
    return {
        **(transfer if module._num_classes else {}),
        "encode": {"sentences": sentences},
        "decode": {"codes": code},
        "reconstruct": {"sentences": sentences},
        "serving_default": {"sentences": sentences},
        "generate": generate,
        "generate_from_noise": {"noise": np.zeros((2, module._z_dim), np.float32)},
        "interpolate": {"start": sentences, "end": sentences[::-1].copy(), "steps": np.int32(3)},
        "encode_ids": {"token_ids": ids},
        "decode_ids": {"codes": code},
        "generate_ids": generate,
    }


def write_warmup(export_dir, model_name, inputs):
    """Writes one `PredictionLog` per signature to `assets.extra/tf_serving_warmup_requests`.

    Args:
        export_dir: the SavedModel directory.
        model_name: the TF Serving model name put in each request's `model_spec`.
        inputs: `{signature: {input: np.ndarray}}` (see `example_inputs`).

    Returns:
        The file's path, or None (with a message on stderr) when the optional `[serving]` extra
        (`tensorflow-serving-api`) is not installed.
    """
    try:
        from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2
    except ImportError:
        print("export: tensorflow-serving-api is not installed (pip install 'tfarae[serving]'); "
              f"no {WARMUP_FILE} written", file=sys.stderr)
        return None
    path = os.path.join(export_dir, WARMUP_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for signature, tensors in inputs.items():
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature))
            for key, value in tensors.items():
                request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
            log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return path


def verify_in_fresh_process(export_dir, inputs, imports=()):
    """Loads `export_dir` in a new Python process importing only `tensorflow` (+ `imports`) and calls every signature.

    Returns:
        signature → output name → output shape.

    Raises:
        ExportError: the process failed, a signature is missing, or `tfarae`/`tensorflow_text` got imported.
    """
    spec = {"imports": list(imports), "inputs": {
        name: {k: {"value": np.asarray(v).tolist() if np.asarray(v).dtype != object
                   else [s.decode("utf-8") for s in np.asarray(v).ravel()],
                   "dtype": "string" if np.asarray(v).dtype == object else np.asarray(v).dtype.name,
                   "shape": list(np.shape(v))}
               for k, v in tensors.items()}
        for name, tensors in inputs.items()}}
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, "-c", _VERIFY_SCRIPT, export_dir], input=json.dumps(spec),
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        raise ExportError(f"verification of {export_dir} failed in a fresh process: {tail[0]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["missing"]:
        raise ExportError(f"verification: signatures missing from the SavedModel: {report['missing']}")
    if report["foreign_modules"]:
        raise ExportError(f"verification: loading imported {report['foreign_modules']}")
    return report["outputs"]


def export_run(run_dir, output, name=None, version=None, limits=None):
    """Exports the run in `run_dir` to `output/NAME/N/` and verifies it in a fresh process.

    Args:
        run_dir: a run directory (`config.yaml`, `vocab.txt`, `checkpoints/last.weights.h5`).
        output: the TF Serving model base directory (`MODELS`).
        name: model name (default: the run directory's base name).
        version: positive version number (default: the next free one); must not exist yet.
        limits: overrides of `tfarae.export.serving.LIMITS`.

    Returns:
        An `ExportResult`.

    Raises:
        ExportError: missing run, existing or invalid version, or a failed verification.
    """
    from tfarae.export.serving import build_serving_module
    from tfarae.run_dir import finished_run_problem

    problem = finished_run_problem(run_dir)
    if problem:
        raise ExportError(problem)
    name = name or os.path.basename(os.path.normpath(os.path.abspath(run_dir)))
    if not name or name.startswith(".") or os.sep in name:
        raise ExportError(f"--name: {name!r} is not a usable model name")
    model_dir = os.path.join(os.path.abspath(output), name)  # absolute: the verifying process runs elsewhere
    if version is None:
        version = next_version(model_dir)
    elif version <= 0:
        raise ExportError(f"--version: must be a positive integer, got {version}")
    final = os.path.join(model_dir, str(version))
    if os.path.exists(final):
        raise ExportError(f"--version: {final} already exists; versions are never overwritten")

    config, module = build_serving_module(run_dir, limits)
    os.makedirs(model_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{version}.tmp-", dir=model_dir)
    try:
        tf.saved_model.save(module, staging, signatures=module.signatures())
        inputs = example_inputs(module)
        warmup = write_warmup(staging, name, inputs)
        imports = ["tensorflow_text"] if config.data.tokenizer == "tf_text" else []
        shapes = verify_in_fresh_process(staging, inputs, imports)
        if os.path.exists(final):
            raise ExportError(f"--version: {final} appeared during the export; versions are never overwritten")
        os.chmod(staging, 0o755)  # mkdtemp makes it private; the server may run as another user
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(final, version, shapes, warmup and os.path.join(final, WARMUP_FILE))
