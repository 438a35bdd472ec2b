"""Semi-supervised SNLI (ARAE thesis Table 4.5, top): supervised encoder vs AE and ARAE pre-training.

On `../shared/data/snli/pairs/` (`dev.*` pairs to train, `test.*` pairs to score; the full SNLI
training set is not available, so the pool is 20x smaller than the paper's), for each labelled
fraction (22.2%, 10.8%, 5.25% of the dev pairs) and seed:

  supervised  the encoder architecture of the AE run, freshly initialised, trained on the labelled pairs only
  ae          the AE run's encoder (pre-trained without labels), fine-tuned with the classifier
  arae        the ARAE run's encoder, likewise

The AE and ARAE runs (`--config`, default `arae_snli_dev`, the AE one with `train.trainer=ae`) are
trained once, on every distinct sentence of the dev pairs (the unlabelled text; sentences longer
than maxlen are left out of pre-training and cut to maxlen words for classification), validating
on sentences of the test pairs. Seeds vary the labelled subset, the early-stopping slice and the
classifier's initialisation, not the pre-training. The classifier: `tfarae.models.PairClassifier`
(an MLP on `[u; v; |u-v|; u*v]`) trained by `tfarae.semisupervised.fit_pair_classifier`.

    python benchmarks/snli_semisupervised.py             # 10 pre-training epochs, 3 seeds
    python benchmarks/snli_semisupervised.py --quick     # smoke test: tiny pre-training, 1 seed, 2 fractions

Prints `| system | 22.2% | 10.8% | 5.25% |` as mean ± standard deviation over seeds (%), with the
paper's rows beside it. Everything lands in --out: data/, ae/, arae/ (the runs), results.json (one
entry per finished cell, reused when the script is run again) and table.md.
"""

import argparse
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_PAIRS = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "snli", "pairs"))
SYSTEMS = ("supervised", "ae", "arae")
FRACTIONS = (0.222, 0.108, 0.0525)
PAPER = [  # thesis Table 4.5 / ARAE.md §5: accuracy % with 22.2 / 10.8 / 5.25% of the labels (full SNLI)
    ("supervised encoder (paper)", 65.9, 62.5, 57.9),
    ("semi-supervised AE (paper)", 68.5, 64.6, 59.9),
    ("semi-supervised ARAE (paper)", 70.9, 66.8, 62.5),
]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default runs/snli_semisupervised-<time>)")
    parser.add_argument("--pairs-dir", default=DEFAULT_PAIRS, help="directory with dev.* and test.* pair files")
    parser.add_argument("--config", default="arae_snli_dev", help="preset or YAML of the pre-training runs")
    parser.add_argument("--epochs", type=int, default=10, help="pre-training epochs of each run (default 10)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per cell (default 3)")
    parser.add_argument("--fractions", default=",".join(map(str, FRACTIONS)), help="labelled fractions, comma-separated")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="extra config override for both pre-training runs (repeatable)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 2 epochs of 20 steps, 1 seed, 2 fractions")
    args = parser.parse_args(argv)
    args.fractions = [float(f) for f in args.fractions.split(",")]
    if args.quick:
        args.seeds, args.fractions = 1, args.fractions[:2]
    return args


def write_sentences(pairs_dir, data_out):
    """Writes the unlabelled text (distinct dev-pair sentences) and 1,000 test-pair sentences; returns their paths."""
    from tfarae.data.pairs import read_pairs

    os.makedirs(data_out, exist_ok=True)
    paths = []
    for name, prefix, limit in (("unlabelled.txt", "dev", None), ("valid.txt", "test", 1000)):
        sentences = read_pairs(os.path.join(pairs_dir, prefix)).sentences()[:limit]
        paths.append(os.path.join(data_out, name))
        with open(paths[-1], "w", encoding="utf-8") as f:
            f.write("\n".join(sentences) + "\n")
    return paths


