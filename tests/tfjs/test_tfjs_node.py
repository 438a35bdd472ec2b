"""The converted model in Node (pure-JS @tensorflow/tfjs) against the Python SavedModel, input for input.

One Node process per backend (CPU, and WASM with its batched gather fixed) answers every call
(`node_driver.mjs`); each test compares a slice of it.
"""

import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tfarae.export import LIMITS

C, Z, T = 8, 4, 16  # code size, noise size and maxlen + 1 of tiny.yaml

TRICKY = ["The dog RUNS.", "  leading and trailing  ", "tabs\tand\nnewlines\rhere", 'a,b;c:d!e?f(g)h"i',
          "ÉCOLE Straße ΟΔΟΣ İstanbul", "no\u00a0break\u3000space", "v\x0bf\x0cfs\x1cnel\x85end",
          "emoji 🙂 here", "<eos> <pad> <unk> <bos>", "", "   ", "zzqx qqqz xyzzy"]
LONG = " ".join(["word"] * 500)


@pytest.fixture(scope="module")
def sentences(exported):
    """Sentences of in-vocabulary words (1 to 15 and 20 words), mixed case and punctuation."""
    with open(os.path.join(exported[1], "vocab.json"), encoding="utf-8") as f:
        words = json.load(f)[4:]
    made = [" ".join(words[i: i + n]) for i, n in ((0, 1), (3, 4), (7, 9), (11, 15), (20, 6), (30, 20))]
    return made + [made[1].upper() + " .", f'"{made[2]}" , ok ?']


@pytest.fixture(scope="module")
def calls(sentences, python_answers):
    """`{key: (method, args)}` of every Node call; codes for `decode` come from the SavedModel."""
    codes = python_answers("encode", sentences=sentences[:4])["codes"]
    return {
        "tokenize": ("tokenize", [TRICKY + sentences + [LONG]]),
        "encode": ("encode", [sentences]),
        "reconstruct": ("reconstruct", [sentences]),
        "decode": ("decode", [codes.tolist()]),
        "generate_7": ("generate", [32, 7]),
        "generate_7_again": ("generate", [32, 7]),
        "generate_8": ("generate", [32, 8]),
        "noise_7": ("normalNoise", [7, 32, Z]),
        "noise_many": ("normalNoise", [123, 2000, 10]),
        "interpolate": ("interpolate", [sentences[:3], sentences[3:6], 4]),
        "odd": ("reconstruct", [["", "   ", "zzqx qqqz xyzzy", LONG]]),
        "empty_batch": ("reconstruct", [[]]),
        "num_negative": ("generate", [-5, 1]),
        "num_huge": ("generate", [2**31 - 1, 1]),
        "steps_negative": ("interpolate", [["a"], ["b"], -3]),
        "steps_huge": ("interpolate", [["a"], [""], 2**31 - 1]),
        "batch_too_large": ("reconstruct", [["a"] * (LIMITS["max_batch"] + 1)]),
        "noise_nan": ("generateFromNoise", [[[0.0, "NaN", 0.0, 0.0]]]),  # JSON has no NaN; JS reads "NaN" as NaN
        "steps_unequal": ("interpolate", [["a", "b"], ["c"], 2]),
        "seed_negative": ("generate", [1, -1]),
    }


@pytest.fixture(scope="module", params=["cpu", "wasm"])
def answers(request, run_node, exported, calls):
    """`{key: {"ok": result} or {"error": message}}` from one Node process per TF.js backend."""
    payload = {"model": exported[1], "backend": request.param,
               "calls": [{"method": method, "args": args} for method, args in calls.values()]}
    return dict(zip(calls, run_node("node_driver.mjs", payload)))


def ok(answers, key):
    assert "ok" in answers[key], answers[key]
    return answers[key]["ok"]


