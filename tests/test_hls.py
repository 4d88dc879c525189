"""The HLS path: C simulation of the kernels, packaging of a Vitis HLS solution folder, the
qmlp:hls generator (solution folder / missing tool / Google XLS), and the Vitis Tcl flow with
stubbed Vitis commands.

FuseSoC runs get a build root in the test's tmp_path and a private configuration whose cache
(where the qmlp:hls generators write) is a temporary folder too (tests/fusesoc_conf.py): no
test writes into the repository's build/ or depends on another test's work folder.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp.eda.runner import core_dir
from qmlp.hls import package as hls, core as hls_core, xlsgen as hls_xls
from qmlp.hw import vectors
from qmlp.errors import QmlpError

FIXTURE = REPO / "tests" / "hls_fixtures" / "qmlp_i8_prj"
SOLUTION = FIXTURE / "solution1"
TOP = hls_core.HLS_TOP["i8"]            # qmlp_hls_matmul_i8: the HLS top function and module
REPORT = SOLUTION / "syn" / "report" / f"{TOP}_csynth.xml"
FIXTURE_BLOCK = ["--ROWS=4", "--INNER=8", "--COLS=4", "--LANES=2", "--ACC_W=16", "--SHIFT=0"]
RESULT = re.compile(r"RESULT pass=(\d) vectors=(\d+) mismatches=(\d+) cycles=(\S+)")
VENV_BIN = str(Path(sys.executable).parent)


def env(**extra) -> dict:
    """The venv first on PATH, no Vitis HLS on PATH, no HLS environment knobs unless given."""
    e = {k: v for k, v in os.environ.items() if k not in ("QMLP_HLS_SOLUTION", "QMLP_HLS_TOOL")}
    dirs = [d for d in e.get("PATH", "").split(os.pathsep)
            if d and not any(Path(d, t).exists() for t in ("vitis_hls", "vivado_hls"))]
    e["PATH"] = os.pathsep.join([VENV_BIN] + dirs)
    e.update({k: str(v) for k, v in extra.items()})
    return e


def run(cmd, cwd=REPO, timeout=300, **extra):
    return subprocess.run(cmd, cwd=cwd, env=env(**extra), capture_output=True, text=True, timeout=timeout)


def fusesoc(*args, **extra):
    return run([str(Path(VENV_BIN) / "fusesoc"), *args], **extra)


def fusesoc_run(target, core, *args, root: Path, **extra):
    """`fusesoc run` of one target with build root `root` (the work root: root/<core>/<target>)."""
    return fusesoc("run", "--build-root", str(root), "--target", target, core, *args, **extra)


def last_result(p) -> re.Match:
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("RESULT ")]
    assert lines, f"no RESULT line (exit {p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return RESULT.fullmatch(lines[-1].strip())


def qmlp_csim(*args, build):
    return run([sys.executable, "-m", "qmlp.cli", "csim", *args, "--build", str(build), "-q"])


# --------------------------------------------------------------------------- C simulation

def test_header_defaults_match_packager():
    text = (REPO / "cores" / "hls" / "src" / "qmlp_hls.h").read_text()
    found = {m.group(1): int(m.group(2)) for m in re.finditer(r"#define (\w+) (-?\d+)\b", text)}
    assert {k: found[k] for k in hls.HEADER_DEFAULTS} == hls.HEADER_DEFAULTS


@pytest.mark.parametrize("kind,nvec", [("i8", 4), ("f32i8", 5), ("f32", 5)])
def test_csim_default_block_bit_exact(kind, nvec, tmp_path):
    p = qmlp_csim(kind, build=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert p.stdout.strip().splitlines()[-1] == f"RESULT pass=1 vectors={nvec} mismatches=0 cycles=na"


@pytest.mark.parametrize("args", [
    ["i8", "--acc-w", "16", "--shift", "0", "--lanes", "4"],                      # the lab's int16 sum
    ["i8", "--acc-w", "20", "--shift", "3", "--lanes", "2", "--rows", "5", "--inner", "300", "--cols", "6"],
    ["i8", "--acc-w", "32", "--shift", "7", "--lanes", "64"],
    ["f32i8", "--fl-b", "149", "--lanes", "2"],                                   # codes * 2**-149: subnormal
    ["f32i8", "--fl-b", "-120", "--lanes", "8", "--rows", "3", "--inner", "17", "--cols", "24"],
    ["f32", "--lanes", "4", "--rows", "3", "--inner", "7", "--cols", "12"],
    ["f32", "--lanes", "2", "--rows", "16", "--inner", "33", "--cols", "10", "--seed", "7"],
])
def test_csim_variants_bit_exact(args, tmp_path):
    p = qmlp_csim(*args, build=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    m = RESULT.fullmatch(p.stdout.strip().splitlines()[-1])
    assert m and m.group(1) == "1" and m.group(3) == "0" and m.group(4) == "na"


@pytest.mark.parametrize("kind", ["i8", "f32"])
def test_csim_fails_on_a_corrupted_expected_word(kind, tmp_path):
    small = ["--rows", "4", "--inner", "8", "--cols", "4", "--lanes", "2"]
    assert qmlp_csim(kind, *small, build=tmp_path).returncode == 0
    vdir = next((tmp_path / "csim" / kind).glob("*/qmlp_vectors"))
    words = (vdir / "C.hex").read_text().split()
    digits = len(words[5])
    words[5] = f"{int(words[5], 16) ^ 1:0{digits}x}"  # one bit of one expected word
    (vdir / "C.hex").write_text("\n".join(words) + "\n")
    p = qmlp_csim(kind, "--lanes", "2", "--vector-dir", str(vdir), build=tmp_path)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "MISMATCH vector 0 C[1][1]" in p.stdout
    assert p.stdout.strip().splitlines()[-1].startswith("RESULT pass=0 vectors=")
    assert " mismatches=1 cycles=na" in p.stdout.strip().splitlines()[-1]


def test_csim_bad_input_is_one_line(tmp_path):
    p = qmlp_csim("i8", "--lanes", "3", build=tmp_path)
    assert p.returncode == 2 and "--LANES=3 does not divide --COLS=64" in p.stderr and "Traceback" not in p.stderr


# --------------------------------------------------------------------------- packaging

def test_read_csynth_of_the_fixture_and_vivado_format(tmp_path):
    r = hls.read_csynth(REPORT)
    assert (r["top"], r["latency_worst"], r["interval_max"], r["lut"], r["ff"], r["dsp"], r["bram18"]) == \
        (TOP, 137, 138, 60, 11, 2, 0)
    assert r["estimated_clock_ns"] == 7.3 and r["part"] == "xc7z020-clg400-1"
    # Vivado HLS names the DSP count DSP48E
    old = REPORT.read_text().replace("DSP>", "DSP48E>")
    (tmp_path / "old.xml").write_text(old)
    assert hls.read_csynth(tmp_path / "old.xml")["dsp"] == 2
    p = run([sys.executable, "-m", "qmlp.cli", "hls", "report", str(tmp_path / "old.xml")])
    assert p.stdout.strip() == f"HLS top={TOP} latency=137 interval=138 clock_ns=7.3 lut=60 ff=11 dsp=2 bram18=0"


def test_read_ports_ansi_and_non_ansi(tmp_path):
    """Ports as Yosys reads them (qmlp.eda.hdl), in declaration order, at the parameters' defaults."""
    (tmp_path / "m.v").write_text("// module m (input x);\nmodule m #(parameter W = 4) (input wire clk, "
                                  "output reg [W-1:0] q, r);\n  sub u (.a(clk));\nendmodule\n")
    ports = hls_core.read_ports([tmp_path / "m.v"], "m")
    assert [(p.name, p.direction, p.width) for p in ports.values()] == [("clk", "input", 1), ("q", "output", 4),
                                                                         ("r", "output", 4)]
    with pytest.raises(QmlpError, match=r"module x not found \(the files declare m\)"):
        hls_core.read_ports([tmp_path / "m.v"], "x")
    ports = hls_core.read_ports([SOLUTION / "syn" / "verilog" / f"{TOP}.v"], TOP)   # Vitis: non-ANSI
    assert ports["B_1_address0"].width == 4 and ports["C_0_d0"].direction == "output" and "v" not in ports
    p = vectors.MatmulParams(rows=4, inner=8, cols=4, lanes=2, acc_w=16)
    assert hls_core.check_ports(ports, p, TOP) == ["B_0", "B_1"]
    with pytest.raises(QmlpError, match="2 B bank"):
        hls_core.check_ports(ports, vectors.MatmulParams(rows=4, inner=8, cols=4, lanes=1), TOP)
    with pytest.raises(QmlpError, match="A_address0 is output \\[5\\], expected output \\[6\\]"):
        hls_core.check_ports(ports, vectors.MatmulParams(rows=8, inner=8, cols=4, lanes=2), TOP)


