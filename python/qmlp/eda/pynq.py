"""The `pynq_z2` targets: a PYNQ-Z2 overlay (`<name>.bit` + `<name>.hwh`) built by Vivado.

The targets use edalize's `vivado` flow for what FuseSoC gives every flow (the EDAM file, the
pre-build hooks, a Makefile) and replace its build goal (flows/pynq/qmlp_pynq.mk):

    qmlp hook pynq-setup <mlp|matmul>      (pre_build, after the core's own hooks)
        validates the run's parameters (FCLK_MHZ included), assembles the IP's sources in
        qmlp_pynq/ip/ (the wrapper's RTL from the EDAM file list, the accelerator's ROM files,
        and a generated top, qmlp_pynq_<mlp|matmul>.v, that fixes the run's parameters and
        names the AXI interfaces for Vivado's packager), writes qmlp_pynq/config.tcl (every
        number the block design uses, from the constants below) and then checks that Vivado
        is on PATH: without it the run stops here, with what to install, and the generated
        files stay for review
    vivado -mode batch -source qmlp_pynq_build.tcl                   (flows/pynq)
        packages qmlp_pynq/ip as IP-XACT, builds the block design (PS7 with the board preset,
        AXI DMA in simple mode, SmartConnects, the core), validates it, synthesizes,
        implements, writes the bitstream, copies <name>.bit and <name>.hwh into the work root
    qmlp hook pynq-report                  (after Vivado)
        checks the two files and the .hwh's address map and DMA settings against the
        constants below, prints `OVERLAY ...`, the TIMING line and the SPEC 3 RESOURCES line
        of the whole design, writes resources.json; a design that misses FCLK0 fails

Nothing here runs Vivado; tests/test_pynq.py checks the generated files and runs
qmlp_pynq_build.tcl in tclsh against recording stand-ins of the Vivado commands.
"""

from __future__ import annotations

import re
import shutil
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from qmlp import params
from qmlp.eda.edam import read_edam
from qmlp.eda.hooks import ROM_DIR
from qmlp.errors import QmlpError
from qmlp.files import new_folder, write_text
from qmlp.hashing import file_sha256
from qmlp.spec import LAB

# ----------------------------------------------------------------------------- the board

PART = "xc7z020clg400-1"
BOARD = "tul.com.tw:pynq-z2:part0:1.0"
BD = "qmlp_bd"                      # block design; Vivado names its handoff file qmlp_bd.hwh
VENDOR, LIBRARY, VERSION = "qmlp.org", "qmlp", "1.0"
STREAM_BITS = 32                    # AXI DMA's stream width = the wrappers' tdata (PYNQ's default)
# Cell names: the driver finds the DMA and the core in the overlay's ip_dict by these names
# (pynq.Overlay exposes them as attributes: overlay.axi_dma_0, overlay.qmlp_0).
CELLS = {"ps7": "processing_system7_0", "dma": "axi_dma_0", "core": "qmlp_0", "reset": "rst_fclk0",
         "ctrl": "axi_ctrl", "mem": "axi_mem"}
# Address map on the PS7's M_AXI_GP0 (0x4000_0000..0x7FFF_FFFF): the DMA where PYNQ's own
# overlays put it, the core at the first address Vivado hands out on GP0. 64 KiB each.
ADDR = {"dma": 0x4040_0000, "core": 0x43C0_0000}
RANGE = 0x1_0000
CTRL_ADDR_BITS = 16                 # the generated top's s_axi_control address: the 64 KiB segment
# The DMA reaches the PS DDR through S_AXI_HP0 (the PYNQ-Z2 has 512 MiB at 0).
DDR = (0x0000_0000, 0x2000_0000)
# AXI DMA's buffer length register (c_sg_length_width, 8..26 bits): one simple-mode transfer
# moves at most 2**bits - 1 bytes. 26 bits = 64 MiB - 1; 10,000 images of the lab's network
# are 7,840,000 bytes at four inputs per stream word and 31,360,000 at one input per word:
# either fits. The driver (qmlp.driver.regs.DMA_MAX_BYTES, the same number) splits a batch of a
# wider network into transfers that fit.
DMA_LENGTH_BITS = 26                # qmlp.driver.regs.DMA_LENGTH_BITS (eda must not import the driver)
BATCH_IMAGES = 10_000               # the largest batch the length register must hold
BURST = 16                          # DMA burst length, beats (32-bit beats: 64 bytes)
FCLK_SOURCE_MHZ = 1000.0            # the PYNQ-Z2 preset's IO PLL, which FCLK0 divides


