"""A one-layer LSTM split into an input projection, a single step and an unrolled sequence pass.

Same gate layout and maths as `keras.layers.LSTMCell` (gates i, f, c, o; sigmoid and tanh), but
the input projection `x @ W + b` is one large matrix product over all steps, and callers may add
terms to it themselves (the decoder adds the projection of the code once per sentence instead of
concatenating the code to every step's input). `step` is the cell function used by the decoding
`tf.while_loop`s and by export; `call` runs teacher-forced sequences, in training through
`lstm_sequence` and its hand-written backward pass.

Under a mixed dtype policy (`mixed_float16`, `mixed_bfloat16`) the weights stay float32 and every
method computes in the layer's compute dtype, casting its weights itself: `project`, `step` and
`initial_state` are also called outside `__call__` (decoding loops, export), where Keras does not
autocast. The cell state is kept in the compute dtype, as in `keras.layers.LSTM`.
"""

import keras
import tensorflow as tf
from keras import ops

from tfarae.layers.lstm_sequence import lstm_sequence


@keras.saving.register_keras_serializable(package="tfarae")
class ProjectedLSTM(keras.layers.Layer):
    """LSTM with zero initial state.

    Args:
        units: hidden size H.
        input_dim: size D of the inputs that `project` takes.
        init_scale: weights and biases are drawn from uniform(-init_scale, init_scale).
        **kwargs: `keras.layers.Layer` arguments, e.g. `dtype` (a dtype policy).

    Call: projected inputs `[B, T, 4H]` (from `project`) → hidden states `[B, T, H]` in the compute
    dtype; T static.
    """

    def __init__(self, units, input_dim, init_scale=0.1, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.input_dim = input_dim
        self.init_scale = init_scale
        self.build()

    def build(self, input_shape=None):
        """Creates the weights from `input_dim` (the call's input is already projected)."""
        # One initializer per weight: an initializer's seed is fixed when it is made, so a shared one
        # gave the kernel and the recurrent kernel the same values whenever input_dim == units.
        self.kernel = self.add_weight(name="kernel", shape=(self.input_dim, 4 * self.units),
                                      initializer=keras.initializers.RandomUniform(-self.init_scale, self.init_scale))
        self.recurrent_kernel = self.add_weight(
            name="recurrent_kernel", shape=(self.units, 4 * self.units),
            initializer=keras.initializers.RandomUniform(-self.init_scale, self.init_scale))
        self.bias = self.add_weight(name="bias", shape=(4 * self.units,), initializer=self._bias_initializer)

    def _bias_initializer(self, shape, dtype=None):
        """uniform(-s, s), plus 1 on the forget gate (as Keras' `unit_forget_bias`) so memory lasts from the start."""
        bias = keras.random.uniform(shape, -self.init_scale, self.init_scale, dtype=dtype)
        return bias + ops.concatenate([ops.zeros(self.units), ops.ones(self.units), ops.zeros(2 * self.units)])

    def _in_compute_dtype(self, value):
        """Returns `value` (a weight or a tensor) in the compute dtype."""
        return ops.cast(value, self.compute_dtype)

    def project(self, inputs, kernel_rows=None, bias=True):
        """Returns `inputs @ kernel[rows] (+ bias)`, shape `[..., 4H]`, in the compute dtype.

        Args:
            inputs: float `[..., D]` (cast to the compute dtype).
            kernel_rows: a `slice` of kernel rows when `inputs` feed only part of the input (default all).
            bias: add the bias (leave it out for a share that another projection's bias covers).
        """
        kernel = self.kernel if kernel_rows is None else self.kernel[kernel_rows]
        projected = ops.matmul(self._in_compute_dtype(inputs), self._in_compute_dtype(kernel))
        return (projected + self._in_compute_dtype(self.bias)) if bias else projected

    def initial_state(self, batch_size):
        """Returns the zero state `(h, c)`, each `[B, H]` in the compute dtype."""
        zeros = ops.zeros((batch_size, self.units), dtype=self.compute_dtype)
        return zeros, zeros

    def step(self, projected, state):
        """One LSTM step.

        Args:
            projected: `[B, 4H]`, this step's input projection (bias included), in the compute dtype.
            state: `(h, c)`, each `[B, H]` in the compute dtype (from `initial_state` or `step`).

        Returns:
            The new `(h, c)`.
        """
        h, c = state
        gates = projected + ops.matmul(h, self._in_compute_dtype(self.recurrent_kernel))
        i, f, g, o = ops.split(gates, 4, axis=-1)
        c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
        h = ops.sigmoid(o) * ops.tanh(c)
        return h, c

    def call(self, projected, training=False):
        if training:  # same maths, faster backward pass (see `lstm_sequence`)
            # The kernel is read (and cast) outside the custom gradient, which then sees a plain tensor.
            return lstm_sequence(projected, tf.identity(self._in_compute_dtype(self.recurrent_kernel)))
        state = self.initial_state(ops.shape(projected)[0])
        outputs = []
        for step_input in ops.unstack(projected, axis=1):  # static length: unrolled, XLA- and TF.js-friendly
            state = self.step(step_input, state)
            outputs.append(state[0])
        return ops.stack(outputs, axis=1)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "input_dim": self.input_dim,
                "init_scale": self.init_scale}