def test_read_ports_of_bad_verilog_is_one_clear_error(tmp_path, monkeypatch):
    (tmp_path / "bad.v").write_text("module bad (input a;\nendmodule\n")
    with pytest.raises(QmlpError, match=r"Yosys cannot read the Verilog \(.*bad\.v:1: ERROR: syntax error.*\): fix"):
        hls_core.read_ports([tmp_path / "bad.v"], "bad")
    # packaging a solution whose RTL Yosys cannot read: one line naming the solution and the file
    sol = tmp_path / "sol"
    shutil.copytree(SOLUTION, sol)
    for v in (sol / "impl" / "verilog" / f"{TOP}.v", sol / "syn" / "verilog" / f"{TOP}.v"):
        if v.is_file():
            v.write_text(v.read_text().replace("input   ap_start;", "input   ap_start"))
    p = run([sys.executable, "-m", "qmlp.cli", "hls", "package", str(sol), "--kind", "i8", "--out", str(tmp_path / "o")])
    assert p.returncode != 0 and "Traceback" not in p.stderr, p.stderr
    assert re.search(r"solution .*sol: Yosys cannot read the Verilog \(.*\.v:\d+: ERROR: syntax error", p.stderr), p.stderr
    # no Yosys: what to install, not a traceback
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(QmlpError, match="yosys not found on PATH: .*apt-get install yosys"):
        hls_core.read_ports([tmp_path / "bad.v"], "bad")


