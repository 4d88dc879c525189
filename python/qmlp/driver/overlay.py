"""The board driver of the AXI wrappers (numpy only): MlpOverlay and MatmulOverlay.

On a PYNQ-Z2 it uses the real `pynq` package (Overlay, allocate, the AXI DMA's send and receive
channels, the core's MMIO); with backend="sim" (or QMLP_DRIVER_BACKEND=sim) the same code runs
against the RTL through qmlp.driver.sim's stand-ins. The register map and the stream layouts are
qmlp.driver.regs. Block design names (flows/pynq, qmlp.eda.pynq): the DMA is `axi_dma_0`, the
core `qmlp_0`.

One call is one or more transfers; a transfer is: write COUNT (and MODE), clear STATUS, write
CTRL.ap_start, post the receive buffer, send the input, wait for both channels, then read
STATUS: an error bit, a receive that did not end with the expected word count, or a transfer
that does not finish within `timeout` seconds is a DriverError naming what happened (never a
hang: the core ends every transfer with TLAST, errors included).
"""

from __future__ import annotations

import importlib
import json
import os
import time
from pathlib import Path

import numpy as np

from qmlp.driver import regs
from qmlp.errors import QmlpError

BACKENDS = ("pynq", "sim")


class DriverError(QmlpError):
    """The hardware (or its simulation) reported an error, or its answer failed a check."""


def backend_module(backend: str | None):
    """The module that provides Overlay and allocate: pynq on the board, qmlp.driver.sim here."""
    name = backend or os.environ.get("QMLP_DRIVER_BACKEND") or "pynq"
    if name not in BACKENDS:
        raise DriverError(f"backend {name!r}: one of {', '.join(BACKENDS)} (QMLP_DRIVER_BACKEND)")
    if name == "sim":
        return importlib.import_module("qmlp.driver.sim")
    try:
        return importlib.import_module("pynq")
    except ImportError:
        raise DriverError("the pynq package is not installed (on a PYNQ board it is; elsewhere use "
                          "backend='sim' or QMLP_DRIVER_BACKEND=sim)") from None


