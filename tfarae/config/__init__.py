"""Configuration: YAML presets → validated dataclasses."""

from tfarae.config.loading import config_differences, config_from_dict, load_config, resolve_preset, save_config
from tfarae.config.schema import Config, ConfigError, DataConfig, ModelConfig, RuntimeConfig, TrainConfig

__all__ = [
    "Config", "ConfigError", "DataConfig", "ModelConfig", "RuntimeConfig", "TrainConfig",
    "config_differences", "config_from_dict", "load_config", "resolve_preset", "save_config",
]