def test_solution_params_and_errors(tmp_path):
    sol = hls.find_solution(FIXTURE, TOP)  # a project folder: its active solution
    assert sol.folder == SOLUTION and sol.rtl[0].parent.name == "verilog" and sol.rtl[0].parent.parent.name == "impl"
    p = hls.solution_params(sol, "i8")
    assert (p.rows, p.inner, p.cols, p.lanes, p.acc_w, p.shift) == (4, 8, 4, 2, 16, 0)
    assert hls.undefined_modules(sol.rtl) == []
    with pytest.raises(QmlpError, match="no module qmlp_hls_matmul_f32"):
        hls.find_solution(SOLUTION, hls_core.HLS_TOP["f32"])
    # a solution whose top is not the kernel's (e.g. the handwritten IP's name) is refused
    with pytest.raises(QmlpError, match=f"no module qmlp_matmul_i8 .*found {TOP}"):
        hls.find_solution(SOLUTION, "qmlp_matmul_i8")
    with pytest.raises(QmlpError, match="neither a solution folder"):
        hls.find_solution(tmp_path, TOP)
    # syn/verilog only (no export_design), report as csynth.xml, no hls.app: header defaults
    bare = tmp_path / "bare"
    shutil.copytree(SOLUTION / "syn" / "verilog", bare / "syn" / "verilog")
    (bare / "syn" / "report").mkdir()
    shutil.copy(REPORT, bare / "syn" / "report" / "csynth.xml")
    sol = hls.find_solution(bare, TOP)
    assert sol.report["latency_worst"] == 137 and hls.solution_params(sol, "i8").rows == 64
    with pytest.raises(QmlpError, match=r"has 2 B bank\(s\) but the block has LANES=1.*defaults of qmlp_hls.h"):
        hls.package_solution(bare, "i8", tmp_path / "out", "qmlp:hls:x:0.1.0", log=lambda s: None)


