"""1-bit codes are bipolar: the one definition of what a 1-bit weight or activation is.

A weight or activation of 1 bit is BIPOLAR (as FINN's and Brevitas' binary layers): its integer
code c is -1 or +1 (never 0), its value c * 2**-fl, fl a power-of-two scale as at any other width.
Everything else in qmlp computes with c itself (the golden model's sums are sum c_w * c_x, the
int8 arrays of a quantized model hold -1 and +1). Only where a code is stored in one bit does
the bit b appear:

    b = (c + 1) / 2        c = 2b - 1          (b = 1: +1, b = 0: -1)

- weight ROMs: a 1-bit weight is its bit b (qmlp.hw.roms.pack: 8 weights per byte);
- activation bytes: a 1-bit activation travels between layers, like every other width, as its
  code c sign-extended into a byte: +1 is 0x01, -1 is 0xFF. The RTL takes b = ~byte[7] (the sign
  bit inverted; qmlp_mlp_lane) as the 1-bit operand of its MAC units, whose 1-bit operands are
  always b (qmlp_mul_lut, qmlp_mul_xnor, qmlp_mul_dsp, qmlp_mac_dsp2).

A 1-bit weight is the sign of the float weight (sign(0) = +1) at the scale 2**-fl closest to the
mean |w| (`weight_fl`: the power of two that minimises sum (|w| - 2**-fl)**2). A 1-bit activation
is the sign of the pre-activation, the accumulator with the bias: acc >= 0 -> +1, else -1 (`sign`);
there is no requantization, and only signed activations (tanh, hardtanh, identity) have one.
The 1-bit code range is (-1, 1) (`code_range`); at 2..32 bits it is SPEC 4's two's complement.
(fixedpoint.code_range(1) stays Q(1, fl)'s -1..0: the sweep's wl=1 is that format, not this one.)
"""

from __future__ import annotations

import math

import numpy as np

from qmlp.errors import QmlpError
from qmlp.numerics import fixedpoint as fx

BIPOLAR = 1      # the bit width that means {-1, +1}


def code_range(bits: int) -> tuple[int, int]:
    """Smallest and largest code of a `bits`-bit weight or activation of the accelerator."""
    return (-1, 1) if int(bits) == BIPOLAR else fx.code_range(int(bits))


def codes_ok(c, bits: int) -> bool:
    """Are all codes valid `bits`-bit codes (at 1 bit: -1 or +1 only)?"""
    c = np.asarray(c)
    if not c.size:
        return True
    if int(bits) == BIPOLAR:
        return bool(np.all(np.abs(c) == 1))
    lo, hi = fx.code_range(int(bits))
    return bool(c.min() >= lo and c.max() <= hi)


def sign(v) -> np.ndarray:
    """The bipolar code of a value: +1 where v >= 0 (sign(0) = +1), -1 elsewhere (int8)."""
    return np.where(np.asarray(v) >= 0, 1, -1).astype(np.int8)


def to_bits(c) -> np.ndarray:
    """Stored bits b = (c + 1) / 2 of bipolar codes (checked: only -1 and +1)."""
    c = np.asarray(c, dtype=np.int64)
    if not codes_ok(c, BIPOLAR):
        raise QmlpError("a 1-bit (bipolar) code must be -1 or +1; got "
                        f"{sorted(set(np.unique(c).tolist()) - {-1, 1})[:3]}")
    return (c + 1) >> 1


def from_bits(b) -> np.ndarray:
    """Bipolar codes c = 2b - 1 of stored bits."""
    return 2 * (np.asarray(b, dtype=np.int64) & 1) - 1


def weight_fl(w) -> int:
    """The fl of a 1-bit weight layer: 2**-fl is the power of two nearest (in squared error over
    the layer) to |w|; the continuous optimum is mean |w|, so the two powers around it are tried."""
    a = np.abs(np.asarray(w, dtype=np.float64)).ravel()
    m = float(a.mean()) if a.size else 0.0
    if not m > 0 or not math.isfinite(m):
        return 0
    lo = math.floor(-math.log2(m))
    best = min((lo, lo + 1), key=lambda f: float(np.sum((a - 2.0 ** -f) ** 2)))
    return int(np.clip(best, fx.FL_MIN, fx.FL_MAX))


def weight_codes(w) -> np.ndarray:
    """The bipolar codes of float weights: their signs, sign(0) = +1."""
    return sign(w)


def check_act(act_name: str, signed: bool, bits: int) -> None:
    """A 1-bit activation must be signed: {-1, +1} has no room for relu's or sigmoid's range."""
    if int(bits) == BIPOLAR and not signed:
        raise QmlpError(f"a 1-bit {act_name} activation is not possible: 1 bit is bipolar {{-1, +1}}, the sign of "
                        f"the sum, and {act_name} has no negative outputs; use tanh, hardtanh or identity at 1 bit, "
                        f"or give {act_name} 2 or more bits")
