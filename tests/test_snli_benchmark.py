"""benchmarks/snli_generation.py: what --out already holds is reused only if these arguments produced it (no training)."""

import dataclasses
import json
import os

import pytest
from benchmark_scripts import load_benchmark

from tfarae.config import save_config
from tfarae.metrics.lm import recipe


@pytest.fixture(scope="module")
def benchmark():
    """Returns the benchmark script as a module."""
    return load_benchmark("snli_generation")


@pytest.fixture
def data_dir(tmp_path):
    """Returns a stand-in for ../shared/data/snli: the config only checks that the files exist."""
    for name in ("valid.txt", "test.txt"):
        (tmp_path / "snli" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "snli" / name).write_text("a man walks .\n")
    return str(tmp_path / "snli")


def _config(benchmark, data_dir, *flags, system="arae"):
    return benchmark.benchmark_config(benchmark.parse_args(["--data-dir", data_dir, *flags]), system)


def _finished_run(run_dir, config):
    """Writes a fake finished run: only its config.yaml and an empty metrics.json."""
    os.makedirs(run_dir)
    save_config(config, os.path.join(run_dir, "config.yaml"))
    open(os.path.join(run_dir, "metrics.json"), "w").close()


def _saved_lm(lm_dir, lm_config, data_config, record_data=True):
    """Writes a fake saved LM: its recipe, empty vocabulary and weights, and (optionally) its training data."""
    os.makedirs(lm_dir)
    with open(os.path.join(lm_dir, "lm_config.json"), "w", encoding="utf-8") as f:
        json.dump(dataclasses.asdict(lm_config), f)
    for name in ("vocab.txt", "lm.weights.h5"):
        open(os.path.join(lm_dir, name), "w").close()
    if record_data:
        with open(os.path.join(lm_dir, "training_data.json"), "w", encoding="utf-8") as f:
            json.dump(dataclasses.asdict(data_config), f)


def test_run_is_reusable_only_with_the_config_it_was_trained_with(benchmark, data_dir, tmp_path):
    run_dir, trained = str(tmp_path / "arae"), _config(benchmark, data_dir)
    _finished_run(run_dir, trained)
    assert benchmark.run_mismatch(run_dir, _config(benchmark, data_dir)) is None
    problem = benchmark.run_mismatch(run_dir, _config(benchmark, data_dir, "--epochs", "3"))
    assert problem == f"{run_dir} was trained with train.epochs {trained.train.epochs}, now 3"
    problem = benchmark.run_mismatch(run_dir, _config(benchmark, data_dir, "--set", "model.z_dim=7", system="ae"))
    assert problem == (f"{run_dir} was trained with model.z_dim {trained.model.z_dim}, now 7; "
                       "train.trainer 'arae', now 'ae'")


def test_lm_is_reusable_only_with_its_recipe_and_training_data(benchmark, data_dir, tmp_path):
    data = _config(benchmark, data_dir).data
    lm_dir = str(tmp_path / "lm_real")
    _saved_lm(lm_dir, recipe("small"), data)
    assert benchmark.lm_mismatch(lm_dir, recipe("small"), data) is None
    assert benchmark.lm_mismatch(lm_dir, recipe("tiny"), data).startswith(f"{lm_dir} was trained with recipe.")
    quick = _config(benchmark, data_dir, "--quick").data
    assert benchmark.lm_mismatch(lm_dir, recipe("small"), quick) == \
        f"{lm_dir} was trained with data.max_train_sentences None, now 2000"
    unrecorded = str(tmp_path / "old_lm")
    _saved_lm(unrecorded, recipe("small"), data, record_data=False)
    assert "training_data.json" in benchmark.lm_mismatch(unrecorded, recipe("small"), data)


def test_main_refuses_a_mismatched_out_before_training(benchmark, data_dir, tmp_path):
    out, trained = tmp_path / "out", _config(benchmark, data_dir)
    _finished_run(str(out / "arae"), trained)
    with pytest.raises(SystemExit) as stop:
        benchmark.main(["--out", str(out), "--data-dir", data_dir, "--systems", "arae", "--epochs", "3"])
    message = str(stop.value.code)
    assert message.startswith(f"error: {out / 'arae'} was trained with train.epochs {trained.train.epochs}, now 3")
    assert "\n" not in message and sorted(os.listdir(out)) == ["arae"]


def test_reuse_problem_checks_finished_and_interrupted_runs_and_the_lm(benchmark, data_dir, tmp_path):
    configs = {system: _config(benchmark, data_dir, system=system) for system in ("ae", "arae")}
    out = str(tmp_path / "out")
    _finished_run(os.path.join(out, "arae"), configs["arae"])
    os.makedirs(os.path.join(out, "ae"))  # an interrupted run is resumed, so it is compared too
    save_config(configs["ae"], os.path.join(out, "ae", "config.yaml"))
    assert benchmark.reuse_problem(out, configs, recipe("standard")) is None
    save_config(configs["arae"], os.path.join(out, "ae", "config.yaml"))
    assert "train.trainer 'arae', now 'ae'" in benchmark.reuse_problem(out, configs, recipe("standard"))
    save_config(configs["ae"], os.path.join(out, "ae", "config.yaml"))
    _saved_lm(os.path.join(out, "lm_real"), recipe("small"), configs["ae"].data)
    assert "recipe.name 'lstm-lm-small', now 'lstm-lm-v1'" in benchmark.reuse_problem(out, configs,
                                                                                         recipe("standard"))
