"""`runtime.strategy: multi_worker`: two worker processes on 127.0.0.1 train like one process, and
survive a killed worker through `--resume` (the custom loop of `tfarae.distributed_loop`)."""

import json
import os
import re
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "multi_worker_run.py")
OVERRIDES = ["train.num_eval_samples=10", "train.num_samples_per_epoch=2"]
# Two epochs of two steps; clipping acts at every step (its all-reduce is exercised).
EQUIVALENCE = [*OVERRIDES, "train.steps_per_epoch=2", "train.ae_clipnorm=0.05"]
WEIGHT_TOLERANCE = 2e-5  # max |difference| of any weight after 4 steps (float32 sums in another order)


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _start_workers(command):
    """Starts one process per worker of a fresh two-worker cluster; returns the `Popen`s (worker 0 is the chief)."""
    cluster = {"worker": [f"127.0.0.1:{port}" for port in _free_ports(2)]}
    workers = []
    for index in range(2):
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
                   TF_CONFIG=json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}))
        workers.append(subprocess.Popen(command(index), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True))
    return workers


def _finish(workers, timeout=600):
    """Waits for every worker; returns `[(returncode, stdout, stderr)]`."""
    results = []
    for worker in workers:
        try:
            out, err = worker.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for w in workers:
                w.kill()
            raise
        results.append((worker.returncode, out, err))
    return results


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory):
    """Returns the run directory and each worker's final weights of a two-worker tiny run."""
    root = tmp_path_factory.mktemp("multi_worker")
    run_dir, weights = str(root / "run"), [str(root / f"worker{i}.npz") for i in range(2)]
    results = _finish(_start_workers(lambda i: [sys.executable, SCRIPT, run_dir, weights[i], *EQUIVALENCE]))
    for code, _, err in results:
        assert code == 0, err[-3000:]
    return run_dir, [list(np.load(path).values()) for path in weights]


def test_two_workers_end_with_the_weights_of_one_process(two_workers, tmp_path):
    from tfarae.config import load_config
    from tfarae.run import run
    from tfarae.run_dir import load_trainer

    run(load_config("tiny", EQUIVALENCE), str(tmp_path / "single"), verbose=0)
    single = [w.numpy() for w in load_trainer(str(tmp_path / "single"))[2].weights]
    chief, other = two_workers[1]
    assert len(chief) == len(single)
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(chief, other) if a.size) == 0.0
    assert max(float(np.max(np.abs(a - b))) for a, b in zip(chief, single) if a.size) < WEIGHT_TOLERANCE


def test_only_the_chief_writes_the_run_directory(two_workers):
    run_dir = two_workers[0]
    with open(os.path.join(run_dir, "metrics.json"), encoding="utf-8") as f:
        assert json.load(f)["iterations"] == 4
    assert sorted(os.listdir(os.path.join(run_dir, "samples"))) == ["epoch_001.txt", "epoch_002.txt"]


def _backup_epoch(run_dir):
    try:
        with open(os.path.join(run_dir, "backup", "training_metadata.json"), encoding="utf-8") as f:
            return json.load(f)["epoch"]
    except (OSError, ValueError):
        return 0


def test_a_killed_worker_resumes_from_the_last_epoch_with_exact_iterations(tmp_path):
    run_dir = str(tmp_path / "run")
    epochs, steps = 3, 4

    def train(*extra):
        return lambda index: [sys.executable, "-m", "tfarae.train", "--config", "tiny", "--run-dir", run_dir,
                              "--set", "runtime.strategy=multi_worker", "--set", f"train.epochs={epochs}",
                              *[a for o in OVERRIDES for a in ("--set", o)], *extra]

    chief, other = _start_workers(train())
    deadline = time.time() + 300
    while _backup_epoch(run_dir) < 1 and time.time() < deadline and chief.poll() is None:
        time.sleep(0.2)
    backed_up = _backup_epoch(run_dir)
    other.kill()  # SIGKILL, mid-run
    assert 1 <= backed_up < epochs
    code, _, err = _finish([chief])[0]
    other.wait()
    assert code == 1
    assert err.strip().splitlines()[-1].startswith("error: a worker of the cluster failed or became unreachable")

    results = _finish(_start_workers(train("--resume")))
    for code, _, err in results:
        assert code == 0, err[-3000:]
    assert f"run directory: {run_dir} (written by the chief worker)" in results[1][1]
    with open(os.path.join(run_dir, "metrics.json"), encoding="utf-8") as f:
        assert json.load(f)["iterations"] == epochs * steps
    resumed_epochs = [int(e) for e in re.findall(rf"Epoch (\d+)/{epochs}", results[0][1])]
    assert resumed_epochs and resumed_epochs[0] - 1 >= backed_up  # at most the epoch in progress was lost
    assert resumed_epochs[-1] == epochs
