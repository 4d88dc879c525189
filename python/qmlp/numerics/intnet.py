"""The network's integer inference, defined once: the golden model of qmlp:accel:mlp.

Per image (all integer, bit-exact with the hardware), for weight bits WB_l in {8, 4, 2} per
layer and activation bits AB_l in {8, 4, 2} per hidden layer:
  x   = pixel codes, Q(8, FL_IN):   code = quantize(pixel / 255, 8, FL_IN) (host side)
  for the two hidden layers l:
    acc = sum_k x[k] * W_l[j][k]            W_l codes of Q(WB_l, FL_W_l); exact in int32
    z   = sat_T(requant(acc, S_l))          T-bit index, Q(T, FL_Z); S_l = FL_x + FL_W_l - FL_Z
    x'  = TANH_l[z]                         LUT of 2**T entries -> Q(AB_l, AB_l - 1)
  layer 3: logits = acc (int32), class = argmax (first maximum on ties)
FL_x is FL_IN for layer 1 and the previous layer's AB - 1 after it. At WB = AB = 8 this is
the int8 network of the first round, unchanged. Quantization-aware training (qmlp.nn.qat)
computes exactly this function in its forward pass.
The accelerator (like the lab's network) has no biases: a model trained with --bias is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qmlp.numerics import fixedpoint as fx
from qmlp.numerics import golden
from qmlp.errors import QmlpError
from qmlp.params import BITS
from typing import TYPE_CHECKING

if TYPE_CHECKING:                      # a quantized model (qmlp.nn.quant) is passed in, never loaded here
    from qmlp.nn.quant import QuantModel


@dataclass(frozen=True)
class IntFormats:
    """Fixed-point formats of the integer pipeline (the weights' fl come from the model)."""

    fl_in: int = 7       # input pixels in [0, 1] as Q(8, 7) (1.0 saturates to 127/128)
    fl_z: int = 5        # tanh LUT index as Q(T, FL_Z): T=8, FL_Z=5 spans [-4, 4) in steps of 1/32
    idx_bits: int = 8    # T: LUT of 2**T entries (hls4ml uses 1,024 over [-4, 4); 256 scored the same here)
    abits: tuple = (8, 8)   # bits of the two hidden layers' tanh outputs, Q(AB, AB - 1) each

    def __post_init__(self):
        object.__setattr__(self, "abits", tuple(int(a) for a in self.abits))

    @property
    def fl_acts(self) -> tuple[int, int]:
        """Fraction length of each hidden layer's output: tanh in (-1, 1) as Q(AB, AB - 1)."""
        return tuple(a - 1 for a in self.abits)

    def check(self) -> None:
        for name in ("fl_in", "fl_z"):
            fx.check_format(8, getattr(self, name))
        if not 4 <= self.idx_bits <= 12:
            raise QmlpError(f"tanh LUT index width {self.idx_bits} out of range 4..12 bits")
        if len(self.abits) != 2 or any(a not in BITS for a in self.abits):
            raise QmlpError(f"activation bits {list(self.abits)}: need 2 values (one per hidden layer), each "
                            f"one of {', '.join(map(str, BITS))}")


@dataclass
class IntNet:
    """Everything the hardware holds: weight codes, shifts, the tanh table."""

    fmt: IntFormats
    w_codes: list[np.ndarray]           # int8, out x in, each within its layer's WB bits
    w_fls: list[int]
    shifts: list[int]                   # requant shifts of the two hidden layers
    tanh_luts: list[np.ndarray]         # per hidden layer: int8, 2**T entries, index = z code + 2**(T-1)
    meta: dict = field(default_factory=dict)
    w_bits: list[int] = field(default_factory=lambda: [8, 8, 8])

    @property
    def tanh_lut(self) -> np.ndarray:
        """The first hidden layer's table (the only one when both layers have the same bits)."""
        return self.tanh_luts[0]


def tanh_table(fmt: IntFormats, layer: int = 0) -> np.ndarray:
    """TANH_l[i] = quantize(tanh(z * 2**-FL_Z), AB_l, AB_l - 1) for z = i - 2**(T-1)."""
    z = np.arange(-(1 << (fmt.idx_bits - 1)), 1 << (fmt.idx_bits - 1), dtype=np.int64)
    return fx.to_codes(np.tanh(np.ldexp(z.astype(np.float64), -fmt.fl_z)), fmt.abits[layer],
                       fmt.fl_acts[layer]).astype(np.int8)


def build(q: QuantModel, fmt: IntFormats | None = None) -> IntNet:
    """The integer network of quantized model q: weight bits from q, activation bits from fmt
    (default: the model's own, 8 for a post-training quantized model)."""
    if fmt is None:
        fmt = IntFormats(abits=tuple(getattr(q, "abits", None) or (8, 8)))
    fmt.check()
    wls = list(getattr(q, "wls", None) or [q.wl] * 3)
    for i, wl in enumerate(wls):
        if wl not in BITS:
            raise QmlpError(f"layer {i + 1}: the accelerator takes {', '.join(map(str, BITS))}-bit weights, the "
                            f"quantized model has wl={wl}")
    qa = getattr(q, "abits", None)
    if qa and tuple(qa) != tuple(fmt.abits):
        raise QmlpError(f"the quantized model was trained for activation bits {list(qa)}, not {list(fmt.abits)}")
    fl_x = [fmt.fl_in, fmt.fl_acts[0], fmt.fl_acts[1]]
    shifts = []
    for l in range(2):
        # S < 0 (few fraction bits at low precision): the index is acc * 2**-S, exact
        shifts.append(fl_x[l] + q.fls[l] - fmt.fl_z)
        if not -16 <= shifts[-1] <= 31:
            raise QmlpError(f"layer {l + 1}: requantization shift {shifts[-1]} (FL_x + FL_W - FL_Z) is out of "
                            "range -16..31")
    if q.bias_codes is not None:
        raise QmlpError("the accelerator computes the lab's bias-free network; this model has biases "
                        "(train without --bias)")
    for i, (c, wl) in enumerate(zip(q.codes, wls)):
        lo, hi = fx.code_range(wl)
        if np.size(c) and (np.min(c) < lo or np.max(c) > hi):
            raise QmlpError(f"layer {i + 1}: weight codes exceed the {wl}-bit range {lo}..{hi}")
    return IntNet(fmt, [np.asarray(c, np.int8) for c in q.codes], list(q.fls), shifts,
                  [tanh_table(fmt, 0), tanh_table(fmt, 1)], {"quant": q.meta}, wls)


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
        sh = net.shifts[l]
        z = golden.sat(golden.requant(acc, sh) if sh >= 0 else acc * (1 << -sh), net.fmt.idx_bits)
        x = net.tanh_luts[l][z + half]
        acts.append(x)
    classes = np.argmax(logits, axis=1)
    return (logits, classes, acts) if trace else (logits, classes)


def accuracy(net: IntNet, u8_images: np.ndarray, labels: np.ndarray) -> float:
    _, cls = forward(net, pixels_to_codes(u8_images, net.fmt))
    return float(100.0 * np.mean(cls == labels))

