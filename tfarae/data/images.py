"""Binarized digit images: binarized MNIST, thresholded MNIST, the embedded scikit-learn digits, tf.data input.

Every source returns an `ImageSplit`: float32 pixels `[N, 28, 28, 1]` with values in {0, 1} and,
where the source has them, int32 labels `[N]` (0-9). Batches are dicts:
  pixels        float32 [B, 28, 28, 1]
  fresh_pixels  float32 [B, k, 28, 28, 1]   training only, k > 0: further real batches per step, as
                                            `fresh_token_ids` of `tfarae.data.pipeline` (ARAE's critic)
  label         int32 [B]                   only when the split has labels

Sources (ARAE.md §3): the fixed binarization of Larochelle & Murray (`binarized_mnist`), labelled
MNIST thresholded at half intensity (`mnist`), and `digits`, scikit-learn's bundled 8x8 digits
upsampled to 28x28, which needs no download.
"""

import dataclasses
import os
from typing import Optional

import numpy as np
import tensorflow as tf

IMAGE_SHAPE = (28, 28, 1)
BINARIZED_MNIST_PATH = "../shared/data/mnist/binarized_mnist.npz"
MNIST_PATH = "../shared/data/mnist/mnist.npz"
SOURCES = ("auto", "file", "tfds")
DIGITS_TRAIN_SIZE = 1500  # of scikit-learn's 1,797 digits; the remaining 297 are the test split


@dataclasses.dataclass
class ImageSplit:
    """One split of binarized images, with labels when the source has them."""

    pixels: np.ndarray  # float32 [N, 28, 28, 1], values in {0, 1}
    labels: Optional[np.ndarray] = None  # int32 [N], or None


def _check_split(dataset, split, splits):
    if split not in splits:
        raise ValueError(f"unknown split {split!r} of {dataset}; choose one of {', '.join(splits)}")


def _resolve_source(source, path, default_path):
    """Returns `("file", path)` or `("tfds", None)` for a loader's `source` and `path` arguments."""
    if source not in SOURCES:
        raise ValueError(f"unknown image source {source!r}; choose one of {', '.join(SOURCES)}")
    if source == "tfds":
        return "tfds", None
    if source == "auto" and path is None and not os.path.exists(default_path):
        return "tfds", None
    return "file", path or default_path


