"""Operand generator and two independent references for the binary32 units.

Only numpy, softfloatpy and the standard library are used (no qmlp package).

Operands are raw uint32 bit patterns. ``make_vectors`` returns one list of
(a, b) pairs that is fed to *both* the multiplier and the adder, made of

* every operand class crossed with every class (both orders),
* every pair of exponent fields (256 x 256, random fractions and signs),
* targeted groups for the hard cases of each operation (ties, products that
  round across the subnormal/normal boundary, overflow boundaries, exact and
  near cancellation), and
* uniformly random bit patterns.

References:

* numpy float32 elementwise ``*`` / ``+`` (SSE on x86: IEEE RNE, subnormals on),
* Berkeley SoftFloat through ``softfloatpy`` in round-to-nearest-even mode.

Both get every NaN replaced by the canonical 0x7FC00000, as the RTL must.
"""

from __future__ import annotations

import numpy as np
import softfloatpy as sf

CANON_NAN = 0x7FC00000
SIGN = np.uint32(0x80000000)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def pack(sign, exp, frac) -> np.ndarray:
    """Assemble binary32 bit patterns from fields (arrays or scalars)."""
    sign = np.asarray(sign, dtype=np.uint64)
    exp = np.asarray(exp, dtype=np.uint64)
    frac = np.asarray(frac, dtype=np.uint64)
    return ((sign << 31) | (exp << 23) | frac).astype(np.uint32)


def canon_nan(x: np.ndarray) -> np.ndarray:
    """Replace every NaN encoding by 0x7FC00000."""
    x = np.array(x, dtype=np.uint32, copy=True)
    nan = ((x >> 23) & 0xFF == 0xFF) & ((x & 0x7FFFFF) != 0)
    x[nan] = CANON_NAN
    return x


def _sign(rng, n):
    return rng.integers(0, 2, n)


def _frac(rng, n, lo=0, hi=1 << 23):
    return rng.integers(lo, hi, n)


def _sparse_frac(rng, n):
    """Fractions with only the top k bits random (k = 0..12): products and
    sums of such values often land exactly on a rounding tie."""
    k = rng.integers(0, 13, n)
    f = rng.integers(0, 1 << 23, n)
    return (f >> (23 - k)) << (23 - k)


# ---------------------------------------------------------------------------
# operand classes: name -> (generator(rng, n) -> uint32[n], is_singleton)
# "singleton" classes hold one magnitude; only the sign varies.
# ---------------------------------------------------------------------------

CLASSES = {
    "zero":        (lambda r, n: pack(_sign(r, n), 0, 0), True),
    "min_sub":     (lambda r, n: pack(_sign(r, n), 0, 1), True),
    "max_sub":     (lambda r, n: pack(_sign(r, n), 0, 0x7FFFFF), True),
    "rand_sub":    (lambda r, n: pack(_sign(r, n), 0, _frac(r, n, 1)), False),
    "flt_min":     (lambda r, n: pack(_sign(r, n), 1, 0), True),
    "low_norm":    (lambda r, n: pack(_sign(r, n), r.integers(1, 25, n), _frac(r, n)), False),
    "rand_norm":   (lambda r, n: pack(_sign(r, n), r.integers(1, 255, n), _frac(r, n)), False),
    "mid_norm":    (lambda r, n: pack(_sign(r, n), r.integers(100, 155, n), _frac(r, n)), False),
    "sparse_mant": (lambda r, n: pack(_sign(r, n), r.integers(1, 255, n), _sparse_frac(r, n)), False),
    "ones_mant":   (lambda r, n: pack(_sign(r, n), r.integers(1, 255, n), 0x7FFFFF), False),
    "near_ovf":    (lambda r, n: pack(_sign(r, n), r.integers(250, 255, n), _frac(r, n)), False),
    "flt_max":     (lambda r, n: pack(_sign(r, n), 254, 0x7FFFFF), True),
    "inf":         (lambda r, n: pack(_sign(r, n), 255, 0), True),
    "qnan":        (lambda r, n: pack(_sign(r, n), 255, 0x400000 | _frac(r, n, 0, 1 << 22)), False),
    "snan":        (lambda r, n: pack(_sign(r, n), 255, _frac(r, n, 1, 1 << 22)), False),
}


def _swap_half(rng, a, b):
    sw = rng.integers(0, 2, a.size).astype(bool)
    return np.where(sw, b, a), np.where(sw, a, b)


