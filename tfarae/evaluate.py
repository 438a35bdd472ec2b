"""`python -m tfarae.evaluate --run-dir RUN [--suite generation|robustness|codes|transfer|all] [--reference-lm DIR] [--num-samples N]`.

Evaluates a trained run with the metrics of ARAE.md §4 and writes into `RUN/eval/`:
  report.json       flat figures (keys defined in `tfarae.metrics.report.REPORT_KEYS`)
  report.md         the same, readable, with samples, interpolations, arithmetic and swap examples
  samples.txt       the generated sentences the generation suite scored, one per line
  code_stats.png    code norms / covariance traces / neighbour cosine over training epochs
  swap_nll.png      NLL of the original sentence against the number of word swaps (if any has two words)
  lm_forward/       the forward LM trained on the run's training text (cached; reused if the recipe matches)
  lm_reverse/       the reverse LM trained on the generated sentences
  attribute_classifier/  the transfer suite's classifier of the run's labelled text (cached)

`all` runs every suite that fits the run: `transfer` only for class-conditional runs
(`train.trainer: transfer`; see `tfarae.transfer_suite`).

RUN must hold a run with a finished epoch (`config.yaml`, `vocab.txt`, `checkpoints/last.weights.h5`).
An unusable argument stops the CLI before anything is loaded or written, with exit status 2 and one
line `error: <flag>: <what is wrong>`.

"Real text" is the run's corpus as the model saw it: training and validation sentences that fit
`data.maxlen` (the reference filters every split the same way). The validation split is the
held-out text (for the SNLI benchmark, `test.txt`).
"""

import argparse
import dataclasses
import json
import math
import os
import sys

import numpy as np

from tfarae.metrics.report import markdown_report, summary_table

SUITES = ("generation", "robustness", "codes", "transfer")


@dataclasses.dataclass
class _Split:
    token_ids: np.ndarray
    sentences: list  # raw strings that fit maxlen
    sentences_as_seen: list  # normalised strings (OOV as <unk>), as generated text looks
    labels: object = None  # int32 [N] of a labelled corpus, else None


def _split(tokenizer, sentences, labels=None):
    """Returns the `_Split` of `sentences` (and their `labels`): those that fit the tokenizer's maxlen, as ids, raw and as seen."""
    from tfarae.data.pipeline import encode_sentences, sentences_as_seen

    encoded = encode_sentences(tokenizer, sentences, labels)
    return _Split(encoded.token_ids, encoded.sentences, sentences_as_seen(tokenizer, encoded.token_ids),
                  encoded.labels)


def real_text(config, tokenizer):
    """Returns `(corpus, train, valid)`: the run's corpus and its two splits (`_Split`) as the model saw them.

    `load_corpus` applies `data.max_train_sentences`; `_split` drops what does not fit `data.maxlen`.
    """
    from tfarae.data.sources import load_corpus

    corpus = load_corpus(config.data)
    return (corpus, _split(tokenizer, corpus.train, corpus.train_labels),
            _split(tokenizer, corpus.valid, corpus.valid_labels))


def _lm_label(lm, directory):
    return f"{lm.config.name} ({directory})"


def forward_language_model(train_sentences, eval_dir, reference_lm=None, lm_recipe="standard", verbose=0):
    """Returns `(lm, label)`: the LM at `reference_lm`, or the one cached in `eval_dir/lm_forward`, or a new one.

    A cached LM is reused only if it was trained with the same recipe (all `LMConfig` fields equal).
    """
    from tfarae.metrics.lm import LanguageModel, recipe, train_language_model

    if reference_lm:
        lm = LanguageModel.load(reference_lm)
        return lm, _lm_label(lm, reference_lm)
    config = recipe(lm_recipe)
    directory = os.path.join(eval_dir, "lm_forward")
    if LanguageModel.exists(directory):
        lm = LanguageModel.load(directory)
        if lm.config == config:
            return lm, _lm_label(lm, directory)
    print(f"training the forward LM ({config.name}) on {len(train_sentences)} training sentences")
    lm = train_language_model(train_sentences, config, verbose=verbose)
    lm.save(directory)
    return lm, _lm_label(lm, directory)


