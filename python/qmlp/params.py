"""The one table of hardware parameters: name, type, default, range and meaning.

Every FuseSoC parameter of the matmul IPs and the accelerator is defined here once. The
`.core` files' parameter blocks are checked against this table by a test (tests/test_params.py),
and the golden models, the vector writer, the HLS glue, the ROM writer, the FuseSoC hooks and
the CLI take their ranges from it. `validate()` turns raw values (from the command line, an
EDAM file or Python) into typed ones, or raises a QmlpError that names the parameter, the
value given and what is allowed, in the user's terms (`--LANES=3`, not a derived quantity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qmlp.errors import QmlpError
from qmlp.spec import LAB, NetSpec, per_layer

# int8 products are 16 bits wide: an accumulator needs at least that; the RTL keeps it <= 32
ACC_W_RANGE = (16, 32)
# int8 codes scaled by 2**-FL_B must stay exact float32 numbers (normal or subnormal)
FL_B_RANGE = (-120, 149)
# bits per weight / activation of the accelerator; 1 is bipolar, codes -1 and +1 (qmlp.numerics.bipolar)
BITS = (8, 4, 2, 1)
# bits per code of the int8 matmul IP's packed B (two's complement; no bipolar codes there)
IP_BITS = (8, 4, 2)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str                    # int | float | list | words | file | bool | str
    default: object
    meaning: str
    lo: int | None = None        # int: inclusive range; list: range of every item
    hi: int | None = None
    length: int | None = None    # list: number of items (one per layer)
    paramtype: str = "vlogparam"
    choices: tuple = ()          # words: the accepted words (one value, or one per layer)
    pattern: str = ""            # str: the accepted values as a regular expression (full match)
    form: str = ""               # str: the pattern in words, for messages

    @property
    def datatype(self) -> str:
        """The FuseSoC datatype of the parameter."""
        return {"int": "int", "list": "str", "words": "str", "file": "file", "bool": "bool",
                "float": "real", "str": "str"}[self.kind]

    def allowed(self) -> str:
        if self.kind == "int":
            hi = "" if self.hi is None else str(self.hi)
            return f"an integer {self.lo}..{hi}" if self.lo is not None else "an integer"
        if self.kind == "list":
            n = f"{self.length} " if self.length else ""
            auto = " (or auto)" if self.default == "auto" else ""
            return (f"{n}comma-separated integers {self.lo}..{self.hi if self.hi is not None else ''}{auto}"
                    .rstrip("."))
        if self.kind == "words":
            return f"one word or one per layer, comma-separated, of {', '.join(self.choices)}"
        if self.kind == "bool":
            return "true or false"
        if self.kind == "str":
            return f"of the form {self.form}" if self.form else "a word"
        if self.kind == "float":
            return f"a finite number {self.lo}..{self.hi}"
        return "a file"

    def parse(self, raw):
        """A typed value from a raw one (str from a command line or EDAM file, or a Python value)."""
        bad = QmlpError(f"--{self.name}={_show(raw)} is not {self.allowed()}: {self.meaning}")
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes"):
                return True
            if str(raw).lower() in ("0", "false", "no"):
                return False
            raise bad
        if self.kind == "file":
            return None if raw in (None, "") else str(raw)
        if self.kind == "str":
            text = str(raw).strip()
            if len(text) >= 2 and text[0] == text[-1] == '"':     # EDAM files quote string values
                text = text[1:-1]
            if self.pattern and not re.fullmatch(self.pattern, text):
                raise bad
            return text
        if self.kind == "words":
            items = list(raw) if isinstance(raw, (list, tuple)) else str(raw).strip().strip('"').split(",")
            words = tuple(str(x).strip() for x in items)
            if any(w not in self.choices for w in words):
                raise bad
            return words
        if self.kind == "float":
            try:
                v = float(raw)
            except (TypeError, ValueError):
                raise bad from None
            if v != v or v in (float("inf"), float("-inf")) or (self.lo is not None and v < self.lo) or \
                    (self.hi is not None and v > self.hi):
                raise bad
            return v
        if self.kind == "int":
            v = _int(raw)
            if v is None or (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
                raise bad
            return v
        # list: "4,16,2" or a sequence (its length is checked against the model: check_accel)
        if isinstance(raw, str) and raw.strip().strip('"') == "auto" and self.default == "auto":
            return "auto"
        items = list(raw) if isinstance(raw, (list, tuple)) else str(raw).strip().strip('"').split(",")
        vals = [_int(x) for x in items]
        if any(v is None for v in vals) or (self.length and len(vals) != self.length) or \
                any((self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi) for v in vals):
            raise bad
        return tuple(vals)


def _int(raw):
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    try:
        return int(str(raw).strip())
    except ValueError:
        return None


def _show(raw) -> str:
    return ",".join(map(str, raw)) if isinstance(raw, (list, tuple)) else str(raw)


# ----------------------------------------------------------------------------- matmul IPs

KINDS = ("i8", "f32i8", "f32")

_SHAPE = [
    Param("ROWS", "int", 64, "Rows of A and C", 1, 4096),
    Param("INNER", "int", 128, "Columns of A, rows of B", 1, 4096),
    Param("COLS", "int", 64, "Columns of B and C", 1, 4096),
    Param("LANES", "int", 1, "MACs per cycle (B and C banks); must divide COLS", 1, 64),
]
_VEC_I8 = Param("VECTORS", "int", 4, "Test blocks to simulate (random, extremes, small values, sparse, ...)", 1,
                1000, paramtype="plusarg")
_VEC_F32 = Param("VECTORS", "int", 5, "Test blocks to simulate (random, specials, tiny, huge, integer ties, ...)", 1,
                 1000, paramtype="plusarg")
_SIM = [
    Param("SEED", "int", 1, "Seed of the random test vectors", 0, 2**32 - 1, paramtype="plusarg"),
    Param("STRICT_X", "int", 1, "1 fails the simulation on X on any output after reset (data and addresses too)",
          0, 1, paramtype="plusarg"),
]
MATMUL: dict[str, list[Param]] = {
    "i8": _SHAPE + [
        Param("ACC_W", "int", 32, "Accumulator width 16..32, wraps (16 is the lab's int16 sum)", *ACC_W_RANGE),
        Param("SHIFT", "int", 0, "Requantization shift, round half up (0 is the lab's behaviour)", 0, 31),
        Param("WBITS", "int", 8, "Bits per B code, 8, 4 or 2 (B holds 8/WBITS packed codes per byte)", 2, 8),
    ] + [_VEC_I8] + _SIM,
    "f32i8": _SHAPE + [
        Param("FL_B", "int", 4, "Fraction length of B's int8 codes: b = code * 2**-FL_B", *FL_B_RANGE),
    ] + [_VEC_F32] + _SIM,
    "f32": _SHAPE + [_VEC_F32] + _SIM,
}


def matmul_params(kind: str) -> list[Param]:
    if kind not in MATMUL:
        raise QmlpError(f"unknown IP kind {kind!r}: one of {', '.join(KINDS)}")
    return MATMUL[kind]


def check_matmul(kind: str, v: dict) -> None:
    """The constraints between a matmul IP's parameters (each already in its own range)."""
    if v["COLS"] % v["LANES"]:
        raise QmlpError(f"--LANES={v['LANES']} does not divide --COLS={v['COLS']}: LANES must be a divisor of COLS "
                        f"({', '.join(str(d) for d in _divisors(v['COLS']) if d <= 64)})")
    words = {"A": v["ROWS"] * v["INNER"], "B bank": v["INNER"] * v["COLS"] // v["LANES"],
             "C bank": v["ROWS"] * v["COLS"] // v["LANES"]}
    for what, n in words.items():
        if n < 2:
            raise QmlpError(f"--ROWS={v['ROWS']} --INNER={v['INNER']} --COLS={v['COLS']} --LANES={v['LANES']} "
                            f"leave {what} with {n} word; every array (and bank) needs at least 2")
    if kind == "i8" and v["SHIFT"] >= v["ACC_W"]:
        raise QmlpError(f"--SHIFT={v['SHIFT']} must be below --ACC_W={v['ACC_W']}")
    if kind == "i8":
        _check_wbits(v)


def _check_wbits(v: dict) -> None:
    """Packed B of the int8 IP: PER = 8/WBITS codes per byte along a row of B, LANES lanes read
    max(1, LANES/PER) byte banks (cores/ip/matmul_i8/rtl/qmlp_matmul_i8.v)."""
    w, cols, lanes = v["WBITS"], v["COLS"], v["LANES"]
    if w not in IP_BITS:
        raise QmlpError(f"--WBITS={w} is not one of {', '.join(map(str, IP_BITS))}: bits per B code "
                        "(8/WBITS codes per byte)")
    per = 8 // w
    if cols % per:
        raise QmlpError(f"--WBITS={w} packs {per} codes per byte along a row of B: --COLS={cols} must be a "
                        f"multiple of {per}")
    if lanes % per and per % lanes:
        ok = [d for d in range(1, 65) if (d % per == 0 or per % d == 0) and cols % d == 0]
        raise QmlpError(f"--WBITS={w} packs {per} codes per byte: --LANES={lanes} must be a multiple or a divisor "
                        f"of {per} (with --COLS={cols}: {', '.join(map(str, ok))})")
    banks = max(1, lanes // per)
    n = v["INNER"] * cols // per // banks
    if n < 2:
        raise QmlpError(f"--INNER={v['INNER']} --COLS={cols} --LANES={lanes} --WBITS={w} leave a B bank with {n} "
                        "byte; every bank needs at least 2")


# ----------------------------------------------------------------------------- accelerator

ACCEL: list[Param] = [
    Param("PE", "list", "auto", "Neurons computed in parallel per layer (each divides the layer's outputs; one value "
          "= every layer; auto: the model's default folding, 4,16,2 for the lab's network)", 1, 4096),
    Param("SIMD", "list", "auto", "Inputs consumed per cycle per layer (each divides the layer's inputs; one value "
          "= every layer; auto: the model's default folding, 49,1,1 for the lab's network)", 1, 4096),
    Param("MODEL", "file", None, "Float model .npz whose weights go into the ROMs (default the build folder's, "
          "trained once when missing)", paramtype="vlogdefine"),
    Param("IMAGES", "int", 32, "Test images to stream through (0 or more than available = all)", 0, 10000,
          paramtype="plusarg"),
    Param("STALL", "int", 0, "Percent of cycles with input gaps and output back-pressure (handshake test)", 0, 99,
          paramtype="plusarg"),
]
ACCEL += [
    Param("WBITS", "list", (8,), "Weight bits per layer, 8, 4, 2 or 1 (1: bipolar, -1 or +1; one value = every "
          "layer)", 1, 8),
    Param("ABITS", "list", (8,), "Activation bits per hidden layer, 8, 4, 2 or 1 (1: bipolar, the sign; one value "
          "= every hidden layer)", 1, 8),
]

# MAC styles of the accelerator, per layer (how a layer's PE x SIMD products are built; the
# arithmetic is exact in every style, so ROMs, vectors and the golden model do not change):
#   dsp   one product per DSP48E1 (Yosys infers one per multiplier)
#   dsp2  two products per DSP48E1 sharing the activation: the weights of neurons 2q and 2q+1
#         on the 25-bit port (16 bits apart), the activation on the 18-bit port; needs an even PE
#   lut   products and adder trees in LUTs (no DSP); for weights of 4, 2 or 1 bits (1 bit: the
#         input or its complement; 1-bit weights and activations: XNOR and popcount)
MAC_STYLES = ("dsp", "dsp2", "lut")
ACCEL += [
    Param("MAC", "words", ("dsp",), "MAC style per layer: dsp (one product per DSP48), dsp2 (two products "
          "sharing the activation per DSP48, even PE), lut (in LUTs, WBITS 4, 2 or 1); one value = every layer",
          choices=MAC_STYLES),
    # a mixed layer: its last LUTPE PEs build their products in LUTs (qmlp_mul_lut, any weight
    # width), the others in the layer's MAC style, so DSP48s do not cap the products per cycle
    Param("LUTPE", "list", (0,), "PEs per layer whose products are LUT multipliers whatever MAC says (a mixed "
          "layer: the last LUTPE of the PE neurons; 0..PE, PE - LUTPE even for dsp2; one value = every layer)",
          0, 4096),
]

# place and route (the pnr_ecp5 targets): a define, the parameter type every flow accepts
PNR: list[Param] = [
    Param("TARGET_MHZ", "int", 100, "Target clock of place and route in MHz (pnr_ecp5 targets)", 1, 500,
          paramtype="vlogdefine"),
]
# netlist simulation (sim_synth, sim_pnr_ecp5: qmlp.eda.netlist), plusargs of those targets
_FAULT = ("inject a fault to prove the check fails - lut[:n] complements one LUT's INIT, dsp[:n] changes one "
          "DSP48E1's AREG (none: no fault)")
_FAULT_RE, _FAULT_FORM = r"none|(lut|dsp)(:[0-9]+)?", "none, lut[:n] or dsp[:n]"
NETLIST_MATMUL = [
    Param("NETLIST_SIM", "words", ("verilator",), "Simulator of sim_synth: verilator (fast, 2-state) or icarus "
          "(4-state: X shows)", paramtype="plusarg", choices=("verilator", "icarus")),
    Param("FAULT", "str", "none", "sim_synth: " + _FAULT, paramtype="plusarg", pattern=_FAULT_RE, form=_FAULT_FORM),
]
NETLIST_ACCEL = [
    Param("NETLIST_SIM", "words", ("verilator",), "Simulator of the netlist targets (sim_synth, sim_pnr_ecp5): "
          "verilator (fast, 2-state) or icarus (4-state: X shows)", paramtype="plusarg", choices=("verilator", "icarus")),
    Param("FAULT", "str", "none", "Netlist targets: " + _FAULT, paramtype="plusarg", pattern=_FAULT_RE,
          form=_FAULT_FORM),
    Param("ROUTE", "int", 1, "sim_pnr_ecp5: 1 simulates the routed netlist (nextpnr-ecp5 --write), 0 the synth_ecp5 "
          "netlist", 0, 1, paramtype="plusarg"),
]
for _kind in MATMUL:
    MATMUL[_kind] = MATMUL[_kind] + PNR + NETLIST_MATMUL
ACCEL += PNR + NETLIST_ACCEL
# the PYNQ-Z2 board build (the pynq_z2 targets of the AXI wrapper cores, qmlp.eda.pynq): FCLK0 of
# the Zynq PS, which clocks the DMA and the core; a define, like TARGET_MHZ
PYNQ_FCLK = Param("FCLK_MHZ", "int", 100, "FCLK0 of the PYNQ-Z2 block design in MHz, the clock of the DMA and "
                  "the core (pynq_z2 targets)", 10, 250, paramtype="vlogdefine")
PYNQ: list[Param] = [PYNQ_FCLK]
# the lab's network's default folding (512 cycles per image, 214 MACs per cycle)
DEFAULT_PE = (4, 16, 2)
DEFAULT_SIMD = (49, 1, 1)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def parse_bits(name: str, raw, n: int) -> tuple[int, ...]:
    """--WBITS / --ABITS: one value (every layer) or n values, each 8, 4, 2 or 1 (bipolar)."""
    vals = raw if isinstance(raw, (list, tuple)) else str(raw).strip().strip('"').split(",")
    out = tuple(_int(v) for v in vals)
    if any(v not in BITS for v in out):
        raise QmlpError(f"--{name}={_show(raw)}: each value is one of {', '.join(map(str, BITS))}")
    return per_layer(out, n, f"--{name}={_show(raw)}", "hidden layers" if name == "ABITS" else "layers")


def expand(name: str, raw, n: int) -> tuple:
    """A per-layer list (--PE, --SIMD, --MAC) against the model's n layers: one value = every layer."""
    vals = tuple(raw) if isinstance(raw, (list, tuple)) else tuple(str(raw).split(","))
    return per_layer(vals, n, f"--{name}={_show(vals)}")


def check_mac(mac, pe, wbits, lutpe=(0,)) -> None:
    """The MAC style of each layer against its PE and weight bits, and its LUT PEs (--LUTPE);
    the message names the flags."""
    n = len(pe)
    mac, wbits = expand("MAC", mac, n), expand("WBITS", wbits, n)
    lutpe = tuple(int(v) for v in expand("LUTPE", lutpe, n))
    for i in range(n):
        if lutpe[i] > pe[i]:
            raise QmlpError(f"--LUTPE={_show(lutpe)} --PE={_show(pe)}: layer {i + 1} has PE={pe[i]} and LUTPE="
                            f"{lutpe[i]}: LUTPE counts the layer's PEs built in LUTs, 0..{pe[i]}")
        if mac[i] == "dsp2" and lutpe[i] and (pe[i] - lutpe[i]) % 2:
            raise QmlpError(f"--MAC={_show(mac)} --PE={_show(pe)} --LUTPE={_show(lutpe)}: layer {i + 1} is dsp2, which "
                            f"packs the weights of two neurons into one DSP48, and leaves PE - LUTPE = {pe[i]} - "
                            f"{lutpe[i]} = {pe[i] - lutpe[i]} PEs to it, an odd number (make PE - LUTPE even)")
        if mac[i] == "dsp2" and not lutpe[i] and pe[i] % 2:
            raise QmlpError(f"--MAC={_show(mac)} --PE={_show(pe)}: layer {i + 1} is dsp2, which packs the weights of "
                            f"two neurons into one DSP48, and PE={pe[i]} is odd (dsp2 needs an even PE)")
        if mac[i] == "lut" and int(wbits[i]) > 4:
            raise QmlpError(f"--MAC={_show(mac)} --WBITS={_show(wbits)}: layer {i + 1} is lut, which builds its "
                            f"multipliers in LUTs for 4-, 2- or 1-bit weights, and its weights have {wbits[i]} bits "
                            "(use dsp or dsp2 for 8-bit weights, with --LUTPE for PEs in LUTs)")


def check_accel(pe, simd, spec: NetSpec = LAB) -> None:
    """PE and SIMD per layer against the model's layers; the message names the flag."""
    shapes = spec.shapes
    for i, (k, n) in enumerate(shapes):
        if n % pe[i]:
            raise QmlpError(f"--PE={_show(pe)}: layer {i + 1} has {n} outputs, and PE={pe[i]} does not divide them "
                            f"(divisors: {', '.join(map(str, _divisors(n)))})")
        if k % simd[i]:
            raise QmlpError(f"--SIMD={_show(simd)}: layer {i + 1} has {k} inputs, and SIMD={simd[i]} does not divide "
                            f"them (divisors: {', '.join(map(str, _divisors(k)))})")
        if (n // pe[i]) * (k // simd[i]) < 2:
            raise QmlpError(f"--PE={_show(pe)} --SIMD={_show(simd)}: layer {i + 1} would take 1 cycle per image "
                            "(a ROM of depth 1); keep (outputs/PE) x (inputs/SIMD) >= 2")
        if i > 0 and pe[i - 1] % simd[i] and simd[i] % pe[i - 1]:
            # qmlp_mlp_slots: layer i writes PE bytes per cycle, layer i+1 reads SIMD bytes per cycle
            raise QmlpError(f"--PE={_show(pe)} --SIMD={_show(simd)}: layer {i} writes PE={pe[i - 1]} outputs per cycle "
                            f"into the buffer that layer {i + 1} reads SIMD={simd[i]} at a time; one must divide the "
                            "other (the buffer's words are the larger of the two)")


def _fold_options(k: int, n: int, t: int) -> list[tuple[int, int]]:
    """(PE, SIMD) of a K-input, N-output layer within t cycles per image, fewest products first."""
    out = [(p, s) for p in _divisors(n) for s in _divisors(k) if (n // p) * (k // s) <= t and (n // p) * (k // s) >= 2]
    return sorted(out, key=lambda ps: (ps[0] * ps[1], -ps[1]))


# the ULX3S board top's default for the lab's network: the UART, not the accelerator, sets the pace
BOARD_PE = (2, 4, 1)
BOARD_SIMD = (8, 2, 1)
# cycles of the board's 25 MHz clock per input byte at 1 Mbaud (10 bits a byte)
BOARD_CYCLES_PER_BYTE = 250


AUTO_PRODUCTS = 214     # the lab's default spends 214 products per cycle: within the xc7z020's 220 DSP48E1


def auto_fold(spec: NetSpec, board: bool = False) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The default design point of a network: the lab's 4,16,2 / 49,1,1 for its network; for
    another, the fastest interval whose cheapest folding (per layer the fewest products within
    it, the buffers' divisibility rule kept) spends at most AUTO_PRODUCTS products per cycle,
    so that one product per DSP48E1 fits the xc7z020.
    board: the ULX3S top's default: 2,4,1 / 8,2,1 for the lab's network; for another, the fewest
    products that keep up with the UART (an image's bytes take 250 cycles each)."""
    if spec.shapes == LAB.shapes:
        return (BOARD_PE, BOARD_SIMD) if board else (DEFAULT_PE, DEFAULT_SIMD)
    if board:
        targets = [spec.inputs * BOARD_CYCLES_PER_BYTE]
    else:
        lo = max(2, -(-spec.macs // AUTO_PRODUCTS))
        targets = sorted({(n // p) * (k // s) for k, n in spec.shapes for p in _divisors(n) for s in _divisors(k)
                          if (n // p) * (k // s) >= lo})
    for t in targets + [10 ** 9]:
        opts = [_fold_options(k, n, t) for k, n in spec.shapes]
        if any(not o for o in opts):
            continue
        best = _pick(opts, 0, None)
        if best is not None and (board or sum(p * s for p, s in best) <= AUTO_PRODUCTS or t == 10 ** 9):
            return tuple(p for p, _ in best), tuple(s for _, s in best)
    raise QmlpError(f"no design point fits the network {spec.describe()}: give --PE and --SIMD")


def _pick(opts, i, prev_pe):
    for p, s in opts[i][:40]:
        if prev_pe is not None and prev_pe % s and s % prev_pe:
            continue
        if i == len(opts) - 1:
            return [(p, s)]
        rest = _pick(opts, i + 1, p)
        if rest is not None:
            return [(p, s)] + rest
    return None


# ----------------------------------------------------------------------------- validation

def table(core: str) -> list[Param]:
    """The parameters of a core by kind: 'i8', 'f32i8', 'f32' (matmul IPs) or 'accel'."""
    return ACCEL if core == "accel" else matmul_params(core)


def validate(core: str, raw: dict, strict: bool = False, spec: NetSpec | None = None, board: bool = False) -> dict:
    """{name: typed value} for every parameter of `core`, defaults filled in, constraints checked.

    raw: {name: value} as given (strings from an EDAM file or a command line are fine).
    strict: unknown names are an error (the CLI); hooks ignore parameters of other cores.
    spec: the accelerator's network (its model's); per-layer lists are checked against it.
    board: the ULX3S top (its own default design point, auto_fold(board=True)).
    """
    params = table(core)
    names = {p.name for p in params}
    if strict:
        extra = sorted(set(raw) - names)
        if extra:
            raise QmlpError(f"unknown parameter {extra[0]}: this core takes {', '.join(sorted(names))}")
    out = {p.name: p.parse(raw[p.name]) if raw.get(p.name) is not None else p.default for p in params}
    if core == "accel":
        spec = spec or LAB
        n = spec.n_layers
        if out["PE"] == "auto" or out["SIMD"] == "auto":
            ape, asimd = auto_fold(spec, board)
            out["PE"] = ape if out["PE"] == "auto" else out["PE"]
            out["SIMD"] = asimd if out["SIMD"] == "auto" else out["SIMD"]
        out["PE"] = tuple(int(v) for v in expand("PE", out["PE"], n))
        out["SIMD"] = tuple(int(v) for v in expand("SIMD", out["SIMD"], n))
        check_accel(out["PE"], out["SIMD"], spec)
        out["WBITS"] = parse_bits("WBITS", out["WBITS"], n)
        out["ABITS"] = parse_bits("ABITS", out["ABITS"], n - 1) if n > 1 else ()
        out["MAC"] = expand("MAC", out["MAC"], n)
        out["LUTPE"] = tuple(int(v) for v in expand("LUTPE", out["LUTPE"], n))
        check_mac(out["MAC"], out["PE"], out["WBITS"], out["LUTPE"])
    else:
        check_matmul(core, out)
    return out


# ----------------------------------------------------------------------------- CLI options

_OPTS = [
    Param("epochs", "int", 10, "training epochs", 1, 10000),
    Param("batch-size", "int", 64, "training batch size", 1, 60000),
    Param("lr", "float", 1e-3, "Adam learning rate", 1e-9, 10.0),
    Param("seed", "int", 0, "seed of the weights, the shuffling and the validation split", 0, 2**32 - 1),
    Param("val-size", "int", 5000, "validation images carved from the training set", 1, 10**7),
    Param("limit", "int", None, "train on the first N training images only", 1, 10**7),
    Param("qat-epochs", "int", 3, "quantization-aware training epochs after the float training", 1, 1000),
    Param("rounds", "int", 2, "coordinate-search rounds of the per-layer mode", 0, 20),
    Param("images", "int", None, "first N test images", 1, 10**7),
    Param("fl-a", "int", 7, "layer-1 activations in Q(8, FL_A)", -64, 64),
    Param("acc-w", "int", 32, "accumulator width", *ACC_W_RANGE),
    Param("shift", "int", None, "requantization shift", 0, 31),
    Param("fl-out", "int", 5, "layer-2 output format Q(8, FL_OUT)", -64, 64),
    Param("idx-bits", "int", None, "tanh table index width T", 4, 12),
    Param("fl-z", "int", None, "tanh input format Q(T, FL_Z)", -64, 64),
    Param("jobs", "int", 2, "simulations/syntheses run side by side", 1, 64),
    Param("bench-images", "int", 500, "images per Verilator run", 2, 10000),
    Param("max-synth", "int", None, "syntheses at most in the search", 1, 1000),   # None: 6, --quick 1 (flow.bench)
    Param("fps", "float", None, "images per second the searched design must classify", 1e-3, 1e12),
    Param("clock", "float", None, "clock of the throughput target in MHz (None: 100)", 1.0, 1000.0),
    # the Yosys xc7 netlist run (sim_synth): qmlp bench's per winner (off: a big winner's netlist takes ~40 min
    # to build), qmlp report's of the default point (~6 min beside the other steps; 0 skips it)
    Param("bench-netlist", "int", 0, "test images of each winner's xc7 netlist simulation (0: none)", 0, 10000),
    Param("report-netlist", "int", 200, "test images of the default point's xc7 netlist simulation (0: skip)",
          0, 10000),
]
OPTIONS = {p.name: p for p in _OPTS}


def option(name: str):
    """An argparse `type=` for CLI option `name`: the value, or ArgumentTypeError naming the range."""
    import argparse

    p = OPTIONS[name]

    def conv(raw: str):
        try:
            return p.parse(raw)
        except QmlpError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not {p.allowed()} ({p.meaning})") from None
    conv.__name__ = name
    return conv
