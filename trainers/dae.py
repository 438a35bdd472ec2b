"""The denoising autoencoder of text: the encoder reads a corrupted sentence, the decoder writes the clean one."""

import keras

from tfarae.data.tokenizer import UNK_ID
from tfarae.trainers.regularized import RegularizedAutoencoderTrainer
from tfarae.trainers.text_noise import blank_words, drop_words, shuffle_words, substitute_words


@keras.saving.register_keras_serializable(package="tfarae")
class DenoisingTrainer(RegularizedAutoencoderTrainer):
    """The AE trainer whose encoder reads noisy input (Vincent et al. 2008; text: Hill et al. 2016, Lample et al. 2018).

    `corrupt` applies, in Lample et al.'s order, a local shuffle (no word moves more than
    `shuffle_k`), word dropout, word blanking (`<unk>`) and word substitution (a uniformly drawn
    vocabulary word), each with its own draw per word; a noise at 0 draws nothing. The code noise
    of `AutoencoderTrainer` (`noise_std`) applies on top. Sampling: a Gaussian fitted to the
    codes, as the AE baseline.

    Args:
        encoder, decoder: as `AutoencoderTrainer` (the encoder with the `unit_sphere` head).
        word_dropout: probability of removing each word.
        word_blank: probability of replacing each word by `<unk>`.
        word_substitute: probability of replacing each word by a random vocabulary word.
        shuffle_k: the largest move of a word in the local shuffle (0: none).
        **kwargs: `AutoencoderTrainer` arguments.

    `train_step` input: `token_ids [B, T]`.
    """

    def __init__(self, encoder, decoder, word_dropout=0.1, word_blank=0.0, word_substitute=0.0, shuffle_k=3,
                 **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.word_dropout = word_dropout
        self.word_blank = word_blank
        self.word_substitute = word_substitute
        self.shuffle_k = shuffle_k

    def corrupt(self, token_ids):
        """Returns a noisy copy of `token_ids [B, T]`, still `words + <eos>` then `<pad>` (see the class docstring)."""
        if self.shuffle_k:
            token_ids = shuffle_words(token_ids, self._draw_like(token_ids), self.shuffle_k)
        if self.word_dropout:
            token_ids = drop_words(token_ids, self._draw_like(token_ids), self.word_dropout)
        if self.word_blank:
            token_ids = blank_words(token_ids, self._draw_like(token_ids), self.word_blank)
        if self.word_substitute:
            words = self._draw_like(token_ids, lambda shape, seed: keras.random.randint(
                shape, UNK_ID + 1, self.encoder.vocab_size, dtype="int32", seed=seed))
            token_ids = substitute_words(token_ids, self._draw_like(token_ids), self.word_substitute, words)
        return token_ids

    def _training_codes(self, token_ids):
        """The AE's codes and code noise, of the corrupted sentence; no penalty."""
        return super()._training_codes(self.corrupt(token_ids))

    def get_config(self):
        return {**super().get_config(), "word_dropout": self.word_dropout, "word_blank": self.word_blank,
                "word_substitute": self.word_substitute, "shuffle_k": self.shuffle_k}
