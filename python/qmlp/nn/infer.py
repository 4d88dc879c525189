"""The lab's Part III in numpy: the three inference modes, computed by the golden models.

- f32:   every layer float32 x float32 (golden.matmul_f32),
- f32i8: every layer float32 activations x int8 weight codes (golden.matmul_f32i8),
- i8:    layer 1 as f32i8; its tanh outputs quantized to Q(8, fl_a); layer 2 by the int8 x int8
         golden model (ACC_W, SHIFT) and rescaled to real values; layer 3 as f32i8.
These are exactly the functions the hardware checks use: one source of truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qmlp.numerics import fixedpoint as fx
from qmlp.numerics import golden
from qmlp.errors import QmlpError
from qmlp.nn.forward import act32
from qmlp.nn.model import FloatModel
from qmlp.nn.quant import QuantModel

MODES = ("f32", "f32i8", "i8")


@dataclass
class I8Config:
    """Formats of the int8 layer. The lab: fl_a=4, acc_w=16, shift=0."""

    fl_a: int = 7          # layer-1 activations (tanh outputs in (-1, 1)) as Q(8, fl_a)
    acc_w: int = 32        # accumulator width; 16 is the lab's int16 sum
    shift: int | None = None  # None: fl_a + fl_w - fl_out, so that outputs land in Q(8, fl_out)
    fl_out: int = 5        # Q(8, 5) spans [-4, 4): where tanh does its work

    def resolve_shift(self, fl_w: int) -> int:
        s = self.shift if self.shift is not None else max(self.fl_a + fl_w - self.fl_out, 0)
        golden.check_acc(self.acc_w, s)
        return s


def _need_int8(q: QuantModel | None, mode: str) -> QuantModel:
    if q is None:
        raise QmlpError(f"mode {mode} needs a quantized model (run qmlp sweep, or pass --quant)")
    if q.wl > 8:
        raise QmlpError(f"mode {mode} needs int8 weights, the quantized model has wl={q.wl}")
    return q


def _bias_f32(b, h):
    return golden.f32_add(h, b[None, :]) if b is not None else h


def logits(mode: str, x: np.ndarray, fmodel: FloatModel | None = None, qmodel: QuantModel | None = None,
           i8: I8Config | None = None) -> np.ndarray:
    """Logits (float32, N x classes) of the network in one of MODES."""
    if mode not in MODES:
        raise QmlpError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    m = fmodel if mode == "f32" else _need_int8(qmodel, mode)
    if m is None:
        raise QmlpError("mode f32 needs a float model")
    spec = m.spec
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != spec.inputs:
        raise QmlpError(f"input must be N x {spec.inputs}, got shape {x.shape}")
    n = spec.n_layers
    bs = m.biases or [None] * n
    if mode == "i8" and n < 2:
        raise QmlpError("mode i8 runs layer 2 in int8: this network has one layer (use f32i8)")
    h = x
    for i in range(n):
        if mode == "f32":
            h = _bias_f32(bs[i], golden.matmul_f32(h, m.weights[i].T))
        elif mode == "i8" and i == 1:
            # the lab's int8 layer: activations as Q(8, fl_a), int8 x int8, requantized to Q(8, fl_out)
            cfg = i8 or I8Config()
            shift = cfg.resolve_shift(m.fls[1])
            a = fx.to_codes(h, 8, cfg.fl_a, "layer-1 activations")
            c = golden.matmul_i8(a, m.codes[1].T, cfg.acc_w, shift)
            h = _bias_f32(bs[1], fx.from_codes(c, cfg.fl_a + m.fls[1] - shift, np.float32))
        else:
            h = _bias_f32(bs[i], golden.matmul_f32i8(h, m.codes[i].T, m.fls[i]))
        if i < n - 1:
            h = act32(spec.acts[i], h)
    return h


def test_accuracy(mode: str, x: np.ndarray, y: np.ndarray, fmodel: FloatModel | None = None,
                  qmodel: QuantModel | None = None, i8: I8Config | None = None, chunk: int = 500,
                  progress: bool = False) -> float:
    """Accuracy (%) of a mode over a data set, in chunks (the k loops hold N x out arrays)."""
    from qmlp.nn.forward import accuracy
    from qmlp.progress import bar

    if len(x) == 0:
        raise QmlpError("no test images: an accuracy over zero images is undefined")
    parts = [slice(i, i + chunk) for i in range(0, len(x), chunk)]
    out = []
    b = bar(len(parts), f"infer {mode}", "chunk", progress)
    for c in parts:
        out.append(logits(mode, x[c], fmodel, qmodel, i8))
        b.update(1)
    b.close()
    return accuracy(np.concatenate(out), y)
