"""TF.js reconstruct throughput in Node and in headless Chromium, beside the SavedModel's on the same sentences.

The model is `serving_throughput.py`'s: an SNLI-size ARAE with untrained weights (emb/hidden 300,
z 100, vocabulary 11,004, maxlen 15), whose decoder runs all 15 steps for every sentence (the
worst case), fed 5–15 random words per sentence; `--run-dir RUN` takes a trained run and its
validation sentences instead. It is exported twice by the normal paths (`export_run`,
`export_tfjs`), then `reconstruct` is timed at batch 1 and 64:

- SavedModel: `tf.saved_model.load` in this process, one client thread (the figure
  `serving_throughput.py` prints as `threads 1`);
- Node: pure-JS `@tensorflow/tfjs` on the WASM and the CPU backends (`tfjs-node` is not used:
  it downloads a binary);
- Chromium: the demo page (`python -m tfarae.demo`'s server, in this process) on the WASM
  backend (the page's default), WebGL (SwiftShader, software GL, under `--disable-gpu`) and CPU.

A backend that does not start is left out (the figures name the backend that ran).

Prints one line per figure and `<where>_<backend>_batch<B>_sentences_per_second=<n>` lines.

    python benchmarks/tfjs_throughput.py [--run-dir RUN] [--seconds 5] [--skip-chromium]
"""

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time

import numpy as np
import tensorflow as tf

from tfarae.demo import WEB_DIR, make_server, web_dependencies_problem
from tfarae.export import export_run
from tfarae.export.tfjs import export_tfjs

HERE = os.path.dirname(os.path.abspath(__file__))
BATCHES = (1, 64)


def _serving_throughput():
    """The sibling benchmark module (model, sentences and timing shared with it)."""
    spec = importlib.util.spec_from_file_location("serving_throughput", os.path.join(HERE, "serving_throughput.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_js(request):
    """Runs tfjs_throughput.mjs with `request`; returns its list of figures."""
    done = subprocess.run(["node", os.path.join(HERE, "tfjs_throughput.mjs")], input=json.dumps(request),
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"tfjs_throughput.mjs failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="timed seconds per figure (at least one call)")
    parser.add_argument("--run-dir", help="benchmark this trained run (default: an untrained SNLI-size model)")
    parser.add_argument("--skip-chromium", action="store_true", help="Node and the SavedModel only")
    args = parser.parse_args()
    problem = web_dependencies_problem()
    if problem:
        raise SystemExit(f"error: {problem}")
    serving = _serving_throughput()
    rng = np.random.default_rng(0)
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        if args.run_dir:
            run_dir, sentences = args.run_dir, serving.corpus_sentences(args.run_dir, rng)
        else:
            run_dir, sentences = os.path.join(tmp, "run"), serving.synthetic_sentences(rng)
            serving.make_run_dir(run_dir)
        exported = export_run(run_dir, os.path.join(tmp, "models"), name="bench")
        tfjs_dir = export_tfjs(run_dir, os.path.join(exported.path, "tfjs")).path
        print(f"built and exported {exported.path} (SavedModel and tfjs/) in {time.perf_counter() - start:.1f} s")
        batches = {batch: [s for s in sentences(batch)] for batch in BATCHES}

        loaded = tf.saved_model.load(exported.path)
        for batch, texts in batches.items():
            reconstruct = loaded.signatures["reconstruct"]
            text = tf.constant(texts)
            rate, _, _ = serving.measure(lambda: reconstruct(sentences=text), batch, 1, args.seconds)
            figures.append({"where": "savedmodel", "backend": "tensorflow", "batch": batch,
                            "sentences_per_second": rate})

        common = {"web": WEB_DIR, "seconds": args.seconds, "batches": {str(b): t for b, t in batches.items()}}
        figures += run_js({**common, "node": {"model": tfjs_dir, "backends": ["wasm", "cpu"]}})
        if not args.skip_chromium:
            server = make_server(tfjs_dir, port=0)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            url = "http://127.0.0.1:%d/" % server.server_address[1]
            chromium = shutil.which("chromium")
            if chromium is None:
                raise SystemExit("error: chromium is not installed (apt-get install -y chromium; or --skip-chromium)")
            backends = ["wasm", "webgl", "cpu"]
            figures += run_js({**common, "browser": {"url": url, "chromium": chromium, "backends": backends}})
            server.shutdown()
    for f in figures:
        rate = f["sentences_per_second"]
        print(f"{f['where']:<10} {f['backend']:<10} batch {f['batch']:>2}: {rate:9.2f} sentences/s")
    for f in figures:
        print(f"{f['where']}_{f['backend']}_batch{f['batch']}_sentences_per_second={f['sentences_per_second']:.2f}")


if __name__ == "__main__":
    main()
