"""The bad-input matrix: every case gives a defined output or a clear InvalidArgumentError."""

import numpy as np
import pytest
import tensorflow as tf

from tfarae.export import LIMITS

C = 8  # code size of tiny.yaml (model.hidden_dim)


def test_tiny_code_size(loaded):
    assert int(loaded.code_dim.numpy()) == C


def _call(loaded, name, **inputs):
    return loaded.signatures[name](**inputs)


def _encode(loaded, strings):
    return _call(loaded, "encode", sentences=tf.constant(strings, tf.string))["codes"].numpy()


ODD = {"empty": "", "whitespace": "   \t\n ", "all_unknown": "zzqx qqqz xyzzy", "non_utf8": b"\xff\xfe caf\xc3",
       "long_word": "a" * 10000}


@pytest.mark.parametrize("strings", [[v] for v in ODD.values()], ids=list(ODD))
def test_odd_sentences_give_unit_codes_and_a_sentence(loaded, strings):
    codes = _encode(loaded, strings)
    assert codes.shape == (1, C) and np.all(np.isfinite(codes))
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 1.0, atol=1e-5)
    out = _call(loaded, "reconstruct", sentences=tf.constant(strings, tf.string))["sentences"].numpy()
    assert out.shape == (1,)
    out[0].decode("utf-8")  # valid UTF-8


def test_empty_and_whitespace_encode_alike(loaded):
    codes = _encode(loaded, ["", "  ", "\t"])
    np.testing.assert_allclose(codes[1:], np.repeat(codes[:1], 2, axis=0), atol=1e-6)


def test_unknown_words_encode_as_unk(loaded):
    np.testing.assert_allclose(_encode(loaded, ["zzqx qqqz"]), _encode(loaded, ["<unk> <unk>"]), atol=1e-6)


def test_non_utf8_bytes_are_replaced(loaded):
    np.testing.assert_allclose(_encode(loaded, [b"ab\xff cd"]), _encode(loaded, ["ab\ufffd cd"]), atol=1e-6)


def test_longer_than_maxlen_is_truncated(loaded, vocabulary):
    words = vocabulary[4:24]  # 20 words; maxlen is 15
    np.testing.assert_allclose(_encode(loaded, [" ".join(words)]), _encode(loaded, [" ".join(words[:15])]), atol=1e-6)


def test_batch_of_size_zero(loaded):
    empty = tf.constant([], tf.string)
    assert _call(loaded, "encode", sentences=empty)["codes"].shape == (0, C)
    assert _call(loaded, "reconstruct", sentences=empty)["sentences"].shape == (0,)
    assert _call(loaded, "decode", codes=tf.zeros([0, C]))["sentences"].shape == (0,)
    out = _call(loaded, "generate_from_noise", noise=tf.zeros([0, int(loaded.z_dim.numpy())]))
    assert out["sentences"].shape == (0,) and out["codes"].shape == (0, C)
    assert _call(loaded, "interpolate", start=empty, end=empty, steps=tf.constant(3))["sentences"].shape == (0, 3)
    assert _call(loaded, "encode_ids", token_ids=tf.zeros([0, 16], tf.int32))["codes"].shape == (0, C)


@pytest.mark.parametrize("num, expected", [(0, 0), (-5, 0), (-2**31, 0), (7, 7), (2**31 - 1, LIMITS["max_num"])])
def test_num_is_clamped(loaded, num, expected):
    for name in ("generate", "generate_ids"):
        out = _call(loaded, name, num=tf.constant(num), seed=tf.constant(-(2**63), tf.int64),
                    temperature=tf.constant(0.0))
        assert out["codes"].shape == (expected, C)
        assert out["sentences" if name == "generate" else "token_ids"].shape[0] == expected


@pytest.mark.parametrize("steps, expected", [(0, 0), (-3, 0), (1, 1), (2**31 - 1, LIMITS["max_steps"])])
def test_steps_is_clamped(loaded, steps, expected):
    out = _call(loaded, "interpolate", start=tf.constant(["a", "b"]), end=tf.constant(["c", ""]),
                steps=tf.constant(steps))["sentences"]
    assert out.shape == (2, expected)


@pytest.mark.parametrize("temperature", [-1.0, float("nan")])
def test_non_positive_temperature_is_greedy(loaded, temperature):
    def generate(t):
        out = _call(loaded, "generate", num=tf.constant(4), seed=tf.constant(9, tf.int64), temperature=tf.constant(t))
        return out["sentences"].numpy().tolist()

    assert generate(temperature) == generate(0.0)


def test_too_large_batch_is_an_invalid_argument(loaded):
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"at most {LIMITS['max_batch']} rows per request"):
        _call(loaded, "encode", sentences=tf.constant([""] * (LIMITS["max_batch"] + 1)))


def test_mismatched_interpolation_ends_are_an_invalid_argument(loaded):
    with pytest.raises(tf.errors.InvalidArgumentError, match="same number of sentences"):
        _call(loaded, "interpolate", start=tf.constant(["a", "b"]), end=tf.constant(["c"]), steps=tf.constant(2))


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_codes_are_an_invalid_argument(loaded, value):
    codes = tf.fill([2, C], value)
    for name in ("decode", "decode_ids"):
        with pytest.raises(tf.errors.InvalidArgumentError, match="codes: every value must be finite"):
            _call(loaded, name, codes=codes)
    with pytest.raises(tf.errors.InvalidArgumentError, match="noise: every value must be finite"):
        _call(loaded, "generate_from_noise", noise=tf.fill([1, int(loaded.z_dim.numpy())], value))


def test_out_of_range_token_ids_are_an_invalid_argument(loaded):
    ids = np.zeros([1, 16], np.int32)
    ids[0, 0] = 10**6
    with pytest.raises(tf.errors.InvalidArgumentError):
        _call(loaded, "encode_ids", token_ids=tf.constant(ids))
