"""`python -m tfarae.train [--config FILE|PRESET] [--set key=value ...] [--run-dir DIR] [--resume]`.

With no arguments: trains the text ARAE of `configs/arae_default.yaml` on the embedded grammar
corpus into `runs/arae_default-<time>/`.
"""

import argparse
import json
import os
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfarae.train", description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="arae_default", help="YAML file or preset name (see configs/)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config value, e.g. --set train.epochs=3 (repeatable)")
    parser.add_argument("--run-dir", help="run directory (default runs/<config>-<time>)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its last epoch")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.resume and not args.run_dir:
        sys.exit("error: --resume needs --run-dir")
    name = os.path.basename(args.config).removesuffix(".yaml")
    run_dir = args.run_dir or os.path.join("runs", f"{name}-{time.strftime('%Y%m%d-%H%M%S')}")

    from tfarae.callbacks import TrainingDiverged
    from tfarae.config import ConfigError
    from tfarae.distribute import is_chief
    from tfarae.distributed_loop import WorkerFailed
    from tfarae.run import resolve_config, run

    try:
        config = resolve_config(args.config, args.overrides, run_dir, args.resume)
        metrics = run(config, run_dir, resume=args.resume)
    except (ConfigError, TrainingDiverged, WorkerFailed) as error:
        sys.exit(f"error: {error}")
    print(f"run directory: {run_dir}" + ("" if is_chief(config.runtime) else " (written by the chief worker)"))
    print(json.dumps(metrics, indent=2))


if __name__ == "__main__":
    main()