def _read_npz(path, dataset, keys):
    """Returns the arrays `keys` of an .npz file (no pickles), or raises a one-line error naming the file."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{dataset} file {path} not found; pass path=, use source='tfds' (downloads) "
                                f"or the embedded digits (tfarae.data.images.digits)")
    with np.load(path, allow_pickle=False) as arrays:
        missing = [key for key in keys if key not in arrays]
        if missing:
            raise ValueError(f"{path} has no array {missing[0]!r}; {dataset} needs {', '.join(keys)}")
        return [arrays[key] for key in keys]


def _read_tfds(name, split):
    """Returns `(images uint8 [N, 28, 28, 1], labels or None)` of a TFDS split (downloads on first use)."""
    import tensorflow_datasets as tfds

    images, labels = [], []
    for batch in tfds.as_numpy(tfds.load(name, split=split).batch(10_000)):
        images.append(batch["image"])
        if "label" in batch:
            labels.append(batch["label"])
    return np.concatenate(images), (np.concatenate(labels) if labels else None)


def _labels(labels):
    return None if labels is None else np.asarray(labels, np.int32)


def binarized_mnist(split="train", path=None, source="auto"):
    """Returns a split of binarized MNIST (Larochelle & Murray 2011; no labels).

    Args:
        split: `train` (50,000), `valid` (10,000) or `test` (10,000).
        path: an .npz with arrays `train`, `valid`, `test` (uint8 {0, 1}, `[N, 784]`, row-major
            28x28); default `BINARIZED_MNIST_PATH` (relative to the working directory).
        source: `file` reads `path`; `tfds` reads TFDS `binarized_mnist` (downloads on first use);
            `auto` reads the default file when it exists and no `path` is given, else TFDS. An
            explicit `path` is always read, never replaced by TFDS.

    Returns:
        `ImageSplit` with `labels` None; a pixel is 1 where the stored value is nonzero.
    """
    _check_split("binarized_mnist", split, ("train", "valid", "test"))
    source, path = _resolve_source(source, path, BINARIZED_MNIST_PATH)
    if source == "tfds":
        images, _ = _read_tfds("binarized_mnist", "validation" if split == "valid" else split)
    else:
        (images,) = _read_npz(path, "binarized_mnist", [split])
    pixels = (np.asarray(images).reshape((-1,) + IMAGE_SHAPE) > 0).astype(np.float32)
    return ImageSplit(pixels)


def threshold(images):
    """Returns float32 `[N, 28, 28, 1]`: 1 where a pixel (0..255) is brighter than half, `pixel / 255 > 0.5`.

    Compared as `pixel > 127.5`, the same test without an intermediate float array.
    """
    return (np.asarray(images).reshape((-1,) + IMAGE_SHAPE) > 127.5).astype(np.float32)


def mnist(split="train", path=None, source="auto"):
    """Returns a split of labelled MNIST, thresholded at half intensity.

    Args:
        split: `train` (60,000) or `test` (10,000).
        path: an .npz with `x_{split}` (uint8 `[N, 28, 28]`, 0..255) and `y_{split}` (0..9);
            default `MNIST_PATH` (relative to the working directory).
        source: `file`, `tfds` (TFDS `mnist`, downloads on first use) or `auto`, as in `binarized_mnist`.

    Returns:
        `ImageSplit` with pixels `threshold(images)` and int32 labels.
    """
    _check_split("mnist", split, ("train", "test"))
    source, path = _resolve_source(source, path, MNIST_PATH)
    if source == "tfds":
        images, labels = _read_tfds("mnist", split)
    else:
        images, labels = _read_npz(path, "mnist", [f"x_{split}", f"y_{split}"])
    return ImageSplit(threshold(images), _labels(labels))


def digits(split="train"):
    """Returns scikit-learn's bundled handwritten digits (1,797 images, 8x8, 0..16), binarized at 28x28.

    Each image is scaled to [0, 1] (divided by 16), resized to 20x20 by bilinear interpolation
    (`tf.image.resize`, half-pixel centres), padded with 4 zero pixels on every side (MNIST's
    20x20 digit box in its 28x28 frame) and thresholded at 0.5. The splits keep scikit-learn's
    order (its first ten digits are 0, 1, ..., 9).

    Args:
        split: `train` (the first 1,500), `test` (the last 297) or `all`.

    Returns:
        `ImageSplit` with int32 labels.
    """
    from sklearn.datasets import load_digits

    _check_split("digits", split, ("train", "test", "all"))
    bunch = load_digits()
    rows = {"train": slice(None, DIGITS_TRAIN_SIZE), "test": slice(DIGITS_TRAIN_SIZE, None), "all": slice(None)}[split]
    small = bunch.images[rows, :, :, None].astype(np.float32) / 16.0
    large = tf.image.resize(small, (20, 20), method="bilinear").numpy()
    padded = np.pad(large, ((0, 0), (4, 4), (4, 4), (0, 0)))
    return ImageSplit((padded > 0.5).astype(np.float32), _labels(bunch.target[rows]))


def _examples(images):
    features = {"pixels": images.pixels}
    if images.labels is not None:
        features["label"] = images.labels
    return tf.data.Dataset.from_tensor_slices(features)


def train_image_dataset(images, batch_size, seed, shuffle_buffer=None, fresh_batches=0):
    """Returns one epoch of shuffled batches (reshuffled every epoch, remainder dropped).

    Args:
        images: an `ImageSplit`.
        batch_size: global batch size B.
        seed: shuffling seed.
        shuffle_buffer: images in the shuffle buffer; default the whole split (a full shuffle).
        fresh_batches: k, further real batches each step gets as `fresh_pixels` (0: none), drawn
            from their own repeated shuffle (seed + 1) as the text pipeline's.

    Returns:
        `tf.data.Dataset` of `{"pixels": float32 [B, 28, 28, 1][, "fresh_pixels": [B, k, 28, 28, 1]]
        [, "label": int32 [B]]}`.
    """
    if len(images.pixels) < batch_size:
        raise ValueError(f"only {len(images.pixels)} training images, fewer than one batch of {batch_size}")
    buffer = min(shuffle_buffer or len(images.pixels), len(images.pixels))
    dataset = _examples(images).shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size, drop_remainder=True)
    if fresh_batches:
        fresh = (tf.data.Dataset.from_tensor_slices(images.pixels).repeat().shuffle(buffer, seed=seed + 1)
                 .batch(batch_size * fresh_batches, drop_remainder=True)
                 .map(lambda pixels: tf.reshape(pixels, [batch_size, fresh_batches, *IMAGE_SHAPE])))
        dataset = tf.data.Dataset.zip(dataset, fresh).map(lambda batch, pixels: {**batch, "fresh_pixels": pixels})
    return dataset.prefetch(tf.data.AUTOTUNE)


def eval_image_dataset(images, batch_size):
    """Returns the batches of an `ImageSplit` in order, the last partial batch kept (same dicts as training)."""
    return _examples(images).batch(batch_size).prefetch(tf.data.AUTOTUNE)


MNIST_VALID_SIZE = 10_000  # labelled MNIST's last training images, held out for validation (as binarized MNIST's)


def load_images(data_config):
    """Returns `(train, valid)` `ImageSplit`s of `data_config.image_source` (a `tfarae.config.DataConfig`).

    `digits`: scikit-learn's first 1,500 / last 297; `binarized_mnist`: its train / valid splits
    (50,000 / 10,000); `mnist`: the first 50,000 / last 10,000 training images (the test split stays unseen).
    """
    source = data_config.image_source
    if source == "digits":
        return digits("train"), digits("test")
    if source == "binarized_mnist":
        return binarized_mnist("train"), binarized_mnist("valid")
    if source == "mnist":
        every = mnist("train")
        keep = len(every.pixels) - MNIST_VALID_SIZE
        return (ImageSplit(every.pixels[:keep], every.labels[:keep]),
                ImageSplit(every.pixels[keep:], every.labels[keep:]))
    raise ValueError(f"unknown data.image_source {source!r}")
