"""The evaluation report: the definition of every report.json key, report.md, and the CLI's summary table."""

REPORT_KEYS = {
    "run_dir": "the evaluated run directory",
    "trainer": "train.trainer of the run (arae | ae | transfer)",
    "iteration": "training iterations of the evaluated checkpoint",
    "suites": "the suites that ran",
    "num_samples": "generated sentences scored (greedy decoding of trainer.sample_codes; the AE baseline "
                   "samples from a Gaussian fitted to its training codes)",
    "lm_recipe": "name of the LM recipe (tfarae.metrics.lm.LMConfig) behind every perplexity of the report",
    "forward_ppl": "perplexity of the generated sentences under the forward LM (trained on real training text)",
    "forward_ppl_lm": "which LM: recipe name and directory",
    "real_ppl": "perplexity of held-out real text under the forward LM (the 'real data' row of reverse PPL)",
    "real_ppl_lm": "which LM: recipe name and directory",
    "reverse_ppl": "perplexity of held-out real text under an LM trained on the generated sentences "
                   "(same recipe and vocabulary as the forward LM)",
    "reverse_ppl_lm": "which LM: recipe name and directory",
    "reverse_ppl_note": "why reverse_ppl is null: fewer than two samples have a word (only then present)",
    "held_out_sentences": "held-out real sentences scored by real_ppl and reverse_ppl",
    "distinct_fraction": "distinct generated sentences / generated sentences",
    "novel_fraction": "share of generated sentences that are not training sentences",
    "mean_length": "mean words per generated sentence",
    "distinct_1": "distinct unigrams / unigrams over all generated sentences",
    "distinct_2": "distinct bigrams / bigrams over all generated sentences",
    "valid_fraction": "share of generated sentences the corpus oracle accepts (only for corpora with one)",
    "reconstruction_bleu": "sacrebleu corpus BLEU-4 (0-100, tokenize=none) of greedy reconstructions "
                           "vs. their inputs, held-out sentences",
    "reconstruction_sentences": "sentences reconstructed for reconstruction_bleu",
    "arithmetic_<attr>_match": "vector arithmetic: share of transformed samples that have <attr>",
    "arithmetic_<attr>_precision": "vector arithmetic: mean share of a transformed sample's words found in the original",
    "swap_nll": "list, k = 0..4: mean over held-out sentences of the summed NLL (nats, words + <eos>) of the "
                "original sentence decoded teacher-forced from the code of a copy with k random adjacent "
                "word swaps; k = 0 is the reconstruction NLL",
    "swap_nll_per_token": "list, k = 0..4: the same total NLL divided by the number of tokens",
    "swap_sentences": "held-out sentences (>= 2 words) behind swap_nll",
    "swap_note": "why swap_nll and swap_nll_per_token are null (only then present)",
    "code_norm_real": "mean L2 norm of the codes of held-out sentences (final weights)",
    "code_norm_generated": "mean L2 norm of generated codes (final weights)",
    "code_trace_real": "trace of the covariance of held-out codes (sum of per-dimension variances)",
    "code_trace_generated": "trace of the covariance of generated codes",
    "neighbour_cosine": "mean cosine similarity of codes of held-out sentence pairs within word edit distance 5",
    "neighbour_pairs": "pairs behind neighbour_cosine",
    "code_curve_epochs": "epochs found in the training logs for the code_stats.png curves",
    "transfer_sentences": "held-out sentences transferred to the next class ((label + 1) mod K)",
    "transfer_classifier": "recipe of the attribute classifier (tfarae.metrics.attribute_classifier)",
    "classifier_accuracy": "the attribute classifier's accuracy on the held-out real sentences",
    "transfer_accuracy": "share of transfers the attribute classifier assigns to the target class",
    "transfer_self_bleu": "sacrebleu corpus BLEU of the transfers against their sources (content kept)",
    "transfer_reference_bleu": "BLEU of the transfers against the --references files",
    "transfer_forward_ppl": "perplexity of the transfers under the forward LM",
    "transfer_reverse_ppl": "perplexity of held-out real text under an LM trained on the transfers",
    "transfer_target_fraction": "embedded grammar: share of transfers that carry exactly the target class",
    "transfer_grammatical_fraction": "embedded grammar: share of transfers the grammar derives",
    "transfer_content_kept": "embedded grammar: share of the sources' attribute-neutral content words kept",
}


