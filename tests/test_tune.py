"""`python -m tfarae.tune` on tiny.yaml: results, resume, baseline first, hyperband, failed trials, bad search files."""

import csv
import math
import os
import shutil

import pytest
import yaml

from tfarae.callbacks import TrainingDiverged
from tfarae.config import load_config
from tfarae.tune import main

# KerasTuner's own threading calls, not ours.
pytestmark = [pytest.mark.filterwarnings("ignore:currentThread:DeprecationWarning"),
              pytest.mark.filterwarnings("ignore:getName:DeprecationWarning")]

TINY_SEARCH = os.path.join(os.path.dirname(__file__), os.pardir, "configs", "search", "tiny.yaml")


def _tune(output, *more, search=TINY_SEARCH, max_trials=2):
    main(["--config", "tiny", "--search", search, "--max-trials", str(max_trials), "--output", str(output), *more])


def _rows(output):
    with open(os.path.join(output, "trials.csv"), encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    """Returns the output of a finished 2-trial random search of configs/search/tiny.yaml (read-only)."""
    output = tmp_path_factory.mktemp("search") / "out"
    _tune(output)
    return str(output)


def test_search_writes_results_and_best_config(searched):
    rows = _rows(searched)
    assert [row["trial"] for row in rows] == ["0", "1"] and {row["status"] for row in rows} == {"completed"}
    objectives = [float(row["reconstruction_accuracy"]) for row in rows]
    assert all(math.isfinite(v) for v in objectives)
    assert len(set(objectives)) == 2, "the tiny search should separate its two trials; pick another seed or range"
    best = rows[objectives.index(max(objectives))]
    config = load_config(os.path.join(searched, "best.yaml"))
    assert config.train.ae_learning_rate == float(best["train.ae_learning_rate"])
    assert config.train.steps_per_epoch == int(best["train.steps_per_epoch"])
    assert config.train.epochs == load_config("tiny").train.epochs == 2  # the base config's epochs, not the budget
    for row in rows:
        trial_config = load_config(os.path.join(row["run_dir"], "config.yaml"))
        assert trial_config.train.ae_learning_rate == float(row["train.ae_learning_rate"])
        assert trial_config.train.epochs == int(row["epochs"]) == 3  # budget.epochs of the tiny search
        assert os.path.exists(os.path.join(row["run_dir"], "metrics.json"))
    assert len({row["run_dir"] for row in rows}) == 2
    assert os.path.getsize(os.path.join(searched, "objective.png")) > 0
    assert open(os.path.join(searched, "trials.md")).read().startswith("| trial | status |")


def test_resume_runs_only_the_missing_trials(searched, tmp_path, monkeypatch):
    from tfarae.tuning.tuner import ConfigTuner

    output = tmp_path / "out"
    shutil.copytree(searched, output)
    finished = {t: os.path.getmtime(output / "trials" / t / "metrics.json") for t in ("0", "1")}
    ran, run_trial = [], ConfigTuner.run_trial
    monkeypatch.setattr(ConfigTuner, "run_trial",
                        lambda self, trial: ran.append(trial.trial_id) or run_trial(self, trial))
    _tune(output, "--resume", max_trials=3)
    assert ran == ["2"]
    assert [row["trial"] for row in _rows(output)] == ["0", "1", "2"]
    assert {t: os.path.getmtime(output / "trials" / t / "metrics.json") for t in ("0", "1")} == finished
    assert os.path.exists(output / "trials" / "2" / "metrics.json")


def test_resume_continues_a_trial_killed_mid_run(tmp_path, monkeypatch):
    from test_train_cli import KillAt
    from tfarae.run import run

    output = tmp_path / "out"
    monkeypatch.setattr("tfarae.tuning.tuner.run", lambda config, run_dir, resume=False, verbose=0: run(
        config, run_dir, resume, verbose, callbacks=[KillAt(epoch=1, batch=0)]))
    with pytest.raises(KeyboardInterrupt):
        _tune(output, max_trials=1)
    first_epoch = os.path.getmtime(output / "trials" / "0" / "samples" / "epoch_001.txt")
    monkeypatch.undo()
    _tune(output, "--resume", max_trials=1)
    assert [row["status"] for row in _rows(output)] == ["completed"]
    assert yaml.safe_load(open(output / "trials" / "0" / "metrics.json"))["iterations"] == 3 * 32  # budget 3 epochs
    assert os.path.getmtime(output / "trials" / "0" / "samples" / "epoch_001.txt") == first_epoch  # not retrained


@pytest.mark.parametrize("args, message", [
    ([], "--output: {output} already holds a search; pass --resume"),
    (["--resume", "--tuner", "bayesian"], "--tuner: differs from the search in {output}"),
])
def test_an_existing_search_is_not_overwritten_or_changed(searched, args, message, capsys):
    before = os.listdir(searched)
    with pytest.raises(SystemExit) as exit_info:
        _tune(searched, *args)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("error: " + message.format(output=searched))
    assert os.listdir(searched) == before


def test_first_trial_is_the_base_config(tmp_path, tiny_config):
    from tfarae.tuning.search_file import parse_search_space
    from tfarae.tuning.tuner import ConfigTuner, make_oracle

    space = parse_search_space({"train.ae_learning_rate": {"type": "float", "min": 0.1, "max": 10.0},
                                "train.critic_steps": {"type": "int", "min": 1, "max": 5},
                                "train.noise_std": {"type": "choice", "values": [0.01, 0.05, 0.2]}}, tiny_config)
    for kind in ("random", "bayesian"):
        tuner = ConfigTuner(make_oracle(kind, space, 3, seed=1), space, str(tmp_path / kind), overwrite=True)
        first, second = (tuner.oracle.create_trial(name).hyperparameters.values for name in ("a", "b"))
        assert first == {"train.ae_learning_rate": 1.0, "train.critic_steps": 2, "train.noise_std": 0.05}, kind
        assert second != first


def test_hyperband_continues_the_promoted_trial(tmp_path):
    search = tmp_path / "hyperband.yaml"
    search.write_text("train.ae_learning_rate: {type: float, min: 1.0, max: 6.0}\nbudget: {epochs: 3}\n")
    output = tmp_path / "out"
    _tune(output, "--tuner", "hyperband", search=str(search), max_trials=4)
    rows = _rows(output)
    assert [row["epochs"] for row in rows] == ["1", "1", "1", "3"]  # hyperband's first bracket: 3 trials, 1 promoted
    promoted = output / "trials" / "3"
    past = next(row for row in rows[:3] if row["train.ae_learning_rate"] == rows[3]["train.ae_learning_rate"])
    copied = output / "trials" / past["trial"] / "samples" / "epoch_001.txt"
    assert os.path.getmtime(promoted / "samples" / "epoch_001.txt") == os.path.getmtime(copied)  # not retrained
    assert yaml.safe_load(open(promoted / "metrics.json"))["iterations"] == 3 * 4


@pytest.mark.parametrize("failure", ["diverged", "nan", "inf"])
def test_a_failed_trial_is_recorded_and_the_search_goes_on(tmp_path, monkeypatch, failure):
    def fake_run(config, run_dir, resume=False, verbose=0):
        calls.append(run_dir)
        if len(calls) == 1 and failure == "diverged":
            raise TrainingDiverged("training diverged at epoch 1, batch 1: critic_loss became NaN/inf")
        return {"reconstruction_accuracy": float(failure) if len(calls) == 1 else 0.5}

    calls = []
    monkeypatch.setattr("tfarae.tuning.tuner.run", fake_run)
    _tune(tmp_path / "out")
    rows = _rows(tmp_path / "out")
    assert [(row["status"], row["reconstruction_accuracy"]) for row in rows] == [("failed", "0.0"),
                                                                                ("completed", "0.5")]
    assert load_config(str(tmp_path / "out" / "best.yaml")).train.ae_learning_rate == float(
        rows[1]["train.ae_learning_rate"])


def test_an_unexpected_error_stops_the_search(tmp_path, monkeypatch):
    import keras_tuner

    def broken_run(config, run_dir, resume=False, verbose=0):
        raise RuntimeError("a bug")

    monkeypatch.setattr("tfarae.tuning.tuner.run", broken_run)
    with pytest.raises(keras_tuner.errors.FatalError, match="a bug"):
        _tune(tmp_path / "out")


@pytest.mark.parametrize("text, message", [
    ("train.nope: {type: float, min: 0.1, max: 1.0}", "train.nope: unknown key"),
    ("nope: {type: float, min: 0.1, max: 1.0}", "nope: unknown key"),
    ("train.noise_std: {type: float, min: 0.2, max: 0.1}", "train.noise_std: min (0.2) must be less than max (0.1)"),
    ("train.critic_steps: {type: float, min: 1, max: 4}", "train.critic_steps: expected int, got 1.0"),
    ("train.noise_std: {type: choice, values: [0.1, fast]}", "train.noise_std.values: must all be int"),
    ("train.noise_std: {type: choice, values: []}", "train.noise_std.values: must be a non-empty list"),
    ("train.noise_std: {type: flaot, min: 0.1, max: 0.2}", "train.noise_std.type: must be float, int or choice"),
    ("train.noise_std: {type: float, min: 0.1, max: 0.2, smapling: log}", "train.noise_std.smapling: unknown key"),
    ("train.noise_std: {type: float, min: 0.0, max: 0.2, sampling: log}", "train.noise_std.min: must be positive"),
    ("train.critic_steps: {type: int, min: 0, max: 3}", "train.critic_steps: must be positive, got 0"),
    ("train.noise_std: {type: float, min: 0.1, max: 0.2}\nbudget: {epochs: 2, steps: 3}", "budget.steps: unknown key"),
    ("train.noise_std: {type: float, min: 0.1, max: 0.2}\nobjective: {name: critic_loss}", "objective.name: unknown"),
    ("train.noise_std: {type: float, min: 0.1, max: 0.2}\nobjective: {name: reverse_ppl, direction: max}",
     "objective.direction: reverse_ppl is optimised with direction min"),
])
def test_a_bad_search_file_is_one_line_and_creates_nothing(tmp_path, capsys, text, message):
    search = tmp_path / "search.yaml"
    search.write_text(text + "\n")
    with pytest.raises(SystemExit) as exit_info:
        _tune(tmp_path / "out", search=str(search))
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith(f"error: {message}") and err.count("\n") == 1, err
    assert not os.path.exists(tmp_path / "out")


@pytest.mark.parametrize("in_file", [True, False])
def test_valid_fraction_is_refused_for_a_corpus_without_oracle(tmp_path, capsys, in_file):
    for name in ("train.txt", "valid.txt"):
        (tmp_path / name).write_text("a dog runs .\ntwo cats sleep .\n")
    config = tmp_path / "files.yaml"
    config.write_text(yaml.safe_dump({"data": {"source": "files", "train_files": [str(tmp_path / "train.txt")],
                                               "valid_files": [str(tmp_path / "valid.txt")]}}))
    search = tmp_path / "search.yaml"
    search.write_text("train.noise_std: {type: float, min: 0.01, max: 0.1}\n"
                      + ("objective: {name: valid_fraction}\n" if in_file else ""))
    more = [] if in_file else ["--objective", "valid_fraction"]
    with pytest.raises(SystemExit) as exit_info:
        main(["--config", str(config), "--search", str(search), "--output", str(tmp_path / "out"), *more])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("error: objective: valid_fraction needs a corpus with an oracle "
                                       "(data.source: grammar), got data.source files\n")
    assert not os.path.exists(tmp_path / "out")


def test_reverse_ppl_objective_evaluates_the_run(tiny_run_dir, tmp_path):
    from tfarae.tuning.objectives import OBJECTIVES, measure

    run_dir = str(tmp_path / "run")
    shutil.copytree(tiny_run_dir, run_dir)
    value = measure("reverse_ppl", run_dir, {})
    assert math.isfinite(value) and value > 1 and OBJECTIVES["reverse_ppl"].direction == "min"
    assert yaml.safe_load(open(os.path.join(run_dir, "eval", "report.json")))["lm_recipe"] == "lstm-lm-small"