def pretraining_config(args, trainer, train_file, valid_file):
    """Returns the validated config of the `trainer` (`ae` or `arae`) pre-training run."""
    from tfarae.config import load_config

    overrides = [f"data.train_files=[{train_file}]", f"data.valid_files=[{valid_file}]", f"train.trainer={trainer}",
                 f"train.epochs={args.epochs}", "train.num_eval_samples=1000"]
    if args.quick:
        overrides += ["train.steps_per_epoch=20", "train.epochs=2", "train.num_samples_per_epoch=5"]
    return load_config(args.config, overrides + args.overrides)


def cell_key(system, fraction, seed):
    return f"{system}/{fraction}/{seed}"


def run_cells(args, out, run_dirs, results_path):
    """Trains and scores every (system, fraction, seed) cell not yet in `results_path`; returns all results."""
    from tfarae.semisupervised import PairTrainingConfig, semisupervised_accuracy

    results = {}
    if os.path.exists(results_path):
        with open(results_path, encoding="utf-8") as f:
            results = json.load(f)
    config = PairTrainingConfig(epochs=2) if args.quick else PairTrainingConfig()
    train_prefix, test_prefix = (os.path.join(args.pairs_dir, split) for split in ("dev", "test"))
    for seed in range(args.seeds):
        for fraction in args.fractions:
            for system in SYSTEMS:
                key = cell_key(system, fraction, seed)
                if key in results:
                    continue
                start = time.time()
                report = semisupervised_accuracy(run_dirs["arae" if system == "arae" else "ae"], train_prefix,
                                                 test_prefix, fraction, seed, from_scratch=system == "supervised",
                                                 config=config)
                results[key] = {"accuracy": report["accuracy"], "labelled_pairs": report["labelled_pairs"],
                                "minutes": (time.time() - start) / 60}
                print(f"{key}: accuracy {100 * report['accuracy']:.1f}% ({report['labelled_pairs']} labelled pairs, "
                      f"{results[key]['minutes']:.1f} min)", flush=True)
                with open(results_path, "w", encoding="utf-8") as f:
                    json.dump(results, f, indent=2)
    return results


def table(results, fractions, seeds):
    """Returns the markdown table: mean ± standard deviation (%) over `seeds` per system and fraction, then the paper's."""
    lines = ["| system | " + " | ".join(f"{100 * f:g}% labels" for f in fractions) + " |",
             "|---|" + "---|" * len(fractions)]
    for system in SYSTEMS:
        cells = []
        for fraction in fractions:
            scores = [100 * results[cell_key(system, fraction, s)]["accuracy"] for s in range(seeds)]
            spread = statistics.stdev(scores) if len(scores) > 1 else 0.0
            cells.append(f"{statistics.mean(scores):.1f} ± {spread:.1f}")
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    if list(fractions) == list(FRACTIONS):
        lines += [f"| {name} | {a} | {b} | {c} |" for name, a, b, c in PAPER]
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    from tfarae.config import ConfigError
    from tfarae.run import train_or_reuse

    out = args.out or os.path.join("runs", f"snli_semisupervised-{time.strftime('%Y%m%d-%H%M%S')}")
    train_file, valid_file = write_sentences(args.pairs_dir, os.path.join(out, "data"))
    run_dirs = {}
    for trainer in ("ae", "arae"):
        run_dirs[trainer] = os.path.join(out, trainer)
        try:
            minutes = train_or_reuse(pretraining_config(args, trainer, train_file, valid_file), run_dirs[trainer],
                                     verbose=2)
        except ConfigError as error:
            sys.exit(f"error: {error}; choose another --out")
        print(f"pre-training {trainer}: " + ("reused" if minutes is None else f"{minutes:.1f} min"), flush=True)
    results = run_cells(args, out, run_dirs, os.path.join(out, "results.json"))
    result = table(results, args.fractions, args.seeds)
    with open(os.path.join(out, "table.md"), "w", encoding="utf-8") as f:
        f.write(result + "\n")
    print(result)
    print(f"(dev pairs to train, test pairs to score, {args.seeds} seed(s); outputs in {out})")


if __name__ == "__main__":
    main()
