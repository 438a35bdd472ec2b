import numpy as np
import pytest
import tensorflow as tf

from tfarae.losses import token_cross_entropy


@pytest.mark.parametrize("shape", [(7,), (3, 5)])
def test_token_cross_entropy_matches_tensorflow_and_argmax(shape):
    rng = np.random.default_rng(0)
    logits = tf.constant(rng.normal(size=shape + (50,)) * 3, tf.float32)
    targets = tf.constant(rng.integers(0, 50, size=shape), tf.int32)
    argmax = tf.argmax(logits, -1, output_type=tf.int32)
    targets = tf.where(tf.range(shape[-1]) % 2 == 0, argmax, targets)  # about half the targets are the argmax
    weights = tf.constant(rng.uniform(size=shape), tf.float32)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(logits)
        losses, correct = token_cross_entropy(logits, targets)
        expected = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=logits)
        weighted, expected_weighted = tf.reduce_sum(weights * losses), tf.reduce_sum(weights * expected)
    np.testing.assert_allclose(losses, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(correct, tf.cast(argmax == targets, tf.float32))
    assert 0 < float(tf.reduce_mean(correct)) < 1
    np.testing.assert_allclose(tape.gradient(weighted, logits), tape.gradient(expected_weighted, logits), atol=1e-6)
