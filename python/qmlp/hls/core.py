"""Verilog wrapper and FuseSoC core for HLS-generated matmul RTL (Vitis HLS or Google XLS).

The HLS module (`qmlp_hls_matmul_<kind>`, the top function of cores/hls/src; ports as Vitis
emits them: ap_ctrl_hs, ap_memory, banks B_0_..., C_0_...) is generated for one fixed block.
The shared testbench (qmlp_tb_matmul) instantiates `qmlp_matmul_<kind>` with parameters and
packed bank buses, like the handwritten IP. `wrapper()` writes that module around the HLS one:
it maps banks to bus slices and, in simulation, stops with a clear message when the parameters
differ from the ones the RTL was generated for. `core_text()` writes a core with the handwritten
IP's targets (sim, sim_verilator, lint, synth) and testbench, so an HLS core is a drop-in for the
handwritten one.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from qmlp import params as table
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

@dataclass
class Port:
    name: str
    direction: str  # input | output | inout
    width: int


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


_DECL = re.compile(r"\b(input|output|inout)\b\s*(?:wire|reg|logic)?\s*(?:signed)?\s*(?:\[\s*(\d+)\s*:\s*(\d+)\s*\])?"
                   r"\s*([^;]*)")


def parse_ports(text: str, module: str) -> dict[str, Port]:
    """Ports of `module` in Verilog text, ANSI or non-ANSI style (Vitis writes non-ANSI)."""
    src = _strip_comments(text)
    m = re.search(rf"\bmodule\s+{re.escape(module)}\b\s*(#\s*\((?:[^()]|\([^()]*\))*\)\s*)?\((.*?)\)\s*;", src, re.S)
    if not m:
        raise QmlpError(f"module {module} not found")
    header = m.group(2)
    body = src[m.end(): src.find("endmodule", m.end())]
    ports: dict[str, Port] = {}
    if re.search(r"\b(input|output|inout)\b", header):
        # ANSI: a direction starts a group; names follow until the next direction
        for group in re.split(r",\s*(?=(?:input|output|inout)\b)", header.strip()):
            d = _DECL.match(group.strip())
            if d:
                _add(ports, d, d.group(4))
    else:
        # non-ANSI: the header lists names, declarations follow (function arguments too: skip them)
        names = [n.strip() for n in header.split(",") if n.strip()]
        decl: dict[str, Port] = {}
        for d in _DECL.finditer(body):
            _add(decl, d, d.group(4))
        ports = {n: decl[n] for n in names if n in decl}
        missing = [n for n in names if n not in ports]
        if missing:
            raise QmlpError(f"module {module}: no direction declared for port(s) {', '.join(missing)}")
    return ports


def _add(ports: dict, d: re.Match, names: str) -> None:
    width = abs(int(d.group(2)) - int(d.group(3))) + 1 if d.group(2) is not None else 1
    for n in names.split(","):
        n = n.strip()
        if re.fullmatch(r"[A-Za-z_]\w*", n):
            ports[n] = Port(n, d.group(1), width)


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
    """Verilog of qmlp_matmul_<kind> around the HLS module, for the block p it was generated for.

    source: where the RTL came from (for comments and messages); hint: what to do when the
    simulation's parameters differ (printed with the error).
    """
    kind, top, name = p.kind, HLS_TOP[p.kind], IP_TOP[p.kind]
    aw, bw, cw = WIDTHS[kind]
    gen = param_values(p)
    if kind == "i8":
        gen["WBITS"] = 8     # the testbench passes WBITS to every int8 DUT: HLS RTL has int8 B only
    names = list(gen)
    plist = ",\n".join(f"  parameter integer {n:<5} = {v}" for n, v in gen.items())
    glist = "\n".join(f"  localparam integer GEN_{n:<5} = {v};" for n, v in gen.items())
    match = " && ".join(f"{n} == GEN_{n}" for n in names)
    fmt_sim = " ".join(f"{n}=%0d" for n in names)
    fmt_gen = " ".join(f"{n}={v}" for n, v in gen.items())
    args_sim = ", ".join(names)
    conns = [".ap_clk(ap_clk)", ".ap_rst(ap_rst)", ".ap_start(ap_start)", ".ap_done(ap_done)",
             ".ap_idle(ap_idle)", ".ap_ready(ap_ready)",
             ".A_address0(A_address0)", ".A_ce0(A_ce0)", ".A_q0(A_q0)"]
    for l, b in enumerate(bank_prefixes):
        conns += [f".{b}_address0(B_address0[{l}*B_AW +: B_AW])", f".{b}_ce0(B_ce0[{l}])",
                  f".{b}_q0(B_q0[{l}*{bw} +: {bw}])"]
    for l, b in enumerate(bank_prefixes):
        c = "C" + b[1:]
        conns += [f".{c}_address0(C_address0[{l}*C_AW +: C_AW])", f".{c}_ce0(C_ce0[{l}])", f".{c}_we0(C_we0[{l}])",
                  f".{c}_d0(C_d0[{l}*{cw} +: {cw}])"]
    conn_text = ",\n".join("      " + c for c in conns)
    hint_lines = "\n".join(f'        $display("ERROR: {_vstr(h)}");' for h in hint.splitlines() if h.strip())
    return f"""`default_nettype none
// Generated by qmlp.hls from {source}. Do not edit: regenerate.
//
// {name} with the parameters and ports of the handwritten IP (cores/ip/matmul_{kind}), around
// the HLS-generated {top}, which exists for one block only:
//   {fmt_gen}
// The parameters are there so that the shared testbench instantiates this IP and the handwritten
// one alike. Other values cannot work (the HLS RTL is fixed): a simulation stops at time 0 with a
// RESULT pass=0 line, and synthesis fails on a module whose name says why.
// Bank l of the packed B and C buses (bits [l*W +: W]) connects to the HLS ports of bank l
// ({", ".join(bank_prefixes)} and their C counterparts).
module {name} #(
{plist}
) (
  input  wire                                          ap_clk,
  input  wire                                          ap_rst,
  input  wire                                          ap_start,
  output wire                                          ap_done,
  output wire                                          ap_idle,
  output wire                                          ap_ready,
  output wire [$clog2(ROWS*INNER)-1:0]                 A_address0,
  output wire                                          A_ce0,
  input  wire [{aw - 1}:0]                                    A_q0,
  output wire [LANES*$clog2(INNER*COLS/LANES)-1:0]     B_address0,
  output wire [LANES-1:0]                              B_ce0,
  input  wire [LANES*{bw}-1:0]                            B_q0,
  output wire [LANES*$clog2(ROWS*COLS/LANES)-1:0]      C_address0,
  output wire [LANES-1:0]                              C_ce0,
  output wire [LANES-1:0]                              C_we0,
  output wire [LANES*{cw}-1:0]                            C_d0
);
{glist}
  localparam integer B_AW = $clog2(INNER * COLS / LANES);
  localparam integer C_AW = $clog2(ROWS * COLS / LANES);

  generate
    if ({match}) begin : g_hls
      {top} u_hls (
{conn_text}
      );
    end else begin : g_wrong_parameters
      assign {{ap_done, ap_idle, ap_ready, A_ce0, B_ce0, C_ce0, C_we0}} = {{(3 + 1 + 3 * LANES){{1'b0}}}};
      assign A_address0 = {{$clog2(ROWS*INNER){{1'b0}}}};
      assign B_address0 = {{(LANES*B_AW){{1'b0}}}};
      assign C_address0 = {{(LANES*C_AW){{1'b0}}}};
      assign C_d0 = {{(LANES*{cw}){{1'b0}}}};
`ifdef SYNTHESIS
      qmlp_hls_rtl_was_generated_for_other_parameters u_error ();
