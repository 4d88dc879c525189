"""Open-source HLS of the int8 kernel with Google XLS (PyPI: xls-python), end to end here.

    DSLX (cores/hls/xls/matmul_i8.x) -> XLS IR -> optimiser -> pipeline scheduler -> Verilog

XLS emits a module with ready/valid channels and RAM ports (addr/re/we/data, one cycle of read
latency). `adapter()` writes a small hand-checked module that gives it the exact port list
Vitis HLS emits for `qmlp_hls_matmul_i8` (ap_ctrl_hs + ap_memory, banks B_0_..., C_0_...), so the
packaging step (qmlp.hls) treats XLS output and a Vitis solution the same way.

Only int8 is offered: XLS's float32 add and mul (dslx stdlib apfloat) flush subnormal inputs
and outputs to zero, which SPEC 4 forbids (`float_ops_are_bit_exact()` checks it).

Generation takes a few seconds; results are cached in <build>/hls/xls/<hash> (the hash covers
the DSLX source, the parameters, this module and the XLS version).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from pathlib import Path

from qmlp.config import repo_root
from qmlp.errors import QmlpError
from qmlp.hw.vectors import MatmulParams

XLS_PIN = "xls-python==0.1.9934"
PIPELINE_STAGES = 3      # request | response + MAC | C write; 2 does not schedule (RAM latency)
TOP = "qmlp_hls_matmul_i8"   # the Vitis-style module (adapter); the raw XLS module gets an _xls suffix


def available() -> bool:
    try:
        import xls.c_api  # noqa: F401
    except Exception:  # ImportError, or a wheel that does not load on this system
        return False
    return True


def xls_version() -> str:
    from xls import _version

    return _version.version


def dslx_source() -> Path:
    root = repo_root()
    path = (root / "cores" / "hls" / "xls" / "matmul_i8.x") if root else None
    if path is None or not path.is_file():
        raise QmlpError("cores/hls/xls/matmul_i8.x not found: XLS generation runs from a qmlp checkout")
    return path


def configure(src: str, p: MatmulParams) -> str:
    """The DSLX source with its `const NAME = u32:N;` block parameters set for p."""
    for name, value in (("ROWS", p.rows), ("INNER", p.inner), ("COLS", p.cols), ("LANES", p.lanes),
                        ("ACC_W", p.acc_w), ("SHIFT", p.shift)):
        src, n = re.subn(rf"^const {name} = u32:\d+;", f"const {name} = u32:{value};", src, flags=re.M)
        if n != 1:
            raise QmlpError(f"{dslx_source()}: expected one line `const {name} = u32:<n>;`, found {n}")
    return src


def _aw(n: int) -> int:
    """Address width of an n-word memory, as Vitis (and the DSLX) size it."""
    return max(1, math.ceil(math.log2(n)))


def generate(p: MatmulParams, out: Path, cache: Path) -> list[Path]:
    """Write qmlp_hls_matmul_i8_xls.v (XLS output) and qmlp_hls_matmul_i8.v (adapter) into out."""
    if p.kind != "i8":
        raise QmlpError(f"the XLS flow covers the int8 kernel only, not {p.kind}: XLS's float32 add and mul "
                        "flush subnormals to zero, which SPEC 4 forbids (use Vitis HLS for the float kernels)")
    p.check()
    if not available():
        raise QmlpError(f"Google XLS is not installed: pip install {XLS_PIN}")
    src = configure(dslx_source().read_text(), p)
    key = hashlib.sha256(json.dumps({
        "src": src, "xls": xls_version(), "stages": PIPELINE_STAGES,
        "module": Path(__file__).read_bytes().decode(),
    }, sort_keys=True).encode()).hexdigest()[:16]
    cdir = Path(cache) / f"i8-{key}"
    files = [cdir / f"{TOP}_xls.v", cdir / f"{TOP}.v"]
    if not all(f.is_file() for f in files):
        # Build in a private folder and rename it into place: two FuseSoC runs (a simulation
        # and a synthesis side by side) may generate at once, and neither may see half a file.
        Path(cache).mkdir(parents=True, exist_ok=True)
        if cdir.exists():
            shutil.rmtree(cdir, ignore_errors=True)   # an incomplete folder from an interrupted run
        tmp = Path(tempfile.mkdtemp(dir=cache, prefix=cdir.name + "."))
        (tmp / "matmul_i8.x").write_text(src)
        (tmp / files[0].name).write_text(_codegen(src, p, tmp))
        (tmp / files[1].name).write_text(adapter(p))
        try:
            os.rename(tmp, cdir)
        except OSError:             # another run got there first: its files are the same
            shutil.rmtree(tmp, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    copied = []
    for f in files:
        shutil.copyfile(f, out / f.name)
        copied.append(out / f.name)
    return copied


def _codegen(src: str, p: MatmulParams, workdir: Path) -> str:
    from xls import c_api

    try:
        ir = c_api.convert_dslx_to_ir(src, "matmul_i8.x", "matmul_i8")
        top = "__matmul_i8__matmul_i8_0_next"
        opt = c_api.optimize_ir(ir, top)
        (workdir / "matmul_i8.opt.ir").write_text(opt)
        rams = ["A:1RW:matmul_i8__a_req:matmul_i8__a_resp:matmul_i8__a_wc"]
        for l in range(p.lanes):
            rams += [f"B_{l}:1RW:matmul_i8__b_req__{l}:matmul_i8__b_resp__{l}:matmul_i8__b_wc__{l}",
                     f"C_{l}:1RW:matmul_i8__c_req__{l}:matmul_i8__c_resp__{l}:matmul_i8__c_wc__{l}"]
        # worst_case_throughput=1 demands II = 1: left to itself, XLS settles for II = 2 on some
        # blocks (next-state logic scheduled a stage after the state read).
        res = c_api.parse_ir_package(opt).schedule_and_codegen(
            generator="pipeline", pipeline_stages=PIPELINE_STAGES, worst_case_throughput=1, delay_model="unit", top=top,
            module_name=f"{TOP}_xls", reset="rst", reset_active_low=False, reset_data_path=True,
            flop_inputs=False, flop_outputs=False, ram_configurations=rams,
            streaming_channel_data_suffix="", streaming_channel_valid_suffix="_vld",
            streaming_channel_ready_suffix="_rdy")
        text = res.get_verilog_text()
    except Exception as e:  # XLS reports DSLX type errors, scheduling failures, ... as exceptions
        raise QmlpError(f"XLS could not compile {dslx_source()} for {p}: {e}") from None
    header = (f"// Generated by Google XLS {xls_version()} from cores/hls/xls/matmul_i8.x (qmlp.hls.xlsgen) for\n"
              f"// ROWS={p.rows} INNER={p.inner} COLS={p.cols} LANES={p.lanes} ACC_W={p.acc_w} SHIFT={p.shift};"
              f" {PIPELINE_STAGES}-stage pipeline, II=1. Do not edit.\n"
              "// XLS keeps the data input of the start channel, which carries no information.\n"
              "/* verilator lint_off UNUSEDSIGNAL */\n")
    return header + text + "/* verilator lint_on UNUSEDSIGNAL */\n"


def adapter(p: MatmulParams) -> str:
    """Verilog that gives the XLS module the ports Vitis HLS emits for qmlp_hls_matmul_i8."""
    L = p.lanes
    a_aw, b_aw, c_aw = _aw(p.rows * p.inner), _aw(p.inner * p.cols // L), _aw(p.rows * p.cols // L)

    def port(direction: str, width: int, name: str) -> str:
        rng = f"[{width - 1}:0]" if width > 1 else ""
        return f"  {direction:<6} wire {rng:<7} {name},"

    ports = [port("input", 1, n) for n in ("ap_clk", "ap_rst", "ap_start")]
    ports += [port("output", 1, n) for n in ("ap_done", "ap_idle", "ap_ready")]
    ports += [port("output", a_aw, "A_address0"), port("output", 1, "A_ce0"), port("input", 8, "A_q0")]
    conns, glue = [], []
    for l in range(L):
        ports += [port("output", b_aw, f"B_{l}_address0"), port("output", 1, f"B_{l}_ce0"),
                  port("input", 8, f"B_{l}_q0")]
    for l in range(L):
        ports += [port("output", c_aw, f"C_{l}_address0"), port("output", 1, f"C_{l}_ce0"),
                  port("output", 1, f"C_{l}_we0"), port("output", 8, f"C_{l}_d0")]
        conns += [f"    .B_{l}_addr(B_{l}_address0), .B_{l}_re(B_{l}_ce0), .B_{l}_rd_data(B_{l}_q0),"
                  f" .B_{l}_we(unused_b_we[{l}]), .B_{l}_wr_data(unused_b_wd[{l}*8 +: 8]),",
                  f"    .C_{l}_addr(C_{l}_address0), .C_{l}_we(C_{l}_we0), .C_{l}_wr_data(C_{l}_d0),"
                  f" .C_{l}_re(unused_c_re[{l}]), .C_{l}_rd_data(8'd0),"]
        glue += [f"  assign C_{l}_ce0 = C_{l}_we0;"]
    ports[-1] = ports[-1].rstrip(",")
    conns[-1] = conns[-1].rstrip(",")
    nl = "\n"
    return f"""`default_nettype none
// Generated by qmlp.hls.xlsgen for ROWS={p.rows} INNER={p.inner} COLS={p.cols} LANES={L} ACC_W={p.acc_w} SHIFT={p.shift}.
// The XLS-generated {TOP}_xls behind the port list Vitis HLS emits for
//   void {TOP}(int8_t A[ROWS*INNER], int8_t B[INNER*COLS], int8_t C[ROWS*COLS])
// with B and C cyclically partitioned into LANES banks: ap_ctrl_hs, ap_memory, one cycle of read
// latency. XLS's RAM ports already have ap_memory timing (read enable and address in one cycle,
// data the next), so they are renamed, not re-timed. The block protocol maps onto its channels:
// ap_start offers a start token while the core is idle, and the done token is ap_done. As for a
// Vitis top function without dataflow, ap_ready rises with ap_done, and an ap_start still high
// then starts the next block.
module {TOP} (
{nl.join(ports)}
);
  reg  idle_q;
  wire start_rdy, done_vld, unused_done_data;  // unused_*: outputs XLS ties off
  wire          unused_a_we;
  wire [7:0]    unused_a_wd;
  wire [{L - 1}:0]    unused_b_we, unused_c_re;
  wire [{8 * L - 1}:0]   unused_b_wd;

  {TOP}_xls u_xls (
    .clk(ap_clk), .rst(ap_rst),
    .matmul_i8__start_r(1'b1), .matmul_i8__start_r_vld(ap_start & idle_q), .matmul_i8__start_r_rdy(start_rdy),
    .matmul_i8__done_s(unused_done_data), .matmul_i8__done_s_vld(done_vld), .matmul_i8__done_s_rdy(1'b1),
    .A_addr(A_address0), .A_re(A_ce0), .A_rd_data(A_q0), .A_we(unused_a_we), .A_wr_data(unused_a_wd),
{nl.join(conns)}
  );
{nl.join(glue)}

  always @(posedge ap_clk) begin
    if (ap_rst)                          idle_q <= 1'b1;
    else if (ap_start & idle_q & start_rdy) idle_q <= 1'b0;
    else if (done_vld)                   idle_q <= 1'b1;
  end
  assign ap_idle  = idle_q;
  assign ap_done  = done_vld;
  assign ap_ready = done_vld;
endmodule
`default_nettype wire
"""


def float_ops_are_bit_exact() -> tuple[bool, str]:
    """Run XLS's float32 mul/add (DSLX stdlib) on SPEC 4 corner cases through the XLS JIT.

    Returns (all exact, a report). Used to decide (and document) that XLS is not offered for
    the float kernels.
    """
    import numpy as np

    from xls import c_api

    src = """import float32;
