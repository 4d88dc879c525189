"""pynq stand-ins that run qmlp.driver against the RTL: the simulation backend.

`Overlay(design)` builds the AXI wrapper's testbench once per design point (FuseSoC through
qmlp.eda.runner.run_fusesoc, in $QMLP_BUILD/runs/..., cached per parameter set) and offers what
the driver uses of pynq: `overlay.qmlp_0.read/write` (MMIO), `overlay.axi_dma_0.sendchannel /
recvchannel` with `transfer`, `wait`, `idle`, and `allocate()`.

How a transaction runs: MMIO writes and DMA transfers are recorded. When the driver waits on a
channel (or reads a register after writing some), the testbench (cores/axi/tb/qmlp_axi_host.v)
runs from reset: first the last value written to every read/write register (so the registers
keep their values across transactions, as on the board), then the recorded writes in their
order, the stream transfer (every send beat in, output beats until TLAST or the receive buffer
is full, with optional random back-pressure on both streams), and finally a read of every
register. The output beats go into the receive buffer; later register reads are served from
that final read (ap_done and ap_ready clear on the first read of CTRL, as in the hardware).
Each transaction starts from reset: state kept inside the core between starts (the matmul
wrapper's B, when MODE.LOAD_B = 0) is not carried over, so the driver loads B with every call.

design: a dict {"core": "qmlp:axi:mlp" | "qmlp:axi:matmul", "params": {...}, "tool":
"verilator" | "icarus"}, or the path of a JSON file holding one (`write_design`), so that
calling code passes a "bitfile" as it would on the board.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from qmlp.driver import regs
from qmlp.errors import QmlpError

CORES = {"mlp": "qmlp:axi:mlp", "matmul": "qmlp:axi:matmul"}
TOPS = {"qmlp:axi:mlp": "qmlp_tb_axi_mlp", "qmlp:axi:matmul": "qmlp_tb_axi_matmul"}
RW_REGS = (regs.GIE, regs.IER, regs.COUNT, regs.MODE, regs.TIMEOUT, regs.LAYER)
BUILD_TIMEOUT = 1800.0
RUN_TIMEOUT = 3600.0


class Op(enum.IntEnum):
    """One line of the testbench's ops file (cores/axi/tb/qmlp_axi_host.v reads the code):
    WRITE offset value, READ offset, STREAM beats_sent receive_capacity."""
    WRITE = 1
    READ = 2
    STREAM = 3


class SimError(QmlpError):
    """The simulation itself failed (build, run, or a transfer that never completed)."""


def write_design(path, core: str, params: dict | None = None, tool: str = "verilator") -> Path:
    """A JSON 'bitfile' for the simulation backend: which core, design point and simulator."""
    path = Path(path)
    path.write_text(json.dumps({"core": CORES.get(core, core), "params": params or {}, "tool": tool}, indent=1))
    return path


def _design(design) -> dict:
    if isinstance(design, dict):
        d = dict(design)
    else:
        p = Path(design)
        try:
            d = json.loads(p.read_text())
        except (OSError, ValueError) as e:
            raise SimError(f"{p}: not a simulation design file (qmlp.driver.sim.write_design writes one): {e}") \
                from None
    d["core"] = CORES.get(d.get("core", "mlp"), d.get("core"))
    if d["core"] not in TOPS:
        raise SimError(f"unknown simulated core {d['core']!r}: one of {', '.join(TOPS)}")
    d.setdefault("params", {})
    d.setdefault("tool", "verilator")
    if d["tool"] not in ("verilator", "icarus"):
        raise SimError(f"simulator {d['tool']!r}: verilator or icarus")
    return d


def _sources_hash(core: str) -> str:
    """What a compiled model depends on besides its parameters: every file of the core and of the
    cores it depends on (qmlp.eda.cores.core_files: what FuseSoC would compile, nothing hand-listed)."""
    from qmlp.config import repo_root
    from qmlp.eda.cores import core_files

    h = hashlib.sha256()
    root = repo_root() or Path.cwd()
    for f in core_files(core, root):
        h.update(str(f.relative_to(root) if f.is_relative_to(root) else f).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


class Model:
    """One compiled testbench of a design point (built on first use, reused while up to date)."""

    def __init__(self, design):
        self.design = _design(design)
        self.core = self.design["core"]
        self.params = {k: v for k, v in self.design["params"].items() if v is not None}
        self.tool = self.design["tool"]
        self.target = "sim_verilator" if self.tool == "verilator" else "sim"
        self.work_root: Path | None = None
        self.build_seconds = 0.0

    def build(self) -> Path:
        from qmlp.eda.runner import core_dir, default_build_root, run_fusesoc
        from qmlp.files import locked
        from qmlp.hashing import file_sha256

        root = default_build_root(self.core, self.target, self.params)
        work = root / core_dir(self.core) / self.target
        model = self.params.get("MODEL")
        want = {"params": self.params, "sources": _sources_hash(self.core),
                "model": file_sha256(model) if model and Path(model).is_file() else None}
        stamp = work / "qmlp_sim_stamp.json"
        with locked(root.parent / (root.name + ".lock")):
            try:
                ok = json.loads(stamp.read_text()) == json.loads(json.dumps(want)) and self._exe(work).exists()
            except (OSError, ValueError):
                ok = False
            if not ok:
                res = run_fusesoc(self.core, self.target, self.params, stages=["--setup", "--build"],
                                  timeout=BUILD_TIMEOUT, build_root=root)
                self.build_seconds = res.seconds
                if res.returncode != 0 or not self._exe(work).exists():
                    tail = "\n".join(res.output.strip().splitlines()[-25:])
                    raise SimError(f"building the simulation of {self.core} {self.params} failed (work root "
                                   f"{work}):\n{tail}")
                stamp.write_text(json.dumps(want))
        self.work_root = work
        return work

    def _exe(self, work: Path) -> Path:
        from qmlp.eda.runner import core_dir

        if self.tool == "verilator":
            return work / f"V{TOPS[self.core]}"
        return work / core_dir(self.core)

    def run(self, ops: list[tuple[Op, int, int]], beats: np.ndarray | None, last: np.ndarray | None,
            stall_in: int = 0, stall_out: int = 0, seed: int = 1, limit: int = 100_000_000) -> dict:
        """Run one transaction; {"reads": {offset: value} (the last read of each), "out": (data, last)
        of every beat received, "xfer": the last transfer's figures, "xfers": every one's, "cycles"}."""
        from qmlp.eda.runner import run_tool

        if self.work_root is None:
            self.build()
        with tempfile.TemporaryDirectory(prefix="qmlp-axi-") as tmp:
            tmp = Path(tmp)
            (tmp / "ops.txt").write_text("".join(f"{int(Op(o)):x} {a:x} {d & 0xFFFFFFFF:x}\n" for o, a, d in ops))
            if beats is not None and len(beats):
                lines = np.char.add(np.char.add(np.char.mod("%08x", np.asarray(beats, np.uint32)), " "),
                                    np.asarray(last, np.int64).astype(str))
                (tmp / "beats.txt").write_text("\n".join(lines.tolist()) + "\n")
            else:
                (tmp / "beats.txt").write_text("")
            plus = [f"+OPS={tmp / 'ops.txt'}", f"+BEATS={tmp / 'beats.txt'}", f"+OUT={tmp / 'out.txt'}",
                    f"+STALL_IN={int(stall_in)}", f"+STALL_OUT={int(stall_out)}", f"+SEED={int(seed)}",
                    f"+LIMIT={int(limit)}"]
            exe = self._exe(self.work_root)
            cmd = [str(exe), *plus] if self.tool == "verilator" else ["vvp", "-n", "-N", str(exe), *plus]
            res = run_tool(cmd, timeout=RUN_TIMEOUT, cwd=self.work_root, what=f"simulation of {self.core}")
            try:
                text = (tmp / "out.txt").read_text()
            except OSError:
                text = ""
            if res.returncode != 0 or "\nend " not in "\n" + text:
                tail = "\n".join(res.output.strip().splitlines()[-15:])
                raise SimError(f"the simulation of {self.core} failed (exit {res.returncode}):\n{tail}")
        return _parse(text)


def _parse(text: str) -> dict:
    reads, odata, olast, xfer, xfers, end = {}, [], [], None, [], 0
    for ln in text.splitlines():
        f = ln.split()
        if not f:
            continue
        if f[0] == "o":
            odata.append(int(f[1], 16))
            olast.append(int(f[2]))
        elif f[0] == "r":
            reads[int(f[1], 16)] = int(f[2], 16)
        elif f[0] == "x":
            xfer = dict(zip(("sent", "received", "tlast", "timeout", "cycles"), map(int, f[1:6])))
            xfers.append(xfer)
        elif f[0] == "end":
            end = int(f[1])
    return {"reads": reads, "out": (np.array(odata, np.uint32), np.array(olast, np.int64)), "xfer": xfer,
            "xfers": xfers, "cycles": end}


# ----------------------------------------------------------------------------- pynq stand-ins

class SimBuffer(np.ndarray):
    """pynq.allocate's contiguous buffer: a numpy array with the methods drivers call."""

    physical_address = 0

    def flush(self):
        pass

    def invalidate(self):
        pass

    def freebuffer(self):
        pass

    close = freebuffer


