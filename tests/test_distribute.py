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


def test_the_custom_loop_under_two_replicas_equals_fit_on_one_device(report):
    assert report["loop"]["weights"] < WEIGHT_TOLERANCE
    for name, (single, mirrored) in report["loop"]["metrics"].items():
        assert abs(single - mirrored) <= METRIC_TOLERANCE * max(abs(single), 1e-3), name


def test_global_batches_split_into_each_replicas_rows(report):
    assert report["split"] == [[0, 1, 2], [3, 4]]  # ceil(5 / 2) rows, then the rest


def test_the_loops_evaluate_under_two_replicas_weighs_every_token_once(report):
    single, mirrored = report["evaluate"]
    assert single.keys() == mirrored.keys()
    for name, value in single.items():
        assert mirrored[name] == pytest.approx(value, rel=1e-6), name


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


@pytest.mark.parametrize("tf_config, message", [
    (None, r"^runtime\.strategy: multi_worker needs the TF_CONFIG environment variable"),
    ("{not json", r"^TF_CONFIG: needs a cluster and this process's task in it"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}}', r"^TF_CONFIG: needs a cluster .*KeyError\('task'\)"),
    ('{"cluster": {"worker": ["127.0.0.1:1"]}, "task": {"type": "worker", "index": 1}}',
     r"^TF_CONFIG: needs a cluster .*IndexError"),
])
def test_a_bad_tf_config_is_one_line_before_anything_starts(monkeypatch, tf_config, message):
    from tfarae.config import ConfigError, RuntimeConfig
    from tfarae.distribute import is_chief

    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", tf_config)
    with pytest.raises(ConfigError, match=message):
        is_chief(RuntimeConfig(strategy="multi_worker"))


@pytest.mark.parametrize("cluster, task, chief", [
    ({"worker": ["a:1", "b:1"]}, {"type": "worker", "index": 0}, True),
    ({"worker": ["a:1", "b:1"]}, {"type": "worker", "index": 1}, False),
    ({"chief": ["c:1"], "worker": ["a:1"]}, {"type": "worker", "index": 0}, False),
    ({"chief": ["c:1"], "worker": ["a:1"]}, {"type": "chief", "index": 0}, True),
])
def test_only_the_chief_or_worker_zero_writes(monkeypatch, cluster, task, chief):
    from tfarae.config import RuntimeConfig
    from tfarae.distribute import is_chief

    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": task}))
    assert is_chief(RuntimeConfig(strategy="multi_worker")) is chief
    assert is_chief(RuntimeConfig()) is True  # a single process always writes


def test_tpu_without_a_tpu_is_one_line():
    from tfarae.config import ConfigError, RuntimeConfig
    from tfarae.distribute import make_strategy

    with pytest.raises(ConfigError, match=r"^runtime\.strategy: tpu: no TPU found at the default address \("):
        make_strategy(RuntimeConfig(strategy="tpu"))


@pytest.mark.parametrize("overrides, message", [
    (["runtime.strategy=multi_worker", "train.steps_per_execution=2"], r"^train\.steps_per_execution: must be 1"),
    (["runtime.strategy=tpu", "train.jit_compile=false"], r"^train\.jit_compile: cannot be false"),
    (["runtime.tpu=grpc://x:8470"], r"^runtime\.tpu: needs runtime\.strategy: tpu$"),
    (["runtime.strategy=horovod"], r"^runtime\.strategy: must be one of default, mirrored, multi_worker, tpu"),
])
def test_runtime_settings_that_cannot_work_together_are_refused(overrides, message):
    from tfarae.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=message):
        load_config("tiny", overrides)
