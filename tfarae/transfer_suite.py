"""The `transfer` suite of `python -m tfarae.evaluate`: the thesis's Table 4.2 columns for a class-conditional run.

Every held-out sentence (up to `max_eval_sentences`) is transferred to the next class
(`(label + 1) mod K`: the other class when K = 2), then scored:
- `transfer_accuracy`: share of transfers that the attribute classifier
  (`tfarae.metrics.attribute_classifier`, trained on the run's labelled training text and cached in
  `RUN/eval/attribute_classifier`) assigns to the target class; `classifier_accuracy` is that
  classifier's own accuracy on the held-out real sentences;
- `transfer_self_bleu`: corpus BLEU of the transfers against their sources (content kept);
- `transfer_reference_bleu`: BLEU against human references, when reference files are given (each
  one line per transferred sentence, aligned with the held-out sentences in order);
- `transfer_forward_ppl`: the transfers under the forward LM (the real-text LM);
- `transfer_reverse_ppl`: an LM trained on the transfers, scoring the real held-out text;
- on the embedded grammar, exactly: `transfer_target_fraction`, `transfer_grammatical_fraction`,
  `transfer_content_kept` (`tfarae.metrics.transfer.grammar_transfer_scores`).
"""

import os

from tfarae.data.sources import label_names


def read_references(paths, count):
    """Returns sacrebleu's reference streams: one list of `count` lines per file; raises ValueError if one is shorter."""
    streams = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        if len(lines) < count:
            raise ValueError(f"--references: {path} has {len(lines)} lines, fewer than the {count} transferred sentences")
        streams.append(lines[:count])
    return streams


def transfer_suite(trainer, tokenizer, config, train, valid, eval_dir, forward_lm, references=(),
                   max_eval_sentences=2000, verbose=0):
    """Scores transfers of held-out sentences (see the module docstring).

    Args:
        train, valid: the run's splits as `tfarae.evaluate._Split` with `labels`.
        forward_lm: the real-text `LanguageModel` (its recipe is also the reverse LM's).
        references: paths of reference files.

    Returns:
        `(figures, details)`: flat report entries, and `transfer_examples` (source, target, output).
    """
    from tfarae.metrics.attribute_classifier import cached_attribute_classifier
    from tfarae.metrics.lm import train_language_model
    from tfarae.metrics.transfer import grammar_transfer_scores, reference_bleu, self_bleu
    from tfarae.sampling import transfer_sentences

    names = label_names(config.data)
    sources = valid.sentences_as_seen[:max_eval_sentences]
    targets = [(int(label) + 1) % len(names) for label in valid.labels[:max_eval_sentences]]
    outputs = transfer_sentences(trainer, tokenizer, valid.sentences[:max_eval_sentences], targets)
    classifier = cached_attribute_classifier(os.path.join(eval_dir, "attribute_classifier"), train.sentences,
                                             train.labels, len(names), verbose=verbose)
    figures = {
        "transfer_sentences": len(outputs),
        "transfer_classifier": classifier.config.name,
        "classifier_accuracy": classifier.accuracy(valid.sentences, valid.labels),
        "transfer_accuracy": float((classifier.predict(outputs) == targets).mean()),
        "transfer_self_bleu": self_bleu(sources, outputs),
        "transfer_forward_ppl": forward_lm.perplexity(outputs),
    }
    if references:
        figures["transfer_reference_bleu"] = reference_bleu(outputs, read_references(references, len(outputs)))
    reverse_lm = train_language_model(outputs, forward_lm.config, vocabulary=forward_lm.vocabulary, verbose=verbose)
    figures["transfer_reverse_ppl"] = reverse_lm.perplexity(valid.sentences)
    if config.data.grammar_attribute:
        exact = grammar_transfer_scores(config.data.grammar_attribute, sources, outputs, targets)
        figures.update({f"transfer_{key}": value for key, value in exact.items()})
    examples = [(source, names[target], output) for source, target, output in zip(sources, targets, outputs)][:20]
    return figures, {"transfer_examples": examples}
