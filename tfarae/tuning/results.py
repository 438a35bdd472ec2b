"""What a search leaves in its output directory: trials.csv, trials.md, best.yaml and objective.png."""

import csv
import math
import os

from tfarae.config import save_config
from tfarae.metrics.plots import MaxNLocator, plt
from tfarae.tuning.objectives import OBJECTIVES
from tfarae.tuning.tuner import trial_dir

STATUS = {"COMPLETED": "completed", "FAILED": "failed", "INVALID": "failed"}  # KerasTuner's → ours (else lowercased)


def trial_rows(oracle, space, output):
    """Returns one dict per trial, in the order they started.

    Keys: `trial` (KerasTuner's id), `status` (completed | failed | running), each searched config
    key, `epochs`, the objective's name (a failed trial has the objective's worst value, a running
    one None), `run_dir`, `minutes` (None unless completed).
    """
    rows = []
    for trial_id in oracle.start_order:
        trial = oracle.trials[trial_id]
        values = trial.hyperparameters.values
        status = STATUS.get(trial.status, trial.status.lower())
        objective = {"completed": trial.score, "failed": OBJECTIVES[space.objective].worst}.get(status)
        minutes = trial.metrics.get_last_value("minutes") if trial.metrics.exists("minutes") else None
        rows.append({"trial": trial_id, "status": status, **{key: values.get(key) for key in space.params},
                     "epochs": space.trial_epochs(values), space.objective: objective,
                     "run_dir": trial_dir(output, trial_id), "minutes": minutes})
    return rows


def _cell(value):
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def markdown_table(rows):
    """Returns `rows` as a Markdown table (numbers to 4 significant digits)."""
    if not rows:
        return "(no trials)"
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    return "\n".join(lines + ["| " + " | ".join(_cell(v) for v in row.values()) + " |" for row in rows])


def plot_objective(rows, objective, path):
    """Writes the objective of each trial in order (failed ones as red crosses) and the best-so-far line."""
    direction = OBJECTIVES[objective].direction
    better = max if direction == "max" else min
    figure, axis = plt.subplots(figsize=(4.2, 3.4))
    best, best_line = None, []
    for number, row in enumerate(rows):  # KerasTuner numbers trials 0, 1, ... in the order they start
        value = row[objective]
        if row["status"] == "completed":
            best = value if best is None else better(best, value)
            axis.plot(number, value, "o", color="C0", markersize=4)
        elif value is not None and math.isfinite(value):
            axis.plot(number, value, "x", color="C3", markersize=6)
        best_line.append((number, best))
    points = [(x, y) for x, y in best_line if y is not None]
    if points:
        axis.step(*zip(*points), where="post", color="C1", label="best so far")
        axis.legend(fontsize=8)
    axis.set_xlabel("trial")
    axis.set_ylabel(f"{objective} ({direction})")
    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.set_title(f"{objective} per trial", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_results(oracle, space, output):
    """Writes trials.csv, trials.md, objective.png and (once a trial completed) best.yaml into `output`.

    best.yaml is the full config of the best completed trial at the base config's own
    `train.epochs` (not the trial budget), for `python -m tfarae.train --config OUTPUT/best.yaml`.

    Returns:
        `(rows, best)`: the rows of `trial_rows` and the best completed row (None if none completed).
    """
    rows = trial_rows(oracle, space, output)
    with open(os.path.join(output, "trials.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["trial"])
        writer.writeheader()
        writer.writerows(rows)
    with open(os.path.join(output, "trials.md"), "w", encoding="utf-8") as f:
        f.write(markdown_table(rows) + "\n")
    plot_objective(rows, space.objective, os.path.join(output, "objective.png"))
    completed = [trial for trial in oracle.get_best_trials(1) if trial.status == "COMPLETED"]
    if not completed:
        return rows, None
    save_config(space.trial_config(completed[0].hyperparameters.values, budget=False),
                os.path.join(output, "best.yaml"))
    return rows, next(row for row in rows if row["trial"] == completed[0].trial_id)