def _plus_ulps(x, k):
    """Step the bit pattern of a finite value by k units, staying finite."""
    mag = (x & np.uint32(0x7FFFFFFF)).astype(np.int64) + np.asarray(k, dtype=np.int64)
    mag = np.clip(mag, 0, 0x7F7FFFFF).astype(np.uint32)
    return (x & SIGN) | mag


# ---------------------------------------------------------------------------
# targeted groups
# ---------------------------------------------------------------------------

def _mul_ties(rng, n):
    """Odd 13-bit x odd 12-bit significands: the exact product has 24 or 25
    significant bits, and when it has 25 its last one is a tie (either LSB
    parity). Exponents are steered so a third of the products fall into or
    just above the subnormal band, where the tie position moves."""
    sa = (rng.integers(1 << 11, 1 << 12, n) * 2 + 1)           # 13 bits, odd
    sb = (rng.integers(1 << 10, 1 << 11, n) * 2 + 1)           # 12 bits, odd
    fa = (sa << 11) & 0x7FFFFF
    fb = (sb << 12) & 0x7FFFFF
    # target biased exponent of the product (before normalisation)
    tgt = np.where(rng.integers(0, 3, n) == 0, rng.integers(-30, 6, n), rng.integers(1, 260, n))
    ea = rng.integers(1, 255, n)
    eb = np.clip(tgt - ea + 127, 1, 254)
    ea = np.clip(tgt - eb + 127, 1, 254)
    a = pack(_sign(rng, n), ea, fa)
    b = pack(_sign(rng, n), eb, fb)
    # also with a subnormal operand: same significands, shifted into exp 0
    m = n // 4
    sh = rng.integers(1, 12, m)
    a[:m] = pack(_sign(rng, m), 0, ((sa[:m] << 11) >> sh).astype(np.int64))
    b[:m] = pack(_sign(rng, m), rng.integers(100, 255, m), fb[:m])
    return _swap_half(rng, a, b)


def _mul_boundaries(rng, n):
    """Products a few ulps either side of FLT_MIN (rounding up from the
    subnormal band into the normals), of the smallest subnormal and of half
    of it (round to 2**-149 or to 0), of FLT_MAX and 2**128 (overflow), of a
    mid subnormal, and of 1."""
    targets = np.array([2.0**-126, 2.0**-149, 2.0**-150, 1.5 * 2.0**-149, 2.0**-127,
                        3.0 * 2.0**-150, float(np.finfo(np.float32).max), 2.0**128, 1.0])
    t = targets[rng.integers(0, targets.size, n)]
    # a: normal or subnormal, but such that t/a is representable-ish
    ea = rng.integers(1, 255, n)
    a = pack(_sign(rng, n), ea, _frac(rng, n))
    sub = rng.integers(0, 6, n) == 0
    a[sub] = pack(_sign(rng, sub.sum()), 0, _frac(rng, sub.sum(), 1))
    af = np.abs(a.view(np.float32).astype(np.float64))
    with np.errstate(all="ignore"):
        b = (t / af).astype(np.float32).view(np.uint32)
    b = b & np.uint32(0x7FFFFFFF)
    finite = (b >> 23) < 255
    b = np.where(finite, _plus_ulps(b, rng.integers(-4, 5, n)), b)
    b = b | (pack(_sign(rng, n), 0, 0))
    return _swap_half(rng, a, b)


