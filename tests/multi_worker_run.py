"""One worker of a multi-worker tiny run, for tests/test_multi_worker.py (TF_CONFIG comes from the environment).

Usage: `python multi_worker_run.py RUN_DIR WEIGHTS_OUT [KEY=VALUE ...]`. Trains `configs/tiny.yaml`
(with the overrides) under `runtime.strategy: multi_worker` through `tfarae.run.run`, then writes
this worker's final weights to `WEIGHTS_OUT` (`.npz`, in `trainer.weights` order).
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from tfarae.config import load_config  # noqa: E402
from tfarae.run import run  # noqa: E402


class SaveWeights(keras.callbacks.Callback):
    """Writes the trainer's weights to an `.npz` when training ends."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_train_end(self, logs=None):
        np.savez(self.path, *[w.numpy() for w in self.model.weights])


def main(run_dir, weights_out, *overrides):
    config = load_config("tiny", ["runtime.strategy=multi_worker", *overrides])
    run(config, run_dir, verbose=0, callbacks=[SaveWeights(weights_out)])


if __name__ == "__main__":
    main(*sys.argv[1:])
