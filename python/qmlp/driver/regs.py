"""The AXI register map and stream layouts of qmlp_axi_mlp and qmlp_axi_matmul, defined once.

numpy and the standard library only: the board's Python imports this, the simulation backend
and the tests import it, and cores/axi/*/rtl/*.v implement it (the names in comments there are
the ones here). README.md, "AXI wrappers and the Python driver", has the same map as a table.

AXI4-Lite, 32-bit data, 7-bit byte address (word-aligned). Map version 2 (MAP_VERSION): the
MLP wrapper describes any network of the model spec (qmlp.spec): its layer count, inputs and
classes, the stream layout, and per layer (selected by the LAYER register) its size, folding,
bits, activation kind and MAC style. Version 1 described exactly three layers in CFG0..CFG3. 0x00..0x0C follow Vitis HLS's
ap_ctrl_hs block so that pynq's DefaultIP conventions apply (write 1 to CTRL.ap_start; poll
CTRL.ap_done, which clears on read; GIE/IER/ISR for the interrupt line).

Streams are 32 bits wide (AXI DMA's default). Every start consumes exactly the words the
registers announce and ends its output with TLAST on the last word, also after an error: an
error ends the output early with one ERROR_BEAT word (TLAST set), so the DMA's S2MM channel
always completes. While idle the input stream is drained (accepted and dropped, counted in
DROPPED, flagged by STATUS.DRAINED).
"""

from __future__ import annotations

import numpy as np

# ------------------------------------------------------------------------- register offsets
CTRL = 0x00       # bit 0 ap_start (R/W, clears when the core starts), 1 ap_done (COR), 2 ap_idle, 3 ap_ready (COR)
GIE = 0x04        # bit 0: global interrupt enable
IER = 0x08        # bit 0 done, bit 1 ready: interrupt enables
ISR = 0x0C        # bit 0 done, bit 1 ready: interrupt status, write 1 to clear
STATUS = 0x10     # error and information bits (STATUS_BITS), write 1 to clear; kept until cleared
ABORT = 0x14      # write bit 0 = 1: end the running transfer now (STATUS.ABORT, error beat, idle)
COUNT = 0x18      # units per start: images (mlp) or 64-row A blocks (matmul); latched at start
MODE = 0x1C       # matmul: bit 0 LOAD_B (B precedes the A blocks in the input stream); mlp: unused
TIMEOUT = 0x20    # input watchdog: cycles without an offered input word (TVALID low) that end a
                  # transfer with STATUS.TIMEOUT; 0 = off. Reset value TIMEOUT_RESET
CYCLES = 0x24     # cycles from the start to the end of the last (or current) transfer
BEATS_IN = 0x28   # input words taken by the last transfer
BEATS_OUT = 0x2C  # output words sent by the last transfer (error beat included)
DROPPED = 0x30    # input words drained while idle or after an error (since reset)
LAYER = 0x34      # R/W, version 2: the layer (0-based) the mlp's L_* words describe; reset 0
# read-only configuration: what the hardware was built with
MAGIC = 0x40      # MAGIC_WORD
ID = 0x44         # [7:0] kind code (KIND_CODES), [15:8] register-map version
CFG0 = 0x48       # mlp: NET, the layer count               matmul: ROWS | INNER << 16
CFG1 = 0x4C       # mlp: INPUTS, input codes per image      matmul: COLS | LANES << 16
CFG2 = 0x50       # mlp: CLASSES, logits per image          matmul: WBITS | ACC_W << 8 | SHIFT << 16 (i8; else 0)
CFG3 = 0x54       # mlp: 0                                  matmul: FL_B (signed)
CHECKSUM = 0x58   # mlp: rom_checksum() of the model in the ROMs; matmul: 0
LAYOUT = 0x5C     # input words per unit [15:0], output words per unit [31:16] (unit: image / A block)
LAYOUT_B = 0x60   # matmul: words of B in the stream (when MODE.LOAD_B); mlp: 0
# mlp, the layer LAYER selects (zeros for a layer beyond NET):
L_K = 0x64        # inputs of the layer
L_N = 0x68        # outputs of the layer
L_PE = 0x6C       # neurons computed in parallel
L_SIMD = 0x70     # inputs consumed per cycle
L_BITS = 0x74     # WBITS [3:0], input code bits [7:4], output bits [13:8] (32: the logits),
                  # output unsigned [14], bias [15], activation kind [19:16] (ACT_KINDS), MAC [23:20]
L_SHIFT = 0x78    # requantization shift of the layer's output (signed; 0 for the last layer)
LAST_REG = 0x7C
NET, INPUTS, CLASSES = CFG0, CFG1, CFG2
LAYER_REGS = (L_K, L_N, L_PE, L_SIMD, L_BITS, L_SHIFT)

