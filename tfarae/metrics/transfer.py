"""Attribute-transfer figures that need no model: the embedded grammar's exact oracle, and BLEU to sources and references."""

import sacrebleu

from tfarae.data import attributes, grammar
from tfarae.metrics.reconstruction import corpus_bleu


def grammar_transfer_scores(attribute, sources, outputs, targets):
    """Scores transfers of embedded-grammar sentences exactly.

    Args:
        attribute: `sentiment` or `topic` (`tfarae.data.attributes.LABEL_NAMES`).
        sources: N source sentences.
        outputs: their N transfers.
        targets: N target class indices.

    Returns:
        `{"target_fraction", "grammatical_fraction", "content_kept"}`, each in [0, 1]: the share of
        outputs that carry exactly the target class (`attributes.sentence_class`), the share the
        grammar derives, and the share of the sources' attribute-neutral content words (counted
        with multiplicity, over all sentences) that reappear in their output.
    """
    if not sources:
        raise ValueError("no sentences to score")
    carried = sum(attributes.sentence_class(attribute, out) == t for out, t in zip(outputs, targets))
    grammatical = sum(grammar.is_grammatical(out) for out in outputs)
    kept = total = 0
    for source, output in zip(sources, outputs):
        words = attributes.neutral_content_words(attribute, source)
        left = output.split()
        for word in words:
            if word in left:
                left.remove(word)
                kept += 1
        total += len(words)
    return {"target_fraction": carried / len(sources), "grammatical_fraction": grammatical / len(sources),
            "content_kept": kept / total if total else 1.0}


def self_bleu(sources, outputs):
    """Returns corpus BLEU (0-100, as `reconstruction.corpus_bleu`) of `outputs` against their own `sources`."""
    return corpus_bleu(outputs, sources)


def reference_bleu(outputs, references):
    """Returns corpus BLEU (0-100) of `outputs` against human references: one list per reference file, aligned
    with `outputs`; whitespace-tokenized text, so sacrebleu's tokenizer is off as in `corpus_bleu`."""
    return float(sacrebleu.corpus_bleu(list(outputs), [list(r) for r in references], tokenize="none").score)