def _number(value):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return " / ".join(_number(v) for v in value)
    return str(value)


def _md(text):
    """Escapes a sentence for a markdown table cell (`<unk>` would read as an HTML tag)."""
    return str(text).replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def markdown_report(report, details):
    """Returns report.md: a figure table with definitions, then the examples of each suite."""
    lines = [f"# Evaluation of `{report['run_dir']}`", "",
             f"Trainer `{report['trainer']}`, {report['iteration']} iterations; suites: {', '.join(report['suites'])}.",
             "", "| key | value | definition |", "|---|---|---|"]
    for key, value in report.items():
        if key in ("run_dir", "trainer", "iteration", "suites"):
            continue
        generic = key
        if key.startswith("arithmetic_"):
            generic = "arithmetic_<attr>_" + key.rsplit("_", 1)[1]
        lines.append(f"| `{key}` | {_number(value)} | {REPORT_KEYS.get(generic, '')} |")
    if "samples" in details:
        lines += ["", "## Generated sentences (first 20)", ""] + [f"- {_md(s)}" for s in details["samples"]]
        lines += ["", "## Interpolation between two latent samples", ""]
        lines += [f"{i}. {_md(s)}" for i, s in enumerate(details["interpolation_samples"])]
        lines += ["", "## Interpolation between two encoded held-out sentences", ""]
        lines += [f"{i}. {_md(s)}" for i, s in enumerate(details["interpolation_sentences"])]
        lines += ["", "## Vector arithmetic", "",
                  "Offset = mean latent of samples with the attribute − mean latent of samples without; added "
                  "to samples without it. Match: share of results that have it; precision: share of a "
                  "result's words found in its original.", "",
                  "| attribute | samples with it | transformed | match % | precision % | example |",
                  "|---|---|---|---|---|---|"]
        for name, r in details["arithmetic"].items():
            example = f"{_md(r['examples'][0][0])} → {_md(r['examples'][0][1])}" if r["examples"] else ""
            lines.append(f"| {name} | {r['num_with']} | {r['num_transformed']} | {100 * r['match']:.1f} | "
                         f"{100 * r['precision']:.1f} | {example} |")
    if "swap_examples" in details:
        lines += ["", "## Robustness to word swaps (examples)", "", "![swap NLL](swap_nll.png)", "",
                  "| k | original | corrupted input | decoded |", "|---|---|---|---|"]
        lines += [f"| {r['k']} | {_md(r['original'])} | {_md(r['corrupted'])} | {_md(r['decoded'])} |"
                  for r in details["swap_examples"]]
    if "transfer_examples" in details:
        lines += ["", "## Transfers (first 20)", "", "| source | to | transfer |", "|---|---|---|"]
        lines += [f"| {_md(source)} | {target} | {_md(output)} |" for source, target, output in details["transfer_examples"]]
    if "code_curves" in details:
        lines += ["", "## Code statistics over training", "", "![code statistics](code_stats.png)", ""]
        for key, points in details["code_curves"].items():
            lines.append(f"- `{key}`: " + ", ".join(f"{e}: {v:.4g}" for e, v in points))
    return "\n".join(lines) + "\n"


SUMMARY_KEYS = ("forward_ppl", "reverse_ppl", "real_ppl", "distinct_fraction", "distinct_2", "valid_fraction",
                "reconstruction_bleu", "swap_nll", "code_norm_real", "code_norm_generated", "transfer_accuracy",
                "transfer_self_bleu", "transfer_content_kept")


def summary_table(report):
    """Returns the short table printed by the CLI."""
    rows = [(k, _number(report[k])) for k in SUMMARY_KEYS if k in report]
    width = max((len(k) for k, _ in rows), default=0)
    lm = f"  (LM recipe: {report['lm_recipe']})" if "lm_recipe" in report else ""
    return "\n".join([f"evaluation of {report['run_dir']}{lm}"] + [f"  {k:<{width}}  {v}" for k, v in rows])
