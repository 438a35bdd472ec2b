"""TF.js export: a run's numeric graphs converted by the official `tensorflowjs` converter.

    python -m tfarae.export.tfjs --setup                     # once: converter venv, the page's npm packages
    python -m tfarae.export.tfjs --run-dir RUN --output DIR  # or: python -m tfarae.export ... --tfjs

The output folder (`DIR`, or `MODELS/NAME/N/tfjs/` beside the SavedModel with `--tfjs`):

    encode_ids/model.json, group1-shard*.bin     graph models (see `tfarae.export.tfjs_module`)
    decode_ids/...
    codes_from_noise/...
    transfer_ids/...                             class-conditional runs only
    vocab.json                                   the tokens in id order
    metadata.json                                sizes, limits, tokenizer options, labels

`metadata.json` keys: `format` ("tfarae-tfjs/1"), `graphs`, `maxlen`, `sequence_length` (T),
`code_dim` (C), `z_dim` (Z), `vocab_size`, the serving limits `max_batch`, `max_num`,
`max_steps` (`tfarae.export.LIMITS`, applied the same way by `tfarae.js`), `lowercase`,
`split_punctuation`, `trained_precision` (the graphs compute in float32 whatever it was) and
`labels`: the class names of a class-conditional run (`tfarae.data.sources.label_names`), in
class-index order, which the page's transfer control offers; empty (and the control hidden) for
every other run.

The run is rebuilt from its directory (never a live trainer), saved as a temporary SavedModel
with the graphs, converted in the converter's own environment (`tfarae.export.tfjs_env`)
with control flow v2 into a hidden folder beside the output, then renamed; an existing output is
never replaced. Only the `core` tokenizer is supported (`tfarae.js` reproduces its splitting).
"""

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile

from tfarae.export.tfjs_env import ConverterEnvError, converter_python
from tfarae.export.writer import ExportError

FORMAT = "tfarae-tfjs/1"

_CONVERT_SCRIPT = r"""
import sys
from tensorflowjs.converters import convert_tf_saved_model
saved_model, output = sys.argv[1:3]
for name in sys.argv[3:]:
    convert_tf_saved_model(saved_model, f"{output}/{name}", signature_def=name, saved_model_tags="serve",
                           control_flow_v2=True)
"""

_GRAPH_INPUTS = {"encode_ids": ["token_ids"], "decode_ids": ["codes"], "codes_from_noise": ["noise"],
                 "transfer_ids": ["target", "token_ids"]}


@dataclasses.dataclass
class TfjsResult:
    """What `export_tfjs` wrote.

    Attributes:
        path: the output folder.
        graph_bytes: graph name → size of its model.json and weight files, in bytes.
        metadata: the contents of `metadata.json`.
    """

    path: str
    graph_bytes: dict
    metadata: dict


def metadata_for(config, tokenizer, trainer, graphs):
    """Returns the `metadata.json` dict of a run converted into `graphs` (see the module docstring for the keys)."""
    from tfarae.data.sources import label_names
    from tfarae.export.serving import LIMITS

    return {
        "format": FORMAT, "graphs": list(graphs),
        "maxlen": tokenizer.maxlen, "sequence_length": tokenizer.sequence_length,
        "code_dim": int(trainer.encoder.code_dim), "z_dim": int(trainer.noise_dim),
        "vocab_size": tokenizer.vocab_size, **LIMITS,
        "lowercase": tokenizer.lowercase, "split_punctuation": tokenizer.split_punctuation,
        "trained_precision": config.runtime.precision,
        "labels": list(label_names(config.data)) if trainer.num_classes else [],
    }


def check_converter(env_dir=None):
    """Returns the converter environment's Python; raises `ExportError` (one line naming the setup command) without."""
    try:
        return converter_python(env_dir)
    except ConverterEnvError as error:
        raise ExportError(str(error)) from None


