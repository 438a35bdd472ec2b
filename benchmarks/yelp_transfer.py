"""Yelp sentiment-transfer benchmark (ARAE thesis Table 4.2): ARAE with λ1 = 1 and λ1 = 10, and the AE ablation (λ1 = 0).

Trains `--config` (default `configs/arae_yelp_transfer.yaml`) once per system on
`../shared/data/yelp/train.{0,1}` (0 negative, 1 positive), validating on and scoring a seeded
subset of `dev.{0,1}` (`--score-sentences` per class). This is *not* the paper's split: the shared
data's `train.*` is the original test split and `dev.*` the original dev split (see
`../shared/data/README.md`). Each run is then scored by `python -m tfarae.evaluate --suite transfer`
with one forward LM (the real training text, `--lm-recipe`) and one attribute classifier (a word
CNN on the real training text), both trained once and shared, and the script prints:

  | system | transfer | self-BLEU | forward PPL | reverse PPL | train minutes |

with the paper's rows beside it. Target: transfer >= 85% with self-BLEU >= 25 in one system, and
ARAE above the AE ablation in transfer.

    python benchmarks/yelp_transfer.py                 # all three systems (budget: 90 min on 2 CPU cores)
    python benchmarks/yelp_transfer.py --quick         # smoke test: 3,000 sentences per class, 30 steps, tiny LM

Everything lands in --out (default runs/yelp_transfer-<time>): data/ (the subsets), lm_real/,
attribute_classifier/, one run directory per system (with eval/report.json) and table.md. A system
whose run directory already holds a finished run (metrics.json) with the same config is scored
as it is; one with another config stops the script with one line (choose another --out).
"""

