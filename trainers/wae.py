"""The Wasserstein autoencoder with the MMD penalty (WAE-MMD; Tolstikhin, Bousquet, Gelly & Schölkopf 2018)."""

import keras
from keras import ops

from tfarae.config.schema import MMD_SCALES
from tfarae.trainers.base import num_replicas, replica_rows
from tfarae.trainers.regularized import PriorTrainer


def _squared_distances(a, b):
    """Returns `||a_i − b_j||²`, `[N, M]`, of `a [N, D]` and `b [M, D]`."""
    norms_a, norms_b = ops.sum(ops.square(a), axis=1), ops.sum(ops.square(b), axis=1)
    return ops.maximum(norms_a[:, None] + norms_b[None, :] - 2.0 * a @ ops.transpose(b), 0.0)


def imq_mmd(codes, prior, scales=MMD_SCALES):
    """Returns the unbiased estimate of MMD² between `codes [N, D]` and prior samples `[M, D]` (WAE, Algorithm 2).

    The kernel is the inverse multiquadratic `k(x, y) = c / (c + ||x − y||²)` summed over
    `c = 2 D σ² s` for each s in `scales`, with σ² = 1, the variance of the prior N(0, I). Each kernel
    term is averaged over distinct pairs: `k(x, x')` over N(N−1), `k(y, y')` over M(M−1) and
    `−2 k(x, y)` over NM. About 0 when both sets come from one distribution; may be slightly negative.

    Returns:
        A float32 scalar.
    """
    codes, prior = ops.cast(codes, "float32"), ops.cast(prior, "float32")
    constants = 2.0 * codes.shape[1] * ops.convert_to_tensor(scales, "float32")[:, None, None]

    def mean_kernel(a, b, distinct):
        kernels = constants / (constants + _squared_distances(a, b)[None])  # [S, N, M]
        total = ops.sum(kernels, axis=(1, 2))
        rows, cols = ops.cast(ops.shape(a)[0], "float32"), ops.cast(ops.shape(b)[0], "float32")
        if distinct:  # leave out k(x, x) = 1 for each scale
            return (total - rows) / (rows * (rows - 1.0))
        return total / (rows * cols)

    within = mean_kernel(codes, codes, True) + mean_kernel(prior, prior, True)
    return ops.sum(within - 2.0 * mean_kernel(codes, prior, False))


@keras.saving.register_keras_serializable(package="tfarae")
class WAETrainer(PriorTrainer):
    """The AE trainer plus `mmd_lambda × MMD(codes, prior samples)`, with unbounded codes and the prior N(0, I).

    Each step draws one prior sample per sentence and adds the `imq_mmd` of the batch's codes to
    the reconstruction loss (in the same update). The code noise of `AutoencoderTrainer`
    (`noise_std`) applies to the decoded codes, not to the MMD's (WAE's encoder is deterministic:
    set it to 0). Under several replicas each replica's MMD is of its own rows (an unbiased
    estimate of the same MMD²), and the penalty is their mean, not the MMD of the global batch.

    Args:
        encoder: a `tfarae.models.Encoder` with the `linear` head.
        decoder: as `AutoencoderTrainer`.
        mmd_lambda: λ, the weight of the MMD against the per-token reconstruction loss.
        mmd_scales: the kernel constant's multiples (see `imq_mmd`).
        **kwargs: `AutoencoderTrainer` arguments.

    Tracker: `mmd`. `train_step` input: `token_ids [B, T]`.
    """

    encoder_head = "linear"

    def __init__(self, encoder, decoder, mmd_lambda=10.0, mmd_scales=MMD_SCALES, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.mmd_lambda = mmd_lambda
        self.mmd_scales = [float(s) for s in mmd_scales]
        self.mmd_tracker = keras.metrics.Mean(name="mmd")

    @property
    def metrics(self):
        return super().metrics + [self.mmd_tracker]

    def _training_codes(self, token_ids):
        """The AE's codes and code noise, with `mmd_lambda × MMD(codes, N(0, I) samples)` as the penalty."""
        codes, decoded, _ = super()._training_codes(token_ids)
        prior = replica_rows(lambda rows: keras.random.normal((rows, self.encoder.code_dim), seed=self.seed_generator),
                             ops.shape(codes)[0])
        mmd = imq_mmd(codes, prior, self.mmd_scales)
        self.mmd_tracker.update_state(mmd)
        return codes, decoded, self.mmd_lambda * mmd / num_replicas()

    def get_config(self):
        return {**super().get_config(), "mmd_lambda": self.mmd_lambda, "mmd_scales": self.mmd_scales}