`else
      initial begin
        $display("ERROR: {name} (HLS, {_vstr(source)}) was generated for {fmt_gen};");
        $display("ERROR: this simulation has {fmt_sim}.", {args_sim});
{hint_lines}
        $display("RESULT pass=0 vectors=0 mismatches=0 cycles=0");
`ifdef VERILATOR
        $c("std::exit(1);");
`else
        $stop;  // `vvp -N` exits with status 1
`endif
      end
`endif
    end
  endgenerate
endmodule
`default_nettype wire
"""


def _vstr(s: str) -> str:
    """s as the inside of a Verilog string literal (no format specifiers)."""
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")


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


def _param_block(p: MatmulParams) -> str:
    """The parameters block: the table's names, types and descriptions; the RTL's block as defaults."""
    gen = param_values(p)
    out = ""
    for q in table.matmul_params(p.kind):
        if q.name == "STRICT_X" or q.name in HANDWRITTEN_ONLY:
            continue    # tool-generated RTL may leave data outputs X between accesses; B is int8
        if q.name in gen:
            out += f"  # the HLS RTL exists for {q.name}={gen[q.name]} only\n"
        out += (f"  {q.name}:\n    datatype: {q.datatype}\n    default: {gen.get(q.name, q.default)}\n"
                f"    paramtype: {q.paramtype}\n    description: {json.dumps(q.meaning)}\n")
    return out


def core_text(vlnv: str, p: MatmulParams, rtl: list[str], description: str, user_files: list[str] = (),
              tcl_files: list[str] = (), vlt_files: list[str] = ()) -> str:
    """A standalone .core for the packaged RTL: default, sim, sim_verilator, lint, synth.

    Hooks are listed per target (FuseSoC appends the hooks of an anchor target to every target
    that merges it): vectors for the simulations, the parameter check for lint and synth.
    """
    kind = p.kind
    names = param_names(kind)
    pl = "[" + ", ".join(names) + "]"
    sim_pl = "[" + ", ".join(names + ["VECTORS", "SEED", f"KIND={kind}"]) + "]"
    files = "\n".join(f"      - {f}" for f in rtl)
    extra = ""
    if user_files:
        extra += "  data:\n    files:\n" + "".join(f"      - {f}: {{copyto: {f}}}\n" for f in user_files)
        extra += "    file_type: user\n"
    if tcl_files:
        extra += "  xilinx_ip:\n    files:\n" + "".join(f"      - {f}\n" for f in tcl_files)
        extra += "    file_type: tclSource\n"
    if vlt_files:
        extra += "  waivers:\n    files:\n" + "".join(f"      - {f}\n" for f in vlt_files)
        extra += "    file_type: vlt\n"
    rtl_sets = "[rtl" + (", data" if user_files else "") + (", waivers" if vlt_files else "") + "]"
    sim_sets = rtl_sets[:-1] + ", tb]"
    synth_sets = rtl_sets[:-1] + ", synth]"
    return f"""CAPI=2:
