"""Netlist simulation (sim_synth): the synth flow's Yosys netlist, simulated with the primitives'
models and the IP's own testbench and vectors, bit for bit; and a fault in the netlist is caught.

Small blocks only (CI budget): matmul_i8 8x16x8 in Verilator (the default netlist simulator)
and, with one LUT's INIT complemented, in Icarus (4-state). The accelerator and ECP5 netlist
points are measured by hand (README), not here: each costs minutes of CPU.
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
