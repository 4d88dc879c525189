"""Verilog wrapper and FuseSoC core for HLS-generated matmul RTL (Vitis HLS or Google XLS).

The HLS module (`qmlp_hls_matmul_<kind>`, the top function of cores/hls/src; ports as Vitis
emits them: ap_ctrl_hs, ap_memory, banks B_0_..., C_0_...) is generated for one fixed block.
The shared testbench (qmlp_tb_matmul) instantiates `qmlp_matmul_<kind>` with parameters and
packed bank buses, like the handwritten IP. `wrapper()` writes that module around the HLS one:
it maps banks to bus slices and, in simulation, stops with a clear message when the parameters
differ from the ones the RTL was generated for. `core_text()` writes a core with the handwritten
IP's targets (sim, sim_verilator, lint, synth) and testbench, so an HLS core is a drop-in for the
handwritten one.

The wrapper is a jinja2 template (templates/qmlp_hls_wrapper.v.j2, package data); the core is a
dict written by yaml.safe_dump; the HLS module's ports are read by Yosys (qmlp.eda.hdl), not by
regular expressions over its source.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from qmlp import params as table
from qmlp.eda.hdl import Port, read_module, render
from qmlp.errors import QmlpError
from qmlp.hw.vectors import WIDTHS, MatmulParams

# The HLS top function (cores/hls/src/matmul_<kind>.cpp) and so the module Vitis emits; the
# `qmlp_hls_` prefix keeps it apart from the wrapper, which takes the handwritten IP's name.
HLS_TOP = {k: f"qmlp_hls_matmul_{k}" for k in table.KINDS}
# The module the testbench instantiates: the handwritten IP, or the wrapper around HLS RTL.
IP_TOP = {k: f"qmlp_matmul_{k}" for k in table.KINDS}
CTRL = ("ap_clk", "ap_rst", "ap_start", "ap_done", "ap_idle", "ap_ready")


# Parameters of the handwritten IP that HLS output does not have: it is generated for int8 B
# (WBITS=8). Not in the packaged core; the wrapper declares it and stops a simulation with
# another value (the shared testbench passes WBITS to every int8 DUT, default 8).
HANDWRITTEN_ONLY = ("WBITS",)


def param_names(kind: str) -> list[str]:
    """Verilog parameters of qmlp_matmul_<kind> (those the RTL depends on), from the parameter table."""
    return [q.name for q in table.matmul_params(kind) if q.paramtype == "vlogparam" and q.name not in HANDWRITTEN_ONLY]


def param_values(p: MatmulParams) -> dict[str, int]:
    v = {"ROWS": p.rows, "INNER": p.inner, "COLS": p.cols, "LANES": p.lanes, "ACC_W": p.acc_w,
         "SHIFT": p.shift, "FL_B": p.fl_b}
    return {n: v[n] for n in param_names(p.kind)}


def _aw(n: int) -> int:
    return max(1, math.ceil(math.log2(n)))


# ------------------------------------------------------------------------------------ ports

def read_ports(files, module: str) -> dict[str, Port]:
    """Ports of `module` in the Verilog files, in declaration order, as Yosys reads them
    (qmlp.eda.hdl: ANSI or non-ANSI headers alike; Vitis writes non-ANSI). Yosys runs in the
    first file's folder, where Vitis's `$readmemh("./<rom>.dat")` files are."""
    files = [Path(f) for f in files]
    return read_module(files, module, cwd=files[0].parent if files else None).ports


def check_ports(ports: dict[str, Port], p: MatmulParams, top: str) -> list[str]:
    """Bank prefixes ('B_0_', ...; or 'B_' without partitioning) after checking every port.

    Raises a QmlpError naming each port that is missing or has the wrong width or direction,
    for a Vitis ap_ctrl_hs / ap_memory interface of the block p.
    """
    aw, bw, cw = WIDTHS[p.kind]
    banks = sorted({int(m.group(1)) for n in ports if (m := re.fullmatch(r"B_(\d+)_address0", n))})
    if banks:
        b_pre = [f"B_{l}_" for l in range(len(banks))]
        c_pre = [f"C_{l}_" for l in range(len(banks))]
        if banks != list(range(len(banks))):
            raise QmlpError(f"{top}: B banks {banks} are not numbered 0..N-1")
    else:
        b_pre, c_pre = ["B_"], ["C_"]
    if len(b_pre) != p.lanes:
        raise QmlpError(f"{top} has {len(b_pre)} B bank(s) but the block has LANES={p.lanes}: the RTL was "
                        f"generated with ARRAY_PARTITION factor={len(b_pre)}")
    want = [Port(n, "input", 1) for n in ("ap_clk", "ap_rst", "ap_start")]
    want += [Port(n, "output", 1) for n in ("ap_done", "ap_idle", "ap_ready")]
    want += [Port("A_address0", "output", _aw(p.rows * p.inner)), Port("A_ce0", "output", 1),
             Port("A_q0", "input", aw)]
    for b in b_pre:
        want += [Port(f"{b}address0", "output", _aw(p.inner * p.cols // p.lanes)), Port(f"{b}ce0", "output", 1),
                 Port(f"{b}q0", "input", bw)]
    for c in c_pre:
        want += [Port(f"{c}address0", "output", _aw(p.rows * p.cols // p.lanes)), Port(f"{c}ce0", "output", 1),
                 Port(f"{c}we0", "output", 1), Port(f"{c}d0", "output", cw)]
    problems = []
    for w in want:
        got = ports.get(w.name)
        if got is None:
            problems.append(f"{w.name} missing")
        elif (got.direction, got.width) != (w.direction, w.width):
            problems.append(f"{w.name} is {got.direction} [{got.width}], expected {w.direction} [{w.width}]")
    extra = sorted(set(ports) - {w.name for w in want})
    if extra:
        problems.append(f"unexpected port(s) {', '.join(extra)}")
    if problems:
        raise QmlpError(f"{top} does not have the ap_ctrl_hs / ap_memory ports of SPEC 5 for "
                        f"{p.rows}x{p.inner}x{p.cols} LANES={p.lanes}: " + "; ".join(problems))
    return [b[:-1] for b in b_pre]


# ---------------------------------------------------------------------------------- wrapper

def wrapper(p: MatmulParams, bank_prefixes: list[str], source: str, hint: str) -> str:
    """Verilog of qmlp_matmul_<kind> around the HLS module, for the block p it was generated for
    (the template templates/qmlp_hls_wrapper.v.j2).

    source: where the RTL came from (for comments and messages); hint: what to do when the
    simulation's parameters differ (printed with the error).
    """
    aw, bw, cw = WIDTHS[p.kind]
    gen = param_values(p)
    if p.kind == "i8":
        gen["WBITS"] = 8     # the testbench passes WBITS to every int8 DUT: HLS RTL has int8 B only
    return render("qmlp.hls", "qmlp_hls_wrapper.v.j2", name=IP_TOP[p.kind], top=HLS_TOP[p.kind], kind=p.kind,
                  source=source, gen=gen, gen_text=" ".join(f"{n}={v}" for n, v in gen.items()),
                  aw=aw, bw=bw, cw=cw, banks=list(bank_prefixes), hint=hint)


# ------------------------------------------------------------------------------------- core

# Warnings outside Verilator's "lint" group that HLS output triggers: Vitis starts its state
# machines with `initial begin #0 ap_CS_fsm = ...; end` (STMTDLY, ZERODLY), and its RTL mixes
# styles that Verilator flags but simulates correctly.
_VENDOR_RULES = ("STMTDLY", "ZERODLY", "COMBDLY", "INITIALDLY", "MULTIDRIVEN", "UNOPTFLAT", "BLKANDNBLK")


def waivers(rtl: list[str]) -> str:
    """Verilator control file: no warnings from tool-generated RTL (the wrapper stays linted)."""
    lines = ["`verilator_config", "// Generated by qmlp.hls: HLS output is not ours to fix, so Verilator's",
             "// warnings are waived in these files only."]
    for name in rtl:
        lines.append(f'lint_off -file "*/{name}"')
        lines += [f'lint_off -rule {r} -file "*/{name}"' for r in _VENDOR_RULES]
    return "\n".join(lines) + "\n"


def _core_default(q, gen: dict):
    """A parameter's default as the core gives it: the RTL's block for its parameters, the
    table's default otherwise (a list of words as FuseSoC takes it on the command line: a,b)."""
    if q.name in gen:
        return gen[q.name]
    return ",".join(map(str, q.default)) if isinstance(q.default, (tuple, list)) else q.default


