"""The driver's test backend (backend="test"): qmlp.driver.sim's pynq stand-ins with fault
injection, over the RTL (design as for "sim") or over a golden core (design {"golden": IntNet}
for the accelerator, {"golden_matmul": {"KIND": ..., "ROWS": ...}} for a matmul wrapper).

Nothing here runs on a board or in `qmlp driver-bench`; it exists so that the driver's checks
can be shown to fail where they must:
- `overlay.corrupt_output = {word_index: xor_mask}` flips bits of received words (the output
  check and the bit-exact comparisons must catch it);
- `overlay.dma_faults = {"send" | "receive": ["hang" | "error", ...]}`: the next transfers of
  that channel never complete ("hang", until the DMA is reset) or stop at once with DMASR's
  DMASlvErr set and the channel halted ("error"), one entry consumed per transfer;
- the golden core (GoldenCore): the register map of qmlp_axi_mlp (map version 2, the values
  qmlp.driver.regs.mlp_config gives the RTL) and its streams computed by
  qmlp.numerics.intnet.forward, so that the driver's door and its whole path can be fuzzed in
  milliseconds. Its error handling is the wrapper's for whole-stream mistakes (COUNT = 0: CONFIG;
  fewer words than announced: SHORT; more, or no TLAST: NOLAST; ABORT), not a cycle model:
  CYCLES reads 0. The RTL stays the reference (qmlp.driver.sim, tests/test_driver.py).

qmlp.driver.pynq_model puts the same cores and faults below pynq's own classes.
"""

from __future__ import annotations

import numpy as np

from qmlp.driver import regs, sim
from qmlp.driver.sim import allocate  # noqa: F401  (the backend's allocate: the stand-ins')

# DMASR bits of the AXI DMA (PG021), as the stand-in channels report them
HALTED, IDLE, SLVERR = 0x1, 0x2, 0x20


class FaultSession(sim._Session):
    """The RTL session, with the received words passed through the overlay's corrupt_output."""

    def received(self, data: np.ndarray) -> np.ndarray:
        return corrupt(data, self.ov.corrupt_output)


def corrupt(data: np.ndarray, masks: dict) -> np.ndarray:
    for i, mask in masks.items():
        if i < len(data):
            data[i] ^= np.uint32(mask)
    return data


