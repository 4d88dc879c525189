"""Weight ROMs, bias ROMs, activation tables and test vectors for qmlp:accel:mlp, with a manifest.

A layer with K inputs, N outputs, PE neurons in parallel and SIMD inputs per cycle reads one
ROM word per cycle: word n * (K/SIMD) + c holds the PE x SIMD weights
W[n*PE + p][c*SIMD + s], each a WB-bit two's-complement code (WB = the layer's weight bits:
8, 4 or 2), or at WB = 1 the bit b = (c + 1) / 2 of a bipolar code c (1: +1, 0: -1;
qmlp.numerics.bipolar), item i = p*SIMD + s at bits [WB*i, WB*i + WB) - the one packing order of qmlp:
item 0 in the least significant bits, so 8/WB codes share each byte, lowest code lowest. The design point (PE,
SIMD) reaches the RTL as FuseSoC parameters; what the model decides (the requantization
shifts, the tanh index width) goes into qmlp_mlp_model.vh beside the ROMs. This module only
writes: it receives a quantized model and never trains or sweeps. Files, all deterministic:
  fc<l>.hex / .mem / .coe       $readmemh words / Xilinx memory file / Block Memory Generator
  act<l> .hex / .mem / .coe     a table layer's activation table (8-bit entries)
  bias<l> .hex / .mem / .coe    a biased layer's biases: word g holds neuron g*PE+p at bits 24p
  thr<l> .hex / .mem / .coe     a threshold layer's thresholds (qmlp.numerics.thresholds): word g
                                holds threshold k of neuron g*PE+p at bits TW*(p*NT + k), NT per
                                neuron, TW bits each (two's complement; thr_width)
  images.hex                    test inputs as input-stream words (K1/SIMD1 words per image)
  expected.hex                  golden model: the logits (int32) + class per image
  labels.hex, vectors.txt       labels; "<images> <words per image> <word bits>"
  qmlp_mlp_model.vh             the network and the model's constants for the RTL
  manifest.json                 shapes, formats, bank layout, shifts, hashes
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qmlp import params
from qmlp.errors import QmlpError
from qmlp.hashing import module_closure_sha256
from qmlp.hw.manifest import MANIFEST_VERSION, MODEL_HEADER, verify  # noqa: F401  (roms.verify: the callers')
from qmlp.numerics import acts as actreg
from qmlp.numerics import bipolar
from qmlp.numerics import intnet
from qmlp.spec import LAB, NetSpec, per_layer

DEFAULT_PE = params.DEFAULT_PE
DEFAULT_SIMD = params.DEFAULT_SIMD


@dataclass(frozen=True)
class LayerHw:
    k: int
    n: int
    pe: int
    simd: int
    wbits: int = 8

    @property
    def groups(self) -> int:
        return self.n // self.pe

    @property
    def chunks(self) -> int:
        return self.k // self.simd

    @property
    def depth(self) -> int:
        return self.groups * self.chunks

    @property
    def width(self) -> int:
        return self.pe * self.simd * self.wbits

    @property
    def rom_bits(self) -> int:
        return self.width * self.depth

    @property
    def cycles(self) -> int:
        """Cycles per image: one ROM word per cycle."""
        return self.depth


@dataclass(frozen=True)
class HwConfig:
    pe: tuple = DEFAULT_PE
    simd: tuple = DEFAULT_SIMD
    wbits: tuple = (8,)
    abits: tuple = (8,)
    spec: NetSpec = LAB

    def __post_init__(self):
        n = self.spec.n_layers
        object.__setattr__(self, "pe", tuple(self.pe))
        object.__setattr__(self, "simd", tuple(self.simd))
        object.__setattr__(self, "wbits", per_layer(tuple(self.wbits), n, "weight bits"))
        object.__setattr__(self, "abits", per_layer(tuple(self.abits), n - 1, "activation bits", "hidden layers")
                           if n > 1 else ())

    def layers(self) -> list[LayerHw]:
        return [LayerHw(k, n, self.pe[i], self.simd[i], self.wbits[i]) for i, (k, n) in enumerate(self.spec.shapes)]

    def check(self) -> None:
        n = self.spec.n_layers
        pe = params.expand("PE", params.ACCEL[0].parse(self.pe), n)
        simd = params.expand("SIMD", params.ACCEL[1].parse(self.simd), n)
        params.check_accel(pe, simd, self.spec)
        params.parse_bits("WBITS", self.wbits, n)
        if n > 1:
            params.parse_bits("ABITS", self.abits, n - 1)

    @property
    def cycles_per_image(self) -> int:
        return max(l.cycles for l in self.layers())

    @property
    def macs(self) -> int:
        return sum(l.pe * l.simd for l in self.layers())

    @property
    def rom_bits(self) -> int:
        return sum(l.rom_bits for l in self.layers())

    @property
    def name(self) -> str:
        return f"w{''.join(map(str, self.wbits))}a{''.join(map(str, self.abits))}"


# ----------------------------------------------------------------------------- layouts

def rom_items(w_codes: np.ndarray, l: LayerHw) -> np.ndarray:
    """(depth, PE*SIMD) int8 codes: row n*chunks + c, item p*SIMD + s = W[n*PE + p][c*SIMD + s]."""
    w = np.asarray(w_codes, dtype=np.int8)
    if w.shape != (l.n, l.k):
        raise QmlpError(f"weights of shape {w.shape} do not fit a {l.k}-input, {l.n}-output layer")
    t = w.reshape(l.groups, l.pe, l.chunks, l.simd).transpose(0, 2, 1, 3)
    return np.ascontiguousarray(t).reshape(l.depth, l.pe * l.simd)


def pack(codes: np.ndarray, bits: int) -> np.ndarray:
    """Rows of signed `bits`-bit codes -> rows of little-endian bytes: code i at bits
    [bits*i, bits*i + bits) of the row's word (8/bits codes per byte, lowest code lowest).
    1-bit codes are bipolar (-1, +1) and stored as their bits b = (c + 1) / 2."""
    if bits not in params.BITS:
        raise QmlpError(f"cannot pack {bits}-bit codes: one of {', '.join(map(str, params.BITS))}")
    c = np.asarray(codes, dtype=np.int64)
    if c.ndim != 2:
        raise QmlpError(f"pack takes rows of codes (2 dimensions), got shape {c.shape}")
    if bits == bipolar.BIPOLAR:
        c = bipolar.to_bits(c)              # checks that every code is -1 or +1
    lo, hi = (0, 1) if bits == bipolar.BIPOLAR else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    if c.size and (c.min() < lo or c.max() > hi):
        raise QmlpError(f"codes outside the {bits}-bit range {lo}..{hi} cannot be packed")
    per = 8 // bits
    rows, n = c.shape
    pad = (-n) % per
    u = (np.concatenate([c, np.zeros((rows, pad), np.int64)], axis=1) & ((1 << bits) - 1)).reshape(rows, -1, per)
    return (u << (bits * np.arange(per))).sum(axis=2).astype(np.uint8)


def unpack(words: np.ndarray, bits: int, n: int) -> np.ndarray:
    """The inverse of pack: rows of bytes -> rows of n signed codes (int64)."""
    per = 8 // bits
    b = np.asarray(words, dtype=np.int64)
    u = ((b[:, :, None] >> (bits * np.arange(per))) & ((1 << bits) - 1)).reshape(len(b), -1)[:, :n]
    if bits == bipolar.BIPOLAR:
        return bipolar.from_bits(u)
    return np.where(u >= (1 << (bits - 1)), u - (1 << bits), u)


def rom_lines(w_codes: np.ndarray, l: LayerHw) -> list[str]:
    """The layer's ROM as hex words of exactly ceil(width/4) digits."""
    digits = (l.width + 3) // 4
    return [h[len(h) - digits:] for h in hex_lines(pack(rom_items(w_codes, l), l.wbits))]


