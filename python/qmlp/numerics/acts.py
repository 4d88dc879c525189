"""The activation registry: what each activation word of the network spec computes, in every stage.

One entry per word of `qmlp.spec.ACTIVATIONS`, read by training (its torch function), the float
models and the sweep (its numpy function), the integer golden model and the ROM writer (how the
hardware computes it and in which output format) and the cost model (`hw`):

  hw "table"  z = sat_T(requant(acc, S)), a T-bit index of Q(T, FL_Z); the output is a table of
              2**T entries: TABLE[z] = quantize(f(z * 2**-FL_Z)) (tanh, sigmoid: any elementwise
              function whose range is bounded)
  hw "clamp"  a = clamp(requant(acc, S), LO, HI): no table (relu, identity, hardtanh)

Output formats follow the activation's range. A signed output (tanh, hardtanh, identity) is an
AB-bit two's-complement code. An unsigned one (relu, sigmoid) is a code in [0, 2**XB-1 - 1] of
XB = min(AB + 1, 8) signed bits: the full AB-bit unsigned range at 2 and 4 bits (a ReLU at 2 bits
keeps its four levels), 7 bits at 8 (activations travel in byte containers, and the dsp2 MAC's
exactness proof needs |x| <= 128: qmlp.hw.macs). XB is what the next layer's multipliers take.
The fraction length of a bounded activation's output is fixed by its range (XB - 1: tanh and
hardtanh in [-1, 1), sigmoid in [0, 1)); relu's and identity's is chosen from the data
(`fl_for_range`) and stored in the quantized model.

At 1 bit an activation is bipolar (qmlp.numerics.bipolar): the sign of the sum, acc >= 0 -> +1,
else -1, for the signed activations only (tanh, hardtanh, identity; relu and sigmoid at 1 bit are
refused). Its hardware kind is then "sign" whatever the activation (`hw_kind`): no table, no
requantization. The RTL builds it as the clamp code (ACT 1) with a 1-bit output (OB = 1): a clamp
to the bipolar format is the sign. The output byte is the code sign-extended, 0x01 or 0xFF, like
every other width; XB = 1, and the next layer's 1-bit operand is the stored bit b = ~byte[7].
Its fl: a bounded activation's is 0 (codes +-1 are +-1.0); identity's is calibrated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qmlp.errors import QmlpError
from qmlp.numerics import bipolar
from qmlp.spec import ACTIVATIONS


@dataclass(frozen=True)
class Act:
    name: str
    hw: str                 # "table" | "clamp"
    signed: bool            # output range includes negative values
    bounded: bool           # output fl fixed by the range (XB - 1); else calibrated
    fl_z: int = 5           # table index format Q(T, FL_Z) (tables only)

    def f(self, x: np.ndarray) -> np.ndarray:
        """The function in float64 (the tables and the float models use it)."""
        x = np.asarray(x, dtype=np.float64)
        if self.name == "tanh":
            return np.tanh(x)
        if self.name == "sigmoid":
            return 0.5 * (1.0 + np.tanh(0.5 * x))          # = 1/(1+exp(-x)), no overflow
        if self.name == "relu":
            return np.maximum(x, 0.0)
        if self.name == "hardtanh":
            return np.clip(x, -1.0, 1.0)
        return x

    def torch(self, x):
        import torch

        if self.name == "tanh":
            return torch.tanh(x)
        if self.name == "sigmoid":
            return torch.sigmoid(x)
        if self.name == "relu":
            return torch.relu(x)
        if self.name == "hardtanh":
            return torch.clamp(x, -1.0, 1.0)
        return x

    def xbits(self, abits: int) -> int:
        """Signed bits of the output code (the next layer's multiplier operand); 1 = bipolar."""
        bipolar.check_act(self.name, self.signed, abits)
        return abits if self.signed else min(abits + 1, 8)

    def code_range(self, abits: int) -> tuple[int, int]:
        xb = self.xbits(abits)
        if xb == bipolar.BIPOLAR:
            return bipolar.code_range(xb)
        return (-(1 << (xb - 1)) if self.signed else 0), (1 << (xb - 1)) - 1

    def hw_kind(self, abits: int) -> str:
        """How the hardware computes the output at these bits: "sign" at 1 bit, else `hw`."""
        return "sign" if self.xbits(abits) == bipolar.BIPOLAR else self.hw

    def fixed_fl(self, abits: int) -> int:
        """Output fraction length of a bounded activation."""
        return self.xbits(abits) - 1


REGISTRY: dict[str, Act] = {
    "tanh": Act("tanh", "table", True, True, fl_z=5),          # index spans [-4, 4)
    "sigmoid": Act("sigmoid", "table", False, True, fl_z=4),   # [-8, 8)
    "hardtanh": Act("hardtanh", "clamp", True, True),
    "relu": Act("relu", "clamp", False, False),
    "identity": Act("identity", "clamp", True, False),
}
assert set(REGISTRY) == set(ACTIVATIONS)
# qmlp_mlp_layer's ACT parameter; 2 = logits (last layer). "sign" is the clamp code with OB = 1.
# "thresh" (3): per-neuron integer thresholds on the accumulator (FINN's MultiThreshold), the
# hardware kind of an imported layer whose scales are not powers of two (qmlp.numerics.thresholds):
# code = LO + #{k : acc >= T[n][k]}, LO..HI the activation's code range at its bits.
HW_CODES = {"table": 0, "clamp": 1, "sign": 1, "thresh": 3}
THRESH = "thresh"
# at most 2**4 - 1 = 15 thresholds per neuron: one comparator each in the lane
MAX_THRESH_ABITS = 4


def thresh_count(act: "Act", abits: int) -> int:
    """Thresholds per neuron of a threshold layer: HI - LO of the activation's code range (3 for a
    2-bit relu, 15 for a 4-bit one); refused above 4 bits and at 1 bit."""
    if abits == bipolar.BIPOLAR or abits > MAX_THRESH_ABITS:
        raise QmlpError(f"a threshold activation at {abits} bits: qmlp's threshold layers take 2 to "
                        f"{MAX_THRESH_ABITS} activation bits (at most {(1 << MAX_THRESH_ABITS) - 1} thresholds "
                        "per neuron, one comparator each); quantize the activations to 2 or 4 bits")
    lo, hi = act.code_range(abits)
    return hi - lo


def get(name: str) -> Act:
    try:
        return REGISTRY[name]
    except KeyError:
        raise QmlpError(f"activation {name!r} is not one of {', '.join(ACTIVATIONS)}") from None


def input_bits(acts, abits) -> list[int]:
    """Signed bits of each layer's input codes: 8 for the network's input (Q(8, 7)), then each
    hidden layer's output (an unsigned activation takes one bit more, up to 8)."""
    return [8] + [get(a).xbits(int(b)) for a, b in zip(acts, abits)]


def fl_for_range(act: Act, abits: int, top: float) -> int:
    """The output fraction length of a calibrated activation whose values reach `top` (a high
    percentile of |a| on training data): the largest fl whose code range still holds it."""
    if act.bounded:
        return act.fixed_fl(abits)
    hi = act.code_range(abits)[1]
    if not top > 0 or not math.isfinite(top):
        return act.xbits(abits) - 1
    return int(np.clip(math.floor(math.log2(hi / top)), -16, 24))
