"""The `pynq_z2` targets (PYNQ-Z2 overlay with Vivado), as far as they can be tested without Vivado.

There is no Vivado and no board here, and nothing in this file pretends otherwise:
- `fusesoc run --target pynq_z2` without vivado on PATH must stop with a message that names
  Vivado and how to get it, after writing the IP sources and the block design's settings.
- The generated files are checked: config.tcl (part, board preset, DMA settings, address map,
  output names), the generated IP top (elaborated with Icarus together with the IP's copy of the
  sources, ROMs included; Verilator lint of the top), the ROM define of the IP's copy.
- flows/pynq/qmlp_pynq_build.tcl is run in tclsh against RECORDING STAND-INS of the Vivado
  commands (tests/pynq_stub: a `vivado` script and vivado_stub.tcl, not Vivado). That runs the
  build script's own Tcl - every variable, loop, branch and error path - and the make glue and
  the report step around it, and the test reads the recorded commands: the IP packaging, the
  PS7 preset, the DMA's CONFIG values, every connection and address. Whether Vivado accepts
  those commands is NOT tested; the .bit it "writes" is a placeholder, and the .hwh and reports
  are hand-written fixtures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp import params
from qmlp.driver import regs
from qmlp.eda import pynq
from qmlp.eda.runner import run_fusesoc, tool_env
from qmlp.errors import QmlpError
from qmlp.spec import LAB

REPO = Path(__file__).resolve().parents[1]
STUB = Path(__file__).resolve().parent / "pynq_stub"
VFIX = Path(__file__).resolve().parent / "vivado_fixtures"
NO_VIVADO = shutil.which("vivado", path=tool_env()["PATH"]) is None
needs_no_vivado = pytest.mark.skipif(not NO_VIVADO, reason="vivado is installed: the build would really run it")


def stub_env(log: Path, **knobs) -> dict:
    """PATH with the recording `vivado` stand-in first, and where it logs."""
    env = {"PATH": f"{STUB}{os.pathsep}{tool_env()['PATH']}", "QMLP_STUB_LOG": str(log),
           "QMLP_STUB_HWH": str(STUB / "qmlp_bd.hwh"), "QMLP_STUB_UTIL": str(VFIX / "utilization.rpt"),
           "QMLP_STUB_TIMING": str(VFIX / "timing.rpt")}
    env.update({k: "1" for k, v in knobs.items() if v})
    return env


def recorded(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def config_of(cmds) -> dict:
    """{cell: {key: value}} of every set_property the build made (the stand-in dumps them at exit)."""
    out = {}
    for c in cmds:
        if c[0] == "CONFIG":
            out.setdefault(c[1], {})[c[2]] = c[3]
    return out


# ---------------------------------------------------------------------------------------------
# without Vivado: a clear stop, the generated files left for review
# ---------------------------------------------------------------------------------------------

@needs_no_vivado
def test_matmul_target_without_vivado_fails_clearly_after_writing_the_ip(tmp_path):
    res = run_fusesoc("qmlp:axi:matmul", "pynq_z2", {"KIND": "f32i8", "FCLK_MHZ": 125}, timeout=120,
                      build_root=tmp_path)
    out = res.output
    assert res.returncode != 0, out[-2000:]
    assert "qmlp hook: error: vivado not found on PATH: the pynq_z2 target" in out, out[-2000:]
    assert "AMD Vivado" in out and "https://www.xilinx.com/support/download.html" in out
    assert "settings64.sh" in out and pynq.BOARD in out
    assert "Traceback" not in out and "No such file or directory" not in out
    wd = res.work_root
    cfg = pynq.read_config(wd / pynq.CONFIG)
    assert cfg["name"] == "qmlp_matmul_f32i8" and cfg["kind"] == "f32i8" and cfg["fclk_mhz"] == "125"
    assert cfg["part"] == "xc7z020clg400-1" and cfg["board"] == "tul.com.tw:pynq-z2:part0:1.0"
    top = (wd / pynq.IP_DIR / "src/qmlp_pynq_matmul.v").read_text()
    assert re.search(r'\.KIND\("f32i8"\)', top) and re.search(r"\.ROWS\(64\)", top), top
    assert f"Nothing was built; the IP sources and the block design's settings are in {wd / 'qmlp_pynq'}" in out


def test_bad_fclk_stops_before_anything(tmp_path):
    res = run_fusesoc("qmlp:axi:matmul", "pynq_z2", {"FCLK_MHZ": 300}, timeout=120, build_root=tmp_path)
    assert res.returncode != 0
    assert "--FCLK_MHZ=300 is not an integer 10..250" in res.output, res.output[-2000:]
    assert not (res.work_root / pynq.CONFIG).exists()


# ---------------------------------------------------------------------------------------------
# the constants the block design and the driver share
# ---------------------------------------------------------------------------------------------

def test_dma_length_register_holds_10000_images():
    # simple-mode AXI DMA: one transfer moves at most 2**c_sg_length_width - 1 bytes (8..26 bits)
    assert 8 <= pynq.DMA_LENGTH_BITS <= 26
    assert pynq.transfer_bytes(10_000) == 10_000 * LAB.inputs * 4   # worst case: one input per word
    assert 2 ** pynq.DMA_LENGTH_BITS - 1 >= pynq.transfer_bytes(10_000)
    # the check would catch a register too narrow for the batch
    assert 2 ** 24 - 1 < pynq.transfer_bytes(10_000)
    # the driver and the block design agree on the limit; a wide network's batch is split by it
    assert regs.DMA_MAX_BYTES == 2 ** pynq.DMA_LENGTH_BITS - 1
    assert pynq.transfer_bytes(10_000, 22, 3) == 10_000 * 22 * 4
    assert pynq.transfer_bytes(10, 2, 200) == 10 * 201 * 4
    assert 2 ** pynq.DMA_LENGTH_BITS - 1 < pynq.transfer_bytes(10_000, 4096, 10)


def test_fclk_dividers():
    assert pynq.fclk_actual(100) == 100.0 and pynq.fclk_actual(125) == 125.0
    assert abs(pynq.fclk_actual(150) - 1000 / 7) < 1e-9            # 150 MHz is not reachable from 1 GHz


def test_address_map_is_disjoint_and_on_gp0():
    spans = sorted((a, a + pynq.RANGE - 1) for a in pynq.ADDR.values())
    assert all(0x4000_0000 <= lo and hi <= 0x7FFF_FFFF for lo, hi in spans)
    assert all(spans[i][1] < spans[i + 1][0] for i in range(len(spans) - 1))
    assert 2 ** pynq.CTRL_ADDR_BITS == pynq.RANGE


def test_config_tcl_reads_back_and_refuses_words_that_need_tcl_quoting(tmp_path):
    # rendered from templates/config.tcl.j2: every key the build Tcl reads, lists as Tcl lists
    from qmlp.eda.pynq.ip import Overlay

    ov = Overlay("i8", "qmlp_axi_matmul", 125)
    (tmp_path / "config.tcl").write_text(pynq.config_tcl(ov, ["a.v", "b.v"], [], ["m.mem"], "d1"))
    cfg = pynq.read_config(tmp_path / "config.tcl")
    assert cfg["ip_files"] == ["a.v", "b.v"] and cfg["ip_headers"] == [] and cfg["ip_mems"] == ["m.mem"]
    assert (cfg["name"], cfg["fclk_mhz"], cfg["digest"], cfg["cell_mem"]) == ("qmlp_matmul_i8", "125", "d1", "axi_mem")
    assert cfg["core_offset"] == f"0x{pynq.ADDR['core']:08X}" and len(cfg) == 30
    for bad in ("my file.v", "a{b}.v", "$x.v", "[x].v"):
        with pytest.raises(QmlpError, match=re.escape(f"{bad!r}: a file or value with spaces or Tcl characters")):
            pynq.config_tcl(ov, ["a.v", bad], [], [], "")


HWH = (STUB / "qmlp_bd.hwh").read_text()


def test_hwh_check_accepts_the_fixture_and_catches_a_wrong_value():
    assert pynq.check_hwh(HWH) == []
    with pytest.raises(QmlpError, match="qmlp_0 is at 0x43C10000..0x43C1FFFF, the block design asked for 0x43C00000"):
        pynq.check_hwh(HWH.replace('BASEVALUE="0x43C00000"', 'BASEVALUE="0x43C10000"')
                       .replace('HIGHVALUE="0x43C0FFFF"', 'HIGHVALUE="0x43C1FFFF"'))
    # the fixture spells the DMA's parameters as Vivado does, C_* and c_* (pynq reads the latter)
    with pytest.raises(QmlpError, match="C_INCLUDE_SG is 1, the driver needs 0"):
        pynq.check_hwh(HWH.replace('"C_INCLUDE_SG" VALUE="0"', '"C_INCLUDE_SG" VALUE="1"')
                       .replace('"c_include_sg" VALUE="0"', '"c_include_sg" VALUE="1"'))
    with pytest.raises(QmlpError, match="C_INCLUDE_SG twice, as 0 and 1"):
        pynq.check_hwh(HWH.replace('"c_include_sg" VALUE="0"', '"c_include_sg" VALUE="1"'))
    with pytest.raises(QmlpError, match="C_SG_LENGTH_WIDTH is 14, the driver needs 26"):
        pynq.check_hwh(HWH.replace('"C_SG_LENGTH_WIDTH" VALUE="26"', '"C_SG_LENGTH_WIDTH" VALUE="14"')
                       .replace('"c_sg_length_width" VALUE="26"', '"c_sg_length_width" VALUE="14"'))
    with pytest.raises(QmlpError, match="no MODULE axi_dma_0"):
        pynq.check_hwh(HWH.replace('INSTANCE="axi_dma_0" IPTYPE', 'INSTANCE="dma" IPTYPE'))
    with pytest.raises(QmlpError, match="not XML"):
        pynq.check_hwh(HWH[:200])
    # a layout it does not know is a warning, not a failure
    assert any("no MEMRANGE of qmlp_0" in w for w in pynq.check_hwh(HWH.replace('INSTANCE="qmlp_0" IS_DATA', 'IS_DATA')))


def test_fclk_parameter_is_declared_where_the_target_is():
    for core in ("cores/axi/mlp/axi_mlp.core", "cores/axi/matmul/axi_matmul.core"):
        import yaml

        data = yaml.safe_load((REPO / core).read_text().split("\n", 1)[1])
        d = data["parameters"]["FCLK_MHZ"]
        p = params.PYNQ_FCLK
        assert (d["datatype"], d["paramtype"], d["default"], d["description"]) == \
            (p.datatype, p.paramtype, p.default, p.meaning), core
        t = data["targets"]["pynq_z2"]
        assert "FCLK_MHZ" in t["parameters"] and t["hooks"]["pre_build"][-1] == "pynq_setup", core
        assert t["flow_options"]["flow_make_options"] == ["-f", "qmlp_pynq.mk", "qmlp-pynq"]


def test_wrapper_ports_and_parameters_come_from_yosys(tmp_path):
    """The top's parameters and address slice come from the wrapper as Yosys reads it (the top
    core's own files, includes found): a parameter in a comment or a localparam is not one, a
    width from an included macro counts; a wrapper with a syntax error is one clear QmlpError."""
    own = tmp_path / "src" / "qmlp_axi_x_0.1.0"
    (own / "rtl").mkdir(parents=True)
    (tmp_path / "src" / "dep").mkdir()
    (tmp_path / "src" / "dep" / "aw.vh").write_text("`define QMLP_X_AW 5\n")
    (own / "rtl" / "qmlp_axi_x.v").write_text(
        '`include "aw.vh"\nmodule qmlp_axi_x #(parameter integer LANES = 1, // parameter WB = 2,\n'
        '  parameter KIND = "i8") (input wire ap_clk, input wire [`QMLP_X_AW-1:0] s_axi_control_awaddr);\n'
        "  localparam integer L2 = LANES * 2;\n  qmlp_missing u (.a(ap_clk));\nendmodule\n")
    (tmp_path / "src" / "dep" / "other.v").write_text("module other; initial $readmemh(\"qmlp_roms/none.mem\", m); "
                                                      "reg [7:0] m [0:1];\nendmodule\n")
    (tmp_path / "x.eda.yml").write_text(
        "name: qmlp_axi_x_0.1.0\ntoplevel: qmlp_axi_x\nfiles:\n"
        "  - {name: src/dep/aw.vh, file_type: verilogSource, is_include_file: true}\n"
        "  - {name: src/dep/other.v, file_type: verilogSource}\n"
        "  - {name: src/qmlp_axi_x_0.1.0/rtl/qmlp_axi_x.v, file_type: verilogSource}\n")
    from qmlp.eda.pynq import ip

    srcs = ip._sources(tmp_path)
    mod = pynq.wrapper_module("qmlp_axi_x", srcs, tmp_path)
    assert mod.params == {"LANES": 1, "KIND": "i8"}
    assert [(p.name, p.direction, p.width) for p in mod.ports.values()] == \
        [("ap_clk", "input", 1), ("s_axi_control_awaddr", "input", 5)]
    ov = pynq.Overlay(kind="i8", wrapper="qmlp_axi_x", fclk_mhz=100, params={"LANES": ("int", 4)},
                      addr_bits=ip._addr_bits(mod))
    assert ".s_axi_control_awaddr(s_axi_control_awaddr[4:0])" in pynq.top_verilog(ov)
    with pytest.raises(QmlpError, match="no `module qmlp_axi_y` in the EDAM file's sources"):
        pynq.wrapper_module("qmlp_axi_y", srcs, tmp_path)
    (own / "rtl" / "qmlp_axi_x.v").write_text("module qmlp_axi_x (input wire a\nendmodule\n")
    with pytest.raises(QmlpError, match=r"Yosys cannot read the Verilog \(.*qmlp_axi_x\.v:2: ERROR: syntax error"):
        pynq.wrapper_module("qmlp_axi_x", srcs, tmp_path)


# ---------------------------------------------------------------------------------------------
# the build Tcl against recording stand-ins of Vivado (NOT Vivado)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def matmul_stub_run(tmp_path_factory):
    """`fusesoc run --target pynq_z2 qmlp:axi:matmul --KIND=i8 --FCLK_MHZ=125` with the stand-in."""
    root = tmp_path_factory.mktemp("pynq_matmul")
    log = root / "vivado_calls.jsonl"
    res = run_fusesoc("qmlp:axi:matmul", "pynq_z2", {"KIND": "i8", "FCLK_MHZ": 125, "LANES": 4}, timeout=180,
                      build_root=root, env=stub_env(log))
    assert res.returncode == 0, res.output[-3000:]
    return res, recorded(log)


def test_stub_build_writes_bit_and_hwh_side_by_side(matmul_stub_run):
    res, cmds = matmul_stub_run
    wd = res.work_root
    assert (wd / "qmlp_matmul_i8.bit").is_file() and (wd / "qmlp_matmul_i8.hwh").is_file()
    assert (wd / "qmlp_matmul_i8.hwh").read_text() == HWH          # copied from the hw_handoff folder
    out = res.output.splitlines()
    assert f"OVERLAY bit={wd / 'qmlp_matmul_i8.bit'} hwh={wd / 'qmlp_matmul_i8.hwh'} fclk_mhz=125" in out
    assert out[[i for i, x in enumerate(out) if x.startswith("RESOURCES ")][-1]] == \
        "RESOURCES lut=2874 ff=1512 dsp=5 bram18=21"             # the fixture report's figures
    assert json.loads((wd / "resources.json").read_text())["fclk_mhz"] == 125
    # the fixture report is timed at 10 ns, not FCLK0's 8 ns: said, not hidden
    assert "WARNING: the timing report's clock ap_clk has a 10.000 ns period, FCLK0 125 MHz is 8.000 ns" in res.output
    assert ["launch_runs", "impl_1", "-to_step", "write_bitstream", "-jobs", "2"] in cmds


def test_stub_build_packages_the_generated_top(matmul_stub_run):
    res, cmds = matmul_stub_run
    ip = res.work_root / pynq.IP_DIR
    added = [Path(c[2]).relative_to(ip).as_posix() for c in cmds if c[:2] == ["add_files", "-norecurse"]
             and str(ip) in c[2]]
    assert added[-2] == "src/qmlp_pynq_matmul.v" and "src/qmlp_axi_matmul.v" in added   # top last of the sources
    assert added[-1] == "src/qmlp_fp32_lat.vh"
    pkg = next(c for c in cmds if c[0] == "ipx::package_project")
    assert pkg[pkg.index("-root_dir") + 1] == str(ip) and "-import_files" not in pkg
    assert pkg[pkg.index("-vendor") + 1] == "qmlp.org" and pkg[pkg.index("-taxonomy") + 1] == "/UserIP"
    for busif in ("s_axi_control", "s_axis", "m_axis"):
        assert ["ipx::associate_bus_interfaces", "-busif", busif, "-clock", "ap_clk", "core"] in cmds
    assert ["ipx::associate_bus_interfaces", "-clock", "ap_clk", "-reset", "ap_rst_n", "core"] in cmds
    assert [c[0] for c in cmds if c[0].startswith("ipx::")][-4:] == \
        ["ipx::create_xgui_files", "ipx::update_checksums", "ipx::check_integrity", "ipx::save_core"]
    cfg = config_of(cmds)
    assert cfg["sources_1"]["top"] == "qmlp_bd_wrapper"        # the block design's wrapper, at the end


def test_stub_build_block_design(matmul_stub_run):
    res, cmds = matmul_stub_run
    projects = [c for c in cmds if c[0] == "create_project"]
    assert [p[1] for p in projects] == ["qmlp_pynq_ip", "qmlp_matmul_i8"]
    assert all(p[p.index("-part") + 1] == "xc7z020clg400-1" for p in projects)
    cfg = config_of(cmds)
    assert cfg["qmlp_matmul_i8"]["board_part"] == "tul.com.tw:pynq-z2:part0:1.0"
    cells = {c[-1]: c[c.index("-vlnv") + 1] for c in cmds if c[0] == "create_bd_cell"}
    assert cells == {"processing_system7_0": "xilinx.com:ip:processing_system7:5.5",
                     "axi_dma_0": "xilinx.com:ip:axi_dma:7.1", "qmlp_0": "qmlp.org:qmlp:qmlp_pynq_matmul:1.0",
                     "rst_fclk0": "xilinx.com:ip:proc_sys_reset:5.0", "axi_ctrl": "xilinx.com:ip:smartconnect:1.0",
                     "axi_mem": "xilinx.com:ip:smartconnect:1.0"}
    preset = next(c for c in cmds if c[0] == "apply_bd_automation")
    assert "xilinx.com:bd_rule:processing_system7" in preset and 'apply_board_preset "1"' in " ".join(preset)
    ps = cfg["/processing_system7_0"]
    assert ps["CONFIG.PCW_USE_S_AXI_HP0"] == "1" and ps["CONFIG.PCW_USE_M_AXI_GP0"] == "1"
    assert ps["CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ"] == "125"
    dma = cfg["/axi_dma_0"]
    assert dma["CONFIG.c_include_sg"] == "0" and dma["CONFIG.c_sg_include_stscntrl_strm"] == "0"
    assert dma["CONFIG.c_include_mm2s"] == "1" and dma["CONFIG.c_include_s2mm"] == "1"
    assert int(dma["CONFIG.c_sg_length_width"]) == pynq.DMA_LENGTH_BITS
    assert 2 ** int(dma["CONFIG.c_sg_length_width"]) - 1 >= 10_000 * 784 * 4
    for k in ("c_m_axis_mm2s_tdata_width", "c_s_axis_s2mm_tdata_width", "c_m_axi_mm2s_data_width",
              "c_m_axi_s2mm_data_width"):
        assert dma[f"CONFIG.{k}"] == "32", k
    assert dma["CONFIG.c_m_axis_mm2s_tdata_width.VALUE_SRC"] == "USER"
    assert (cfg["/axi_ctrl"]["CONFIG.NUM_MI"], cfg["/axi_mem"]["CONFIG.NUM_SI"]) == ("2", "2")

    intf = {tuple(c[1:]) for c in cmds if c[0] == "connect_bd_intf_net"}
    assert intf == {("/processing_system7_0/M_AXI_GP0", "/axi_ctrl/S00_AXI"),
                    ("/axi_ctrl/M00_AXI", "/axi_dma_0/S_AXI_LITE"), ("/axi_ctrl/M01_AXI", "/qmlp_0/s_axi_control"),
                    ("/axi_dma_0/M_AXI_MM2S", "/axi_mem/S00_AXI"), ("/axi_dma_0/M_AXI_S2MM", "/axi_mem/S01_AXI"),
                    ("/axi_mem/M00_AXI", "/processing_system7_0/S_AXI_HP0"),
                    ("/axi_dma_0/M_AXIS_MM2S", "/qmlp_0/s_axis"), ("/qmlp_0/m_axis", "/axi_dma_0/S_AXIS_S2MM")}
    nets = [c[1:] for c in cmds if c[0] == "connect_bd_net"]
    clock = next(n for n in nets if n[0] == "/processing_system7_0/FCLK_CLK0")
    assert {"/qmlp_0/ap_clk", "/axi_dma_0/m_axi_mm2s_aclk", "/axi_dma_0/m_axi_s2mm_aclk", "/axi_dma_0/s_axi_lite_aclk",
            "/processing_system7_0/S_AXI_HP0_ACLK", "/processing_system7_0/M_AXI_GP0_ACLK"} <= set(clock)
    assert ["/rst_fclk0/peripheral_aresetn", "/axi_dma_0/axi_resetn", "/qmlp_0/ap_rst_n"] in nets

    addr = {c[-2]: (c[c.index("-target_address_space") + 1], c[c.index("-offset") + 1], c[c.index("-range") + 1])
            for c in cmds if c[0] == "assign_bd_address"}
    assert addr["/axi_dma_0/S_AXI_LITE/Reg"] == ("/processing_system7_0/Data", "0x40400000", "64K")
    assert addr["/qmlp_0/s_axi_control/SEG"] == ("/processing_system7_0/Data", "0x43C00000", "64K")
    ddr = [(c[c.index("-target_address_space") + 1], c[c.index("-offset") + 1], c[c.index("-range") + 1])
           for c in cmds if c[0] == "assign_bd_address" and c[-2].endswith("HP0_DDR_LOWOCM")]
    assert sorted(ddr) == [("/axi_dma_0/Data_MM2S", "0x00000000", "512M"), ("/axi_dma_0/Data_S2MM", "0x00000000", "512M")]

    order = [c[0] for c in cmds]
    for a, b in (("assign_bd_address", "validate_bd_design"), ("validate_bd_design", "save_bd_design"),
                 ("save_bd_design", "generate_target"), ("generate_target", "make_wrapper"),
                 ("make_wrapper", "launch_runs"), ("launch_runs", "wait_on_run"), ("wait_on_run", "open_run")):
        assert max(i for i, x in enumerate(order) if x == a) < order.index(b), (a, b)


def test_stub_rebuild_is_skipped_when_nothing_changed(matmul_stub_run, tmp_path):
    res, _ = matmul_stub_run
    log = tmp_path / "again.jsonl"
    p = subprocess.run(["make", "-f", "qmlp_pynq.mk", "qmlp-pynq"], cwd=res.work_root, capture_output=True, text=True,
                       env={**tool_env(), **stub_env(log)}, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "qmlp_matmul_i8.bit and qmlp_matmul_i8.hwh are up to date" in p.stdout
    assert [c[0] for c in recorded(log)] == ["exit"]
    assert p.stdout.strip().splitlines()[-1].startswith("RESOURCES ") or "RESOURCES lut=" in p.stdout


@pytest.mark.parametrize("knob,msg", [("QMLP_STUB_NO_BOARD", "Vivado has no board files for tul.com.tw:pynq-z2"),
                                      ("QMLP_STUB_FAIL_RUN", "Vivado run impl_1 did not write the bitstream")])
def test_stub_build_failures_are_clear(matmul_stub_run, tmp_path, knob, msg):
    res, _ = matmul_stub_run
    wd = res.work_root
    (wd / "qmlp_pynq/built.txt").unlink(missing_ok=True)            # force a rebuild
    p = subprocess.run(["make", "-f", "qmlp_pynq.mk", "qmlp-pynq"], cwd=wd, capture_output=True, text=True,
                       env={**tool_env(), **stub_env(tmp_path / "log.jsonl", **{knob: True})}, timeout=120)
    assert p.returncode != 0
    assert f"ERROR: qmlp: {msg}" in p.stdout, p.stdout[-2000:]
    assert not (wd / "qmlp_matmul_i8.bit").exists() and not (wd / "qmlp_matmul_i8.hwh").exists()


# ---------------------------------------------------------------------------------------------
# the IP's own copy of the sources: complete and consistent (Icarus, Verilator)
# ---------------------------------------------------------------------------------------------

def _ip_files(wd: Path) -> tuple[Path, list[str]]:
    ip = wd / pynq.IP_DIR
    cfg = pynq.read_config(wd / pynq.CONFIG)
    return ip, cfg["ip_files"]


def test_generated_matmul_ip_elaborates_and_lints(matmul_stub_run, tmp_path):
    res, _ = matmul_stub_run
    ip, files = _ip_files(res.work_root)
    p = subprocess.run(["iverilog", "-g2005-sv", "-I", "src", "-s", "qmlp_pynq_matmul", "-o", str(tmp_path / "a.vvp"),
                        *files], cwd=ip, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "warning" not in p.stderr.lower(), p.stdout + p.stderr
    p = subprocess.run(["verilator", "--lint-only", "-Wall", "-Wno-fatal", "-Isrc", "--top-module", "qmlp_pynq_matmul",
                        *files], cwd=ip, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    mine = [line for line in p.stderr.splitlines() if line.startswith("%") and "qmlp_pynq_matmul.v" in line
            and "SYMRSVDWORD" not in line]     # `interrupt` is the contract's port name
    assert not mine, "\n".join(mine)
    top = (ip / "src/qmlp_pynq_matmul.v").read_text()
    assert ".LANES(4)" in top and '.KIND("i8")' in top
    assert ".s_axi_control_awaddr(s_axi_control_awaddr[6:0])" in top      # the wrapper's 7-bit address
    for bus, sig in (("s_axi_control", "AWADDR"), ("s_axis", "TLAST"), ("m_axis", "TKEEP")):
        intf = "aximm" if bus == "s_axi_control" else "axis"
        assert f'X_INTERFACE_INFO = "xilinx.com:interface:{intf}:1.0 {bus} {sig}"' in top


def test_mlp_ip_carries_its_roms(tmp_path):
    """The accelerator's target with the stand-in (ROMs from the shared model cache, a small design
    point): the IP folder holds this run's ROMs and model header, and elaborates with them."""
    log = tmp_path / "vivado_calls.jsonl"
    res = run_fusesoc("qmlp:axi:mlp", "pynq_z2", {"PE": "2,4,1", "SIMD": "8,2,1"}, timeout=600,
                      build_root=tmp_path / "b", env=stub_env(log))
    assert res.returncode == 0, res.output[-3000:]
    cmds = recorded(log)
    wd = res.work_root
    ip, files = _ip_files(wd)
    cfg = pynq.read_config(wd / pynq.CONFIG)
    assert cfg["name"] == "qmlp_mlp" and (wd / "qmlp_mlp.bit").is_file() and (wd / "qmlp_mlp.hwh").is_file()
    roms = sorted(p.name for p in (wd / "qmlp_roms").glob("*.mem"))
    assert roms and [Path(m).name for m in cfg["ip_mems"]] == roms
    for m in roms:     # the IP's ROM files are this run's, byte for byte
        assert (ip / "src/qmlp_roms" / m).read_bytes() == (wd / "qmlp_roms" / m).read_bytes()
    assert "src/qmlp_roms/qmlp_mlp_model.vh" in cfg["ip_headers"]
    added = {c[2] for c in cmds if c[:2] == ["add_files", "-norecurse"]}
    assert all(str(ip / m) in added for m in cfg["ip_mems"])
    # the accelerator's copy refers to its ROMs by bare name (Vivado finds IP memory files by name)
    accel = (ip / "src/qmlp_mlp_accel.v").read_text()
    assert accel.startswith("// qmlp_pynq:") and "`define QMLP_ROMS_BY_NAME" in accel.split("module")[0]
    top = (ip / "src/qmlp_pynq_mlp.v").read_text()
    assert '.PE("2,4,1")' in top and '.SIMD("8,2,1")' in top and '.WBITS("8")' in top and '.MAC("dsp")' in top
    assert ".WB(" not in top        # a dependency's parameter (qmlp:accel:mac) is not the wrapper's
    p = subprocess.run(["iverilog", "-g2005-sv", "-I", "src", "-s", "qmlp_pynq_mlp", "-o", str(tmp_path / "m.vvp"),
                        *files], cwd=ip, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "warning" not in p.stderr.lower(), p.stdout + p.stderr
    # without the ROMs the setup hook refuses, naming the hook that writes them
    bare = tmp_path / "bare"
    shutil.copytree(wd, bare, ignore=shutil.ignore_patterns("qmlp_roms"), symlinks=True)
    with pytest.raises(QmlpError, match="no ROM files in .*`qmlp hook accel` must run before"):
        pynq.setup("mlp", bare)


def test_mlp_ip_of_another_network(tmp_path):
    """pynq_z2 on a model other than the lab's (22 float features, 16 relu units with bias, 3
    classes; trained here) at the model's default folding (PE=auto): the IP's top passes "auto",
    its header is this model's, and it elaborates."""
    from test_driver_anynet import CLASSES, FEATURES, HIDDEN, make_tabular, train_model

    path, net = train_model(tmp_path, (FEATURES, HIDDEN, CLASSES), "relu", data=make_tabular(tmp_path / "t.npz"))
    log = tmp_path / "vivado_calls.jsonl"
    res = run_fusesoc("qmlp:axi:mlp", "pynq_z2", {"MODEL": str(path)}, timeout=600, build_root=tmp_path / "b",
                      env=stub_env(log))
    assert res.returncode == 0, res.output[-3000:]
    ip, files = _ip_files(res.work_root)
    top = (ip / "src/qmlp_pynq_mlp.v").read_text()
    assert '.PE("auto")' in top and '.SIMD("auto")' in top
    hdr = (ip / "src/qmlp_roms/qmlp_mlp_model.vh").read_text()
    assert "localparam integer NL = 2;" in hdr and f"32'd{FEATURES}" in hdr
    p = subprocess.run(["iverilog", "-g2005-sv", "-I", "src", "-s", "qmlp_pynq_mlp", "-o", str(tmp_path / "m.vvp"),
                        *files], cwd=ip, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "warning" not in p.stderr.lower(), p.stdout + p.stderr
