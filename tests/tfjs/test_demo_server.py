"""`python -m tfarae.demo`: what it serves, what it refuses, and its one-line errors."""

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from tfarae.demo import make_server, tfjs_folder


@pytest.fixture
def served(tmp_path):
    """`GET path → (status, headers, body)` against a server of a fake TF.js folder (metadata.json only)."""
    model = tmp_path / "models" / "m" / "1" / "tfjs"
    model.mkdir(parents=True)
    (model / "metadata.json").write_text('{"format": "tfarae-tfjs/1"}')
    (tmp_path / "secret.txt").write_text("not served")
    server = make_server(tfjs_folder(str(model.parent)), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def get(path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}{path}") as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, b""

    yield get
    server.shutdown()
    server.server_close()


def test_serves_the_page_and_the_model_folder_cross_origin_isolated(served):
    status, headers, body = served("/")
    assert status == 200 and b'id="reconstruct-button"' in body
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"
    status, headers, body = served("/tfarae.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert json.loads(served("/model/metadata.json")[2]) == {"format": "tfarae-tfjs/1"}


@pytest.mark.parametrize("path", ["/model/../../../../secret.txt", "/model/%2e%2e/%2e%2e/%2e%2e/%2e%2e/secret.txt",
                                  "/model/..%2f..%2f..%2f..%2fsecret.txt"])
def test_nothing_outside_the_two_folders_is_served(served, path):
    """secret.txt is four levels above the model folder (tfjs/, 1/, m/, models/)."""
    status, _, body = served(path)
    assert status == 404 and b"not served" not in body


def test_a_folder_without_a_tfjs_model_is_a_one_line_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tfarae.demo", "--model", str(tmp_path), "--port", "0"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"error: --model: {tmp_path} holds no TF.js model (metadata.json); convert with "
        "python -m tfarae.export --run-dir RUN --output MODELS --tfjs"]
    assert not os.path.exists(tmp_path / "tfjs")
