"""A test backend (backend="pynq-model"): pynq 4's own classes with only what lies below them faked.

The driver runs against pynq.lib.dma.DMA (its simple-mode channels, exactly as on the board),
pynq.overlay.DefaultIP and pynq.mmio.MMIO (the core's registers) and pynq.buffer.PynqBuffer
(from pynq.allocate): what the stand-ins of qmlp.driver.sim only imitate. Faked are:
- the register memory: a pynq.Device with the REGISTER_RW capability (the route pynq's MMIO
  takes for devices that are not memory mapped), which serves the AXI DMA's registers from
  AxiDmaModel and the core's from a core session (the RTL through qmlp.driver.sim's testbench, or
  qmlp.driver.testing's golden core: both with the test backend's faults);
- the AXI DMA engine (AxiDmaModel): PG021's simple-mode register file (DMACR run/stop and soft
  reset, DMASR halted/idle/error bits, address, LENGTH) moving words between the buffers and the
  core's streams; overlay.dma_faults make a transfer hang or stop with DMASlvErr;
- physical memory (MEMORY, shared by all overlays as a board's DDR is): buffers get addresses
  from a bump allocator, and every free is recorded: one while a DMA channel is still busy on
  that buffer lands in MEMORY.unsafe_frees (device.unsafe_frees).
The DMA's settings are those of the block design (flows/pynq/qmlp_pynq_build.tcl), read by
pynq's own hwh parser from tests/pynq_stub/qmlp_bd.hwh when a path is given (hwh=...), else the
same values from DMA_PARAMETERS.

pynq 4.0.0 pins numpy < 2 and pulls grpcio, pydantic and IPython (about 230 MB in a venv of its
own): it is not a dependency of qmlp. This module imports pynq and so works only where pynq
is installed (tests/test_pynq_model.py runs it in such a venv when one is given).
"""

from __future__ import annotations

import numpy as np
import pynq
from pynq.buffer import PynqBuffer
from pynq.lib.dma import DMA
from pynq.overlay import DefaultIP

from qmlp.driver import testing

allocate = pynq.allocate          # pynq's own: Device.active_device.allocate -> PynqBuffer

DMA_BASE, CORE_BASE, RANGE = 0x40400000, 0x43C00000, 0x10000      # the block design's address map
# the AXI DMA's CONFIG values in the block design, as Vivado names them in the .hwh (lowercase)
DMA_PARAMETERS = {"c_include_sg": "0", "c_sg_length_width": "26", "c_include_mm2s": "1", "c_include_s2mm": "1",
                  "c_m_axi_mm2s_data_width": "32", "c_m_axi_s2mm_data_width": "32", "c_m_axis_mm2s_tdata_width": "32",
                  "c_s_axis_s2mm_tdata_width": "32", "c_include_mm2s_dre": "0", "c_include_s2mm_dre": "0",
                  "c_micro_dma": "0", "c_mm2s_burst_size": "16", "c_s2mm_burst_size": "16"}

RS, RESET = 0x1, 0x4                                  # DMACR
HALTED, IDLE = 0x1, 0x2                               # DMASR
INTERR, SLVERR, DECERR = 0x10, 0x20, 0x40
ERRORS = INTERR | SLVERR | DECERR


class _Channel:
    def __init__(self, name: str):
        self.name = name
        self.cr, self.sr = 0, HALTED                     # after reset: stopped
        self.addr = self.length = 0
        self.busy = self.hung = False
        self.posted_runs = 0