import argparse
import os
import random
import shutil
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "yelp"))
SYSTEMS = {"arae_lambda1": 1.0, "arae_lambda10": 10.0, "ae": 0.0}  # name → train.gan_lambda (λ1)
PAPER = [  # (system, transfer %, BLEU, PPL, reverse PPL): ARAE thesis Table 4.2 / ARAE.md §5
    ("Cross-Aligned AE (paper)", 77.1, 17.75, 65.9, 124.2),
    ("AE (paper)", 59.3, 37.28, 31.9, 68.9),
    ("ARAE, λ1 = 1 (paper)", 73.4, 31.15, 29.7, 70.1),
    ("ARAE, λ1 = 10 (paper)", 81.8, 20.18, 27.7, 77.0),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default runs/yelp_transfer-<time>)")
    parser.add_argument("--data-dir", default=DEFAULT_DATA, help="directory with train.0/1 and dev.0/1")
    parser.add_argument("--config", default="arae_yelp_transfer", help="preset or YAML file of every system")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {', '.join(SYSTEMS)}")
    parser.add_argument("--epochs", type=int, help="training epochs (default: the config's)")
    parser.add_argument("--score-sentences", type=int, default=1000, help="held-out sentences per class (default 1000)")
    parser.add_argument("--lm-recipe", default="standard", help="LM recipe of every perplexity (default standard)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="extra config override for every system (repeatable)")
    parser.add_argument("--quick", action="store_true", help="smoke test: small data, 30 steps per epoch, tiny LM")
    args = parser.parse_args(argv)
    unknown = set(args.systems.split(",")) - set(SYSTEMS)
    if unknown:
        parser.error(f"--systems: unknown {sorted(unknown)}; known: {', '.join(SYSTEMS)}")
    return args


def _lines(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def write_subsets(args, data_out):
    """Writes the per-class files the runs read into `data_out`; returns `(train_files, score_files)`.

    Scoring (and validation) uses `--score-sentences` per class drawn from `dev.c` with seed 0;
    training uses all of `train.c`, or its first 3,000 lines with `--quick`.
    """
    os.makedirs(data_out, exist_ok=True)
    train_files, score_files = [], []
    for label in (0, 1):
        train_path = os.path.join(args.data_dir, f"train.{label}")
        if args.quick:
            train_path = _write(os.path.join(data_out, f"train.{label}"), _lines(train_path)[:3000])
        dev = _lines(os.path.join(args.data_dir, f"dev.{label}"))
        chosen = random.Random(label).sample(dev, min(args.score_sentences, len(dev)))
        train_files.append(train_path)
        score_files.append(_write(os.path.join(data_out, f"score.{label}"), chosen))
    return train_files, score_files


def _write(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path


def system_config(args, gan_lambda, train_files, score_files):
    """Returns the validated config of one system: `--config` + the data subsets + λ1 + overrides."""
    from tfarae.config import load_config

    overrides = [f"data.train_files=[{','.join(train_files)}]", f"data.valid_files=[{','.join(score_files)}]",
                 f"train.gan_lambda={gan_lambda}", "train.num_eval_samples=1000",
                 *([f"train.epochs={args.epochs}"] if args.epochs else [])]
    if args.quick:
        overrides += ["train.steps_per_epoch=30", "train.epochs=2", "train.num_samples_per_epoch=5"]
    return load_config(args.config, overrides + args.overrides)


def shared_scorers(args, config, out):
    """Trains (or reuses) the real-text LM and the attribute classifier; returns `(lm_dir, classifier_dir)`."""
    from tfarae.data.sources import load_corpus
    from tfarae.evaluate import forward_language_model
    from tfarae.metrics.attribute_classifier import cached_attribute_classifier

    corpus = load_corpus(config.data)
    lm_dir = os.path.join(out, "eval")
    forward_language_model(corpus.train, lm_dir, lm_recipe="tiny" if args.quick else args.lm_recipe)
    classifier_dir = os.path.join(out, "attribute_classifier")
    cached_attribute_classifier(classifier_dir, corpus.train, corpus.train_labels, len(corpus.label_names))
    return os.path.join(lm_dir, "lm_forward"), classifier_dir


def table(rows):
    """Returns the markdown table of `rows` `(system, report, minutes)` with the paper's rows after them."""
    lines = ["| system | transfer % | self-BLEU | forward PPL | reverse PPL | train minutes |",
             "|---|---|---|---|---|---|"]
    for name, report, minutes in rows:
        lines.append(f"| {name} | {100 * report['transfer_accuracy']:.1f} | {report['transfer_self_bleu']:.2f} | "
                     f"{report['transfer_forward_ppl']:.1f} | {report['transfer_reverse_ppl']:.1f} | "
                     f"{'reused' if minutes is None else f'{minutes:.1f}'} |")
    lines += [f"| {name} | {t} | {b} | {p} | {r} | |" for name, t, b, p, r in PAPER]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    from tfarae.config import ConfigError
    from tfarae.evaluate import evaluate
    from tfarae.run import train_or_reuse

    out = args.out or os.path.join("runs", f"yelp_transfer-{time.strftime('%Y%m%d-%H%M%S')}")
    train_files, score_files = write_subsets(args, os.path.join(out, "data"))
    configs = {name: system_config(args, SYSTEMS[name], train_files, score_files) for name in args.systems.split(",")}
    lm_dir, classifier_dir = shared_scorers(args, next(iter(configs.values())), out)
    rows = []
    for name, config in configs.items():
        run_dir = os.path.join(out, name)
        try:
            minutes = train_or_reuse(config, run_dir, verbose=2)
        except ConfigError as error:
            sys.exit(f"error: {error}; choose another --out")
        shutil.copytree(classifier_dir, os.path.join(run_dir, "eval", "attribute_classifier"), dirs_exist_ok=True)
        report = evaluate(run_dir, ("transfer",), reference_lm=lm_dir, max_eval_sentences=2 * args.score_sentences)
        rows.append((name, report, minutes))
        print(f"{name}: transfer {100 * report['transfer_accuracy']:.1f}%, self-BLEU {report['transfer_self_bleu']:.2f}")
    result = table(rows)
    with open(os.path.join(out, "table.md"), "w", encoding="utf-8") as f:
        f.write(result + "\n")
    print(result)
    print(f"(held-out: {args.score_sentences} dev sentences per class; not the paper's split; outputs in {out})")


if __name__ == "__main__":
    main()
