"""`tfarae.sampling`: independent noise and token streams, at most `maxlen` words, no trainer kept alive."""

import gc
import weakref

import pytest
import tensorflow as tf

from tfarae.data.tokenizer import SPECIAL_TOKENS, SentenceTokenizer
from tfarae.sampling import generate_sentences, reconstruct_sentences

WORDS = [f"w{i}" for i in range(26)]
V = len(SPECIAL_TOKENS) + len(WORDS)
MAXLEN = 15
WORD_LOGITS = tf.where(tf.range(V) >= len(SPECIAL_TOKENS), 0.0, -1e9)  # uniform over the words, never <eos>


def _uniform(batch_size):
    return tf.tile(WORD_LOGITS[None], [batch_size, 1])


class EchoDecoder:
    """A `Decoder` stand-in: uniform word logits at step 0, then (if `echo`) the word its code holds."""

    def __init__(self, echo):
        self.echo = echo

    def initial_state(self, codes):
        return codes, tf.zeros([], tf.int32)

    def step(self, token_ids, state):
        codes, t = state
        echoed = 1e4 * tf.one_hot(tf.cast(codes[:, 0], tf.int32), V)
        logits = tf.where(tf.logical_and(self.echo, t > 0), echoed, _uniform(tf.shape(token_ids)[0]))
        return logits, (codes, t + 1)


class StubTrainer:
    """A trainer stand-in whose code `[num, 1]` is a word id drawn from its noise seed like a step's token."""

    def __init__(self, echo=False):
        self.decoder = EchoDecoder(echo)
        self.traces = 0

    def sample_codes(self, num, seed):
        self.traces += 1  # a Python side effect: runs when traced only
        return tf.cast(tf.random.stateless_categorical(_uniform(num), 1, seed=seed), tf.float32)


@pytest.fixture(scope="module")
def tokenizer():
    return SentenceTokenizer(list(SPECIAL_TOKENS) + WORDS, MAXLEN)


def _sample(trainer, tokenizer, num, seed=5, batch_size=16):
    return [s.split() for s in generate_sentences(trainer, tokenizer, num, seed, batch_size, sampler="sample")]


def test_consecutive_batches_are_not_shifted_copies(tokenizer):
    """Batch i's step t + 1 and batch i + 1's step t sample different words."""
    sentences = _sample(StubTrainer(), tokenizer, 32)
    assert not any(a[1:] == b[: len(a) - 1] for a, b in zip(sentences[:16], sentences[16:]))


def test_tokens_are_not_drawn_from_the_noise_stream(tokenizer):
    """The code (drawn from the noise seed) and the step-0 token (same distribution) mostly differ."""
    sentences = _sample(StubTrainer(echo=True), tokenizer, 64, batch_size=64)
    same = sum(s[0] == s[1] for s in sentences)  # s[1] is the code's word
    assert same < 16  # 64 / 26 ≈ 2.5 expected by chance; all 64 when the streams coincide


def test_at_most_maxlen_words_deterministic_and_traced_once(tokenizer):
    trainer = StubTrainer()
    sentences = _sample(trainer, tokenizer, 40)
    assert {len(s) for s in sentences} == {MAXLEN}  # the stub never says <eos>
    assert _sample(trainer, tokenizer, 40) == sentences
    assert _sample(trainer, tokenizer, 40, seed=6) != sentences
    assert trainer.traces == 1


def test_trainers_are_not_kept_alive(tiny_config):
    from tfarae.trainers.factory import make_trainer

    tokenizer = SentenceTokenizer(list(SPECIAL_TOKENS) + WORDS, tiny_config.data.maxlen)
    trainer = make_trainer(tiny_config, tokenizer.vocab_size, tokenizer.sequence_length)
    assert len(generate_sentences(trainer, tokenizer, 3)) == 3
    assert len(reconstruct_sentences(trainer, tokenizer, ["w1 w2", "w3"])) == 2
    alive = weakref.ref(trainer)
    del trainer
    gc.collect()
    assert alive() is None
