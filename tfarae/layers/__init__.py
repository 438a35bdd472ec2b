"""Reusable layers: the projected LSTM (and its fast training pass) and the weight-clipping constraint."""

from tfarae.layers.constraints import ClipWeights
from tfarae.layers.lstm import ProjectedLSTM

__all__ = ["ClipWeights", "ProjectedLSTM"]
