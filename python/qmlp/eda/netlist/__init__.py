"""Netlist simulation: the `sim_synth` and `sim_pnr_ecp5` targets (`qmlp hook netlist-sim`).

The targets use FuseSoC's `sim` flow (the one that takes plusargs such as --IMAGES) with
Verilator as its tool, but replace its build goal (flow_make_options, flows/netlist/
qmlp_netlist.mk): `qmlp hook netlist-sim <xc7|ecp5>` runs after the pre-build hooks wrote the ROMs or
vectors, in the FuseSoC work root, and

1. runs the netlist flow with the runner's time limit, in qmlp_netlist/synth/ with an EDAM file
   and edalize-style procedures for the synthesis top (the sim flow's top is the testbench):
   xc7   - Yosys with flows/netlist/qmlp_netlist_yosys.tcl, which sources the `synth` flow's
           own script (flows/yosys/qmlp_yosys.tcl: synth_xilinx in two halves, RESOURCES) and
           then writes the netlist flat, nets split by driver, as Verilog;
   ecp5  - Yosys synth_ecp5 and, unless ROUTE=0, nextpnr-ecp5 with the options of the core's
           own pnr_ecp5 target (read from its core file) plus --write (the routed design, whose
           configuration settings routed_for_sim folds into the netlist), then Yosys turns
           that JSON into Verilog;
   An xc7 netlist that still writes a 72-bit RAMB36E1 with DIPBDIP = DIPADIP (Yosys 0.23's
   brams_xc6v_map.v typo, which qmlp_yosys.tcl corrects; edit.sdp72_parity_bug) is refused;
2. optionally injects a fault (FAULT=lut: one LUT's INIT complemented; FAULT=dsp: one
   DSP48E1's input register count changed), to prove that the check can fail;
3. compiles the netlist with the primitives' simulation models (Yosys' own
   xilinx/cells_sim.v or ecp5/cells_sim.v, plus qmlp's models of what Yosys 0.23 lacks:
   flows/netlist/models/qmlp_xc7_brams.v, qmlp_ecp5_prims.v (DP16KD, TRELLIS_COMB/RAMW, DCCA),
   and qmlp:accel:mac's MULT18X18D test model; docs/netlist.md) and the core's own self-checking
   testbench, unchanged, with Verilator (default, NETLIST_SIM=verilator) or Icarus;
4. writes ./V<testbench>, the file FuseSoC's run step starts with the plusargs: a launcher of
   `qmlp hook netlist-sim run`, which runs the compiled simulation with a time limit and prints the testbench's output, its RESULT line with
   ` netlist=<yosys-xc7|ecp5-synth|ecp5-route>` added.

The netlist's top module has no parameters, but the testbenches instantiate the DUT with a
parameter override; the parameters of the run are declared (unused) on the netlist's top, so
the testbench compiles as it is. Any failure (tool missing, time limit, compile error, no
RESULT line from the testbench) ends with `RESULT pass=0 ... netlist=...` and a one-line
reason, and a non-zero exit.

Modules: common (folders, limits), edit (netlist text, faults), build (the flow, the compile, the
launcher: `Build`), sim (the run step: `run`).
"""

from qmlp.eda.netlist.build import Build
from qmlp.eda.netlist.common import FLOW_TIMEOUT, OUT, SIM_TIMEOUT, STATE
from qmlp.eda.netlist.edit import (add_parameters, inject_fault, routed_for_sim, sdp72_parity_bug, strip_modules,
                                   yosys_datdir)
from qmlp.eda.netlist.sim import fail_line, run

__all__ = ["Build", "FLOW_TIMEOUT", "OUT", "SIM_TIMEOUT", "STATE", "add_parameters", "fail_line", "inject_fault",
           "routed_for_sim", "run", "sdp72_parity_bug", "strip_modules", "yosys_datdir"]