class GoldenCore:
    """qmlp_axi_mlp's registers and streams for an integer network, computed by the golden model.
    The same interface as sim._Session (write, read, run, send/recv/xfer_at), so the stand-in
    channels and qmlp.driver.pynq_model's DMA engine drive either."""

    def __init__(self, overlay, net):
        from qmlp.hw import roms

        self.ov, self.net = overlay, net
        n = net.n_layers
        static, self.layers = regs.mlp_config(roms.layer_constants(net), [1] * n, [1] * n, net.w_bits[:n],
                                              checksum=roms.rom_checksum(net))
        self.regs = {off: 0 for off in regs.READABLE}
        self.regs.update(static)
        self.regs.update({regs.CTRL: regs.AP_IDLE, regs.TIMEOUT: regs.TIMEOUT_RESET})
        self.regs.update(self.layers[0])
        self.ops: list = []           # non-empty: a start is pending (the stand-ins' trigger)
        self.send = self.recv = None
        self.xfer_at = None
        self.result = None
        self.runs = 0
        self.sim_cycles = 0
        self.recv_words = 0
        self.started = False

    def write(self, off: int, value: int) -> None:
        value = int(value) & 0xFFFFFFFF
        if off == regs.STATUS:
            self.regs[off] &= ~value                            # write 1 to clear
        elif off == regs.CTRL:
            if value & regs.AP_START:
                self.started = True
                self.ops.append((sim.Op.WRITE, off, value))
                self.regs[off] = 0                              # busy
        elif off == regs.ABORT:
            if value & 1 and self.started:
                self._end([regs.ERROR_BEAT | regs.STATUS_BITS["ABORT"]], regs.STATUS_BITS["ABORT"], 0)
        elif off == regs.LAYER:
            self.regs[off] = value
            self.regs.update(self.layers.get(value, {r: 0 for r in regs.LAYER_REGS}))
        elif off in sim.RW_REGS:
            self.regs[off] = value

    def read(self, off: int) -> int:
        v = self.regs.get(off, 0)
        if off == regs.CTRL:
            self.regs[off] = v & ~(regs.AP_DONE | regs.AP_READY)     # clear on read
        return v

    def run(self) -> None:
        """One start: the posted input stream through the network, the output into the receive buffer."""
        if not self.started:
            return
        words, tlast = self.send if self.send is not None else (np.zeros(0, np.uint32), True)
        words = np.asarray(words, np.uint32).reshape(-1)
        count = self.regs[regs.COUNT]
        per = regs.words_in(self.net.spec.inputs)
        want = count * per
        bits = regs.STATUS_BITS
        if count == 0:
            self._end([regs.ERROR_BEAT | bits["CONFIG"]], bits["CONFIG"] | (bits["DRAINED"] if len(words) else 0), 0,
                      dropped=len(words))
        elif len(words) < want:
            err = bits["SHORT"] if tlast else bits["TIMEOUT"]
            self._end([regs.ERROR_BEAT | err], err, len(words))
        elif len(words) > want or not tlast:
            drained = bits["DRAINED"] if len(words) > want else 0
            self._end([regs.ERROR_BEAT | bits["NOLAST"]], bits["NOLAST"] | drained, want, dropped=len(words) - want)
        else:
            from qmlp.numerics import intnet

            codes = regs.unpack_bytes(words).reshape(count, 4 * per)[:, :self.net.spec.inputs]
            logits, classes = intnet.forward(self.net, codes.astype(np.int64))
            out = np.concatenate([np.asarray(logits, np.int64).astype(np.int32).view(np.uint32),
                                  np.asarray(classes, np.uint32)[:, None]], axis=1).reshape(-1)
            self._end(out, 0, len(words))

    def _end(self, out, status: int, taken: int, dropped: int = 0) -> None:
        out = np.asarray(out, np.uint32)
        self.regs[regs.STATUS] |= status
        self.regs[regs.BEATS_IN], self.regs[regs.BEATS_OUT] = taken, len(out)
        self.regs[regs.DROPPED] += dropped
        self.regs[regs.CYCLES] = 0
        self.regs[regs.CTRL] = regs.AP_IDLE | regs.AP_DONE | regs.AP_READY
        if self.recv is not None:
            data = corrupt(out.copy(), getattr(self.ov, "corrupt_output", {}))
            flat = self.recv.reshape(-1).view(np.uint32)
            flat[: len(data)] = data[: len(flat)]
            self.recv_words = len(data)
        self.result = {"out": (out, np.r_[np.zeros(len(out) - 1, np.int64), 1]),
                       "xfer": {"sent": taken, "received": len(out), "tlast": 1, "timeout": 0, "cycles": 0}}
        self.runs += 1
        self.send = self.recv = None
        self.ops = []
        self.xfer_at = None
        self.started = False


class GoldenMatmulCore(GoldenCore):
    """qmlp_axi_matmul's registers and streams for a design point (qmlp.driver.design.check_matmul
    values), computed by qmlp.numerics.golden: MODE.LOAD_B takes B from the front of the stream,
    then COUNT blocks of ROWS x INNER of A; B is kept across starts (as in the wrapper)."""

    def __init__(self, overlay, params: dict):
        from qmlp.driver.design import check_matmul, matmul_config

        self.ov = overlay
        self.v = check_matmul(params)
        self.regs = {off: 0 for off in regs.READABLE}
        self.regs.update(matmul_config(self.v))
        self.regs.update({regs.CTRL: regs.AP_IDLE, regs.TIMEOUT: regs.TIMEOUT_RESET})
        self.layers = {}
        self.b = None
        self.ops, self.send, self.recv, self.xfer_at, self.result = [], None, None, None, None
        self.runs = self.sim_cycles = self.recv_words = 0
        self.started = False

    def run(self) -> None:
        from qmlp.numerics import golden

        if not self.started:
            return
        v, kind = self.v, self.v["KIND"]
        words, tlast = self.send if self.send is not None else (np.zeros(0, np.uint32), True)
        words = np.asarray(words, np.uint32).reshape(-1)
        a_words, c_words, b_words = regs.matmul_words(kind, v["ROWS"], v["INNER"], v["COLS"], v.get("WBITS", 8))
        aw, bw, cw = regs.matmul_widths(kind)
        count, load_b = self.regs[regs.COUNT], self.regs[regs.MODE] & regs.LOAD_B
        want = count * a_words + (b_words if load_b else 0)
        bits = regs.STATUS_BITS
        if count == 0 or (not load_b and self.b is None):
            return self._end([regs.ERROR_BEAT | bits["CONFIG"]], bits["CONFIG"], 0, dropped=len(words))
        if len(words) < want:
            err = bits["SHORT"] if tlast else bits["TIMEOUT"]
            return self._end([regs.ERROR_BEAT | err], err, len(words))
        if len(words) > want or not tlast:
            return self._end([regs.ERROR_BEAT | bits["NOLAST"]], bits["NOLAST"], want, dropped=len(words) - want)
        if load_b:
            self.b = regs.words_to_elements(words[:b_words], bw).reshape(v["INNER"], v["COLS"])
            words = words[b_words:]
        a = regs.words_to_elements(words, aw).reshape(count * v["ROWS"], v["INNER"])
        if kind == "i8":
            c = golden.matmul_i8(a, self.b, v.get("ACC_W", 32), v.get("SHIFT", 0))
        elif kind == "f32i8":
            c = golden.matmul_f32i8(a, self.b, v.get("FL_B", 4))
        else:
            c = golden.matmul_f32(a, self.b)
        self._end(regs.elements_to_words(np.asarray(c), cw), 0, want)


