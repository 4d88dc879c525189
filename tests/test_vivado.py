"""The Vivado side of synthesis (`synth_vivado` targets), as far as it can be tested without Vivado.

There is no Vivado on these machines, and nothing here pretends to run it. Tested: the report
parsers (on tests/vivado_fixtures/*.rpt, hand-written in the format of Vivado 2022.2, not the
output of a Vivado run), the files `fusesoc run --setup --target synth_vivado` writes (project
Tcl, constraints, out-of-context setting, report step, make goal), and the clear failure of the
build step when `vivado` is not on PATH. Every run has its own build root in the test's tmp_path
(the work root is res.work_root): nothing goes into the repository's build/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp import lines
from qmlp.errors import QmlpError
from qmlp.eda.runner import tool_env, run_fusesoc
from qmlp.eda.vivado import check, parse_timing, parse_utilization, resources, timing_line

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "vivado_fixtures"
PART = "xc7z020clg400-1"
IP_CORES = [  # core, top, its own sources (file names) that the project must read
    ("qmlp:ip:matmul_i8", "qmlp_matmul_i8", ["qmlp_matmul_i8.v", "qmlp_matmul_issue.v"]),
    ("qmlp:ip:matmul_f32", "qmlp_matmul_f32",
     ["qmlp_matmul_f32.v", "qmlp_matmul_fp.v", "qmlp_matmul_issue.v", "qmlp_fp32_add.v"]),
    ("qmlp:ip:matmul_f32i8", "qmlp_matmul_f32i8",
     ["qmlp_matmul_f32i8.v", "qmlp_matmul_fp.v", "qmlp_matmul_issue.v", "qmlp_fp32_from_int8.v"]),
]


# ---------------------------------------------------------------------------------------------
# Reusable check of a synth_vivado target's generated files (the accelerator core reuses it with
# its ROM script and hook: check_vivado_setup("qmlp:accel:mlp", "<top>", [...], tcl=[...], hooks=[...]))
# ---------------------------------------------------------------------------------------------

def _tcl_line(tcl: str, pattern: str, what: str) -> re.Match:
    m = re.search(pattern, tcl, re.M)
    assert m, f"project Tcl lacks {what} ({pattern!r}):\n{tcl}"
    return m


def check_vivado_setup(core: str, top: str, sources: list[str] = (), tcl: list[str] = (),
                       hooks: list[str] = (), params: dict | None = None, root: Path | None = None) -> Path:
    """Run `fusesoc run --setup --target synth_vivado <core>` and check what it wrote.

    sources: file names (no folders) that must be read with read_verilog; tcl: file names that
    the project Tcl must source; hooks: the core's own pre-build commands, in order (they run
    after the Vivado check and before the project is created). root: the build root.
    Returns the work root.
    """
    res = run_fusesoc(core, "synth_vivado", params, stages=["--setup"], timeout=120, build_root=root)
    assert res.returncode == 0, res.output[-3000:]
    wd = res.work_root
    edam_file = next(wd.glob("*.eda.yml"))
    name = edam_file.name[: -len(".eda.yml")]
    edam = yaml.safe_load(edam_file.read_text())
    assert edam["toplevel"] == top
    fo = edam["flow_options"]
    assert fo["part"] == PART and fo["pnr"] == "vivado", fo
    assert fo["flow_make_options"] == ["-f", "qmlp_vivado.mk", "qmlp-vivado"], fo

    # the project Tcl edalize writes: project, part, constraints, OOC hook, sources, top
    proj = (wd / f"{name}.tcl").read_text()
    create = _tcl_line(proj, rf"^create_project {re.escape(name)} -force$", "create_project")
    part = _tcl_line(proj, rf"^set_property part {PART} \[current_project\]$", "the part")
    _tcl_line(proj, rf"^set_property top {top} \[current_fileset\]$", "the top")
    xdc = _tcl_line(proj, r"^read_xdc \{(.*/pynq_z2\.xdc)\}$", "read_xdc of constraints/pynq_z2.xdc")
    ooc = _tcl_line(proj, r"^source \{(.*/qmlp_vivado_ooc\.tcl)\}$", "the out-of-context Tcl")
    assert create.start() < part.start() < ooc.start(), "the OOC Tcl must run after create_project"
    for f in sources:
        _tcl_line(proj, rf"^read_verilog (-sv )?\{{(.*/)?{re.escape(f)}\}}$", f"read_verilog of {f}")
    for f in tcl:
        _tcl_line(proj, rf"^source \{{(.*/)?{re.escape(f)}\}}$", f"source of {f}")
    if params:
        generic = _tcl_line(proj, r"^set_property generic \{(.*)\} \[get_filesets sources_1\]$", "generics").group(1)
        for k, v in params.items():
            assert f"{k}={v}" in generic.split(), generic

    # the files it points at (relative to the work root): 100 MHz on ap_clk, out of context
    xdc_text = (wd / xdc.group(1)).read_text()
    assert re.search(r"^create_clock -period 10\.000 -name ap_clk \[get_ports ap_clk\]$", xdc_text, re.M)
    assert not re.search(r"^\s*set_property\b.*PACKAGE_PIN", xdc_text, re.M), "an OOC block has no pins"
    ooc_text = (wd / ooc.group(1)).read_text()
    assert re.search(r"^set_property -name \{STEPS\.SYNTH_DESIGN\.ARGS\.MORE OPTIONS\} "
                     r"-value \{-mode out_of_context\} -objects \[get_runs synth_1\]$", ooc_text, re.M)

    # the run: synthesis + implementation, reports into the work root, no bitstream
    impl = (wd / "qmlp_vivado_impl.tcl").read_text()
    code = "\n".join(line.split("#")[0] for line in impl.splitlines())
    for pat in (r"qmlp_run synth_1", r"qmlp_run impl_1 \$new_synth", r"launch_runs \$run\n", r"open_run impl_1",
                r"report_utilization -file \[file join \$root utilization\.rpt\]",
                r"report_timing_summary .*-file \[file join \$root timing\.rpt\]"):
        assert re.search(pat, code), pat
    assert "write_bitstream" not in code and "-to_step" not in code

    # the make goal the build step runs, listed by `make -n` (nothing is executed)
    # (without the variables of an enclosing `make test`, which would add "Entering directory" lines)
    env = {k: v for k, v in tool_env().items()
           if k not in ("EDALIZE_LAUNCHER", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    p = subprocess.run(["make", "--no-print-directory", "-n", "-f", "qmlp_vivado.mk", "qmlp-vivado"], cwd=wd,
                       capture_output=True,
                       text=True, env=env, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    steps = [line.strip() for line in p.stdout.splitlines() if line.strip()]
    # the Vivado check first (qmlp:flow:vivado), then the core's own hooks, then Vivado
    assert steps == [
        "qmlp hook vivado-check",
        *hooks,
        f"vivado -notrace -mode batch -source {name}.tcl",
        f"vivado -notrace -mode batch -source qmlp_vivado_impl.tcl {name}.xpr",
        "qmlp hook vivado-resources utilization.rpt timing.rpt",
    ], p.stdout
    return wd


def _kind(core: str) -> str:
    return core.rsplit("_", 1)[1]


@pytest.mark.parametrize("core,top,sources", IP_CORES, ids=[c[0] for c in IP_CORES])
def test_setup_writes_vivado_project(core, top, sources, tmp_path):
    # the parameter check runs before Vivado is started
    check_vivado_setup(core, top, sources, hooks=[f"qmlp hook check {_kind(core)}"], root=tmp_path)


def test_setup_passes_parameters(tmp_path):
    check_vivado_setup("qmlp:ip:matmul_i8", "qmlp_matmul_i8", ["qmlp_matmul_i8.v"], hooks=["qmlp hook check i8"],
                       params={"ROWS": 8, "LANES": 4}, root=tmp_path)


def test_yosys_flow_does_not_see_vivado_files(tmp_path):
    """NOTES: a Vivado-only Tcl in the Yosys synth target's filesets breaks it."""
    res = run_fusesoc("qmlp:ip:matmul_i8", "synth", stages=["--setup"], timeout=120, build_root=tmp_path)
    assert res.returncode == 0, res.output[-2000:]
    edam = next(res.work_root.glob("*.eda.yml")).read_text()
    assert "qmlp_vivado" not in edam and "pynq_z2.xdc" not in edam


