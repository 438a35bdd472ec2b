"""Language models saved with the text they learned, so that a saved LM is reused only for the same text.

An LM directory (`tfarae.metrics.lm.LanguageModel.save`) gains `training_data.json`: the
`DataConfig` (as a dict) of the run whose real training text the LM learned. The benchmarks reuse a
saved LM only when its recipe and that data equal the ones they would train it with.
"""

import dataclasses
import json
import os

LM_DATA_FILE = "training_data.json"  # in an LM directory: `dataclasses.asdict` of the DataConfig of its training text


def lm_mismatch(lm_dir, lm_config, data_config):
    """Returns None if the LM in `lm_dir` has recipe `lm_config` and learned the text of `data_config`, else one line.

    The recipe comes from the LM's lm_config.json, its training data from `LM_DATA_FILE`.
    """
    from tfarae.config import config_differences
    from tfarae.metrics.lm import CONFIG_FILE

    data_path = os.path.join(lm_dir, LM_DATA_FILE)
    if not os.path.exists(data_path):
        return f"{lm_dir} has no {LM_DATA_FILE}: its training text is unknown"
    with open(os.path.join(lm_dir, CONFIG_FILE), encoding="utf-8") as f:
        stored = {"recipe": json.load(f)}
    with open(data_path, encoding="utf-8") as f:
        stored["data"] = json.load(f)
    current = {"recipe": dataclasses.asdict(lm_config), "data": dataclasses.asdict(data_config)}
    found = config_differences(stored, current)
    return f"{lm_dir} was trained with {'; '.join(found)}" if found else None


def train_lm(config, tokenizer, lm_config, lm_dir):
    """Trains an LM of `lm_config` on the real training text of `config` (as the runs saw it) into `lm_dir`; returns it."""
    from tfarae.evaluate import real_text
    from tfarae.metrics.lm import train_language_model

    sentences = real_text(config, tokenizer)[1].sentences
    print(f"training the LM {lm_config.name} (seed {lm_config.seed}) on {len(sentences)} real sentences")
    lm = train_language_model(sentences, lm_config, verbose=2)
    lm.save(lm_dir)
    with open(os.path.join(lm_dir, LM_DATA_FILE), "w", encoding="utf-8") as f:
        json.dump(dataclasses.asdict(config.data), f, indent=2)
    return lm
