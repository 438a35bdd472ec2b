"""MirroredStrategy on two logical CPUs gives the single-device run (in a fresh process: logical devices
must be configured before TensorFlow starts)."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "mirrored_equivalence.py")
WEIGHT_TOLERANCE = 2e-5  # max |difference| of any weight after 4 steps (float32 sums in another order)
METRIC_TOLERANCE = 1e-5  # relative difference of every logged metric


@pytest.fixture(scope="module")
def report():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", ["ae", "arae", "arae_weight_clip"])
def test_two_replicas_equal_one_device(report, case):
    assert report[case]["weights"] < WEIGHT_TOLERANCE
    for name, (single, mirrored) in report[case]["metrics"].items():
        assert abs(single - mirrored) <= METRIC_TOLERANCE * max(abs(single), 1e-3), name


def test_gan_trackers_read_global_values_under_two_replicas(report):
    # Before: the scalar trackers read the global value divided by the replica count (0.5 for 1.0).
    single, mirrored = report["arae"]["metrics"]["gradient_penalty"]
    assert single > 0.5 and mirrored == pytest.approx(single, rel=1e-5)


def test_a_mirrored_run_trains_through_the_cli_path(report):
    assert report["run"]["iterations"] == 8 and report["run"]["reconstruction_loss"] > 0


def test_batch_sizes_must_split_evenly_over_replicas():
    from tfarae.config import ConfigError, load_config
    from tfarae.distribute import check_replicas

    check_replicas(load_config("tiny").train, 2)
    with pytest.raises(ConfigError, match=r"^train\.batch_size: 16 does not split evenly over 3 replicas$"):
        check_replicas(load_config("tiny").train, 3)
    with pytest.raises(ConfigError, match=r"^train\.gan_batch_size: 5 "):
        check_replicas(load_config("tiny", ["train.gan_batch_size=5"]).train, 2)


def test_logical_cpus_after_tensorflow_started_is_one_line(tiny_config):
    import tensorflow as tf

    from tfarae.config import ConfigError, RuntimeConfig
    from tfarae.distribute import make_strategy

    tf.constant(0)  # TensorFlow has started in this process
    with pytest.raises(ConfigError, match=r"^runtime\.logical_cpus: TensorFlow already started"):
        make_strategy(RuntimeConfig(strategy="mirrored", logical_cpus=3))
    assert make_strategy(RuntimeConfig()).num_replicas_in_sync == 1