def test_packaged_fixture_is_a_core_whose_sim_passes(tmp_path):
    out = tmp_path / "lib" / "i8"
    p = run([sys.executable, "-m", "qmlp.cli", "hls", "package", str(SOLUTION), "--kind", "i8", "--out", str(out)])
    assert p.returncode == 0, p.stdout + p.stderr
    core = Path(p.stdout.strip().splitlines()[-1].split("CORE ", 1)[1])
    assert core.is_file() and (out / "qmlp_matmul_i8.v").is_file() and (out / "qmlp_hls_waivers.vlt").is_file()
    assert f"HLS top={TOP} latency=137" in p.stdout
    # the wrapper has the handwritten IP's name; the HLS module keeps its own
    assert "module qmlp_matmul_i8 #(" in (out / "qmlp_matmul_i8.v").read_text()
    assert f"module {TOP} (" in (out / f"{TOP}.v").read_text()
    conf = tmp_path / "fusesoc.conf"
    conf.write_text(f"[main]\nbuild_root = {tmp_path / 'build'}\ncache_root = {tmp_path / 'cache'}\n\n"
                    f"[library.tb]\nlocation = {REPO / 'cores' / 'ip' / 'tb'}\nsync-type = local\n\n"
                    f"[library.flows]\nlocation = {REPO / 'flows'}\nsync-type = local\n\n"
                    f"[library.hls]\nlocation = {tmp_path / 'lib'}\nsync-type = local\n")
    listed = fusesoc("--config", str(conf), "core", "list", cwd=tmp_path)
    assert "qmlp:hls:matmul_i8_vitis:0.1.0" in listed.stdout, listed.stdout + listed.stderr
    # the packaged core's parameter defaults are the block the RTL was generated for
    spec = yaml.safe_load(core.read_text())
    assert {k: spec["parameters"][k]["default"] for k in hls_core.param_names("i8")} == \
        {"ROWS": 4, "INNER": 8, "COLS": 4, "LANES": 2, "ACC_W": 16, "SHIFT": 0}
    assert spec["targets"]["sim"]["toplevel"] == "qmlp_tb_matmul" and "KIND=i8" in spec["targets"]["sim"]["parameters"]
    sim = fusesoc("--config", str(conf), "run", "--target", "sim", "qmlp:hls:matmul_i8_vitis", *FIXTURE_BLOCK,
                  cwd=tmp_path)
    m = last_result(sim)
    assert sim.returncode == 0 and m.groups() == ("1", "4", "0", "137")
    lint = fusesoc("--config", str(conf), "run", "--target", "lint", "qmlp:hls:matmul_i8_vitis", cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout[-2000:] + lint.stderr[-2000:]
    assert "parameters of this i8 run are valid" in lint.stdout   # the lint target's check hook
    bad = fusesoc("--config", str(conf), "run", "--target", "lint", "qmlp:hls:matmul_i8_vitis", "--LANES=3",
                  cwd=tmp_path)
    assert bad.returncode != 0 and "--LANES=3 does not divide --COLS=4" in bad.stdout + bad.stderr


def test_generator_packages_a_solution_folder(tmp_path):
    sim = fusesoc_run("sim", "qmlp:hls:matmul_i8", *FIXTURE_BLOCK, root=tmp_path / "a", QMLP_HLS_SOLUTION=SOLUTION)
    assert "packaging that Vitis HLS solution" in sim.stdout
    m = last_result(sim)
    assert sim.returncode == 0 and m.groups() == ("1", "4", "0", "137"), sim.stdout[-3000:]
    # other parameters than the RTL's: a clear stop at time 0, pass=0, non-zero exit
    bad = fusesoc_run("sim", "qmlp:hls:matmul_i8", *FIXTURE_BLOCK[:3], "--LANES=1", *FIXTURE_BLOCK[4:],
                      root=tmp_path / "b", QMLP_HLS_SOLUTION=SOLUTION)
    assert bad.returncode != 0 and last_result(bad).group(1) == "0"
    assert "was generated for ROWS=4 INNER=8 COLS=4 LANES=2 ACC_W=16 SHIFT=0" in bad.stdout
    assert "this simulation has ROWS=4 INNER=8 COLS=4 LANES=1 ACC_W=16 SHIFT=0" in bad.stdout


def test_generator_without_vitis_stops_with_a_clear_message(tmp_path):
    p = fusesoc_run("sim", "qmlp:hls:matmul_f32", root=tmp_path / "a")
    assert p.returncode != 0
    text = p.stdout + p.stderr
    assert "needs HLS-generated RTL for the f32 kernel" in text
    assert "vitis_hls" in text and "QMLP_HLS_SOLUTION" in text and "Nothing was generated" in text
    assert "RESULT pass=1" not in text
    p = fusesoc_run("sim", "qmlp:hls:matmul_i8", root=tmp_path / "b", QMLP_HLS_TOOL="vitis")
    assert p.returncode != 0 and "QMLP_HLS_TOOL=vitis but neither vitis_hls nor vivado_hls is on PATH" in p.stdout


# --------------------------------------------------------------------------- Google XLS

needs_xls = pytest.mark.skipif(not hls_xls.available(), reason=f"Google XLS not installed ({hls_xls.XLS_PIN})")


@needs_xls
@pytest.mark.parametrize("target", ["sim", "sim_verilator"])
def test_xls_core_default_block(target, tmp_path):
    # Icarus takes 17 s of CPU per 524k-cycle vector (it shows X; Verilator runs the 4 default ones)
    nvec = 1 if target == "sim" else 4
    p = fusesoc_run(target, "qmlp:hls:matmul_i8", f"--VECTORS={nvec}", root=tmp_path, timeout=600)
    m = last_result(p)
    assert p.returncode == 0 and m.groups() == ("1", str(nvec), "0", str(64 * 128 * 64 + 2)), p.stdout[-3000:]
    assert "Google XLS" in p.stdout
    if target == "sim":  # the C kernel passes on the very files the RTL simulation read
        work = tmp_path / core_dir("qmlp:hls:matmul_i8") / "sim" / "qmlp_vectors"
        c = run([sys.executable, "-m", "qmlp.cli", "csim", "i8", "--vector-dir", str(work), "--build",
                 str(tmp_path / "csim"), "-q"])
        assert c.returncode == 0 and c.stdout.strip() == f"RESULT pass=1 vectors={nvec} mismatches=0 cycles=na"


@needs_xls
def test_xls_core_lint(tmp_path):
    p = fusesoc_run("lint", "qmlp:hls:matmul_i8", root=tmp_path / "a")
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert "parameters of this i8 run are valid" in p.stdout   # the lint target's check hook


@needs_xls
@pytest.mark.parametrize("target", ["lint", "synth"])
def test_xls_core_refuses_bad_parameters(target, tmp_path):
    p = fusesoc_run(target, "qmlp:hls:matmul_i8", "--LANES=3", root=tmp_path)
    out = p.stdout + p.stderr
    assert p.returncode != 0 and "--LANES=3 does not divide --COLS=64" in out, out[-2000:]
    assert "RESOURCES" not in out


@needs_xls
@pytest.mark.parametrize("block", [dict(rows=4, inner=8, cols=4, lanes=2, acc_w=16, shift=2),
                                   dict(rows=3, inner=5, cols=6, lanes=3, acc_w=20, shift=1),
                                   dict(rows=5, inner=7, cols=3, lanes=1, acc_w=17, shift=16)])
def test_xls_blocks_with_the_shared_testbench(block, tmp_path):
    """XLS RTL for other blocks (lanes, ACC_W, SHIFT), packaged and run in Icarus directly."""
    p = vectors.MatmulParams(kind="i8", **block)
    rtl = hls_xls.generate(p, tmp_path / "rtl", tmp_path / "cache")
    hls.package(rtl, p, tmp_path / "pkg", "qmlp:hls:t:0.1.0", "test")
    vectors.write(tmp_path / "qmlp_vectors", p)
    tb = REPO / "cores" / "ip" / "tb" / "qmlp_tb_matmul.v"
    prm = [f"-Pqmlp_tb_matmul.{k}={v}" for k, v in hls_core.param_values(p).items()] + ['-Pqmlp_tb_matmul.KIND="i8"']
    c = subprocess.run(["iverilog", "-g2005-sv", "-o", "sim.vvp", "-s", "qmlp_tb_matmul", *prm,
                        str(tb), *map(str, (tmp_path / "pkg").glob("*.v"))],
                       cwd=tmp_path, capture_output=True, text=True)
    assert c.returncode == 0, c.stderr
    s = subprocess.run(["vvp", "-N", "sim.vvp"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    m = last_result(s)
    cycles = p.rows * p.inner * p.cols // p.lanes + 2
    assert s.returncode == 0 and m.groups() == ("1", "4", "0", str(cycles)), s.stdout


@needs_xls
def test_xls_floats_are_not_spec4_exact():
    """Why the float cores have no open-source flow: XLS's float32 flushes subnormals."""
    ok, report = hls_xls.float_ops_are_bit_exact()
    assert not ok and "mul(0x00000001, 0x3f800000): XLS 0x00000000, IEEE 0x00000001" in report


# --------------------------------------------------------------------------- Vitis Tcl flow

# The Vitis HLS commands run_hls.tcl uses, stubbed: they record their calls, and C synthesis /
# export copy the hand-made fixture's RTL and report where Vitis would write its own, and an
# hls.app with the design files' cflags (what the packager reads the block from). Like Vitis,
# C synthesis fails when no design file defines the top function that set_top named.
STUBS = r"""
set ::calls {}
set ::files {}
set ::stub_top {}
foreach cmd {set_part create_clock config_export csim_design} {
    proc $cmd {args} [format {lappend ::calls [list %s {*}$args]} $cmd]
}
proc set_top {name} { lappend ::calls [list set_top $name]; set ::stub_top $name }
proc open_project {args} { lappend ::calls [list open_project {*}$args]; file mkdir [lindex $args end] }
proc open_solution {args} { lappend ::calls [list open_solution {*}$args] }
proc add_files {args} {
    lappend ::calls [list add_files {*}$args]
    set tb [expr {[lindex $args 0] eq "-tb"}]
    lappend ::files [list [lindex $args [expr {$tb ? 1 : 0}]] $tb [lindex $args end]]
}
proc csynth_design {} {
    lappend ::calls csynth_design
    set found 0
    foreach f $::files {
        if {![lindex $f 1] && [string match *.cpp [lindex $f 0]]} {
            set fh [open [lindex $f 0] r]; set text [read $fh]; close $fh
            if {[regexp "\\m$::stub_top\\s*\\(" $text]} { set found 1 }
        }
    }
    if {!$found} { puts "ERROR: \[HLS 200-1510\] Cannot find the top function '$::stub_top' in the design files"; exit 1 }
    set sol $::proj/solution1
    file mkdir $sol/syn/report $sol/syn/verilog
    foreach f [glob $::env(FIXTURE_SOLUTION)/syn/report/*_csynth.xml] { file copy -force $f $sol/syn/report/ }
    foreach f [glob $::env(FIXTURE_SOLUTION)/syn/verilog/*.v] { file copy -force $f $sol/syn/verilog/ }
    set fh [open $::proj/hls.app w]
    puts $fh "<project xmlns=\"com.autoesl.autopilot.project\" name=\"$::proj\" top=\"$::stub_top\"><files>"
    foreach f $::files { puts $fh "<file name=\"[lindex $f 0]\" sc=\"0\" tb=\"[expr {[lindex $f 1] ? 1 : {false}}]\" cflags=\"[lindex $f 2]\"/>" }
    puts $fh "</files><solutions><solution name=\"solution1\" status=\"active\"/></solutions></project>"
    close $fh
}
proc export_design {args} {
    lappend ::calls [list export_design {*}$args]
    file mkdir $::proj/solution1/impl/verilog
    foreach f [glob $::proj/solution1/syn/verilog/*.v] { file copy -force $f $::proj/solution1/impl/verilog/ }
}
rename exit real_exit
proc exit {{code 0}} { foreach c $::calls { puts "CALL $c" }; real_exit $code }
set argv $::env(FLOW_ARGS)
set argc [llength $argv]
source $::env(FLOW_SCRIPT)
"""
FLOW_TCL = REPO / "flows" / "vitis_hls" / "run_hls.tcl"
# The kernels' top functions are qmlp_hls_matmul_<kind> (so that the HLS modules do not take
# the wrapper's name, qmlp_matmul_<kind>); flows/vitis_hls/run_hls.tcl must set that top. Until
# it does, the flow cannot synthesize (Vitis, like the stub, finds no such function): these
# tests then report XFAIL with this reason, and run (and must pass) once the script is changed.
OLD_FLOW_TOP = pytest.mark.xfail(
    "set top qmlp_matmul_$kind" in FLOW_TCL.read_text(), strict=True,
    reason="flows/vitis_hls/run_hls.tcl still sets top qmlp_matmul_<kind>; it must be qmlp_hls_matmul_<kind>")
BLOCK_ARGS = "-DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0"


@pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh not installed")
@OLD_FLOW_TOP
def test_vitis_flow_script_with_stubbed_vitis(tmp_path):
    (tmp_path / "stubs.tcl").write_text(STUBS)
    args = f"i8 {REPO / 'cores' / 'hls' / 'src'} proj xc7z020clg400-1 10 {BLOCK_ARGS}"
    p = subprocess.run(["tclsh", str(tmp_path / "stubs.tcl")], cwd=tmp_path, capture_output=True, text=True,
                       env=dict(os.environ, FLOW_ARGS=args, FLOW_SCRIPT=str(FLOW_TCL),
                                FIXTURE_SOLUTION=str(SOLUTION)))
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert f"HLS top={TOP} latency=137 interval=138 clock_ns=7.300 lut=60 ff=11 dsp=2 bram18=0" in out
    assert f"CALL set_top {TOP}" in out and "CALL open_solution -reset solution1 -flow_target vivado" in out
    assert re.search(r"CALL add_files \S+/matmul_i8.cpp -cflags \{-DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0 -I",
                     out)
    assert "CALL set_part xc7z020clg400-1" in out and "CALL create_clock -period 10 -name default" in out
    assert "CALL export_design -format ip_catalog -rtl verilog" in out and "csim_design" not in out


@pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh not installed")
@OLD_FLOW_TOP
def test_generator_runs_the_vitis_flow_when_vitis_hls_is_on_path(tmp_path, monkeypatch):
    """Step 2 of the generator with a test double for vitis_hls (the stubbed flow above)."""
    from qmlp.hls import gen as hls_gen

    (tmp_path / "stubs.tcl").write_text(STUBS)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    tool = bindir / "vitis_hls"
    # vitis_hls -f <script> -tclargs <args...>
    tool.write_text(f'#!/bin/sh\nFLOW_SCRIPT="$2"; shift 3\nFLOW_ARGS="$*" FLOW_SCRIPT="$FLOW_SCRIPT" '
                    f'exec tclsh {tmp_path / "stubs.tcl"}\n')
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{env()['PATH']}")
    monkeypatch.setenv("QMLP_BUILD", str(tmp_path / "build"))
    monkeypatch.setenv("FIXTURE_SOLUTION", str(SOLUTION))
    monkeypatch.delenv("QMLP_HLS_SOLUTION", raising=False)
    monkeypatch.delenv("QMLP_HLS_TOOL", raising=False)
    p = hls_gen.params_from({"kind": "i8", "ROWS": 4, "INNER": 8, "COLS": 4, "LANES": 2, "ACC_W": 16, "SHIFT": 0})
    logs = []
    core = hls_gen.generate(p, "qmlp:hls:matmul_i8-hls_rtl:0.1.0", tmp_path / "gen", log=logs.append)
    assert core.is_file() and (tmp_path / "gen" / "FUSESOC_IGNORE").is_file()
    text = "\n".join(logs)
    assert f"HLS top={TOP} latency=137" in text and "(cflags in hls.app)" in text
    assert "GEN_LANES = 2" in (tmp_path / "gen" / "qmlp_matmul_i8.v").read_text()
    logs.clear()
    hls_gen.generate(p, "qmlp:hls:matmul_i8-hls_rtl:0.1.0", tmp_path / "gen2", log=logs.append)
    assert any("reusing the vitis_hls run" in s for s in logs)
