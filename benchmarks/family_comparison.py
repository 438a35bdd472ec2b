"""The regularized-autoencoder family like for like: one table, same data, sizes and budget (issue 13).

Trains each system from its preset, all sized alike (64-dimensional embeddings, 128-unit LSTMs and
codes, batch 256, Adam 5e-3 for the autoencoder, the same epochs):

  ae        arae_default with train.trainer=ae (annealed code noise; samples from a fitted Gaussian)
  dae       dae_default          vae       vae_default          wae_mmd   wae_default
  aae       aae_default          arae      arae_default

on the embedded grammar corpus (the default: 40,000 training sentences, an exact oracle) or, with
`--data snli`, on `../shared/data/snli/` (valid.txt to train, test.txt held out; every preset's data
section is replaced, vocabulary 11,000). Each run is then scored by `tfarae.evaluate` (generation
suite, `--num-samples` samples, one forward LM of `--lm-recipe` shared by all) and the script prints

  | system | recon. BLEU | oracle-valid % | distinct % | reverse PPL | forward PPL | KL | active units | min/epoch |

(oracle-valid only on the grammar; KL and active units only for the VAE).

    python benchmarks/family_comparison.py                 # 6 systems x 21 epochs: about 35 min on 2 cores
    python benchmarks/family_comparison.py --epochs 5      # a shorter budget, the same for all
    python benchmarks/family_comparison.py --quick         # smoke test: 20 steps, tiny LM

Everything lands in --out (default runs/family_comparison-<time>): one run directory per system
(reused when it holds a finished run of the same config), table.md and reports.json.
"""

import argparse
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SNLI = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "snli"))
SYSTEMS = {  # name → (preset, extra overrides)
    "ae": ("arae_default", ["train.trainer=ae"]),
    "dae": ("dae_default", []),
    "vae": ("vae_default", []),
    "wae_mmd": ("wae_default", []),
    "aae": ("aae_default", []),
    "arae": ("arae_default", []),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default runs/family_comparison-<time>)")
    parser.add_argument("--data", choices=("grammar", "snli"), default="grammar", help="embedded corpus or SNLI")
    parser.add_argument("--snli-dir", default=DEFAULT_SNLI, help="directory with valid.txt and test.txt (--data snli)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {', '.join(SYSTEMS)}")
    parser.add_argument("--epochs", type=int, help="epochs of every system (default: the presets', 21)")
    parser.add_argument("--num-samples", type=int, default=10000, help="generated sentences per system (default 10000)")
    parser.add_argument("--lm-recipe", default="standard", help="LM recipe of every perplexity (default standard)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="extra config override for every system (repeatable)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 epochs of 20 steps, 500 samples, tiny LM")
    args = parser.parse_args(argv)
    unknown = set(args.systems.split(",")) - set(SYSTEMS)
    if unknown:
        parser.error(f"--systems: unknown {sorted(unknown)}; known: {', '.join(SYSTEMS)}")
    if args.quick:
        args.num_samples, args.lm_recipe = min(args.num_samples, 500), "tiny"
    return args


def system_config(args, name):
    """Returns the validated config of system `name`: its preset + the shared data, budget and overrides."""
    from tfarae.config import load_config

    preset, extra = SYSTEMS[name]
    overrides = list(extra) + ["train.num_eval_samples=1000"]
    if args.data == "snli":
        overrides += ["data.source=files", f"data.train_files=[{os.path.join(args.snli_dir, 'valid.txt')}]",
                      f"data.valid_files=[{os.path.join(args.snli_dir, 'test.txt')}]", "data.vocab_size=11000"]
    if args.epochs:
        overrides.append(f"train.epochs={args.epochs}")
    if args.quick:
        overrides += ["train.epochs=2", "train.steps_per_epoch=20", "train.num_samples_per_epoch=0"]
    return load_config(preset, overrides + args.overrides)


def _cell(report, key, scale=1.0, digits=1):
    """Returns `report[key] × scale` formatted, or "" where the system has no such figure (or it is null)."""
    value = report.get(key)
    return "" if value is None else f"{scale * value:.{digits}f}"


def table(rows):
    """Returns the markdown table of `rows` `(system, report, minutes per epoch or None)`."""
    lines = ["| system | recon. BLEU | oracle-valid % | distinct % | reverse PPL | forward PPL | KL (nats) | "
             "active units | min/epoch |", "|---|---|---|---|---|---|---|---|---|"]
    for name, report, per_epoch in rows:
        lines.append(f"| {name} | {_cell(report, 'reconstruction_bleu')} | {_cell(report, 'valid_fraction', 100)} | "
                     f"{_cell(report, 'distinct_fraction', 100)} | {_cell(report, 'reverse_ppl')} | "
                     f"{_cell(report, 'forward_ppl')} | {_cell(report, 'kl')} | {_cell(report, 'active_units', 1, 0)} | "
                     f"{'reused' if per_epoch is None else f'{per_epoch:.2f}'} |")
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    from tfarae.config import ConfigError
    from tfarae.evaluate import evaluate
    from tfarae.run import train_or_reuse
    from tfarae.run_dir import METRICS_FILE

    out = args.out or os.path.join("runs", f"family_comparison-{time.strftime('%Y%m%d-%H%M%S')}")
    names = args.systems.split(",")
    configs = {name: system_config(args, name) for name in names}
    rows, reports = [], {}
    lm_dir = None
    for name, config in configs.items():
        run_dir = os.path.join(out, name)
        try:
            minutes = train_or_reuse(config, run_dir, verbose=2)
        except ConfigError as error:
            sys.exit(f"error: {error}; choose another --out")
        report = evaluate(run_dir, ("generation",), reference_lm=lm_dir, num_samples=args.num_samples,
                          lm_recipe=args.lm_recipe)
        with open(os.path.join(run_dir, METRICS_FILE), encoding="utf-8") as f:
            trained = json.load(f)  # the trainer's own figures: the VAE's kl and active units
        report.update({key: trained[key] for key in ("kl", "active_units") if key in trained})
        lm_dir = lm_dir or os.path.join(run_dir, "eval", "lm_forward")  # the first system's LM scores them all
        rows.append((name, report, None if minutes is None else minutes / config.train.epochs))
        reports[name] = report
        print(f"{name}: reverse PPL {_cell(report, 'reverse_ppl') or 'n/a'}, "
              f"reconstruction BLEU {_cell(report, 'reconstruction_bleu')}", flush=True)
    result = table(rows)
    with open(os.path.join(out, "table.md"), "w", encoding="utf-8") as f:
        f.write(result + "\n")
    with open(os.path.join(out, "reports.json"), "w", encoding="utf-8") as f:
        json.dump(reports, f, indent=2)
    print(result)
    print(f"(data: {args.data}; {args.num_samples} samples per system; outputs in {out})")


if __name__ == "__main__":
    main()
