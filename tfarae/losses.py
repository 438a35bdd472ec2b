"""Token cross-entropy over a large vocabulary, as two XLA-fused passes.

`tf.nn.sparse_softmax_cross_entropy_with_logits` computes the loss and its gradient in one unfused
kernel; over an 11k-word vocabulary that kernel took 26-35 ms per 1,024 tokens on a 2-core CPU, more
than any of the softmax layer's three matrix products. Here the forward pass is one fused XLA
reduction over the logits (log-sum-exp, target logit, argmax correctness) and the backward pass
recomputes the softmax in one fused elementwise pass already scaled by the upstream gradient
(10 ms for both together; `benchmarks/train_throughput.py` measures the effect on training).

Each distinct shape compiles once (about 0.2 s); callers with a varying token count round it up
(see `AutoencoderTrainer.reconstruction`).
"""

import tensorflow as tf


@tf.function(jit_compile=True)
def _forward(logits, targets):
    top = tf.reduce_max(logits, axis=-1)
    log_normalizer = top + tf.math.log(tf.reduce_sum(tf.exp(logits - top[..., None]), axis=-1))
    target_logits = tf.gather(logits, targets[..., None], batch_dims=targets.shape.rank)[..., 0]
    return log_normalizer - target_logits, tf.cast(target_logits >= top, logits.dtype), log_normalizer


@tf.function(jit_compile=True)
def _backward(logits, targets, log_normalizer, upstream):
    one_hot = tf.one_hot(targets, tf.shape(logits)[-1], dtype=logits.dtype)
    return (tf.exp(logits - log_normalizer[..., None]) - one_hot) * upstream[..., None]


@tf.custom_gradient
def token_cross_entropy(logits, targets):
    """Cross-entropy of float32 `logits [..., V]` for int32 `targets [...]`, and whether each target is the argmax.

    Returns:
        `(losses [...], correct [...])`: the negative log-softmax of each target (nats), and 1.0
        where the target's logit is the largest (a tie with another word counts as correct), else
        0.0. Only `losses` has a gradient, with respect to `logits`.
    """
    targets = tf.cast(targets, tf.int32)
    losses, correct, log_normalizer = _forward(logits, targets)

    def gradient(d_losses, d_correct):
        return _backward(logits, targets, log_normalizer, d_losses), None

    return (losses, correct), gradient