class _Core:
    """One AXI wrapper in an overlay: registers, DMA transfers, checks."""

    kind_expected = None

    def __init__(self, bitfile, backend: str | None = None, core: str = "qmlp_0", dma: str = "axi_dma_0",
                 timeout: float = 10.0, **backend_args):
        self.backend = backend_module(backend)
        self.overlay = self.backend.Overlay(bitfile, **backend_args)
        try:
            self.ip = getattr(self.overlay, core)
            self.dma = getattr(self.overlay, dma)
        except AttributeError as e:
            raise DriverError(f"{bitfile}: the overlay has no {e.name if hasattr(e, 'name') else e} "
                              f"(expected the core as {core!r} and the DMA as {dma!r})") from None
        self.timeout = float(timeout)
        self.config = regs.decode_config(self.read, self.write)
        if "kind" not in self.config:
            raise DriverError(f"{bitfile}: no qmlp core at {core!r} (MAGIC reads {self.config['magic']:#010x}, "
                              f"expected {regs.MAGIC_WORD:#010x})")
        self.last = {}

    # ---- registers
    def read(self, off: int) -> int:
        return int(self.ip.read(off)) & 0xFFFFFFFF

    def write(self, off: int, value: int) -> None:
        self.ip.write(off, int(value) & 0xFFFFFFFF)

    # ---- one transfer
    def transfer(self, words: np.ndarray, units: int, out_words: int, mode: int = 0, tlast: bool = True,
                 timeout_cycles: int | None = None) -> np.ndarray:
        """Send `words` for COUNT = units, receive up to out_words words; returns them (uint32).
        tlast=False is for the simulation backend's error tests only."""
        words = np.ascontiguousarray(words, dtype=np.uint32).reshape(-1)
        inb = self.backend.allocate(shape=(max(len(words), 1),), dtype=np.uint32)
        outb = self.backend.allocate(shape=(out_words + 1,), dtype=np.uint32)   # +1: room for a long answer
        try:
            inb[: len(words)] = words
            if hasattr(inb, "flush"):
                inb.flush()
            self.write(regs.STATUS, 0xFFFF)
            self.write(regs.COUNT, units)
            self.write(regs.MODE, mode)
            if timeout_cycles is not None:
                self.write(regs.TIMEOUT, timeout_cycles)
            self.write(regs.CTRL, regs.AP_START)
            t0 = time.perf_counter()
            self.dma.recvchannel.transfer(outb)
            send_kw = {} if tlast else {"tlast": False}
            self.dma.sendchannel.transfer(inb, nbytes=4 * len(words), **send_kw) if len(words) else None
            self._wait(self.dma.sendchannel, "send")
            self._wait(self.dma.recvchannel, "receive")
            seconds = time.perf_counter() - t0
            if hasattr(outb, "invalidate"):
                outb.invalidate()
            got = np.array(outb, dtype=np.uint32).reshape(-1)
            status = self.read(regs.STATUS)
            n_out = self.read(regs.BEATS_OUT)
            self.last = {"status": status, "cycles": self.read(regs.CYCLES), "beats_in": self.read(regs.BEATS_IN),
                         "beats_out": n_out, "seconds": seconds}
            ctrl = self.read(regs.CTRL)
            self.last["ctrl"] = ctrl
            if status & regs.ERROR_MASK:
                names = ", ".join(regs.status_names(status & regs.ERROR_MASK))
                err = got[n_out - 1] if 0 < n_out <= len(got) else None
                raise DriverError(f"the core ended the transfer with an error: {names} (STATUS {status:#06x}; "
                                  f"{self.last['beats_in']} of {len(words)} words taken, {n_out} sent"
                                  + (f", last word {int(err):#010x}" if err is not None else "") + ")")
            if not ctrl & regs.AP_IDLE or not ctrl & regs.AP_DONE:
                raise DriverError(f"the transfers ended but the core is not done (CTRL {ctrl:#x})")
            if n_out != out_words:
                raise DriverError(f"the core sent {n_out} words, {out_words} were expected")
            return got[:out_words].copy()
        finally:
            for b in (inb, outb):
                if hasattr(b, "freebuffer"):
                    b.freebuffer()

    def _wait(self, channel, what: str) -> None:
        """Wait for a DMA channel with a time limit (pynq's wait() alone has none)."""
        deadline = time.monotonic() + self.timeout
        try:
            while not channel.idle:
                if time.monotonic() > deadline:
                    self.write(regs.ABORT, 1)      # the core ends the transfer: both channels complete
                    raise DriverError(f"the DMA {what} channel did not finish within {self.timeout:g} s "
                                      f"(STATUS {self.read(regs.STATUS):#06x}); the transfer was aborted")
            channel.wait()
        except DriverError:
            raise
        except QmlpError as e:                     # the simulation backend: a transfer that hung
            raise DriverError(str(e)) from None


