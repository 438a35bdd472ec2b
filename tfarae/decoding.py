"""Decoding codes into token ids with an explicit `tf.while_loop` over `Decoder.step`.

Samplers are plug-ins resolved by name, functions `(logits [B, V], temperature, token seed [2],
step) → int32 [B]`: `greedy` (argmax) and `sample` (temperature sampling with stateless seeds, so
the same seed gives the same sentences in Python and in an exported graph). `sampling_seeds` and
`step_seed` are the one place where those seeds are derived.
"""

import tensorflow as tf

from tfarae.data.tokenizer import BOS_ID, EOS_ID, PAD_ID


def sampling_seeds(seed):
    """Splits the seed of one sampled batch into two independent streams: codes and tokens.

    Args:
        seed: int `[2]`, `[user seed, batch index]` (a single request is batch 0).

    Returns:
        `(z_seed, token_seed)`, int64 `[2]` each: `z_seed` draws the batch's noise
        (`trainer.sample_codes`), `token_seed` is the `seed` of `decode`, which folds the step
        index into it (`step_seed`).
    """
    z_seed, token_seed = tf.unstack(tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 2))
    return z_seed, token_seed


def step_seed(token_seed, step):
    """Returns the int64 `[2]` seed of decoding step `step` (int scalar) of the stream `token_seed [2]`.

    Steps of one stream differ in the second element (`step`); streams differ in the first, a 64-bit
    hash of `token_seed`, so no two steps or batches share a seed (short of a hash collision).
    """
    return tf.random.experimental.stateless_fold_in(tf.cast(token_seed, tf.int64), tf.cast(step, tf.int64))


def _greedy(logits, temperature, seed, step):
    del temperature, seed, step
    return tf.argmax(logits, axis=-1, output_type=tf.int32)


def _sample(logits, temperature, seed, step):
    scaled = logits / tf.maximum(tf.cast(temperature, logits.dtype), 1e-6)
    return tf.cast(tf.random.stateless_categorical(scaled, 1, seed=step_seed(seed, step))[:, 0], tf.int32)


SAMPLERS = {"greedy": _greedy, "sample": _sample}


def decode(decoder, codes, max_steps, sampler="greedy", temperature=1.0, seed=(0, 0)):
    """Decodes codes into token ids, stopping once every sentence has ended.

    A sentence ends at its first `<eos>`; one still running after `max_steps - 1` tokens gets
    `<eos>` as its last token, so it has at most `max_steps - 1` words (like the training data,
    `maxlen` words + `<eos>` for `max_steps = maxlen + 1`). The loop stops one step after the last
    sentence has ended (at most `max_steps - 1` decoder steps). Runs in `tf.function(autograph=False)`
    and, greedy, under XLA.

    Args:
        decoder: a `tfarae.models.Decoder`.
        codes: float `[B, C]`.
        max_steps: int, the length of the output (typically `maxlen + 1`).
        sampler: a key of `SAMPLERS`.
        temperature: softmax temperature of the `sample` sampler.
        seed: int `[2]`, the token stream of the `sample` sampler (`sampling_seeds`); step `t`
            samples with `step_seed(seed, t)`.

    Returns:
        int32 `[B, max_steps]`: the produced tokens up to the first `<eos>`, then `<pad>`.
    """
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; known: {sorted(SAMPLERS)}")
    choose = SAMPLERS[sampler]
    batch_size = tf.shape(codes)[0]
    outputs = tf.TensorArray(tf.int32, size=max_steps).unstack(tf.fill([max_steps, batch_size], PAD_ID))
    start = (tf.constant(0), tf.fill([batch_size], BOS_ID), tf.zeros([batch_size], tf.bool),
             decoder.initial_state(codes), outputs, tf.constant(False))

    def running(t, previous, finished, state, outputs, all_finished):
        return (t < max_steps - 1) & ~all_finished

    def body(t, previous, finished, state, outputs, all_finished):
        # Tested on the rows as they enter the step, so the next test does not wait for this step:
        # the loop's bookkeeping overlaps the step's computation, for one spare step at the end.
        all_finished = tf.reduce_all(finished)
        logits, state = decoder.step(previous, state)
        token = tf.where(finished, PAD_ID, choose(logits, temperature, seed, t))
        return t + 1, token, finished | (token == EOS_ID), state, outputs.write(t, token), all_finished

    _, _, finished, _, outputs, _ = tf.while_loop(running, body, start)
    last = tf.range(max_steps) == max_steps - 1
    return tf.where(last & ~finished[:, None], EOS_ID, tf.transpose(outputs.stack()))
