"""Binarized image sources (shared files, TFDS mocks, embedded digits) and their tf.data batches."""

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfarae.data import images
from tfarae.data.images import (ImageSplit, binarized_mnist, digits, eval_image_dataset, mnist, threshold,
                                train_image_dataset)

SHARED_MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "mnist")


def _binary(pixels):
    return bool(np.all((pixels == 0) | (pixels == 1)))


def test_digits_are_binary_28x28_with_scikit_learns_labels_in_order():
    train, test, every = digits("train"), digits("test"), digits("all")
    assert train.pixels.shape == (1500, 28, 28, 1) and test.pixels.shape == (297, 28, 28, 1)
    assert train.pixels.dtype == np.float32 and train.labels.dtype == np.int32
    assert _binary(every.pixels) and 0.1 < every.pixels.mean() < 0.2
    assert every.labels[:10].tolist() == list(range(10))
    np.testing.assert_array_equal(np.concatenate([train.pixels, test.pixels]), every.pixels)
    np.testing.assert_array_equal(np.concatenate([train.labels, test.labels]), every.labels)


def test_digits_sit_in_a_20x20_box_and_the_first_zero_has_a_hole():
    pixels = digits("all").pixels[..., 0]
    assert not pixels[:, :4].any() and not pixels[:, 24:].any()
    assert not pixels[:, :, :4].any() and not pixels[:, :, 24:].any()
    zero = pixels[0]
    assert zero[14, 14] == 0 and zero[14, 8:12].any() and zero[14, 16:22].any()
    assert zero[4:10, 14].any() and zero[20:24, 14].any()


def test_threshold_is_above_half_intensity():
    assert threshold(np.array([0, 127, 128, 255] * 196, np.uint8)).reshape(-1)[:4].tolist() == [0, 0, 1, 1]


def test_mnist_file_is_thresholded_and_keeps_labels_aligned(tmp_path):
    x = np.zeros((3, 28, 28), np.uint8)
    x[0, 0, 0], x[1, 5, 7], x[2, 5, 7] = 200, 128, 127
    path = str(tmp_path / "mnist.npz")
    np.savez(path, x_train=x, y_train=np.array([4, 1, 9], np.uint8), x_test=x[:1], y_test=np.array([2], np.uint8))
    train = mnist("train", path=path)
    assert train.pixels.shape == (3, 28, 28, 1) and train.labels.tolist() == [4, 1, 9]
    assert train.labels.dtype == np.int32
    assert train.pixels.sum() == 2 and train.pixels[0, 0, 0, 0] == 1 and train.pixels[1, 5, 7, 0] == 1
    assert mnist("test", path=path, source="file").labels.tolist() == [2]


def test_binarized_file_is_read_row_major_without_labels(tmp_path):
    arrays = {split: np.zeros((n, 784), np.uint8) for split, n in [("train", 4), ("valid", 2), ("test", 1)]}
    arrays["valid"][1, 28 * 3 + 5] = 1
    path = str(tmp_path / "binarized.npz")
    np.savez(path, **arrays)
    valid = binarized_mnist("valid", path=path)
    assert valid.pixels.shape == (2, 28, 28, 1) and valid.labels is None
    assert valid.pixels.sum() == 1 and valid.pixels[1, 3, 5, 0] == 1
    assert binarized_mnist("train", path=path).pixels.shape == (4, 28, 28, 1)


