import tensorflow as tf
import tensorflow_datasets as tfds

from tfarae.config import DataConfig
from tfarae.data.sources import load_corpus
from tfarae.data.tokenizer import split_words


def test_grammar_corpus_has_an_oracle_and_disjoint_seeds():
    corpus = load_corpus(DataConfig(grammar_train_size=50, grammar_valid_size=20))
    assert len(corpus.train) == 50 and len(corpus.valid) == 20
    assert all(corpus.oracle(s) for s in corpus.train + corpus.valid)
    assert corpus.train[:20] != corpus.valid


def test_files_corpus_reads_lines_with_a_label_per_file(tmp_path):
    (tmp_path / "neg.txt").write_text("bad food .\n\nawful service .\n")
    (tmp_path / "pos.txt").write_text("great food .\n")
    files = [str(tmp_path / "neg.txt"), str(tmp_path / "pos.txt")]
    config = DataConfig(source="files", train_files=files, valid_files=files[1:], train_labels=[0, 1],
                        valid_labels=[1])
    config.validate()
    corpus = load_corpus(config)
    assert corpus.train == ["bad food .", "awful service .", "great food ."]
    assert corpus.train_labels == [0, 0, 1] and corpus.valid_labels == [1]
    assert corpus.oracle is None


def test_tfds_snli_uses_premises_and_hypotheses():
    with tfds.testing.mock_data(num_examples=3):
        corpus = load_corpus(DataConfig(source="tfds_snli"))
    assert len(corpus.train) == 6 and len(corpus.valid) == 6
    assert all(isinstance(s, str) for s in corpus.train)


def test_tf_text_backend_splits_punctuation():
    assert split_words(["Hello, world!"], backend="tf_text").to_list() == [[b"hello", b",", b"world", b"!"]]


def test_tfds_yelp_splits_reviews_into_labelled_sentences():
    reviews = {"text": [b"Great food. Loved it!\\n\\nWould come again? yes", b"Cold soup.  Rude staff"],
               "label": [1, 0]}

    def as_dataset(self, split, **kwargs):
        return tf.data.Dataset.from_tensor_slices(reviews)

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        corpus = load_corpus(DataConfig(source="tfds_yelp"))
    assert corpus.train == ["Great food.", "Loved it!", "Would come again?", "yes", "Cold soup.", "Rude staff"]
    assert corpus.train_labels == [1, 1, 1, 1, 0, 0] and corpus.valid_labels == corpus.train_labels
    assert corpus.label_names == ("negative", "positive")
