# Yosys script for qmlp's `synth` targets (edalize yosys_template; runs inside `yosys -p 'tcl ...'`).
# edalize writes edalize_yosys_procs.tcl (files, defines, parameters, the synth command);
# this script adds what the default template lacks: the resource report of SPEC 3.
yosys -import
source edalize_yosys_procs.tcl
load_plugins
yosys -import

# top module and project name from the EDAM file FuseSoC wrote next to us
lassign [exec qmlp hook edam-info] top name

verilog_defaults -push
verilog_defaults -add -defer
set_defines
set_incdirs
read_files
set_params
verilog_defaults -pop

synth $top

tee -q -o qmlp_stat.json stat -json
# The netlist deliberately does not take the name edalize's Makefile expects ($name.edif):
# that target then never looks up to date, so every `fusesoc run --target synth` runs Yosys
# and prints its RESOURCES line instead of silently doing nothing.
write_edif -pvector bra ${name}_yosys.edif
# prints the RESOURCES line and writes resources.json; a failure stops the flow
puts [exec qmlp hook resources qmlp_stat.json]