MAGIC_WORD = 0x514D4C50          # "QMLP"
MAP_VERSION = 2
TIMEOUT_RESET = 1 << 24          # 0.17 s at 100 MHz
ERROR_BEAT = 0xBAD00000          # | STATUS bits [15:0]: the one word an error puts on the output
KIND_CODES = {"mlp": 0, "i8": 1, "f32i8": 2, "f32": 3}
MAC_CODES = {"dsp": 0, "dsp2": 1, "lut": 2}
# a layer's activation kind in hardware (the model header's L_ACT, qmlp.hw.roms.layer_constants)
# (3: per-neuron integer thresholds, an imported layer with float scales: qmlp.numerics.thresholds)
ACT_KINDS = {0: "table", 1: "clamp", 2: "logits", 3: "thresh"}
# AXI DMA's buffer length register in the PYNQ-Z2 block design (qmlp.eda.pynq): one simple-mode
# transfer moves at most DMA_MAX_BYTES, so the driver splits larger batches
DMA_LENGTH_BITS = 26
DMA_MAX_BYTES = (1 << DMA_LENGTH_BITS) - 1

NAMES = {v: k for k, v in dict(CTRL=CTRL, GIE=GIE, IER=IER, ISR=ISR, STATUS=STATUS, ABORT=ABORT, COUNT=COUNT,
                               MODE=MODE, TIMEOUT=TIMEOUT, CYCLES=CYCLES, BEATS_IN=BEATS_IN, BEATS_OUT=BEATS_OUT,
                               DROPPED=DROPPED, LAYER=LAYER, MAGIC=MAGIC, ID=ID, CFG0=CFG0, CFG1=CFG1, CFG2=CFG2,
                               CFG3=CFG3, CHECKSUM=CHECKSUM, LAYOUT=LAYOUT, LAYOUT_B=LAYOUT_B, L_K=L_K, L_N=L_N,
                               L_PE=L_PE, L_SIMD=L_SIMD, L_BITS=L_BITS, L_SHIFT=L_SHIFT).items()}
READABLE = sorted(NAMES)                   # every register with a meaning, in address order

# CTRL bits
AP_START, AP_DONE, AP_IDLE, AP_READY = 1 << 0, 1 << 1, 1 << 2, 1 << 3
# MODE bits
LOAD_B = 1 << 0

# STATUS bits: errors end a transfer; DRAINED only informs
STATUS_BITS = {
    "SHORT": 1 << 0,     # TLAST before the last word the registers announced
    "NOLAST": 1 << 1,    # the announced last word came without TLAST (a long transfer, or no TLAST)
    "TIMEOUT": 1 << 2,   # no input word offered for TIMEOUT cycles while the transfer wanted one
    "ABORT": 1 << 3,     # ended by a write to ABORT
    "CONFIG": 1 << 4,    # COUNT = 0, or (matmul) no B loaded yet and MODE.LOAD_B = 0
    "DRAINED": 1 << 8,   # words arrived while no transfer wanted them and were dropped
}
ERROR_MASK = 0x1F


def status_names(status: int) -> list[str]:
    return [n for n, b in STATUS_BITS.items() if status & b]


# ------------------------------------------------------------------------- stream layouts
#
# mlp, per image (COUNT images per start), for a network of K1 inputs and C classes (NET,
# INPUTS, CLASSES; LAYOUT says the same in words):
#   in : words_in(K1) = ceil(K1 / 4) words; word w holds the int8 input codes (Q(8, 7)) 4w .. 4w+3
#        in bytes 0..3 (little endian, input order); when K1 is not a multiple of 4 the image's
#        last word is padded with zero bytes, which the wrapper drops (each image starts on a
#        word); TLAST on the last word of the last image
#   out: words_out(C) = C + 1 words: the C int32 logits, then the class (0..C-1); TLAST only on
#        the class word of the last image (the accelerator's per-image tlast is not passed on)
# matmul (COUNT blocks of ROWS rows per start; int8 elements 4 per word, little endian, in
# row-major order; float32 elements one per word, IEEE bits):
#   in : [B (MODE.LOAD_B): INNER x COLS elements of B (i8 with WBITS < 8: the packed bytes,
#        INNER x COLS/PER, qmlp.hw.roms.pack order)], then per block ROWS x INNER of A
#   out: per block ROWS x COLS of C, TLAST on the last word of the last block


def words_in(inputs: int) -> int:
    """Input stream words per image of `inputs` codes (the last one zero-padded)."""
    return (int(inputs) + 3) // 4


def words_out(classes: int) -> int:
    """Output stream words per image: the logits, then the class."""
    return int(classes) + 1