class FaultChannel(sim.SimDMAChannel):
    """A stand-in DMA channel that can hang or fail (overlay.dma_faults), with a DMASR."""

    def __init__(self, session, direction: str, overlay):
        super().__init__(session, direction)
        self.ov = overlay
        self.name = "send" if direction == "send" else "receive"
        self.status = IDLE            # started (pynq's DMA starts both channels when it is created)
        self.fault = None

    def transfer(self, array, start: int = 0, nbytes: int = 0, tlast: bool = True) -> None:
        if self.status & HALTED:
            raise RuntimeError("DMA channel not started")
        queue = self.ov.dma_faults.get(self.name) or []
        self.fault = queue.pop(0) if queue else None
        if self.fault == "error":
            self.status = HALTED | SLVERR
            return
        self.status = 0
        super().transfer(array, start, nbytes, tlast)

    @property
    def error(self) -> bool:
        return bool(self.status & SLVERR)

    @property
    def running(self) -> bool:
        return not self.status & HALTED

    @property
    def idle(self) -> bool:
        if self.fault in ("hang", "error"):
            return False
        self._complete()
        self.status |= IDLE
        return True

    def wait(self) -> None:
        if self.error:
            raise RuntimeError("DMA Slave Error (cannot access memory map interface)")
        super().wait()

    def start(self) -> None:
        self.status = (self.status & ~HALTED) | IDLE


class FaultDMA:
    def __init__(self, session, overlay):
        self.sendchannel = FaultChannel(session, "send", overlay)
        self.recvchannel = FaultChannel(session, "recv", overlay)
        self.resets = 0

    def reset(self) -> None:
        """DMACR.Reset: both channels halted and idle, whatever they were doing."""
        self.resets += 1
        for ch in (self.sendchannel, self.recvchannel):
            ch.status, ch.fault, ch._pending = HALTED, None, False
            ch.start()
        s = self.sendchannel._s
        s.send = s.recv = None
        s.xfer_at = None


class Overlay(sim.Overlay):
    """The stand-ins' Overlay with fault injection; design {"golden": IntNet} uses the golden core
    (nothing is built), any other design the RTL as qmlp.driver.sim does."""

    session_class = FaultSession

    def __init__(self, design, core_name: str = "qmlp_0", dma_name: str = "axi_dma_0", **kw):
        self.corrupt_output: dict[int, int] = {}
        self.dma_faults: dict[str, list[str]] = {}
        if isinstance(design, dict) and ("golden" in design or "golden_matmul" in design):
            self.model = None
            self.stall_in = self.stall_out = 0
            self.seed, self.limit = 1, 0
            self.session = GoldenCore(self, design["golden"]) if "golden" in design else \
                GoldenMatmulCore(self, design["golden_matmul"])
            self.ip_dict = {core_name: {"type": "qmlp golden core"}, dma_name: {"type": "xilinx.com:ip:axi_dma:7.1"}}
        else:
            super().__init__(design, core_name=core_name, dma_name=dma_name, **kw)
        setattr(self, core_name, sim.SimIP(self.session))
        setattr(self, dma_name, FaultDMA(self.session, self))
