import numpy as np
import pytest
import softfloatpy as sf

from qmlp.numerics import golden
from qmlp.errors import QmlpError


def _wrap(v, bits):
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def ref_i8(a, b, acc_w, shift):
    """Plain-int reference that wraps after every MAC, as an ACC_W-bit register does."""
    r, k = a.shape
    c = b.shape[1]
    out = np.zeros((r, c), np.int64)
    for i in range(r):
        for j in range(c):
            acc = 0
            for kk in range(k):
                acc = _wrap(acc + int(a[i, kk]) * int(b[kk, j]), acc_w)
            v = (acc + (1 << (shift - 1))) >> shift if shift else acc
            out[i, j] = min(127, max(-128, v))
    return out


@pytest.mark.parametrize("acc_w,shift", [(32, 0), (16, 0), (16, 3), (32, 7), (20, 1)])
def test_i8_against_reference(acc_w, shift):
    rng = np.random.default_rng(acc_w + shift)
    a = rng.integers(-128, 128, (6, 40), dtype=np.int8)
    b = rng.integers(-128, 128, (40, 5), dtype=np.int8)
    a[0, :] = -128
    b[:, 0] = -128          # C[0][0] = 40 * 16384 = 655360: wraps in 16 bits
    b[:, 1] = 127           # C[0][1] = -40 * 16256: large negative
    np.testing.assert_array_equal(golden.matmul_i8(a, b, acc_w, shift), ref_i8(a, b, acc_w, shift))


def test_i8_acc16_wraparound_and_saturation():
    a = np.full((1, 128), -128, np.int8)
    b = np.full((128, 1), -128, np.int8)
    # exact sum 128 * 16384 = 2**21: wraps to 0 in 16 bits, saturates to 127 in 32 bits
    assert golden.matmul_acc_i8(a, b, 16)[0, 0] == 0
    assert golden.matmul_i8(a, b, 16)[0, 0] == 0
    assert golden.matmul_i8(a, b, 32)[0, 0] == 127
    # 2 * 127 * 127 = 32258 fits int16; 3 * 16129 = 48387 wraps to 48387 - 65536 = -17149 -> -128
    a3 = np.full((1, 3), 127, np.int8)
    b3 = np.full((3, 1), 127, np.int8)
    assert golden.matmul_acc_i8(a3, b3, 16)[0, 0] == -17149
    assert golden.matmul_i8(a3, b3, 16)[0, 0] == -128
    assert golden.matmul_i8(a3, b3, 32)[0, 0] == 127
    # negative saturation goes to -128 (the lab's listing wrote 128: a bug)
    assert golden.matmul_i8(np.int8([[-100]]), np.int8([[100]]))[0, 0] == -128


def test_requant_rounds_half_up():
    v = np.array([5, 6, 7, -5, -6, -7, 8, -8])
    # shift 2: (v + 2) >> 2, arithmetic: 1.25->1, 1.5->2, 1.75->2, -1.25->-1, -1.5->-1, -1.75->-2
    np.testing.assert_array_equal(golden.requant(v, 2), [1, 2, 2, -1, -1, -2, 2, -2])
    np.testing.assert_array_equal(golden.requant(v, 0), v)


def test_i8_bad_input():
    with pytest.raises(QmlpError, match="inner dimensions differ"):
        golden.matmul_i8(np.zeros((2, 3), np.int8), np.zeros((4, 2), np.int8))
    with pytest.raises(QmlpError, match="outside int8 range"):
        golden.matmul_i8(np.array([[200]]), np.array([[1]]))
    with pytest.raises(QmlpError, match="ACC_W=8 out of range"):
        golden.matmul_i8(np.int8([[1]]), np.int8([[1]]), acc_w=8)
    with pytest.raises(QmlpError, match="SHIFT=40"):
        golden.matmul_i8(np.int8([[1]]), np.int8([[1]]), acc_w=32, shift=40)
    with pytest.raises(QmlpError, match="integer codes"):
        golden.matmul_i8(np.float32([[1]]), np.int8([[1]]))


