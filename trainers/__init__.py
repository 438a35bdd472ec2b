"""Trainers (installed as `tfarae.trainers`): one Keras Model per regularizer, with its train_step."""

from tfarae.trainers.aae import AAETrainer
from tfarae.trainers.arae import ARAETrainer
from tfarae.trainers.base import AutoencoderTrainer
from tfarae.trainers.dae import DenoisingTrainer
from tfarae.trainers.transfer import TransferTrainer
from tfarae.trainers.vae import VAETrainer
from tfarae.trainers.wae import WAETrainer

__all__ = ["AAETrainer", "ARAETrainer", "AutoencoderTrainer", "DenoisingTrainer", "TransferTrainer", "VAETrainer", "WAETrainer"]
