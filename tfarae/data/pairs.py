"""Labelled sentence pairs (SNLI-style natural language inference) for the semi-supervised task.

A pair set is three aligned files sharing a prefix: `PREFIX.premise`, `PREFIX.hypothesis` and
`PREFIX.label` (one item per line; `../shared/data/snli/pairs/dev.*` is one).
"""

import dataclasses
import os

import numpy as np

NLI_LABELS = ("entailment", "neutral", "contradiction")
PAIR_PARTS = ("premise", "hypothesis", "label")


@dataclasses.dataclass
class SentencePairs:
    """N aligned pairs: `premises[i]` and `hypotheses[i]` stand in relation `labels[i]` (a name)."""

    premises: list[str]
    hypotheses: list[str]
    labels: list[str]

    def __len__(self):
        return len(self.labels)

    def subset(self, rows):
        """Returns the pairs at indices `rows` (in that order)."""
        return SentencePairs(*([part[i] for i in rows] for part in (self.premises, self.hypotheses, self.labels)))

    def sentences(self):
        """Returns every distinct sentence of the pairs, in order of first appearance (the unlabelled text)."""
        return list(dict.fromkeys(s for pair in zip(self.premises, self.hypotheses) for s in pair))


def read_pairs(prefix):
    """Reads `PREFIX.premise`, `PREFIX.hypothesis`, `PREFIX.label`; returns `SentencePairs`.

    Raises:
        ValueError: a file is missing, or the files differ in length (the message names them).
    """
    parts = []
    for part in PAIR_PARTS:
        path = f"{prefix}.{part}"
        if not os.path.exists(path):
            raise ValueError(f"{path}: no such file (a pair set is {prefix}.{{{','.join(PAIR_PARTS)}}})")
        with open(path, encoding="utf-8", errors="replace") as f:
            parts.append([line.strip() for line in f.read().splitlines()])
    lengths = {part: len(lines) for part, lines in zip(PAIR_PARTS, parts)}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"{prefix}: the pair files differ in length: {lengths}")
    return SentencePairs(*parts)


def class_names(labels):
    """Returns the class names of label strings: `NLI_LABELS` when they cover them, else sorted distinct names."""
    distinct = set(labels)
    return NLI_LABELS if distinct <= set(NLI_LABELS) else tuple(sorted(distinct))


def label_ids(labels, names):
    """Returns int32 `[N]` indices of `labels` in `names`; raises ValueError naming an unknown label."""
    index = {name: i for i, name in enumerate(names)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise ValueError(f"unknown labels {unknown[:5]}; the classes are {', '.join(names)}")
    return np.array([index[label] for label in labels], np.int32)


def labelled_subset(num_pairs, fraction, seed):
    """Returns the sorted indices of a seeded random `fraction` (0 < f <= 1) of `num_pairs` pairs (at least one)."""
    if not 0 < fraction <= 1:
        raise ValueError(f"the labelled fraction must be in (0, 1], got {fraction}")
    count = max(1, int(round(num_pairs * fraction)))
    return np.sort(np.random.default_rng(seed).permutation(num_pairs)[:count])