def image_words(x_codes: np.ndarray, l1: LayerHw) -> np.ndarray:
    """(images * K1/SIMD1, SIMD1) uint8: input-stream beats, byte s at bits 8*s."""
    x = np.asarray(x_codes, dtype=np.int8).view(np.uint8)
    return np.ascontiguousarray(x.reshape(-1, l1.chunks, l1.simd)).reshape(-1, l1.simd)


def hex_lines(words_le: np.ndarray) -> list[str]:
    """Each row of little-endian bytes as one hex word (most significant digit first)."""
    return [row[::-1].tobytes().hex() for row in np.asarray(words_le, dtype=np.uint8)]


def int32_lines(values) -> list[str]:
    return [format(int(v) & 0xFFFFFFFF, "08x") for v in np.asarray(values).reshape(-1)]


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return hashlib.sha256(text.encode()).hexdigest()


def _write_rom(folder: Path, name: str, lines: list[str], width: int) -> dict:
    body = "\n".join(lines) + "\n"
    h = {
        f"{name}.hex": _write(folder / f"{name}.hex", body),
        f"{name}.mem": _write(folder / f"{name}.mem", "@00000000\n" + body),
        f"{name}.coe": _write(folder / f"{name}.coe", "memory_initialization_radix=16;\nmemory_initialization_vector=\n"
                              + ",\n".join(lines) + ";\n"),
    }
    return {"depth": len(lines), "width": width, "files": sorted(h), "sha256": h}


