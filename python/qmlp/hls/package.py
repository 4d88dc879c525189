"""Package a Vitis HLS (or Vivado HLS) solution folder as a qmlp:hls FuseSoC core.

    qmlp hls package SOLUTION --kind i8 --out DIR [--vlnv V]   -> DIR/<name>.core
    qmlp hls report CSYNTH_XML                                 -> HLS ... summary line

A solution folder is what `vitis_hls` leaves in <project>/<solution>/ (flows/vitis_hls/run_hls.tcl
makes one; so does the Vitis GUI):
    <project>/hls.app (vivado_hls.app)       the project: files and their cflags (-DROWS=...)
    <project>/<solution>/<solution>.aps      the solution: part, clock
    <solution>/syn/verilog/*.v               C synthesis RTL
    <solution>/impl/verilog/*.v              the RTL export_design packaged (preferred)
    <solution>/syn/report/<top>_csynth.xml   latency, interval, resource estimates
The block the RTL was generated for comes from the -D flags of the design files in hls.app (the
defaults of cores/hls/src/qmlp_hls.h otherwise), and is checked against the RTL's ports.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from qmlp.errors import QmlpError
from qmlp.hls.core import HLS_TOP, IP_TOP, check_ports, core_text, read_ports, waivers, wrapper
from qmlp.hw.vectors import KINDS, MatmulParams

# the defaults of cores/hls/src/qmlp_hls.h (tests check that they agree)
HEADER_DEFAULTS = {"ROWS": 64, "INNER": 128, "COLS": 64, "LANES": 1, "ACC_W": 32, "SHIFT": 0, "FL_B": 4}
_FIELD = {"ROWS": "rows", "INNER": "inner", "COLS": "cols", "LANES": "lanes", "ACC_W": "acc_w", "SHIFT": "shift",
          "FL_B": "fl_b"}
_VERILOG_KEYWORDS = {
    "module", "endmodule", "input", "output", "inout", "wire", "reg", "assign", "always", "initial", "if", "else",
    "case", "casez", "casex", "endcase", "begin", "end", "function", "endfunction", "task", "endtask", "parameter",
    "localparam", "genvar", "generate", "endgenerate", "for", "while", "integer", "default", "return", "automatic",
    "signed", "unsigned", "posedge", "negedge", "or", "and", "not", "real", "time", "defparam", "specify", "logic",
}


# ------------------------------------------------------------------------------ reports

def read_csynth(path: Path) -> dict:
    """Latency, interval, clock and resources of a csynth.xml (Vivado HLS and Vitis HLS formats)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        raise QmlpError(f"{path}: not a readable csynth.xml ({e})") from None

    def txt(p):
        el = root.find(p)
        return el.text.strip() if el is not None and el.text else None

    def num(p):
        v = txt(p)
        try:
            return int(v)
        except (TypeError, ValueError):
            try:
                return float(v)
            except (TypeError, ValueError):
                return v  # e.g. "undef" for data-dependent loops

    res = "AreaEstimates/Resources/"
    dsp = num(res + "DSP")
    if dsp is None:
        dsp = num(res + "DSP48E")  # Vivado HLS names DSPs by primitive
    out = {
        "version": txt("ReportVersion/Version"),
        "top": txt("UserAssignments/TopModelName"),
        "part": txt("UserAssignments/Part"),
        "target_clock_ns": num("UserAssignments/TargetClockPeriod"),
        "estimated_clock_ns": num("PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod"),
        "latency_best": num("PerformanceEstimates/SummaryOfOverallLatency/Best-caseLatency"),
        "latency_worst": num("PerformanceEstimates/SummaryOfOverallLatency/Worst-caseLatency"),
        "interval_min": num("PerformanceEstimates/SummaryOfOverallLatency/Interval-min"),
        "interval_max": num("PerformanceEstimates/SummaryOfOverallLatency/Interval-max"),
        "lut": num(res + "LUT"), "ff": num(res + "FF"), "dsp": dsp, "bram18": num(res + "BRAM_18K"),
        "uram": num(res + "URAM"),
    }
    if out["top"] is None or out["latency_worst"] is None:
        raise QmlpError(f"{path}: no TopModelName / SummaryOfOverallLatency: not a C synthesis report")
    return out


def report_line(r: dict) -> str:
    return (f"HLS top={r['top']} latency={r['latency_worst']} interval={r['interval_max']} "
            f"clock_ns={r['estimated_clock_ns']} lut={r['lut']} ff={r['ff']} dsp={r['dsp']} bram18={r['bram18']}")


