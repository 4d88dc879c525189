# Vitis HLS flow for one qmlp matmul kernel: (optional C simulation), C synthesis, RTL export,
# and a one-line summary of the latency and resource reports.
#
#   vitis_hls -f flows/vitis_hls/run_hls.tcl -tclargs <kind> <src dir> <project> [part] [clock ns] [cflags ...]
#
#   kind      i8 | f32i8 | f32   (top function qmlp_hls_matmul_<kind>, file <src dir>/matmul_<kind>.cpp)
#   src dir   cores/hls/src
#   project   project folder to create (relative to the current folder); the solution is
#             <project>/solution1, which `qmlp hls package` and the qmlp:hls
#             generator read (QMLP_HLS_SOLUTION=<project>/solution1)
#   part      default xc7z020clg400-1 (PYNQ-Z2)
#   clock     target period in ns, default 10 (100 MHz)
#   cflags    the block: -DROWS=64 -DINNER=128 -DCOLS=64 -DLANES=1 [-DACC_W=32 -DSHIFT=0 | -DFL_B=4],
#             the same defines `qmlp csim` compiles with. They are recorded in hls.app, which is
#             how the packaging step learns the block the RTL was generated for.
#
# Environment (optional):
#   QMLP_HLS_CSIM=<vector folder>  run csim_design first with csim_main.cpp on that folder
#                                  (e.g. build/qmlp/csim/i8/<tag>/qmlp_vectors, made by `qmlp csim`)
#   QMLP_HLS_EXPORT=0              skip export_design (the RTL is then taken from syn/verilog)
#
# The kernels use the Vitis HLS 2021.1+ pragma syntax (mode=, type=). vivado_hls runs this script,
# but older releases do not understand those pragma options.
# This file is not run on the qmlp development machines (no Vitis there); keep it plain Tcl.

proc usage {} {
    puts "usage: vitis_hls -f run_hls.tcl -tclargs <i8|f32i8|f32> <src dir> <project> \[part\] \[clock ns\] \[cflags ...\]"
    exit 2
}

if {[llength $argv] < 3} { usage }
set kind  [lindex $argv 0]
set src   [file normalize [lindex $argv 1]]
set proj  [lindex $argv 2]
set part  [expr {[llength $argv] > 3 ? [lindex $argv 3] : "xc7z020clg400-1"}]
set clock [expr {[llength $argv] > 4 ? [lindex $argv 4] : 10}]
set cflags [join [lrange $argv 5 end] " "]
if {[lsearch -exact {i8 f32i8 f32} $kind] < 0} { usage }

set top qmlp_hls_matmul_$kind
set kernel_macro QMLP_KERNEL_[string toupper $kind]
# -ffp-contract=off: no fused multiply-add in C simulation, so floats stay bit-exact (SPEC 4)
set design_flags "$cflags -I$src"
set tb_flags "$cflags -I$src -D$kernel_macro -std=c++14 -ffp-contract=off"

open_project -reset $proj
set_top $top
add_files $src/matmul_$kind.cpp -cflags $design_flags
add_files $src/qmlp_hls.h -cflags $design_flags
add_files -tb $src/csim_main.cpp -cflags $tb_flags

# Vitis HLS wants a flow target (the Vivado IP flow: ap_ctrl_hs, ap_memory); vivado_hls has none.
if {[catch {open_solution -reset solution1 -flow_target vivado}]} {
    open_solution -reset solution1
}
set_part $part
create_clock -period $clock -name default
catch {config_export -format ip_catalog -rtl verilog}

if {[info exists ::env(QMLP_HLS_CSIM)] && $::env(QMLP_HLS_CSIM) ne ""} {
    # the testbench exits non-zero on any mismatch, which fails csim_design
    csim_design -argv [file normalize $::env(QMLP_HLS_CSIM)]
}

csynth_design

if {!([info exists ::env(QMLP_HLS_EXPORT)] && $::env(QMLP_HLS_EXPORT) eq "0")} {
    export_design -format ip_catalog -rtl verilog
}

# ---- summary of the C synthesis report (the XML is stable across Vivado HLS and Vitis HLS)
proc xml_value {text tag} {
    if {[regexp "<$tag>(\[^<\]*)</$tag>" $text -> value]} { return [string trim $value] }
    return "na"
}
set report $proj/solution1/syn/report/${top}_csynth.xml
if {![file exists $report]} { set report $proj/solution1/syn/report/csynth.xml }
set fh [open $report r]
set xml [read $fh]
close $fh
# the first <Resources> block is the design's (the second lists what the part has); Vivado HLS
# names DSPs DSP48E, Vitis HLS DSP
regexp {<Resources>(.*?)</Resources>} $xml -> used
set dsp [xml_value $used DSP]
if {$dsp eq "na"} { set dsp [xml_value $used DSP48E] }
puts "HLS top=$top latency=[xml_value $xml Worst-caseLatency] interval=[xml_value $xml Interval-max]\
 clock_ns=[xml_value $xml EstimatedClockPeriod] lut=[xml_value $used LUT] ff=[xml_value $used FF]\
 dsp=$dsp bram18=[xml_value $used BRAM_18K]"
puts "HLS solution=[file normalize $proj/solution1]"
exit 0
