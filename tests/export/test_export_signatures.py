"""Exported signatures equal the in-process Python pipeline (codes within 1e-5, identical greedy strings)."""

import numpy as np
import tensorflow as tf

from tfarae.data.pipeline import encode_sentences
from tfarae.data.tokenizer import EOS_ID, PAD_ID
from tfarae.decoding import sampling_seeds
from tfarae.sampling import generate_sentences, reconstruct_sentences

SIGNATURES = {"serving_default", "encode", "decode", "reconstruct", "generate", "generate_from_noise",
              "interpolate", "encode_ids", "decode_ids", "generate_ids"}


def _strings(tensor):
    return [s.decode("utf-8") for s in np.asarray(tensor).ravel()]


def test_signature_names_inputs_and_outputs(loaded, in_process):
    config, tokenizer, _ = in_process
    c, t = config.model.hidden_dim, tokenizer.sequence_length
    assert set(loaded.signatures) == SIGNATURES
    inputs = {name: {k: (v.dtype, v.shape.as_list()) for k, v in fn.structured_input_signature[1].items()}
              for name, fn in loaded.signatures.items()}
    outputs = {name: {k: (v.dtype, v.shape.as_list()) for k, v in fn.structured_outputs.items()}
               for name, fn in loaded.signatures.items()}
    assert inputs["encode"] == {"sentences": (tf.string, [None])}
    assert outputs["encode"] == {"codes": (tf.float32, [None, c])}
    assert inputs["decode"] == {"codes": (tf.float32, [None, c])}
    for name in ("decode", "reconstruct", "serving_default"):
        assert outputs[name] == {"sentences": (tf.string, [None])}
    assert inputs["generate"] == {"num": (tf.int32, []), "seed": (tf.int64, []), "temperature": (tf.float32, [])}
    assert outputs["generate"] == {"sentences": (tf.string, [None]), "codes": (tf.float32, [None, c])}
    assert inputs["generate_from_noise"] == {"noise": (tf.float32, [None, config.model.z_dim])}
    assert inputs["interpolate"] == {"start": (tf.string, [None]), "end": (tf.string, [None]), "steps": (tf.int32, [])}
    assert outputs["interpolate"] == {"sentences": (tf.string, [None, None])}
    assert inputs["encode_ids"] == {"token_ids": (tf.int32, [None, t])}
    assert outputs["decode_ids"] == {"token_ids": (tf.int32, [None, t])}
    assert int(loaded.z_dim.numpy()) == config.model.z_dim and int(loaded.code_dim.numpy()) == c


def test_codes_equal_in_process_encoder(loaded, in_process, sentences):
    _, tokenizer, trainer = in_process
    expected = trainer.encoder(tokenizer(tf.constant(sentences))).numpy()
    codes = loaded.signatures["encode"](sentences=tf.constant(sentences))["codes"].numpy()
    np.testing.assert_allclose(codes, expected, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(codes, axis=1), 1.0, atol=1e-5)


def test_no_train_serve_skew(loaded, in_process, sentences):
    """The training data path (`encode_sentences`) and the exported graph see the same ids and codes."""
    _, tokenizer, trainer = in_process
    encoded = encode_sentences(tokenizer, sentences)
    assert encoded.num_dropped == 0
    from_ids = loaded.signatures["encode_ids"](token_ids=tf.constant(encoded.token_ids))["codes"].numpy()
    from_strings = loaded.signatures["encode"](sentences=tf.constant(sentences))["codes"].numpy()
    np.testing.assert_array_equal(from_ids, from_strings)
    np.testing.assert_allclose(from_strings, trainer.encoder(encoded.token_ids).numpy(), atol=1e-5)


def test_greedy_reconstruction_equals_in_process(loaded, in_process, sentences):
    _, tokenizer, trainer = in_process
    served = _strings(loaded.signatures["reconstruct"](sentences=tf.constant(sentences))["sentences"])
    assert served == reconstruct_sentences(trainer, tokenizer, sentences)
    assert served == _strings(loaded.signatures["serving_default"](sentences=tf.constant(sentences))["sentences"])
    codes = loaded.signatures["encode"](sentences=tf.constant(sentences))["codes"]
    assert _strings(loaded.signatures["decode"](codes=codes)["sentences"]) == served


def test_generate_equals_in_process(loaded, in_process):
    _, tokenizer, trainer = in_process
    out = loaded.signatures["generate"](num=tf.constant(12), seed=tf.constant(3, tf.int64),
                                        temperature=tf.constant(0.0))
    assert _strings(out["sentences"]) == generate_sentences(trainer, tokenizer, 12, seed=3)
    z_seed, _ = sampling_seeds([3, 0])
    expected_codes = trainer.sample_codes(12, z_seed).numpy()
    np.testing.assert_allclose(out["codes"].numpy(), expected_codes, atol=1e-5)
    sampled = loaded.signatures["generate"](num=tf.constant(12), seed=tf.constant(3, tf.int64),
                                            temperature=tf.constant(1.0))
    assert _strings(sampled["sentences"]) == generate_sentences(trainer, tokenizer, 12, seed=3, sampler="sample")
    # The restored function (not the signature) fills in the default temperature 0: greedy.
    default = loaded.generate(tf.constant(12), tf.constant(3, tf.int64))
    assert _strings(default["sentences"]) == _strings(out["sentences"])