# ----------------------------------------------------------------------------- solution

@dataclass
class Solution:
    folder: Path                      # <project>/<solution>
    project: Path | None              # folder of hls.app, if found
    top: str
    rtl: list[Path]                   # Verilog files of the top and its submodules
    data: list[Path] = field(default_factory=list)   # $readmemh files of ROMs (*.dat)
    ip_tcl: list[Path] = field(default_factory=list)  # Xilinx IP the RTL instantiates (e.g. floating point)
    report: dict | None = None
    defines: dict[str, int] = field(default_factory=dict)
    tool: str = "Vitis HLS"


def find_solution(path: Path, top: str) -> Solution:
    """The solution folder at path (a solution folder, or a project with one active solution)."""
    path = Path(path).expanduser().resolve()
    if not path.is_dir():
        raise QmlpError(f"{path}: no such folder (expected a Vitis HLS solution folder, <project>/<solution>)")
    if not (path / "syn").is_dir() and not (path / "impl").is_dir():
        sols = _project_solutions(path)
        if not sols:
            raise QmlpError(f"{path} is neither a solution folder (with syn/ or impl/) nor a project with hls.app")
        path = sols[0]
    impl, syn = path / "impl" / "verilog", path / "syn" / "verilog"
    src = impl if impl.is_dir() and list(impl.glob("*.v")) else syn
    rtl = sorted(src.glob("*.v"))
    if not rtl:
        raise QmlpError(f"{path}: no Verilog in impl/verilog or syn/verilog: run C synthesis with Verilog output "
                        "(csynth_design; export_design -rtl verilog)")
    if not any(re.search(rf"\bmodule\s+{re.escape(top)}\b", f.read_text(errors="replace")) for f in rtl):
        tops = sorted({m for f in rtl for m in re.findall(r"\bmodule\s+(\w+)", f.read_text(errors="replace"))})
        raise QmlpError(f"{src}: no module {top} (the HLS top function must be named {top}); found {', '.join(tops)}")
    sol = Solution(folder=path, project=None, top=top, rtl=rtl, data=sorted(src.glob("*.dat")),
                   ip_tcl=sorted(src.glob("*_ip.tcl")))
    rpt = path / "syn" / "report" / f"{top}_csynth.xml"
    if not rpt.is_file():
        rpt = path / "syn" / "report" / "csynth.xml"
    if rpt.is_file():
        sol.report = read_csynth(rpt)
        if sol.report.get("version"):
            sol.tool += f" {sol.report['version']}"
    for app in ("hls.app", "vivado_hls.app"):
        if (path.parent / app).is_file():
            sol.project = path.parent
            sol.defines = _app_defines(path.parent / app)
            if app == "vivado_hls.app":
                sol.tool = sol.tool.replace("Vitis HLS", "Vivado HLS")
            break
    return sol


def _project_solutions(project: Path) -> list[Path]:
    for app in ("hls.app", "vivado_hls.app"):
        f = project / app
        if f.is_file():
            root = ET.parse(f).getroot()
            sols = [e.get("name") for e in root.iter() if e.tag.split("}")[-1] == "solution" and e.get("name")]
            active = [e.get("name") for e in root.iter()
                      if e.tag.split("}")[-1] == "solution" and e.get("status") == "active"]
            names = active or sols
            return [project / n for n in names if (project / n).is_dir()]
    return []


def _app_defines(app: Path) -> dict[str, int]:
    """-DNAME=<int> flags of the design (non-testbench) files of an hls.app."""
    root = ET.parse(app).getroot()
    defs: dict[str, int] = {}
    for e in root.iter():
        if e.tag.split("}")[-1] == "file" and e.get("tb") in ("false", "0", None):
            for name, value in re.findall(r"-D\s*(\w+)=(-?\d+)", e.get("cflags") or ""):
                defs[name] = int(value)
    return defs


def solution_params(sol: Solution, kind: str) -> MatmulParams:
    vals = dict(HEADER_DEFAULTS, **{k: v for k, v in sol.defines.items() if k in HEADER_DEFAULTS})
    p = MatmulParams(kind=kind, **{_FIELD[k]: v for k, v in vals.items()})
    p.check()
    return p


