"""The packed-B test vectors of the int8 IP (--WBITS=4|2): files, packing order, golden outputs."""

import numpy as np
import pytest

from qmlp import params
from qmlp.errors import QmlpError
from qmlp.hw import vectors
from qmlp.hw.roms import pack, unpack
from qmlp.numerics import golden


def _blocks(folder, p):
    """Per vector: (A int8, B words as written, B codes as written, C expected int8)."""
    per = 8 // p.wbits
    a = vectors.read_hex(folder / "A.hex", 8).astype(np.uint8).view(np.int8).reshape(p.vectors, p.rows, p.inner)
    bw = vectors.read_hex(folder / "B.hex", 8).astype(np.uint8).reshape(p.vectors, p.inner, p.cols // per)
    c = vectors.read_hex(folder / "C.hex", 8).astype(np.uint8).view(np.int8).reshape(p.vectors, p.rows, p.cols)
    codes = None
    if p.wbits < 8:
        codes = vectors.read_hex(folder / "B_codes.hex", 8).astype(np.uint8).view(np.int8)
        codes = codes.reshape(p.vectors, p.inner, p.cols).astype(np.int64)
    return a, bw, codes, c


@pytest.mark.parametrize("wbits", [4, 2])
def test_packed_files(wbits, tmp_path):
    p = vectors.MatmulParams(rows=4, inner=300, cols=8, lanes=2, acc_w=16, shift=3, wbits=wbits, vectors=4, seed=7)
    vectors.write(tmp_path, p)
    assert (tmp_path / "meta.txt").read_text().split() == ["4", "4", "300", "8", "8", str(wbits), "8"]
    per = 8 // wbits
    lines = (tmp_path / "B.hex").read_text().split()
    assert len(lines) == 4 * 300 * 8 // per and all(len(w) == 2 for w in lines)   # bytes
    assert len((tmp_path / "B_codes.hex").read_text().split()) == 4 * 300 * 8
    a, bw, codes, c = _blocks(tmp_path, p)
    lo, hi = -(1 << (wbits - 1)), (1 << (wbits - 1)) - 1
    for v in range(4):
        assert codes[v].min() >= lo and codes[v].max() <= hi
        # B.hex is the packed codes, in qmlp's one order: byte jb of row k holds B[k][jb*per + s]
        # at bits [wbits*s, wbits*s + wbits)
        assert np.array_equal(bw[v], pack(codes[v], wbits))
        assert np.array_equal(unpack(bw[v], wbits, 8), codes[v])
        k, jb = 5, 1
        byte = int(bw[v][k, jb])
        for s in range(per):
            u = (byte >> (wbits * s)) & ((1 << wbits) - 1)
            assert u - (1 << wbits) * (u >= (1 << (wbits - 1))) == codes[v][k, jb * per + s]
        assert np.array_equal(vectors.b_codes(bw[v], p), codes[v])
        # the expected outputs are the golden model's on the codes
        assert np.array_equal(c[v], golden.matmul_i8(a[v], codes[v].astype(np.int8), 16, 3))
    # the extremes block (vector 1): the most negative code against -128 in every 4th column,
    # all extremes, and int16 sums that wrap
    ext = codes[1]
    assert (ext[:, 0::4] == lo).all() and (ext[:, 1::4] == hi).all()
    assert set(np.unique(ext[:, 2::4])) <= {lo, hi}
    acc = a[1].astype(np.int64) @ ext
    assert (a[1][0] == -128).all() and acc[0, 0] == 300 * 128 * -lo         # the largest product, summed
    assert (golden.wrap(acc, 16) != acc).any()
    # the small-value block stays in range of the codes
    assert codes[2].min() >= max(-3, lo) and codes[2].max() <= min(3, hi)


def test_wbits8_is_the_unpacked_file(tmp_path):
    """WBITS=8: no B_codes.hex, B.hex the int8 codes, and the same draws as before packing existed."""
    p = vectors.MatmulParams(rows=4, inner=8, cols=8, vectors=2, seed=3)
    vectors.write(tmp_path, p)
    assert not (tmp_path / "B_codes.hex").exists()
    assert (tmp_path / "meta.txt").read_text().split()[4:] == ["8", "8", "8"]
    rng = np.random.default_rng(3)
    a0, b0 = vectors._i8_block(rng, p, 0)
    words = vectors.read_hex(tmp_path / "B.hex", 8)[:64]
    assert np.array_equal(words.astype(np.uint8).view(np.int8), b0.reshape(-1).astype(np.int8))


@pytest.mark.parametrize("raw,msg", [
    ({"WBITS": 3}, "--WBITS=3 is not one of 8, 4, 2"),
    ({"WBITS": 9}, "--WBITS=9 is not an integer 2..8"),
    ({"WBITS": 4, "COLS": 7}, "--COLS=7 must be a multiple of 2"),
    ({"WBITS": 2, "COLS": 24, "LANES": 6}, "--LANES=6 must be a multiple or a divisor of 4"),
    ({"WBITS": 2, "INNER": 1, "COLS": 4}, "leave a B bank with 1 byte"),
])
def test_wbits_checks(raw, msg):
    with pytest.raises(QmlpError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        params.validate("i8", raw)


def test_wbits_accepted():
    for raw in ({"WBITS": 4}, {"WBITS": 2, "LANES": 8}, {"WBITS": 2, "LANES": 2}, {"WBITS": 4, "LANES": 16}):
        assert params.validate("i8", raw)["WBITS"] == raw["WBITS"]
    with pytest.raises(QmlpError, match="only the int8 IP"):
        vectors.MatmulParams(kind="f32i8", wbits=4).check()