class MlpOverlay(_Core):
    """The full-network accelerator (qmlp:axi:mlp): predict(images) -> classes [, logits].

    The network (inputs, classes, layers) is what the core's registers say (register map
    version 2); nothing here assumes a topology.
    model: a ROM folder (its manifest.json, `qmlp roms` or a run's qmlp_roms/) or a manifest path:
    the bitstream's CHECKSUM and its network (layer count, each layer's inputs, outputs,
    activation kind and bias) must match the manifest's, and the manifest's spec says what the
    inputs are (uint8 pixels or float features); or a checksum (int), checked alone.
    input_kind: "u8" or "float" when no manifest is given (default: uint8 pixels / int8 codes)."""

    def __init__(self, bitfile, backend: str | None = None, model=None, batch: int = 1000,
                 input_kind: str | None = None, **kw):
        super().__init__(bitfile, backend, **kw)
        c = self.config
        if c["kind"] != "mlp":
            raise DriverError(f"{bitfile}: the core is a {c['kind']} matmul, not the MLP accelerator")
        if c["version"] != regs.MAP_VERSION or "layer" not in c:
            raise DriverError(f"{bitfile}: the core has register map version {c['version']} ({c['layers']} layers); "
                              f"this driver reads version {regs.MAP_VERSION}: rebuild the overlay with this qmlp")
        self.inputs, self.classes, self.n_layers = c["inputs"], c["classes"], c["layers"]
        want_layout = (regs.words_in(self.inputs), regs.words_out(self.classes))
        if (c["words_in"], c["words_out"]) != want_layout:
            raise DriverError(f"{bitfile}: LAYOUT says {c['words_in']} input / {c['words_out']} output words per image, "
                              f"but {self.inputs} inputs and {self.classes} classes need {want_layout[0]} / "
                              f"{want_layout[1]}")
        shapes = [(p["k"], p["n"]) for p in c["layer"]]
        if shapes[0][0] != self.inputs or shapes[-1][1] != self.classes or any(
                a[1] != b[0] for a, b in zip(shapes, shapes[1:])):
            raise DriverError(f"{bitfile}: the per-layer sizes {shapes} do not chain from {self.inputs} inputs to "
                              f"{self.classes} classes")
        self.fl_in = 7
        self.manifest = None
        if input_kind is not None and input_kind not in ("u8", "float"):
            raise DriverError(f"input_kind={input_kind!r}: 'u8' (pixels 0..255) or 'float' (features in [-1, 1])")
        self.input_kind = input_kind
        if model is not None:
            want = self._check_model(model)
            if want != c["checksum"]:
                raise DriverError(f"the bitstream's ROMs hold another model: CHECKSUM {c['checksum']:#010x}, "
                                  f"the model given has {want:#010x}")
        # one DMA transfer moves at most DMA_MAX_BYTES (the block design's length register)
        per_image = 4 * max(c["words_in"], c["words_out"])
        self.batch = max(1, min(int(batch), regs.DMA_MAX_BYTES // per_image))

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """Per layer (inputs, outputs), as the hardware reports them."""
        return [(p["k"], p["n"]) for p in self.config["layer"]]

    def _check_model(self, model) -> int:
        """The model's checksum; with a manifest also its network against the registers."""
        if isinstance(model, (int, np.integer)):
            return int(model)
        man = _manifest(model)
        self.manifest = man
        c = self.config
        spec = man.get("spec")
        if spec is not None:
            try:
                widths = [int(spec["inputs"])] + [int(l["width"]) for l in spec["layers"]]
                kind = spec.get("input_kind", "u8")
            except (KeyError, TypeError, ValueError) as e:
                raise DriverError(f"{man['_path']}: its spec is not a network spec ({e})") from None
            want = list(zip(widths, widths[1:]))
            if want != self.shapes:
                raise DriverError(f"the bitstream computes a {'-'.join(map(str, [self.inputs] + [n for _, n in self.shapes]))}"
                                  f" network, the model given is {'-'.join(map(str, widths))} ({man['_path']})")
            if self.input_kind is not None and self.input_kind != kind:
                raise DriverError(f"input_kind={self.input_kind!r}, but the model's spec says {kind!r}")
            self.input_kind = kind
        lc = man.get("layer_constants")
        if lc:
            for l, p in enumerate(c["layer"]):
                got = {"act": p["act"], "bias": p["bias"]}
                exp = {"act": regs.ACT_KINDS.get(lc["L_ACT"][l]), "bias": int(lc["L_BIAS"][l])}
                if got != exp:
                    raise DriverError(f"layer {l + 1}: the bitstream has {got}, the model given has {exp} "
                                      f"({man['_path']})")
        fl = (man.get("formats") or {}).get("fl_in")
        if fl is not None:
            self.fl_in = int(fl)
        try:
            return int(man["rom_checksum"])
        except (KeyError, TypeError, ValueError):
            raise DriverError(f"{man['_path']}: no rom_checksum in the ROM manifest") from None

    def predict(self, images, logits: bool = False):
        """images: N x inputs (or N x H x W with H*W = inputs): uint8 pixels (a "u8" network),
        float features in [-1, 1] (a "float" network), or int8 Q(8, 7) codes. Returns the classes
        (int64, N), with logits=True also the int32 logits (int64, N x classes)."""
        codes = input_codes(images, self.inputs, self.input_kind, self.fl_in)
        cls, lg = [], []
        for i in range(0, len(codes), self.batch):
            l, c = self.run_codes(codes[i:i + self.batch])
            cls.append(c)
            lg.append(l)
        c = np.concatenate(cls) if cls else np.zeros(0, np.int64)
        l = np.concatenate(lg) if lg else np.zeros((0, self.classes), np.int64)
        return (c, l) if logits else c

    def run_codes(self, codes: np.ndarray):
        """One transfer of N images' codes -> (logits, classes), with the output checks."""
        n = len(codes)
        out = self.transfer(regs.mlp_input_words(codes, self.inputs), n, n * regs.words_out(self.classes))
        lg, cls = regs.mlp_output(out, n, self.classes)
        bad = np.nonzero((cls != np.argmax(lg, axis=1)) | (cls >= self.classes))[0]
        if len(bad):
            i = int(bad[0])
            raise DriverError(f"output check failed: image {i} has class word {int(cls[i])}, its logits' argmax is "
                              f"{int(np.argmax(lg[i]))} ({len(bad)} image(s) disagree)")
        return lg, cls


def input_codes(images, inputs: int, input_kind: str | None = None, fl_in: int = 7) -> np.ndarray:
    """The int8 Q(8, fl_in) codes the hardware takes, N x inputs: uint8 pixels -> quantize(pixel /
    255, 8, fl_in), float features -> quantize(x, 8, fl_in) (qmlp.numerics.intnet.inputs_to_codes),
    int8 codes as they are."""
    from qmlp.numerics import fixedpoint as fx

    x = np.asarray(images)
    if x.ndim > 2:
        x = x.reshape(len(x), -1)
    if x.ndim != 2 or x.shape[1] != inputs:
        raise DriverError(f"images must be N x {inputs} (or N x H x W with H*W = {inputs}): the network has "
                          f"{inputs} inputs; got shape {np.shape(images)}")
    if x.dtype == np.int8:
        return x
    if x.dtype == np.uint8:
        if input_kind == "float":
            raise DriverError("this network takes float features in [-1, 1] (its spec's input_kind is 'float'); "
                              "got uint8 pixels")
        v = x.astype(np.float64) / 255.0
    elif np.issubdtype(x.dtype, np.floating):
        if input_kind != "float":
            raise DriverError(f"got {x.dtype} features, but the network takes uint8 pixels or int8 codes"
                              + ("" if input_kind else " (give model=<ROM manifest> whose spec says input_kind "
                                                       "'float', or input_kind='float')"))
        v = x.astype(np.float64)
    else:
        raise DriverError(f"images must be uint8 pixels, int8 Q(8, {fl_in}) codes or float features; got dtype "
                          f"{x.dtype}")
    try:
        return fx.to_codes(v, 8, fl_in, "images").astype(np.int8)
    except QmlpError as e:
        raise DriverError(str(e)) from None


def pixel_codes(images, inputs: int | None = None) -> np.ndarray:
    """uint8 pixels or int8 codes, N x inputs (default: as many as the images have) -> int8 codes."""
    x = np.asarray(images)
    n = int(np.prod(x.shape[1:])) if x.ndim >= 2 else -1
    return input_codes(images, inputs if inputs is not None else n, "u8")


def _manifest(model) -> dict:
    p = Path(model)
    p = p / "manifest.json" if p.is_dir() else p
    try:
        man = json.loads(p.read_text())
        if not isinstance(man, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as e:
        raise DriverError(f"{p}: not a ROM manifest ({e.__class__.__name__}: {e})") from None
    man["_path"] = str(p)
    return man


class MatmulOverlay(_Core):
    """A matmul IP behind qmlp:axi:matmul: matmul(A, B) with the lab's semantics.

    kind "f32": A, B float32 -> C float32.  kind "f32i8": A float32, B int8 codes of Q(8, FL_B)
    (or floats that are exactly such values) -> C float32.  kind "i8": A and B int8 codes -> C int8
    codes; or A as floats that are exact Q(8, fl_a) values (the lab: fixed_point_quantize(A1, 8, 4))
    and B codes of Q(8, fl_b) (or exact values) -> C as real values, code * 2**-(fl_a + fl_b - SHIFT).
    A may have any number of rows: they go in blocks of ROWS (the last one padded with zeros)."""

    def __init__(self, bitfile, kind: str, backend: str | None = None, fl_a: int = 4, fl_b: int | None = None,
                 max_blocks: int = 64, **kw):
        super().__init__(bitfile, backend, **kw)
        if self.config["kind"] != kind:
            raise DriverError(f"{bitfile}: the core is {self.config['kind']}, not {kind}")
        self.kind = kind
        self.fl_a = int(fl_a)
        # f32i8: the hardware's FL_B; i8: B's fraction length, needed only when B comes as values
        self.fl_b = int(fl_b) if fl_b is not None else self.config.get("fl_b")
        self.max_blocks = int(max_blocks)
        self.rows, self.inner, self.cols = self.config["rows"], self.config["inner"], self.config["cols"]

    def _codes(self, x, fl, name: str) -> np.ndarray:
        x = np.asarray(x)
        if np.issubdtype(x.dtype, np.integer):
            if x.size and (x.min() < -128 or x.max() > 127):
                raise DriverError(f"{name} holds codes outside int8")
            return x.astype(np.int8)
        if fl is None:
            raise DriverError(f"{name} comes as values: give its fraction length (MatmulOverlay(..., fl_b=...)) or "
                              "pass int8 codes")
        q = np.asarray(x, np.float64) * 2.0 ** fl
        c = np.rint(q)
        if not np.all(np.isfinite(q)) or np.any(c != q) or (c.size and (c.min() < -128 or c.max() > 127)):
            raise DriverError(f"{name} is not made of exact Q(8, {fl}) values: quantize it first "
                              f"(fixed_point_quantize(x, wl=8, fl={fl}))")
        return c.astype(np.int8)

    def matmul(self, A, B):
        A_in = np.asarray(A)
        if A_in.ndim != 2 or np.ndim(B) != 2 or A_in.shape[1] != self.inner or np.shape(B) != (self.inner, self.cols):
            raise DriverError(f"the {self.kind} IP multiplies N x {self.inner} by {self.inner} x {self.cols}; got "
                              f"{A_in.shape} and {np.shape(B)}")
        aw, bw, cw = regs.matmul_widths(self.kind)
        if self.kind == "i8":
            a = self._codes(A_in, self.fl_a, "A")
            b = self._codes(B, self.fl_b, "B")
            wb = self.config.get("wbits", 8)
            if wb != 8:
                raise DriverError(f"this i8 core takes packed {wb}-bit B codes; MatmulOverlay sends bytes (WBITS=8)")
        elif self.kind == "f32i8":
            a = np.asarray(A_in, np.float32)
            b = self._codes(B, self.fl_b, "B")
        else:
            a = np.asarray(A_in, np.float32)
            b = np.asarray(B, np.float32)
        n = len(a)
        nblk = -(-n // self.rows)
        pad = np.zeros((nblk * self.rows, self.inner), a.dtype)
        pad[:n] = a
        out = []
        for s in range(0, nblk, self.max_blocks):
            k = min(self.max_blocks, nblk - s)
            blocks = pad[s * self.rows:(s + k) * self.rows]
            words = np.concatenate([regs.elements_to_words(b, bw), regs.elements_to_words(blocks, aw)])
            a_words, c_words, b_words = regs.matmul_words(self.kind, self.rows, self.inner, self.cols)
            got = self.transfer(words, k, k * c_words, mode=regs.LOAD_B)
            out.append(regs.words_to_elements(got, cw).reshape(k * self.rows, self.cols))
        c = np.concatenate(out)[:n]
        if self.kind == "i8":
            c = c.astype(np.int8)
            if not np.issubdtype(A_in.dtype, np.integer):
                if self.fl_b is None:
                    raise DriverError("real-valued results need B's fraction length: MatmulOverlay(..., fl_b=...)")
                fl_c = self.fl_a + self.fl_b - self.config.get("shift", 0)
                return np.ldexp(c.astype(np.float64), -fl_c).astype(np.float32)
            return c
        return c.astype(np.float32)
