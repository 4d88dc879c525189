"""The cost model of the design-space search: cycles per image of a folding, and an analytic
estimate of an accelerator's resources (DSP48E1, LUT, FF, BRAM18) against the xc7z020 fit rule.

A layer of K inputs and N neurons folded to PE neurons x SIMD inputs per cycle takes
(N/PE) * (K/SIMD) cycles per image (`layer_cycles`); a design point (`Candidate`) is one such
folding and a MAC style per layer. An image takes its slowest layer's cycles, or longer where the
accelerator's slots bound the interval (`interval_bounds`, `interval`: fast foldings). The fit rule:
DSP <= 220, BRAM18 <= 280, LUT <= 85 % of 53,200 (room left for placement), FF <= 106,400.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from qmlp import params
from qmlp import reference as ref
from qmlp.errors import QmlpError
from qmlp.hw.devices import BRAM18_SHAPES, DSP_Y_MIN, dsp_of, in_luts, input_bits, rom_bram18  # noqa: F401
from qmlp.numerics import acts as actreg
from qmlp.spec import LAB, NetSpec

LUT_SHARE = 0.85
FIT = {"dsp": ref.XC7Z020["dsp"], "bram18": ref.XC7Z020["bram18"], "lut": int(LUT_SHARE * ref.XC7Z020["lut"]),
       "ff": ref.XC7Z020["ff"]}
# the analytic model may be this far over a LUT, FF or BRAM18 limit and the candidate is still
# synthesized (its DSP count is exact)
MARGIN = 1.25


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def layer_cycles(k: int, n: int, pe: int, simd: int) -> int:
    """Cycles per image of one layer: (N/PE) groups of PE neurons, (K/SIMD) input chunks each."""
    if n % pe or k % simd:
        raise QmlpError(f"PE={pe} must divide {n} and SIMD={simd} must divide {k}")
    return (n // pe) * (k // simd)


# ----------------------------------------------------------------------------- MAC styles

def mac_styles() -> tuple[str, ...]:
    """The MAC styles the accelerator takes (the parameter table's)."""
    return params.MAC_STYLES


def style_ok(style: str, pe: int, wbits: int) -> bool:
    """Whether a layer may use `style` at this PE and weight width (the parameter table's check)."""
    try:
        params.check_mac((style,), (pe,), (wbits,))
    except QmlpError:
        return False
    return True


# ----------------------------------------------------------------------------- analytic model

# Calibrated on Yosys 0.23 synth_xilinx runs of the accelerator, e.g. the
# default point PE=4,16,2 SIMD=49,1,1 (w8a8, dsp): 10,212 LUT, 11,118 FF, 214 DSP, 48 BRAM18.
# LUTs and FFs outside the lanes (input slots, control, the output argmax)
BASE_LUT, BASE_FF = 3500, 1500
# Every ROM is in block RAM, however shallow: the layer's ROMs carry rom_style = "block"
# (without it Yosys put ROMs of up to 128 words in LUTs: 62,074 LUT instead of 33,115 at w4a4
# PE=16,4,5 SIMD=49,16,1).


def tree_width(wb: int, ab: int, simd: int) -> int:
    """Bits of a lane's adder tree (qmlp_mlp_layer: TW = AB + WB + clog2(SIMD))."""
    return ab + wb + (math.ceil(math.log2(simd)) if simd > 1 else 0)


# 1-bit (bipolar) products in LUTs, Yosys 0.23 synth_xilinx -abc9 of one qmlp_mlp_lane minus its
# 32-bit accumulator (docs/binary.md): XNOR-popcount (WB = AB = 1) 3.1 LUT and 6 FF per product
# at SIMD 16, 3.4 and 7 at SIMD 64, whatever the style (dsp builds 2 x 2-bit products in LUTs,
# 3.6). lut at WB = 1, AB > 1 is the pair path (qmlp_mlp_lane g_pt: a {0, x0, x1, x0 + x1} leaf
# per input pair, a tree of level-sized adders, 2T - S): BIN_LUT_A * AB + BIN_LUT LUT and
# BIN_FF_A * AB + BIN_FF FF per product. Lanes measured (ACT 2, minus 32; the layer all lut, so
# the leaves are not registered and each multiplexer shares its LUT with the first adder):
# 7.2 LUT / 6.4 FF at w1a8 SIMD 16, 7.3 / 7.1 at SIMD 49, 7.3 / 6.5 at SIMD 98, 7.3 / 6.6 at
# SIMD 112, 4.2 / 4.4 at w1a4 SIMD 16, 2.7 / 3.4 at w1a2 SIMD 16 (the earlier +x or ~x lane:
# 17.1 LUT / 40 FF at w1a8 SIMD 49). The lut lanes of a mixed layer (--LUTPE) register their
# leaves: (AB + 1) / 4 LUT and (AB + 1) / 2 FF more per product (measured 9.5 / 11.2 at w1a8
# SIMD 49, 5.4 / 6.9 at w1a4, 3.4 / 4.9 at w1a2). Each pair-path layer adds its shared pair sums
# and S once (qmlp_mlp_layer g_xpair): BIN_SHARED_LUT * (AB + 2) LUT and
# BIN_SHARED_FF * (AB + 1) FF per input of the SIMD chunk (counted from the RTL, not measured on
# their own). Whole design, TFC w1a1 PE=32,4,4,5 SIMD=98,64,64,64 (16 cycles per image): estimate
# LUT 31,451, FF 37,029, BRAM18 113; Yosys LUT 31,381, FF 46,795, BRAM18 230 (docs/binary.md; the
# FF gap is mostly the layer's registers of the 3,136-bit weight word, outside the lanes, and
# Yosys put the 36-bit ROM slices of depth 16 in RAMB36E1s).
# (SIMD 1 keeps the +x or ~x unit, qmlp_mul_lut: the tree plus BIN_XOR_LUT, its former BIN_LUT.)
XNOR_LUT, XNOR_FF, BIN_XOR_LUT = 3.5, 7.0, 2.5
BIN_LUT_A, BIN_LUT, BIN_FF_A, BIN_FF = 0.75, 1.2, 0.55, 2.2
BIN_SHARED_LUT, BIN_SHARED_FF = 1.0, 4.0


def pair_path(style: str, wb: int, ab: int, simd: int) -> bool:
    """Does a lut lane at these widths take qmlp_mlp_lane's pair path (1-bit weights, AB > 1)?"""
    return style == "lut" and wb == 1 and ab > 1 and simd > 1


def lut_per_product(style: str, wb: int, ab: int, simd: int) -> float:
    """LUTs per product: its share of the adder tree (one adder of the tree's width), and for
    the lut style the multiplier: radix-4 Booth digits of the weight (WB/2 of them), each an
    adder of AB+2 bits (qmlp_mul_lut; Yosys measured 24 LUT per MAC at w2a8 and 38 at w4a8,
    tree included); 1-bit weights: XNOR_LUT, BIN_LUT."""
    if wb == 1 and ab == 1 and in_luts(style, wb, ab):
        return XNOR_LUT if style == "lut" else XNOR_LUT + 0.5     # dsp: 2 x 2-bit products, 3.6 + acc
    if pair_path(style, wb, ab, simd):
        return BIN_LUT_A * ab + BIN_LUT
    lut = tree_width(wb, ab, simd) * (simd - 1) / simd
    if style == "lut" and wb == 1:
        lut += BIN_XOR_LUT          # SIMD 1: one product, +x or ~x and its count
    elif in_luts(style, wb, ab):
        lut += -(-wb // 2) * (ab + 2)       # a `*` Yosys keeps out of DSPs: about the same
    elif style == "dsp2":
        lut += 1.0                    # the two 16-bit fields of P, sign bit flipped
    return lut


def ff_per_product(style: str, wb: int, ab: int, simd: int) -> float:
    """FFs per product: the weight register before the multipliers, the product and tree registers."""
    if wb == 1 and ab == 1 and in_luts(style, wb, ab):
        return XNOR_FF
    if pair_path(style, wb, ab, simd):
        return BIN_FF_A * ab + BIN_FF
    tw = tree_width(wb, ab, simd)
    return wb + tw + (tw * (simd - 1) / simd) + ((ab + 1) if style == "lut" and wb == 1 else 0)


@dataclass(frozen=True)
class LayerPoint:
    k: int
    n: int
    pe: int
    simd: int
    mac: str
    wb: int
    ab: int            # bits of this layer's input activations
    lutpe: int = 0     # --LUTPE: PEs of a mixed layer in LUT multipliers (the last of the PE)

    @property
    def cycles(self) -> int:
        return layer_cycles(self.k, self.n, self.pe, self.simd)

    @property
    def macs(self) -> int:
        return self.pe * self.simd

    @property
    def dsp(self) -> int:
        """DSP48E1s (exact): the layer's style for its PEs outside LUTs (a mixed layer's LUT PEs need none)."""
        return dsp_of(self.mac, self.pe - self.lutpe, self.simd, self.wb, self.ab)

    def estimate(self, hidden: bool, act: str | None = "tanh", bias: bool = False, out_bits: int = 8) -> dict:
        depth, width = self.cycles, self.macs * self.wb
        bram = rom_bram18(depth, width)
        lut = (self.pe - self.lutpe) * self.simd * lut_per_product(self.mac, self.wb, self.ab, self.simd)
        lut += self.lutpe * self.simd * lut_per_product("lut", self.wb, self.ab, self.simd)
        shared = pair_path("lut" if self.lutpe else self.mac, self.wb, self.ab, self.simd)
        # accumulator; requantize and the activation: a table (80 LUT per PE), a clamp (about 20)
        # or at 1 bit the sign (one flip-flop and a LUT)
        kind = actreg.get(act).hw_kind(out_bits) if hidden else None
        lut += self.pe * (32 + {"table": 80, "clamp": 20, "sign": 1, None: 0}[kind])
        ff = self.macs * ff_per_product(self.mac, self.wb, self.ab, self.simd) + self.simd * 8
        ff += self.pe * (32 + (16 if hidden else 0) + (24 if bias else 0))
        if shared and self.lutpe and self.mac != "lut":    # a mixed layer's pair lanes register their leaves
            lut += self.lutpe * self.simd * (self.ab + 1) / 4
            ff += self.lutpe * self.simd * (self.ab + 1) / 2
        if shared:                  # the pair path's words, once per layer
            lut += self.simd * BIN_SHARED_LUT * (self.ab + 2)
            ff += self.simd * BIN_SHARED_FF * (self.ab + 1)
        return {"dsp": self.dsp, "lut": int(lut),
                "bram18": bram, "ff": int(ff)}


@dataclass(frozen=True)
class Candidate:
    """One design point: PE, SIMD and MAC style per layer, weight and activation bits."""
    pe: tuple
    simd: tuple
    mac: tuple
    wbits: tuple
    abits: tuple
    spec: NetSpec = LAB
    lutpe: tuple = ()        # --LUTPE per layer (mixed layers); () = none, and all zeros become ()

    def __post_init__(self):
        if not any(self.lutpe):
            object.__setattr__(self, "lutpe", ())
        elif len(self.lutpe) != len(self.pe):
            raise QmlpError(f"LUTPE={commas(self.lutpe)}: one value per layer ({len(self.pe)})")

    @property
    def lutpes(self) -> tuple:
        """LUT PEs of every layer (zeros without a mixed layer)."""
        return tuple(self.lutpe) or (0,) * len(self.pe)

    @property
    def bits(self) -> str:
        return f"w{''.join(map(str, sorted(set(self.wbits))))}a{''.join(map(str, sorted(set(self.abits))))}" \
            if len(set(self.wbits)) == 1 and len(set(self.abits)) == 1 else \
            f"w{''.join(map(str, self.wbits))}a{''.join(map(str, self.abits))}"

    def layers(self) -> list[LayerPoint]:
        return [LayerPoint(k, n, self.pe[i], self.simd[i], self.mac[i], self.wbits[i], ain, self.lutpes[i])
                for i, ((k, n), ain) in enumerate(zip(self.spec.shapes, input_bits(self.spec, self.abits)))]

    @property
    def layer_cycles(self) -> tuple:
        return tuple(l.cycles for l in self.layers())

    @property
    def cycles_per_image(self) -> int:
        """Cycles per image the accelerator runs at (`interval`): the slowest layer's, or more where
        its slots bound the interval; what the testbench's RESULT line reports."""
        return interval(self)

    @property
    def macs(self) -> int:
        return sum(l.macs for l in self.layers())

    def estimate(self) -> dict:
        est = {"dsp": 0, "lut": BASE_LUT, "bram18": 0, "ff": BASE_FF}
        n = self.spec.n_layers
        for i, l in enumerate(self.layers()):
            act = self.spec.layers[i].act
            for k, v in l.estimate(hidden=i < n - 1, act=act, bias=self.spec.layers[i].bias,
                                   out_bits=self.abits[i] if i < n - 1 else 8).items():
                est[k] += v
        return est

    def fusesoc_params(self) -> dict:
        """The FuseSoC parameters (without MODEL): what `fusesoc run ... qmlp:accel:mlp` takes."""
        out = {"PE": commas(self.pe), "SIMD": commas(self.simd), "WBITS": commas(self.wbits),
               "ABITS": commas(self.abits) or "8", "MAC": commas(self.mac)}
        if self.lutpe:               # only a mixed point names it: the others' commands and cache keys stay
            out["LUTPE"] = commas(self.lutpe)
        return out

    def check(self) -> None:
        """The parameter table's own validation (the hooks run the same)."""
        params.validate("accel", self.fusesoc_params(), spec=self.spec)

    def label(self) -> str:
        return f"PE={commas(self.pe)} SIMD={commas(self.simd)} MAC={commas(self.mac)}" + \
            (f" LUTPE={commas(self.lutpe)}" if self.lutpe else "")

    @classmethod
    def from_params(cls, p: dict, spec: NetSpec = LAB) -> "Candidate":
        """The candidate of a run's FuseSoC parameters (one value = every layer, as the core takes them)."""
        v = params.validate("accel", {k: p[k] for k in ("PE", "SIMD", "WBITS", "ABITS", "MAC", "LUTPE") if k in p},
                            spec=spec)
        return cls(tuple(v["PE"]), tuple(v["SIMD"]), tuple(v["MAC"]), tuple(v["WBITS"]), tuple(v["ABITS"]), spec,
                   tuple(v["LUTPE"]))


# ----------------------------------------------------------------------------- interval

def write_stage(l: LayerPoint, last: bool) -> int:
    """qmlp_mlp_layer's WR_ST: cycles from a read to the write (and from an image's last read to
    its commit). ACC_ST = 6 + D - PSHORT with D = clog2(SIMD) the tree's depth and PSHORT one stage
    less in an all-lut layer on the pair path (1-bit weights, AB > 1, SIMD > 1); a hidden layer
    adds 2 (requantize, activation). (The ECP5 build adds one more for a table activation,
    TBL_REG, one for a dsp layer's products, XREG, and one in front of every layer's lanes, DREG;
    not modelled: the search's devices are timed at xc7's stage counts.)"""
    d = math.ceil(math.log2(l.simd)) if l.simd > 1 else 0
    pshort = 1 if (l.mac == "lut" and l.wb == 1 and l.ab > 1 and l.simd > 1) else 0
    acc_st = 6 + d - pshort
    return acc_st if last else acc_st + 2


# the input slots (qmlp_mlp_accel: 2), the activation slots between layers (NB = 3), the logit slots
# (qmlp_mlp_out: 2)
IN_SLOTS, MID_SLOTS, OUT_SLOTS = 2, 3, 2


def interval_bounds(cand: "Candidate") -> dict[str, Fraction]:
    """Lower bounds on the accelerator's steady-state cycles per image, each the loop of one
    resource (the interval is the largest; every longer loop through several buffers averages
    these). Derived from the RTL and checked against Verilator/Icarus runs (docs/search.md):

    - "layer i": the layer's own (N/PE)(K/SIMD) reads per image (`layer_cycles`).
    - "input slots": a slot of qmlp_mlp_in/qmlp_mlp_slots (2 slots, WREG=1) takes W1 = K1/SIMD1
      beats, the commit 1 cycle (WREG) plus 1 to the full flag, layer 1's DEPTH1 reads, its release:
      W1 + DEPTH1 + 2 cycles per image and slot, so (W1 + DEPTH1 + 2) / 2 (TFC PE=64,4,4,5
      SIMD=49,64,64,64: (16 + 16 + 2) / 2 = 17 measured, docs/binary.md).
    - "slots i-(i+1)": an activation slot (3 per buffer) is claimed at layer i's issue, committed
      WR_ST_i after its last read, full a cycle later, read by layer i+1 (DEPTH_i+1 reads after a
      cycle of issue) and released; the writer issues the cycle after it sees it free:
      (DEPTH_i + WR_ST_i + DEPTH_i+1 + 2) / 3, i.e. WR_ST_i <= P - 2 for both layers at P.
    - "logit slots": qmlp_mlp_out's 2 slots, each from the last layer's issue to the class beat:
      DEPTH_L + WR_ST_L + N + 6 (N logit beats, 4 cycles of argmax, the class beat, the flags),
      over 2 (docs/netlist.md "Throughput at fast foldings is the output stage's": 36 points).
    - "output stage": N + 5 cycles per image of qmlp_mlp_out's stream itself (N + 1 beats, 4 waits).
    """
    ls = cand.layers()
    classes = cand.spec.classes
    out = {f"layer {i + 1}": Fraction(l.cycles) for i, l in enumerate(ls)}
    out["input slots"] = input_bound(ls[0])
    for i in range(len(ls) - 1):
        out[f"slots {i + 1}-{i + 2}"] = mid_bound(ls[i], ls[i + 1])
    out["logit slots"] = logit_bound(ls[-1], classes)
    out["output stage"] = Fraction(classes + 5)
    return out


def input_bound(first: LayerPoint) -> Fraction:
    """The input slots' bound (`interval_bounds`): (W1 + DEPTH1 + 2) / 2."""
    return Fraction(first.k // first.simd + first.cycles + 2, IN_SLOTS)


def mid_bound(writer: LayerPoint, reader: LayerPoint) -> Fraction:
    """The activation slots' bound between two layers (`interval_bounds`)."""
    return Fraction(writer.cycles + write_stage(writer, False) + reader.cycles + 2, MID_SLOTS)


def logit_bound(last: LayerPoint, classes: int) -> Fraction:
    """The logit slots' bound (`interval_bounds`): (DEPTH_L + WR_ST_L + N + 6) / 2."""
    return Fraction(last.cycles + write_stage(last, True) + classes + 6, OUT_SLOTS)


def nearest(x: Fraction) -> int:
    """The testbench's figure of an average interval: rounded to the nearest cycle, halves down
    (a two-slot loop of 41 cycles measured 20, docs/binary.md TFC PE=32,4,4,5 SIMD=98,64,64,8)."""
    fl = math.floor(x)
    return fl if x - fl <= Fraction(1, 2) else fl + 1


def interval(cand: "Candidate") -> int:
    """Cycles per image the accelerator runs at: the largest of `interval_bounds` (the slowest
    layer, or the input, activation or logit slots, or the output stream at fast foldings),
    as the testbench reports it (`nearest`)."""
    return nearest(max(interval_bounds(cand).values()))


def limiting(cand: "Candidate") -> str:
    """What bounds the interval: "layer i" when the slowest layer does, else the slots' name."""
    b = interval_bounds(cand)
    top = max(b.values())
    layer = [k for k, v in b.items() if k.startswith("layer") and v == top]
    return layer[0] if layer else max(b, key=b.get)


def commas(v) -> str:
    """1,2,3: a per-layer value as FuseSoC parameters take it."""
    return ",".join(map(str, v))


def score(est: dict) -> float:
    """Utilization against the fit rule: the largest share of any limit (1.0 = exactly full)."""
    return max(est[k] / FIT[k] for k in ("dsp", "lut", "bram18", "ff"))


def plausible(est: dict, margin: float = MARGIN) -> bool:
    """Worth a synthesis: DSP48s within the limit (the model counts them exactly: one or half a
    DSP per product by style), LUT, FF and BRAM18 within `margin` of theirs (estimates)."""
    return est["dsp"] <= FIT["dsp"] and all(est[k] <= margin * FIT[k] for k in ("lut", "ff", "bram18"))


def fits(r: dict) -> bool:
    """The fit rule on Yosys resources (or an estimate)."""
    return all(int(r[k]) <= FIT[k] for k in FIT)


def total(est: dict) -> float:
    """The estimate's shares of the fit rule's limits, summed."""
    return sum(est[k] / FIT[k] for k in ("dsp", "lut", "bram18", "ff"))


# ----------------------------------------------------------------------------- results

LUT_FLOOR = 0.2     # a result below this share of the LUT estimate lost logic (the model is within 2x)


def implausible(cand: Candidate, r: dict) -> str | None:
    """Why a synthesis result cannot be the design, if it cannot: fewer DSP48s than its products
    need (the model's DSP count is exact: one per product, one per pair for dsp2), i.e. Yosys
    removed logic - an undriven net or a constant output in the RTL, not a smaller design."""
    need = sum(l.dsp for l in cand.layers())
    if int(r["dsp"]) < need:
        return (f"Yosys kept {r['dsp']} DSP48E1 of the {need} its products need: logic was removed "
                "(look for undriven nets in yosys.log)")
    lut = cand.estimate()["lut"]
    if int(r["lut"]) < LUT_FLOOR * lut:
        return (f"Yosys kept {int(r['lut']):,} LUTs where the model expects about {lut:,}: logic was removed "
                "(look for undriven nets in yosys.log)")
    return None

