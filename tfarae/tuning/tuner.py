"""The KerasTuner side of a search: oracles that try the base config first, and a Tuner whose trials are tfarae runs."""

import json
import math
import os
import shutil
import time

import keras
import keras_tuner

from tfarae.callbacks import TrainingDiverged
from tfarae.config import ConfigError
from tfarae.run import run
from tfarae.run_dir import CONFIG_FILE, METRICS_FILE
from tfarae.tuning.objectives import measure

PROJECT = "oracle"  # KerasTuner's project directory inside the search's output


def trial_dir(output, trial_id):
    """Returns the run directory of trial `trial_id` of the search in `output`."""
    return os.path.join(output, "trials", trial_id)


class BaselineFirst:
    """Oracle mixin: the first trial runs each hyperparameter's default (the base config's value), then the oracle's."""

    def populate_space(self, trial_id):
        if not self.trials:
            return {"status": keras_tuner.engine.trial.TrialStatus.RUNNING,
                    "values": {hp.name: hp.default for hp in self.hyperparameters.space}}
        return super().populate_space(trial_id)


class RandomOracle(BaselineFirst, keras_tuner.oracles.RandomSearchOracle):
    """`RandomSearchOracle` whose first trial is the base config."""


class BayesianOracle(BaselineFirst, keras_tuner.oracles.BayesianOptimizationOracle):
    """`BayesianOptimizationOracle` whose first trial is the base config (one of its random initial points)."""


def make_oracle(kind, space, max_trials, seed):
    """Returns the KerasTuner oracle `kind` (random | bayesian | hyperband) over `space`, for `max_trials` trials.

    Failed trials never stop the search (no `max_consecutive_failed_trials`). Hyperband gives each
    trial its epochs, up to `space.trial_epochs({})` (the budget, else the base config's epochs).
    """
    hp = keras_tuner.HyperParameters()
    space.declare(hp)
    common = dict(objective=keras_tuner.Objective(space.objective, space.direction), hyperparameters=hp,
                  seed=seed, max_consecutive_failed_trials=None)
    if kind == "hyperband":
        oracle = keras_tuner.oracles.HyperbandOracle(max_epochs=space.trial_epochs({}), **common)
        oracle.max_trials = max_trials  # the cap `Oracle.create_trial` honours; HyperbandOracle has no argument for it
        return oracle
    return {"random": RandomOracle, "bayesian": BayesianOracle}[kind](max_trials=max_trials, **common)


class ConfigTuner(keras_tuner.Tuner):
    """Runs each trial as a tfarae run (`tfarae.run.run`) of the search space's base config plus the trial's values.

    The run goes to `trial_dir(output, trial_id)`; `run_trial` returns `{objective: value, "minutes": m}`.
    A trial whose training diverges, whose values make an invalid config, or whose objective is not
    finite raises `keras_tuner.errors.FailedTrialError` (status FAILED, never retried); any other
    error stops the search (`FatalError`) and `--resume` retries that trial.

    Args:
        oracle: from `make_oracle`.
        space: the `SearchSpace`.
        output: the search's directory; KerasTuner keeps its state in `output/oracle/`.
        overwrite: False continues the search found there (KerasTuner's own reload).
    """

    def __init__(self, oracle, space, output, overwrite):
        self.space = space
        self.output = output
        super().__init__(oracle, directory=output, project_name=PROJECT, overwrite=overwrite)

    def run_trial(self, trial):
        start = time.monotonic()
        keras.backend.clear_session()
        values = trial.hyperparameters.values
        run_dir = trial_dir(self.output, trial.trial_id)
        try:
            metrics = self._train(self.space.trial_config(values), run_dir, values.get("tuner/trial_id"))
            value = measure(self.space.objective, run_dir, metrics)
        except (ConfigError, TrainingDiverged) as error:
            print(f"trial {trial.trial_id} failed: {error}")
            raise keras_tuner.errors.FailedTrialError(str(error)) from error
        except Exception as error:  # not the trial's fault: stop the search instead of failing every trial
            raise keras_tuner.errors.FatalError(f"trial {trial.trial_id}: {error!r}") from error
        if not math.isfinite(value):
            print(f"trial {trial.trial_id} failed: {self.space.objective} is {value}")
            raise keras_tuner.errors.FailedTrialError(f"{self.space.objective} is {value}")
        return {self.space.objective: value, "minutes": (time.monotonic() - start) / 60}

    def _train(self, config, run_dir, past_trial_id):
        """Returns the metrics of the run in `run_dir`, trained (or continued) to `config`.

        A hyperband trial that continues `past_trial_id` starts from a copy of that trial's run and
        resumes it for more epochs; a trial interrupted by a kill resumes its own run.
        """
        if past_trial_id and not os.path.exists(os.path.join(run_dir, CONFIG_FILE)):
            shutil.copytree(trial_dir(self.output, past_trial_id), run_dir, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(METRICS_FILE, "eval"))
        if os.path.exists(os.path.join(run_dir, METRICS_FILE)):  # trained before the kill, not yet reported
            with open(os.path.join(run_dir, METRICS_FILE), encoding="utf-8") as f:
                return json.load(f)
        return run(config, run_dir, resume=os.path.exists(os.path.join(run_dir, CONFIG_FILE)), verbose=0)
