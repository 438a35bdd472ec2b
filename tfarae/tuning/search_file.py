"""The search file of `python -m tfarae.tune`: which config keys to search over what, for which objective.

A YAML mapping. Every key but `objective` and `budget` is a dotted config key with its range:

    train.ae_learning_rate: {type: float, min: 2.0e-3, max: 1.0e-2, sampling: log}  # sampling: linear (default) | log
    train.critic_steps: {type: int, min: 2, max: 6, step: 2}                        # step: 1 by default
    train.gan_batch_size: {type: choice, values: [32, 64, 128]}                     # one type: int, float, str or bool
    objective: {name: valid_fraction, direction: max}  # optional (default reconstruction_accuracy); direction optional
    budget: {epochs: 8}                                 # optional: train.epochs of every trial (hyperband: the most)

Loading is strict, like configs: the first problem raises `ConfigError` naming its key, and every
candidate value (min and max, each choice) is checked against the base config before any trial.
"""

import dataclasses
import math

import yaml

from tfarae.config import ConfigError
from tfarae.tuning.objectives import DEFAULT_OBJECTIVE, check_objective
from tfarae.tuning.search_space import SearchSpace, config_with, override

SPEC_KEYS = {"float": ("type", "min", "max", "sampling"), "int": ("type", "min", "max", "step"),
             "choice": ("type", "values")}
SECTIONS = {"objective": ("name", "direction"), "budget": ("epochs",)}


def _check_keys(mapping, known, where):
    if not isinstance(mapping, dict):
        raise ConfigError(f"{where}: expected a mapping, got {mapping!r}")
    for name in mapping:
        if name not in known:
            raise ConfigError(f"{where}.{name}: unknown key (known: {', '.join(known)})")


def _number(value, key, kind):
    """Returns `value` as a finite `kind` (int: an integer; float: a number, "1e-3" too); else raises ConfigError."""
    try:
        if isinstance(value, bool) or (kind is int and not isinstance(value, int)):
            raise ValueError
        number = kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{key}: expected {kind.__name__}, got {value!r}") from None
    if not math.isfinite(number):
        raise ConfigError(f"{key}: must be finite, got {value!r}")
    return number


def _parse_range(key, spec):
    """Returns `(spec with numbers converted, candidate values to check against the config)`."""
    kind = spec.get("type")
    if kind not in SPEC_KEYS:
        raise ConfigError(f"{key}.type: must be float, int or choice, got {kind!r}")
    _check_keys(spec, SPEC_KEYS[kind], key)
    if kind == "choice":
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{key}.values: must be a non-empty list, got {values!r}")
        types = {type(v) for v in values}
        if len(types) > 1 or not types <= {int, float, str, bool}:
            raise ConfigError(f"{key}.values: must all be int, all float, all str or all bool, got {values!r}")
        if len(set(values)) < len(values):
            raise ConfigError(f"{key}.values: must be distinct, got {values!r}")
        return dict(spec), values
    number = float if kind == "float" else int
    low, high = (_number(spec.get(side), f"{key}.{side}", number) for side in ("min", "max"))
    if low >= high:
        raise ConfigError(f"{key}: min ({low}) must be less than max ({high})")
    parsed = {"type": kind, "min": low, "max": high}
    if kind == "float":
        parsed["sampling"] = spec.get("sampling", "linear")
        if parsed["sampling"] not in ("linear", "log"):
            raise ConfigError(f"{key}.sampling: must be linear or log, got {parsed['sampling']!r}")
        if parsed["sampling"] == "log" and low <= 0:
            raise ConfigError(f"{key}.min: must be positive with sampling log, got {low}")
    else:
        parsed["step"] = _number(spec.get("step", 1), f"{key}.step", int)
        if parsed["step"] <= 0:
            raise ConfigError(f"{key}.step: must be positive, got {parsed['step']}")
    return parsed, [low, high]


def parse_search_space(values, base_config, objective=None):
    """Returns the `SearchSpace` of a search-file mapping over `base_config` (a validated `Config`).

    Args:
        values: the search file's mapping (see the module docstring).
        base_config: the config every trial starts from; candidate values are checked against it.
        objective: an objective name that replaces the file's (the CLI's `--objective`).

    Raises:
        ConfigError: one line naming the first wrong key.
    """
    values = dict(values or {})
    for section, known in SECTIONS.items():
        _check_keys(values.get(section) or {}, known, section)
    name = objective or (values.get("objective") or {}).get("name", DEFAULT_OBJECTIVE)
    direction = None if objective else (values.get("objective") or {}).get("direction")
    check_objective(name, direction, base_config.data)
    epochs = (values.get("budget") or {}).get("epochs")
    if epochs is not None and _number(epochs, "budget.epochs", int) <= 0:
        raise ConfigError(f"budget.epochs: must be positive, got {epochs}")
    base = dataclasses.asdict(base_config)
    params = {}
    for key, spec in values.items():
        if key in SECTIONS:
            continue
        if not isinstance(spec, dict):
            raise ConfigError(f"{key}: expected a range such as {{type: float, min: 0.1, max: 1.0}}, got {spec!r}")
        if key == "train.epochs" and epochs:
            raise ConfigError("train.epochs: set by budget.epochs; search one or the other")
        params[key], candidates = _parse_range(key, spec)
        for candidate in candidates:
            config_with(base, [override(key, candidate)])
    if not params:
        raise ConfigError("search file: names no config key to search")
    return SearchSpace(params, name, base, epochs)


def load_search_space(path, base_config, objective=None):
    """Returns the `SearchSpace` of the YAML search file `path` (see `parse_search_space`)."""
    try:
        with open(path, encoding="utf-8") as f:
            values = yaml.safe_load(f)
    except OSError as error:
        raise ConfigError(f"--search: cannot read {path} ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"--search: {path} is not valid YAML ({' '.join(str(error).split())})") from None
    if values is not None and not isinstance(values, dict):
        raise ConfigError(f"--search: {path} must hold a mapping of config keys to ranges")
    return parse_search_space(values, base_config, objective)