def allocate(shape, dtype="u4", **_kw) -> SimBuffer:
    return np.zeros(shape, dtype=dtype).view(SimBuffer)


class _Session:
    """What the overlay's IP and DMA share: the recorded transaction and the last register read."""

    def __init__(self, overlay: "Overlay"):
        self.ov = overlay
        self.sticky: dict[int, int] = {}
        self.ops: list[tuple[Op, int, int]] = []
        self.send = None          # (buffer words, tlast flag)
        self.recv = None          # buffer
        self.cache: dict[int, int] = {}
        self.result: dict | None = None
        self.runs = 0
        self.sim_cycles = 0

    def write(self, off: int, value: int) -> None:
        value = int(value) & 0xFFFFFFFF
        self.ops.append((Op.WRITE, off, value))
        if off in RW_REGS:
            self.sticky[off] = value

    def read(self, off: int) -> int:
        if self.ops or not self.cache:
            self.run()
        v = self.cache.get(off, 0)
        if off == regs.CTRL:
            self.cache[off] = v & ~(regs.AP_DONE | regs.AP_READY)
        return v

    def run(self) -> None:
        ov = self.ov
        ops = [(Op.WRITE, off, v) for off, v in sorted(self.sticky.items())]
        beats = last = None
        body = list(self.ops)
        if self.send is not None or self.recv is not None:
            words, tlast = self.send if self.send is not None else (np.zeros(0, np.uint32), True)
            beats = np.asarray(words, dtype=np.uint32).reshape(-1)
            last = np.zeros(len(beats), np.int64)
            if len(beats) and tlast:
                last[-1] = 1
            m = len(self.recv.reshape(-1)) if self.recv is not None else 0
            # the transfer goes where it was posted: after the writes recorded before it
            at = self.xfer_at if self.xfer_at is not None else len(body)
            body.insert(at, (Op.STREAM, len(beats), m))
        ops += body
        ops += [(Op.READ, off, 0) for off in regs.READABLE]
        res = ov.model.run(ops, beats, last, ov.stall_in, ov.stall_out, ov.seed + self.runs, ov.limit)
        self.runs += 1
        self.sim_cycles += res["cycles"]
        self.cache = dict(res["reads"])
        self.result = res
        self.ops = []
        self.xfer_at = None
        if self.recv is not None:
            data = self.received(res["out"][0].copy())
            flat = self.recv.reshape(-1).view(np.uint32)
            flat[: len(data)] = data[: len(flat)]
            self.recv_words = len(data)
        self.send = self.recv = None

    def received(self, data: np.ndarray) -> np.ndarray:
        """The output words as they reach the receive buffer (the test backend corrupts some here)."""
        return data

    xfer_at = None
    recv_words = 0


