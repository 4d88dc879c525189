"""Test vectors for the matmul IP: random blocks plus corner cases, expected outputs from golden.py.

Files (in one folder, read by cores/ip/tb/qmlp_tb_matmul.v and by the HLS C simulation):
  meta.txt   "<vectors> <ROWS> <INNER> <COLS> <A_W> <B_W> <C_W>"
  A.hex, B.hex, C.hex   one hex word per line, vector after vector, row-major

Packed B (int8 IP with WBITS = 4 or 2): B's elements are WBITS-bit signed codes and B_W in
meta.txt is WBITS. B.hex then holds what the IP reads, bytes of PER = 8/WBITS codes packed along
each row of B in qmlp's one order (qmlp.hw.roms.pack: byte jb of row k holds B[k][jb*PER + s]
at bits [WBITS*s, WBITS*s + WBITS)), INNER x COLS/PER bytes per vector, row-major. The golden
model gets the codes themselves, and B_codes.hex holds them too (one two's-complement byte per
code, INNER x COLS per vector) for checks: B.hex is pack(B_codes) word for word.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qmlp import params
from qmlp.hw.roms import pack, unpack
from qmlp.numerics import golden
from qmlp.errors import QmlpError

KINDS = params.KINDS
WIDTHS = {"i8": (8, 8, 8), "f32i8": (32, 8, 32), "f32": (32, 32, 32)}


@dataclass
class MatmulParams:
    """The IP's parameters (the FuseSoC core's): everything the expected outputs depend on."""

    kind: str = "i8"
    rows: int = 64
    inner: int = 128
    cols: int = 64
    lanes: int = 1
    acc_w: int = 32
    shift: int = 0
    fl_b: int = 4
    wbits: int = 8                       # i8: bits per B code (8/wbits codes per B byte)
    vectors: int = 4
    seed: int = 1

    def check(self) -> None:
        """Ranges and constraints from the parameter table (qmlp.params), as for a FuseSoC run."""
        raw = {"ROWS": self.rows, "INNER": self.inner, "COLS": self.cols, "LANES": self.lanes,
               "ACC_W": self.acc_w, "SHIFT": self.shift, "FL_B": self.fl_b, "WBITS": self.wbits,
               "VECTORS": self.vectors, "SEED": self.seed}
        names = {q.name for q in params.matmul_params(self.kind)}
        if self.kind != "i8" and self.wbits != 8:
            raise QmlpError(f"--WBITS={self.wbits}: only the int8 IP (qmlp:ip:matmul_i8) takes packed B")
        params.validate(self.kind, {k: v for k, v in raw.items() if k in names})

    @property
    def widths(self):
        """(A, B, C) element widths as meta.txt gives them (B: the code width when packed)."""
        a, b, c = WIDTHS[self.kind]
        return (a, self.wbits, c) if self.kind == "i8" else (a, b, c)

    @property
    def packed(self) -> bool:
        return self.kind == "i8" and self.wbits < 8


# ----------------------------------------------------------------------------------- int8

def _i8_block(rng, p: MatmulParams, which: int, bbits: int = 8):
    """(A, B) int8 codes for block class `which`; B's codes are bbits-bit (8: the same draws as ever)."""
    r, k, c = p.rows, p.inner, p.cols
    lo, hi = -(1 << (bbits - 1)), (1 << (bbits - 1)) - 1     # B's code range: -8..7 at 4 bits
    rand = lambda shape: rng.integers(-128, 128, shape, dtype=np.int64)  # noqa: E731
    brand = lambda shape: rng.integers(lo, hi + 1, shape, dtype=np.int64)  # noqa: E731
    if which == 0:                       # uniform random
        return rand((r, k)), brand((k, c))
    if which == 1:                       # extremes: saturation at both ends, ACC_W=16 wrap-around
        a = rand((r, k))                 # (B's most negative code against A's: the largest product)
        a[0::4] = -128
        a[1::4] = 127
        a[2::4] = rng.choice([-128, 127], size=a[2::4].shape)
        b = brand((k, c))
        b[:, 0::4] = lo
        b[:, 1::4] = hi
        b[:, 2::4] = rng.choice([lo, hi], size=b[:, 2::4].shape)
        b[:, 3::4] = rng.integers(max(-2, lo), min(3, hi + 1), b[:, 3::4].shape)
        return a, b
    if which == 2:                       # small values: outputs in range, requant rounding ties
        return rng.integers(-3, 4, (r, k)), rng.integers(max(-3, lo), min(4, hi + 1), (k, c))
    # sparse random with occasional extremes
    a = rand((r, k)) * (rng.random((r, k)) < 0.3)
    b = brand((k, c)) * (rng.random((k, c)) < 0.5)
    return a, b