def _add_cancel(rng, n):
    """Exact cancellation (x + -x), near cancellation with large
    normalisation shifts (the operands share a long prefix), and exponent
    differences of one with a borrow across the binade."""
    q = n // 4
    e = rng.integers(0, 255, n)
    small = rng.integers(0, 4, n) == 0          # a quarter near/in the subnormals
    e[small] = rng.integers(0, 4, small.sum())
    a = pack(_sign(rng, n), e, _frac(rng, n))
    a[e == 0] |= np.uint32(1)                   # avoid too many zeros
    b = np.empty_like(a)
    # 1) exact negation
    b[:q] = a[:q] ^ SIGN
    # 2) negation of a + k ulps, k up to 2**m: any normalisation shift 0..23
    mexp = rng.integers(0, 24, q)
    k = rng.integers(1, 2, q) << mexp
    k = k + rng.integers(-1, 2, q) * (mexp > 0)
    k = np.where(rng.integers(0, 2, q) == 1, k, -k)
    b[q:2 * q] = _plus_ulps(a[q:2 * q], k) ^ SIGN
    # 3) random low w bits replaced (shared prefix of 23 - w fraction bits)
    w = rng.integers(1, 24, q)
    low = rng.integers(0, 1 << 23, q) & ((np.int64(1) << w) - 1)
    keep = a[2 * q:3 * q] & ~((np.uint32(1) << w.astype(np.uint32)) - np.uint32(1))
    b[2 * q:3 * q] = (keep | low.astype(np.uint32)) ^ SIGN
    # 4) exponent one lower, fraction near all ones: 1.000x - 0.1111y
    r = n - 3 * q
    e4 = rng.integers(1, 255, r)
    a[3 * q:] = pack(_sign(rng, r), e4, rng.integers(0, 1 << 8, r))
    b4 = pack(0, e4 - 1, (0x7FFFFF - rng.integers(0, 1 << 8, r)))
    b[3 * q:] = b4 | (~a[3 * q:] & SIGN)
    return _swap_half(rng, a, b)


