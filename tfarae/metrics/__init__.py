"""Metrics of generated and reconstructed text, codes and language models (ARAE.md §4).

Submodules: `generation` (sample statistics), `lm` (the LSTM LM of forward/reverse perplexity),
`reconstruction` (BLEU), `robustness` (word swaps), `code_stats` (code-space statistics and the
`CodeStatistics` callback), `latent` (interpolation, vector arithmetic), `tensorboard` (reading
logged curves), `plots` (PNG figures), `image_plots` (image grids, interpolation strips, 2-D code
scatter), `clustering` (clusters of the AAE's categorical codes and their error), `transfer` (attribute-transfer oracle and BLEU), `report` (report.json key definitions, report.md). `tfarae.evaluate`
runs them all on a run directory.
"""

from tfarae.metrics.generation import distinct_n, sample_statistics

__all__ = ["distinct_n", "sample_statistics"]