def transfer_bytes(images: int = BATCH_IMAGES, inputs: int = LAB.inputs, classes: int = LAB.classes) -> int:
    """The longest DMA transfer of a batch of a network with `inputs` inputs and `classes`
    classes (default the lab's): the input stream at one input per 32-bit word (the worst case of
    any packing the driver may choose) or the output (the logits and the class, at least 16
    words per image)."""
    return max(images * inputs * (STREAM_BITS // 8), images * max(16, classes + 1) * (STREAM_BITS // 8))


def fclk_actual(mhz: float) -> float:
    """FCLK0 the PS7 makes for a requested frequency: the IO PLL over two 6-bit dividers."""
    best = min(((d0, d1) for d0 in range(1, 64) for d1 in range(1, 64)),
               key=lambda d: (abs(FCLK_SOURCE_MHZ / (d[0] * d[1]) - mhz), d[0] * d[1]))
    return FCLK_SOURCE_MHZ / (best[0] * best[1])


_NO_VIVADO = (
    "vivado not found on PATH: the pynq_z2 target builds the PYNQ-Z2 overlay (<name>.bit and <name>.hwh) "
    "with AMD Vivado, 2020.2 or newer. The free Vivado Standard edition covers the xc7z020: download "
    "the AMD Unified Installer from https://www.xilinx.com/support/download.html, install Vivado with "
    "the Zynq-7000 devices, then `source <install>/Vivado/<version>/settings64.sh` to put vivado on "
    "PATH. The board files (" + BOARD + ") come from Vivado's Tools > Vivado Store > Boards (PYNQ-Z2) "
    "or TUL's PYNQ-Z2 page, https://www.tulembedded.com/FPGA/ProductsPYNQ-Z2.html (unpack them into "
    "<install>/Vivado/<version>/data/boards/board_files, or set QMLP_BOARD_REPO to their folder). "
    "Nothing was built; the IP sources and the block design's settings are in {where} for review"
)


def check_vivado(where: str = "qmlp_pynq/") -> str:
    exe = shutil.which("vivado")
    if exe is None:
        raise QmlpError(_NO_VIVADO.format(where=where))
    return exe


# ----------------------------------------------------------------------------- the run

OUT = "qmlp_pynq"                   # everything the target writes, under the work root
CONFIG = f"{OUT}/config.tcl"
IP_DIR = f"{OUT}/ip"


@dataclass
class Overlay:
    """One pynq_z2 run: what it packages and what the block design gets."""
    kind: str                       # "mlp", or the matmul IP's kind "i8" | "f32i8" | "f32"
    wrapper: str                    # the AXI wrapper module (the EDAM toplevel)
    fclk_mhz: int
    params: dict = field(default_factory=dict)   # the wrapper's Verilog parameters: {name: (datatype, value)}
    addr_bits: int | None = None    # the wrapper's s_axi_control address width, when its source says

    @property
    def name(self) -> str:
        """<name> of <name>.bit / <name>.hwh, what pynq.Overlay is given on the board."""
        return "qmlp_mlp" if self.kind == "mlp" else f"qmlp_matmul_{self.kind}"

    @property
    def top(self) -> str:
        return "qmlp_pynq_mlp" if self.kind == "mlp" else "qmlp_pynq_matmul"

    @property
    def vlnv(self) -> str:
        return f"{VENDOR}:{LIBRARY}:{self.top}:{VERSION}"


def _verilog_value(datatype: str, v) -> str:
    """A FuseSoC parameter as a Verilog literal: `str` parameters are strings ("8" for WBITS=8,
    the accelerator's list parameters), int and bool numbers."""
    if datatype == "bool":
        return "1" if str(v).lower() in ("1", "true", "yes") else "0"
    s = str(v).strip('"')
    if datatype == "int":
        if not re.fullmatch(r"-?\d+", s):
            raise QmlpError(f"parameter value {s!r} is not an integer")
        return s
    if not re.fullmatch(r"[A-Za-z0-9_,.+-]*", s):
        raise QmlpError(f"parameter value {s!r} cannot be written as a Verilog string")
    return f'"{s}"'


def overlay_of(kind: str, work_root: Path = Path(".")) -> Overlay:
    """Validate the run's parameters (the EDAM file FuseSoC wrote) and describe the overlay."""
    edam = read_edam(work_root)
    prm = edam.get("parameters") or {}
    raw = {k: (v or {}).get("default") for k, v in prm.items()}
    fclk = params.PYNQ_FCLK.parse(raw.get("FCLK_MHZ") if raw.get("FCLK_MHZ") is not None
                                  else params.PYNQ_FCLK.default)
    if kind == "mlp":
        from qmlp.eda.hooks import validate

        validate("accel", raw)
        ip_kind = "mlp"
    elif kind == "matmul":
        ip_kind = str(raw.get("KIND") or "").strip('"')
        if ip_kind not in params.KINDS:
            raise QmlpError(f"--KIND={ip_kind}: the matmul wrapper's kind is one of {', '.join(params.KINDS)}")
        params.validate(ip_kind, raw)
    else:
        raise QmlpError(f"unknown pynq_z2 core {kind!r}: mlp or matmul")
    vparams = {k: ((v or {}).get("datatype", "str"), raw[k]) for k, v in prm.items()
               if (v or {}).get("paramtype") == "vlogparam" and raw.get(k) is not None}
    return Overlay(kind=ip_kind, wrapper=edam["toplevel"], fclk_mhz=fclk, params=vparams)


def _sources(work_root: Path) -> list[tuple[Path, bool]]:
    """(file, is_include) of the wrapper and what it depends on, in FuseSoC's order."""
    out = []
    for f in read_edam(work_root).get("files") or []:
        if f.get("file_type", "").split("-")[0] in ("verilogSource", "systemVerilogSource"):
            out.append((Path(work_root) / f["name"], bool(f.get("is_include_file"))))
    if not any(not inc for _, inc in out):
        raise QmlpError("the EDAM file lists no Verilog sources: is this a pynq_z2 work root?")
    return out


# (port, direction, width) of both AXI wrappers (the contract in cores/axi): the generated top
# repeats them, annotated for Vivado's IP packager.
_CTRL = [("awaddr", "input", CTRL_ADDR_BITS), ("awvalid", "input", 1), ("awready", "output", 1),
         ("wdata", "input", 32), ("wstrb", "input", 4), ("wvalid", "input", 1), ("wready", "output", 1),
         ("bresp", "output", 2), ("bvalid", "output", 1), ("bready", "input", 1),
         ("araddr", "input", CTRL_ADDR_BITS), ("arvalid", "input", 1), ("arready", "output", 1),
         ("rdata", "output", 32), ("rresp", "output", 2), ("rvalid", "output", 1), ("rready", "input", 1)]
_STREAM = [("tdata", STREAM_BITS), ("tvalid", 1), ("tready", 1), ("tlast", 1), ("tkeep", STREAM_BITS // 8)]


def top_verilog(ov: Overlay) -> str:
    """The IP's top: the wrapper with this run's parameters fixed, its ports named for Vivado.

    The packaged IP then has no parameters to set in the block design (the design point, the
    kind and the ROMs are this run's), and X_INTERFACE_INFO tells the packager which ports form
    s_axi_control (AXI4-Lite), s_axis and m_axis (AXI4-Stream), that ap_clk clocks all three
    and that ap_rst_n is their active-low reset, whatever its inference rules would guess."""
    def w(n):
        return f"[{n - 1}:0] " if n > 1 else ""
    ports, conns = [], []
    ports.append('  (* X_INTERFACE_INFO = "xilinx.com:signal:clock:1.0 ap_clk CLK" *)\n'
                 '  (* X_INTERFACE_PARAMETER = "ASSOCIATED_BUSIF s_axi_control:s_axis:m_axis, '
                 'ASSOCIATED_RESET ap_rst_n" *)\n  input  wire ap_clk')
    ports.append('  (* X_INTERFACE_INFO = "xilinx.com:signal:reset:1.0 ap_rst_n RST" *)\n'
                 '  (* X_INTERFACE_PARAMETER = "POLARITY ACTIVE_LOW" *)\n  input  wire ap_rst_n')
    ports.append('  (* X_INTERFACE_INFO = "xilinx.com:signal:interrupt:1.0 interrupt INTERRUPT" *)\n'
                 '  (* X_INTERFACE_PARAMETER = "SENSITIVITY LEVEL_HIGH" *)\n  output wire interrupt')
    conns += [".ap_clk(ap_clk)", ".ap_rst_n(ap_rst_n)", ".interrupt(interrupt)"]
    for i, (p, d, n) in enumerate(_CTRL):
        attr = f'  (* X_INTERFACE_INFO = "xilinx.com:interface:aximm:1.0 s_axi_control {p.upper()}" *)\n'
        if i == 0:
            attr += (f'  (* X_INTERFACE_PARAMETER = "PROTOCOL AXI4LITE, DATA_WIDTH 32, ADDR_WIDTH {CTRL_ADDR_BITS}" '
                     '*)\n')
        sl = f"[{ov.addr_bits - 1}:0]" if p.endswith("addr") and ov.addr_bits else ""
        if sl:   # the segment's address bits above the wrapper's are not decoded
            attr = "  /* verilator lint_off UNUSEDSIGNAL */\n" + attr
        ports.append(f"{attr}  {d:<6} wire {w(n)}s_axi_control_{p}" + ("\n  /* verilator lint_on UNUSEDSIGNAL */" if sl else ""))
        conns.append(f".s_axi_control_{p}(s_axi_control_{p}{sl})")
    for bus, into in (("s_axis", True), ("m_axis", False)):
        for p, n in _STREAM:
            d = "input" if (p == "tready") != into else "output"
            ports.append(f'  (* X_INTERFACE_INFO = "xilinx.com:interface:axis:1.0 {bus} {p.upper()}" *)\n'
                         f"  {d:<6} wire {w(n)}{bus}_{p}")
            conns.append(f".{bus}_{p}({bus}_{p})")
    prm = ",\n".join(f"    .{k}({_verilog_value(t, v)})" for k, (t, v) in ov.params.items())
    head = (f"`default_nettype none\n"
            f"// Generated by `qmlp hook pynq-setup` for this pynq_z2 run: do not edit (the next run rewrites it).\n"
            f"// {ov.wrapper} at this run's parameters, the top of the IP {ov.vlnv}. The s_axi_control\n"
            f"// address is {CTRL_ADDR_BITS} bits (the 64 KiB segment of the block design); the wrapper decodes\n"
            f"// the low {ov.addr_bits or 'bits it has'}{' bits' if ov.addr_bits else ''} (the register map repeats "
            f"through the segment).\n")
    inst = f"  {ov.wrapper} #(\n{prm}\n  ) core (\n" if prm else f"  {ov.wrapper} core (\n"
    return (head + f"module {ov.top} (\n" + ",\n".join(ports) + "\n);\n" + inst +
            ",\n".join(f"    {c}" for c in conns) + "\n  );\nendmodule\n`default_nettype wire\n")


# Vivado finds $readmemh files among the IP's memory files by bare name; the RTL takes bare
# names with this define (qmlp_mlp_accel.v), which a packaged IP cannot pass as a project
# setting: the IP's copy of every file that tests the define starts with it.
_BY_NAME = "QMLP_ROMS_BY_NAME"
_DEFINE = (f"// qmlp_pynq: ROM files by bare name in the packaged IP (added by `qmlp hook pynq-setup`)\n"
           f"`ifndef {_BY_NAME}\n`define {_BY_NAME}\n`endif\n")


def _tcl_list(items) -> str:
    for s in items:
        if re.search(r"[\s{}\[\]$\\\"]", str(s)):
            raise QmlpError(f"{s!r}: a file or value with spaces or Tcl characters cannot go into {CONFIG}")
    return "{" + " ".join(map(str, items)) + "}"


def size_text(n: int) -> str:
    """A range as assign_bd_address takes it: 64K, 512M."""
    for unit, k in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << k and n % (1 << k) == 0:
            return f"{n >> k}{unit}"
    return str(n)


def config_tcl(ov: Overlay, files: list[str], headers: list[str], mems: list[str], digest: str) -> str:
    """qmlp_pynq/config.tcl: the variables qmlp_pynq_build.tcl reads (every number it uses)."""
    v = {
        "name": ov.name, "kind": ov.kind, "part": PART, "board": BOARD, "bd": BD,
        "ip_dir": IP_DIR, "ip_top": ov.top, "ip_vlnv": ov.vlnv, "ip_vendor": VENDOR, "ip_library": LIBRARY,
        "ip_version": VERSION, "ip_files": _tcl_list(files), "ip_headers": _tcl_list(headers),
        "ip_mems": _tcl_list(mems), "fclk_mhz": ov.fclk_mhz, "stream_bits": STREAM_BITS,
        "dma_length_bits": DMA_LENGTH_BITS, "burst": BURST,
        "cell_ps7": CELLS["ps7"], "cell_dma": CELLS["dma"], "cell_core": CELLS["core"],
        "cell_reset": CELLS["reset"], "cell_ctrl": CELLS["ctrl"], "cell_mem": CELLS["mem"],
        "dma_offset": f"0x{ADDR['dma']:08X}", "core_offset": f"0x{ADDR['core']:08X}", "range": size_text(RANGE),
        "ddr_offset": f"0x{DDR[0]:08X}", "ddr_range": size_text(DDR[1]), "digest": digest,
    }
    lines = ["# Generated by `qmlp hook pynq-setup` from this run's parameters: read by qmlp_pynq_build.tcl.",
             f"# {ov.name}: {ov.wrapper} ({ov.kind}) as {ov.vlnv}, FCLK0 {ov.fclk_mhz} MHz on the PYNQ-Z2."]
    lines += [f"set qmlp({k}) {val}" for k, val in v.items()]
    return "\n".join(lines) + "\n"


def setup(kind: str, work_root: Path = Path("."), check: bool = True) -> Overlay:
    """`qmlp hook pynq-setup <mlp|matmul>`: the IP folder and config.tcl, then the Vivado check."""
    work_root = Path(work_root)
    ov = overlay_of(kind, work_root)
    srcs = _sources(work_root)
    ov.addr_bits = _addr_bits(ov.wrapper, srcs)
    # FuseSoC's EDAM lists the parameters of every core in the tree (a MAC core's WB, say): the
    # top passes only those the wrapper declares
    declared = _declared_params(ov.wrapper, srcs)
    ov.params = {k: v for k, v in ov.params.items() if k in declared}
    if ov.kind == "mlp":
        roms = work_root / ROM_DIR
        mems = sorted(roms.glob("*.mem"))
        if not mems or not (roms / "qmlp_mlp_model.vh").is_file():
            raise QmlpError(f"no ROM files in {roms.resolve()}: the pre-build hook `qmlp hook accel` must run "
                            "before `qmlp hook pynq-setup mlp`")
    else:
        roms, mems = None, []
    files, headers, mem_names, seen = [], [], [], {}
    top_name = f"src/{ov.top}.v"
    with new_folder(work_root / IP_DIR) as tmp:
        for f, inc in srcs:
            rel = f"src/{f.name}"
            if rel in seen and seen[rel] != f.resolve():
                raise QmlpError(f"two sources named {f.name} ({seen[rel]}, {f}): the IP's flat src/ needs unique names")
            seen[rel] = f.resolve()
            text = f.read_text()
            if not inc and _BY_NAME in text:
                text = _DEFINE + text
            write_text(tmp / rel, text)
            (headers if inc else files).append(rel)
        if roms is not None:
            romdir = _mkdir(tmp / "src" / ROM_DIR)       # the RTL includes qmlp_roms/qmlp_mlp_model.vh
            for m in mems:
                shutil.copyfile(m, romdir / m.name)
                mem_names.append(f"src/{ROM_DIR}/{m.name}")
            shutil.copyfile(roms / "qmlp_mlp_model.vh", romdir / "qmlp_mlp_model.vh")
            headers.append(f"src/{ROM_DIR}/qmlp_mlp_model.vh")
        write_text(tmp / top_name, top_verilog(ov))
        files.append(top_name)           # last: Vivado's compile order ends with the top
        digest = _digest(tmp, files + headers + mem_names, config_tcl(ov, files, headers, mem_names, ""))
    write_text(work_root / CONFIG, config_tcl(ov, files, headers, mem_names, digest))
    print(f"qmlp: {ov.name}: IP {ov.vlnv} in {(work_root / IP_DIR).resolve()} ({len(files)} sources, "
          f"{len(headers)} headers, {len(mem_names)} ROM files), FCLK0 {ov.fclk_mhz} MHz "
          f"(the PS7 makes {fclk_actual(ov.fclk_mhz):.3f}), block design settings in {(work_root / CONFIG).resolve()}",
          flush=True)
    if check:
        check_vivado(str((work_root / OUT).resolve()))
    return ov


def _module_text(wrapper: str, srcs) -> str:
    """The wrapper module's source text (from `module <wrapper>` to its `endmodule`)."""
    for f, inc in srcs:
        if inc:
            continue
        text = f.read_text(errors="replace")
        m = re.search(rf"^\s*module\s+{re.escape(wrapper)}\b(.*?)^\s*endmodule\b", text, re.M | re.S)
        if m:
            return re.sub(r"//[^\n]*|/\*.*?\*/", "", m.group(1), flags=re.S)
    raise QmlpError(f"no `module {wrapper}` in the EDAM file's sources: the toplevel of a pynq_z2 target must be "
                    "the AXI wrapper")


def _declared_params(wrapper: str, srcs) -> set[str]:
    text = _module_text(wrapper, srcs)
    return set(re.findall(r"\bparameter\b[^=;]*?\b(\w+)\s*=", text))


def _addr_bits(wrapper: str, srcs) -> int | None:
    """The wrapper's s_axi_control_awaddr width from its source (`input wire [6:0] ..._awaddr`)."""
    m = re.search(r"input\s+(?:wire\s+)?\[(\d+):0\]\s*s_axi_control_awaddr\b", _module_text(wrapper, srcs))
    if m and 0 < int(m.group(1)) < CTRL_ADDR_BITS:
        return int(m.group(1)) + 1
    return None


def _mkdir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def _digest(root: Path, names: list[str], config: str) -> str:
    """One hash over the IP's files and every setting (config.tcl without the digest): the build
    Tcl skips an unchanged overlay, and rebuilds when anything in it changed."""
    import hashlib

    h = hashlib.sha256(config.encode())
    for n in sorted(names):
        h.update(n.encode() + b"\0" + file_sha256(root / n).encode() + b"\0")
    return h.hexdigest()[:16]


def read_config(path: Path) -> dict:
    """config.tcl back into {key: value} (the report step and the tests read it)."""
    out = {}
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise QmlpError(f"{path}: cannot read ({e.strerror}): did `qmlp hook pynq-setup` run?") from None
    for m in re.finditer(r"^set qmlp\((\w+)\) (.*)$", text, re.M):
        v = m.group(2)
        out[m.group(1)] = v[1:-1].split() if v.startswith("{") else v
    return out


# ----------------------------------------------------------------------------- after Vivado

def check_hwh(text: str, path: str = "hwh") -> list[str]:
    """Compare Vivado's hardware handoff with what the driver expects; returns warnings.

    Raises on a wrong value (an address, a DMA setting); a layout it does not know is a
    warning: the check is not worth failing a finished bitstream over."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise QmlpError(f"{path}: not XML ({e}): not a Vivado hardware handoff file") from None
    mods = {m.get("INSTANCE"): m for m in root.iter("MODULE")}
    warn = []
    for cell in (CELLS["ps7"], CELLS["dma"], CELLS["core"]):
        if cell not in mods:
            raise QmlpError(f"{path}: no MODULE {cell}: the driver looks for the cell names {', '.join(CELLS.values())}")
    # Vivado writes the IP's parameters as C_* and again as c_* (what pynq's own parser reads): one
    # check for either spelling, and two spellings that disagree are an error
    dma = {}
    for prm in mods[CELLS["dma"]].iter("PARAMETER"):
        name, value = (prm.get("NAME") or "").upper(), prm.get("VALUE")
        if name in dma and dma[name] != value:
            raise QmlpError(f"{path}: {CELLS['dma']} gives {name} twice, as {dma[name]} and {value}")
        dma[name] = value
    for k, want in (("C_INCLUDE_SG", "0"), ("C_SG_LENGTH_WIDTH", str(DMA_LENGTH_BITS)),
                    ("C_M_AXIS_MM2S_TDATA_WIDTH", str(STREAM_BITS)), ("C_S_AXIS_S2MM_TDATA_WIDTH", str(STREAM_BITS)),
                    ("C_INCLUDE_MM2S", "1"), ("C_INCLUDE_S2MM", "1")):
        if k not in dma:
            warn.append(f"{path}: {CELLS['dma']} has no parameter {k} (not checked)")
        elif dma[k] != want:
            raise QmlpError(f"{path}: {CELLS['dma']} {k} is {dma[k]}, the driver needs {want}")
    ranges = {}
    for r in mods[CELLS["ps7"]].iter("MEMRANGE"):
        ranges[r.get("INSTANCE")] = (r.get("BASEVALUE"), r.get("HIGHVALUE"))
    for what in ("dma", "core"):
        cell = CELLS[what]
        if cell not in ranges:
            warn.append(f"{path}: no MEMRANGE of {cell} under {CELLS['ps7']} (address not checked)")
            continue
        try:
            base, high = (int(x, 16) for x in ranges[cell])
        except (TypeError, ValueError):
            warn.append(f"{path}: MEMRANGE of {cell} is {ranges[cell]} (not read)")
            continue
        if (base, high) != (ADDR[what], ADDR[what] + RANGE - 1):
            raise QmlpError(f"{path}: {cell} is at 0x{base:08X}..0x{high:08X}, the block design asked for "
                            f"0x{ADDR[what]:08X}..0x{ADDR[what] + RANGE - 1:08X}")
    return warn


def report(work_root: Path = Path(".")) -> str:
    """`qmlp hook pynq-report`: the overlay's files and figures; returns the RESOURCES line."""
    from qmlp.eda import vivado
    from qmlp.eda.resources import report_resources

    work_root = Path(work_root)
    cfg = read_config(work_root / CONFIG)
    name = cfg["name"]
    bit, hwh = work_root / f"{name}.bit", work_root / f"{name}.hwh"
    missing = [str(p) for p in (bit, hwh) if not p.is_file()]
    if missing:
        raise QmlpError(f"Vivado finished without {' and '.join(missing)}: see {work_root.resolve() / OUT}/vivado.log")
    for w in check_hwh(hwh.read_text(errors="replace"), str(hwh)):
        print(f"WARNING: {w}", file=sys.stderr)
    r = vivado.resources(work_root / OUT / "utilization.rpt", work_root / OUT / "timing.rpt")
    r.update({"tool": "vivado (pynq_z2 block design)", "bit": str(bit.resolve()), "hwh": str(hwh.resolve()),
              "fclk_mhz": int(cfg["fclk_mhz"])})
    want_ns = 1000.0 / fclk_actual(int(cfg["fclk_mhz"]))
    if r["period_ns"] is not None and abs(r["period_ns"] - want_ns) > 0.01 * want_ns:
        print(f"WARNING: the timing report's clock {r['clock']} has a {r['period_ns']:.3f} ns period, FCLK0 "
              f"{cfg['fclk_mhz']} MHz is {want_ns:.3f} ns", file=sys.stderr)
    print(f"OVERLAY bit={bit.resolve()} hwh={hwh.resolve()} fclk_mhz={cfg['fclk_mhz']}", flush=True)
    print(vivado.timing_line(r), flush=True)
    line = report_resources(r, work_root)
    if not r["timing_met"]:
        print(line, flush=True)
        raise QmlpError(f"timing not met at FCLK0 = {cfg['fclk_mhz']} MHz (WNS {r['wns_ns']} ns): {bit} is written but "
                        "may compute wrong results on the board; rebuild with a lower --FCLK_MHZ")
    return line