def test_tokenizer_ids_equal_the_python_tokenizer(answers, calls, varied_run_dir):
    from tfarae.config import load_config
    from tfarae.data.vocab import load_vocabulary
    from tfarae.run_dir import make_tokenizer

    config = load_config(os.path.join(varied_run_dir, "config.yaml"))
    tokenizer = make_tokenizer(config.data, load_vocabulary(os.path.join(varied_run_dir, "vocab.txt")))
    (texts,) = calls["tokenize"][1]
    expected = tokenizer(np.array(texts, dtype=object)).numpy()
    np.testing.assert_array_equal(np.array(ok(answers, "tokenize")), expected)


def test_codes_within_1e4_of_the_saved_model(answers, sentences, python_answers):
    expected = python_answers("encode", sentences=sentences)["codes"]
    np.testing.assert_allclose(np.array(ok(answers, "encode")), expected, atol=1e-4, rtol=0)


def test_reconstructions_and_decodings_equal_the_saved_model(answers, sentences, python_answers):
    expected = python_answers("reconstruct", sentences=sentences)["sentences"].tolist()
    assert ok(answers, "reconstruct") == expected
    assert len(set(expected)) > 4  # the comparison can fail
    codes = python_answers("encode", sentences=sentences[:4])["codes"]
    assert ok(answers, "decode") == python_answers("decode", codes=codes)["sentences"].tolist()


def test_seeded_generation_equals_generate_from_noise_on_the_same_noise(answers, python_answers):
    generated = ok(answers, "generate_7")
    noise = np.array(generated["noise"], np.float32)
    assert noise.shape == (32, Z)
    np.testing.assert_array_equal(noise.ravel(), np.array(ok(answers, "noise_7"), np.float32))
    expected = python_answers("generate_from_noise", noise=noise)
    assert generated["sentences"] == expected["sentences"].tolist()
    assert len({len(s.split()) for s in generated["sentences"]}) > 2  # decoding stops at different steps
    np.testing.assert_allclose(np.array(generated["codes"]), expected["codes"], atol=1e-4, rtol=0)
    assert ok(answers, "generate_7_again") == generated  # the seed fixes everything
    assert ok(answers, "generate_8")["noise"] != generated["noise"]


def test_noise_is_standard_normal(answers):
    draws = np.array(ok(answers, "noise_many"))
    assert abs(draws.mean()) < 0.03 and abs(draws.std() - 1) < 0.03
    assert abs(np.corrcoef(draws[:-1], draws[1:])[0, 1]) < 0.03


def test_interpolation_equals_the_saved_model(answers, sentences, python_answers):
    expected = python_answers("interpolate", start=sentences[:3], end=sentences[3:6], steps=np.int32(4))
    assert ok(answers, "interpolate") == expected["sentences"].tolist()


def test_odd_inputs_get_the_saved_models_answers(answers, python_answers):
    expected = python_answers("reconstruct", sentences=["", "   ", "zzqx qqqz xyzzy", LONG])["sentences"].tolist()
    assert ok(answers, "odd") == expected
    assert ok(answers, "empty_batch") == []


def test_num_and_steps_are_clamped_like_the_saved_model(answers):
    assert ok(answers, "num_negative") == {"sentences": [], "codes": [], "noise": []}
    assert len(ok(answers, "num_huge")["sentences"]) == LIMITS["max_num"]
    assert ok(answers, "steps_negative") == [[]]
    assert len(ok(answers, "steps_huge")[0]) == LIMITS["max_steps"]


def test_limits_are_errors_with_the_saved_models_messages(answers, python_answers):
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        python_answers("reconstruct", sentences=["a"] * (LIMITS["max_batch"] + 1))
    assert answers["batch_too_large"]["error"] in str(error.value)
    assert answers["batch_too_large"]["error"] == "sentences: at most 1024 rows per request; split larger batches"
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        python_answers("generate_from_noise", noise=np.array([[0.0, np.nan, 0.0, 0.0]], np.float32))
    assert answers["noise_nan"]["error"] in str(error.value)
    assert answers["steps_unequal"]["error"] == "start and end must hold the same number of sentences"
    assert answers["seed_negative"]["error"] == "seed: must be an integer in [0, 4294967295], got -1"
