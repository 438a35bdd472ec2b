"""SNLI generation benchmark: reverse perplexity of real data, AE samples and ARAE samples (thesis Table 4.x).

Trains ARAE (`--config`, default `configs/arae_snli_dev.yaml`: the reference SNLI model with Adam,
a bfloat16 softmax layer, a critic without BatchNorm and three GAN rounds per autoencoder step, 20
epochs, so it trains stably in the hour) and the AE baseline (the same config
with `train.trainer=ae`) on `../shared/data/snli/valid.txt` (11.5k sentences of
at most 15 words; only the SNLI dev split is available, so absolute numbers are not the paper's),
holds out `test.txt`, then runs `tfarae.evaluate` on both runs with one forward LM trained on the
real training text, and prints:

  | text scored by the reverse LM's training data | reverse PPL | forward PPL | distinct | ...

"Real data" is the LM trained on the real training text, scored on the held-out text; "AE/ARAE
samples" are LMs of the same recipe and vocabulary trained on N generated sentences, scored on the
same held-out text. Targets: ARAE < AE on reverse PPL, ARAE <= 1.5 x real data, >= 50% distinct.

    python benchmarks/snli_generation.py                 # full: 31 min on 2 CPU cores (measured once)
    python benchmarks/snli_generation.py --quick         # smoke test: ~3 min, meaningless numbers

Everything lands in --out (default runs/snli_generation-<time>): arae/, ae/ (run directories with
eval/report.json each), lm_real/ (the forward LM) and table.md.
"""