# ---------------------------------------------------------------- float32

def _sf(u):
    return sf.Float32.from_bytes(int(u).to_bytes(4, "big"))


def _bits(x):
    return int.from_bytes(x.to_bytes(), "big")


def ref_f32(a_bits, b_bits):
    """SoftFloat sequential k loop, unfused, acc from +0.0, NaN canonical."""
    r, k = a_bits.shape
    c = b_bits.shape[1]
    out = np.zeros((r, c), np.uint32)
    for i in range(r):
        for j in range(c):
            acc = _sf(0)
            for kk in range(k):
                acc = sf.f32_add(acc, sf.f32_mul(_sf(a_bits[i, kk]), _sf(b_bits[kk, j])))
            v = _bits(acc)
            out[i, j] = 0x7FC00000 if (v & 0x7F800000) == 0x7F800000 and (v & 0x7FFFFF) else v
    return out


SPECIALS = [0x00000000, 0x80000000, 0x00000001, 0x807FFFFF, 0x00800000, 0x7F7FFFFF, 0xFF7FFFFF,
            0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC12345, 0x3F800000, 0xBF800000, 0x21E70A56, 0x1E0DD3F9]


def test_f32_against_softfloat():
    rng = np.random.default_rng(7)
    a = golden.bits_from_f32(rng.normal(0, 1, (6, 24)).astype(np.float32)).copy()
    b = golden.bits_from_f32(rng.normal(0, 1, (24, 5)).astype(np.float32)).copy()
    # sprinkle special values in a few rows/columns
    a[1, :len(SPECIALS)] = SPECIALS
    b[:len(SPECIALS), 2] = SPECIALS[::-1]
    a[2, :] = 0x80000000                           # -0 row: +0 + -0 products = +0
    a[3, :] = rng.integers(1, 0x800000, 24)        # subnormal row
    a[4, 0], b[0, 4] = 0x21E70A56, 0x1E0DD3F9      # product rounds up into the normals
    got = golden.bits_from_f32(golden.matmul_f32(golden.f32_from_bits(a), golden.f32_from_bits(b)))
    np.testing.assert_array_equal(got, ref_f32(a, b))


def test_f32_cancellation_and_signed_zero():
    a = np.float32([[1.0, -1.0], [-0.0, -0.0]])
    b = np.float32([[3.0], [3.0]])
    c = golden.bits_from_f32(golden.matmul_f32(a, b))
    assert c[0, 0] == 0x00000000       # 3 - 3 = +0
    assert c[1, 0] == 0x00000000       # +0 + -0 + -0 = +0 (acc starts at +0.0)


def test_f32_nan_canonical():
    a = np.float32([[np.inf, 1.0]])
    b = np.float32([[0.0], [1.0]])     # inf * 0 = NaN
    assert golden.bits_from_f32(golden.matmul_f32(a, b))[0, 0] == 0x7FC00000
    nan_payload = golden.f32_from_bits(np.uint32([0xFFC12345]))
    assert golden.bits_from_f32(golden.f32_add(nan_payload, np.float32([1.0])))[0] == 0x7FC00000


def test_f32i8_exact_conversion():
    codes = np.arange(-128, 128, dtype=np.int8).reshape(256, 1)
    for fl in (0, 4, 7, -120, 149):
        f = golden.int8_codes_to_f32(codes, fl)
        np.testing.assert_array_equal(f.astype(np.float64), np.ldexp(codes.astype(np.float64), -fl))
    a = np.float32([[1.0, 2.0]])
    assert golden.matmul_f32i8(a, np.int8([[16], [-8]]), 4)[0, 0] == np.float32(0.0)
    with pytest.raises(QmlpError, match="FL_B=150"):
        golden.matmul_f32i8(a, np.int8([[1], [1]]), 150)
