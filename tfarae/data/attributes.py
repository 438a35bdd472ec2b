"""Attribute-labelled corpora of the embedded grammar, and the exact oracle of attribute transfer.

Two attributes, each a set of named classes:
- `sentiment`: `negative`, `positive`. A sentence of class s uses no word of the other polarity
  and at least one of s (adjectives, verbs and manner adverbs carry sentiment).
- `topic`: `animals`, `people`, `food`. Every noun of a sentence of class t is of topic t.

Sentences of a class are drawn from the default grammar with the other classes' words taken out
of its lexicon, so every one of them is grammatical under the full grammar (`grammar.is_grammatical`).
Transfer keeps a sentence's *attribute-neutral content words*: for sentiment the nouns and the
neutral adjectives, verbs and adverbs; for topic the adjectives, verbs and adverbs.
"""

import random

from tfarae.data import grammar

LABEL_NAMES = {"sentiment": ("negative", "positive"), "topic": ("animals", "people", "food")}


def _word_class(attribute, word):
    """Returns the class name `word` belongs to for `attribute`, "" if it is attribute-neutral, None if no content word."""
    values = grammar.DEFAULT.attributes.get(word)
    if values is None:
        return None
    if attribute == "sentiment":
        return "" if values.get("sentiment", "neutral") == "neutral" or "topic" in values else values["sentiment"]
    return values.get("topic", "")


def _check(attribute):
    if attribute not in LABEL_NAMES:
        raise ValueError(f"unknown grammar attribute {attribute!r}; known: {', '.join(LABEL_NAMES)}")


def class_grammar(attribute, label):
    """Returns the `grammar.Grammar` of class `label` (an index into `LABEL_NAMES[attribute]`)."""
    _check(attribute)
    name = LABEL_NAMES[attribute][label]
    keep = {word for word in grammar.DEFAULT.symbols_of if _word_class(attribute, word) in (None, "", name)}
    lexicon = {category: [w for w in words if w in keep] for category, words in grammar.DEFAULT.lexicon.items()}
    return grammar.Grammar(grammar.RULES, lexicon, grammar.DEFAULT.attributes)


def sentence_class(attribute, sentence):
    """Returns the class index `sentence` carries for `attribute`, or None (neither or several classes)."""
    _check(attribute)
    found = {_word_class(attribute, word) for word in sentence.split()} - {None, ""}
    if len(found) != 1:
        return None
    return LABEL_NAMES[attribute].index(found.pop()) if found <= set(LABEL_NAMES[attribute]) else None


def neutral_content_words(attribute, sentence):
    """Returns the attribute-neutral content words of `sentence`, a list in sentence order."""
    _check(attribute)
    return [word for word in sentence.split() if _word_class(attribute, word) == ""]


def generate_labelled(n, attribute, seed=0):
    """Returns `n` sentences of `attribute`'s classes in turn (class `i % K` for sentence i) and their labels.

    Sentences that carry no class (a sentiment sentence without a polar word) are redrawn.

    Returns:
        `(sentences, labels)`: lists of `n` str and `n` int.
    """
    _check(attribute)
    grammars = [class_grammar(attribute, k) for k in range(len(LABEL_NAMES[attribute]))]
    rng = random.Random(seed)
    sentences, labels = [], []
    for i in range(n):
        label = i % len(grammars)
        sentence = grammars[label].sample(rng)
        while sentence_class(attribute, sentence) != label:
            sentence = grammars[label].sample(rng)
        sentences.append(sentence)
        labels.append(label)
    return sentences, labels
