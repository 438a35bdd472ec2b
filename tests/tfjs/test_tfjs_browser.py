"""The demo page in headless Chromium, driven like a person (`browser_driver.mjs`), against the Python SavedModel.

`python -m tfarae.demo` serves the page and the model; the page imports @tensorflow/tfjs from
node_modules (no network) and runs on its default backend, WASM.
"""

import json
import os

import numpy as np
import pytest

Z = 4  # noise size of tiny.yaml
LONG = " ".join(["word"] * 500)
GENERATE = [["", 1], [1, -1], [5, 7], [3, 0]]  # (num, seed): two bad requests first, then seeds


@pytest.fixture(scope="module")
def sentences(exported):
    with open(os.path.join(exported[1], "vocab.json"), encoding="utf-8") as f:
        words = json.load(f)[4:]
    return [" ".join(words[i: i + n]) for i, n in ((3, 4), (20, 6), (7, 9), (11, 15))]


@pytest.fixture(scope="module")
def reconstruct_inputs(sentences):
    return sentences[:2] + ["", "zzqx qqqz xyzzy", LONG]


@pytest.fixture(scope="module")
def page(run_node, chromium, demo_url, sentences, reconstruct_inputs, tmp_path_factory):
    """What the page showed: `browser_driver.mjs`'s answer, plus the screenshot's path."""
    screenshot = str(tmp_path_factory.mktemp("screenshot") / "tfjs_demo.png")
    answer = run_node("browser_driver.mjs", {
        "chromium": chromium, "url": demo_url, "screenshot": screenshot, "reconstruct": reconstruct_inputs,
        "generate": GENERATE, "interpolate": [[sentences[2], sentences[3], 4]]})
    return {**answer, "screenshot": screenshot}


def test_the_page_loads_with_a_named_backend_and_no_errors(page):
    assert page["status"] == "ready", page
    assert page["backend"] == "wasm"  # the page's default; the answers below are the WASM backend's
    assert page["pageErrors"] == []
    assert page["transferHidden"]  # the model has no labels


def test_typed_sentences_reconstruct_as_in_python(page, reconstruct_inputs, python_answers):
    """Including the bad inputs: empty text, only unknown words, 500 words."""
    expected = python_answers("reconstruct", sentences=reconstruct_inputs)["sentences"].tolist()
    assert [answer["state"] for answer in page["reconstruct"]] == ["done"] * len(reconstruct_inputs)
    assert [answer["sentences"] for answer in page["reconstruct"]] == [[s] for s in expected]


def test_seeded_generation_equals_python_on_the_same_noise(page, run_node, exported, python_answers):
    seeded = page["generate"][2:]
    noise = run_node("node_driver.mjs", {"model": exported[1], "backend": "cpu", "calls": [
        {"method": "normalNoise", "args": [seed, num, Z]} for num, seed in GENERATE[2:]]})
    for answer, (num, _), values in zip(seeded, GENERATE[2:], noise):
        expected = python_answers("generate_from_noise", noise=np.array(values["ok"], np.float32).reshape(num, Z))
        assert answer == {"state": "done", "sentences": expected["sentences"].tolist()}


def test_bad_generate_requests_are_shown_and_the_page_goes_on(page):
    assert page["generate"][:2] == [
        {"state": "error", "sentences": ["num: must be an integer, got NaN"]},
        {"state": "error", "sentences": ["seed: must be an integer in [0, 4294967295], got -1"]}]


def test_interpolation_equals_python(page, sentences, python_answers):
    expected = python_answers("interpolate", start=sentences[2:3], end=sentences[3:4], steps=np.int32(4))
    assert page["interpolate"] == [{"state": "done", "sentences": expected["sentences"][0].tolist()}]


def test_a_screenshot_is_written(page):
    with open(page["screenshot"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
