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


def _config(benchmark, data_dir, *flags, system="arae", seed=0):
    return benchmark.benchmark_config(benchmark.parse_args(["--data-dir", data_dir, *flags]), system, seed)


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
    from tfarae.run import run_mismatch

    run_dir, trained = str(tmp_path / "arae"), _config(benchmark, data_dir)
    assert run_mismatch(run_dir, trained) is None  # nothing there yet
    _finished_run(run_dir, trained)
    assert run_mismatch(run_dir, _config(benchmark, data_dir)) is None
    problem = run_mismatch(run_dir, _config(benchmark, data_dir, "--epochs", "3"))
    assert problem == f"{run_dir} was trained with train.epochs {trained.train.epochs}, now 3"
    problem = run_mismatch(run_dir, _config(benchmark, data_dir, "--set", "model.z_dim=7", system="ae"))
    assert problem == (f"{run_dir} was trained with model.z_dim {trained.model.z_dim}, now 7; "
                       "train.trainer 'arae', now 'ae'")


def test_lm_is_reusable_only_with_its_recipe_and_training_data(benchmark, data_dir, tmp_path):
    from tfarae.metrics.lm_cache import lm_mismatch

    data = _config(benchmark, data_dir).data
    lm_dir = str(tmp_path / "lm_real")
    _saved_lm(lm_dir, recipe("small"), data)
    assert lm_mismatch(lm_dir, recipe("small"), data) is None
    assert lm_mismatch(lm_dir, recipe("tiny"), data).startswith(f"{lm_dir} was trained with recipe.")
    quick = _config(benchmark, data_dir, "--quick").data
    assert lm_mismatch(lm_dir, recipe("small"), quick) == \
        f"{lm_dir} was trained with data.max_train_sentences None, now 2000"
    unrecorded = str(tmp_path / "old_lm")
    _saved_lm(unrecorded, recipe("small"), data, record_data=False)
    assert "training_data.json" in lm_mismatch(unrecorded, recipe("small"), data)


def test_main_refuses_a_mismatched_out_before_training(benchmark, data_dir, tmp_path):
    out, trained = tmp_path / "out", _config(benchmark, data_dir, seed=1)
    _finished_run(str(out / "seed1" / "arae"), trained)
    with pytest.raises(SystemExit) as stop:
        benchmark.main(["--out", str(out), "--data-dir", data_dir, "--systems", "arae", "--epochs", "3", "--seeds", "2"])
    message = str(stop.value.code)
    expected = f"error: {out / 'seed1' / 'arae'} was trained with train.epochs {trained.train.epochs}, now 3"
    assert message.startswith(expected)
    assert "\n" not in message and sorted(os.listdir(out)) == ["seed1"]


def test_reuse_problem_checks_finished_and_interrupted_runs_and_the_lm(benchmark, data_dir, tmp_path):
    configs = {f"seed0/{system}": _config(benchmark, data_dir, system=system) for system in ("ae", "arae")}
    lms = {"lm_real": recipe("standard")}
    out = str(tmp_path / "out")
    _finished_run(os.path.join(out, "seed0", "arae"), configs["seed0/arae"])
    os.makedirs(os.path.join(out, "seed0", "ae"))  # an interrupted run is resumed, so it is compared too
    save_config(configs["seed0/ae"], os.path.join(out, "seed0", "ae", "config.yaml"))
    assert benchmark.reuse_problem(out, configs, lms) is None
    save_config(configs["seed0/arae"], os.path.join(out, "seed0", "ae", "config.yaml"))
    assert "train.trainer 'arae', now 'ae'" in benchmark.reuse_problem(out, configs, lms)
    save_config(configs["seed0/ae"], os.path.join(out, "seed0", "ae", "config.yaml"))
    _saved_lm(os.path.join(out, "lm_real"), recipe("small"), configs["seed0/ae"].data)
    assert "recipe.name 'lstm-lm-small', now 'lstm-lm-v1'" in benchmark.reuse_problem(out, configs, lms)


def test_the_sampling_lm_has_the_decoders_sizes_and_its_seed(benchmark, data_dir):
    config = _config(benchmark, data_dir)
    lm_config = benchmark.sampling_lm_config(recipe("standard"), config, seed=2)
    assert (lm_config.embedding_dim, lm_config.hidden_dim) == (config.model.embedding_dim, config.model.hidden_dim)
    assert lm_config.seed == 2 and lm_config.maxlen == config.data.maxlen
    assert lm_config.name == f"lstm-lm-v1-{config.model.embedding_dim}x{config.model.hidden_dim}"
    assert lm_config.epochs == recipe("standard").epochs


TINY = ["data.source=files", "model.embedding_dim=8", "model.hidden_dim=8", "model.z_dim=4",
        "model.generator_hidden=[8]", "model.critic_hidden=[8]", "train.batch_size=16", "model.output_dtype=float32"]


def test_quick_benchmark_over_two_seeds_scores_every_system_and_writes_the_samples(benchmark, tmp_path, capsys):
    from tfarae.data import grammar

    data_dir = tmp_path / "snli"
    data_dir.mkdir()
    (data_dir / "valid.txt").write_text("\n".join(grammar.generate(600, seed=1)) + "\n")
    (data_dir / "test.txt").write_text("\n".join(grammar.generate(100, seed=2)) + "\n")
    out = tmp_path / "out"
    benchmark.main(["--quick", "--data-dir", str(data_dir), "--out", str(out), "--seeds", "2", "--num-samples", "150",
                    "--config", "tiny", "--lm-recipe", "tiny", "--time-to-quality", "100", *[f"--set={o}" for o in TINY]])
    printed = capsys.readouterr().out
    for system in ("LM", "AE", "ARAE"):
        row = next(line for line in printed.splitlines() if line.startswith(f"| {system} samples |"))
        assert row.count("±") >= 4, row
    assert "ARAE reverse PPL" in printed and "below the LM samples" in printed
    assert "Time to quality" in printed and "- seed0/arae: " in printed and "- seed0/ae: " in printed
    for system in ("lm", "ae", "arae"):
        for seed in (0, 1):
            lines = (out / f"samples_{system}_seed{seed}.txt").read_text().splitlines()
            assert len(lines) == 150 and all(len(line.split()) <= 15 for line in lines)
    assert (out / "samples_lm_seed0.txt").read_text() != (out / "samples_lm_seed1.txt").read_text()
    curve = [json.loads(line) for line in (out / "seed0" / "arae" / "quality_curve.jsonl").read_text().splitlines()]
    assert [p["epoch"] for p in curve] == [1] and curve[0]["train_minutes"] > 0
    assert not (out / "seed1" / "arae" / "quality_curve.jsonl").exists()  # seed 0 only
    reports = json.loads((out / "reports.json").read_text())
    assert reports["1"]["arae"]["num_samples"] == 150 and reports["0"]["lm"]["reverse_ppl"] > 1