def pack_bytes(codes) -> np.ndarray:
    """int8 codes (any shape, row-major, a multiple of 4 in all) -> uint32 words, 4 per word."""
    b = np.ascontiguousarray(np.asarray(codes).astype(np.int8).reshape(-1)).view(np.uint8)
    if b.size % 4:
        raise ValueError(f"{b.size} bytes do not fill 32-bit words (a multiple of 4 is needed)")
    return b.reshape(-1, 4).astype(np.uint32) @ np.array([1, 1 << 8, 1 << 16, 1 << 24], np.uint32)


def unpack_bytes(words) -> np.ndarray:
    """uint32 words -> int8 codes, 4 per word, byte 0 first."""
    w = np.asarray(words, dtype=np.uint32).reshape(-1)
    return ((w[:, None] >> np.array([0, 8, 16, 24], np.uint32)) & 0xFF).astype(np.uint8).view(np.int8).reshape(-1)


def f32_words(x) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(x, dtype=np.float32)).view(np.uint32).reshape(-1)


def mlp_input_words(codes, inputs: int | None = None) -> np.ndarray:
    """N x K1 int8 input codes -> the input stream (N * words_in(K1) words, each image padded to
    whole words). inputs: the K1 the hardware takes (checked when given)."""
    c = np.asarray(codes)
    if c.ndim != 2 or (inputs is not None and c.shape[1] != inputs):
        raise ValueError(f"input codes must be N x {inputs if inputs is not None else 'K1'}, got {c.shape}")
    k = c.shape[1]
    pad = 4 * words_in(k) - k
    if pad:
        c = np.concatenate([np.asarray(c, np.int8), np.zeros((len(c), pad), np.int8)], axis=1)
    return pack_bytes(c)


