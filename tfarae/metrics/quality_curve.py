"""Time to quality: reverse perplexity after every epoch against the training wall-clock (issue 17).

`ReversePerplexityCurve` is a Keras callback: after each epoch it samples `num_samples` sentences,
trains a reverse LM of a fixed recipe on them (the vocabulary of a reference LM trained on the real
text) and scores the held-out text, and writes one JSON line per epoch to `path`:
`{"epoch", "train_minutes", "reverse_ppl"}`. `train_minutes` counts training only: the time the
callback itself spends (sampling, LM training) is left out, so the curve reads as "what this much
training buys"; a resumed run continues the clock from the file's last line. `minutes_to_reach(path,
bar)` then gives the first time the curve goes under a bar.
"""

import json
import os
import time

import keras


class ReversePerplexityCurve(keras.callbacks.Callback):
    """Records the reverse PPL of the model's samples after every epoch, against training minutes.

    Args:
        run_dir: the run's directory (its tokenizer is read from there when training begins).
        reference_lm: a `tfarae.metrics.lm.LanguageModel` of the real training text; its recipe and
            vocabulary are the reverse LMs'.
        held_out: real held-out sentences the reverse LMs score.
        path: the JSON-lines file written (appended to, one line per epoch).
        num_samples: sentences sampled per epoch.
        seed: sampling seed (the same every epoch).
        clock: the function that reads the time in seconds (default `time.time`).
    """

    def __init__(self, run_dir, reference_lm, held_out, path, num_samples=5000, seed=0, clock=time.time):
        super().__init__()
        self.run_dir = run_dir
        self.tokenizer = None
        self.reference_lm = reference_lm
        self.held_out = list(held_out)
        self.path = path
        self.num_samples = num_samples
        self.seed = seed
        self.clock = clock
        self._train_seconds = 0.0
        self._epoch_start = None

    def on_train_begin(self, logs=None):
        from tfarae.config import load_config
        from tfarae.data.vocab import load_vocabulary
        from tfarae.run_dir import CONFIG_FILE, VOCAB_FILE, make_tokenizer

        config = load_config(os.path.join(self.run_dir, CONFIG_FILE))
        self.tokenizer = make_tokenizer(config.data, load_vocabulary(os.path.join(self.run_dir, VOCAB_FILE)))
        if os.path.exists(self.path):
            self._train_seconds = 60 * read_curve(self.path)[-1]["train_minutes"]

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self.clock()

    def on_epoch_end(self, epoch, logs=None):
        from tfarae.metrics.lm import train_language_model
        from tfarae.sampling import generate_sentences

        self._train_seconds += self.clock() - self._epoch_start
        samples = [s for s in generate_sentences(self.model, self.tokenizer, self.num_samples, seed=self.seed) if s]
        reverse_ppl = None
        if len(samples) >= 2:
            lm = train_language_model(samples, self.reference_lm.config, vocabulary=self.reference_lm.vocabulary)
            reverse_ppl = lm.perplexity(self.held_out)
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"epoch": epoch + 1, "train_minutes": self._train_seconds / 60,
                                "reverse_ppl": reverse_ppl}) + "\n")


def read_curve(path):
    """Returns the curve's points, a list of dicts in epoch order (the last line per epoch, after a resume)."""
    points = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            point = json.loads(line)
            points[point["epoch"]] = point
    return [points[epoch] for epoch in sorted(points)]


def minutes_to_reach(path, bar):
    """Returns the training minutes at the first epoch whose reverse PPL is below `bar`, or None if none is."""
    for point in read_curve(path):
        if point["reverse_ppl"] is not None and point["reverse_ppl"] < bar:
            return point["train_minutes"]
    return None


def real_text_reference(data_config, lm_config):
    """Trains the curve's reference LM on a corpus' real training text; returns `(lm, held_out, real_ppl)`.

    Both splits keep the sentences of 1..`data.maxlen` words, as a run sees them (the LM's `maxlen` is
    set to it); `real_ppl` is the perplexity of `held_out` under the LM, the "real data" row.
    """
    import dataclasses

    from tfarae.data.sources import load_corpus
    from tfarae.data.tokenizer import split_words
    from tfarae.metrics.lm import train_language_model

    corpus = load_corpus(data_config)
    lengths = split_words(corpus.valid, data_config.lowercase, data_config.split_punctuation).row_lengths().numpy()
    held_out = [s for s, n in zip(corpus.valid, lengths) if 0 < n <= data_config.maxlen]
    lm = train_language_model(corpus.train, dataclasses.replace(lm_config, maxlen=data_config.maxlen))
    return lm, held_out, lm.perplexity(held_out)
