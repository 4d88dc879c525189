"""What a design point needs of a device, known before any tool runs (exact where the mapping is).

xc7 (Yosys synth_xilinx): DSP48E1s per MAC style and the weight ROMs in BRAM18. The search's
cost model (qmlp.flow.dse.model) and the hooks' fit warnings (qmlp.eda.hooks) share these rules.
"""

from __future__ import annotations

import math

from qmlp.numerics import acts as actreg
from qmlp.reference import XC7Z020
from qmlp.spec import LAB, NetSpec

# BRAM18 shapes (depth, width) for a ROM; Yosys picks a shape per ROM
BRAM18_SHAPES = ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1))
# synth_xilinx maps a `*` to a DSP48E1 only when its product has at least this many bits
# (mul2dsp's DSP_Y_MINWIDTH for xc7): 4 x 4-bit dsp products are LUTs, 2 x 8-bit ones DSPs.
DSP_Y_MIN = 9


def in_luts(style: str, wb: int, ab: int) -> bool:
    """A product Yosys builds in LUTs: the lut style, and dsp products under DSP_Y_MIN bits
    (dsp2 packs two into one wide product, a DSP48E1 at any code width)."""
    return style == "lut" or (style == "dsp" and wb + ab < DSP_Y_MIN)


def dsp_of(style: str, pe: int, simd: int, wb: int, ab: int) -> int:
    """DSP48E1s of a layer: one per two products sharing an activation (dsp2), none where the
    products are in LUTs (`in_luts`), else one per product."""
    if style == "dsp2":
        return -(-pe // 2) * simd
    return 0 if in_luts(style, wb, ab) else pe * simd


def rom_bram18(depth: int, width: int) -> int:
    """BRAM18s of a ROM depth x width bits in the cheapest shape."""
    return min(math.ceil(depth / d) * math.ceil(width / w) for d, w in BRAM18_SHAPES)


def input_bits(spec: NetSpec, abits) -> list[int]:
    """Signed bits of each layer's input codes (qmlp.numerics.acts.input_bits) of a network."""
    return actreg.input_bits(spec.acts, abits)


def xc7_counts(v: dict, spec: NetSpec | None = None) -> dict:
    """DSP48E1 (exact) and the weight ROMs' BRAM18 of a validated design point (params.validate)."""
    spec = spec or LAB
    ain = input_bits(spec, tuple(v.get("ABITS") or ()) or (8,) * (spec.n_layers - 1))
    out = {"dsp": 0, "bram18": 0}
    for i, (k, n) in enumerate(spec.shapes):
        pe, simd, mac, wb = v["PE"][i], v["SIMD"][i], v["MAC"][i], v["WBITS"][i]
        lp = tuple(v.get("LUTPE") or (0,))                    # a mixed layer's PEs in LUTs need no DSP48
        out["dsp"] += dsp_of(mac, pe - int(lp[i] if len(lp) > 1 else lp[0]), simd, wb, ain[i])
        out["bram18"] += rom_bram18((n // pe) * (k // simd), pe * simd * wb)
    return out


def xc7_warning(v: dict, spec: NetSpec | None = None) -> str | None:
    """A line saying what a design point needs beyond the xc7z020's DSP48E1 or BRAM18, or None."""
    c = xc7_counts(v, spec)
    over = [f"{c[k]:,} {cell} (the xc7z020 has {XC7Z020[k]:,})" for k, cell in
            (("dsp", "DSP48E1"), ("bram18", "BRAM18 for the weight ROMs")) if c[k] > XC7Z020[k]]
    if not over:
        return None
    pt = " ".join(f"--{p}={','.join(map(str, v[p]))}" for p in ("PE", "SIMD", "MAC", "LUTPE") if any(v.get(p) or ()))
    return f"{pt} needs " + ", ".join(over) + ": it cannot fit the PYNQ-Z2; the estimate runs anyway"
