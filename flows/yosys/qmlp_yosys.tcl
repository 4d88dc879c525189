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

# synth_xilinx in two halves with `hierarchy` between them. Yosys 0.23's memory_libmap connects
# the 8-bit write enable WEBWE of a ROM's RAMB36E1 with 4 bits, and ABC9's ABC9_OPS then
# indexes past the connection and aborts (std::out_of_range: "__n (which is 7) >=
# this->size() (which is 4)"), e.g. on accel PE=2,2,1 SIMD=49,4,1; padding WEBWE alone to 8
# bits was checked to remove the abort. `hierarchy` resizes every cell port to its
# primitive's width (the bits it drops from the block RAMs' over-wide data connections were
# never driven). Other synth commands run as edalize wrote them.
proc qmlp_synth {top} {
  set cmd [string trim [info body synth]]
  if {[lindex $cmd 0] ne "synth_xilinx"} {
    synth $top
    return
  }
  eval "$cmd -run begin:map_luts"
  hierarchy -top $top
  eval "$cmd -run map_luts:"
}
qmlp_synth $top

tee -q -o qmlp_stat.json stat -json
# The netlist deliberately does not take the name edalize's Makefile expects ($name.edif):
# that target then never looks up to date, so every `fusesoc run --target synth` runs Yosys
# and prints its RESOURCES line instead of silently doing nothing.
write_edif -pvector bra ${name}_yosys.edif
# prints the RESOURCES line and writes resources.json; a failure stops the flow
puts [exec qmlp hook resources qmlp_stat.json]