def bias_lines(words: np.ndarray, l: LayerHw) -> list[str]:
    """A layer's bias ROM: word g holds the 24-bit biases of neurons g*PE .. g*PE+PE-1 (neuron
    g*PE+p at bits 24p); at least two words (a ROM of depth one has no address)."""
    b = np.asarray(words, dtype=np.int64).reshape(l.groups, l.pe)
    rows = [sum((int(v) & 0xFFFFFF) << (24 * p) for p, v in enumerate(r)) for r in b]
    rows += [0] * (2 - len(rows)) if len(rows) < 2 else []
    digits = 6 * l.pe
    return [format(v, f"0{digits}x") for v in rows]


def thr_width(net: intnet.IntNet, l: int) -> int:
    """Signed bits of threshold layer l's words: enough for every accumulator the layer can reach
    (its input codes' range times its weights; the thresholds are clamped into that range plus
    one), so the lane compares the low TW bits of its accumulator with them."""
    from qmlp.numerics.thresholds import acc_range

    xr = [(-128, 127)] + [net.out_range(i) for i in range(net.n_layers - 1)]
    amin, amax = acc_range(net.w_codes[l], *xr[l])
    t = net.thresholds[l]
    lo = min(int(amin.min(initial=0)), int(t.min(initial=0)))
    hi = max(int(amax.max(initial=0)) + 1, int(t.max(initial=0)))
    return max(2, max((-lo - 1).bit_length() if lo < 0 else 0, hi.bit_length()) + 1)


def thr_lines(t: np.ndarray, l: LayerHw, tw: int) -> list[str]:
    """A threshold layer's ROM: word g holds threshold k of neuron g*PE+p at bits tw*(p*NT + k);
    at least two words (a ROM of depth one has no address)."""
    a = np.asarray(t, dtype=np.int64)
    nt = a.shape[1]
    a = a.reshape(l.groups, l.pe * nt)
    m = (1 << tw) - 1
    rows = [sum((int(v) & m) << (tw * i) for i, v in enumerate(r)) for r in a]
    rows += [0] * (2 - len(rows)) if len(rows) < 2 else []
    digits = (l.pe * nt * tw + 3) // 4
    return [format(v, f"0{digits}x") for v in rows]