def mlp_output(words, images: int, classes: int | None = None):
    """The output stream of `images` images -> (logits int64 N x C, classes int64 N). classes:
    C (default: what the word count says)."""
    w = np.asarray(words, dtype=np.uint32).reshape(-1)
    per = words_out(classes) if classes is not None else (len(w) // images if images else 1)
    if images and (per < 2 or len(w) != images * per):
        raise ValueError(f"{len(w)} output words are not {images} images of {per} words")
    w = w.reshape(images, per)
    return w[:, :per - 1].view(np.int32).astype(np.int64), w[:, per - 1].astype(np.int64)


def matmul_widths(kind: str) -> tuple[int, int, int]:
    """Bits of the A, B and C elements on the streams (B of i8 is bytes, packed or not)."""
    return {"i8": (8, 8, 8), "f32i8": (32, 8, 32), "f32": (32, 32, 32)}[kind]


def elements_to_words(x, bits: int) -> np.ndarray:
    return pack_bytes(x) if bits == 8 else f32_words(x)


def words_to_elements(words, bits: int) -> np.ndarray:
    return unpack_bytes(words) if bits == 8 else np.asarray(words, np.uint32).view(np.float32).reshape(-1)


# ------------------------------------------------------------------------- configuration words

def list_word(vals, shifts) -> int:
    return sum(int(v) << s for v, s in zip(vals, shifts))


def layer_bits_word(wbits: int, xbits: int, obits: int, ouns: int, bias: int, act: int, mac: str) -> int:
    return (int(wbits) | int(xbits) << 4 | int(obits) << 8 | int(ouns) << 14 | int(bias) << 15 | int(act) << 16
            | MAC_CODES[mac] << 20)


def mlp_config(layer_constants: dict, pe, simd, wbits, mac=("dsp",), checksum: int = 0) -> dict:
    """{offset: value} of the read-only registers of qmlp_axi_mlp built with these parameters,
    and {layer: {offset: value}} of its per-layer words: (static, per_layer). layer_constants:
    the network as the model header has it (qmlp.hw.roms.layer_constants, the manifest's
    "layer_constants": L_K, L_N, L_XB, L_OB, L_OUNS, L_BIAS, L_ACT, L_SHIFT); pe, simd: one
    value per layer; wbits, mac: one per layer or one for all."""
    lc = layer_constants
    n = len(lc["L_K"])
    from qmlp.spec import per_layer

    wbits, mac = per_layer(tuple(wbits), n, "wbits"), per_layer(tuple(mac), n, "mac")
    if not (len(pe) == len(simd) == len(wbits) == len(mac) == n):
        raise ValueError(f"pe, simd, wbits, mac need {n} values (one per layer)")
    k1, c = lc["L_K"][0], lc["L_N"][-1]
    static = {
        MAGIC: MAGIC_WORD, ID: KIND_CODES["mlp"] | MAP_VERSION << 8, NET: n, INPUTS: k1, CLASSES: c, CFG3: 0,
        CHECKSUM: int(checksum) & 0xFFFFFFFF, LAYOUT: words_in(k1) | words_out(c) << 16, LAYOUT_B: 0,
    }
    layers = {l: {L_K: lc["L_K"][l], L_N: lc["L_N"][l], L_PE: int(pe[l]), L_SIMD: int(simd[l]),
                  L_BITS: layer_bits_word(wbits[l], lc["L_XB"][l], lc["L_OB"][l], lc["L_OUNS"][l], lc["L_BIAS"][l],
                                          lc["L_ACT"][l], mac[l]),
                  L_SHIFT: int(lc["L_SHIFT"][l]) & 0xFFFFFFFF} for l in range(n)}
    return static, layers


def matmul_words(kind: str, rows: int, inner: int, cols: int, wbits: int = 8) -> tuple[int, int, int]:
    """(A words per block, C words per block, B words) on the streams."""
    aw, bw, cw = matmul_widths(kind)
    per = 8 // wbits if kind == "i8" else 1
    return rows * inner * aw // 32, rows * cols * cw // 32, inner * cols // per * bw // 32


def matmul_config(kind: str, rows=64, inner=128, cols=64, lanes=1, acc_w=32, shift=0, wbits=8, fl_b=4) -> dict:
    """{offset: value} of the read-only registers of qmlp_axi_matmul built with these parameters."""
    a_words, c_words, b_words = matmul_words(kind, rows, inner, cols, wbits)
    return {
        MAGIC: MAGIC_WORD, ID: KIND_CODES[kind] | MAP_VERSION << 8,
        CFG0: rows | inner << 16, CFG1: cols | lanes << 16,
        CFG2: (wbits | acc_w << 8 | shift << 16) if kind == "i8" else 0,
        CFG3: (int(fl_b) & 0xFFFFFFFF) if kind == "f32i8" else 0,
        CHECKSUM: 0, LAYOUT: a_words | c_words << 16, LAYOUT_B: b_words,
    }


def _signed(v: int) -> int:
    return v - (1 << 32) if v >> 31 else v


def decode_layer(read) -> dict:
    """The per-layer words of the layer LAYER selects."""
    b = read(L_BITS)
    macs = {v: k for k, v in MAC_CODES.items()}
    return {"k": read(L_K), "n": read(L_N), "pe": read(L_PE), "simd": read(L_SIMD), "wbits": b & 0xF,
            "xbits": b >> 4 & 0xF, "obits": b >> 8 & 0x3F, "unsigned": b >> 14 & 1, "bias": b >> 15 & 1,
            "act": ACT_KINDS.get(b >> 16 & 0xF, f"unknown {b >> 16 & 0xF}"), "mac": macs.get(b >> 20 & 0xF, "?"),
            "shift": _signed(read(L_SHIFT))}


def decode_config(read, write=None) -> dict:
    """What the hardware says it is, from a register read function read(offset) -> int (and,
    for the mlp's per-layer words, write(offset, value) to select each layer)."""
    if read(MAGIC) != MAGIC_WORD:
        return {"magic": read(MAGIC)}
    ident = read(ID)
    kinds = {v: k for k, v in KIND_CODES.items()}
    c0, c1, c2, c3 = read(CFG0), read(CFG1), read(CFG2), read(CFG3)
    lay = read(LAYOUT)
    out = {"kind": kinds.get(ident & 0xFF, f"unknown {ident & 0xFF}"), "version": ident >> 8 & 0xFF,
           "words_in": lay & 0xFFFF, "words_out": lay >> 16, "b_words": read(LAYOUT_B)}
    if out["kind"] == "mlp":
        out.update(layers=c0, inputs=c1, classes=c2, checksum=read(CHECKSUM))
        if out["version"] != MAP_VERSION or write is None or not 1 <= c0 <= 16:
            return out                       # the overlay refuses it, naming the version
        per = []
        for l in range(c0):
            write(LAYER, l)
            per.append(decode_layer(read))
        write(LAYER, 0)
        out["layer"] = per
        for key in ("pe", "simd", "wbits", "mac"):
            out[key] = tuple(p[key] for p in per)
        out["abits"] = tuple(p["obits"] for p in per[:-1])
    else:
        out.update(rows=c0 & 0xFFFF, inner=c0 >> 16, cols=c1 & 0xFFFF, lanes=c1 >> 16)
        if out["kind"] == "i8":
            out.update(wbits=c2 & 0xFF, acc_w=c2 >> 8 & 0xFF, shift=c2 >> 16 & 0xFF)
        if out["kind"] == "f32i8":
            out.update(fl_b=_signed(c3))
    return out
