"""`python -m tfarae.export --run-dir RUN --output MODELS [--name NAME] [--version N] [--tfjs]`.

Writes `MODELS/NAME/N/` (a SavedModel with named signatures and a TF Serving warmup file), after
reloading it in a fresh process and calling every signature once; with `--tfjs` also the TF.js
folder `MODELS/NAME/N/tfjs/` (`tfarae.export.tfjs`; the converter environment is checked before
anything is written). Bad input exits with status 1 and a one-line error.
"""

import argparse
import os
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfarae.export", description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", required=True, help="run directory written by python -m tfarae.train")
    parser.add_argument("--output", required=True, help="TF Serving model base directory (MODELS)")
    parser.add_argument("--name", help="model name (default: the run directory's name)")
    parser.add_argument("--version", type=int, help="version number (default: the next free one; never overwritten)")
    parser.add_argument("--tfjs", action="store_true",
                        help="also convert for TF.js into MODELS/NAME/N/tfjs/ "
                             "(after python -m tfarae.export.tfjs --setup)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from tfarae.config import ConfigError
    from tfarae.export.tfjs import check_converter, export_tfjs
    from tfarae.export.writer import ExportError, export_run

    try:
        if args.tfjs:
            check_converter()
        result = export_run(args.run_dir, args.output, name=args.name, version=args.version)
        tfjs = args.tfjs and export_tfjs(args.run_dir, os.path.join(result.path, "tfjs"))
    except (ExportError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
    print(f"exported and verified: {result.path}")
    for signature, outputs in sorted(result.signatures.items()):
        print(f"  {signature}: " + ", ".join(f"{k} {v}" for k, v in sorted(outputs.items())))
    print(f"warmup file: {result.warmup_path or 'not written (tensorflow-serving-api missing)'}")
    if tfjs:
        print(f"TF.js: {tfjs.path} (" + ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in tfjs.graph_bytes.items()) + ")")


if __name__ == "__main__":
    main()