def score_samples(samples, forward_lm, forward_label, train, valid, eval_dir, oracle=None, verbose=0):
    """Scores generated sentences as ARAE.md §4 does; writes them to `eval_dir/samples.txt` and the reverse LM.

    Args:
        samples: generated sentences (list of str), from any system (an autoencoder, an LM).
        forward_lm: the `LanguageModel` of the real training text; its recipe and vocabulary are
            also the reverse LM's. `forward_label` names it in the report.
        train, valid: the real training and held-out text (`_Split`, or any object with
            `sentences` and `sentences_as_seen`).
        oracle: the corpus' grammaticality oracle, if it has one.

    Returns:
        Flat report figures: sample statistics, `forward_ppl`, `real_ppl`, `reverse_ppl` (an LM of
        `forward_lm`'s recipe trained on the non-empty samples, scored on the held-out text) with
        their LMs; `reverse_ppl` is None, with `reverse_ppl_note`, when fewer than two samples have a word.
    """
    from tfarae.metrics.generation import sample_statistics
    from tfarae.metrics.lm import train_language_model

    os.makedirs(eval_dir, exist_ok=True)
    with open(os.path.join(eval_dir, "samples.txt"), "w", encoding="utf-8") as f:
        f.write("".join(f"{sample}\n" for sample in samples))
    figures = {"num_samples": len(samples)}
    figures.update(sample_statistics(samples, train.sentences_as_seen, oracle))
    figures["lm_recipe"] = forward_lm.config.name
    figures["forward_ppl"] = forward_lm.perplexity(samples)
    figures["forward_ppl_lm"] = forward_label
    figures["real_ppl"] = forward_lm.perplexity(valid.sentences)
    figures["real_ppl_lm"] = forward_label
    figures["held_out_sentences"] = len(valid.sentences)
    sentences = [sample for sample in samples if sample.strip()]  # an empty sample is no sentence to learn
    if len(sentences) < 2:  # a collapsed model: too little to train (and early-stop) a reverse LM on
        figures.update(reverse_ppl=None, reverse_ppl_note=f"{len(samples) - len(sentences)} of {len(samples)} "
                                                          "samples are empty: no reverse LM")
        return figures
    print(f"training the reverse LM ({forward_lm.config.name}) on {len(sentences)} generated sentences")
    reverse_lm = train_language_model(sentences, forward_lm.config, vocabulary=forward_lm.vocabulary, verbose=verbose)
    reverse_dir = os.path.join(eval_dir, "lm_reverse")
    reverse_lm.save(reverse_dir)
    figures["reverse_ppl"] = reverse_lm.perplexity(valid.sentences)
    figures["reverse_ppl_lm"] = _lm_label(reverse_lm, reverse_dir)
    return figures


def generation_suite(trainer, tokenizer, config, corpus, train, valid, eval_dir, num_samples, reference_lm=None,
                     lm_recipe="standard", max_eval_sentences=2000, seed=0, verbose=0):
    """Forward/reverse/real PPL, sample statistics, reconstruction BLEU, interpolation, vector arithmetic.

    Returns:
        `(figures, details)`: flat report entries and the texts for report.md.
    """
    from tfarae.metrics.latent import (arithmetic_attributes, interpolate_samples, interpolate_sentences,
                                       vector_arithmetic)
    from tfarae.metrics.reconstruction import reconstruction_bleu
    from tfarae.sampling import generate_sentences

    samples = generate_sentences(trainer, tokenizer, num_samples, seed=seed)
    forward_lm, forward_label = forward_language_model(train.sentences, eval_dir, reference_lm, lm_recipe, verbose)
    figures = score_samples(samples, forward_lm, forward_label, train, valid, eval_dir, corpus.oracle, verbose)

    bleu_ids = valid.token_ids[:max_eval_sentences]
    figures["reconstruction_bleu"] = reconstruction_bleu(trainer, tokenizer, bleu_ids)
    figures["reconstruction_sentences"] = len(bleu_ids)

    arithmetic = vector_arithmetic(trainer, tokenizer, arithmetic_attributes(config.data),
                                   num_samples=min(num_samples, 10000), seed=seed)
    for name, result in arithmetic.items():
        figures[f"arithmetic_{name}_match"] = result["match"]
        figures[f"arithmetic_{name}_precision"] = result["precision"]
    details = {
        "samples": samples[:20],
        "interpolation_samples": interpolate_samples(trainer, tokenizer, seed=seed),
        "interpolation_sentences": interpolate_sentences(trainer, tokenizer, valid.sentences[0], valid.sentences[-1]),
        "arithmetic": arithmetic,
    }
    return figures, details


