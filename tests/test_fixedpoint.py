import numpy as np
import pytest
import torch

from qmlp.numerics import fixedpoint as fx
from qmlp.errors import QmlpError


def brute_quantize(x: float, wl: int, fl: int) -> float:
    """Nearest representable value by enumeration; ties to the even code; saturation by order."""
    codes = np.arange(-(2 ** (wl - 1)), 2 ** (wl - 1), dtype=np.int64)
    vals = codes.astype(np.float64) * 2.0 ** -fl
    d = np.abs(vals - x)
    best = np.flatnonzero(d == d.min())
    if len(best) == 2:  # a tie between two neighbours: the even code wins
        best = [b for b in best if codes[b] % 2 == 0]
    return float(vals[best[0]])


def test_spec_examples():
    assert fx.quantize(7.9375, 8, 4) == 7.9375
    assert fx.quantize(100.0, 8, 4) == 7.9375          # saturates high
    assert fx.quantize(-8.0, 8, 4) == -8.0
    assert fx.quantize(-100.0, 8, 4) == -8.0           # saturates low
    assert fx.to_binary(7.9375, 8, 4) == "0111.1111"
    assert fx.to_binary(-8.0, 8, 4) == "1000.0000"
    assert fx.to_binary(0.0625, 8, 4) == "0000.0001"
    assert fx.to_binary(-0.0625, 8, 4) == "1111.1111"


def test_ties_to_even():
    # 2**-4 = 0.0625 steps; half steps tie
    x = np.array([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5]) / 16
    want = np.array([0, 2, 2, 4, 0, -2, -2]) / 16
    np.testing.assert_array_equal(fx.quantize(x, 8, 4), want)
    np.testing.assert_array_equal(fx.to_codes(x, 8, 4), [0, 2, 2, 4, 0, -2, -2])


def test_saturation_both_ends_and_codes():
    q = fx.to_codes([1e9, -1e9, 127.49, 127.5, -128.5, -128.49], 8, 0)
    np.testing.assert_array_equal(q, [127, -128, 127, 127, -128, -128])
    assert fx.code_range(1) == (-1, 0)
    assert fx.code_range(32) == (-(2 ** 31), 2 ** 31 - 1)


@pytest.mark.parametrize("wl,fl", [(1, 0), (2, 1), (3, 0), (4, 2), (5, 7), (8, 4), (8, 0), (8, 10), (6, -2), (3, -3), (8, 8)])
def test_against_brute_force(wl, fl):
    rng = np.random.default_rng(wl * 100 + fl)
    span = 2.0 ** (wl - 1 - fl)
    x = np.concatenate([rng.uniform(-1.5 * span, 1.5 * span, 400),
                        (np.arange(-2 ** wl, 2 ** wl) + 0.5) * 2.0 ** -fl])  # every tie in range and beyond
    got = fx.quantize(x, wl, fl)
    want = np.array([brute_quantize(v, wl, fl) for v in x])
    np.testing.assert_array_equal(got, want)


def test_fl_zero_larger_than_wl_negative():
    assert fx.quantize(3.4, 4, 0) == 3.0
    assert fx.quantize(0.1, 4, 6) == 6 / 64                 # fl > wl: max 7/64
    assert fx.quantize(1.0, 4, 6) == 7 / 64
    assert fx.quantize(13.0, 4, -2) == 12.0                 # steps of 4
    assert fx.quantize(100.0, 4, -2) == 28.0
    assert fx.to_binary(12.0, 4, -2) == "001100"
    assert fx.to_binary(0.25, 8, 8) == "0.01000000"


def test_torch_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.normal(0, 2, 5000).astype(np.float32)
    x[:8] = [0.5 / 16, 1.5 / 16, -2.5 / 16, 1e6, -1e6, 0.0, -0.0, 7.96875]
    for wl, fl in [(8, 4), (4, 1), (8, 7), (6, -1), (3, 5)]:
        t = fx.quantize_torch(torch.from_numpy(x), wl, fl)
        assert t.dtype == torch.float32
        np.testing.assert_array_equal(t.numpy(), fx.quantize(x, wl, fl))


def test_keeps_dtype():
    assert fx.quantize(np.float32([0.3]), 8, 4).dtype == np.float32
    assert fx.quantize([0.3], 8, 4).dtype == np.float64


@pytest.mark.parametrize("wl,fl,msg", [(0, 4, "wl=0 is out of range"), (33, 4, "wl=33"), (8, 99, "fl=99"),
                                        (8.0, 4, "wl must be an integer"), (8, 2.5, "fl must be an integer"),
                                        (True, 1, "wl must be an integer")])
def test_bad_format(wl, fl, msg):
    with pytest.raises(QmlpError, match=msg):
        fx.quantize([1.0], wl, fl)


def test_nan_and_inf_rejected():
    with pytest.raises(QmlpError, match=r"fc2w holds 1 non-finite value\(s\) \(NaN at index \(1,\)\)"):
        fx.to_codes([0.0, np.nan], 8, 4, name="fc2w")
    with pytest.raises(QmlpError, match="inf"):
        fx.quantize([np.inf], 8, 4)
    with pytest.raises(QmlpError, match="NaN or inf"):
        fx.quantize_torch(torch.tensor([float("nan")]), 8, 4)