@pytest.mark.skipif(shutil.which("tclsh") is None, reason="no tclsh")
def test_tcl_files_are_complete_tcl():
    """Syntax only (balanced braces, brackets and quotes): Vivado's Tcl is Tcl 8.5/8.6."""
    files = [REPO / "flows/vivado/qmlp_vivado_ooc.tcl", REPO / "flows/vivado/qmlp_vivado_impl.tcl",
             REPO / "constraints/pynq_z2.xdc", REPO / "constraints/pynq_z2_board.xdc"]
    script = "foreach f $argv {set h [open $f]; if {![info complete [read $h]]} {puts $f; exit 1}; close $h}"
    p = subprocess.run(["tclsh"], input=script.replace("$argv", "{" + " ".join(map(str, files)) + "}"),
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.skipif(shutil.which("vivado", path=tool_env()["PATH"]) is not None,
                    reason="vivado is installed: the build would really run it")
@pytest.mark.parametrize("core", [c[0] for c in IP_CORES])
def test_build_without_vivado_fails_clearly(core, tmp_path):
    res = run_fusesoc(core, "synth_vivado", timeout=120, build_root=tmp_path)
    assert res.returncode != 0, res.output[-2000:]
    assert "qmlp hook: error: vivado not found on PATH" in res.output, res.output[-2000:]
    assert "--target synth" in res.output
    assert "Traceback" not in res.output and res.kind is None


# ---------------------------------------------------------------------------------------------
# `qmlp hook vivado-check`
# ---------------------------------------------------------------------------------------------

def test_check_without_vivado(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(QmlpError, match="vivado not found on PATH.*--target synth"):
        check()


def test_check_finds_vivado_on_path(tmp_path, monkeypatch):
    stub = tmp_path / "vivado"  # looked up on PATH only, never executed
    stub.write_text("#!/bin/sh\nexit 1\n")
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert check() == str(stub)


# ---------------------------------------------------------------------------------------------
# Report parsers
# ---------------------------------------------------------------------------------------------

UTIL = (FIXTURES / "utilization.rpt").read_text()
TIMING = (FIXTURES / "timing.rpt").read_text()


def test_utilization_fixture():
    r = parse_utilization(UTIL)
    assert (r["lut"], r["ff"], r["dsp"]) == (2874, 1512, 5)
    assert (r["lut_logic"], r["lut_memory"]) == (2810, 64)
    # 10 RAMB36 + 1 RAMB18 = 10.5 Block RAM Tiles = 21 BRAM18
    assert r["bram_tiles"] == 10.5 and r["bram18"] == 21
    assert r["bonded_iob"] == 0 and r["part"] == PART and r["design_state"] == "Routed"


# Vivado 2019.x tables have no Prohibited column; post-synthesis reports mark LUTs with '*'
OLD_SYNTH = """\
| Design State : Synthesized
+-------------------------+------+-------+-----------+-------+
|        Site Type        | Used | Fixed | Available | Util% |
+-------------------------+------+-------+-----------+-------+
| Slice LUTs*             | 1588 |     0 |     53200 |  2.98 |
|   LUT as Logic          | 1588 |     0 |     53200 |  2.98 |
| Slice Registers         |  643 |     0 |    106400 |  0.60 |
+-------------------------+------+-------+-----------+-------+
* Warning! The Final LUT count, after physical optimizations and full implementation, is typically lower. Run opt_design after synthesis, if not already completed, for a more realistic count.
+-------------------+------+-------+-----------+-------+
| Block RAM Tile    |  0.5 |     0 |       140 |  0.36 |
|   RAMB36/FIFO*    |    0 |     0 |       140 |  0.00 |
|   RAMB18          |    1 |     0 |       280 |  0.36 |
+-------------------+------+-------+-----------+-------+
| DSPs           |    1 |     0 |       220 |  0.45 |
"""


def test_utilization_old_format_post_synthesis():
    r = parse_utilization(OLD_SYNTH)
    assert (r["lut"], r["ff"], r["dsp"], r["bram18"]) == (1588, 643, 1, 1)
    assert r["design_state"] == "Synthesized" and r["lut_memory"] == 0


def test_utilization_rejects_other_text():
    with pytest.raises(QmlpError, match="not a Vivado report_utilization.*DSPs"):
        parse_utilization(UTIL.replace("| DSPs ", "| XYZs "))
    with pytest.raises(QmlpError, match="not a multiple of 0.5"):
        parse_utilization(UTIL.replace("| Block RAM Tile    | 10.5 |", "| Block RAM Tile    | 10.2 |"))


def test_timing_fixture():
    t = parse_timing(TIMING)
    assert (t["wns_ns"], t["tns_ns"], t["whs_ns"], t["failing_endpoints"]) == (1.742, 0.0, 0.041, 0)
    assert (t["clock"], t["period_ns"]) == ("ap_clk", 10.0)
    assert t["fmax_mhz"] == round(1000 / (10 - 1.742), 2) == 121.09
    assert t["timing_met"] is True
    assert timing_line(t) == "TIMING wns=1.742 fmax=121.09 period=10.000"


def test_timing_violated():
    text = TIMING.replace("      1.742        0.000                      0",
                          "     -0.512      -37.908                    112")
    t = parse_timing(text)
    assert (t["wns_ns"], t["tns_ns"], t["failing_endpoints"]) == (-0.512, -37.908, 112)
    assert t["fmax_mhz"] == 95.13 and t["timing_met"] is False


def test_timing_without_clock():
    text = re.sub(r"(?m)^      1\.742 .*$", "         NA           NA                     NA                   NA"
                  "           NA           NA                     NA                   NA           NA"
                  "           NA                      NA                    NA", TIMING)
    text = text.replace("ap_clk  {0.000 5.000}      10.000          100.000         \n", "")
    t = parse_timing(text)
    assert t["wns_ns"] is None and t["clock"] is None and t["fmax_mhz"] is None and t["timing_met"] is False
    assert timing_line(t) == "TIMING wns=na fmax=na period=na"


def test_timing_prefers_ap_clk():
    text = TIMING.replace("ap_clk  {0.000 5.000}      10.000          100.000         \n",
                          "clk_x   {0.000 2.000}      4.000           250.000         \n"
                          "ap_clk  {0.000 5.000}      10.000          100.000         \n")
    assert parse_timing(text)["clock"] == "ap_clk" and parse_timing(text)["period_ns"] == 10.0


def test_timing_rejects_other_text():
    with pytest.raises(QmlpError, match="no Design Timing Summary"):
        parse_timing(UTIL)


# ---------------------------------------------------------------------------------------------
# `qmlp hook vivado-resources` (what the make goal runs after implementation)
# ---------------------------------------------------------------------------------------------

def _hook(*args, cwd):
    return subprocess.run([sys.executable, "-m", "qmlp.cli", "hook", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO / "python")}, timeout=60)


def test_resources_command(tmp_path):
    p = _hook("vivado-resources", str(FIXTURES / "utilization.rpt"), str(FIXTURES / "timing.rpt"), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = p.stdout.strip().splitlines()
    assert out[-2:] == ["TIMING wns=1.742 fmax=121.09 period=10.000", "RESOURCES lut=2874 ff=1512 dsp=5 bram18=21"]
    kind, fields = lines.parse(p.stdout)  # what the runner reads from a fusesoc run
    assert kind == "RESOURCES" and fields == {"lut": "2874", "ff": "1512", "dsp": "5", "bram18": "21"}
    js = json.loads((tmp_path / "resources.json").read_text())
    assert {k: js[k] for k in ("lut", "ff", "dsp", "bram18")} == {"lut": 2874, "ff": 1512, "dsp": 5, "bram18": 21}
    assert js["tool"] == "vivado" and js["wns_ns"] == 1.742 and js["fmax_mhz"] == 121.09
    assert p.stderr == ""


def test_resources_command_warns_on_failed_timing(tmp_path):
    (tmp_path / "t.rpt").write_text(TIMING.replace("      1.742        0.000", "     -0.512      -37.908"))
    p = _hook("vivado-resources", str(FIXTURES / "utilization.rpt"), "t.rpt", cwd=tmp_path)
    assert p.returncode == 0 and "timing not met at 10.000 ns" in p.stderr
    assert "TIMING wns=-0.512 fmax=95.13" in p.stdout


def test_resources_command_errors(tmp_path):
    p = _hook("vivado-resources", "missing.rpt", str(FIXTURES / "timing.rpt"), cwd=tmp_path)
    assert p.returncode == 2 and p.stderr.startswith("qmlp hook: error: missing.rpt: cannot read the utilization report")
    p = _hook("vivado-resources", str(FIXTURES / "timing.rpt"), str(FIXTURES / "timing.rpt"), cwd=tmp_path)
    assert p.returncode == 2 and "not a Vivado report_utilization" in p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "resources.json").exists()
    assert _hook("bogus", cwd=tmp_path).returncode == 2


def test_resources_function_matches_fixture_files():
    r = resources(FIXTURES / "utilization.rpt", FIXTURES / "timing.rpt")
    assert r["tool"] == "vivado" and r["bram18"] == 21 and r["period_ns"] == 10.0


def test_accelerator_vivado_setup(tmp_path):
    """The accelerator's Vivado project: its ROMs are written by the `qmlp hook accel` pre-build hook
    (before the project is created) and read by vivado_roms.tcl, the RTL refers to them by name."""
    core = yaml.safe_load((REPO / "cores" / "accel" / "mlp" / "mlp.core").read_text())
    rtl = [Path(next(iter(f)) if isinstance(f, dict) else f).name for f in core["filesets"]["rtl"]["files"]]
    wd = check_vivado_setup("qmlp:accel:mlp", core["targets"]["default"]["toplevel"],
                            sources=[f for f in rtl if f.endswith(".v")],     # every RTL file of the core
                            tcl=["vivado_roms.tcl"], hooks=["qmlp hook accel --xc7"], root=tmp_path)
    proj = (wd / "qmlp_accel_mlp_0.1.0.tcl").read_text()
    # QMLP_ECP5_MULT=0 (qmlp:accel:mac): the behavioural product, one DSP48E1 (1 only on pnr_ecp5)
    assert re.search(r"^set_property verilog_define \{QMLP_ECP5_MULT=0 QMLP_ROMS_BY_NAME=1 \} \[get_filesets sources_1\]$",
                     proj, re.M)
    roms = next(wd.glob("src/qmlp_accel_mlp_*/vivado_roms.tcl")).read_text()
    assert "read_mem $f" in roms and "qmlp_roms/*.mem" in roms
