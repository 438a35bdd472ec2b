"""`runtime.precision: auto`: bfloat16 where this machine runs the model's recurrent step faster in it.

An LSTM step waits for `h @ recurrent_kernel`, `[B, H] × [H, 4H]`, before the next can start; it is
the product that decides whether bfloat16 pays for a whole training step. On the development CPU
(AVX512-BF16, no AMX) it ran 1.08× faster in bfloat16 at the default sizes (B 64, H 128), where the
whole step was not faster, and 1.85× at the SNLI sizes (H 300), where the iteration was 1.32×
faster (README, *Speed against the reference implementation*). CPUs without bfloat16 units emulate
it, and it comes out slower.
"""

import tensorflow as tf

from tfarae.timing import seconds_per_call

MIN_SPEEDUP = 1.3  # bfloat16 is chosen when the recurrent product runs at least this much faster in it


def bfloat16_speedup(batch_size, units):
    """Returns float32 time / bfloat16 time of the recurrent product `[batch_size, units] × [units, 4·units]`."""
    h, kernel = tf.random.normal([batch_size, units]), tf.random.normal([units, 4 * units])
    h16, kernel16 = tf.cast(h, tf.bfloat16), tf.cast(kernel, tf.bfloat16)
    return (seconds_per_call(tf.function(lambda: tf.matmul(h, kernel)), repeats=50)
            / seconds_per_call(tf.function(lambda: tf.matmul(h16, kernel16)), repeats=50))


def choose_precision(speedup):
    """Returns the dtype policy `auto` stands for, given the measured bfloat16 `speedup`."""
    return "mixed_bfloat16" if speedup >= MIN_SPEEDUP else "float32"
