"""From a ``ModelConfig`` to a model: one entry per family, and each family's
CPU-sized (``QUICK``) and paper-sized (``PAPER_SIZES``) configuration. A new family is one
file in this folder and one line in ``MODELS``."""

from __future__ import annotations

from torch import nn

from ser_utils.models.baseline import LSTMBaseline
from ser_utils.models.cnn_bilstm_stl import CNNBiLSTMSTL
from ser_utils.models.config import ModelConfig
from ser_utils.models.dense_lstm import DenseLSTM
from ser_utils.models.lstm_sa import LSTMSA, ResLSTMSA
from ser_utils.models.multitask_cnn import MultitaskCNN

MODELS = {"lstm_baseline": LSTMBaseline, "lstm_sa": LSTMSA, "reslstm_sa": ResLSTMSA,
          "dense_lstm": DenseLSTM, "cnn_bilstm_stl": CNNBiLSTMSTL, "multitask_cnn": MultitaskCNN}


def build_model(cfg: ModelConfig) -> nn.Module:
    if cfg.name not in MODELS:
        raise ValueError(f"unknown model {cfg.name!r}; expected one of {sorted(MODELS)}")
    return MODELS[cfg.name](cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def parameters_of(cfg: ModelConfig) -> int:
    """The trainable parameters of the model ``cfg`` builds."""
    return count_parameters(build_model(cfg))


VGG11 = (64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0)

# CPU-sized configurations (the quick profile) and the papers' own sizes (for a GPU).
QUICK = {
    "dense_lstm": ModelConfig("dense_lstm", widths=(64, 64), dense=64, dropout=0.3),
    "cnn_bilstm_stl": ModelConfig("cnn_bilstm_stl", widths=(8, 16, 32), hidden=16, layers=5, heads=4, dropout=0.2),
    "multitask_cnn": ModelConfig("multitask_cnn", input_dim=64, widths=(8, 0, 16, 0, 32, 0, 64, 0), dense=128,
                                 crop=256, dropout=0.5),
}
PAPER_SIZES = {
    "dense_lstm": ModelConfig("dense_lstm", widths=(256, 256), dense=128, dropout=0.3),
    "cnn_bilstm_stl": ModelConfig("cnn_bilstm_stl", widths=(16, 32, 64, 64, 128, 128), hidden=24, layers=5,
                                  heads=4, dropout=0.2),
    "multitask_cnn": ModelConfig("multitask_cnn", input_dim=64, widths=VGG11, dense=2048, crop=256, image=224,
                                 dropout=0.5),
}
