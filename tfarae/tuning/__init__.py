"""Hyper-parameter search over tfarae configs with KerasTuner (`python -m tfarae.tune`).

Modules, one job each: `search_file` (reads and validates a search file against the base config),
`search_space` (the validated space: trial configs, KerasTuner hyperparameters),
`objectives` (the quality figures a search optimises), `tuner` (oracles and the `keras_tuner.Tuner`
whose trials are tfarae runs), `results` (trials.csv/.md, best.yaml, objective.png), `search`
(checks, recorded settings, resume, the whole search).
"""