def rom_checksum(net: intnet.IntNet) -> int:
    """CRC-32 of what the ROMs and the model header hold, independent of PE/SIMD: per layer its
    weight bits and int8 weight codes (out x in, row-major), then the hidden layers' shifts and
    the table index width (int8 each), then the activation tables, then (for a network with
    biases) every layer's bias words as int32. For the lab's bias-free tanh network this is the
    checksum of the first rounds. The AXI wrapper (qmlp_axi_mlp) reads it back at its CHECKSUM
    register (qmlp.driver.regs) so that a driver can check that a bitstream holds the model it
    was given; manifest.json holds it as "rom_checksum"."""
    crc = 0
    for w, b in zip(net.w_codes, net.w_bits):
        crc = zlib.crc32(bytes([int(b)]), crc)
        crc = zlib.crc32(np.ascontiguousarray(np.asarray(w, dtype=np.int8)).tobytes(), crc)
    crc = zlib.crc32(np.asarray(list(net.shifts) + [net.fmt.idx_bits], dtype=np.int8).tobytes(), crc)
    for t in net.tanh_luts:
        crc = zlib.crc32(np.ascontiguousarray(np.asarray(t, dtype=np.int8)).tobytes(), crc)
    for b in net.b_words:
        if b is not None:
            crc = zlib.crc32(np.asarray(b, dtype="<i4").tobytes(), crc)
    for t in net.thresholds or []:       # threshold layers (none: the checksum as before)
        if t is not None:
            crc = zlib.crc32(np.ascontiguousarray(np.asarray(t, dtype="<i4")).tobytes(), crc)
    return crc & 0xFFFFFFFF


MAX_LAYERS = 16     # QMLP_MAX_LAYERS of qmlp_mlp_list.vh: the header's vectors have this many items


def _vec(vals) -> str:
    """A Verilog vector of MAX_LAYERS 32-bit items, item 0 in the lowest bits, zeros past the layers."""
    vals = list(vals) + [0] * (MAX_LAYERS - len(vals))
    return "{" + ", ".join(f"32'd{int(v) & 0xFFFFFFFF}" for v in reversed(vals)) + "}"


def layer_constants(net: intnet.IntNet) -> dict:
    """Per layer what the RTL needs of the network: inputs, outputs, input code bits, activation
    kind (0 table, 1 clamp, 2 logits, 3 thresholds), requantization shift, clamp format, bias
    flag, and for a threshold layer its thresholds per neuron (L_NT) and their word bits (L_TW)."""
    n = net.n_layers
    xb = net.xbits()
    act, ob, uns, nt, tw = [], [], [], [], []
    for l in range(n):
        if l == n - 1:
            act.append(2), ob.append(32), uns.append(0), nt.append(0), tw.append(0)
            continue
        a = net.fmt.act(l)
        act.append(actreg.HW_CODES[net.kind(l)])      # 1 bit: the sign, ACT 1 with OB 1
        ob.append(a.xbits(net.fmt.abits[l]))
        uns.append(0 if a.signed else 1)
        th = net.kind(l) == actreg.THRESH
        nt.append(net.thresholds[l].shape[1] if th else 0)
        tw.append(thr_width(net, l) if th else 0)
    return {"L_K": [k for k, _ in net.spec.shapes], "L_N": [m for _, m in net.spec.shapes], "L_XB": xb,
            "L_ACT": act, "L_SHIFT": list(net.shifts) + [0], "L_OB": ob, "L_OUNS": uns,
            "L_BIAS": [0 if b is None else 1 for b in net.b_words], "L_NT": nt, "L_TW": tw}


def model_header(net: intnet.IntNet, cfg: "HwConfig", note: str, checksum: int = 0) -> str:
    """The Verilog include of the network and the model's constants (inside qmlp_mlp_accel)."""
    c = layer_constants(net)
    lines = [
        f"// {note}",
        "// The network and the model's constants for qmlp_mlp_accel (included inside the module).",
        f"// {net.spec.describe()}; per-layer vectors hold item l (layer l+1) at bits [32l, 32l+32).",
        "/* verilator lint_off UNUSEDPARAM */",
        f"localparam integer NL = {net.n_layers};",
        f"localparam integer IDX_BITS = {int(net.fmt.idx_bits)};",
        "// the input codes: Q(8, FL_IN) of pixel/255 (INPUT_FLOAT = 0) or of the float feature (1)",
        f"localparam integer INPUT_FLOAT = {0 if net.spec.input_kind == 'u8' else 1};",
        f"localparam integer FL_IN = {int(net.fmt.fl_in)};",
    ]
    for k, v in c.items():
        lines.append(f"localparam [32*{MAX_LAYERS}-1:0] {k} = {_vec(v)};")
    lines += [
        "// the design point the hook validated (what PE=auto and SIMD=auto stand for)",
        f'localparam [8*64-1:0] MODEL_PE = "{",".join(map(str, cfg.pe))}";',
        f'localparam [8*64-1:0] MODEL_SIMD = "{",".join(map(str, cfg.simd))}";',
        "// rom_checksum() of the model (read by the AXI wrapper qmlp_axi_mlp; unused in the accelerator)",
        f"localparam [31:0] ROM_CHECKSUM = 32'h{int(checksum) & 0xFFFFFFFF:08x};",
        "/* verilator lint_on UNUSEDPARAM */",
        "",
    ]
    return "\n".join(lines)


