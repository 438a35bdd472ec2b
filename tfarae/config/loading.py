"""Strict YAML loading of `Config`: unknown keys and wrong types fail with the key's name."""

import dataclasses
import importlib.resources
import math
import os
import typing

import yaml

from tfarae.config.schema import Config, ConfigError


def resolve_preset(name_or_path):
    """Returns the file of `--config`: an existing path, or for a bare name (`tiny`, `arae_snli.yaml`) a shipped preset.

    Only a name without a directory part is looked up among the presets in `configs/`; a path with
    a directory that does not exist is an error, never a preset of the same name.
    """
    if os.path.isfile(name_or_path):
        return name_or_path
    if os.path.dirname(name_or_path):
        raise ConfigError(f"--config: no such file: {name_or_path}")
    preset = importlib.resources.files("tfarae.configs") / f"{name_or_path.removesuffix('.yaml')}.yaml"
    if preset.is_file():
        return str(preset)
    raise ConfigError(f"--config: no such file or preset: {name_or_path}")


def _check_type(value, annotation, key):
    """Returns `value` converted to `annotation` (int → float allowed); raises ConfigError otherwise."""
    origin = typing.get_origin(annotation)
    if origin is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if value is None:
            return None
        return _check_type(value, args[0], key)
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        (item_type,) = typing.get_args(annotation)
        return [_check_type(v, item_type, f"{key}[{i}]") for i, v in enumerate(value)]
    if annotation is float and not isinstance(value, bool) and isinstance(value, (int, float, str)):
        try:
            number = float(value)  # ints, and "1e-4" (which YAML 1.1 reads as a string)
        except ValueError:
            raise ConfigError(f"{key}: expected float, got {value!r}") from None
        if not math.isfinite(number):
            raise ConfigError(f"{key}: must be a finite number, got {value!r}")
        return number
    if annotation is int and isinstance(value, bool):
        raise ConfigError(f"{key}: expected int, got {value!r}")
    if not isinstance(value, annotation):
        raise ConfigError(f"{key}: expected {annotation.__name__}, got {value!r}")
    return value


def _build(cls, values, prefix):
    if not isinstance(values, dict):
        raise ConfigError(f"{prefix or 'config'}: expected a mapping, got {values!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    kwargs = {}
    for name, value in values.items():
        key = f"{prefix}{name}"
        if name not in fields:
            raise ConfigError(f"{key}: unknown key (known: {', '.join(sorted(fields))})")
        if dataclasses.is_dataclass(hints[name]):
            kwargs[name] = _build(hints[name], value or {}, f"{key}.")
        else:
            kwargs[name] = _check_type(value, hints[name], key)
    return cls(**kwargs)


def _apply_override(tree, assignment):
    """Sets `a.b=value` (value parsed as YAML) in the nested dict `tree`."""
    if "=" not in assignment:
        raise ConfigError(f"--set {assignment}: expected key=value")
    dotted, raw = assignment.split("=", 1)
    *parents, leaf = dotted.strip().split(".")
    node = tree
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{dotted}: {part} is not a section")
    node[leaf] = yaml.safe_load(raw)


def config_from_dict(values, overrides=()):
    """Returns a validated `Config` from nested dicts plus `key=value` override strings."""
    values = dict(values or {})
    for assignment in overrides:
        _apply_override(values, assignment)
    return _build(Config, values, "").validate()


def load_config(path=None, overrides=()):
    """Returns a validated `Config` from a YAML file or preset name (default: `arae_default`)."""
    path = resolve_preset(path or "arae_default")
    with open(path, encoding="utf-8") as f:
        try:
            values = yaml.safe_load(f) or {}
        except yaml.YAMLError as error:
            raise ConfigError(f"{path}: not valid YAML ({error})") from None
    return config_from_dict(values, overrides)


def save_config(config, path):
    """Writes the fully resolved `config` as YAML to `path`."""
    with open(path, "w", encoding="utf-8") as f:
        yaml.safe_dump(dataclasses.asdict(config), f, sort_keys=False)


def config_differences(stored, current, prefix=""):
    """Returns `["<dotted key> <stored>, now <current>", ...]`, one per leaf where two nested dicts differ.

    Pass configs as `dataclasses.asdict(config)`; other nested dicts (an LM recipe) work the same.
    """
    lines = []
    for key in sorted(stored.keys() | current.keys()):
        old, new = stored.get(key), current.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            lines += config_differences(old, new, f"{prefix}{key}.")
        elif old != new:
            lines.append(f"{prefix}{key} {old!r}, now {new!r}")
    return lines
