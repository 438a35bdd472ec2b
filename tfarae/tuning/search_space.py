"""`SearchSpace`: the searched config keys with their ranges, the objective and the epoch budget.

It turns a trial's hyperparameter values into that trial's `Config` and declares the keys as
KerasTuner hyperparameters. `tfarae.tuning.search_file` reads and validates one from YAML.
"""

import copy
import dataclasses
import json
from typing import Optional

from tfarae.config import config_from_dict
from tfarae.tuning.objectives import OBJECTIVES

HYPERBAND_EPOCHS = "tuner/epochs"  # the epochs HyperbandOracle gives a trial


def override(key, value):
    """Returns the `key=value` override string of a Python value (JSON is YAML)."""
    return f"{key}={json.dumps(value)}"


def config_with(tree, overrides):
    """Returns the validated `Config` of the nested dict `tree` (left untouched) plus `overrides`."""
    return config_from_dict(copy.deepcopy(tree), overrides)


def _base_value(tree, key):
    """Returns the value of dotted `key` in the nested dict `tree`."""
    for part in key.split("."):
        tree = tree[part]
    return tree


@dataclasses.dataclass
class SearchSpace:
    """A validated search file over a base config (made by `tfarae.tuning.search_file.parse_search_space`)."""

    params: dict  # dotted config key -> range spec, numbers converted
    objective: str  # a key of OBJECTIVES
    base: dict  # the base config as nested dicts
    epochs: Optional[int] = None  # train.epochs of every trial (None: the base config's)

    @property
    def direction(self):
        return OBJECTIVES[self.objective].direction

    def to_dict(self):
        """Returns the search file as a mapping (what `parse_search_space` reads)."""
        budget = {"budget": {"epochs": self.epochs}} if self.epochs else {}
        return {**self.params, "objective": {"name": self.objective, "direction": self.direction}, **budget}

    def trial_epochs(self, values):
        """Returns `train.epochs` of a trial with hyperparameter `values` (hyperband's, else the budget's)."""
        return values.get(HYPERBAND_EPOCHS, self.epochs) or self.base["train"]["epochs"]

    def trial_config(self, values, budget=True):
        """Returns the `Config` of a trial: the base config, the searched `values` and, with `budget`, its epochs."""
        overrides = [override(key, values[key]) for key in self.params if key in values]
        if budget:
            overrides.append(override("train.epochs", self.trial_epochs(values)))
        return config_with(self.base, overrides)

    def declare(self, hp):
        """Declares every searched key in the KerasTuner `HyperParameters` `hp`.

        Each defaults to the base config's value when the range holds it (else KerasTuner's default:
        min, or the first choice), so a trial of the defaults is the base config.
        """
        for key, spec in self.params.items():
            value = _base_value(self.base, key)
            if spec["type"] == "choice":
                hp.Choice(key, spec["values"], default=value if value in spec["values"] else None)
                continue
            inside = isinstance(value, (int, float)) and spec["min"] <= value <= spec["max"]
            if spec["type"] == "int":
                inside = inside and isinstance(value, int) and (value - spec["min"]) % spec["step"] == 0
                hp.Int(key, spec["min"], spec["max"], step=spec["step"], default=value if inside else None)
            else:
                hp.Float(key, spec["min"], spec["max"], sampling=spec["sampling"], default=value if inside else None)
