"""`tfarae.decoding`: seed streams, the `<eos>` that ends every sentence, stopping once all have ended."""

import itertools

import numpy as np
import pytest
import tensorflow as tf

from tfarae.data.tokenizer import EOS_ID, PAD_ID
from tfarae.decoding import decode, sampling_seeds, step_seed
from tfarae.models import Decoder

V, T = 12, 6  # vocabulary, max_steps


class ScriptedDecoder:
    """A `Decoder` stand-in: step t puts all probability on `script[:, t]`; `steps` counts the steps run."""

    def __init__(self, script):
        self.script = tf.constant(script, tf.int32)
        self.steps = tf.Variable(0)

    def initial_state(self, codes):
        return tf.zeros([], tf.int32)

    def step(self, token_ids, t):
        with tf.control_dependencies([self.steps.assign_add(1)]):
            return 1e4 * tf.one_hot(self.script[:, t], V), t + 1


def _run(script, max_steps=T):
    """Returns `(token ids [B, max_steps], decoder steps run)` of greedy decoding under `autograph=False`."""
    decoder = ScriptedDecoder(script)
    codes = tf.zeros([len(script), 1])
    ids = tf.function(lambda c: decode(decoder, c, max_steps), autograph=False)(codes).numpy()
    return ids, int(decoder.steps.numpy())


def test_seed_streams_are_pairwise_distinct():
    """Noise seeds and every step's token seed of every batch of several user seeds: all different."""
    seeds = []
    for user_seed, batch in itertools.product((0, 1, -7, 2**40), range(4)):
        z_seed, token_seed = sampling_seeds(tf.constant([user_seed, batch], tf.int64))
        seeds += [z_seed] + [step_seed(token_seed, t) for t in range(16)]
    seeds = [tuple(s.numpy().tolist()) for s in seeds]
    assert len(set(seeds)) == len(seeds) == 4 * 4 * 17


def test_step_seeds_are_deterministic_and_dtype_free():
    _, a = sampling_seeds(tf.constant([3, 1], tf.int64))
    _, b = sampling_seeds([3, 1])
    np.testing.assert_array_equal(step_seed(a, 5).numpy(), step_seed(b, tf.constant(5)).numpy())


def test_a_sentence_that_never_ends_gets_eos_last():
    ids, _ = _run([[4, 5, 6, 7, 8, 9, 10]] * 2)  # never <eos>
    np.testing.assert_array_equal(ids, [[4, 5, 6, 7, 8, EOS_ID]] * 2)  # max_steps - 1 words, then <eos>


def test_padding_after_eos_and_stop_once_all_have_ended():
    script = [[4, EOS_ID, 5, 5, 5, 5, 5], [4, 4, EOS_ID, 5, 5, 5, 5], [EOS_ID, 5, 5, 5, 5, 5, 5]]
    ids, steps = _run(script)
    p = PAD_ID
    np.testing.assert_array_equal(ids, [[4, EOS_ID, p, p, p, p], [4, 4, EOS_ID, p, p, p], [EOS_ID, p, p, p, p, p]])
    assert steps == 4  # the last <eos> came at step 2 (of 0..4), the loop saw it one step later


def test_no_step_runs_for_the_forced_eos():
    _, steps = _run([[4] * 7])
    assert steps == T - 1


@pytest.mark.parametrize("max_steps, expected", [(1, [[EOS_ID]]), (0, np.zeros([1, 0]))])
def test_shortest_outputs(max_steps, expected):
    ids, steps = _run([[4] * 7], max_steps)
    np.testing.assert_array_equal(ids, expected)
    assert steps == 0


def test_empty_batch():
    assert _run(np.zeros([0, 7], np.int32))[0].shape == (0, T)


def test_output_length_stays_static():
    decoder = Decoder(vocab_size=V, embedding_dim=4, hidden_dim=6, code_dim=3)
    fn = tf.function(lambda c: decode(decoder, c, T), input_signature=[tf.TensorSpec([None, 3])], autograph=False)
    assert fn.get_concrete_function().structured_outputs.shape.as_list() == [None, T]


def test_greedy_decoding_compiles_with_xla():
    decoder = Decoder(vocab_size=V, embedding_dim=4, hidden_dim=6, code_dim=3)
    codes = tf.random.stateless_normal([5, 3], seed=[1, 2])
    expected = decode(decoder, codes, T).numpy()
    compiled = tf.function(lambda c: decode(decoder, c, T), jit_compile=True, autograph=False)
    np.testing.assert_array_equal(compiled(codes).numpy(), expected)
    assert np.all(np.sum(expected == EOS_ID, axis=1) == 1)
