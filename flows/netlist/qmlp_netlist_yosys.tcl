# Yosys script of the `sim_synth` targets (edalize yosys_template, run by `qmlp hook netlist-sim
# xc7` in the work root): the `synth` flow's own script (synth_xilinx in two halves, the
# RESOURCES line, the EDIF), then the same netlist as Verilog for simulation - flat, each net
# split by its driver (Icarus ran about 140x faster on that than on wide vectors driven bit by
# bit), no attributes. The cells stay Yosys' xilinx primitives (LUTn, FDRE, CARRY4, DSP48E1,
# RAMB18E1/RAMB36E1, ...), simulated with their models.
source qmlp_yosys.tcl
file mkdir qmlp_netlist
flatten
splitnets -driver
write_verilog -noattr qmlp_netlist/netlist.v
