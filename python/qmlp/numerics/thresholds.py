"""Integer thresholds for a quantized activation with float scales (FINN's streamlining).

A hidden layer of a QONNX graph computes, per neuron n, from integer input codes x (scale s_x)
and integer weight codes W (scale s_w), with a float bias b and an activation quantizer of scale
s_a, integer code range [lo, hi] and rounding R (after an optional Relu):

    code = clamp(R((s_x * s_w * acc + b) / s_a), lo, hi),   acc = sum_k x[k] * W[n][k]  (an integer)

The code is a non-decreasing step function of the integer acc, so it is
    code = LO + #{k = LO+1 .. HI : acc >= T[k]}
with one integer threshold per step k of qmlp's code range [LO, HI] (relu 0..3 at 2 bits,
0..15 at 4; identity -2..1, -8..7): T[k] is the least integer acc whose code reaches k. Per
rounding mode, "R(v) >= k" is "v >= c" (closed) or "v > c" (open) for a rational c (table
below); with S = s_x * s_w > 0 that is acc >= (c * s_a - b) / S =: t, so T = ceil(t) (closed)
or floor(t) + 1 (open). Every value is computed as an exact fraction of the float32 numbers in
the graph (fractions.Fraction), so the thresholds are the graph's definition in exact
arithmetic; the graph's executor computes the same in float32 (the Gemm's sum and bias in some
order, then y / s_a), which can differ only where the exact value sits within float32 rounding
of a step (v = c): those images are listed by `qmlp import --check`.

    rounding (QONNX)      code >= k iff
    ROUND / HALF_EVEN     v >= k - 1/2 if k is even, v > k - 1/2 if odd (a tie goes to the even code)
    FLOOR                 v >= k
    CEIL                  v > k - 1
    DOWN (to zero)        v >= k for k >= 1, v > k - 1 for k <= 0
    UP (from zero)        v > k - 1 for k >= 1, v >= k for k <= 0
    HALF_UP (from zero)   v >= k - 1/2 if k - 1/2 > 0, else v > k - 1/2
    HALF_DOWN (to zero)   v > k - 1/2 if k - 1/2 > 0, else v >= k - 1/2

Steps outside the quantizer's own range [lo, hi] (a narrow quantizer, or a Relu before a signed
one) are always taken (k <= lo) or never (k > hi). Each threshold is finally clamped to the
accumulator's reachable range [amin, amax + 1] of its neuron (from the input code range and the
weights): same comparisons for every reachable acc, and a threshold word no wider than the
accumulator (qmlp.hw.roms derives the word width from them).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from qmlp.errors import QmlpError

ROUNDINGS = ("ROUND", "HALF_EVEN", "FLOOR", "CEIL", "DOWN", "UP", "HALF_UP", "HALF_DOWN")


def step_condition(rounding: str, k: int) -> tuple[Fraction, bool]:
    """(c, closed): R(v) >= k iff v >= c (closed) or v > c (open)."""
    r = rounding.upper()
    half = Fraction(2 * k - 1, 2)
    if r in ("ROUND", "HALF_EVEN"):
        return half, k % 2 == 0
    if r == "FLOOR":
        return Fraction(k), True
    if r == "CEIL":
        return Fraction(k - 1), False
    if r == "DOWN":
        return (Fraction(k), True) if k >= 1 else (Fraction(k - 1), False)
    if r == "UP":
        return (Fraction(k - 1), False) if k >= 1 else (Fraction(k), True)
    if r == "HALF_UP":
        return half, half > 0
    if r == "HALF_DOWN":
        return half, not half > 0
    raise QmlpError(f"rounding mode {rounding!r}: qmlp derives thresholds for {', '.join(ROUNDINGS)}")


def acc_range(w_codes: np.ndarray, xlo: int, xhi: int) -> tuple[np.ndarray, np.ndarray]:
    """Per neuron the least and greatest accumulator (no bias) over inputs in [xlo, xhi]."""
    w = np.asarray(w_codes, np.int64)
    a, b = w * xlo, w * xhi
    return np.minimum(a, b).sum(axis=1), np.maximum(a, b).sum(axis=1)


def _exact(v) -> Fraction:
    f = float(v)
    if not math.isfinite(f):
        raise QmlpError(f"a scale or bias of {f}: thresholds need finite values")
    return Fraction(f)


def derive(w_codes: np.ndarray, s_in: float, s_w: float, bias, s_a: float, q_lo: int, q_hi: int,
           out_lo: int, out_hi: int, rounding: str, x_lo: int, x_hi: int) -> np.ndarray:
    """int64 N x (out_hi - out_lo) thresholds of a layer (see the module's doc).

    w_codes N x K integer weight codes; s_in, s_w, s_a the input, weight and activation scales
    (float32 values of the graph, positive); bias N floats or None; [q_lo, q_hi] the quantizer's
    code range (after a Relu: q_lo >= 0); [out_lo, out_hi] qmlp's code range, which holds it;
    [x_lo, x_hi] the input codes' range."""
    w = np.asarray(w_codes, np.int64)
    n = w.shape[0]
    S = _exact(s_in) * _exact(s_w)
    sa = _exact(s_a)
    if S <= 0 or sa <= 0:
        raise QmlpError(f"scales {float(s_in):.6g} x {float(s_w):.6g} and {float(s_a):.6g}: thresholds need "
                        "positive scales")
    if not out_lo <= q_lo <= q_hi <= out_hi:
        raise QmlpError(f"quantizer codes {q_lo}..{q_hi} are not within the layer's code range {out_lo}..{out_hi}")
    b = [Fraction(0)] * n if bias is None else [_exact(v) for v in np.asarray(bias, np.float64).ravel()]
    if len(b) != n:
        raise QmlpError(f"{len(b)} biases for {n} neurons")
    amin, amax = acc_range(w, x_lo, x_hi)
    ks = list(range(out_lo + 1, out_hi + 1))
    conds = [step_condition(rounding, k) for k in ks]
    t = np.empty((n, len(ks)), np.int64)
    for j in range(n):
        lo_j, hi_j = int(amin[j]), int(amax[j]) + 1
        for i, k in enumerate(ks):
            if k <= q_lo:
                v = lo_j                              # always taken
            elif k > q_hi:
                v = hi_j                              # never
            else:
                c, closed = conds[i]
                x = (c * sa - b[j]) / S
                v = math.ceil(x) if closed else math.floor(x) + 1
            t[j, i] = min(max(v, lo_j), hi_j)
    return t


def apply(acc: np.ndarray, thr: np.ndarray, out_lo: int) -> np.ndarray:
    """Output codes of accumulators acc (M x N) against thresholds thr (N x count): the golden model."""
    a = np.asarray(acc, np.int64)
    return (out_lo + (a[:, :, None] >= np.asarray(thr, np.int64)[None, :, :]).sum(axis=2)).astype(np.int8)


def reference(acc: np.ndarray, s_in: float, s_w: float, bias, s_a: float, q_lo: int, q_hi: int,
              rounding: str) -> np.ndarray:
    """The quantizer on the exact real value of each accumulator (M x N), in exact fractions: what
    the thresholds must reproduce (tests; slow, for small arrays)."""
    S = _exact(s_in) * _exact(s_w)
    sa = _exact(s_a)
    a = np.asarray(acc, np.int64)
    n = a.shape[1]
    b = [Fraction(0)] * n if bias is None else [_exact(v) for v in np.asarray(bias, np.float64).ravel()]
    out = np.empty(a.shape, np.int64)
    r = rounding.upper()
    for i in range(a.shape[0]):
        for j in range(n):
            v = (int(a[i, j]) * S + b[j]) / sa
            out[i, j] = min(max(_round(v, r), q_lo), q_hi)
    return out


def _round(v: Fraction, r: str) -> int:
    fl = math.floor(v)
    frac = v - fl
    if r in ("ROUND", "HALF_EVEN"):
        return round(v)                                   # Fraction rounds half to even
    if r == "FLOOR":
        return fl
    if r == "CEIL":
        return math.ceil(v)
    if r == "DOWN":
        return math.trunc(v)
    if r == "UP":
        return math.ceil(v) if v >= 0 else fl
    if r in ("HALF_UP", "HALF_DOWN"):
        if frac != Fraction(1, 2):
            return round(v)
        away = fl + 1 if v > 0 else fl
        toward = fl if v > 0 else fl + 1
        return away if r == "HALF_UP" else toward
    raise QmlpError(f"rounding mode {r!r}")