def _add_ties(rng, n):
    """Sums exactly half an ulp (or a quarter, or just above/below half) away
    from a representable value, including at the top binade (FLT_MAX + half
    an ulp rounds to even = up = inf) and across binade boundaries."""
    e = rng.integers(25, 255, n)
    e[: n // 16] = 254
    a = pack(_sign(rng, n), e, _sparse_frac(rng, n) | rng.integers(0, 2, n))
    a[: n // 16] |= np.uint32(0x7FFFFF) * (rng.integers(0, 2, n // 16)).astype(np.uint32)
    d = rng.choice(np.array([24, 24, 24, 25, 23, 1, 2, 3]), n)
    bf = np.where(rng.integers(0, 2, n) == 0, 0, _sparse_frac(rng, n))
    b = pack(_sign(rng, n), e - d, bf)
    # some with a one-ulp nudge away from the tie
    nud = rng.integers(0, 4, n) == 0
    b[nud] = _plus_ulps(b[nud], rng.choice(np.array([-1, 1]), nud.sum()))
    return _swap_half(rng, a, b)


def _notes_pairs():
    """Hand-picked pairs, including the NOTES flush-to-zero trap."""
    pairs = [
        (0x21E70A56, 0x1E0DD3F9),   # product rounds up to 0x00800000
        (0x3F800000, 0x3F800000),
        (0x7F7FFFFF, 0x7F7FFFFF),
        (0x7F7FFFFF, 0x73000000),   # FLT_MAX + half ulp -> inf (tie, odd)
        (0x7F7FFFFF, 0xF3000000),
        (0x7F7FFFFE, 0x73000000),   # tie, even -> stays
        (0x00000001, 0x80000001),
        (0x80000000, 0x80000000),   # -0 + -0 = -0
        (0x80000000, 0x00000000),
        (0x7F800000, 0xFF800000),   # inf - inf = NaN
        (0x7F800000, 0x00000000),   # inf * 0 = NaN
        (0xFF800000, 0x80000000),
        (0x7F800001, 0x3F800000),   # sNaN
        (0xFFC12345, 0x3F800000),   # negative qNaN with payload
        (0x00400000, 0x00400000),
        (0x007FFFFF, 0x00000001),
        (0x3F800000, 0x33800000),   # 1 + 2**-24: tie to even (stays 1)
        (0x3F800001, 0x33800000),   # tie, odd LSB: rounds up
        (0x3F800000, 0xB3800000),   # 1 - 2**-24 exact
        (0x3F800000, 0xB3000000),   # 1 - 2**-25: tie below 1
        (0x00800000, 0x3F000000),   # FLT_MIN * 0.5 -> subnormal
        (0x00800001, 0x3F000000),   # tie in the subnormal band
        (0x00800003, 0x3F000000),
        (0x3F000000, 0x00000001),   # 2**-150: tie -> 0
        (0x3F000001, 0x00000001),   # just above -> 2**-149
        (0x3FC00000, 0x00000001),   # 1.5 * 2**-149 -> tie -> 2**-148
    ]
    a = np.array([p[0] for p in pairs], dtype=np.uint32)
    b = np.array([p[1] for p in pairs], dtype=np.uint32)
    return a, b


# ---------------------------------------------------------------------------
# the vector set
# ---------------------------------------------------------------------------

def make_vectors(seed: int = 20261101, per_pair: int = 2500, per_group: int = 80000,
                 n_random: int = 250000):
    """Return (a, b, groups): operand arrays and a list of (name, start, stop)."""
    rng = np.random.default_rng(seed)
    parts_a, parts_b, groups = [], [], []
    pos = 0

    def add(name, a, b):
        nonlocal pos
        a = np.asarray(a, dtype=np.uint32)
        b = np.asarray(b, dtype=np.uint32)
        assert a.shape == b.shape
        parts_a.append(a)
        parts_b.append(b)
        groups.append((name, pos, pos + a.size))
        pos += a.size

    na, nb = _notes_pairs()
    add("hand_picked", np.concatenate([na, nb]), np.concatenate([nb, na]))

    names = list(CLASSES)
    for ca in names:
        ga, sa = CLASSES[ca]
        for cb in names:
            gb, sb = CLASSES[cb]
            if sa and sb:
                # only the four sign combinations differ
                a = ga(rng, 4) & np.uint32(0x7FFFFFFF)
                b = gb(rng, 4) & np.uint32(0x7FFFFFFF)
                a |= np.array([0, 0, 1, 1], dtype=np.uint32) << 31
                b |= np.array([0, 1, 0, 1], dtype=np.uint32) << 31
            else:
                a = ga(rng, per_pair)
                b = gb(rng, per_pair)
            add(f"{ca}x{cb}", a, b)

    # Every (exponent a, exponent b) combination once, random signs and
    # fractions: each alignment distance, each product exponent and so each
    # subnormal shift amount, and every inf/NaN/zero-exponent combination.
    ea, eb = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    ea, eb = ea.ravel(), eb.ravel()
    add("exp_sweep", pack(_sign(rng, ea.size), ea, _frac(rng, ea.size)),
        pack(_sign(rng, eb.size), eb, _frac(rng, eb.size)))

    add("mul_ties", *_mul_ties(rng, per_group))
    add("mul_boundaries", *_mul_boundaries(rng, per_group))
    add("add_cancel", *_add_cancel(rng, per_group))
    add("add_ties", *_add_ties(rng, per_group))
    add("uniform_bits", rng.integers(0, 1 << 32, n_random, dtype=np.uint64).astype(np.uint32),
        rng.integers(0, 1 << 32, n_random, dtype=np.uint64).astype(np.uint32))

    return np.concatenate(parts_a), np.concatenate(parts_b), groups


# ---------------------------------------------------------------------------
# references
# ---------------------------------------------------------------------------

def numpy_ref(a: np.ndarray, b: np.ndarray):
    """(mul, add) with numpy float32 elementwise ops, NaN canonicalised."""
    with np.errstate(all="ignore"):
        p = (a.view(np.float32) * b.view(np.float32)).view(np.uint32)
        s = (a.view(np.float32) + b.view(np.float32)).view(np.uint32)
    return canon_nan(p), canon_nan(s)


def softfloat_ref(a: np.ndarray, b: np.ndarray, mode=None):
    """(mul, add) with Berkeley SoftFloat; RNE unless another mode is given.
    The global rounding mode is restored afterwards."""
    if mode is None:
        mode = sf.RoundingMode.NEAR_EVEN
    old = sf.get_rounding_mode()
    sf.set_rounding_mode(mode)
    try:
        ab = a.astype(">u4").tobytes()
        bb = b.astype(">u4").tobytes()
        pm = bytearray(len(ab))
        pa = bytearray(len(ab))
        from_bytes = sf.Float32.from_bytes
        mul, add = sf.f32_mul, sf.f32_add
        for i in range(0, len(ab), 4):
            x = from_bytes(ab[i:i + 4])
            y = from_bytes(bb[i:i + 4])
            pm[i:i + 4] = mul(x, y).to_bytes()
            pa[i:i + 4] = add(x, y).to_bytes()
    finally:
        sf.set_rounding_mode(old)
    p = np.frombuffer(bytes(pm), dtype=">u4").astype(np.uint32)
    s = np.frombuffer(bytes(pa), dtype=">u4").astype(np.uint32)
    return canon_nan(p), canon_nan(s)


def cvt_ref_numpy(fl: int) -> np.ndarray:
    """Bits of code * 2**-fl for the 256 codes 0..255 (read as int8)."""
    q = np.arange(256, dtype=np.uint8).view(np.int8).astype(np.float64)
    v = np.ldexp(q, -fl)                  # exact in float64
    f = v.astype(np.float32)              # exact: representable for -120..149
    assert np.array_equal(f.astype(np.float64), v), f"FL={fl}: not exact"
    return f.view(np.uint32)


def cvt_ref_softfloat(fl: int) -> np.ndarray:
    """Same through SoftFloat: i32_to_f32(code) * 2**-fl, where 2**-fl is
    itself a binary32 (normal or subnormal) for the legal FL range, so the
    product is exact."""
    old = sf.get_rounding_mode()
    sf.set_rounding_mode(sf.RoundingMode.NEAR_EVEN)
    try:
        e = 127 - fl
        scale_bits = (e << 23) if e >= 1 else (1 << (22 + e))
        scale = sf.Float32.from_bytes(scale_bits.to_bytes(4, "big"))
        out = []
        for code in range(256):
            q = code - 256 if code >= 128 else code
            r = sf.f32_mul(sf.i32_to_f32(sf.Int32.from_int(q)), scale)
            out.append(int.from_bytes(r.to_bytes(), "big"))
    finally:
        sf.set_rounding_mode(old)
    return np.array(out, dtype=np.uint32)


def write_hex(path, words: np.ndarray, ncols: int = 1) -> None:
    """Write uint32 words (shape (n,) or (n, ncols)) as fixed-width lowercase
    hex, the ncols words of a row concatenated, one row per line."""
    w = np.asarray(words, dtype=np.uint32).reshape(-1, ncols)
    shifts = np.arange(28, -4, -4, dtype=np.uint32)
    nib = ((w[:, :, None] >> shifts) & 0xF).astype(np.uint8).reshape(w.shape[0], 8 * ncols)
    txt = np.where(nib < 10, nib + 48, nib + 87).astype(np.uint8)
    out = np.empty((w.shape[0], 8 * ncols + 1), dtype=np.uint8)
    out[:, :-1] = txt
    out[:, -1] = 10
    with open(path, "wb") as fh:
        fh.write(out.tobytes())


def read_hex(path, nrows: int, ncols: int = 1, sep: bool = False) -> np.ndarray:
    """Parse simulator output written with %h: nrows lines of ncols 8-digit
    words (each followed by a space if sep). Strict: any X/Z digit, stray
    character or wrong length raises AssertionError naming the first rows."""
    raw = np.frombuffer(open(path, "rb").read(), dtype=np.uint8)
    width = ncols * (9 if sep else 8) + 1
    assert raw.size == nrows * width, (
        f"{path}: {raw.size} bytes, expected {nrows} lines of {width} bytes")
    raw = raw.reshape(nrows, width)
    assert (raw[:, -1] == 10).all(), f"{path}: malformed lines"
    if sep:
        assert (raw[:, 8:-1:9] == 32).all(), f"{path}: malformed separators"
        digits = np.delete(raw[:, :-1], np.s_[8::9], axis=1)
    else:
        digits = raw[:, :-1]
    valid = ((digits >= 48) & (digits <= 57)) | ((digits >= 97) & (digits <= 102))
    if not valid.all():
        rows = np.flatnonzero(~valid.all(axis=1))
        sample = "; ".join(f"line {r}: {bytes(raw[r, :-1]).decode(errors='replace')}"
                           for r in rows[:5])
        raise AssertionError(f"{path}: {rows.size} lines with X/Z or non-hex digits: {sample}")
    val = np.where(digits <= 57, digits - 48, digits - 87).astype(np.uint32)
    val = val.reshape(nrows, ncols, 8)
    weights = (np.uint32(1) << np.arange(28, -4, -4, dtype=np.uint32))
    words = (val * weights).sum(axis=2, dtype=np.uint64).astype(np.uint32)
    return words[:, 0] if ncols == 1 else words


def fmt_mismatches(idx, a, b, got, exp, groups=None, limit=8):
    """Human-readable lines for the first `limit` mismatching indices
    (b=None for single-operand units)."""
    lines = []
    for i in idx[:limit]:
        g = ""
        if groups is not None:
            for name, lo, hi in groups:
                if lo <= i < hi:
                    g = f" [{name}]"
                    break
        ops = f"a=0x{int(a[i]):08x}" + ("" if b is None else f" b=0x{int(b[i]):08x}")
        lines.append(f"  #{i}{g}: {ops} got=0x{int(got[i]):08x} expected=0x{int(exp[i]):08x}")
    return lines
