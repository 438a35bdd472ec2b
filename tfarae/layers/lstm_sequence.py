"""An unrolled LSTM sequence pass with a hand-written backward pass, for training speed.

Automatic differentiation of the unrolled loop takes, at every step, a small matrix product for
the recurrent kernel's gradient and re-derives every gate's derivative from its pre-activation.
The backward pass here keeps the forward activations, runs one matrix product per step (the
gradient into `h`), and takes the recurrent kernel's gradient as one large product over all
steps. The maths are those of `ProjectedLSTM.step` (gates i, f, c, o; zero initial state).
"""

import tensorflow as tf


@tf.custom_gradient
def lstm_sequence(projected, recurrent_kernel):
    """Runs an LSTM with zero initial state over a whole sequence.

    Args:
        projected: `[B, T, 4H]`, every step's input projection (bias included); T static.
        recurrent_kernel: `[H, 4H]`.

    Returns:
        Hidden states `[B, T, H]`. (The body also returns the backward function that
        `tf.custom_gradient` registers: hidden-state gradients in, gradients of `projected` and
        `recurrent_kernel` out.)
    """
    units = recurrent_kernel.shape[0]
    steps = projected.shape[1]
    batch_size = tf.shape(projected)[0]
    h = c = tf.zeros((batch_size, units), projected.dtype)
    previous_c, activations, outputs = [], [], []
    for t in range(steps):
        previous_c.append(c)
        gates = projected[:, t] + tf.matmul(h, recurrent_kernel)
        sigmoids = tf.sigmoid(gates)
        i, f, o = sigmoids[:, :units], sigmoids[:, units : 2 * units], sigmoids[:, 3 * units :]
        g = tf.tanh(gates[:, 2 * units : 3 * units])
        c = f * c + i * g
        tanh_c = tf.tanh(c)
        h = o * tanh_c
        activations.append((i, f, g, o, tanh_c))
        outputs.append(h)

    def gradient(d_hidden):
        d_h_next = d_c_next = tf.zeros((batch_size, units), projected.dtype)
        d_gates = [None] * steps
        for t in reversed(range(steps)):
            i, f, g, o, tanh_c = activations[t]
            d_h = d_hidden[:, t] + d_h_next
            d_c = d_h * o * (1.0 - tanh_c * tanh_c) + d_c_next
            d_gates[t] = tf.concat([d_c * g * i * (1.0 - i), d_c * previous_c[t] * f * (1.0 - f),
                                    d_c * i * (1.0 - g * g), d_h * tanh_c * o * (1.0 - o)], axis=1)
            d_c_next = d_c * f
            if t > 0:
                d_h_next = tf.matmul(d_gates[t], recurrent_kernel, transpose_b=True)
        d_projected = tf.stack(d_gates, axis=1)
        if steps == 1:  # h starts at zero: the kernel gets no gradient
            return d_projected, tf.zeros_like(recurrent_kernel)
        # Step t's gates saw h_{t-1}, the output of step t-1 (step 0 saw zeros, adding nothing).
        d_kernel = tf.matmul(tf.reshape(tf.stack(outputs[:-1], axis=1), (-1, units)),
                             tf.reshape(d_projected[:, 1:], (-1, 4 * units)), transpose_a=True)
        return d_projected, d_kernel

    return tf.stack(outputs, axis=1), gradient
