import numpy as np
import pytest
import tensorflow as tf

from tfarae.data.pipeline import encode_sentences, train_dataset
from tfarae.data.tokenizer import EOS_ID, PAD_ID, UNK_ID, SentenceTokenizer, split_words
from tfarae.data.vocab import build_vocabulary, load_vocabulary, save_vocabulary

SENTENCES = ["The dog runs.", "the dogs run !", "a cat sees the dog ."]


@pytest.fixture
def tokenizer():
    return SentenceTokenizer(build_vocabulary(split_words(SENTENCES), 20), maxlen=5)


def test_split_lowercases_and_separates_punctuation():
    assert split_words(["The dog, runs!"]).to_list() == [[b"the", b"dog", b",", b"runs", b"!"]]


def test_vocabulary_is_specials_then_words_by_frequency(tmp_path):
    vocabulary = build_vocabulary(split_words(SENTENCES), 2)
    assert vocabulary == ["<pad>", "<bos>", "<eos>", "<unk>", "the", "."]  # "." and "dog" tie: alphabetical
    save_vocabulary(vocabulary, tmp_path / "vocab.txt")
    assert load_vocabulary(tmp_path / "vocab.txt") == vocabulary


def test_ids_are_words_then_eos_then_pad(tokenizer):
    ids = tokenizer(tf.constant(["the dog runs .", "zebra"])).numpy()
    assert ids.shape == (2, 6)
    the, dog = tokenizer.vocabulary.index("the"), tokenizer.vocabulary.index("dog")
    assert ids[0, :2].tolist() == [the, dog] and ids[0, 4] == EOS_ID and ids[0, 5] == PAD_ID
    assert ids[1].tolist() == [UNK_ID, EOS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID]


def test_long_inputs_are_truncated_to_maxlen(tokenizer):
    ids = tokenizer(tf.constant(["the dog the dog the dog the dog"])).numpy()
    assert ids[0, 5] == EOS_ID


def test_detokenize_round_trips_and_stops_at_eos(tokenizer):
    ids = tokenizer(tf.constant(["The dog runs.", ""])).numpy()
    assert tokenizer.detokenize(ids).numpy().tolist() == [b"the dog runs .", b""]
    ids[0, 3] = EOS_ID
    assert tokenizer.detokenize(ids).numpy()[0] == b"the dog runs"


def test_invalid_utf8_does_not_fail(tokenizer):
    assert tokenizer(tf.constant([b"the \xff\xfe dog"])).shape == (1, 6)


def test_encode_drops_long_and_empty_sentences(tokenizer):
    encoded = encode_sentences(tokenizer, ["the dog", "the dog the dog the dog", "   "])
    assert encoded.sentences == ["the dog"] and encoded.num_dropped == 2 and len(encoded.token_ids) == 1


def test_train_batches_carry_fresh_real_batches(tokenizer):
    encoded = encode_sentences(tokenizer, SENTENCES * 10)
    batch = next(iter(train_dataset(encoded, 4, fresh_batches=3, shuffle_buffer=100, seed=0)))
    assert batch["token_ids"].shape == (4, 6)
    assert batch["fresh_token_ids"].shape == (4, 3, 6)
    real = {tuple(row) for row in encoded.token_ids}
    assert all(tuple(row) in real for row in np.reshape(batch["fresh_token_ids"].numpy(), (-1, 6)))
