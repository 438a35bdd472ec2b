"""`python -m tfarae.tune --search FILE --output DIR [--config FILE|PRESET] [--tuner NAME] [--max-trials N] [--resume]`.

Also `[--objective NAME] [--seed N]`; `--tuner` is random (default), bayesian or hyperband.

Searches the config keys a search file names (see `tfarae.tuning.search_file`), each trial a
tfarae run in `DIR/trials/<id>/`, and writes `DIR/trials.csv`, `trials.md`, `best.yaml` and
`objective.png`. An unusable argument or search file stops it before anything is written, with
exit status 2 and one line `error: <key>: <what is wrong>`.
"""

import argparse
import os
import sys

from tfarae.tuning.objectives import OBJECTIVES
from tfarae.tuning.search import TUNERS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfarae.tune", description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="base config: YAML file or preset name (default arae_default)")
    parser.add_argument("--search", help="search file (YAML: config keys and their ranges)")
    parser.add_argument("--tuner", choices=TUNERS, help="KerasTuner oracle (default random)")
    parser.add_argument("--max-trials", type=int, default=10, help="trials in all, resumed ones included (default 10)")
    parser.add_argument("--output", required=True, help="the search's directory")
    parser.add_argument("--objective", choices=list(OBJECTIVES), help="replaces the search file's objective")
    parser.add_argument("--seed", type=int, help="the oracle's seed, positive (default 1)")
    parser.add_argument("--resume", action="store_true", help="continue the search in --output")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from tfarae.config import ConfigError
    from tfarae.tuning.results import markdown_table
    from tfarae.tuning.search import prepare_search, run_search

    try:
        if args.max_trials <= 0:
            raise ConfigError(f"--max-trials: must be positive, got {args.max_trials}")
        search = prepare_search(args.output, args.config, args.search, args.tuner, args.objective, args.seed,
                                args.resume)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    rows, best = run_search(search, args.max_trials)
    print(markdown_table(rows))
    if best:
        print(f"best: trial {best['trial']}, {search.space.objective} {best[search.space.objective]:.4g}; "
              f"train it fully: python -m tfarae.train --config {os.path.join(args.output, 'best.yaml')}")
    else:
        print("no trial completed: no best.yaml")


if __name__ == "__main__":
    main()
