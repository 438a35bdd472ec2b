"""Timing a compiled TensorFlow function: the one measurement behind `runtime.precision: auto` and the benchmarks."""

import time

import tensorflow as tf


def seconds_per_call(fn, repeats=20):
    """Returns the best of three mean times of `repeats` calls of `fn`, after one untimed call.

    `fn` (compiled by the caller) returns tensors or nothing; the last result of each round is read
    back, so the time includes the work it waits for.
    """
    fn()
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            result = fn()
        for tensor in tf.nest.flatten(result):  # a step may return nothing (None)
            if tensor is not None:
                tensor.numpy()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best