def undefined_modules(files: list[Path]) -> list[str]:
    """Modules instantiated in files but defined in none of them (e.g. Xilinx floating-point IP)."""
    defined, used = set(), set()
    # "<module> [#(<parameters>)] <instance> (" at the start of a statement
    inst = re.compile(r"^[ \t]*([A-Za-z_]\w*)\b(?:\s*#\s*\((?:[^()]|\([^()]*\))*\))?\s+([A-Za-z_]\w*)\s*\(",
                      re.M)
    for f in files:
        text = re.sub(r"//[^\n]*|/\*.*?\*/", " ", f.read_text(errors="replace"), flags=re.S)
        defined |= set(re.findall(r"\bmodule\s+(\w+)", text))
        used |= {m.group(1) for m in inst.finditer(text) if m.group(1) not in _VERILOG_KEYWORDS
                 and m.group(2) not in _VERILOG_KEYWORDS}
    return sorted(used - defined)


# ------------------------------------------------------------------------------ package

MISMATCH_HINT = ("The RTL is fixed at the block it was generated for: pass those values on the command line "
                 "(--NAME=value after the core name),\nor generate RTL for this block (cores/hls/README.md).")


def overrides(p: MatmulParams) -> str:
    from qmlp.hls.core import param_values

    return " ".join(f"--{n}={v}" for n, v in param_values(p).items())


def package(rtl: list[Path], p: MatmulParams, out: Path, vlnv: str, source: str,
            data: list[Path] = (), ip_tcl: list[Path] = (), report: dict | None = None,
            waive_rtl: bool = False) -> Path:
    """Copy RTL into out, write the wrapper qmlp_matmul_<kind>.v and a .core named vlnv; returns the core.

    waive_rtl: waive Verilator warnings in the copied RTL (vendor output; XLS's is clean).
    """
    top = HLS_TOP[p.kind]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    try:
        ports = read_ports(rtl, top)
    except QmlpError as e:
        raise QmlpError(f"{source}: {e}") from None
    banks = check_ports(ports, p, top)
    names = []
    for f in [*rtl, *data, *ip_tcl]:
        if Path(f).resolve() != (out / Path(f).name).resolve():
            shutil.copyfile(f, out / Path(f).name)
        names.append(Path(f).name)
    wrap = f"{IP_TOP[p.kind]}.v"
    hint = MISMATCH_HINT.replace("those values", f"those values ({overrides(p)})")
    (out / wrap).write_text(wrapper(p, banks, source, hint))
    rtl_names = [Path(f).name for f in rtl] + [wrap]
    vlt = []
    if waive_rtl:
        (out / "qmlp_hls_waivers.vlt").write_text(waivers([Path(f).name for f in rtl]))
        vlt = ["qmlp_hls_waivers.vlt"]
    desc = f"HLS-generated {p.kind} matmul ({source}), {p.rows}x{p.inner}x{p.cols} LANES={p.lanes}"
    core = out / (re.sub(r"[^\w]+", "_", vlnv.rsplit(":", 1)[0]) + ".core")
    core.write_text(core_text(vlnv, p, rtl_names, desc, [Path(f).name for f in data],
                              [Path(f).name for f in ip_tcl], vlt))
    (out / "qmlp_hls.json").write_text(json.dumps({"source": source, "vlnv": vlnv, "params": vars(p),
                                                   "report": report}, indent=1) + "\n")
    return core


def package_solution(path: Path, kind: str, out: Path, vlnv: str, log=print) -> Path:
    """Package the Vitis HLS solution at path for kernel `kind`; returns the written core."""
    if kind not in KINDS:
        raise QmlpError(f"unknown kernel {kind!r}: one of {', '.join(KINDS)}")
    top = HLS_TOP[kind]
    sol = find_solution(path, top)
    p = solution_params(sol, kind)
    source = f"{sol.tool} solution {sol.folder}"
    missing = undefined_modules(sol.rtl)
    if missing:
        log(f"qmlp.hls: WARNING: the RTL instantiates module(s) not in the solution's Verilog: {', '.join(missing)}.")
        log("qmlp.hls: WARNING: these are Xilinx IP (e.g. floating point, made by the *_ip.tcl files): Icarus, "
            "Verilator and Yosys cannot elaborate them; simulate with Vivado (cosim_design / xsim).")
    where = "cflags in hls.app" if sol.defines else "defaults of qmlp_hls.h: no -D flags found in hls.app"
    try:
        core = package(sol.rtl, p, out, vlnv, source, sol.data, sol.ip_tcl, sol.report, waive_rtl=True)
    except QmlpError as e:
        raise QmlpError(f"{sol.folder}: {e} (block {overrides(p)} from the {where})") from None
    log(f"qmlp.hls: packaged {top} from {sol.folder} for {overrides(p)} ({where}) as {vlnv}")
    if sol.report:
        log(report_line(sol.report))
    return core