class SimMMIO:
    def __init__(self, session: _Session):
        self._s = session

    def read(self, offset: int = 0, length: int = 4) -> int:
        return self._s.read(int(offset))

    def write(self, offset: int, value) -> None:
        self._s.write(int(offset), int(value))


class SimIP:
    """What pynq's DefaultIP gives: read/write at offsets of the IP's AXI-Lite window."""

    def __init__(self, session: _Session):
        self.mmio = SimMMIO(session)
        self.read = self.mmio.read
        self.write = self.mmio.write


class SimDMAChannel:
    def __init__(self, session: _Session, direction: str):
        self._s = session
        self._dir = direction
        self._pending = False
        self.transferred = 0

    def transfer(self, array, start: int = 0, nbytes: int = 0, tlast: bool = True) -> None:
        """pynq's DMA transfer (simple mode). tlast=False (simulation only) sends the stream
        without TLAST on its last word, which AXI DMA never does: for error tests."""
        a = np.asarray(array).reshape(-1).view(np.uint8)
        n = nbytes or (len(a) - start)
        if n % 4 or start % 4:
            raise QmlpError("the AXI wrappers' streams are 32 bits wide: transfer whole words")
        s = self._s
        if s.xfer_at is None:
            s.xfer_at = len(s.ops)
        if self._dir == "send":
            s.send = (a[start:start + n].view(np.uint32).copy(), tlast)
        else:
            s.recv = np.asarray(array).reshape(-1).view(np.uint8)[start:start + n]
        self._pending = True

    def _complete(self) -> None:
        s = self._s
        if self._pending and (s.send is not None or s.recv is not None):
            s.run()
        self._pending = False
        x = (s.result or {}).get("xfer") or {}
        if x.get("timeout"):
            raise SimError(f"DMA {self._dir} channel: the transfer did not complete within {self._s.ov.limit} "
                           f"cycles (sent {x.get('sent')} beats, received {x.get('received')}, TLAST "
                           f"{'seen' if x.get('tlast') else 'not seen'})")
        self.transferred = 4 * (x.get("sent", 0) if self._dir == "send" else x.get("received", 0))

    @property
    def idle(self) -> bool:
        self._complete()
        return True

    @property
    def running(self) -> bool:
        return True

    @property
    def error(self) -> bool:
        return False

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def wait(self) -> None:
        self._complete()


