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

Every public call checks its arguments at the door, before any register or DMA access (shape,
dtype, range, emptiness, batch): a bad argument is a DriverError naming it and the fix, never a
numpy error from deep inside. The AXI DMA is watched, not trusted: a channel's error bits
(DMASR DMAIntErr/DMASlvErr/DMADecErr) end the wait at once as a DriverError naming them; a
transfer that does not finish in time is aborted (the core's ABORT register) and, when the
channels do not go idle after that, the DMA is reset (DMACR.Reset) and both channels started
again, so that the next call works; the buffers are freed only once no channel can still write
into them. docs/driver.md has the whole contract.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from qmlp.driver import regs
from qmlp.driver.backends import BACKENDS, backend_module  # noqa: F401 (re-exported)
from qmlp.driver.checks import (DriverError, check_array, check_int, check_seconds,  # noqa: F401 (re-exported)
                                 input_codes, pixel_codes)
from qmlp.errors import QmlpError

# AXI DMA (PG021) simple-mode registers, per channel: MM2S at 0x00, S2MM at 0x30
DMA_CHANNEL_OFFSET = {"send": 0x00, "receive": 0x30}
DMACR_RS, DMACR_RESET = 0x1, 0x4            # run/stop; soft reset (both channels; self-clearing)
DMASR_BITS = {"Halted": 0x1, "Idle": 0x2, "DMAIntErr": 0x10, "DMASlvErr": 0x20, "DMADecErr": 0x40,
              "SGIntErr": 0x100, "SGSlvErr": 0x200, "SGDecErr": 0x400}
DMASR_ERRORS = 0x770
DMASR_MEANING = {"DMAIntErr": "internal error: a zero length, or a stream longer than the buffer",
                 "DMASlvErr": "slave error: the memory did not accept the access",
                 "DMADecErr": "decode error: the buffer address decodes to no memory"}
SETTLE_SECONDS = 1.0                         # how long channels get to go idle after ABORT


class _Core:
    """One AXI wrapper in an overlay: registers, DMA transfers, checks."""

    kind_expected = None

    def __init__(self, bitfile, backend=None, core: str = "qmlp_0", dma: str = "axi_dma_0",
                 timeout: float = 10.0, **backend_args):
        self.timeout = check_seconds("timeout", timeout)        # before the overlay is built
        for name, v in (("core", core), ("dma", dma)):
            if not isinstance(v, str) or not v.isidentifier():
                raise DriverError(f"{name}={v!r}: the block design's instance name (an identifier)")
        self.backend = backend_module(backend)
        self.overlay = self.backend.Overlay(bitfile, **backend_args)
        try:
            self.ip = getattr(self.overlay, core)
            self.dma = getattr(self.overlay, dma)
        except AttributeError as e:
            raise DriverError(f"{bitfile}: the overlay has no {e.name if hasattr(e, 'name') else e} "
                              f"(expected the core as {core!r} and the DMA as {dma!r})") from None
        self.config = regs.decode_config(self.read, self.write)
        if "kind" not in self.config:
            raise DriverError(f"{bitfile}: no qmlp core at {core!r} (MAGIC reads {self.config['magic']:#010x}, "
                              f"expected {regs.MAGIC_WORD:#010x})")
        self.last = {}
        self.held_buffers = []      # buffers a DMA that could not be stopped may still write into
        self.dma_resets = 0

    # ---- registers
    def read(self, off: int) -> int:
        return int(self.ip.read(off)) & 0xFFFFFFFF

    def write(self, off: int, value: int) -> None:
        self.ip.write(off, int(value) & 0xFFFFFFFF)

    # ---- the DMA
    def _channels(self):
        return (("send", self.dma.sendchannel), ("receive", self.dma.recvchannel))

    def dma_status(self, which: str) -> int | None:
        """The channel's DMASR (AXI DMA status register), where the backend exposes registers."""
        mmio = getattr(self.dma, "mmio", None)
        if mmio is not None:
            return int(mmio.read(DMA_CHANNEL_OFFSET[which] + 4)) & 0xFFFFFFFF
        ch = dict(self._channels())[which]
        return getattr(ch, "status", None)

    def _dma_errors(self, which: str) -> str:
        sr = self.dma_status(which)
        if sr is None:
            return "error bits set"
        names = [n for n, b in DMASR_BITS.items() if sr & b and b & DMASR_ERRORS]
        return ", ".join(f"{n} ({DMASR_MEANING[n]})" if n in DMASR_MEANING else n for n in names) + \
            f"; DMASR {sr:#010x}"

    def reset_dma(self) -> bool:
        """Reset the AXI DMA (DMACR.Reset: both channels, whatever they were doing) and start both
        channels again. True when the reset completed within the time limit."""
        self.dma_resets += 1
        mmio = getattr(self.dma, "mmio", None)
        if mmio is None:                        # the stand-ins: their own reset, if they have one
            if hasattr(self.dma, "reset"):
                self.dma.reset()
            return True
        mmio.write(DMA_CHANNEL_OFFSET["send"], DMACR_RESET)
        deadline = time.monotonic() + min(self.timeout, SETTLE_SECONDS)
        while int(mmio.read(DMA_CHANNEL_OFFSET["send"])) & DMACR_RESET:     # self-clearing when done
            if time.monotonic() > deadline:
                return False
        for _, ch in self._channels():
            ch.start()                          # RS = 1; the next transfer is a "first" one again
        return True

    def _ready_channels(self) -> None:
        """Before a transfer: a channel left halted (an error) or busy (an earlier call that was
        interrupted) is reset, instead of failing inside pynq ("DMA channel not started/not idle")."""
        for which, ch in self._channels():
            stuck = not ch.idle and not getattr(ch, "_first_transfer", True)
            if not ch.running or ch.error or stuck:
                if not self.reset_dma():
                    raise DriverError(f"the DMA {which} channel is {'halted' if not ch.running else 'busy'} "
                                      "and did not come out of reset: reload the overlay")
                return

    def _settled(self) -> bool:
        """After ABORT: wait (briefly) for both channels to be idle or halted; reset them if not."""
        deadline = time.monotonic() + min(self.timeout, SETTLE_SECONDS)
        while time.monotonic() < deadline:
            if all(ch.idle or ch.error or not ch.running for _, ch in self._channels()):
                break
        else:
            return self.reset_dma()
        if any(ch.error or not ch.running for _, ch in self._channels()):
            return self.reset_dma()
        return True

    # ---- one transfer
    def transfer(self, words, units: int, out_words: int, mode: int = 0, tlast: bool = True,
                 timeout_cycles: int | None = None) -> np.ndarray:
        """Send `words` for COUNT = units, receive up to out_words words; returns them (uint32).
        tlast=False is for the simulation backend's error tests only."""
        w = check_array("words", words, "iu").reshape(-1)
        if w.size and (int(w.min()) < 0 or int(w.max()) > 0xFFFFFFFF):
            raise DriverError("words must be 32-bit stream words (0..0xFFFFFFFF)")
        words = np.ascontiguousarray(w, dtype=np.uint32)
        units = check_int("units", units, 0, 0xFFFFFFFF, "the COUNT register")
        out_words = check_int("out_words", out_words, 0)
        mode = check_int("mode", mode, 0, 0xFFFFFFFF, "the MODE register")
        if timeout_cycles is not None:
            timeout_cycles = check_int("timeout_cycles", timeout_cycles, 0, 0xFFFFFFFF, "the TIMEOUT register")
        for name, n in (("the input", len(words)), ("the output", out_words + 1)):
            if 4 * n > regs.DMA_MAX_BYTES:
                raise DriverError(f"{name} of one transfer is {4 * n} bytes; the DMA moves at most "
                                  f"{regs.DMA_MAX_BYTES} (c_sg_length_width {regs.DMA_LENGTH_BITS}): send fewer units")
        self._ready_channels()
        inb = self.backend.allocate(shape=(max(len(words), 1),), dtype=np.uint32)
        outb = self.backend.allocate(shape=(out_words + 1,), dtype=np.uint32)   # +1: room for a long answer
        quiet = True        # False while a channel may still write into the buffers
        try:
            # no flush/invalidate here: pynq's send transfer() flushes and the receive wait()
            # invalidates (doing it here too doubled the cache maintenance: the pynq-model backend)
            inb[: len(words)] = words
            self.write(regs.STATUS, 0xFFFF)
            self.write(regs.COUNT, units)
            self.write(regs.MODE, mode)
            if timeout_cycles is not None:
                self.write(regs.TIMEOUT, timeout_cycles)
            self.write(regs.CTRL, regs.AP_START)
            t0 = time.perf_counter()
            quiet = False
            try:
                self.dma.recvchannel.transfer(outb)
                send_kw = {} if tlast else {"tlast": False}
                self.dma.sendchannel.transfer(inb, nbytes=4 * len(words), **send_kw) if len(words) else None
            except (RuntimeError, ValueError) as e:      # pynq refused to start a channel
                quiet = self._settled()
                raise DriverError(f"the DMA did not accept the transfer ({e})"
                                  + ("; the DMA was reset" if quiet else "")) from None
            try:
                # a channel that was given nothing is not waited for (its idle bit stays 0 on a real DMA)
                quiet = (self._wait(self.dma.sendchannel, "send") if len(words) else True) and \
                    self._wait(self.dma.recvchannel, "receive")
            except DriverError as e:
                quiet = getattr(e, "dma_quiet", True)
                raise
            seconds = time.perf_counter() - t0
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
            if quiet:
                for b in (inb, outb):
                    if hasattr(b, "freebuffer"):
                        b.freebuffer()
            else:                # a DMA that could not be stopped may still write here: keep them
                self.held_buffers += [inb, outb]

    def _wait(self, channel, what: str) -> bool:
        """Wait for a DMA channel with a time limit (pynq's wait() alone has none) and its error
        bits read while waiting. Returns True (the channel completed); on an error or a time-out
        the core is aborted, the DMA recovered, and a DriverError raised."""
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                if channel.error:
                    self._fail(f"the DMA {what} channel stopped with an error: {self._dma_errors(what)}")
                if channel.idle:
                    break
                if time.monotonic() > deadline:
                    self._fail(f"the DMA {what} channel did not finish within {self.timeout:g} s")
            channel.wait()
            return True
        except DriverError:
            raise
        except RuntimeError as e:                  # pynq's wait() read an error bit after all
            self._fail(f"the DMA {what} channel stopped with an error: {e}")
        except QmlpError as e:                     # the simulation backend: a transfer that hung
            raise DriverError(str(e)) from None

    def _fail(self, what: str):
        """End a transfer that went wrong: ABORT the core (it ends both streams), let the channels
        settle, reset the DMA when they do not, and raise the DriverError."""
        self.write(regs.ABORT, 1)
        status = self.read(regs.STATUS)
        resets = self.dma_resets
        quiet = self._settled()
        err = DriverError(f"{what} (core STATUS {status:#06x}); the transfer was aborted"
                          + (" and the DMA reset" if self.dma_resets > resets else "")
                          + ("" if quiet else "; the DMA did not come out of reset, its buffers are kept: "
                                              "reload the overlay"))
        err.dma_quiet = quiet
        raise err


class MlpOverlay(_Core):
    """The full-network accelerator (qmlp:axi:mlp): predict(images) -> classes [, logits].

    The network (inputs, classes, layers) is what the core's registers say (register map
    version 2); nothing here assumes a topology.
    model: a ROM folder (its manifest.json, `qmlp roms` or a run's qmlp_roms/) or a manifest path:
    the bitstream's CHECKSUM and its network (layer count, each layer's inputs, outputs,
    activation kind and bias) must match the manifest's, and the manifest's spec says what the
    inputs are (uint8 pixels or float features); or a checksum (int), checked alone.
    input_kind: "u8" or "float" when no manifest is given (default: uint8 pixels / int8 codes)."""

    def __init__(self, bitfile, backend=None, model=None, batch: int = 1000,
                 input_kind: str | None = None, **kw):
        # the arguments first: a bad one costs no overlay build
        batch = check_int("batch", batch, 1, hint="images per DMA transfer")
        if input_kind is not None and input_kind not in ("u8", "float"):
            raise DriverError(f"input_kind={input_kind!r}: 'u8' (pixels 0..255) or 'float' (features in [-1, 1])")
        if model is not None and not isinstance(model, (str, os.PathLike, int, np.integer)) or isinstance(model, bool):
            raise DriverError(f"model={model!r}: a ROM folder, its manifest.json, or a ROM checksum (int)")
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
        self.input_kind = input_kind
        if model is not None:
            want = self._check_model(model)
            if want != c["checksum"]:
                raise DriverError(f"the bitstream's ROMs hold another model: CHECKSUM {c['checksum']:#010x}, "
                                  f"the model given has {want:#010x}")
        # one DMA transfer moves at most DMA_MAX_BYTES (the block design's length register)
        per_image = 4 * max(c["words_in"], c["words_out"])
        self.batch = max(1, min(batch, regs.DMA_MAX_BYTES // per_image - 1))

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
        """images: N x inputs (or N x H x W square images with H*W = inputs, N >= 1): uint8 pixels
        (a "u8" network), float features in [-1, 1] (a "float" network), or int8 Q(8, 7) codes.
        Returns the classes (int64, N), with logits=True also the int32 logits (int64, N x classes).
        Everything is checked before the first transfer (DriverError)."""
        if not isinstance(logits, (bool, np.bool_)):
            raise DriverError(f"logits={logits!r}: True or False")
        codes = input_codes(images, self.inputs, self.input_kind, self.fl_in)
        cls, lg = [], []
        for i in range(0, len(codes), self.batch):
            l, c = self._run(codes[i:i + self.batch])
            cls.append(c)
            lg.append(l)
        c, l = np.concatenate(cls), np.concatenate(lg)
        return (c, l) if logits else c

    def run_codes(self, codes) -> tuple[np.ndarray, np.ndarray]:
        """One transfer of N images' int8 codes (N x inputs, 1 <= N <= batch) -> (logits, classes),
        with the output checks."""
        c = check_array("codes", codes, "i")
        if c.dtype != np.int8 or c.ndim != 2 or c.shape[1] != self.inputs or not 1 <= len(c) <= self.batch:
            raise DriverError(f"codes must be int8, N x {self.inputs} with 1 <= N <= {self.batch} (batch); got "
                              f"{c.dtype} {c.shape}: predict() takes any N and splits it")
        return self._run(c)

    def _run(self, codes: np.ndarray):
        n = len(codes)
        out = self.transfer(regs.mlp_input_words(codes, self.inputs), n, n * regs.words_out(self.classes))
        lg, cls = regs.mlp_output(out, n, self.classes)
        bad = np.nonzero((cls != np.argmax(lg, axis=1)) | (cls >= self.classes))[0]
        if len(bad):
            i = int(bad[0])
            raise DriverError(f"output check failed: image {i} has class word {int(cls[i])}, its logits' argmax is "
                              f"{int(np.argmax(lg[i]))} ({len(bad)} image(s) disagree)")
        return lg, cls


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
    A may have any number of rows (at least one): they go in blocks of ROWS (the last one padded
    with zeros). Both operands are checked in full before the first transfer."""

    def __init__(self, bitfile, kind: str, backend=None, fl_a: int = 4, fl_b: int | None = None,
                 max_blocks: int = 64, **kw):
        if kind not in regs.KIND_CODES or kind == "mlp":
            raise DriverError(f"kind={kind!r}: one of {', '.join(k for k in regs.KIND_CODES if k != 'mlp')}")
        self.fl_a = check_int("fl_a", fl_a, -64, 64, "A's fraction length in Q(8, fl_a)")
        self.max_blocks = check_int("max_blocks", max_blocks, 1, 0xFFFF, "A blocks per DMA transfer")
        fl_b = None if fl_b is None else check_int("fl_b", fl_b, -64, 64, "B's fraction length in Q(8, fl_b)")
        super().__init__(bitfile, backend, **kw)
        if self.config["kind"] != kind:
            raise DriverError(f"{bitfile}: the core is {self.config['kind']}, not {kind}")
        self.kind = kind
        # f32i8: the hardware's FL_B; i8: B's fraction length, needed only when B comes as values
        self.fl_b = fl_b if fl_b is not None else self.config.get("fl_b")
        self.rows, self.inner, self.cols = self.config["rows"], self.config["inner"], self.config["cols"]
        a_words, c_words, b_words = regs.matmul_words(kind, self.rows, self.inner, self.cols)
        # one transfer carries B and max_blocks blocks of A (and C back): within the DMA's length
        fit = max(1, (regs.DMA_MAX_BYTES // 4 - b_words - 1) // max(a_words, c_words))
        self.max_blocks = min(self.max_blocks, fit)

    def _codes(self, x: np.ndarray, fl, name: str) -> np.ndarray:
        if x.dtype.kind in "iu":
            if x.size and (int(x.min()) < -128 or int(x.max()) > 127):
                i = tuple(int(j) for j in np.argwhere((x < -128) | (x > 127))[0])
                raise DriverError(f"{name}[{i[0]}, {i[1]}] = {int(x[i])} is not an int8 code (-128..127)")
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

    def operands(self, A, B) -> tuple[np.ndarray, np.ndarray]:
        """The door of matmul(): A (N x INNER, N >= 1) and B (INNER x COLS) as the hardware takes
        them (int8 codes or float32), or a DriverError; nothing is sent."""
        A, B = check_array("A", A), check_array("B", B)
        if A.ndim != 2 or B.ndim != 2 or A.shape[1] != self.inner or B.shape != (self.inner, self.cols):
            raise DriverError(f"the {self.kind} IP multiplies N x {self.inner} by {self.inner} x {self.cols}; got "
                              f"{A.shape} and {B.shape}")
        if len(A) == 0:
            raise DriverError(f"A has no rows {A.shape}: give at least one")
        if self.kind == "i8":
            wb = self.config.get("wbits", 8)
            if wb != 8:
                raise DriverError(f"this i8 core takes packed {wb}-bit B codes; MatmulOverlay sends bytes (WBITS=8)")
            a = self._codes(A, self.fl_a, "A")
            if A.dtype.kind == "f" and self.fl_b is None:
                raise DriverError("A comes as real values, so C does too, which needs B's fraction length: "
                                  "MatmulOverlay(..., fl_b=...), or pass A and B as int8 codes")
            return a, self._codes(B, self.fl_b, "B")
        a = A.astype(np.float32)           # the IP computes in float32 (other floats are rounded to it)
        if self.kind == "f32i8":
            return a, self._codes(B, self.fl_b, "B")
        return a, B.astype(np.float32)

    def matmul(self, A, B):
        a, b = self.operands(A, B)
        real = self.kind == "i8" and np.asarray(A).dtype.kind == "f"
        aw, bw, cw = regs.matmul_widths(self.kind)
        n = len(a)
        nblk = -(-n // self.rows)
        pad = np.zeros((nblk * self.rows, self.inner), a.dtype)
        pad[:n] = a
        a_words, c_words, b_words = regs.matmul_words(self.kind, self.rows, self.inner, self.cols)
        out = []
        for s in range(0, nblk, self.max_blocks):
            k = min(self.max_blocks, nblk - s)
            blocks = pad[s * self.rows:(s + k) * self.rows]
            words = np.concatenate([regs.elements_to_words(b, bw), regs.elements_to_words(blocks, aw)])
            got = self.transfer(words, k, k * c_words, mode=regs.LOAD_B)
            out.append(regs.words_to_elements(got, cw).reshape(k * self.rows, self.cols))
        c = np.concatenate(out)[:n]
        if self.kind == "i8":
            c = c.astype(np.int8)
            if real:
                fl_c = self.fl_a + self.fl_b - self.config.get("shift", 0)
                return np.ldexp(c.astype(np.float64), -fl_c).astype(np.float32)
            return c
        return c.astype(np.float32)
