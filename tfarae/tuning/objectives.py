"""The quality figures a search can optimise, each read from a finished run (never an adversarial loss)."""

import dataclasses
import math

from tfarae.config import ConfigError

ORACLE_SOURCES = ("grammar",)  # data.source values whose corpus has an exact oracle (tfarae.data.sources)
REVERSE_PPL_SAMPLES = 2000  # generated sentences an LM is trained on for one trial's reverse perplexity
REVERSE_PPL_RECIPE = "small"  # LM recipe of that perplexity (tfarae.metrics.lm.RECIPES); not comparable to `standard`


@dataclasses.dataclass(frozen=True)
class Objective:
    """How one figure is optimised."""

    direction: str  # max | min (keras_tuner.Objective's)
    worst: float  # the value a failed trial is recorded with
    needs_oracle: bool = False  # only for corpora with an exact oracle


OBJECTIVES = {
    # Share of `train.num_eval_samples` generated sentences the corpus' oracle accepts (metrics.json).
    "valid_fraction": Objective("max", 0.0, needs_oracle=True),
    # Greedy teacher-forced token accuracy on the validation data (metrics.json).
    "reconstruction_accuracy": Objective("max", 0.0),
    # Perplexity of held-out real text under an LM trained on generated sentences (tfarae.evaluate).
    "reverse_ppl": Objective("min", math.inf),
}
DEFAULT_OBJECTIVE = "reconstruction_accuracy"  # defined for every corpus


def check_objective(name, direction, data_config):
    """Raises `ConfigError` unless objective `name` exists, `direction` (or None) is its own and the corpus has it."""
    if name not in OBJECTIVES:
        raise ConfigError(f"objective.name: unknown objective {name!r}; known: {', '.join(OBJECTIVES)}")
    objective = OBJECTIVES[name]
    if direction is not None and direction != objective.direction:
        raise ConfigError(f"objective.direction: {name} is optimised with direction {objective.direction}, "
                          f"got {direction!r}")
    if objective.needs_oracle and data_config.source not in ORACLE_SOURCES:
        raise ConfigError(f"objective: {name} needs a corpus with an oracle (data.source: "
                          f"{', '.join(ORACLE_SOURCES)}), got data.source {data_config.source}")


def measure(name, run_dir, metrics):
    """Returns objective `name` of the finished run in `run_dir` whose `metrics.json` holds `metrics`.

    `reverse_ppl` trains two small LMs (`tfarae.evaluate`, recipe `REVERSE_PPL_RECIPE`, on
    `REVERSE_PPL_SAMPLES` generated sentences) and writes `run_dir/eval/`. A figure that could not
    be computed is NaN.
    """
    if name == "reverse_ppl":
        from tfarae.evaluate import evaluate

        value = evaluate(run_dir, ("generation",), num_samples=REVERSE_PPL_SAMPLES,
                         lm_recipe=REVERSE_PPL_RECIPE)["reverse_ppl"]
    else:
        value = metrics.get(name)
    return math.nan if value is None else float(value)
