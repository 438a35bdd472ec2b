"""Semi-supervised sentence-pair classification on an autoencoder's encoder (ARAE.md §5, thesis Table 4.5).

    python -m tfarae.semisupervised --run-dir RUN --train-pairs PREFIX --test-pairs PREFIX
        [--label-fraction F] [--seed S] [--from-scratch] [--freeze-encoder] [--output DIR]

Takes the encoder (and tokenizer) of a finished run, pre-trained without labels by any trainer
(`ae`, `arae`, ...), adds a `PairClassifier` head and trains both on a seeded `--label-fraction`
of the labelled pairs `PREFIX.{premise,hypothesis,label}`; prints the accuracy on `--test-pairs`.
`--from-scratch` re-initialises the encoder (same architecture and vocabulary): the supervised
baseline. Sentences longer than the run's `maxlen` are cut to their first `maxlen` words.
A bad argument exits with status 2 and one line `error: <flag>: <what is wrong>` before any model loads.
"""

import argparse
import dataclasses
import json
import os
import sys

import numpy as np

from tfarae.data.pairs import class_names, label_ids, labelled_subset, read_pairs

REPORT_FILE = "report.json"
MODEL_FILE = "pair_classifier.keras"


@dataclasses.dataclass
class PairTrainingConfig:
    """How the pair classifier trains: head sizes, optimizer, early stopping on a slice of the labelled pairs."""

    hidden_units: list[int] = dataclasses.field(default_factory=lambda: [256])
    dropout: float = 0.1
    learning_rate: float = 1e-3
    batch_size: int = 64
    epochs: int = 30  # at most; early stopping on the held-out slice usually ends sooner
    patience: int = 3
    valid_fraction: float = 0.1  # of the labelled pairs, held out for early stopping (never the test pairs)
    freeze_encoder: bool = False


def pair_ids(tokenizer, pairs):
    """Returns `(premise_ids, hypothesis_ids)`, int32 `[N, T]` each, of `SentencePairs`."""
    import tensorflow as tf

    return tuple(tokenizer(tf.constant(part, tf.string)).numpy() for part in (pairs.premises, pairs.hypotheses))


def fresh_encoder(encoder):
    """Returns an encoder of `encoder`'s architecture with newly initialised weights (the supervised baseline)."""
    return type(encoder).from_config(encoder.get_config())


def fit_pair_classifier(encoder, tokenizer, pairs, labels, num_classes, config=None, seed=0, verbose=0):
    """Trains a `PairClassifier` over `encoder` on labelled pairs, early-stopping on a held-out slice of them.

    Args:
        encoder: token ids `[B, T]` → codes `[B, C]`; fine-tuned in place unless `config.freeze_encoder`.
        tokenizer: the `SentenceTokenizer` the encoder was trained with.
        pairs: `SentencePairs` (N labelled pairs).
        labels: int `[N]` class indices.
        num_classes: K.
        config: `PairTrainingConfig` (default one if None).
        seed: seeds the held-out slice, the head's initialisation, dropout and shuffling.

    Returns:
        The trained `PairClassifier` (its best weights on the held-out slice).
    """
    import keras

    from tfarae.models.pair_classifier import PairClassifier

    config = config or PairTrainingConfig()
    keras.utils.set_random_seed(seed)
    order = np.random.default_rng(seed).permutation(len(pairs))
    num_valid = max(1, int(round(len(pairs) * config.valid_fraction))) if len(pairs) > 1 else 0
    valid_rows, train_rows = order[:num_valid], order[num_valid:]
    premises, hypotheses = pair_ids(tokenizer, pairs)
    labels = np.asarray(labels, np.int32)
    classifier = PairClassifier(encoder, config.hidden_units, num_classes, dropout=config.dropout,
                                freeze_encoder=config.freeze_encoder)
    classifier.compile(optimizer=keras.optimizers.Adam(config.learning_rate),
                       loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    callbacks, validation = [], None
    if num_valid:
        validation = ((premises[valid_rows], hypotheses[valid_rows]), labels[valid_rows])
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=config.patience,
                                                       restore_best_weights=True))
    classifier.fit((premises[train_rows], hypotheses[train_rows]), labels[train_rows], validation_data=validation,
                   batch_size=config.batch_size, epochs=config.epochs, callbacks=callbacks, shuffle=True,
                   verbose=verbose)
    return classifier


