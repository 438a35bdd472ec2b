"""Stability over seeds and hyper-parameters: the share of runs that finish without NaN and sample well (issue 13).

For ARAE (`arae_default`) and the AAE (`aae_default`) on the embedded grammar corpus, trains every
combination of `--seeds` seeds with two autoencoder learning rates and two values of the
adversary's main knob (ARAE: critic steps per iteration; AAE: the discriminator's learning rate):
4 x seeds runs per model, 20 each with the default 5 seeds. Runs are shortened to `--epochs`
(default 5 of the presets' 21; the presets reach their figures around epoch 12, so this measures
early stability, which is where the seeds differ) and score 1,000 samples each. A run counts as
good when it finishes without NaN (`train.nan_policy: stop` ends a run at the first one) and at
least 90% of its samples are accepted by the grammar's oracle. Prints, per model, the table of
every run and the share of good runs (target: >= 95%).

    python benchmarks/stability_grid.py                  # 40 runs of 5 epochs
    python benchmarks/stability_grid.py --models arae --seeds 2 --epochs 2
    python benchmarks/stability_grid.py --quick          # smoke test: 1 seed, 20 steps per run

Everything lands in --out (default runs/stability_grid-<time>): one run directory per cell
(`<model>/<cell>`, reused when finished with the same config) and results.json.
"""

import argparse
import itertools
import json
import os
import sys
import time

GRIDS = {  # model → (preset, {override key: values})
    "arae": ("arae_default", {"train.ae_learning_rate": [0.002, 0.005], "train.critic_steps": [2, 5]}),
    "aae": ("aae_default", {"train.ae_learning_rate": [0.002, 0.005], "train.critic_learning_rate": [0.0002, 0.0005]}),
}
VALID_BAR = 0.9  # oracle-valid share of samples a good run reaches


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default runs/stability_grid-<time>)")
    parser.add_argument("--models", default=",".join(GRIDS), help=f"comma-separated subset of {', '.join(GRIDS)}")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per hyper-parameter cell (default 5)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per run (default 5)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="extra config override for every run (repeatable)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 seed, 20 steps per epoch")
    args = parser.parse_args(argv)
    unknown = set(args.models.split(",")) - set(GRIDS)
    if unknown:
        parser.error(f"--models: unknown {sorted(unknown)}; known: {', '.join(GRIDS)}")
    if args.quick:
        args.seeds = 1
    return args


def cells(model, seeds):
    """Returns `[(name, overrides)]`: every grid combination of `model` for each seed."""
    keys, values = zip(*GRIDS[model][1].items())
    result = []
    for seed in range(seeds):
        for combination in itertools.product(*values):
            overrides = [f"{k}={v}" for k, v in zip(keys, combination)] + [f"train.seed={seed}"]
            result.append(("_".join(f"{k.split('.')[-1]}{v}" for k, v in zip(keys, combination)) + f"_seed{seed}",
                           overrides))
    return result


def run_cell(args, model, overrides, run_dir):
    """Trains one cell (or reuses it); returns `{"finished", "valid_fraction", "minutes"}` (NaN: not finished)."""
    from tfarae.callbacks import TrainingDiverged
    from tfarae.config import load_config
    from tfarae.run import train_or_reuse
    from tfarae.run_dir import METRICS_FILE

    settings = [f"train.epochs={args.epochs}", "train.num_eval_samples=1000", "train.num_samples_per_epoch=0",
                "train.nan_policy=stop"]
    if args.quick:
        settings.append("train.steps_per_epoch=20")
    config = load_config(GRIDS[model][0], settings + overrides + args.overrides)
    try:
        minutes = train_or_reuse(config, run_dir, verbose=0)
    except TrainingDiverged as error:
        return {"finished": False, "valid_fraction": None, "minutes": None, "error": str(error)}
    with open(os.path.join(run_dir, METRICS_FILE), encoding="utf-8") as f:
        metrics = json.load(f)
    return {"finished": True, "valid_fraction": metrics.get("valid_fraction"), "minutes": minutes}


def good(result):
    """Whether a run finished and reached the oracle-valid bar."""
    return result["finished"] and (result["valid_fraction"] or 0.0) >= VALID_BAR


def summary(model, results):
    """Returns the markdown lines of one model: every run, then the share of good runs."""
    lines = [f"### {model} ({GRIDS[model][0]})", "", "| run | finished | oracle-valid % | good |", "|---|---|---|---|"]
    for name, result in results.items():
        valid = "" if result["valid_fraction"] is None else f"{100 * result['valid_fraction']:.1f}"
        lines.append(f"| {name} | {'yes' if result['finished'] else 'NaN'} | {valid} | {'yes' if good(result) else 'no'} |")
    share = sum(good(r) for r in results.values()) / len(results)
    lines += ["", f"{model}: {sum(good(r) for r in results.values())} of {len(results)} runs good ({100 * share:.0f}%; "
              f"target >= 95%), {sum(not r['finished'] for r in results.values())} stopped by a NaN.", ""]
    return lines


def main(argv=None):
    args = parse_args(argv)
    out = args.out or os.path.join("runs", f"stability_grid-{time.strftime('%Y%m%d-%H%M%S')}")
    results_path = os.path.join(out, "results.json")
    results = {}
    if os.path.exists(results_path):
        with open(results_path, encoding="utf-8") as f:
            results = json.load(f)
    from tfarae.config import ConfigError

    lines = []
    for model in args.models.split(","):
        results.setdefault(model, {})
        for name, overrides in cells(model, args.seeds):
            if name not in results[model]:
                try:
                    results[model][name] = run_cell(args, model, overrides, os.path.join(out, model, name))
                except ConfigError as error:
                    sys.exit(f"error: {error}; choose another --out")
                os.makedirs(out, exist_ok=True)
                with open(results_path, "w", encoding="utf-8") as f:
                    json.dump(results, f, indent=2)
                print(f"{model}/{name}: {results[model][name]}", flush=True)
        lines += summary(model, {name: results[model][name] for name, _ in cells(model, args.seeds)})
    print("\n".join(lines))
    print(f"(runs of {args.epochs} epoch(s){', 20 steps each' if args.quick else ''}; outputs in {out})")


if __name__ == "__main__":
    main()
