import keras
import numpy as np
import tensorflow as tf

from tfarae.layers import ProjectedLSTM


def test_matches_keras_lstm_cell():
    lstm = ProjectedLSTM(units=5, input_dim=3)
    cell = keras.layers.LSTMCell(5)
    cell.build((None, 3))
    cell.set_weights([lstm.kernel.numpy(), lstm.recurrent_kernel.numpy(), lstm.bias.numpy()])
    x = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    ours = lstm(lstm.project(x)).numpy()
    state = [np.zeros((2, 5), "float32")] * 2
    for t in range(4):
        h, state = cell(x[:, t], state)
        np.testing.assert_allclose(ours[:, t], h.numpy(), atol=1e-6)


def test_training_pass_has_the_same_values_and_gradients():
    """`call(training=True)` runs `lstm_sequence` and its hand-written backward pass."""
    lstm = ProjectedLSTM(units=5, input_dim=3)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(2, 4, 3)).astype("float32"))
    weights = tf.constant(rng.normal(size=(2, 4, 5)).astype("float32"))

    def values_and_gradients(training):
        with tf.GradientTape() as tape:
            projected = lstm.project(x)
            tape.watch(projected)
            hidden = lstm(projected, training=training)
            loss = tf.reduce_sum(hidden * weights)
        return [hidden, *tape.gradient(loss, [projected, *lstm.trainable_variables])]

    for fused, autodiff in zip(values_and_gradients(True), values_and_gradients(False)):
        np.testing.assert_allclose(fused.numpy(), autodiff.numpy(), atol=1e-6)


def test_single_step_sequence_gives_the_kernel_no_gradient():
    lstm = ProjectedLSTM(units=4, input_dim=2)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(lstm(lstm.project(tf.ones((3, 1, 2))), training=True))
    grad = tape.gradient(loss, lstm.recurrent_kernel)
    assert grad is not None and not np.any(grad.numpy())
