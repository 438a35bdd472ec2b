"""Initial weights: every weight its own draw, and `train.seed` alone decides them (in any process)."""

import itertools
import os
import subprocess
import sys

import numpy as np

from tfarae.trainers.factory import make_trainer

SUMMARY = "import numpy as np; from tfarae.config import load_config; from tfarae.trainers.factory import make_trainer; " \
          "t = make_trainer(load_config('tiny'), 64, 16); print(repr([float(np.sum(w.numpy() ** 2)) for w in t.weights]))"


def _kernels(trainer):
    return {w.path: w.numpy() for w in trainer.weights if "kernel" in w.path or "embeddings" in w.path}


def test_no_two_weights_start_from_the_same_draw(tiny_config):
    # One shared initializer instance (its seed fixed when made) gave every kernel of a shape the
    # same values, the decoder's embedding and output kernel the same numbers, and the LSTMs'
    # kernel and recurrent kernel the same matrix whenever input_dim == units.
    tiny_config.model.embedding_dim = tiny_config.model.hidden_dim
    kernels = _kernels(make_trainer(tiny_config, 64, 16))
    assert len(kernels) > 10
    for (a, x), (b, y) in itertools.combinations(kernels.items(), 2):
        n = min(x.size, y.size)
        assert not np.allclose(np.sort(x.ravel()[:n]), np.sort(y.ravel()[:n])), (a, b)


def test_initial_weights_depend_on_the_seed_only_not_on_the_process(tiny_config):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    other = subprocess.run([sys.executable, "-c", SUMMARY], capture_output=True, text=True, env=env, check=True)
    here = repr([float(np.sum(w.numpy() ** 2)) for w in make_trainer(tiny_config, 64, 16).weights])
    assert other.stdout.strip().splitlines()[-1] == here
    tiny_config.train.seed = 1
    assert repr([float(np.sum(w.numpy() ** 2)) for w in make_trainer(tiny_config, 64, 16).weights]) != here
