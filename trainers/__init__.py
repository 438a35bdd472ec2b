"""Trainers (installed as `tfarae.trainers`): one Keras Model per regularizer, with its train_step."""

from tfarae.trainers.arae import ARAETrainer
from tfarae.trainers.base import AutoencoderTrainer
from tfarae.trainers.transfer import TransferTrainer

__all__ = ["ARAETrainer", "AutoencoderTrainer", "TransferTrainer"]