def nominal_header(spec: NetSpec = LAB, cfg: "HwConfig | None" = None) -> str:
    """For lint, which needs no model: zero weights of the spec, weights in Q(8, 7), 8-bit
    activations with fl 7."""
    from qmlp.numerics.qmodel import QuantModel

    n = spec.n_layers
    q = QuantModel(8, [7] * n, [np.zeros((m, k), np.int8) for k, m in spec.shapes],
                   [np.zeros(m, np.float32) for _, m in spec.shapes] if spec.has_bias else None,
                   spec=spec, act_fls=tuple(None if actreg.get(a).bounded else 7 for a in spec.acts))
    net = intnet.build(q)
    cfg = cfg or HwConfig(*params.auto_fold(spec), spec=spec)
    return model_header(net, cfg, "Nominal values written for lint (no model): weights in Q(8, 7).")


def write(folder: Path, net: intnet.IntNet, cfg: HwConfig, test_x: np.ndarray, test_labels: np.ndarray,
          source: dict | None = None) -> dict:
    """Write every file into folder and return the manifest (also written as manifest.json)."""
    cfg.check()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    layers = cfg.layers()
    if net.spec != cfg.spec:
        raise QmlpError(f"the model is {net.spec.describe()}, the design is for {cfg.spec.describe()}")
    if tuple(net.w_bits) != tuple(cfg.wbits) or tuple(net.fmt.abits) != tuple(cfg.abits):
        raise QmlpError(f"the model is w{''.join(map(str, net.w_bits))}a{''.join(map(str, net.fmt.abits))}, the "
                        f"design {cfg.name}: build the hardware for the model's bits (--WBITS, --ABITS)")
    roms = {}
    names = net.spec.names
    for i, (name, w, l) in enumerate(zip(names, net.w_codes, layers)):
        roms[name] = dict(_write_rom(folder, name, rom_lines(w, l), l.width), fl=net.w_fls[i], bits=l.wbits,
                          rom_bits=l.rom_bits)
        if net.b_words[i] is not None:
            roms[f"bias{i + 1}"] = dict(_write_rom(folder, f"bias{i + 1}", bias_lines(net.b_words[i], l), 24 * l.pe),
                                        scale_fl=net.w_fls[i] + ([net.fmt.fl_in] + list(net.fmt.fl_acts))[i])
    for i, t in enumerate(net.thresholds or []):
        if t is not None:
            tw = thr_width(net, i)
            roms[f"thr{i + 1}"] = dict(_write_rom(folder, f"thr{i + 1}", thr_lines(t, layers[i], tw),
                                                  layers[i].pe * t.shape[1] * tw),
                                       thresholds=int(t.shape[1]), thr_bits=tw, act=net.fmt.acts[i],
                                       act_bits=net.fmt.abits[i])
    for i, lut in enumerate(net.luts):
        if lut is not None:
            roms[f"act{i + 1}"] = dict(_write_rom(folder, f"act{i + 1}", [format(int(v) & 0xFF, "02x") for v in lut],
                                                  8), act=net.fmt.acts[i], act_bits=net.fmt.abits[i])

    x = intnet.inputs_to_codes(test_x, net.spec, net.fmt)
    logits, classes = intnet.forward(net, x)
    n_img = len(x)
    exp = np.concatenate([logits, classes[:, None]], axis=1)
    vec_hash = {
        "images.hex": _write(folder / "images.hex", "\n".join(hex_lines(image_words(x, layers[0]))) + "\n"),
        "expected.hex": _write(folder / "expected.hex", "\n".join(int32_lines(exp)) + "\n"),
        "labels.hex": _write(folder / "labels.hex", "\n".join(f"{int(v):x}" for v in test_labels) + "\n"),
        "vectors.txt": _write(folder / "vectors.txt", f"{n_img} {layers[0].chunks} {layers[0].simd * 8}\n"),
    }
    man = {
        "version": MANIFEST_VERSION,
        "topology": list(net.spec.widths),
        "spec": net.spec.to_dict(),
        "layer_constants": layer_constants(net),
        "formats": asdict(net.fmt),
        "shifts": net.shifts,
        "weights": [{"name": n, "shape": [l.n, l.k], "wl": l.wbits, "fl": fl}
                    for n, l, fl in zip(names, layers, net.w_fls)],
        "layers": [dict(asdict(l), groups=l.groups, chunks=l.chunks, rom_depth=l.depth, rom_width=l.width,
                        rom_bits=l.rom_bits, rom=name,
                        layout=f"word n*chunks+c, bits [{l.wbits}i, {l.wbits}i+{l.wbits}) of item i=p*simd+s "
                               "hold W[n*pe+p][c*simd+s]")
                   for name, l in zip(names, layers)],
        "bits": {"wbits": list(cfg.wbits), "abits": list(cfg.abits), "name": cfg.name},
        "rom_bits": cfg.rom_bits,
        "cycles_per_image": cfg.cycles_per_image,
        "macs_per_cycle": cfg.macs,
        "roms": roms,
        "vectors": {"images": n_img, "words_per_image": layers[0].chunks, "word_bits": layers[0].simd * 8,
                    "inputs": net.spec.inputs, "classes": net.spec.classes, "sha256": vec_hash},
        "golden": {"test_accuracy": float(100.0 * np.mean(classes == test_labels)), "images": n_img},
        "source": source or {},
    }
    man["rom_checksum"] = rom_checksum(net)
    hdr = model_header(net, cfg, "Written with the ROMs from the manifest beside it.", man["rom_checksum"])
    man["model_header_sha256"] = _write(folder / MODEL_HEADER, hdr)
    (folder / "manifest.json").write_text(json.dumps(man, indent=1, sort_keys=True) + "\n")
    return man


