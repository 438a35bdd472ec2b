"""SNLI generation benchmark: reverse perplexity of real data, LM, AE and ARAE samples over seeds (thesis Table 4.5).

Trains ARAE (`--config`, default `configs/arae_snli_dev.yaml`: the reference SNLI model with Adam,
a bfloat16 softmax layer, a critic without BatchNorm and three GAN rounds per autoencoder step, 20
epochs) and the AE baseline (the same config with `train.trainer=ae`) on
`../shared/data/snli/valid.txt` (11.5k sentences of at most 15 words; only the SNLI dev split is
available, so absolute numbers are not the paper's), holding out `test.txt`, once per seed
(`train.seed=k`). The LM row: a language model of the decoder's size (`model.embedding_dim`,
`model.hidden_dim`, the run's vocabulary size; the `--lm-recipe`'s training schedule, seed k)
trained on the same real text, sampled by ancestral sampling at temperature 1 with at most
`data.maxlen` words (`tfarae.metrics.lm_sampling`). Every system's `--num-samples` samples are
scored alike (`tfarae.evaluate.score_samples`): one forward LM (`--lm-recipe`) trained once on the
real training text, and per system and seed a reverse LM of that recipe trained on the samples and
scored on the held-out text. The AE and ARAE runs also get reconstruction BLEU and the swap test.
Prints the table as mean ± standard deviation over seeds:

  | system | reverse PPL | forward PPL | distinct % | recon. BLEU | swap NLL k = 0 → 4 |

and the issue's targets (ARAE's reverse PPL >= 10% below the AE's and below the LM's, with the seed
spread smaller than the margin; >= 90% distinct; reconstruction BLEU within 3 points of the AE's).

    python benchmarks/snli_generation.py --seeds 3 --num-samples 100000   # the full benchmark
    python benchmarks/snli_generation.py --quick                          # smoke test, meaningless numbers

Everything lands in --out (default runs/snli_generation-<time>): seed<k>/ae, seed<k>/arae (run
directories with eval/report.json), seed<k>/lm (the sampling LM, with eval/), lm_real/ (the forward
LM, with training_data.json: the data config of the text it learned), samples_<system>_seed<k>.txt
(every sample scored, one sentence per line, for external LMs), reports.json and table.md.

An --out that already holds runs or LMs (an earlier invocation) is reused only if they were
produced by these arguments (an interrupted run is resumed from its last finished epoch, a finished
one is evaluated as it is): each run's config.yaml must equal the config this invocation resolves,
and each LM's recipe (lm_config.json) and training data (training_data.json) must equal this
invocation's. Otherwise the script stops before training anything, with one line naming what
differs (`error: runs/x/seed0/arae was trained with train.epochs 20, now 5; ...`): choose another
--out or delete the stale directory. Nothing is ever re-run or overwritten silently.
"""

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO, "..", "shared", "data", "snli"))
LM_DIR = "lm_real"
SYSTEMS = ("lm", "ae", "arae")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="output directory (default runs/snli_generation-<time>)")
    parser.add_argument("--data-dir", default=DEFAULT_DATA, help="directory with valid.txt (train) and test.txt")
    parser.add_argument("--config", default="arae_snli_dev", help="preset or YAML file of both runs")
    parser.add_argument("--epochs", type=int, help="training epochs of both ARAE and AE (default: the config's)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per system (default 3)")
    parser.add_argument("--num-samples", type=int, default=20000,
                        help="generated sentences per system and seed, the reverse LMs' training text (default 20000)")
    parser.add_argument("--lm-recipe", default="standard", help="LM recipe of every perplexity (default standard)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="extra config override for both runs (repeatable)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated systems (default lm,ae,arae)")
    parser.add_argument("--time-to-quality", type=int, default=0, metavar="N",
                        help="seed 0's AE and ARAE score N samples after every epoch (small LM) to time reaching "
                             "1.3x the real-data reverse PPL (default 0: off)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: 2000 training sentences, 20 steps, 2000 samples, the small LM recipe")
    return parser.parse_args(argv)


def benchmark_config(args, trainer, seed=0):
    """Returns the validated config of one run: `--config` + data paths + trainer + seed + schedule + overrides."""
    from tfarae.config import load_config

    overrides = [
        f"data.train_files=[{os.path.join(args.data_dir, 'valid.txt')}]",
        f"data.valid_files=[{os.path.join(args.data_dir, 'test.txt')}]",
        f"train.trainer={trainer}",
        f"train.seed={seed}",
        *([f"train.epochs={args.epochs}"] if args.epochs else []),
        "train.num_eval_samples=1000",
        "train.jit_compile=false",
    ]
    if args.quick:
        overrides += ["data.max_train_sentences=2000", "train.steps_per_epoch=20", "train.num_samples_per_epoch=5"]
    return load_config(args.config, overrides + args.overrides)


def sampling_lm_config(lm_config, config, seed):
    """Returns the recipe of the LM row: `lm_config`'s schedule at the autoencoder's sizes (`config`), seeded."""
    model = config.model
    return dataclasses.replace(lm_config, name=f"{lm_config.name}-{model.embedding_dim}x{model.hidden_dim}",
                               embedding_dim=model.embedding_dim, hidden_dim=model.hidden_dim,
                               vocab_size=config.data.vocab_size, maxlen=config.data.maxlen, seed=seed)


def reuse_problem(out, configs, lm_configs):
    """Returns None if everything `out` already holds was produced by these settings, else one line saying what differs.

    Args:
        out: the benchmark's output directory.
        configs: `{run subdirectory: Config}` of the runs (finished or interrupted).
        lm_configs: `{LM subdirectory: LMConfig}` of the LMs; their training text is the runs' data.
    """
    from tfarae.metrics.lm import LanguageModel
    from tfarae.metrics.lm_cache import lm_mismatch
    from tfarae.run import run_mismatch

    problems = [run_mismatch(os.path.join(out, name), config) for name, config in configs.items()]
    data = next(iter(configs.values())).data
    problems += [lm_mismatch(os.path.join(out, name), lm_config, data) for name, lm_config in lm_configs.items()
                 if LanguageModel.exists(os.path.join(out, name))]
    return next((problem for problem in problems if problem), None)


def lm_row(config, tokenizer, forward_lm, forward_dir, lm_config, lm_dir, num_samples, seed):
    """Trains (or reuses) the sampling LM, samples `num_samples` sentences and scores them; returns the report."""
    from tfarae.evaluate import real_text, score_samples
    from tfarae.metrics.lm import LanguageModel
    from tfarae.metrics.lm_cache import train_lm
    from tfarae.metrics.lm_sampling import sample_sentences

    lm = LanguageModel.load(lm_dir) if LanguageModel.exists(lm_dir) else train_lm(config, tokenizer, lm_config, lm_dir)
    samples = sample_sentences(lm, num_samples, seed=seed, max_words=config.data.maxlen)
    corpus, train, valid = real_text(config, tokenizer)
    report = score_samples(samples, forward_lm, f"{forward_lm.config.name} ({forward_dir})", train, valid,
                           os.path.join(lm_dir, "eval"), corpus.oracle)
    with open(os.path.join(lm_dir, "eval", "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    return report


CURVE_FILE = "quality_curve.jsonl"  # in a run directory: reverse PPL after every epoch (tfarae.metrics.quality_curve)
QUALITY_BAR = 1.3  # time to quality: reverse PPL under this multiple of the real-data row


def quality_curves(args, configs, out):
    """Returns `({run subdirectory: [ReversePerplexityCurve]}, real-data PPL)` for seed 0's AE and ARAE.

    Empty (and None) without --time-to-quality. The curves' reference LM (the `small` recipe, or
    `tiny` with --quick) is trained here on the real text and scores the held-out text (the bar's base).
    """
    from tfarae.metrics.lm import recipe
    from tfarae.metrics.quality_curve import ReversePerplexityCurve, real_text_reference

    names = [name for name in ("seed0/ae", "seed0/arae") if name in configs]
    if not args.time_to_quality or not names:
        return {}, None
    lm, held_out, real_ppl = real_text_reference(configs[names[0]].data, recipe("tiny" if args.quick else "small"))
    return {name: [ReversePerplexityCurve(os.path.join(out, name), lm, held_out, os.path.join(out, name, CURVE_FILE),
                                          num_samples=args.time_to_quality)] for name in names}, real_ppl


def time_to_quality(curves, real_ppl):
    """Returns the markdown lines: training minutes until each curve's reverse PPL is under `QUALITY_BAR` × `real_ppl`."""
    from tfarae.metrics.quality_curve import minutes_to_reach

    if not curves:
        return ""
    lines = []
    for name, (curve,) in curves.items():
        minutes = minutes_to_reach(curve.path, QUALITY_BAR * real_ppl)
        lines.append(f"- {name}: " + ("not reached" if minutes is None else f"{minutes:.1f} training minutes"))
    first = next(iter(curves.values()))[0]
    return (f"\nTime to quality (reverse PPL of {first.num_samples} samples per epoch under {QUALITY_BAR} x the "
            f"real-data {real_ppl:.1f} = {QUALITY_BAR * real_ppl:.1f}, LM recipe "
            f"`{first.reference_lm.config.name}`):\n" + "\n".join(lines) + "\n")


def _spread(values):
    """Returns `mean ± standard deviation` of the non-missing `values` ("n/a" if none), one decimal."""
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values) if len(values) > 1 else 0.0:.1f}"


def results_table(reports, args, epochs):
    """Returns the benchmark table (markdown) from `reports[seed][system]` (evaluation reports)."""
    seeds = sorted(reports)
    systems = [s for s in SYSTEMS if s in reports[seeds[0]]]
    column = lambda system, key, scale=1: [  # noqa: E731
        None if reports[k][system].get(key) is None else scale * reports[k][system][key] for k in seeds]
    first = reports[seeds[0]][systems[0]]
    lines = [
        f"SNLI generation: trained on {os.path.join(args.data_dir, 'valid.txt')} (dev split), held out test.txt; "
        f"config `{args.config}`, {epochs} epoch(s){' (--quick)' if args.quick else ''}; {len(seeds)} seed(s); "
        f"{first['num_samples']} samples per system and seed; LM recipe `{first['lm_recipe']}` for every perplexity.",
        "",
        "| system | reverse PPL | forward PPL | distinct % | novel % | mean length | recon. BLEU | "
        "swap NLL k = 0 → 4 (nats) |",
        "|---|---|---|---|---|---|---|---|",
        f"| real data (training text) | {_spread(column(systems[0], 'real_ppl'))} | | | | | | |",
    ]
    for system in systems:
        swaps = [reports[k][system].get("swap_nll") for k in seeds]
        swap = " → ".join(_spread([s[i] for s in swaps if s]) for i in (0, 4)) if all(swaps) else ""
        lines.append(f"| {system.upper()} samples | {_spread(column(system, 'reverse_ppl'))} | "
                     f"{_spread(column(system, 'forward_ppl'))} | {_spread(column(system, 'distinct_fraction', 100))} | "
                     f"{_spread(column(system, 'novel_fraction', 100))} | {_spread(column(system, 'mean_length'))} | "
                     f"{_spread(column(system, 'reconstruction_bleu'))} | {swap} |")
    lines += ["", *targets(reports, seeds), "",
              "Published (full SNLI, 100k samples, RNN LM): real 27.4, LM 90.6, AE 97.3, ARAE 82.2."]
    return "\n".join(lines) + "\n"


def targets(reports, seeds):
    """Returns the issue's target lines for the systems present (ARAE against AE and LM), over the seeds' means."""
    present = reports[seeds[0]]
    if "arae" not in present or "ae" not in present:
        return []
    mean = lambda system, key: statistics.mean(reports[k][system][key] for k in seeds)  # noqa: E731
    spread = lambda system, key: (statistics.stdev([reports[k][system][key] for k in seeds])  # noqa: E731
                                  if len(seeds) > 1 else 0.0)
    arae, ae = mean("arae", "reverse_ppl"), mean("ae", "reverse_ppl")
    margin = 1 - arae / ae
    lines = [f"- ARAE reverse PPL {100 * margin:.1f}% below the AE's (target >= 10%): {'yes' if margin >= 0.1 else 'NO'}; "
             f"seed spread (sd) ARAE {spread('arae', 'reverse_ppl'):.1f}, AE {spread('ae', 'reverse_ppl'):.1f} against "
             f"a margin of {ae - arae:.1f}: {'smaller' if max(spread('arae', 'reverse_ppl'), spread('ae', 'reverse_ppl')) < ae - arae else 'NOT smaller'}"]
    if "lm" in present:
        lm = mean("lm", "reverse_ppl")
        lines.append(f"- ARAE below the LM samples ({arae:.1f} vs {lm:.1f}): {'yes' if arae < lm else 'NO'}")
    distinct = mean("arae", "distinct_fraction")
    bleu_gap = mean("ae", "reconstruction_bleu") - mean("arae", "reconstruction_bleu")
    lines += [f"- ARAE distinct {100 * distinct:.1f}% (target >= 90%): {'yes' if distinct >= 0.9 else 'NO'}",
              f"- ARAE reconstruction BLEU {bleu_gap:.1f} points below the AE's (target <= 3): "
              f"{'yes' if bleu_gap <= 3 else 'NO'}"]
    return lines


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
    from tfarae.metrics.lm_cache import train_lm
    from tfarae.run import train_or_reuse
    from tfarae.run_dir import load_trainer

    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if not systems or set(systems) - set(SYSTEMS):
        sys.exit(f"error: --systems: a comma-separated list of {', '.join(SYSTEMS)}, got {args.systems!r}")
    if args.lm_recipe not in RECIPES:
        sys.exit(f"error: --lm-recipe: one of {', '.join(sorted(RECIPES))}, got {args.lm_recipe!r}")
    if args.seeds <= 0:
        sys.exit(f"error: --seeds: must be positive, got {args.seeds}")
    trainers = [s for s in systems if s != "lm"] or ["ae"]  # the LM row reads the data through an AE run
    try:
        configs = {f"seed{k}/{t}": benchmark_config(args, t, k) for k in range(args.seeds) for t in trainers}
    except ConfigError as error:
        sys.exit(f"error: {error}")
    lm_config = recipe(args.lm_recipe)
    first = next(iter(configs.values()))
    lm_configs = {LM_DIR: lm_config}
    if "lm" in systems:
        lm_configs.update({f"seed{k}/lm": sampling_lm_config(lm_config, first, k) for k in range(args.seeds)})
    problem = reuse_problem(out, configs, lm_configs)
    if problem:
        sys.exit(f"error: {problem} (use another --out or delete it)")
    os.makedirs(out, exist_ok=True)

    started = time.time()
    elapsed = lambda: f"[{(time.time() - started) / 60:.1f} min]"  # noqa: E731
    curves, curve_real_ppl = quality_curves(args, configs, out)
    for name, config in configs.items():
        print(f"{elapsed()} {name}", flush=True)
        train_or_reuse(config, os.path.join(out, name), verbose=2, callbacks=curves.get(name, ()))
    run_config, tokenizer, _ = load_trainer(os.path.join(out, next(iter(configs))))
    forward_dir = os.path.join(out, LM_DIR)
    if LanguageModel.exists(forward_dir):
        forward_lm = LanguageModel.load(forward_dir)
    else:  # one forward LM for every system: the real training text the runs saw (<= maxlen words)
        forward_lm = train_lm(run_config, tokenizer, lm_config, forward_dir)

    reports = {}
    for k in range(args.seeds):
        reports[k] = {}
        for system in systems:
            print(f"{elapsed()} evaluating {system}, seed {k}", flush=True)
            system_dir = os.path.join(out, f"seed{k}", system)
            if system == "lm":
                reports[k][system] = lm_row(run_config, tokenizer, forward_lm, forward_dir,
                                            lm_configs[f"seed{k}/lm"], system_dir, args.num_samples, seed=k)
            else:
                reports[k][system] = evaluate(system_dir, reference_lm=forward_dir, num_samples=args.num_samples,
                                              seed=k, verbose=2)
            shutil.copyfile(os.path.join(system_dir, "eval", "samples.txt"),
                            os.path.join(out, f"samples_{system}_seed{k}.txt"))
    table = results_table(reports, args, first.train.epochs) + time_to_quality(curves, curve_real_ppl)
    table += f"\nTotal wall time {elapsed()[1:-1]}.\n"
    with open(os.path.join(out, "table.md"), "w", encoding="utf-8") as f:
        f.write(table)
    with open(os.path.join(out, "reports.json"), "w", encoding="utf-8") as f:
        json.dump(reports, f, indent=2)
    print("\n" + table)
    print(f"wrote {os.path.join(out, 'table.md')}")


if __name__ == "__main__":
    sys.exit(main())
