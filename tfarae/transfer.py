"""`python -m tfarae.transfer --run-dir RUN --to CLASS [FILE|-] [--output OUT]`.

Rewrites sentences into another class of the run's attribute (sentiment, topic, ...): each line is
encoded and decoded by the decoder of class `--to` (a class name, or its index). Output line i is
the transfer of input line i; empty lines stay empty. Reads FILE, or standard input when FILE is
`-` or left out; writes OUT, or standard output. Needs a run trained with `train.trainer: transfer`.
A bad argument exits with status 2 and one line `error: <flag>: <what is wrong>` before any model loads.
"""

import argparse
import os
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfarae.transfer", description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default="-", help="one sentence per line (default -: standard input)")
    parser.add_argument("--run-dir", required=True, help="run directory of a transfer run (python -m tfarae.train)")
    parser.add_argument("--to", required=True, help="target class: a name (e.g. positive) or an index")
    parser.add_argument("--output", help="output file (default: standard output)")
    return parser.parse_args(argv)


def target_index(target, names):
    """Returns the class index `target` names (a class name or an index), or raises ValueError listing the valid ones."""
    if target in names:
        return names.index(target)
    if target.isdigit() and int(target) < len(names):
        return int(target)
    valid = ", ".join(f"{i} ({name})" for i, name in enumerate(names))
    raise ValueError(f"--to: unknown class {target!r}; valid: {valid}")


def _problem(args):
    """Returns `(problem or None, target index)`, checking the arguments without loading a model."""
    from tfarae.config import load_config
    from tfarae.data.sources import label_names
    from tfarae.run_dir import CONFIG_FILE, finished_run_problem

    problem = finished_run_problem(args.run_dir)
    if problem:
        return problem, None
    config = load_config(os.path.join(args.run_dir, CONFIG_FILE))
    if config.train.trainer != "transfer":
        return f"--run-dir: {args.run_dir} was trained with train.trainer: {config.train.trainer}, not transfer", None
    if args.input != "-" and not os.path.isfile(args.input):
        return f"input: no such file: {args.input}", None
    try:
        return None, target_index(args.to, list(label_names(config.data)))
    except ValueError as error:
        return str(error), None


def main(argv=None):
    args = parse_args(argv)
    problem, target = _problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    from tfarae.run_dir import load_trainer
    from tfarae.sampling import transfer_sentences

    if args.input == "-":
        lines = sys.stdin.read().splitlines()
    else:
        with open(args.input, encoding="utf-8") as f:
            lines = f.read().splitlines()
    _, tokenizer, trainer = load_trainer(args.run_dir)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    outputs = [""] * len(lines)
    for i, sentence in zip(filled, transfer_sentences(trainer, tokenizer, [lines[i] for i in filled],
                                                      [target] * len(filled))):
        outputs[i] = sentence
    text = "".join(line + "\n" for line in outputs)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