import argparse
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "snli"))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default runs/snli_generation-<time>)")
    parser.add_argument("--data-dir", default=DEFAULT_DATA, help="directory with valid.txt (train) and test.txt")
    parser.add_argument("--config", default="arae_snli_dev", help="preset or YAML file of both runs")
    parser.add_argument("--epochs", type=int, help="training epochs of both ARAE and AE (default: the config's)")
    parser.add_argument("--num-samples", type=int, default=20000,
                        help="generated sentences per system, the reverse LMs' training text (default 20000)")
    parser.add_argument("--lm-recipe", default="standard", help="LM recipe of every perplexity (default standard)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="extra config override for both runs (repeatable)")
    parser.add_argument("--systems", default="ae,arae", help="comma-separated systems to train (default ae,arae)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2000 training sentences, 20 steps, 2000 samples, the small LM recipe")
    return parser.parse_args(argv)


def benchmark_config(args, trainer):
    """Returns the validated config of one system: arae_snli.yaml + data paths + schedule + overrides."""
    from tfarae.config import load_config

    overrides = [
        f"data.train_files=[{os.path.join(args.data_dir, 'valid.txt')}]",
        f"data.valid_files=[{os.path.join(args.data_dir, 'test.txt')}]",
        f"train.trainer={trainer}",
        *([f"train.epochs={args.epochs}"] if args.epochs else []),
        "train.num_eval_samples=1000",
        "train.jit_compile=false",
    ]
    if args.quick:
        overrides += ["data.max_train_sentences=2000", "train.steps_per_epoch=20", "train.num_samples_per_epoch=5"]
    return load_config(args.config, overrides + args.overrides)


def _format(value, digits=1):
    return "n/a" if value is None else f"{value:.{digits}f}"


def results_table(reports, args, real, epochs):
    """Returns the benchmark table (markdown) from the evaluation reports of each system."""
    lines = [
        f"SNLI generation: trained on {os.path.join(args.data_dir, 'valid.txt')} "
        f"(dev split), held out test.txt; config `{args.config}`, {epochs} epoch(s)"
        f"{' (--quick)' if args.quick else ''}; "
        f"{real['num_samples']} samples per system; LM recipe `{real['lm_recipe']}` for every perplexity.",
        "",
        "| data the reverse LM is trained on | reverse PPL | forward PPL | distinct % | distinct-2 | novel % | "
        "mean length | recon. BLEU | iterations |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| real data (training text) | {_format(real['real_ppl'])} | | | | | | | |",
    ]
    for name, report in reports.items():
        lines.append(
            f"| {name.upper()} samples | {_format(report['reverse_ppl'])} | {_format(report['forward_ppl'])} | "
            f"{_format(100 * report['distinct_fraction'])} | {_format(report['distinct_2'], 3)} | "
            f"{_format(100 * report['novel_fraction'])} | {_format(report['mean_length'])} | "
            f"{_format(report.get('reconstruction_bleu'))} | {report['iteration']} |")
    lines += ["", "Robustness (NLL of the original from k adjacent swaps, nats per sentence, k = 0..4):"]
    for name, report in reports.items():
        if "swap_nll" in report:
            lines.append(f"- {name.upper()}: " + " / ".join(f"{v:.2f}" for v in report["swap_nll"]))
    if "arae" in reports and "ae" in reports:
        arae, ae = reports["arae"], reports["ae"]
        lines += ["", "Targets: ARAE beats AE on reverse PPL: "
                  f"{'yes' if arae['reverse_ppl'] < ae['reverse_ppl'] else 'NO'}; ARAE within 1.5x of real data: "
                  f"{'yes' if arae['reverse_ppl'] <= 1.5 * real['real_ppl'] else 'NO'} "
                  f"({arae['reverse_ppl'] / real['real_ppl']:.2f}x); ARAE >= 50% distinct: "
                  f"{'yes' if arae['distinct_fraction'] >= 0.5 else 'NO'}."]
    lines += ["", "Published (full SNLI, 100k samples, RNN LM): real 27.4, AE 97.3, ARAE 82.2."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(argv)
    if args.quick:
        args.epochs = 1
        args.num_samples = min(args.num_samples, 2000)
        args.lm_recipe = "small" if args.lm_recipe == "standard" else args.lm_recipe
    out = args.out or os.path.join("runs", f"snli_generation-{time.strftime('%Y%m%d-%H%M%S')}")
    os.makedirs(out, exist_ok=True)

    from tfarae.data.pipeline import encode_sentences
    from tfarae.data.sources import load_corpus
    from tfarae.evaluate import evaluate
    from tfarae.metrics.lm import train_language_model
    from tfarae.run import load_trainer, run

    started = time.time()
    elapsed = lambda: f"[{(time.time() - started) / 60:.1f} min]"  # noqa: E731
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    for system in systems:
        run_dir = os.path.join(out, system)
        if os.path.exists(os.path.join(run_dir, "metrics.json")):
            print(f"{elapsed()} {system}: reusing the finished run in {run_dir}")
            continue
        print(f"{elapsed()} training {system} into {run_dir}")
        run(benchmark_config(args, system), run_dir, verbose=2)

    # One forward LM for every system: trained on the real training text the runs saw (<= maxlen words).
    lm_dir = os.path.join(out, "lm_real")
    if not os.path.exists(os.path.join(lm_dir, "lm.weights.h5")):
        config, tokenizer, _ = load_trainer(os.path.join(out, systems[0]))
        corpus = load_corpus(config.data)
        train = corpus.train[: config.data.max_train_sentences] if config.data.max_train_sentences else corpus.train
        sentences = encode_sentences(tokenizer, train).sentences
        print(f"{elapsed()} training the real-data LM ({args.lm_recipe}) on {len(sentences)} sentences")
        train_language_model(sentences, args.lm_recipe, verbose=2).save(lm_dir)

    reports = {}
    for system in systems:
        print(f"{elapsed()} evaluating {system}")
        reports[system] = evaluate(os.path.join(out, system), reference_lm=lm_dir, num_samples=args.num_samples,
                                   seed=0, verbose=2)
    table = results_table(reports, args, reports[systems[0]], benchmark_config(args, systems[0]).train.epochs)
    table += f"\nTotal wall time {elapsed()[1:-1]}.\n"
    with open(os.path.join(out, "table.md"), "w", encoding="utf-8") as f:
        f.write(table)
    with open(os.path.join(out, "reports.json"), "w", encoding="utf-8") as f:
        json.dump(reports, f, indent=2)
    print("\n" + table)
    print(f"wrote {os.path.join(out, 'table.md')}")


if __name__ == "__main__":
    sys.exit(main())
