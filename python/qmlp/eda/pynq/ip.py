"""IP assembly for a pynq_z2 run (`qmlp hook pynq-setup`): the run's parameters validated, the
wrapper's sources, ROM files and model header copied into qmlp_pynq/ip/src, the IP's top rendered
from templates/qmlp_pynq_top.v.j2, and config.tcl written.

The wrapper's ports and parameters come from Yosys (qmlp.eda.hdl), not from regular expressions
over its source: the top passes only the parameters the wrapper declares, and slices the 64 KiB
segment's address to the wrapper's s_axi_control address width.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from qmlp import params
from qmlp.eda.edam import read_edam
from qmlp.eda.hdl import Module, read_modules, render
from qmlp.eda.hooks import ROM_DIR
from qmlp.eda.pynq.board import (CONFIG, CTRL_ADDR_BITS, IP_DIR, LIBRARY, OUT, STREAM_BITS, VENDOR, VERSION,
                                 check_vivado, fclk_actual)
from qmlp.eda.pynq.tcl import config_tcl
from qmlp.errors import QmlpError
from qmlp.files import new_folder, write_text
from qmlp.hashing import file_sha256


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


def wrapper_module(wrapper: str, srcs, work_root: Path) -> Module:
    """The wrapper as Yosys reads it (ports at the parameters' defaults) from the top core's own
    sources (src/<EDAM name>/ in the work root; the wrapper is the EDAM toplevel). Not the whole
    tree: Yosys would evaluate every module's default ROM files, which this run need not have.

    Include folders: those of the EDAM file's include files, and the work root (the RTL includes
    qmlp_roms/qmlp_mlp_model.vh from there)."""
    work_root = Path(work_root)
    own_dir = (work_root / "src" / str(read_edam(work_root).get("name") or "")).resolve()
    files = [f for f, inc in srcs if not inc and own_dir in Path(f).resolve().parents] or \
        [f for f, inc in srcs if not inc]
    incs = [f.parent for f, inc in srcs if inc] + [work_root]
    mods = read_modules(files, incs, cwd=work_root)
    if wrapper not in mods:
        raise QmlpError(f"no `module {wrapper}` in the EDAM file's sources: the toplevel of a pynq_z2 target must be "
                        "the AXI wrapper")
    return mods[wrapper]


def _addr_bits(mod: Module) -> int | None:
    """The wrapper's s_axi_control_awaddr width (None: one bit, or wider than the segment's)."""
    p = mod.ports.get("s_axi_control_awaddr")
    if p is not None and p.direction == "input" and 1 < p.width <= CTRL_ADDR_BITS:
        return p.width
    return None


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
    kind and the ROMs are this run's); the template's X_INTERFACE_INFO attributes tell the
    packager which ports form which interface."""
    streams = [(bus, p, "input" if (p == "tready") != into else "output", n)
               for bus, into in (("s_axis", True), ("m_axis", False)) for p, n in _STREAM]
    return render("qmlp.eda.pynq", "qmlp_pynq_top.v.j2", top=ov.top, wrapper=ov.wrapper, vlnv=ov.vlnv,
                  params=[(k, _verilog_value(t, v)) for k, (t, v) in ov.params.items()],
                  ctrl=_CTRL, streams=streams, ctrl_addr_bits=CTRL_ADDR_BITS, addr_bits=ov.addr_bits)


# Vivado finds $readmemh files among the IP's memory files by bare name; the RTL takes bare
# names with this define (qmlp_mlp_accel.v), which a packaged IP cannot pass as a project
# setting: the IP's copy of every file that tests the define starts with it.
_BY_NAME = "QMLP_ROMS_BY_NAME"
_DEFINE = (f"// qmlp_pynq: ROM files by bare name in the packaged IP (added by `qmlp hook pynq-setup`)\n"
           f"`ifndef {_BY_NAME}\n`define {_BY_NAME}\n`endif\n")


def setup(kind: str, work_root: Path = Path("."), check: bool = True) -> Overlay:
    """`qmlp hook pynq-setup <mlp|matmul>`: the IP folder and config.tcl, then the Vivado check."""
    work_root = Path(work_root)
    ov = overlay_of(kind, work_root)
    srcs = _sources(work_root)
    if ov.kind == "mlp":
        roms = work_root / ROM_DIR
        mems = sorted(roms.glob("*.mem"))
        if not mems or not (roms / "qmlp_mlp_model.vh").is_file():
            raise QmlpError(f"no ROM files in {roms.resolve()}: the pre-build hook `qmlp hook accel` must run "
                            "before `qmlp hook pynq-setup mlp`")
    else:
        roms, mems = None, []
    mod = wrapper_module(ov.wrapper, srcs, work_root)
    ov.addr_bits = _addr_bits(mod)
    # FuseSoC's EDAM lists the parameters of every core in the tree (a MAC core's WB, say): the
    # top passes only those the wrapper declares
    ov.params = {k: v for k, v in ov.params.items() if k in mod.params}
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
            romdir = tmp / "src" / ROM_DIR       # the RTL includes qmlp_roms/qmlp_mlp_model.vh
            romdir.mkdir(parents=True, exist_ok=True)
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


def _digest(root: Path, names: list[str], config: str) -> str:
    """One hash over the IP's files and every setting (config.tcl without the digest): the build
    Tcl skips an unchanged overlay, and rebuilds when anything in it changed."""
    h = hashlib.sha256(config.encode())
    for n in sorted(names):
        h.update(n.encode() + b"\0" + file_sha256(root / n).encode() + b"\0")
    return h.hexdigest()[:16]