pub fn mul(a: u32, b: u32) -> u32 { float32::flatten(float32::mul(float32::unflatten(a), float32::unflatten(b))) }
pub fn add(a: u32, b: u32) -> u32 { float32::flatten(float32::add(float32::unflatten(a), float32::unflatten(b))) }
"""
    ir = c_api.convert_dslx_to_ir(src, "f.x", "f")
    pkg = c_api.parse_ir_package(ir)
    cases = [("mul", 0x21E70A56, 0x1E0DD3F9),   # product rounds up into FLT_MIN (IEEE: 0x00800000)
             ("mul", 0x00000001, 0x3F800000),   # smallest subnormal * 1
             ("mul", 0x00400000, 0x40000000),   # subnormal * 2 = FLT_MIN
             ("add", 0x00000001, 0x00000001),   # subnormal + subnormal
             ("add", 0x00800000, 0x80000001),   # FLT_MIN - smallest subnormal: a subnormal result
             ("mul", 0x3F800000, 0x40000000)]   # 1 * 2: a normal case, for contrast
    lines, ok = [], True
    for op, a, b in cases:
        fn = pkg.get_function(c_api.mangle_dslx_name("f", op))
        got = fn.interpret([c_api.Value.make_ubits(32, a), c_api.Value.make_ubits(32, b)])
        got = int(got.get_bits().to_uint64())
        fa, fb = np.array([a, b], np.uint32).view(np.float32)
        with np.errstate(all="ignore"):
            want = int(np.array([fa * fb if op == "mul" else fa + fb], np.float32).view(np.uint32)[0])
        ok &= got == want
        lines.append(f"{op}(0x{a:08x}, 0x{b:08x}): XLS 0x{got:08x}, IEEE 0x{want:08x}"
                     + ("" if got == want else "  <- differs"))
    return ok, "\n".join(lines)