def _parameters(p: MatmulParams) -> dict:
    """The parameters section: the table's names, types and descriptions; the RTL's block as defaults."""
    gen = param_values(p)
    return {q.name: {"datatype": q.datatype, "default": _core_default(q, gen), "paramtype": q.paramtype,
                     "description": q.meaning}
            for q in table.matmul_params(p.kind)
            # tool-generated RTL may leave data outputs X between accesses; B is int8
            if q.name != "STRICT_X" and q.name not in HANDWRITTEN_ONLY}


def _sim_target(description: str, filesets: list[str], params: list[str], tool_options: dict) -> dict:
    return {"description": description, "filesets": filesets, "toplevel": "qmlp_tb_matmul", "parameters": params,
            "hooks": {"pre_build": ["vectors"]}, "flow": "sim", "flow_options": tool_options}


def core_data(vlnv: str, p: MatmulParams, rtl: list[str], description: str, user_files: list[str] = (),
              tcl_files: list[str] = (), vlt_files: list[str] = ()) -> dict:
    """A standalone core for the packaged RTL as a dict: default, sim, sim_verilator, lint, synth.

    Every target is written out in full (no YAML anchors): hooks are listed per target, vectors
    for the simulations, the parameter check for lint and synth.
    """
    kind = p.kind
    names = param_names(kind)
    filesets: dict = {"rtl": {"files": list(rtl), "file_type": "verilogSource"}}
    if user_files:
        filesets["data"] = {"files": [{f: {"copyto": f}} for f in user_files], "file_type": "user"}
    if tcl_files:
        filesets["xilinx_ip"] = {"files": list(tcl_files), "file_type": "tclSource"}
    if vlt_files:
        filesets["waivers"] = {"files": list(vlt_files), "file_type": "vlt"}
    filesets["tb"] = {"depend": ["qmlp:tb:matmul"]}
    filesets["synth"] = {"depend": ["qmlp:flow:yosys"]}

    def sets(*extra):    # a fresh list per target: yaml.safe_dump would write a shared one as an alias
        return ["rtl"] + (["data"] if user_files else []) + (["waivers"] if vlt_files else []) + list(extra)

    def sim_params():
        return names + ["VECTORS", "SEED", f"KIND={kind}"]

    targets = {
        "default": {"filesets": sets(), "toplevel": IP_TOP[kind], "parameters": list(names)},
        "sim": _sim_target("Icarus simulation with the shared testbench, checked bit for bit against the golden model",
                           sets("tb"), sim_params(),
                           {"tool": "icarus", "iverilog_options": ["-g2005-sv"], "vvp_options": ["-N"]}),
        "sim_verilator": _sim_target("Verilator simulation (--binary -O3) with the shared testbench",
                                     sets("tb"), sim_params(),
                                     {"tool": "verilator", "mode": "binary",
                                      "verilator_options": ["--timing", "-O3", "--timescale", "1ns/1ps"],
                                      "make_options": ["OPT_FAST=-O2", "OBJCACHE=ccache"]}),
        "lint": {"description": "Verilator lint (-Wall) of the wrapper and the generated RTL",
                 "filesets": sets(), "toplevel": IP_TOP[kind], "parameters": list(names), "hooks": {"pre_build": ["check"]},
                 "flow": "lint", "flow_options": {"tool": "verilator", "mode": "lint-only",
                                                  "verilator_options": ["-Wall", "--no-timing", "--timescale",
                                                                        "1ns/1ps"]}},
        "synth": {"description": "Yosys synth_xilinx estimate for xc7 (prints RESOURCES, writes resources.json)",
                  "filesets": sets("synth"), "toplevel": IP_TOP[kind], "parameters": list(names),
                  "hooks": {"pre_build": ["check"]}, "flow": "vivado",
                  "flow_options": {"synth": "yosys", "pnr": "none", "part": "xc7z020clg400-1",
                                   "yosys_template": "qmlp_yosys.tcl",
                                   "yosys_synth_options": ["-family xc7", "-flatten", "-noiopad", "-abc9"]}},
    }
    return {"name": vlnv, "description": description, "filesets": filesets,
            # check: validates the run's parameters (lint, synth); vectors: validates, then writes
            # qmlp_vectors/ for this run's parameters with the Python golden model
            "scripts": {"check": {"cmd": ["qmlp", "hook", "check", kind]},
                        "vectors": {"cmd": ["qmlp", "hook", "vectors", kind]}},
            "parameters": _parameters(p), "targets": targets}


def core_text(vlnv: str, p: MatmulParams, rtl: list[str], description: str, user_files: list[str] = (),
              tcl_files: list[str] = (), vlt_files: list[str] = ()) -> str:
    """The .core file of core_data: `CAPI=2:` first (FuseSoC reads the version from that line),
    then the dict as YAML (yaml.safe_dump: quoting is YAML's, not ours)."""
    data = core_data(vlnv, p, rtl, description, user_files, tcl_files, vlt_files)
    gen = " ".join(f"{n}={v}" for n, v in param_values(p).items())
    return ("CAPI=2:\n"
            "# Generated by qmlp.hls. Do not edit: regenerate (see cores/hls/README.md).\n"
            "# The parameters' defaults are the block the HLS RTL exists for; other values stop a\n"
            f"# simulation at time 0 and fail synthesis: {gen}\n"
            + yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=1000))
