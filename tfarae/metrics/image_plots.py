"""PNG pictures of image models: sample grids, interpolation strips, and 2-D codes coloured by label.

Grids are written pixel for pixel (one PNG pixel per image pixel, times `scale`) with
`matplotlib.image.imsave` in grey levels, 0 black and 1 white; the code scatter is a matplotlib figure.
"""

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.image  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
import numpy as np  # noqa: E402

LEGEND_WIDTH = 0.8  # inches right of the code scatter for its legend


def image_grid(images, columns, padding=2, pad_value=0.5):
    """Tiles images row by row into one grey-level picture.

    Args:
        images: `[N, H, W, 1]` or `[N, H, W]`, values in [0, 1] (clipped).
        columns: tiles per row; the rows are `ceil(N / columns)`, empty tiles are `pad_value`.
        padding: pixels between tiles and around the border.
        pad_value: grey level of the border and of empty tiles (0.5: neither black nor white).

    Returns:
        float32 `[rows * (H + padding) + padding, columns * (W + padding) + padding]`.
    """
    images = np.clip(np.asarray(images, np.float32), 0.0, 1.0)
    if images.ndim == 4:
        if images.shape[-1] != 1:
            raise ValueError(f"image_grid takes one channel, got images of shape {images.shape}")
        images = images[..., 0]
    if images.ndim != 3 or not len(images):
        raise ValueError(f"image_grid takes images [N, H, W(, 1)], got shape {images.shape}")
    count, height, width = images.shape
    rows = math.ceil(count / columns)
    grid = np.full((rows * (height + padding) + padding, columns * (width + padding) + padding), pad_value,
                   np.float32)
    for i, image in enumerate(images):
        top = padding + (i // columns) * (height + padding)
        left = padding + (i % columns) * (width + padding)
        grid[top : top + height, left : left + width] = image
    return grid


def write_image_grid(images, path, columns=10, padding=2, scale=1):
    """Writes `images [N, H, W(, 1)]` in [0, 1] as one grey-level PNG grid.

    Args:
        images, columns, padding: as `image_grid` (the border and empty tiles are mid grey).
        path: the PNG file.
        scale: every pixel becomes a `scale x scale` block (a larger picture to look at).

    Returns:
        The picture of `image_grid`, before scaling.
    """
    grid = image_grid(images, columns, padding)
    matplotlib.image.imsave(path, np.kron(grid, np.ones((scale, scale), np.float32)), cmap="gray", vmin=0.0,
                            vmax=1.0)
    return grid


def write_interpolation_strips(strips, path, padding=2, scale=1):
    """Writes interpolations as a PNG with one path per row, its steps left to right.

    Args:
        strips: `[R, S, H, W(, 1)]` in [0, 1]: R paths of S images each (e.g. the decodings of
            `tfarae.metrics.latent.linear_path` between two codes, the endpoints first and last).
        path: the PNG file.

    Returns:
        The grid as written (see `write_image_grid`).
    """
    strips = np.asarray(strips, np.float32)
    if strips.ndim not in (4, 5):
        raise ValueError(f"interpolation strips are [R, S, H, W(, 1)], got shape {strips.shape}")
    return write_image_grid(strips.reshape((-1,) + strips.shape[2:]), path, columns=strips.shape[1],
                            padding=padding, scale=scale)


def plot_code_scatter(codes, labels, path, title="", size=5.0, dpi=100):
    """Writes a scatter plot of 2-D codes coloured by their digit label (AAE, Makhzani et al. 2016, Fig. 2).

    Label `k` gets colour `Ck` of matplotlib's default cycle (tab10), so a digit keeps its colour
    across figures; points are drawn in the order given, and only the labels present are in the legend.

    Args:
        codes: `[N, 2]`.
        labels: int `[N]`, 0-9.
        path: the PNG file, `size * dpi` pixels high and `(size + LEGEND_WIDTH) * dpi` wide.
        title: figure title.
    """
    codes, labels = np.asarray(codes), np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] != 2 or len(labels) != len(codes):
        raise ValueError(f"code scatter takes codes [N, 2] and labels [N], got {codes.shape} and {labels.shape}")
    figure, axis = plt.subplots(figsize=(size + LEGEND_WIDTH, size))
    # One scatter in the data's order, so no digit is drawn over all the others.
    axis.scatter(codes[:, 0], codes[:, 1], s=4, color=[f"C{int(label)}" for label in labels])
    legend = [Line2D([], [], linestyle="", marker="o", color=f"C{int(label)}", label=str(label))
              for label in np.unique(labels)]
    axis.legend(handles=legend, fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    axis.set_aspect("equal", adjustable="datalim")
    axis.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=dpi)
    plt.close(figure)