def codes_suite(trainer, valid, run_dir, eval_dir, max_eval_sentences=1000, seed=0):
    """Final code statistics of held-out sentences and generated codes, and the curves over training."""
    from tfarae.metrics.code_stats import code_curves, code_statistics
    from tfarae.metrics.plots import plot_code_curves

    figures = code_statistics(trainer, valid.token_ids[:max_eval_sentences], seed=seed)
    curves = code_curves(run_dir)
    figures["code_curve_epochs"] = max((len(points) for points in curves.values()), default=0)
    plot_code_curves(curves, os.path.join(eval_dir, "code_stats.png"), title=os.path.basename(run_dir.rstrip("/")))
    return figures, {"code_curves": curves}


def evaluate(run_dir, suites=SUITES, reference_lm=None, num_samples=100_000, lm_recipe="standard",
             max_eval_sentences=2000, seed=0, verbose=0, references=()):
    """Runs the evaluation suites on a run directory and writes `RUN/eval/` (see the module docstring).

    Args:
        run_dir: a run of `tfarae.run.run` with at least one finished epoch (its checkpoint).
        suites: any of `generation`, `robustness`, `codes`, `transfer` (ignored for a run that is not
            class-conditional).
        reference_lm: directory of a saved `LanguageModel` used as the forward LM (its recipe is then
            also the reverse LM's); by default one is trained on the run's training text with
            `lm_recipe` and cached in `RUN/eval/lm_forward`.
        num_samples: generated sentences (the reverse LM's training text).
        lm_recipe: name of the LM recipe (`tfarae.metrics.lm.RECIPES`) when no reference LM is given.
        max_eval_sentences: held-out sentences used by reconstruction BLEU and the swap test.
        seed: seed of sampling and corruption.
        verbose: Keras verbosity of LM training.
        references: reference files of the transfer suite.

    Returns:
        The report dict (also written to `RUN/eval/report.json`).
    """
    from tfarae.run_dir import load_trainer

    unknown = set(suites) - set(SUITES)
    if unknown:
        raise ValueError(f"unknown suites {sorted(unknown)}; known: {SUITES}")
    config, tokenizer, trainer = load_trainer(run_dir)  # the checkpoint holds the AE baseline's code Gaussian
    suites = [s for s in suites if s != "transfer" or trainer.num_classes]
    corpus, train, valid = real_text(config, tokenizer)
    eval_dir = os.path.join(run_dir, "eval")
    os.makedirs(eval_dir, exist_ok=True)
    report = {"run_dir": run_dir, "trainer": config.train.trainer, "iteration": int(trainer.iteration.numpy()),
              "suites": [s for s in SUITES if s in suites]}
    details = {}
    if "generation" in suites:
        figures, more = generation_suite(trainer, tokenizer, config, corpus, train, valid, eval_dir, num_samples,
                                         reference_lm, lm_recipe, max_eval_sentences, seed, verbose)
        report.update(figures)
        details.update(more)
    if "robustness" in suites:
        from tfarae.metrics.robustness import robustness_suite

        figures, more = robustness_suite(trainer, tokenizer, valid, eval_dir, max_eval_sentences, seed,
                                         title=config.train.trainer)
        report.update(figures)
        details.update(more)
    if "codes" in suites:
        figures, more = codes_suite(trainer, valid, run_dir, eval_dir, min(max_eval_sentences, 1000), seed)
        report.update(figures)
        details.update(more)
    if "transfer" in suites:
        from tfarae.transfer_suite import transfer_suite

        forward_lm, _ = forward_language_model(train.sentences, eval_dir, reference_lm, lm_recipe, verbose)
        figures, more = transfer_suite(trainer, tokenizer, config, train, valid, eval_dir, forward_lm, references,
                                       max_eval_sentences, verbose)
        report.update(figures)
        details.update(more)
    report = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in report.items()}
    with open(os.path.join(eval_dir, "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(eval_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write(markdown_report(report, details))
    return report


def argument_problem(args):
    """Returns `"<flag>: <what is wrong>"` for the first unusable argument of `parse_args`, or None.

    Only reads the disk. The checks that need no TensorFlow come first; the rest import the run
    directory's and the LM's file names and the LM recipes (which import TensorFlow) but load nothing.
    """
    for flag, value in (("--num-samples", args.num_samples), ("--max-eval-sentences", args.max_eval_sentences)):
        if value <= 0:
            return f"{flag}: must be positive, got {value}"
    for flag, directory in (("--run-dir", args.run_dir), ("--reference-lm", args.reference_lm)):
        if directory is not None and not os.path.isdir(directory):
            return f"{flag}: no such directory: {directory}"
    from tfarae.metrics.lm import RECIPES, LanguageModel
    from tfarae.run_dir import finished_run_problem

    problem = finished_run_problem(args.run_dir)
    if problem:
        return problem
    if args.reference_lm is not None and not LanguageModel.exists(args.reference_lm):
        return f"--reference-lm: {args.reference_lm} holds no saved LM (write one with python -m tfarae.lm)"
    if args.lm_recipe not in RECIPES:
        return f"--lm-recipe: unknown recipe {args.lm_recipe!r}; known: {', '.join(sorted(RECIPES))}"
    for path in args.references:
        if not os.path.isfile(path):
            return f"--references: no such file: {path}"
    if args.suite == "transfer" or args.references:
        from tfarae.config import load_config
        from tfarae.run_dir import CONFIG_FILE

        trainer = load_config(os.path.join(args.run_dir, CONFIG_FILE)).train.trainer
        if trainer != "transfer":
            return f"--suite transfer: {args.run_dir} was trained with train.trainer: {trainer}, not transfer"
    return None


def parse_args(argv=None):
    """Returns the parsed arguments; on an unusable one prints `error: <flag>: <problem>` and exits with status 2."""
    parser = argparse.ArgumentParser(prog="python -m tfarae.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, help="the run directory to evaluate")
    parser.add_argument("--suite", default="all", choices=SUITES + ("all",), help="which metrics (default all)")
    parser.add_argument("--reference-lm", help="directory of a saved LM (python -m tfarae.lm) to use as forward LM")
    parser.add_argument("--num-samples", type=int, default=100_000, help="generated sentences (default 100000)")
    parser.add_argument("--lm-recipe", default="standard",
                        help="LM recipe when no --reference-lm (standard; small and tiny for smoke tests)")
    parser.add_argument("--max-eval-sentences", type=int, default=2000,
                        help="held-out sentences for BLEU and the swap test (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="sampling and corruption seed")
    parser.add_argument("--references", nargs="+", default=[], metavar="REF_FILE",
                        help="transfer suite: human references, one line per held-out sentence, in order")
    args = parser.parse_args(argv)
    problem = argument_problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    return args


def main(argv=None):
    args = parse_args(argv)
    suites = SUITES if args.suite == "all" else (args.suite,)
    report = evaluate(args.run_dir, suites, args.reference_lm, args.num_samples, args.lm_recipe,
                      args.max_eval_sentences, args.seed, references=args.references)
    print(summary_table(report))
    print(f"wrote {os.path.join(args.run_dir, 'eval', 'report.json')} and report.md")


if __name__ == "__main__":
    main()