class SimDMA:
    def __init__(self, session: _Session):
        self.sendchannel = SimDMAChannel(session, "send")
        self.recvchannel = SimDMAChannel(session, "recv")


class Overlay:
    """pynq.Overlay for a simulated design: attributes qmlp_0 (the wrapper) and axi_dma_0.

    stall_in / stall_out: percent of cycles with no input word offered / no output word taken
    (random, per seed); limit: cycles after which a transfer counts as hung."""

    session_class = _Session

    def __init__(self, design, stall_in: int = 0, stall_out: int = 0, seed: int = 1,
                 limit: int = 100_000_000, core_name: str = "qmlp_0", dma_name: str = "axi_dma_0"):
        self.model = Model(design)
        self.model.build()
        self.stall_in, self.stall_out, self.seed, self.limit = int(stall_in), int(stall_out), int(seed), int(limit)
        self.session = self.session_class(self)
        setattr(self, core_name, SimIP(self.session))
        setattr(self, dma_name, SimDMA(self.session))
        self.ip_dict = {core_name: {"type": self.model.core}, dma_name: {"type": "xilinx.com:ip:axi_dma:7.1"}}
        self.is_loaded = lambda: True

    def download(self):
        pass

    def free(self):
        pass


def sim_env_default() -> str:
    return os.environ.get("QMLP_DRIVER_BACKEND", "pynq")