class AxiDmaModel:
    """PG021's simple-mode AXI DMA at register level, its streams connected to a core session."""

    def __init__(self, device: "ModelDevice", session, faults: dict):
        self.dev, self.session, self.faults = device, session, faults
        self.ch = {0x00: _Channel("send"), 0x30: _Channel("receive")}
        self.resets = 0

    def _at(self, off: int):
        base = 0x30 if off >= 0x30 else 0x00
        return self.ch[base], off - base

    def read(self, off: int) -> int:
        c, r = self._at(off)
        if r == 0x00:
            return c.cr
        if r == 0x04:
            self.advance()
            return c.sr
        if r == 0x18:
            return c.addr & 0xFFFFFFFF
        if r == 0x1C:
            return c.addr >> 32
        if r == 0x28:
            return c.length
        return 0

    def write(self, off: int, v: int) -> None:
        c, r = self._at(off)
        if r == 0x00:
            if v & RESET:                              # soft reset: both channels, at once (self-clearing)
                self.reset()
                return
            c.cr = v
            if v & RS and not c.sr & ERRORS:
                c.sr &= ~HALTED
            elif not v & RS:
                c.sr |= HALTED
                c.busy = False
        elif r == 0x04:
            c.sr &= ~(v & 0x7000)                      # interrupt bits: write 1 to clear
        elif r == 0x18:
            c.addr = (c.addr & ~0xFFFFFFFF) | v
        elif r == 0x1C:
            c.addr = (c.addr & 0xFFFFFFFF) | v << 32
        elif r == 0x28:
            self.start(c, v)

    def reset(self) -> None:
        self.resets += 1
        for c in self.ch.values():
            c.cr, c.sr, c.busy, c.hung = 0, HALTED, False, False
        s = self.session
        s.send = s.recv = None
        s.xfer_at = None

    def start(self, c: _Channel, nbytes: int) -> None:
        if c.sr & HALTED:
            return                                     # a halted channel ignores LENGTH (PG021)
        c.length, c.busy, c.hung = nbytes, True, False
        c.sr &= ~IDLE
        queue = self.faults.get(c.name) or []
        fault = queue.pop(0) if queue else None
        if fault == "error":                           # the memory refused the access
            c.sr |= SLVERR | HALTED
            c.busy = False
            return
        if fault == "hang":
            c.hung = True
            return
        mem = self.dev.memory(c.addr, nbytes)
        s = self.session
        if s.xfer_at is None:
            s.xfer_at = len(s.ops)
        if c.name == "send":
            s.send = (mem.view(np.uint32).copy(), True)
        else:
            s.recv = mem
            c.posted_runs = s.runs

    def advance(self) -> None:
        """What the engine has done by the time software looks: the core runs once its input is
        posted (not before: software reads DMASR between posting the receive and the send); the
        receive completes when the core has ended its output stream (normally, or after ABORT)."""
        snd, rcv = self.ch[0x00], self.ch[0x30]
        s = self.session
        if snd.busy and not snd.hung and s.send is not None:
            s.run()
            if snd.busy and not snd.hung:
                snd.busy = False
                snd.sr |= IDLE
        if rcv.busy and not rcv.hung and s.runs > rcv.posted_runs and s.recv is None:
            n = 4 * s.recv_words
            rcv.busy = False
            if n > rcv.length:                         # the stream did not end within the buffer
                rcv.sr |= INTERR | HALTED
            else:
                rcv.length = n
                rcv.sr |= IDLE

    def busy_on(self, lo: int, hi: int) -> list[str]:
        return [c.name for c in self.ch.values() if c.busy and lo <= c.addr < hi]


class Memory:
    """Physical memory shared by every ModelDevice (one board, one DDR): buffers by address, and
    the frees, checked against every DMA engine model that could be writing."""

    def __init__(self):
        self.buffers = {}                 # device address -> buffer
        self.next_address = 0x1000_0000
        self.frees, self.unsafe_frees = [], []
        self.engines = []                 # AxiDmaModel of every overlay made

    def add(self, buf) -> int:
        addr = self.next_address
        self.buffers[addr] = buf
        self.next_address += (buf.nbytes + 0xFFF) & ~0xFFF                    # page aligned
        return addr

    def free(self, pointer: int) -> None:
        buf = self.buffers.pop(pointer)
        buf.freed = True                  # off the board pynq would munmap next: nothing to unmap here
        self.frees.append(pointer)
        busy = [n for e in self.engines for n in e.busy_on(pointer, pointer + buf.nbytes)]
        if busy:
            self.unsafe_frees.append((pointer, busy))

    def view(self, address: int, nbytes: int) -> np.ndarray:
        for base, buf in self.buffers.items():
            if base <= address and address + nbytes <= base + buf.nbytes:
                return buf.reshape(-1).view(np.uint8)[address - base:address - base + nbytes]
        raise RuntimeError(f"the DMA was given {address:#x}+{nbytes}, which is no allocated buffer")


MEMORY = Memory()