def convert_saved_model(saved_model, output, graphs, env_dir=None):
    """Converts each signature in `graphs` of `saved_model` into `output/<name>/` with the converter environment.

    Raises:
        ExportError: the environment is missing, the converter failed, or a graph lacks its input.
    """
    python = check_converter(env_dir)
    done = subprocess.run([python, "-c", _CONVERT_SCRIPT, saved_model, output, *graphs], capture_output=True,
                          text=True, cwd=tempfile.gettempdir(), env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ExportError(f"tfjs: the tensorflowjs converter failed: {tail}")
    for name in graphs:
        with open(os.path.join(output, name, "model.json"), encoding="utf-8") as f:
            inputs = json.load(f).get("signature", {}).get("inputs", {})
        if sorted(inputs) != _GRAPH_INPUTS[name]:
            raise ExportError(f"tfjs: converted {name} takes {sorted(inputs)}, not {_GRAPH_INPUTS[name]}")


def _folder_bytes(path):
    return sum(os.path.getsize(os.path.join(path, n)) for n in os.listdir(path))


def export_tfjs(run_dir, output, env_dir=None):
    """Converts the run in `run_dir` into the TF.js folder `output` (which must not exist yet).

    Args:
        run_dir: a run directory (`config.yaml`, `vocab.txt`, `checkpoints/last.weights.h5`).
        output: the folder to write.
        env_dir: the converter environment (default `tfarae.export.tfjs_env.default_env_dir()`).

    Returns:
        A `TfjsResult`.

    Raises:
        ExportError: (one line) no finished run, `output` exists, a `tf_text` tokenizer, a missing
            converter environment or a failed conversion.
    """
    import tensorflow as tf

    from tfarae.config import load_config
    from tfarae.export.tfjs_module import TfjsModule, load_float32_trainer
    from tfarae.run_dir import CONFIG_FILE, finished_run_problem

    problem = finished_run_problem(run_dir)
    if problem:
        raise ExportError(problem)
    if os.path.exists(output):
        raise ExportError(f"tfjs: {output} already exists; it is never overwritten")
    if load_config(os.path.join(run_dir, CONFIG_FILE)).data.tokenizer != "core":
        raise ExportError("tfjs: only data.tokenizer: core runs convert (tfarae.js reproduces its splitting, "
                          "not tensorflow_text's)")
    check_converter(env_dir)  # fail before the model is built
    config, tokenizer, trainer = load_float32_trainer(run_dir)
    module = TfjsModule(trainer, tokenizer.sequence_length)
    parent = os.path.dirname(os.path.abspath(output))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".tfjs.tmp-", dir=parent)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            saved_model = os.path.join(scratch, "saved_model")
            tf.saved_model.save(module, saved_model, signatures=module.signatures())
            convert_saved_model(saved_model, staging, list(module.signatures()), env_dir)
        metadata = metadata_for(config, tokenizer, trainer, module.signatures())
        for name, value in (("vocab.json", tokenizer.vocabulary), ("metadata.json", metadata)):
            with open(os.path.join(staging, name), "w", encoding="utf-8") as f:
                json.dump(value, f, ensure_ascii=False, indent=1 if name == "metadata.json" else None)
        if os.path.exists(output):
            raise ExportError(f"tfjs: {output} appeared during the export; it is never overwritten")
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a web server may run as another user
        os.rename(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    sizes = {name: _folder_bytes(os.path.join(output, name)) for name in module.signatures()}
    return TfjsResult(output, sizes, metadata)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfarae.export.tfjs", description=__doc__.splitlines()[0])
    parser.add_argument("--setup", action="store_true",
                        help="build the converter environment and npm-install the demo page's packages, then exit")
    parser.add_argument("--env", help="converter environment (default: $TFARAE_TFJS_ENV, else "
                                      "~/.cache/tfarae/tfjs-converter-<id>)")
    parser.add_argument("--run-dir", help="run directory written by python -m tfarae.train")
    parser.add_argument("--output", help="TF.js folder to write (must not exist)")
    args = parser.parse_args(argv)
    if not args.setup and not (args.run_dir and args.output):
        parser.error("give --setup, or --run-dir and --output")
    return args


def main(argv=None):
    args = parse_args(argv)
    from tfarae.config import ConfigError
    from tfarae.demo import WebSetupError, install_web_dependencies
    from tfarae.export.tfjs_env import setup_converter_env

    try:
        if args.setup:
            setup_converter_env(args.env)
            if shutil.which("npm"):
                install_web_dependencies()
            else:  # conversion works without Node; the page, Node and the browser tests need it
                print("tfjs setup: npm not found, so no npm packages for the demo page (install Node.js 18+, "
                      "then run this again)")
            print("tfjs setup: done")
            return
        result = export_tfjs(args.run_dir, args.output, args.env)
    except (ExportError, ConverterEnvError, ConfigError, WebSetupError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"converted for TF.js: {result.path}")
    for name, size in result.graph_bytes.items():
        print(f"  {name}: {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
