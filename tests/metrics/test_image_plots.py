"""PNG pictures of image models, read back pixel by pixel."""

import matplotlib.colors
import matplotlib.image
import numpy as np
import pytest

from tfarae.metrics.image_plots import (LEGEND_WIDTH, image_grid, plot_code_scatter, write_image_grid,
                                        write_interpolation_strips)

GREY = 128 / 255  # the colour map's level for 0.5, the border and empty tiles


def _tile(picture, row, column, size=28, padding=2):
    top, left = padding + row * (size + padding), padding + column * (size + padding)
    return picture[top : top + size, left : left + size]


def test_grid_png_puts_each_image_in_its_tile(tmp_path):
    images = np.stack([np.zeros((28, 28, 1)), np.ones((28, 28, 1)), np.full((28, 28, 1), 0.25)])
    path = str(tmp_path / "grid.png")
    write_image_grid(images, path, columns=2)
    picture = matplotlib.image.imread(path)
    assert picture.shape == (2 * 30 + 2, 2 * 30 + 2, 4)
    grey = picture[..., 0]
    np.testing.assert_allclose(grey, picture[..., 1])  # grey levels
    assert (_tile(grey, 0, 0) == 0).all() and (_tile(grey, 0, 1) == 1).all()
    np.testing.assert_allclose(_tile(grey, 1, 0), 0.25, atol=1 / 255)
    np.testing.assert_allclose(_tile(grey, 1, 1), GREY, atol=1e-6)  # the empty fourth tile
    np.testing.assert_allclose(grey[:2], GREY, atol=1e-6)  # border
    np.testing.assert_allclose(grey[:, 30:32], GREY, atol=1e-6)  # between columns


def test_scale_enlarges_every_pixel_to_a_block(tmp_path):
    images = np.zeros((1, 4, 4, 1))
    images[0, 1, 2] = 1.0
    path = str(tmp_path / "big.png")
    write_image_grid(images, path, columns=1, padding=1, scale=3)
    grey = matplotlib.image.imread(path)[..., 0]
    assert grey.shape == (18, 18)
    top, left = 3 * (1 + 1), 3 * (1 + 2)
    assert (grey[top : top + 3, left : left + 3] == 1).all() and grey.sum() == pytest.approx(9 + GREY * (36 - 16) * 9)


def test_grid_clips_values_and_takes_images_with_or_without_a_channel():
    images = np.array([[[2.0, -1.0], [0.5, 0.0]]])
    grid = image_grid(images, columns=1, padding=0)
    np.testing.assert_array_equal(grid, [[1.0, 0.0], [0.5, 0.0]])
    np.testing.assert_array_equal(image_grid(images[..., None], columns=1, padding=0), grid)
    with pytest.raises(ValueError, match="one channel"):
        image_grid(np.zeros((2, 28, 28, 3)), columns=2)
    with pytest.raises(ValueError, match=r"images \[N, H, W\(, 1\)\], got shape \(0, 28, 28\)"):
        image_grid(np.zeros((0, 28, 28)), columns=2)


def test_interpolation_strips_are_one_path_per_row_left_to_right(tmp_path):
    steps = np.linspace(0.0, 1.0, 5)
    strips = np.ones((2, 5, 28, 28, 1)) * steps[None, :, None, None, None]
    strips[1] = strips[1, ::-1]  # the second path runs from white to black
    path = str(tmp_path / "strips.png")
    write_interpolation_strips(strips, path)
    grey = matplotlib.image.imread(path)[..., 0]
    assert grey.shape == (2 * 30 + 2, 5 * 30 + 2)
    for step, level in enumerate(steps):
        np.testing.assert_allclose(_tile(grey, 0, step), level, atol=1 / 255)
        np.testing.assert_allclose(_tile(grey, 1, step), 1.0 - level, atol=1 / 255)
    with pytest.raises(ValueError, match="interpolation strips are"):
        write_interpolation_strips(np.zeros((5, 28, 28)), path)


def _pixels_of(picture, colour):
    """Returns `(rows, columns)` of the pixels drawn in a matplotlib colour (within 0.02 per channel)."""
    return np.nonzero(np.all(np.abs(picture[..., :3] - matplotlib.colors.to_rgb(colour)) < 0.02, axis=-1))


def test_code_scatter_colours_each_digit_where_its_codes_are(tmp_path):
    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal(-2.0, 0.3, (300, 2)), rng.normal(2.0, 0.3, (300, 2))])
    labels = np.repeat([0, 3], 300)
    path = str(tmp_path / "codes.png")
    plot_code_scatter(codes, labels, path, title="codes", size=4.0, dpi=100)
    picture = matplotlib.image.imread(path)
    assert picture.shape == (400, int((4.0 + LEGEND_WIDTH) * 100), 4)
    zeros, threes = _pixels_of(picture, "C0"), _pixels_of(picture, "C3")
    assert len(zeros[0]) > 500 and len(threes[0]) > 500
    assert len(_pixels_of(picture, "C1")[0]) == 0  # only the labels present are drawn
    assert zeros[1].mean() < threes[1].mean()  # the 0s' codes are left of the 3s'
    assert zeros[0].mean() > threes[0].mean()  # and below them (image rows grow downwards)
    with pytest.raises(ValueError, match=r"codes \[N, 2\] and labels \[N\]"):
        plot_code_scatter(np.zeros((4, 3)), np.zeros(4), path)