# Generated by qmlp.hls. Do not edit: regenerate (see cores/hls/README.md).
name: {vlnv}
description: {json.dumps(description)}

filesets:
  rtl:
    files:
{files}
    file_type: verilogSource
{extra}  tb:
    depend:
      - qmlp:tb:matmul
  synth:
    depend:
      - qmlp:flow:yosys

scripts:
  # Validates the run's parameters (lint, synth).
  check:
    cmd: [qmlp, hook, check, {kind}]
  # Validates, then writes qmlp_vectors/ for this run's parameters with the Python golden model.
  vectors:
    cmd: [qmlp, hook, vectors, {kind}]

parameters:
{_param_block(p)}
targets:
  default: &default
    filesets: {rtl_sets}
    toplevel: {IP_TOP[kind]}
    parameters: {pl}

  sim:
    <<: *default
    description: Icarus simulation with the shared testbench, checked bit for bit against the golden model
    filesets: {sim_sets}
    toplevel: qmlp_tb_matmul
    parameters: {sim_pl}
    hooks:
      pre_build: [vectors]
    flow: sim
    flow_options:
      tool: icarus
      iverilog_options: [-g2005-sv]
      vvp_options: [-N]

  sim_verilator:
    <<: *default
    description: Verilator simulation (--binary -O3) with the shared testbench
    filesets: {sim_sets}
    toplevel: qmlp_tb_matmul
    parameters: {sim_pl}
    hooks:
      pre_build: [vectors]
    flow: sim
    flow_options:
      tool: verilator
      mode: binary
      verilator_options: [--timing, -O3, --timescale, 1ns/1ps]
      make_options: [OPT_FAST=-O2, OBJCACHE=ccache]

  lint:
    <<: *default
    description: Verilator lint (-Wall) of the wrapper and the generated RTL
    hooks:
      pre_build: [check]
    flow: lint
    flow_options:
      tool: verilator
      mode: lint-only
      verilator_options: [-Wall, --no-timing, --timescale, 1ns/1ps]

  synth:
    <<: *default
    description: Yosys synth_xilinx estimate for xc7 (prints RESOURCES, writes resources.json)
    filesets: {synth_sets}
    hooks:
      pre_build: [check]
    flow: vivado
    flow_options:
      synth: yosys
      pnr: none
      part: xc7z020clg400-1
      yosys_template: qmlp_yosys.tcl
      yosys_synth_options: [-family xc7, -flatten, -noiopad, -abc9]
"""