def test_errors_are_one_line_and_name_the_file_and_the_alternatives(tmp_path):
    missing = str(tmp_path / "nowhere.npz")
    with pytest.raises(FileNotFoundError, match="nowhere.npz") as error:
        binarized_mnist("train", path=missing)
    assert "source='tfds'" in str(error.value) and "digits" in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        mnist("train", path=missing, source="auto")  # an explicit path never falls back to TFDS
    with pytest.raises(ValueError, match="unknown split 'valid' of mnist; choose one of train, test"):
        mnist("valid")
    with pytest.raises(ValueError, match="unknown split 'validation' of binarized_mnist"):
        binarized_mnist("validation")
    with pytest.raises(ValueError, match="unknown split 'dev' of digits"):
        digits("dev")
    with pytest.raises(ValueError, match="unknown image source 'web'"):
        mnist("train", source="web")
    np.savez(str(tmp_path / "partial.npz"), x_train=np.zeros((1, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="has no array 'y_train'"):
        mnist("train", path=str(tmp_path / "partial.npz"))


def test_tfds_binarized_mnist_through_a_mock():
    with tfds.testing.mock_data(num_examples=5):
        valid = binarized_mnist("valid", source="tfds")
    assert valid.pixels.shape == (5, 28, 28, 1) and valid.pixels.dtype == np.float32
    assert _binary(valid.pixels) and valid.labels is None


def test_tfds_mnist_through_a_mock_is_thresholded_with_its_labels(monkeypatch):
    monkeypatch.setattr(images, "MNIST_PATH", "/nonexistent/mnist.npz")  # auto: no default file, so TFDS
    with tfds.testing.mock_data(num_examples=5):
        test = mnist("test")
        raw = next(iter(tfds.as_numpy(tfds.load("mnist", split="test").batch(5))))
    np.testing.assert_array_equal(test.pixels, threshold(raw["image"]))
    assert test.labels.tolist() == raw["label"].tolist() and test.labels.dtype == np.int32


def _shared(name):
    path = os.path.join(SHARED_MNIST, name)
    if not os.path.exists(path):
        pytest.skip(f"{os.path.normpath(path)} is absent (shared benchmark data, not shipped with the project)")
    return path


def test_shared_binarized_mnist_file():
    path = _shared("binarized_mnist.npz")
    for split, size in [("train", 50_000), ("valid", 10_000), ("test", 10_000)]:
        data = binarized_mnist(split, path=path)
        assert data.pixels.shape == (size, 28, 28, 1) and data.labels is None
    assert _binary(data.pixels) and 0.1 < data.pixels.mean() < 0.16


def test_shared_mnist_file_has_the_published_order():
    path = _shared("mnist.npz")
    train, test = mnist("train", path=path), mnist("test", path=path)
    assert train.pixels.shape == (60_000, 28, 28, 1) and test.pixels.shape == (10_000, 28, 28, 1)
    assert train.labels[:5].tolist() == [5, 0, 4, 1, 9] and test.labels[:4].tolist() == [7, 2, 1, 0]
    assert _binary(test.pixels) and 0.1 < test.pixels.mean() < 0.16


def _numbered(count):
    """Images whose row `i % 28` is lit, labelled `i`: a batch's labels must match its pixels."""
    pixels = np.zeros((count, 28, 28, 1), np.float32)
    pixels[np.arange(count), np.arange(count) % 28] = 1.0
    return ImageSplit(pixels, np.arange(count, dtype=np.int32))


def test_training_batches_are_seeded_shuffles_with_aligned_labels():
    split = _numbered(100)
    dataset = train_image_dataset(split, 16, seed=3)
    epoch = list(dataset.as_numpy_iterator())
    assert len(epoch) == 6  # 100 // 16, remainder dropped
    first = epoch[0]
    assert first["pixels"].shape == (16, 28, 28, 1) and first["pixels"].dtype == np.float32
    assert first["label"].dtype == np.int32
    for batch in epoch:
        lit_rows = batch["pixels"][..., 0].max(axis=2).argmax(axis=1)
        np.testing.assert_array_equal(lit_rows, batch["label"] % 28)
    labels = np.concatenate([batch["label"] for batch in epoch])
    assert len(set(labels.tolist())) == 96 and labels.tolist() != sorted(labels.tolist())
    again = next(iter(train_image_dataset(split, 16, seed=3).as_numpy_iterator()))["label"]
    assert again.tolist() == first["label"].tolist()
    assert next(iter(train_image_dataset(split, 16, seed=4).as_numpy_iterator()))["label"].tolist() != again.tolist()
    second_epoch = next(iter(dataset.as_numpy_iterator()))["label"]
    assert second_epoch.tolist() != first["label"].tolist()  # reshuffled every epoch
    with pytest.raises(ValueError, match="only 100 training images, fewer than one batch of 128"):
        train_image_dataset(split, 128, seed=0)


def test_eval_batches_are_in_order_and_unlabelled_splits_have_no_label():
    batches = list(eval_image_dataset(_numbered(10), 4).as_numpy_iterator())
    assert [len(b["label"]) for b in batches] == [4, 4, 2]
    assert np.concatenate([b["label"] for b in batches]).tolist() == list(range(10))
    unlabelled = next(iter(eval_image_dataset(ImageSplit(np.zeros((3, 28, 28, 1), np.float32)), 2)))
    assert set(unlabelled) == {"pixels"}
