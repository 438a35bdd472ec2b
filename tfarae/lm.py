"""`python -m tfarae.lm`: train the LSTM language model of the perplexity metrics, or sample from one.

    python -m tfarae.lm --train FILE [FILE ...] [--valid FILE ...] --output DIR [--recipe standard|tiny]
    python -m tfarae.lm --load DIR --sample N [--seed S] [--temperature T] [--max-words W] [--sample-output FILE]

Training saves the LM (`tfarae.metrics.lm`) to DIR, usable as `python -m tfarae.evaluate
--reference-lm DIR`. Without --valid, a seeded share of the training sentences
(`LMConfig.valid_fraction`) is held out for early stopping. With --score FILE, prints the
perplexity of each file. With --sample N, writes N sentences drawn by ancestral sampling
(`tfarae.metrics.lm_sampling`; temperature 1 by default) from the trained or loaded LM, one per
line, to --sample-output or standard output.
"""

import argparse
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfarae.lm", description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="+", help="training text files, one sentence per line")
    parser.add_argument("--valid", nargs="+", default=None, help="early-stopping text files (default: held out)")
    parser.add_argument("--output", help="directory to save the trained LM into")
    parser.add_argument("--load", help="directory of a saved LM to score or sample with, instead of training")
    parser.add_argument("--recipe", default="standard", help="LM recipe name (default standard)")
    parser.add_argument("--vocab-from", nargs="+", default=None,
                        help="build the vocabulary from these files instead of --train")
    parser.add_argument("--score", nargs="+", default=[], help="files to score")
    parser.add_argument("--sample", type=int, default=0, metavar="N", help="sentences to sample (default 0)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (default 1)")
    parser.add_argument("--max-words", type=int, default=None, help="longest sample in words (default: the recipe's maxlen)")
    parser.add_argument("--sample-output", help="file for the samples (default: standard output)")
    args = parser.parse_args(argv)
    if bool(args.train) == bool(args.load):
        parser.error("give either --train (with --output) or --load")
    if args.train and not args.output:
        parser.error("--train needs --output")
    if args.sample < 0 or args.temperature <= 0 or (args.max_words is not None and args.max_words <= 0):
        parser.error("--sample must be >= 0, --temperature and --max-words positive")
    return args


def main(argv=None):
    args = parse_args(argv)
    from tfarae.data.sources import read_lines
    from tfarae.metrics.lm import LanguageModel, lm_vocabulary, recipe, train_language_model
    from tfarae.metrics.lm_sampling import sample_sentences

    if args.load:
        if not LanguageModel.exists(args.load):
            sys.exit(f"error: --load: {args.load} holds no saved LM")
        lm = LanguageModel.load(args.load)
    else:
        config = recipe(args.recipe)
        train, _ = read_lines(args.train)
        valid = read_lines(args.valid)[0] if args.valid else None
        vocabulary = lm_vocabulary(read_lines(args.vocab_from)[0], config) if args.vocab_from else None
        lm = train_language_model(train, config, valid, vocabulary, verbose=2)
        lm.save(args.output)
        print(f"saved LM ({config.name}, vocabulary {lm.vocab_size}) to {args.output}", file=sys.stderr)
    for path in args.score:
        print(f"perplexity of {path}: {lm.perplexity(read_lines([path])[0]):.3f}", file=sys.stderr)
    if args.sample:
        samples = sample_sentences(lm, args.sample, args.seed, args.temperature, args.max_words)
        text = "\n".join(samples) + "\n"
        if args.sample_output:
            with open(args.sample_output, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            sys.stdout.write(text)


if __name__ == "__main__":
    main()
