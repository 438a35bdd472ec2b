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

    python benchmarks/snli_generation.py                 # full: 31-37 min on 2 CPU cores (two runs)
    python benchmarks/snli_generation.py --quick         # smoke test: ~3 min, meaningless numbers

Everything lands in --out (default runs/snli_generation-<time>): arae/, ae/ (run directories with
eval/report.json each), lm_real/ (the forward LM, with training_data.json: the data config of the
text it learned) and table.md.

An --out that already holds runs or the real-data LM (an earlier invocation) is reused only if
they were produced by these arguments (an interrupted run is resumed from its last finished epoch,
a finished one is evaluated as it is): each run's config.yaml must equal the config this
invocation resolves, and the LM's recipe (lm_config.json) and training data (training_data.json)
must equal this invocation's. Otherwise the script stops before training anything, with one line
naming what differs (`error: runs/x/arae was trained with train.epochs 20, now 5; ...`): choose
another --out or delete the stale directory. Nothing is ever re-run or overwritten silently.
"""

import argparse
import dataclasses
import json
import os
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "snli"))
LM_DIR = "lm_real"
LM_DATA_FILE = "training_data.json"  # in LM_DIR: `dataclasses.asdict` of the DataConfig of the LM's training text


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


def differences(stored, current, prefix=""):
    """Returns `["<dotted key> <stored>, now <current>", ...]`, one per leaf where two nested dicts differ."""
    lines = []
    for key in sorted(stored.keys() | current.keys()):
        old, new = stored.get(key), current.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            lines += differences(old, new, f"{prefix}{key}.")
        elif old != new:
            lines.append(f"{prefix}{key} {old!r}, now {new!r}")
    return lines


def run_mismatch(run_dir, config):
    """Returns None if the run in `run_dir` was trained with `config` (its config.yaml), else one line of differences."""
    from tfarae.config import load_config
    from tfarae.run_dir import CONFIG_FILE

    stored = load_config(os.path.join(run_dir, CONFIG_FILE))
    found = differences(dataclasses.asdict(stored), dataclasses.asdict(config))
    return f"{run_dir} was trained with {'; '.join(found)}" if found else None


def lm_mismatch(lm_dir, lm_config, data_config):
    """Returns None if the LM in `lm_dir` has recipe `lm_config` and learned the text of `data_config`, else one line.

    The recipe comes from the LM's lm_config.json, its training data from `LM_DATA_FILE`.
    """
    from tfarae.metrics.lm import CONFIG_FILE

    data_path = os.path.join(lm_dir, LM_DATA_FILE)
    if not os.path.exists(data_path):
        return f"{lm_dir} has no {LM_DATA_FILE}: its training text is unknown"
    with open(os.path.join(lm_dir, CONFIG_FILE), encoding="utf-8") as f:
        stored = {"recipe": json.load(f)}
    with open(data_path, encoding="utf-8") as f:
        stored["data"] = json.load(f)
    current = {"recipe": dataclasses.asdict(lm_config), "data": dataclasses.asdict(data_config)}
    found = differences(stored, current)
    return f"{lm_dir} was trained with {'; '.join(found)}" if found else None


def reuse_problem(out, configs, lm_config):
    """Returns None if everything `out` already holds was produced by these settings, else one line saying what differs.

    Args:
        out: the benchmark's output directory.
        configs: `{system: Config}` of the runs (`out/<system>`, finished or interrupted).
        lm_config: the `LMConfig` of the real-data LM (`out/lm_real`); its training text is the
            first system's data.
    """
    from tfarae.metrics.lm import LanguageModel
    from tfarae.run_dir import CONFIG_FILE

    problems = [run_mismatch(os.path.join(out, system), config) for system, config in configs.items()
                if os.path.exists(os.path.join(out, system, CONFIG_FILE))]
    lm_dir = os.path.join(out, LM_DIR)
    if LanguageModel.exists(lm_dir):
        problems.append(lm_mismatch(lm_dir, lm_config, next(iter(configs.values())).data))
    return next((problem for problem in problems if problem), None)


def train_real_data_lm(run_dir, lm_config, lm_dir):
    """Trains the forward LM of every system on the real training text of the run in `run_dir`.

    Saves it to `lm_dir` with `LM_DATA_FILE` (the run's data config). Returns None.
    """
    from tfarae.evaluate import real_text
    from tfarae.metrics.lm import train_language_model
    from tfarae.run_dir import load_trainer

    config, tokenizer, _ = load_trainer(run_dir)
    sentences = real_text(config, tokenizer)[1].sentences
    print(f"training the real-data LM ({lm_config.name}) on {len(sentences)} sentences")
    train_language_model(sentences, lm_config, verbose=2).save(lm_dir)
    with open(os.path.join(lm_dir, LM_DATA_FILE), "w", encoding="utf-8") as f:
        json.dump(dataclasses.asdict(config.data), f, indent=2)


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
        if report.get("swap_nll") is not None:
            lines.append(f"- {name.upper()}: " + " / ".join(f"{v:.2f}" for v in report["swap_nll"]))
        elif "swap_note" in report:
            lines.append(f"- {name.upper()}: n/a ({report['swap_note']})")
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

    from tfarae.config import ConfigError
    from tfarae.evaluate import evaluate
    from tfarae.metrics.lm import RECIPES, LanguageModel, recipe
    from tfarae.run import run
    from tfarae.run_dir import CONFIG_FILE, METRICS_FILE

    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if not systems or set(systems) - {"ae", "arae"}:
        sys.exit(f"error: --systems: a comma-separated list of ae and arae, got {args.systems!r}")
    if args.lm_recipe not in RECIPES:
        sys.exit(f"error: --lm-recipe: one of {', '.join(sorted(RECIPES))}, got {args.lm_recipe!r}")
    try:
        configs = {system: benchmark_config(args, system) for system in systems}
    except ConfigError as error:
        sys.exit(f"error: {error}")
    lm_config = recipe(args.lm_recipe)
    problem = reuse_problem(out, configs, lm_config)
    if problem:
        sys.exit(f"error: {problem} (use another --out or delete it)")
    os.makedirs(out, exist_ok=True)

    started = time.time()
    elapsed = lambda: f"[{(time.time() - started) / 60:.1f} min]"  # noqa: E731
    for system, config in configs.items():
        run_dir = os.path.join(out, system)
        if os.path.exists(os.path.join(run_dir, METRICS_FILE)):
            print(f"{elapsed()} {system}: reusing the finished run in {run_dir}")
            continue
        interrupted = os.path.exists(os.path.join(run_dir, CONFIG_FILE))
        print(f"{elapsed()} {'resuming' if interrupted else 'training'} {system} in {run_dir}")
        run(config, run_dir, resume=interrupted, verbose=2)

    # One forward LM for every system: trained on the real training text the runs saw (<= maxlen words).
    lm_dir = os.path.join(out, LM_DIR)
    if LanguageModel.exists(lm_dir):
        print(f"{elapsed()} reusing the real-data LM in {lm_dir}")
    else:
        print(f"{elapsed()} real-data LM into {lm_dir}")
        train_real_data_lm(os.path.join(out, systems[0]), lm_config, lm_dir)

    reports = {}
    for system in systems:
        print(f"{elapsed()} evaluating {system}")
        reports[system] = evaluate(os.path.join(out, system), reference_lm=lm_dir, num_samples=args.num_samples,
                                   seed=0, verbose=2)
    table = results_table(reports, args, reports[systems[0]], configs[systems[0]].train.epochs)
    table += f"\nTotal wall time {elapsed()[1:-1]}.\n"
    with open(os.path.join(out, "table.md"), "w", encoding="utf-8") as f:
        f.write(table)
    with open(os.path.join(out, "reports.json"), "w", encoding="utf-8") as f:
        json.dump(reports, f, indent=2)
    print("\n" + table)
    print(f"wrote {os.path.join(out, 'table.md')}")


if __name__ == "__main__":
    sys.exit(main())
