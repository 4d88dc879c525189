"""A quantized model as plain data: per layer integer weight codes of Q(wl_layer, fl_layer).

Made by post-training quantization (qmlp.nn.quant, the sweep) or quantization-aware training
(qmlp.nn.qat), read by the integer golden model (qmlp.numerics.intnet). Biases stay float32
values here: the integer network quantizes them at its accumulators' scale. `act_fls` is the
output fraction length of each hidden layer whose activation is calibrated (relu, identity;
None for the bounded ones, whose format follows from their range). `thresholds` (an imported
model whose scales are not powers of two, qmlp.numerics.thresholds): per hidden layer None or an
int64 array N x (HI - LO) of ascending integer thresholds on the accumulator; such a layer's
output code is LO + #{k : acc >= T[n][k]} (hardware kind "thresh"), its bias is folded into the
thresholds, and its act_fl is its scale's fraction length (a power-of-two scale) or 0 (a float
scale: its codes are integers in the next layer's units).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qmlp.errors import QmlpError
from qmlp.numerics import fixedpoint as fx
from qmlp.spec import LAB, NetSpec, per_layer


@dataclass
class QuantModel:
    wl: int
    fls: list[int]                          # fraction length per layer
    codes: list[np.ndarray]                 # int codes, torch layout (out x in)
    biases: list[np.ndarray] | None = None  # float32 per layer (zeros where the spec has none)
    meta: dict = field(default_factory=dict)
    wls: list[int] | None = None            # word length per layer (QAT); None: wl for every layer
    abits: tuple | None = None              # activation bits per hidden layer (QAT); None: any (8)
    spec: NetSpec = LAB
    act_fls: tuple | None = None            # per hidden layer: output fl of relu/identity, else None
    thresholds: list | None = None          # per hidden layer: None or int64 N x (HI - LO) thresholds

    def __post_init__(self):
        n = self.spec.n_layers
        self.wls = [int(w) for w in per_layer(self.wls if self.wls is not None else self.wl, n, "weight bits")]
        if self.act_fls is None:
            self.act_fls = (None,) * (n - 1)
        self.act_fls = tuple(None if f is None else int(f) for f in self.act_fls)
        if self.thresholds is not None:
            if len(self.thresholds) != n - 1:
                raise QmlpError(f"{len(self.thresholds)} threshold arrays for {n - 1} hidden layers")
            self.thresholds = [None if t is None else np.asarray(t, np.int64) for t in self.thresholds]
            if all(t is None for t in self.thresholds):
                self.thresholds = None

    def thresh(self, l: int):
        """Hidden layer l's thresholds (N x count) or None."""
        return None if self.thresholds is None else self.thresholds[l]

    def weights(self, dtype=np.float32) -> list[np.ndarray]:
        return [fx.from_codes(c, fl, dtype) for c, fl in zip(self.codes, self.fls)]
