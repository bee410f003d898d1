"""What a model is: ``ModelConfig`` (the fields every family reads, and the run
records' key) and the switches of paper 000's authors' computation.

Some fields mean different things in different families. Their names are stored (in every
spec.json and experiment key) and stay; ``FIELD_MEANINGS`` says what each means in each
family, and each family reads its own through a property that names it and refuses
another family's configuration:

========== =============== ===================================== ==========================
field      family          meaning                               read as
========== =============== ===================================== ==========================
layers     lstm_baseline   stacked unidirectional LSTM layers    ``lstm_layers``
layers     cnn_bilstm_stl  stacked transformer layers (0: none)  ``transformer_layers``
heads      lstm_sa,        soft-attention vectors (their         ``attention_vectors``
           reslstm_sa      outputs concatenated)
heads      cnn_bilstm_stl  attention heads per transformer layer ``attention_heads``
variant    dense_lstm      skip-connection attention: general |  ``dense_attention``
                           time | feature
variant    multitask_cnn   loss weighting: sum | uncertainty |   ``loss_weighting``
                           weighted_average
========== =============== ===================================== ==========================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ser_utils.data.corpus import N_CLASSES

# ``ModelConfig.computation``'s two named values (stored in run records and experiment keys):
MASKED_COMPUTATION = "masked"        # this project's computation: padded frames masked out
AUTHORS_COMPUTATION = "reference"    # every part of paper 000's authors' computation (COMPUTATION_PARTS)


@dataclass(frozen=True)
class ModelConfig:
    """What ``build_model`` needs. ``name``: lstm_baseline | lstm_sa | reslstm_sa, or one
    of the papers' other architectures (``dense_lstm.py``, ``cnn_bilstm_stl.py``, ``multitask_cnn.py``): dense_lstm |
    cnn_bilstm_stl | multitask_cnn."""

    name: str = "reslstm_sa"
    input_dim: int = 46
    hidden: int = 64
    layers: int = 1          # per family (FIELD_MEANINGS): lstm_layers | transformer_layers
    pooling: str = "last"    # lstm_baseline only: last | concat
    heads: int = 1           # per family (FIELD_MEANINGS): attention_vectors | attention_heads
    dropout: float = 0.3
    n_classes: int = N_CLASSES
    # The fields below serve the other papers' models (and the fidelity ladder); at their defaults they
    # are left out of ``to_dict`` so that older run records keep their keys.
    variant: str = ""        # per family (FIELD_MEANINGS): dense_attention | loss_weighting
    widths: tuple = ()       # dense_lstm: LSTM widths; CNNs: conv channels (0 = 2x2 pooling, multitask_cnn)
    dense: int = 0           # width of the dense / shared fully connected layer
    crop: int = 0            # multitask_cnn: frames per crop
    image: int = 0           # multitask_cnn: resize the crop to image x image (the paper's size: 224)
    n_speakers: int = 0      # multitask_cnn: speaker-head classes (set per fold by the trainer)
    computation: str = MASKED_COMPUTATION  # or AUTHORS_COMPUTATION, or parts joined by "+" (COMPUTATION_PARTS)

    def __post_init__(self):
        object.__setattr__(self, "widths", tuple(self.widths))
        object.__setattr__(self, "computation", canonical_computation(self.computation))

    def _as(self, field: str, meaning: str):
        """``field``'s value, read as ``meaning`` (a ``FIELD_MEANINGS`` entry), for the families
        where the field has that meaning; another family's configuration is a ``ValueError``."""
        families = FAMILIES_OF[(field, meaning)]
        if self.name not in families:
            raise ValueError(f"{meaning} is {' / '.join(families)}'s reading of ModelConfig.{field}; "
                             f"this configuration is {self.name!r}")
        return getattr(self, field)

    @property
    def lstm_layers(self) -> int:
        """lstm_baseline: the stacked LSTM layers (``layers``)."""
        return self._as("layers", "lstm_layers")

    @property
    def transformer_layers(self) -> int:
        """cnn_bilstm_stl: the stacked transformer layers on Z0, 0 for none (``layers``)."""
        return self._as("layers", "transformer_layers")

    @property
    def attention_vectors(self) -> int:
        """lstm_sa / reslstm_sa: the soft-attention vectors (``heads``)."""
        return self._as("heads", "attention_vectors")

    @property
    def attention_heads(self) -> int:
        """cnn_bilstm_stl: the attention heads of each transformer layer (``heads``)."""
        return self._as("heads", "attention_heads")

    @property
    def dense_attention(self) -> str:
        """dense_lstm: how the skip connections attend, general | time | feature (``variant``)."""
        return self._as("variant", "dense_attention")

    @property
    def loss_weighting(self) -> str:
        """multitask_cnn: how the three tasks' losses are weighted (``variant``)."""
        return self._as("variant", "loss_weighting")

    @property
    def parts(self) -> frozenset:
        """The parts of the authors' computation this configuration uses."""
        return computation_parts(self.computation)

    def label(self) -> str:
        widths = "x".join(str(w) for w in self.widths if w)
        if self.name == "lstm_baseline":
            return f"RNN-l{self.lstm_layers}-h{self.hidden}-{self.pooling}"
        if self.name in ("lstm_sa", "reslstm_sa"):
            base = {"lstm_sa": "LSTM-SA", "reslstm_sa": "ResLSTM-SA"}[self.name]
            return f"{base}-h{self.hidden}" + (f"-k{self.attention_vectors}" if self.attention_vectors != 1 else "")
        if self.name == "dense_lstm":
            return f"DenseLSTM-{self.dense_attention}-h{widths}"
        if self.name == "cnn_bilstm_stl":
            return f"CNN-BiLSTM-STL{self.transformer_layers}-h{self.hidden}"
        if self.name == "multitask_cnn":
            return f"MT-CNN-{self.loss_weighting}" + (f"-{self.image}px" if self.image else f"-c{widths}")
        raise ValueError(f"unknown model {self.name!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        defaults = {f.name: f.default for f in fields(self)}
        for name in OPTIONAL_FIELDS:
            if d[name] == defaults[name]:
                del d[name]
        if "widths" in d:
            d["widths"] = list(d["widths"])
        return d


OPTIONAL_FIELDS = ("variant", "widths", "dense", "crop", "image", "n_speakers", "computation")

# What a field shared by families means in each: {field: {reading: (families, meaning)}}. The
# properties of the same names read them (``ModelConfig.lstm_layers`` ...).
FIELD_MEANINGS = {
    "layers": {"lstm_layers": (("lstm_baseline",), "stacked unidirectional LSTM layers"),
               "transformer_layers": (("cnn_bilstm_stl",), "stacked transformer layers on Z0 (0: none)")},
    "heads": {"attention_vectors": (("lstm_sa", "reslstm_sa"), "soft-attention vectors, outputs concatenated"),
              "attention_heads": (("cnn_bilstm_stl",), "attention heads of each transformer layer")},
    "variant": {"dense_attention": (("dense_lstm",), "skip-connection attention: general | time | feature"),
                "loss_weighting": (("multitask_cnn",), "loss weighting: sum | uncertainty | weighted_average")},
}
FAMILIES_OF = {(field, reading): families for field, readings in FIELD_MEANINGS.items()
               for reading, (families, _) in readings.items()}

# The ways the paper-000 authors' code (Mak-Sim/ResLSTM-SER) computes differently from the
# masked default, one switch each so the fidelity ladder can take them one at a time:
COMPUTATION_PARTS = {
    "unmasked": "attention softmax and BatchNorm statistics include the zero-padded frames",
    "authors_init": "output layer Xavier-uniform with zero bias (PyTorch's default init otherwise)",
    "random_order": "training batches drawn in random order (no length pooling)",
    "eval_batches": "evaluation in batches of the training batch size, in file order",
}


def computation_parts(computation: str) -> frozenset:
    """``masked`` (``MASKED_COMPUTATION``) -> no part; ``reference`` (``AUTHORS_COMPUTATION``)
    -> every part; else parts joined by ``+``."""
    if computation == MASKED_COMPUTATION:
        return frozenset()
    if computation == AUTHORS_COMPUTATION:
        return frozenset(COMPUTATION_PARTS)
    parts = frozenset(computation.split("+"))
    unknown = sorted(parts - set(COMPUTATION_PARTS))
    if unknown:
        raise ValueError(f"computation must be {MASKED_COMPUTATION!r}, {AUTHORS_COMPUTATION!r} or parts of "
                         f"{sorted(COMPUTATION_PARTS)} joined by '+', not {computation!r} (unknown: {unknown})")
    return parts


def canonical_computation(computation: str) -> str:
    """One spelling per set of parts (so equal computations share run records)."""
    parts = computation_parts(computation)
    if not parts:
        return MASKED_COMPUTATION
    if parts == set(COMPUTATION_PARTS):
        return AUTHORS_COMPUTATION
    return "+".join(p for p in COMPUTATION_PARTS if p in parts)