# ----------------------------------------------------------------------------------- float32

SPECIAL_F32 = np.array([
    0x00000000, 0x80000000,              # +-0
    0x00000001, 0x80000001,              # smallest subnormal
    0x007FFFFF, 0x807FFFFF,              # largest subnormal
    0x00800000, 0x80800000,              # FLT_MIN
    0x7F7FFFFF, 0xFF7FFFFF,              # FLT_MAX
    0x7F800000, 0xFF800000,              # +-inf
    0x7FC00000, 0xFFC12345, 0x7F800001,  # quiet NaN, NaN with payload, signalling NaN
    0x3F800000, 0xBF800000,              # +-1
], dtype=np.uint32)


def _rand_f32(rng, shape, emin=-20, emax=20):
    """Random float32 bit patterns: random sign and mantissa, exponent in [emin, emax]."""
    sign = rng.integers(0, 2, shape, dtype=np.uint32) << 31
    exp = (rng.integers(emin, emax + 1, shape) + 127).astype(np.uint32) << 23
    man = rng.integers(0, 1 << 23, shape, dtype=np.uint32)
    return sign | exp | man


def _f32_A(rng, p: MatmulParams, which: int):
    r, k = p.rows, p.inner
    if which == 0:
        return _rand_f32(rng, (r, k))
    if which == 1:                       # specials, each confined to a few rows
        a = _rand_f32(rng, (r, k))
        rows = iter(range(r))
        def put(vals):                   # noqa: E306
            i = next(rows, None)
            if i is not None:
                a[i, : len(vals)] = vals[:k]
        put(np.array([0x7F800000], np.uint32))                       # one +inf
        put(np.array([0xFFC12345], np.uint32))                       # one NaN with payload
        put(np.array([0x7F800000, 0xFF800000], np.uint32))           # inf - inf = NaN
        put(np.full(k, 0x80000000, np.uint32))                       # all -0: +0 + -0 = +0
        put(rng.integers(1, 1 << 23, k, dtype=np.uint32))            # subnormals in
        put(np.full(k, 0x7F7FFFFF, np.uint32))                       # FLT_MAX: overflow to inf
        put(np.array([0x3FC00000, 0xBFC00000] + [0] * (k - 2), np.uint32)[:k])  # x, -x: cancels to +0
        put(np.array([0x21E70A56], np.uint32))                       # rounds up into FLT_MIN (with B below)
        for i in range(min(r, 8 + 8), r, max(1, r // 8)):            # specials scattered elsewhere
            a[i, rng.integers(0, k)] = rng.choice(SPECIAL_F32)
        return a
    if which == 2:                       # tiny: products in the subnormal band
        return _rand_f32(rng, (r, k), -80, -50)
    if which == 3:                       # huge: products near overflow
        return _rand_f32(rng, (r, k), 55, 70)
    # integers: products ~2**24..2**26, so sums round, with many exact ties
    return golden.bits_from_f32(rng.integers(-(1 << 13), 1 << 13, (r, k)).astype(np.float32)).copy()


def _f32_B(rng, p: MatmulParams, which: int):
    k, c = p.inner, p.cols
    if which == 0:
        return _rand_f32(rng, (k, c))
    if which == 1:
        b = _rand_f32(rng, (k, c), -4, 4)
        b[0, :] = 0x1E0DD3F9             # 0x21e70a56 * 0x1e0dd3f9 rounds up to 0x00800000
        if k > 1:
            b[1] = b[0]                  # equal rows 0 and 1: the x, -x row of A cancels to +0
        if k > 2:
            b[2, rng.integers(0, c)] = 0x7FC00000
        return b
    if which == 2:
        return _rand_f32(rng, (k, c), -80, -50)
    if which == 3:
        return _rand_f32(rng, (k, c), 55, 70)
    return golden.bits_from_f32(rng.integers(-(1 << 13), 1 << 13, (k, c)).astype(np.float32)).copy()


# ----------------------------------------------------------------------------------- vectors

def make(p: MatmulParams) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """[(A, B, C_expected)] as unsigned words of the IP's widths (int8 as two's complement;
    packed B as bytes, INNER x COLS/PER)."""
    p.check()
    rng = np.random.default_rng(p.seed)
    out = []
    for v in range(p.vectors):
        if p.kind == "i8":
            a, b = _i8_block(rng, p, v % 4, p.wbits)
            c = golden.matmul_i8(a.astype(np.int8), b.astype(np.int8), p.acc_w, p.shift)
            # what the IP reads: int8 B, or its codes packed 8/WBITS to a byte along each row
            bw = pack(b, p.wbits) if p.packed else b.astype(np.int8).view(np.uint8)
            out.append((a.astype(np.int8).view(np.uint8), bw, c.view(np.uint8)))
        elif p.kind == "f32":
            a, b = _f32_A(rng, p, v % 5), _f32_B(rng, p, v % 5)
            c = golden.matmul_f32(golden.f32_from_bits(a), golden.f32_from_bits(b))
            out.append((a, b, golden.bits_from_f32(c)))
        else:  # f32i8
            a = _f32_A(rng, p, v % 5)
            _, b = _i8_block(rng, p, v % 4)
            b = b.astype(np.int8)
            c = golden.matmul_f32i8(golden.f32_from_bits(a), b, p.fl_b)
            out.append((a, b.view(np.uint8), golden.bits_from_f32(c)))
    return out


def write(folder: Path, p: MatmulParams, vecs=None) -> Path:
    """Write meta.txt, A.hex, B.hex, C.hex (and B_codes.hex for packed B) into folder; returns the folder."""
    vecs = make(p) if vecs is None else vecs
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    aw, bw, cw = p.widths
    (folder / "meta.txt").write_text(f"{len(vecs)} {p.rows} {p.inner} {p.cols} {aw} {bw} {cw}\n")
    for idx, (name, w) in enumerate((("A", aw), ("B", 8 if p.packed else bw), ("C", cw))):
        words = np.concatenate([v[idx].reshape(-1) for v in vecs])
        _write_hex(folder / f"{name}.hex", words, w)
    if p.packed:
        codes = np.concatenate([b_codes(v[1], p).reshape(-1) for v in vecs])
        _write_hex(folder / "B_codes.hex", codes.astype(np.int8).view(np.uint8), 8)
    return folder


def b_codes(b_words: np.ndarray, p: MatmulParams) -> np.ndarray:
    """One vector's B as signed codes (INNER x COLS, int64) from the words the IP reads."""
    b = np.asarray(b_words)
    if not p.packed:
        return b.reshape(p.inner, p.cols).astype(np.uint8).view(np.int8).astype(np.int64)
    return unpack(b.reshape(p.inner, p.cols // (8 // p.wbits)), p.wbits, p.cols)


def _write_hex(path: Path, words: np.ndarray, bits: int) -> None:
    digits = bits // 4
    fmt = f"%0{digits}x"
    np.savetxt(path, words.astype(np.uint64), fmt=fmt)


def read_hex(path: Path, bits: int) -> np.ndarray:
    """Words of a .hex file (for checks in tests)."""
    vals = [int(line, 16) for line in Path(path).read_text().split()]
    return np.array(vals, dtype=np.uint64 if bits > 32 else np.uint32)