class ModelDevice(pynq.Device):
    """A pynq.Device whose registers are served by models (REGISTER_RW) and whose memory is numpy."""

    def __init__(self):
        super().__init__("qmlp-pynq-model")
        self.capabilities = {"REGISTER_RW": True}
        self.regions = {}                 # (base, range) -> object with read(off) / write(off, v)
        self.flushes = self.invalidates = 0
        self.dma_model: AxiDmaModel | None = None

    @property
    def frees(self):
        return MEMORY.frees

    @property
    def unsafe_frees(self):
        return MEMORY.unsafe_frees

    def _region(self, address: int):
        for (base, size), obj in self.regions.items():
            if base <= address < base + size:
                return obj, address - base
        raise RuntimeError(f"no register at {address:#x}")

    def read_registers(self, address, length):
        obj, off = self._region(address)
        return (int(obj.read(off)) & 0xFFFFFFFF).to_bytes(4, "little")[:length]

    def write_registers(self, address, data):
        obj, off = self._region(address)
        obj.write(off, int.from_bytes(bytes(data), "little"))

    def allocate(self, shape, dtype, **kwargs):
        buf = PynqBuffer(shape, dtype, device=self, device_address=MEMORY.next_address, bo=MEMORY.next_address,
                         coherent=False)
        addr = MEMORY.add(buf)
        buf.memory, buf.pointer, buf.return_to = True, addr, self     # pynq's freebuffer path: return_pointer
        return buf

    def return_pointer(self, pointer) -> None:
        MEMORY.free(pointer)

    def memory(self, address: int, nbytes: int) -> np.ndarray:
        return MEMORY.view(address, nbytes)

    def flush(self, bo, offset, vaddr, nbytes):
        self.flushes += 1

    def invalidate(self, bo, offset, vaddr, nbytes):
        self.invalidates += 1


class _CoreRegisters:
    def __init__(self, session):
        self.s = session

    def read(self, off):
        return self.s.read(off)

    def write(self, off, v):
        self.s.write(off, v)


def dma_description(hwh=None) -> dict:
    """The DMA's ip_dict entry: from pynq's own hwh parser when a .hwh is given."""
    if hwh is None:
        return {"phys_addr": DMA_BASE, "addr_range": RANGE, "parameters": dict(DMA_PARAMETERS),
                "type": "xilinx.com:ip:axi_dma:7.1"}
    from pynq.pl_server.hwh_parser import _HWHZynq

    d = _HWHZynq(hwh_name=str(hwh)).ip_dict["axi_dma_0"]
    return {k: d[k] for k in ("phys_addr", "addr_range", "parameters", "type")}


class Overlay:
    """The overlay's two IPs as pynq builds them: qmlp_0 a DefaultIP, axi_dma_0 a pynq DMA, on a
    ModelDevice made the active device (so pynq.allocate returns its buffers). design: as for
    qmlp.driver.testing.Overlay (the RTL, or {"golden": IntNet}); its corrupt_output and
    dma_faults are this overlay's."""

    def __init__(self, design, hwh=None, core_name: str = "qmlp_0", dma_name: str = "axi_dma_0", **kw):
        self.inner = testing.Overlay(design, **kw)
        self.session = self.inner.session
        self.device = ModelDevice()
        self.dma_model = AxiDmaModel(self.device, self.session, self.inner.dma_faults)
        self.device.dma_model = self.dma_model
        MEMORY.engines.append(self.dma_model)
        self.device.regions = {(DMA_BASE, RANGE): self.dma_model, (CORE_BASE, RANGE): _CoreRegisters(self.session)}
        pynq.Device.active_device = self.device
        desc = dma_description(hwh)
        self.ip_dict = {dma_name: desc, core_name: {"phys_addr": CORE_BASE, "addr_range": RANGE}}
        setattr(self, core_name, DefaultIP({"phys_addr": CORE_BASE, "addr_range": RANGE, "device": self.device}))
        setattr(self, dma_name, DMA(dict(desc, device=self.device, interrupts={}, gpio={})))

    @property
    def corrupt_output(self):
        return self.inner.corrupt_output

    @corrupt_output.setter
    def corrupt_output(self, v):
        self.inner.corrupt_output = v

    @property
    def dma_faults(self):
        return self.inner.dma_faults

    @dma_faults.setter
    def dma_faults(self, v):
        self.inner.dma_faults.clear()
        self.inner.dma_faults.update(v)
