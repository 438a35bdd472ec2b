"""Walking the latent space: interpolation and vector arithmetic (ARAE paper §6, thesis Figure 4.4).

"Latent" means the generator's input `z` when the trainer has a generator (ARAE), and the code
space otherwise (the AE baseline, whose samples come from a Gaussian fitted to its codes: a
linear path in its standard-normal noise is a linear path in code space).
"""

import collections

import numpy as np
import tensorflow as tf

from tfarae.decoding import decode


def _strings(tokenizer, token_ids):
    return [s.decode("utf-8") for s in tokenizer.detokenize(token_ids).numpy()]


def latent_dim(trainer):
    """Returns the size of the trainer's latent space (`z` for ARAE, the code for the AE baseline)."""
    generator = getattr(trainer, "generator", None)
    return generator.z_dim if generator is not None else trainer.encoder.code_dim


def sample_latents(trainer, num, seed=0):
    """Returns `num` latent vectors `[num, D]` distributed as the ones `trainer.sample_codes` decodes.

    ARAE: `z ~ N(0, I)`. AE baseline: its codes drawn from the fitted Gaussian (`prepare_sampling` first).
    """
    seed = tf.constant([seed, 0], tf.int64)
    if getattr(trainer, "generator", None) is not None:
        return tf.random.stateless_normal([num, trainer.generator.z_dim], seed=seed).numpy()
    return trainer.sample_codes(num, seed).numpy()


def latents_to_codes(trainer, latents):
    """Maps latents `[N, D]` to codes `[N, C]` (through the generator when there is one)."""
    latents = tf.constant(np.asarray(latents, np.float32))
    return latents if getattr(trainer, "generator", None) is None else trainer.generator(latents)


def decode_latents(trainer, tokenizer, latents, batch_size=500):
    """Returns the greedy decodings of latents `[N, D]` (list of strings)."""
    sentences = []
    for start in range(0, len(latents), batch_size):
        codes = latents_to_codes(trainer, latents[start : start + batch_size])
        sentences += _strings(tokenizer, decode(trainer.decoder, codes, tokenizer.sequence_length))
    return sentences


def linear_path(start, end, num_steps):
    """Returns `num_steps` points `(1 - t) start + t end`, t evenly spaced over [0, 1], shape `[num_steps, D]`."""
    t = np.linspace(0.0, 1.0, num_steps)[:, None]
    return (1.0 - t) * np.asarray(start)[None] + t * np.asarray(end)[None]


def interpolate_samples(trainer, tokenizer, num_steps=6, seed=0):
    """Decodes a linear path between two latent samples; returns the sentences (first and last are the samples)."""
    start, end = sample_latents(trainer, 2, seed)
    return decode_latents(trainer, tokenizer, linear_path(start, end, num_steps))


def interpolate_sentences(trainer, tokenizer, first, second, num_steps=6):
    """Decodes a linear path between the codes of two sentences (codes are not renormalised on the path).

    Returns:
        The `num_steps` decoded sentences (the first and last are the two reconstructions).
    """
    codes = trainer.encoder(tokenizer(tf.constant([first, second]))).numpy()
    path = tf.constant(linear_path(codes[0], codes[1], num_steps), tf.float32)
    return _strings(tokenizer, decode(trainer.decoder, path, tokenizer.sequence_length))


def word_precision(output, original):
    """Returns the share of `output`'s words (with multiplicity) that also occur in `original` (0 if empty)."""
    output, available = output.split(), collections.Counter(original.split())
    if not output:
        return 0.0
    matched = 0
    for word in output:
        if available[word] > 0:
            available[word] -= 1
            matched += 1
    return matched / len(output)


def vector_arithmetic(trainer, tokenizer, attributes, num_samples=10000, num_transformed=100, min_group=20, seed=0):
    """Moves generated sentences along attribute offset vectors in latent space (thesis Figure 4.4).

    For each attribute `has(sentence) -> bool`: draw `num_samples` latents and decode them; the
    offset is the mean latent of the samples that have the attribute minus the mean latent of those
    that do not. Up to `num_transformed` samples *without* the attribute get the offset added and
    are decoded again.

    - `match`: the share of transformed sentences that have the attribute.
    - `precision`: the mean over transformed sentences of `word_precision(transformed, original)`,
      the share of the new sentence's words that were in the original (how much else was kept).

    Args:
        trainer, tokenizer: the run's.
        attributes: dict name -> predicate over a sentence string.
        num_samples: generated sentences the groups are drawn from.
        num_transformed: sentences transformed per attribute.
        min_group: attributes with fewer samples than this in either group are skipped.
        seed: the sampling seed.

    Returns:
        dict name -> {"match", "precision", "num_with", "num_transformed", "examples": [(before, after)]}
        for every attribute that had enough samples.
    """
    latents = sample_latents(trainer, num_samples, seed)
    sentences = decode_latents(trainer, tokenizer, latents)
    results = {}
    for name, has in attributes.items():
        mask = np.array([bool(has(s)) for s in sentences])
        if mask.sum() < min_group or (~mask).sum() < min_group:
            continue
        offset = latents[mask].mean(axis=0) - latents[~mask].mean(axis=0)
        chosen = np.nonzero(~mask)[0][:num_transformed]
        moved = decode_latents(trainer, tokenizer, latents[chosen] + offset)
        originals = [sentences[i] for i in chosen]
        results[name] = {
            "match": float(np.mean([bool(has(s)) for s in moved])),
            "precision": float(np.mean([word_precision(m, o) for m, o in zip(moved, originals)])),
            "num_with": int(mask.sum()),
            "num_transformed": len(chosen),
            "examples": list(zip(originals[:3], moved[:3])),
        }
    return results


def contains_word(word):
    """Returns the predicate "the sentence contains the word `word`"."""
    return lambda sentence: word in sentence.split()


def arithmetic_attributes(data_config):
    """Returns the vector-arithmetic attributes `{name: sentence → bool}` of a corpus: the grammar's
    attributes on the embedded corpus, else "contains <word>" for the thesis's words (walking, man,
    two, dog, standing, several)."""
    if data_config.source == "grammar":
        from tfarae.data.grammar import sentence_attributes

        return {
            "plural": lambda s: sentence_attributes(s)["number"] == "plural",
            "positive": lambda s: sentence_attributes(s)["sentiment"] == "positive",
            "animals": lambda s: "animals" in sentence_attributes(s)["topics"],
            "contains_the": contains_word("the"),
        }
    return {w: contains_word(w) for w in ("walking", "man", "two", "dog", "standing", "several")}
