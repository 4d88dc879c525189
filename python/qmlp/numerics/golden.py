"""Golden models of the matmul IP, one pure numpy function per number format (SPEC 4).

These are the single source of truth: the inference modes call them, the test-vector writer
calls them to produce expected outputs, and every hardware result is compared against them
bit for bit.

C = A . B with A (ROWS x INNER), B (INNER x COLS), row-major, as in the IP.
"""

from __future__ import annotations

import numpy as np

from qmlp.errors import QmlpError
from qmlp.params import ACC_W_RANGE

CANONICAL_NAN = np.uint32(0x7FC00000)

# ---------------------------------------------------------------------------------------------
# float32 helpers


def f32_from_bits(u) -> np.ndarray:
    return np.asarray(u, dtype=np.uint32).view(np.float32)


def bits_from_f32(x) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32)).view(np.uint32)


def canonicalize_nan(x: np.ndarray) -> np.ndarray:
    """Every NaN becomes 0x7FC00000 (numpy's own NaNs are 0xFFC00000 and keep payloads)."""
    x = np.array(x, dtype=np.float32, copy=True)
    x[np.isnan(x)] = f32_from_bits(CANONICAL_NAN)
    return x


def f32_mul(a, b) -> np.ndarray:
    """IEEE binary32 a*b, round to nearest even, canonical NaN."""
    with np.errstate(all="ignore"):
        return canonicalize_nan(np.multiply(np.asarray(a, np.float32), np.asarray(b, np.float32), dtype=np.float32))


def f32_add(a, b) -> np.ndarray:
    """IEEE binary32 a+b, round to nearest even, canonical NaN."""
    with np.errstate(all="ignore"):
        return canonicalize_nan(np.add(np.asarray(a, np.float32), np.asarray(b, np.float32), dtype=np.float32))


def _check_mm(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if a.ndim != 2 or b.ndim != 2:
        raise QmlpError(f"{what}: A and B must be 2-D, got shapes {a.shape} and {b.shape}")
    if a.shape[1] != b.shape[0]:
        raise QmlpError(f"{what}: inner dimensions differ: A is {a.shape}, B is {b.shape}")


def matmul_f32(a, b) -> np.ndarray:
    """float32 x float32: unfused, acc = +0.0 then acc = round(acc + round(a*b)), k ascending.

    Never np.matmul/np.dot/np.sum: their summation order and FMA use differ between machines.
    """
    a = np.asarray(a, dtype=np.float32)
    b = np.asarray(b, dtype=np.float32)
    _check_mm(a, b, "matmul_f32")
    acc = np.zeros((a.shape[0], b.shape[1]), dtype=np.float32)  # +0.0
    p = np.empty_like(acc)
    with np.errstate(all="ignore"):
        for k in range(a.shape[1]):
            np.multiply(a[:, k, None], b[None, k, :], out=p)
            np.add(acc, p, out=acc)
    return canonicalize_nan(acc)


def int8_codes_to_f32(codes, fl: int) -> np.ndarray:
    """int8 codes of Q(8, fl) as float32, exactly: code * 2**-fl (exact for -120 <= fl <= 149)."""
    fl = int(fl)
    if not -120 <= fl <= 149:
        raise QmlpError(f"FL_B={fl} out of range -120..149: code * 2**-FL_B would not be an exact float32")
    return np.ldexp(np.asarray(codes, dtype=np.float64), -fl).astype(np.float32)


def matmul_f32i8(a, b_codes, fl_b: int) -> np.ndarray:
    """float32 x int8: B holds int8 codes of Q(8, FL_B), converted exactly, then matmul_f32."""
    b_codes = np.asarray(b_codes)
    _check_int8(b_codes, "B")
    return matmul_f32(a, int8_codes_to_f32(b_codes, fl_b))


# ---------------------------------------------------------------------------------------------
# int8 x int8


def _check_int8(x: np.ndarray, name: str) -> None:
    if not np.issubdtype(x.dtype, np.integer):
        raise QmlpError(f"{name} must hold integer codes, got dtype {x.dtype}")
    if x.size and (x.min() < -128 or x.max() > 127):
        raise QmlpError(f"{name} holds codes outside int8 range -128..127 (min {x.min()}, max {x.max()})")


def check_acc(acc_w: int, shift: int) -> None:
    lo, hi = ACC_W_RANGE
    if not lo <= int(acc_w) <= hi:
        raise QmlpError(f"ACC_W={acc_w} out of range: the accumulator must be {lo}..{hi} bits wide")
    if not 0 <= int(shift) < int(acc_w):
        raise QmlpError(f"SHIFT={shift} out of range 0..{int(acc_w) - 1} for ACC_W={acc_w}")


def wrap(v, bits: int) -> np.ndarray:
    """Two's-complement wrap of integers to `bits` bits (what a bits-wide register does)."""
    v = np.asarray(v, dtype=np.int64)
    half = np.int64(1) << (bits - 1)
    return ((v + half) & ((half << 1) - 1)) - half


def requant(v, shift: int) -> np.ndarray:
    """SHIFT > 0: (v + 2**(SHIFT-1)) >> SHIFT, arithmetic (round half up); SHIFT = 0: v.

    The rounding add is exact (one bit wider than the accumulator in hardware).
    """
    v = np.asarray(v, dtype=np.int64)
    if shift == 0:
        return v
    return (v + (np.int64(1) << (shift - 1))) >> shift


def sat(v, bits: int) -> np.ndarray:
    """Saturate integers to a signed `bits`-bit range (int64 array)."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return np.clip(np.asarray(v, dtype=np.int64), lo, hi)


def sat8(v) -> np.ndarray:
    return sat(v, 8).astype(np.int8)


def matmul_acc_i8(a_codes, b_codes, acc_w: int = 32) -> np.ndarray:
    """The wrapped ACC_W-bit accumulators of an int8 x int8 matmul (int64 array).

    Wrapping is a ring homomorphism, so wrap(exact sum) equals wrapping after every MAC, in any
    order. The exact sum is an integer matmul (no rounding), so np.matmul on int64 is safe here.
    """
    a = np.asarray(a_codes)
    b = np.asarray(b_codes)
    _check_mm(a, b, "matmul_i8")
    _check_int8(a, "A")
    _check_int8(b, "B")
    check_acc(acc_w, 0)
    return wrap(a.astype(np.int64) @ b.astype(np.int64), acc_w)


def matmul_i8(a_codes, b_codes, acc_w: int = 32, shift: int = 0) -> np.ndarray:
    """int8 x int8: C = sat8(requant(wrap_ACC_W(sum_k A[i][k] * B[k][j]))) as int8 codes.

    acc_w=16, shift=0 reproduces the lab's HLS kernel (int16 sum), with its `sum = 128` bug fixed.
    """
    check_acc(acc_w, shift)
    return sat8(requant(matmul_acc_i8(a_codes, b_codes, acc_w), shift))
