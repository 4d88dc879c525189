"""The network's int8 inference, defined once: the golden model of qmlp:accel:mlp.

Per image (all integer, bit-exact with the hardware):
  x   = pixel codes, Q(8, FL_IN):   code = quantize(pixel / 255, 8, FL_IN) (host side)
  for the two hidden layers l:
    acc = sum_k x[k] * W_l[j][k]            exact in int32 (ACC_W = 32; cannot overflow here)
    z   = sat_T(requant(acc, S_l))          T-bit index, Q(T, FL_Z); S_l = FL_x + FL_W_l - FL_Z
    x'  = TANH[z]                           LUT of 2**T entries -> Q(8, FL_ACT)
  layer 3: logits = acc (int32), class = argmax (first maximum on ties)
The accelerator (like the lab's network) has no biases: a model trained with --bias is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qmlp.numerics import fixedpoint as fx
from qmlp.numerics import golden
from qmlp.errors import QmlpError
from typing import TYPE_CHECKING

if TYPE_CHECKING:                      # a quantized model (qmlp.nn.quant) is passed in, never loaded here
    from qmlp.nn.quant import QuantModel


@dataclass(frozen=True)
class IntFormats:
    """Fixed-point formats of the integer pipeline (the weights' fl come from the model)."""

    fl_in: int = 7       # input pixels in [0, 1] as Q(8, 7) (1.0 saturates to 127/128)
    fl_act: int = 7      # tanh outputs in (-1, 1) as Q(8, 7)
    fl_z: int = 5        # tanh LUT index as Q(T, FL_Z): T=8, FL_Z=5 spans [-4, 4) in steps of 1/32
    idx_bits: int = 8    # T: LUT of 2**T entries (hls4ml uses 1,024 over [-4, 4); 256 scored the same here)

    def check(self) -> None:
        for name in ("fl_in", "fl_act", "fl_z"):
            fx.check_format(8, getattr(self, name))
        if not 4 <= self.idx_bits <= 12:
            raise QmlpError(f"tanh LUT index width {self.idx_bits} out of range 4..12 bits")


@dataclass
class IntNet:
    """Everything the hardware holds: weight codes, shifts, the tanh table."""

    fmt: IntFormats
    w_codes: list[np.ndarray]           # int8, out x in
    w_fls: list[int]
    shifts: list[int]                   # requant shifts of the two hidden layers
    tanh_lut: np.ndarray                # int8, 2**T entries, index = z code + 2**(T-1)
    meta: dict = field(default_factory=dict)


def tanh_table(fmt: IntFormats) -> np.ndarray:
    """TANH[i] = quantize(tanh(z * 2**-FL_Z), 8, FL_ACT) for z = i - 2**(T-1)."""
    z = np.arange(-(1 << (fmt.idx_bits - 1)), 1 << (fmt.idx_bits - 1), dtype=np.int64)
    return fx.to_codes(np.tanh(np.ldexp(z.astype(np.float64), -fmt.fl_z)), 8, fmt.fl_act).astype(np.int8)


def build(q: QuantModel, fmt: IntFormats = IntFormats()) -> IntNet:
    fmt.check()
    if q.wl != 8:
        raise QmlpError(f"the accelerator needs wl=8 weights, the quantized model has wl={q.wl}")
    fl_x = [fmt.fl_in, fmt.fl_act, fmt.fl_act]
    shifts = []
    for l in range(2):
        s = fl_x[l] + q.fls[l] - fmt.fl_z
        if s < 0:
            raise QmlpError(f"layer {l + 1}: FL_x + FL_W = {fl_x[l] + q.fls[l]} is below FL_Z = {fmt.fl_z}: "
                            "no right shift can requantize it (choose a smaller fl_z)")
        shifts.append(s)
    if q.bias_codes is not None:
        raise QmlpError("the accelerator computes the lab's bias-free network; this model has biases "
                        "(train without --bias)")
    return IntNet(fmt, [np.asarray(c, np.int8) for c in q.codes], list(q.fls), shifts, tanh_table(fmt),
                  {"quant": q.meta})


def pixels_to_codes(u8: np.ndarray, fmt: IntFormats = IntFormats()) -> np.ndarray:
    """Host-side input conversion: uint8 pixels -> int8 codes of Q(8, FL_IN)."""
    x = np.asarray(u8, dtype=np.float64) / 255.0
    return fx.to_codes(x, 8, fmt.fl_in, "pixels").astype(np.int8)


def forward(net: IntNet, x_codes: np.ndarray, trace: bool = False):
    """(logits int64 N x 10, classes N) of int8 input codes (N x 784); trace adds layer outputs."""
    x = np.asarray(x_codes)
    if x.ndim != 2 or x.shape[1] != net.w_codes[0].shape[1]:
        raise QmlpError(f"input codes must be N x {net.w_codes[0].shape[1]}, got {x.shape}")
    half = 1 << (net.fmt.idx_bits - 1)
    acts = []
    for l in range(3):
        acc = golden.matmul_acc_i8(x, net.w_codes[l].T, 32)
        if l == 2:
            logits = acc
            break
        z = golden.sat(golden.requant(acc, net.shifts[l]), net.fmt.idx_bits)
        x = net.tanh_lut[z + half]
        acts.append(x)
    classes = np.argmax(logits, axis=1)
    return (logits, classes, acts) if trace else (logits, classes)


def accuracy(net: IntNet, u8_images: np.ndarray, labels: np.ndarray) -> float:
    _, cls = forward(net, pixels_to_codes(u8_images, net.fmt))
    return float(100.0 * np.mean(cls == labels))

