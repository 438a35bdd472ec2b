"""An unrolled LSTM sequence pass with a hand-written backward pass, for training speed.

Automatic differentiation of the unrolled loop takes, at every step, a small matrix product for
the recurrent kernel's gradient and some twenty small elementwise ops re-deriving every gate's
derivative. The backward pass here computes each step's local derivatives for all steps at once
(a few large elementwise ops), leaves the sequential loop with one matrix product, one
concatenation and five elementwise ops per step (the gradients into `h` and `c`), and takes the
recurrent kernel's gradient as one large product over all steps. On a CPU a small op costs about
as much as its arithmetic, so the op count matters. The maths are those of `ProjectedLSTM.step`
(gates i, f, c, o; zero initial state).
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
    zeros = tf.zeros((tf.shape(projected)[0], units), projected.dtype)
    h = c = zeros
    cells, gates, tanh_cells, outputs = [zeros], [], [], []  # cells[t] is the cell state step t starts from
    for step_input in tf.unstack(projected, axis=1):
        i, f, g, o = tf.split(step_input + tf.matmul(h, recurrent_kernel), 4, axis=1)
        i, f, g, o = tf.sigmoid(i), tf.sigmoid(f), tf.tanh(g), tf.sigmoid(o)
        c = f * c + i * g
        tanh_c = tf.tanh(c)
        h = o * tanh_c
        cells.append(c)
        gates.append((i, f, g, o))
        tanh_cells.append(tanh_c)
        outputs.append(h)

    def gradient(d_hidden):
        # Local derivatives of every step at once, time-major [T, B, ·]:
        # dc_t/dh_t through o_t, and d gates_t (pre-activation) per unit of dc_t (i, f, g) or dh_t (o).
        i, f, g, o = (tf.stack(gate, axis=0) for gate in zip(*gates))
        tanh_c, previous_c = tf.stack(tanh_cells, axis=0), tf.stack(cells[:-1], axis=0)
        cell_from_hidden = tf.unstack(o * (1.0 - tanh_c * tanh_c))
        gate_factors = tf.unstack(tf.concat([g * i * (1.0 - i), previous_c * f * (1.0 - f), i * (1.0 - g * g),
                                             tanh_c * o * (1.0 - o)], axis=2))
        forget = tf.unstack(f)
        d_outputs = tf.unstack(d_hidden, axis=1)
        d_h_next = d_c_next = zeros
        d_gates = [None] * len(outputs)
        for t in reversed(range(len(outputs))):
            d_h = d_outputs[t] + d_h_next
            d_c = d_h * cell_from_hidden[t] + d_c_next
            d_gates[t] = tf.concat([d_c, d_c, d_c, d_h], axis=1) * gate_factors[t]
            d_c_next = d_c * forget[t]
            if t > 0:
                d_h_next = tf.matmul(d_gates[t], recurrent_kernel, transpose_b=True)
        d_projected = tf.stack(d_gates, axis=1)
        # Step t's gates saw h_{t-1} (step 0 saw zeros, which add nothing): one product over all steps.
        previous_h = tf.reshape(tf.stack([zeros] + outputs[:-1], axis=1), (-1, units))
        d_kernel = tf.matmul(previous_h, tf.reshape(d_projected, (-1, 4 * units)), transpose_a=True)
        return d_projected, d_kernel

    return tf.stack(outputs, axis=1), gradient
