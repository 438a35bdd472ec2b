"""The TF.js converter's own Python environment: built by `setup_converter_env`, found by `converter_python`.

`tensorflowjs` 4.22.0 pins dependencies that TensorFlow 2.21 cannot meet (pip downgrades TF to
2.19, which then fails on protobuf), so it never goes into the project's environment. The
converter environment is a separate venv (default `~/.cache/tfarae/tfjs-converter-<id>`, one
per project environment, or `$TFARAE_TFJS_ENV`) that:

- sees this environment's packages (TensorFlow 2.21 and the rest) through a `.pth` file, after
  its own, so nothing is downloaded or installed twice and this environment is never changed;
- holds `tensorflowjs==4.22.0`, `tf-keras==2.21.0` and `tensorflow-hub==0.16.1`, installed
  without their dependency pins;
- holds import-only placeholders for `tensorflow_decision_forests` and `jax`, which the
  converter's modules import at load time but never call when converting a SavedModel (Keras,
  seeing a `jax`, also reads `jax.monitoring.record_scalar`).

`python -m tfarae.export.tfjs --setup` builds it (and npm-installs the demo page's packages,
`tfarae.demo.install_web_dependencies`); the environment is rebuilt from scratch each time.
"""

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig

CONVERTER_PACKAGES = ("tensorflowjs==4.22.0", "tf-keras==2.21.0", "tensorflow-hub==0.16.1")
READY_FILE = "tfarae-tfjs-ready"  # written last by `setup_converter_env`: the sys.prefix it was built for

PLACEHOLDERS = {
    "tensorflow_decision_forests/__init__.py":
        '"""Import-only placeholder: tensorflowjs imports it; SavedModel conversion never uses it."""\n',
    "jax/__init__.py":
        '"""Import-only placeholder: tensorflowjs imports jax.experimental.jax2tf; SavedModel conversion never '
        'uses it."""\nfrom jax import experimental, monitoring  # noqa: F401\n',
    "jax/monitoring.py":
        '"""Keras reads `jax.monitoring.record_scalar` once it sees a `jax` module."""\n\n\n'
        'def record_scalar(*args, **kwargs):\n    """Records nothing."""\n',
    "jax/experimental/__init__.py": "",
    "jax/experimental/jax2tf.py": '"""Import-only placeholder (JAX models are never converted here)."""\n',
}


class ConverterEnvError(RuntimeError):
    """The converter environment is missing or could not be built; the message says what to run."""


def default_env_dir():
    """Returns `$TFARAE_TFJS_ENV`, else `~/.cache/tfarae/tfjs-converter-<id>` (`$XDG_CACHE_HOME` honoured).

    `<id>` names this Python environment (a hash of `sys.prefix`), so two checkouts with their own
    venvs never share, or rebuild, each other's converter environment.
    """
    if os.environ.get("TFARAE_TFJS_ENV"):
        return os.environ["TFARAE_TFJS_ENV"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "tfarae", f"tfjs-converter-{_environment_id()}")


def _environment_id():
    return hashlib.sha1(os.path.abspath(sys.prefix).encode("utf-8")).hexdigest()[:10]


def _env_python(env_dir):
    return os.path.join(env_dir, "bin", "python")


def converter_python(env_dir=None):
    """Returns the Python executable of a ready converter environment.

    Raises:
        ConverterEnvError: (one line) the environment is missing or unfinished; run the setup command.
    """
    env_dir = env_dir or default_env_dir()
    ready = os.path.join(env_dir, READY_FILE)
    if not os.path.isfile(ready):
        raise ConverterEnvError(f"no TF.js converter environment at {env_dir}: "
                                "run `python -m tfarae.export.tfjs --setup` first")
    with open(ready, encoding="utf-8") as f:
        base = f.read().strip()
    if base != os.path.abspath(sys.prefix):
        raise ConverterEnvError(f"the TF.js converter environment at {env_dir} was built for {base}, not this "
                                "Python environment: run `python -m tfarae.export.tfjs --setup` again")
    return _env_python(env_dir)


def _site_packages(env_dir):
    """Returns the venv's site-packages directory (same Python version as this interpreter)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return os.path.join(env_dir, "lib", version, "site-packages")


def setup_converter_env(env_dir=None, log=print):
    """Builds the converter environment in `env_dir` (default `default_env_dir()`), replacing any old one.

    Returns:
        The environment's Python executable.

    Raises:
        ConverterEnvError: pip or the final import check failed (its last line quoted).
    """
    env_dir = env_dir or default_env_dir()
    shutil.rmtree(env_dir, ignore_errors=True)
    log(f"tfjs setup: converter environment {env_dir}")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env_dir], check=True)
    site = _site_packages(env_dir)
    base = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    with open(os.path.join(site, "tfarae_base_environment.pth"), "w", encoding="utf-8") as f:
        f.write("".join(f"{path}\n" for path in base))
    for relative, text in PLACEHOLDERS.items():
        path = os.path.join(site, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    python = _env_python(env_dir)
    # pip comes from this environment (through the .pth) and installs into the venv (sys.prefix).
    _run([python, "-m", "pip", "install", "--quiet", "--no-deps", *CONVERTER_PACKAGES], "pip install")
    _run([python, "-c", "import tensorflowjs.converters"], "import check")
    with open(os.path.join(env_dir, READY_FILE), "w", encoding="utf-8") as f:
        f.write(os.path.abspath(sys.prefix))  # the environment whose packages the .pth file lends
    return python


def _run(command, what):
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ConverterEnvError(f"tfjs setup: {what} failed: {tail}")

