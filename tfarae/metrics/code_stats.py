"""Code-space statistics (ARAE thesis Figure 4.2): norms, covariance traces and smoothness of codes.

- `code_norm_*`: mean L2 norm of a set of codes.
- `code_trace_*`: trace of the codes' covariance, i.e. the sum of per-dimension variances
  (population variance, divided by N).
- `neighbour_cosine`: the mean cosine similarity between the codes of two *different* sentences
  whose word-level edit distance (Levenshtein over whitespace tokens) is at most 5, over every
  such pair among the sentences given (NaN when there is no pair).

`CodeStatistics` is a Keras callback that adds these to the epoch logs (so the TensorBoard callback
that follows it writes them as `epoch_code_*` scalars) and appends them to a JSON-lines file.
"""

import json
import os

import keras
import numpy as np
import tensorflow as tf

from tfarae.data.tokenizer import PAD_ID


def mean_norm(codes):
    """Returns the mean L2 norm of `codes [N, C]`."""
    return float(np.linalg.norm(np.asarray(codes, np.float64), axis=1).mean())


def covariance_trace(codes):
    """Returns the trace of the covariance of `codes [N, C]` (sum of per-dimension population variances)."""
    return float(np.asarray(codes, np.float64).var(axis=0).sum())


def edit_distance(a, b):
    """Returns the Levenshtein distance between two token sequences."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def neighbour_pairs(sequences, max_distance=5):
    """Returns the index pairs `(i, j)`, i < j, of distinct sequences within `max_distance` edits.

    Pairs are pre-filtered with a bound that needs no alignment: one edit changes the set of
    distinct tokens by at most two elements, so `edit distance >= |set_i Δ set_j| / 2`.

    Args:
        sequences: list of token sequences (lists or tuples of hashables).
    """
    vocabulary = {t: i for i, t in enumerate({t for s in sequences for t in s})}
    bags = np.zeros((len(sequences), max(len(vocabulary), 1)), np.float32)
    for row, sequence in enumerate(sequences):
        bags[row, [vocabulary[t] for t in set(sequence)]] = 1.0
    sizes = bags.sum(axis=1)
    symmetric_difference = sizes[:, None] + sizes[None, :] - 2.0 * bags @ bags.T
    lengths = np.array([len(s) for s in sequences])
    close = (symmetric_difference <= 2 * max_distance) & (np.abs(lengths[:, None] - lengths[None, :]) <= max_distance)
    pairs = []
    for i, j in zip(*np.nonzero(np.triu(close, k=1))):
        if sequences[i] != sequences[j] and edit_distance(sequences[i], sequences[j]) <= max_distance:
            pairs.append((int(i), int(j)))
    return pairs


def neighbour_cosine(codes, pairs):
    """Returns the mean cosine similarity of `codes [N, C]` over index `pairs` (NaN when there are none)."""
    if not len(pairs):
        return float("nan")
    codes = np.asarray(codes, np.float64)
    unit = codes / np.maximum(np.linalg.norm(codes, axis=1, keepdims=True), 1e-12)
    i, j = np.asarray(pairs).T
    return float(np.sum(unit[i] * unit[j], axis=1).mean())


def token_sequences(token_ids):
    """Returns each row of `token_ids [N, T]` without padding, as a tuple."""
    return [tuple(int(t) for t in row if t != PAD_ID) for row in np.asarray(token_ids)]


def encode_codes(encoder, token_ids, batch_size=1000):
    """Returns `encoder` codes `[N, C]` of `token_ids [N, T]` as a numpy array."""
    return np.concatenate([encoder(tf.constant(token_ids[i : i + batch_size])).numpy()
                           for i in range(0, len(token_ids), batch_size)])


def code_statistics(trainer, token_ids, num_generated=None, seed=0, max_distance=5, pairs=None):
    """Returns the code-space statistics of a trainer (see the module docstring).

    Args:
        trainer: an `AutoencoderTrainer` (any of the family), ready to `sample_codes` (the AE
            baseline needs `prepare_sampling` first).
        token_ids: int `[N, T]` real sentences whose codes are the "real" codes.
        num_generated: codes drawn with `trainer.sample_codes` (default N).
        seed: the sampling seed.
        max_distance: the largest edit distance of a neighbour pair.
        pairs: the neighbour pairs of `token_ids`, when already known (`neighbour_pairs`).

    Returns:
        dict `code_norm_real`, `code_norm_generated`, `code_trace_real`, `code_trace_generated`,
        `neighbour_cosine`, `neighbour_pairs`.
    """
    if pairs is None:
        pairs = neighbour_pairs(token_sequences(token_ids), max_distance)
    real = encode_codes(trainer.encoder, token_ids)
    generated = trainer.sample_codes(num_generated or len(token_ids), tf.constant([seed, 0], tf.int64)).numpy()
    return {
        "code_norm_real": mean_norm(real),
        "code_norm_generated": mean_norm(generated),
        "code_trace_real": covariance_trace(real),
        "code_trace_generated": covariance_trace(generated),
        "neighbour_cosine": neighbour_cosine(real, pairs),
        "neighbour_pairs": len(pairs),
    }


class CodeStatistics(keras.callbacks.Callback):
    """Adds `code_statistics` of fixed real sentences to the epoch logs, and appends them to a file.

    The AE baseline logs no code norms of its own, so for it the callback adds `code_norm_real` and
    `code_norm_generated` too; `neighbour_cosine` is left out of the logs when there is no pair.
    Place it after `SampleWriter` (which fits the AE baseline's sampling Gaussian each epoch) and
    before `keras.callbacks.TensorBoard`, which then writes `epoch_code_norm_real`, ...,
    `epoch_neighbour_cosine` to `logs/train`. The neighbour pairs are found once, at construction.

    Args:
        token_ids: int `[N, T]` real sentences (a fixed sample, e.g. the first 1000 validation ones).
        path: JSON-lines file, one object per epoch with `epoch` (1-based) and the statistics; or None.
        num_generated: generated codes per epoch (default N).
        seed: the sampling seed (the same every epoch).
        max_distance: the largest edit distance of a neighbour pair.
    """

    LOG_KEYS = ("code_trace_real", "code_trace_generated", "neighbour_cosine")

    def __init__(self, token_ids, path=None, num_generated=None, seed=0, max_distance=5):
        super().__init__()
        self.token_ids = np.asarray(token_ids)
        self.path = path
        self.num_generated = num_generated or len(self.token_ids)
        self.seed = seed
        self.pairs = neighbour_pairs(token_sequences(self.token_ids), max_distance)

    def statistics(self):
        """Returns the statistics of the current weights."""
        return code_statistics(self.model, self.token_ids, self.num_generated, self.seed, pairs=self.pairs)

    def on_epoch_end(self, epoch, logs=None):
        stats = self.statistics()
        if logs is not None:
            # The ARAE trainer already logs running means of the code norms over the epoch: keep those.
            for key in ("code_norm_real", "code_norm_generated"):
                logs.setdefault(key, stats[key])
            logs.update({key: stats[key] for key in self.LOG_KEYS if not np.isnan(stats[key])})
        if self.path:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"epoch": epoch + 1, **stats}) + "\n")


def code_curves(run_dir):
    """Returns code-statistic curves `{key: [(epoch, value)]}` (1-based epochs) from a run directory's logs.

    Sources, later ones overriding: the TensorBoard scalars `epoch_<key>` in `RUN/logs/train`,
    then `RUN/code_stats.jsonl` if a `CodeStatistics` callback wrote one.
    """
    from tfarae.metrics.plots import CODE_PANELS
    from tfarae.metrics.tensorboard import read_scalars

    keys = [key for lines in CODE_PANELS.values() for key in lines.values()]
    scalars = read_scalars(os.path.join(run_dir, "logs", "train"))
    curves = {key: [(step + 1, value) for step, value in scalars.get(f"epoch_{key}", [])] for key in keys}
    from tfarae.run_dir import CODE_STATS_FILE

    path = os.path.join(run_dir, CODE_STATS_FILE)
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        for key in keys:
            points = {r["epoch"]: r[key] for r in rows if key in r and r[key] is not None}
            if points:
                curves[key] = sorted({**dict(curves[key]), **points}.items())
    return {key: points for key, points in curves.items() if points}