# ----------------------------------------------------------------------------- make them

def code_hash() -> str:
    """Hash of the code that decides the ROM contents (this module and what it imports)."""
    return module_closure_sha256("qmlp.hw.roms")


def make(folder: Path, q, cfg: HwConfig, data_dir, fmt: intnet.IntFormats | None = None,
         source: dict | None = None) -> dict:
    """Write a complete ROM set for quantized model q into folder (replaced whole, atomically)."""
    from qmlp.files import new_folder
    from qmlp.nn.data import load_raw

    fmt = fmt or intnet.IntFormats.of(q.spec, cfg.abits or (8,), q.act_fls)
    cfg.check()
    fmt.check()
    net = intnet.build(q, fmt)
    _, _, xte, yte = load_raw(data_dir)
    if xte.shape[1] != q.spec.inputs:
        raise QmlpError(f"the data {data_dir} has {xte.shape[1]} inputs per sample, the model {q.spec.inputs}")
    if int(yte.max()) >= q.spec.classes:
        raise QmlpError(f"the data {data_dir} has label {int(yte.max())}, outside the model's {q.spec.classes} classes")
    with new_folder(folder) as tmp:
        man = write(tmp, net, cfg, xte, yte, source)
    return man


def up_to_date(folder: Path, cfg: HwConfig, fmt: intnet.IntFormats, source: dict) -> dict | None:
    """The manifest of folder when it holds exactly this configuration's complete ROM set."""
    if not (Path(folder) / "manifest.json").is_file():
        return None
    try:
        old = verify(folder)
    except QmlpError:
        return None
    same = (old.get("source") == source and old["formats"] == json.loads(json.dumps(asdict(fmt)))
            and old.get("spec") == cfg.spec.to_dict()
            and [l["pe"] for l in old["layers"]] == list(cfg.pe) and [l["simd"] for l in old["layers"]] == list(cfg.simd)
            and old.get("bits", {}).get("wbits") == list(cfg.wbits) and old["bits"]["abits"] == list(cfg.abits))
    return old if same else None
