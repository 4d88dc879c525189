"""Signed fixed point Q(wl, fl), exactly as SPEC 4 fixes it.

A value is a wl-bit two's-complement integer code q scaled by 2**-fl:

    quantize(x) = clamp(round_half_even(x * 2**fl), -2**(wl-1), 2**(wl-1)-1) * 2**-fl

This equals qtorch's ``fixed_point_quantize(x, wl, fl, rounding="nearest")`` on the CPU.
The scaling by 2**fl is exact (a power of two), so the only rounding is the one to an integer,
done half-to-even by ``np.rint`` / ``torch.round``.
"""

from __future__ import annotations

import numbers

import numpy as np

from qmlp.errors import QmlpError

WL_MIN, WL_MAX = 1, 32
# Any fl works arithmetically; this bound only keeps 2**fl and 2**-fl finite and meaningful.
FL_MIN, FL_MAX = -64, 64


def check_format(wl, fl) -> tuple[int, int]:
    """Validate a Q(wl, fl) format and return it as plain ints; raise QmlpError naming the problem."""
    for name, v in (("wl", wl), ("fl", fl)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise QmlpError(f"{name} must be an integer, got {v!r}")
    wl, fl = int(wl), int(fl)
    if not WL_MIN <= wl <= WL_MAX:
        raise QmlpError(f"wl={wl} is out of range: word length must be {WL_MIN}..{WL_MAX} bits")
    if not FL_MIN <= fl <= FL_MAX:
        raise QmlpError(f"fl={fl} is out of range: fraction length must be {FL_MIN}..{FL_MAX}")
    return wl, fl


def code_range(wl: int) -> tuple[int, int]:
    """Smallest and largest code of a wl-bit signed word."""
    return -(1 << (wl - 1)), (1 << (wl - 1)) - 1


def _check_finite(x: np.ndarray, name: str) -> None:
    bad = ~np.isfinite(x)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(x[idx]) else "inf"
        raise QmlpError(
            f"{name} holds {int(bad.sum())} non-finite value(s) ({kind} at index {idx}); "
            "cannot quantize NaN or inf"
        )


def to_codes(x, wl: int, fl: int, name: str = "input") -> np.ndarray:
    """Integer codes (int64) of x in Q(wl, fl): round half to even, then saturate."""
    wl, fl = check_format(wl, fl)
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.number):
        raise QmlpError(f"{name} must be numeric, got dtype {x.dtype}")
    x = x.astype(np.float64)
    _check_finite(x, name)
    lo, hi = code_range(wl)
    # x is at most float64 and 2**fl a power of two: the product is exact unless it overflows,
    # and an overflow saturates the same way as a large finite value.
    with np.errstate(over="ignore"):
        scaled = np.ldexp(x, fl)
    return np.clip(np.rint(scaled), lo, hi).astype(np.int64)


def from_codes(q, fl: int, dtype=np.float64) -> np.ndarray:
    """Real values of integer codes: q * 2**-fl (exact in float64 for |q| < 2**53)."""
    return np.ldexp(np.asarray(q, dtype=np.float64), -int(fl)).astype(dtype)


def quantize(x, wl: int, fl: int, name: str = "input") -> np.ndarray:
    """quantize(x) of SPEC 4 for numpy arrays; keeps a float input's dtype (float64 otherwise)."""
    x = np.asarray(x)
    dtype = x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64
    return from_codes(to_codes(x, wl, fl, name), fl, dtype)


def quantize_torch(t, wl: int, fl: int, name: str = "input"):
    """quantize(x) of SPEC 4 for torch tensors (same dtype and device out)."""
    import torch

    wl, fl = check_format(wl, fl)
    if not torch.isfinite(t).all():
        raise QmlpError(f"{name} holds NaN or inf values; cannot quantize them")
    lo, hi = code_range(wl)
    # torch.round rounds half to even; the scaling by a power of two is exact in float64.
    scaled = t.double() * (2.0 ** fl)
    return (torch.clamp(torch.round(scaled), lo, hi) * (2.0 ** -fl)).to(t.dtype)


def to_binary(x: float, wl: int, fl: int) -> str:
    """The lab's binary formatter: the bit pattern of quantize(x) with its binary point.

    wl=8, fl=4: 7.9375 -> '0111.1111', -8.0 -> '1000.0000'. When fl > wl - 1 the code is
    sign-extended so that one integer bit (the sign) stays left of the point; when fl <= 0
    the string is an integer and -fl implicit zero bits are appended.
    """
    wl, fl = check_format(wl, fl)
    q = int(to_codes(np.float64(x), wl, fl))
    frac = max(fl, 0)
    ibits = max(wl - fl, 1) if fl > 0 else wl
    total = ibits + frac
    bits = format(q & ((1 << total) - 1), f"0{total}b")  # two's complement, sign-extended
    if fl <= 0:
        return bits + "0" * (-fl)
    return bits[:ibits] + "." + bits[ibits:]
