"""One whole search: check everything, record the search's settings, run the trials, write the results.

The output directory holds `base.yaml` (the resolved base config), `search.yaml` (tuner, oracle
seed and the effective search file), KerasTuner's `oracle/`, the trials' run directories in
`trials/<id>/` and the results of `tfarae.tuning.results`.
"""

import dataclasses
import os

import yaml

from tfarae.config import Config, ConfigError, load_config, save_config
from tfarae.tuning.search_file import load_search_space, parse_search_space
from tfarae.tuning.search_space import SearchSpace

BASE_FILE = "base.yaml"
SETTINGS_FILE = "search.yaml"
TUNERS = ("random", "bayesian", "hyperband")  # KerasTuner oracles by name (tfarae.tuning.tuner.make_oracle)


@dataclasses.dataclass
class Search:
    """A checked search, ready to run."""

    output: str  # the search's directory
    base: Config  # the config every trial starts from
    space: SearchSpace
    tuner: str  # random | bayesian | hyperband
    seed: int  # the oracle's seed
    resume: bool  # continue the search already in `output`


def _resumed(output, config, search, tuner, objective, seed):
    """Returns the `Search` recorded in `output`; raises `ConfigError` if a given argument differs from it."""
    with open(os.path.join(output, SETTINGS_FILE), encoding="utf-8") as f:
        settings = yaml.safe_load(f)
    base = load_config(os.path.join(output, BASE_FILE))
    space = parse_search_space(settings["space"], base)
    given = {
        "--config": config and dataclasses.asdict(load_config(config)) != dataclasses.asdict(base),
        "--search": search and load_search_space(search, base, objective).to_dict() != space.to_dict(),
        "--objective": objective and objective != space.objective,
        "--tuner": tuner and tuner != settings["tuner"],
        "--seed": seed is not None and seed != settings["seed"],
    }
    for flag, differs in given.items():
        if differs:
            raise ConfigError(f"{flag}: differs from the search in {output} ({SETTINGS_FILE}, {BASE_FILE}); "
                              "it cannot change on --resume")
    return Search(output, base, space, settings["tuner"], settings["seed"], resume=True)


def prepare_search(output, config=None, search=None, tuner=None, objective=None, seed=None, resume=False):
    """Returns the checked `Search` of the CLI's arguments; writes nothing.

    Args:
        output: the search's directory.
        config: base config file or preset (default `arae_default`).
        search: the search file (required unless resuming).
        tuner: random (default) | bayesian | hyperband.
        objective: replaces the search file's objective.
        seed: the oracle's seed, positive (default 1).
        resume: continue the search in `output`; the arguments given must match what it recorded.

    Raises:
        ConfigError: one line naming the first wrong key or flag.
    """
    if seed is not None and seed <= 0:
        raise ConfigError(f"--seed: must be positive (KerasTuner replaces 0 by a random seed), got {seed}")
    held = os.path.exists(os.path.join(output, SETTINGS_FILE))
    if resume and not held:
        raise ConfigError(f"--resume: {output} holds no search ({SETTINGS_FILE} missing)")
    if held and not resume:
        raise ConfigError(f"--output: {output} already holds a search; pass --resume or choose another directory")
    if resume:
        prepared = _resumed(output, config, search, tuner, objective, seed)
    elif search is None:
        raise ConfigError("--search: required (a search file such as configs/search/arae.yaml)")
    else:
        base = load_config(config or "arae_default")
        prepared = Search(output, base, load_search_space(search, base, objective), tuner or "random",
                          seed or 1, resume=False)
    if prepared.tuner == "hyperband" and "train.epochs" in prepared.space.params:
        raise ConfigError("train.epochs: hyperband gives every trial its epochs; do not search it")
    return prepared


def run_search(search, max_trials):
    """Runs the trials still to run, up to `max_trials` in all, and writes the results.

    On resume, trials KerasTuner recorded as finished are not run again; one interrupted mid-run
    continues from its last finished epoch.

    Returns:
        `(rows, best)` of `tfarae.tuning.results.write_results`.
    """
    from tfarae.tuning.results import write_results
    from tfarae.tuning.tuner import ConfigTuner, make_oracle

    if not search.resume:
        os.makedirs(search.output, exist_ok=True)
        save_config(search.base, os.path.join(search.output, BASE_FILE))
        with open(os.path.join(search.output, SETTINGS_FILE), "w", encoding="utf-8") as f:
            yaml.safe_dump({"tuner": search.tuner, "seed": search.seed, "space": search.space.to_dict()}, f,
                           sort_keys=False)
    oracle = make_oracle(search.tuner, search.space, max_trials, search.seed)
    tuner = ConfigTuner(oracle, search.space, search.output, overwrite=not search.resume)
    tuner.search()
    return write_results(tuner.oracle, search.space, search.output)