def test_generate_from_noise_matches_generate(loaded, in_process):
    """The recipe of the serving module's docstring, in plain TensorFlow."""
    config, _, _ = in_process
    z_seed = tf.random.split(tf.constant([7, 0], tf.int64))[0]
    noise = tf.random.stateless_normal([5, config.model.z_dim], seed=z_seed)
    from_noise = loaded.signatures["generate_from_noise"](noise=noise)
    generated = loaded.signatures["generate"](num=tf.constant(5), seed=tf.constant(7, tf.int64),
                                              temperature=tf.constant(0.0))
    np.testing.assert_allclose(from_noise["codes"].numpy(), generated["codes"].numpy(), atol=1e-6)
    assert _strings(from_noise["sentences"]) == _strings(generated["sentences"])


def test_every_decoded_sentence_ends_within_t_positions(loaded, in_process):
    """Exactly one `<eos>` per row (position T - 1 at the latest), only `<pad>` after it: at most maxlen words."""
    config, tokenizer, _ = in_process
    codes = tf.math.l2_normalize(tf.random.stateless_normal([32, config.model.hidden_dim], seed=[4, 0]), axis=1)
    generated = loaded.signatures["generate_ids"](num=tf.constant(32), seed=tf.constant(4, tf.int64),
                                                  temperature=tf.constant(1.0))["token_ids"]
    for ids in (loaded.signatures["decode_ids"](codes=codes)["token_ids"].numpy(), generated.numpy()):
        assert ids.shape == (32, tokenizer.sequence_length)
        assert np.all(np.sum(ids == EOS_ID, axis=1) == 1)
        after_eos = np.cumsum(ids == EOS_ID, axis=1) - (ids == EOS_ID) > 0
        assert np.all(ids[after_eos] == PAD_ID)
    sentences = _strings(loaded.signatures["generate"](num=tf.constant(32), seed=tf.constant(4, tf.int64),
                                                       temperature=tf.constant(1.0))["sentences"])
    assert max(len(s.split()) for s in sentences) <= config.data.maxlen


def test_sampled_generate_is_deterministic_per_seed(loaded):
    def generate(seed):
        out = loaded.signatures["generate"](num=tf.constant(8), seed=tf.constant(seed, tf.int64),
                                            temperature=tf.constant(1.0))
        return _strings(out["sentences"])

    assert generate(11) == generate(11) != generate(12)


def test_interpolate_runs_from_start_to_end(loaded, sentences):
    start, end = tf.constant(sentences[:3]), tf.constant(sentences[3:6])
    out = loaded.signatures["interpolate"](start=start, end=end, steps=tf.constant(4))["sentences"].numpy()
    assert out.shape == (3, 4)
    reconstruct = loaded.signatures["reconstruct"]
    assert _strings(out[:, 0]) == _strings(reconstruct(sentences=start)["sentences"])
    assert _strings(out[:, -1]) == _strings(reconstruct(sentences=end)["sentences"])


def test_numeric_signatures_equal_string_ones(loaded, in_process, sentences):
    _, tokenizer, _ = in_process
    codes = loaded.signatures["encode"](sentences=tf.constant(sentences))["codes"]
    ids = loaded.signatures["decode_ids"](codes=codes)["token_ids"]
    assert _strings(tokenizer.detokenize(ids)) == _strings(loaded.signatures["decode"](codes=codes)["sentences"])
    generated = loaded.signatures["generate_ids"](num=tf.constant(4), seed=tf.constant(1, tf.int64),
                                                  temperature=tf.constant(0.0))
    strings = loaded.signatures["generate"](num=tf.constant(4), seed=tf.constant(1, tf.int64),
                                            temperature=tf.constant(0.0))["sentences"]
    assert _strings(tokenizer.detokenize(generated["token_ids"])) == _strings(strings)


def test_ae_baseline_samples_from_its_code_gaussian(tiny_config):
    """For `train.trainer=ae`, Z is the code size and noise goes through the fitted Gaussian."""
    from tfarae.data.tokenizer import SentenceTokenizer
    from tfarae.export import ServingModule
    from tfarae.trainers.factory import make_trainer

    tiny_config.train.trainer = "ae"
    tokenizer = SentenceTokenizer(["<pad>", "<bos>", "<eos>", "<unk>", "a", "b"], tiny_config.data.maxlen)
    trainer = make_trainer(tiny_config, tokenizer.vocab_size, tokenizer.sequence_length)
    trainer.prepare_sampling(tokenizer(tf.constant(["a b", "b a a", "a", "b b b a"])))
    module = ServingModule(tokenizer, trainer)
    c = tiny_config.model.hidden_dim
    assert int(module.z_dim.numpy()) == c
    assert sorted(v.shape.as_list() for v in module.sampling_variables) == [[c], [c, c]]  # mean, scale only
    generated = module.generate(tf.constant(3), tf.constant(2, tf.int64))
    z_seed, _ = sampling_seeds([2, 0])
    np.testing.assert_allclose(generated["codes"].numpy(), trainer.sample_codes(3, z_seed).numpy(), atol=1e-6)
    noise = tf.random.stateless_normal([3, c], seed=z_seed)
    np.testing.assert_allclose(module.generate_from_noise(noise)["codes"].numpy(), generated["codes"].numpy(),
                               atol=1e-6)