def pair_accuracy(classifier, tokenizer, pairs, labels, batch_size=512):
    """Returns the share of `pairs` whose predicted class is `labels` (int `[N]`)."""
    logits = classifier.predict(pair_ids(tokenizer, pairs), batch_size=batch_size, verbose=0)
    return float(np.mean(np.argmax(logits, axis=-1) == np.asarray(labels)))


def semisupervised_accuracy(run_dir, train_prefix, test_prefix, label_fraction, seed=0, from_scratch=False,
                            config=None, output=None, verbose=0):
    """Trains the pair classifier on the encoder of `run_dir` and returns its report (a dict, see the module doc).

    The report holds `accuracy` on the test pairs, `valid_classes`, the numbers of labelled and test
    pairs, and the arguments; with `output`, it is written to `output/report.json` next to the model.
    """
    from tfarae.run_dir import load_trainer

    config = config or PairTrainingConfig()
    train_pairs, test_pairs = read_pairs(train_prefix), read_pairs(test_prefix)
    names = class_names(train_pairs.labels)
    labelled = train_pairs.subset(labelled_subset(len(train_pairs), label_fraction, seed))
    _, tokenizer, trainer = load_trainer(run_dir)
    encoder = fresh_encoder(trainer.encoder) if from_scratch else trainer.encoder
    classifier = fit_pair_classifier(encoder, tokenizer, labelled, label_ids(labelled.labels, names), len(names),
                                     config, seed, verbose)
    report = {"accuracy": pair_accuracy(classifier, tokenizer, test_pairs, label_ids(test_pairs.labels, names)),
              "classes": list(names), "labelled_pairs": len(labelled), "test_pairs": len(test_pairs),
              "label_fraction": label_fraction, "seed": seed, "from_scratch": from_scratch, "run_dir": run_dir,
              "training": dataclasses.asdict(config)}
    if output:
        os.makedirs(output, exist_ok=True)
        classifier.save(os.path.join(output, MODEL_FILE))
        with open(os.path.join(output, REPORT_FILE), "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)
    return report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfarae.semisupervised", description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, help="finished run whose encoder and tokenizer to use")
    parser.add_argument("--train-pairs", required=True, help="prefix of the labelled training pairs (PREFIX.premise ...)")
    parser.add_argument("--test-pairs", required=True, help="prefix of the pairs to score")
    parser.add_argument("--label-fraction", type=float, default=1.0, help="share of training pairs whose label is used")
    parser.add_argument("--seed", type=int, default=0, help="seeds the labelled subset and the classifier")
    parser.add_argument("--from-scratch", action="store_true", help="re-initialise the encoder (supervised baseline)")
    parser.add_argument("--freeze-encoder", action="store_true", help="train only the classifier head")
    parser.add_argument("--output", help="directory for report.json and pair_classifier.keras")
    return parser.parse_args(argv)


def _problem(args):
    """Returns a one-line problem with the arguments, or None, without loading a model."""
    from tfarae.run_dir import finished_run_problem

    if not 0 < args.label_fraction <= 1:
        return f"--label-fraction: must be in (0, 1], got {args.label_fraction}"
    problem = finished_run_problem(args.run_dir)
    if problem:
        return problem
    pairs = {}
    for flag, prefix in (("--train-pairs", args.train_pairs), ("--test-pairs", args.test_pairs)):
        try:
            pairs[flag] = read_pairs(prefix)
        except ValueError as error:
            return f"{flag}: {error}"
        if not len(pairs[flag]):
            return f"{flag}: {prefix}.* hold no pairs"
    train_names = class_names(pairs["--train-pairs"].labels)
    unknown = sorted(set(pairs["--test-pairs"].labels) - set(train_names))
    if unknown:
        return f"--test-pairs: labels {unknown[:5]} do not occur in --train-pairs ({', '.join(train_names)})"
    return None


def main(argv=None):
    args = parse_args(argv)
    problem = _problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    config = PairTrainingConfig(freeze_encoder=args.freeze_encoder)
    report = semisupervised_accuracy(args.run_dir, args.train_pairs, args.test_pairs, args.label_fraction, args.seed,
                                     args.from_scratch, config, args.output, verbose=2)
    print(f"accuracy={report['accuracy']:.4f} ({report['labelled_pairs']} labelled pairs, "
          f"{report['test_pairs']} test pairs, classes {', '.join(report['classes'])})")


if __name__ == "__main__":
    main()
