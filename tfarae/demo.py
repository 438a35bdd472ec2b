"""`python -m tfarae.demo --model MODELS/NAME/N [--port 8000] [--host 127.0.0.1]`: the TF.js demo page, served locally.

A static file server (stdlib `http.server`): `/` is the page of `tfarae/web/` (index.html,
demo.js, tfarae.js, and `@tensorflow/tfjs` from `tfarae/web/node_modules`, so it works offline),
and `/model/` is the TF.js folder, `--model` itself or its `tfjs/` subfolder (as written by
`python -m tfarae.export ... --tfjs`). Everything runs in the browser; the server only sends
files. Prints `serving http://HOST:PORT/` once it listens (`--port 0` picks a free port). A
missing model folder or missing npm packages exit with status 1 and a one-line error.

The page's npm packages (`@tensorflow/tfjs`; `playwright-core` for the browser tests) are
installed into `tfarae/web/node_modules` by `npm ci` from `tfarae/web/package-lock.json`
(`install_web_dependencies`, run by `python -m tfarae.export.tfjs --setup`).
"""

import argparse
import functools
import http.server
import os
import posixpath
import shutil
import subprocess
import sys
import urllib.parse

import tfarae

WEB_DIR = os.path.join(os.path.dirname(os.path.abspath(tfarae.__file__)), "web")  # the page, tfarae.js, node.js
TFJS_BUNDLE = os.path.join("node_modules", "@tensorflow", "tfjs", "dist", "tf.fesm.min.js")  # what the page imports
MODEL_PREFIX = "/model/"


class WebSetupError(RuntimeError):
    """npm is missing or `npm ci` failed; the message says which in one line."""


def web_dependencies_problem():
    """Returns why the page cannot load `@tensorflow/tfjs` (one line naming the fix), or None."""
    if os.path.isfile(os.path.join(WEB_DIR, TFJS_BUNDLE)):
        return None
    return (f"{os.path.join(WEB_DIR, 'node_modules')} lacks @tensorflow/tfjs: run "
            f"`python -m tfarae.export.tfjs --setup` (or `npm ci --prefix {WEB_DIR}`)")


def install_web_dependencies(log=print):
    """Runs `npm ci` in `WEB_DIR` (the exact versions of package-lock.json, no install scripts).

    Raises:
        WebSetupError: npm is missing or failed.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise WebSetupError("npm not found: install Node.js 18 or later for the demo page and the TF.js tests")
    log(f"npm ci in {WEB_DIR}")
    done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", WEB_DIR],
                          capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise WebSetupError(f"npm ci in {WEB_DIR} failed: {tail}")


def tfjs_folder(model):
    """Returns the TF.js folder of `model` (a version directory with `tfjs/`, or the folder itself), or None."""
    for candidate in (os.path.join(model, "tfjs"), model):
        if os.path.isfile(os.path.join(candidate, "metadata.json")):
            return candidate
    return None


class DemoHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `WEB_DIR`, with `/model/...` mapped into the TF.js folder `model_dir`."""

    def __init__(self, *args, model_dir, **kwargs):
        self.model_dir = model_dir
        super().__init__(*args, directory=WEB_DIR, **kwargs)

    def translate_path(self, path):
        route = posixpath.normpath(urllib.parse.unquote(urllib.parse.urlsplit(path).path))
        if (route + "/").startswith(MODEL_PREFIX):
            parts = [p for p in route[len(MODEL_PREFIX):].split("/") if p not in ("", ".", "..")]
            return os.path.join(self.model_dir, *parts)
        return super().translate_path(path)

    def end_headers(self):
        # Cross-origin isolation (SharedArrayBuffer) lets the WASM backend run its multi-threaded build.
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()

    def log_message(self, format, *args):
        pass  # one line per file is noise for a local demo


def make_server(model_dir, host="127.0.0.1", port=8000):
    """Returns a `ThreadingHTTPServer` for the TF.js folder `model_dir` (not yet serving)."""
    handler = functools.partial(DemoHandler, model_dir=os.path.abspath(model_dir))
    return http.server.ThreadingHTTPServer((host, port), handler)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tfarae.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="MODELS/NAME/N (with tfjs/) or a TF.js folder")
    parser.add_argument("--port", type=int, default=8000, help="port (0: any free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: this machine only)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model_dir = tfjs_folder(args.model)
    problem = (None if model_dir else
               f"--model: {args.model} holds no TF.js model (metadata.json); convert with "
               "python -m tfarae.export --run-dir RUN --output MODELS --tfjs") or web_dependencies_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(1)
    server = make_server(model_dir, args.host, args.port)
    host, port = server.server_address[:2]
    print(f"serving http://{host}:{port}/ (model {model_dir}); Ctrl-C stops", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
