"""Text in, text out with a trained trainer: generation from the code prior, reconstruction and attribute transfer."""

import weakref

import numpy as np
import tensorflow as tf

from tfarae.decoding import decode, sampling_seeds

# trainer → {(function, arguments): tf.function}; an entry goes when its trainer is collected.
_COMPILED = weakref.WeakKeyDictionary()


def _batches(count, batch_size):
    return [(start, min(count, start + batch_size)) for start in range(0, count, batch_size)]


def _compiled(trainer, fn, *args):
    """Returns `tf.function(lambda *inputs: fn(trainer, *args, *inputs))`, built once per trainer and `args`.

    Neither the cache nor the function holds the trainer (it reaches it through a weak reference),
    so trainers and their variables are freed as soon as the caller drops them.
    """
    functions, key = _COMPILED.setdefault(trainer, {}), (fn, *args)
    if key not in functions:
        ref = weakref.ref(trainer)
        functions[key] = tf.function(lambda *inputs: fn(ref(), *args, *inputs), reduce_retracing=True)
    return functions[key]


def _generate(trainer, tokenizer, sampler, num, seed):
    """Returns `num` sentences `[num]` decoded from `trainer.sample_codes`, seed `[user seed, batch index]`."""
    z_seed, token_seed = sampling_seeds(seed)
    codes = trainer.sample_codes(num, z_seed)
    return tokenizer.detokenize(decode(trainer.decoder, codes, tokenizer.sequence_length, sampler, seed=token_seed))


def _reconstruct(trainer, token_ids):
    """Returns the greedy reconstruction `[N, T]` of `token_ids [N, T]`."""
    return decode(trainer.decoder, trainer.encoder(token_ids), token_ids.shape[1])


def _transfer(trainer, token_ids, targets):
    """Returns the greedy decoding `[N, T]` of the codes of `token_ids [N, T]` in the classes `targets [N]`."""
    return decode(trainer.decoder.for_labels(targets), trainer.encoder(token_ids), token_ids.shape[1])


def generate_sentences(trainer, tokenizer, num, seed=0, batch_size=500, sampler="greedy"):
    """Returns `num` sentences decoded from codes drawn by `trainer.sample_codes` (deterministic per seed).

    Batch `i` (of `batch_size`) samples with `sampling_seeds([seed, i])`, so the first batch equals
    the exported `generate` signature's sentences for the same seed.
    """
    step = _compiled(trainer, _generate, tokenizer, sampler)
    sentences = []
    for i, (start, end) in enumerate(_batches(num, batch_size)):
        sentences += [s.decode("utf-8") for s in step(tf.constant(end - start), tf.constant([seed, i], tf.int64)).numpy()]
    return sentences


def reconstruct_token_ids(trainer, token_ids, batch_size=500):
    """Returns greedy reconstructions `[N, T]` of token ids `[N, T]` (codes taken without noise)."""
    step = _compiled(trainer, _reconstruct)
    return np.concatenate([step(tf.constant(token_ids[a:b])).numpy() for a, b in _batches(len(token_ids), batch_size)])


def reconstruct_sentences(trainer, tokenizer, sentences, batch_size=500):
    """Returns the greedy reconstruction of each sentence (a list of strings)."""
    ids = tokenizer(tf.constant(sentences)).numpy()
    return [s.decode("utf-8") for s in tokenizer.detokenize(reconstruct_token_ids(trainer, ids, batch_size)).numpy()]


def transfer_sentences(trainer, tokenizer, sentences, targets, batch_size=500):
    """Returns each sentence decoded in its target class (a list of strings), by a class-conditional trainer.

    Args:
        sentences: list of N strings (longer than maxlen: their first maxlen words).
        targets: N ints in `[0, trainer.num_classes)`.
    """
    step = _compiled(trainer, _transfer)
    ids, targets = tokenizer(tf.constant(sentences)).numpy(), np.asarray(targets, np.int32)
    outputs = [step(tf.constant(ids[a:b]), tf.constant(targets[a:b])).numpy() for a, b in _batches(len(ids), batch_size)]
    if not outputs:
        return []
    return [s.decode("utf-8") for s in tokenizer.detokenize(np.concatenate(outputs)).numpy()]
