"""The models: ``config`` (ModelConfig), ``layers`` (what the families share), one file
per family (``baseline``, ``lstm_sa``, ``dense_lstm``, ``cnn_bilstm_stl``,
``multitask_cnn``), ``registry`` (config -> model) and ``cost`` (FLOPs, CPU time)."""

from ser_utils.models.baseline import LSTMBaseline, paper001_configs
from ser_utils.models.cnn_bilstm_stl import CNNBiLSTMSTL
from ser_utils.models.config import (
    AUTHORS_COMPUTATION,
    COMPUTATION_PARTS,
    MASKED_COMPUTATION,
    ModelConfig,
    canonical_computation,
    computation_parts,
)
from ser_utils.models.dense_lstm import DenseLSTM
from ser_utils.models.lstm_sa import LSTMSA, ResLSTMSA, paper000_configs
from ser_utils.models.multitask_cnn import MultitaskCNN
from ser_utils.models.registry import MODELS, PAPER_SIZES, QUICK, build_model, count_parameters, parameters_of

__all__ = ["AUTHORS_COMPUTATION", "COMPUTATION_PARTS", "MASKED_COMPUTATION", "CNNBiLSTMSTL", "DenseLSTM",
           "LSTMBaseline", "LSTMSA", "MODELS", "ModelConfig",
           "MultitaskCNN", "QUICK", "ResLSTMSA", "PAPER_SIZES", "build_model", "canonical_computation",
           "computation_parts", "count_parameters", "paper000_configs", "paper001_configs", "parameters_of"]
