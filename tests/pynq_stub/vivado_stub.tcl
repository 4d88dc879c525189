# NOT VIVADO. Recording stand-ins of the Vivado commands that flows/pynq/qmlp_pynq_build.tcl
# calls, for tests/test_pynq.py on machines without Vivado. It runs the build script's own Tcl
# (its control flow, variables, loops, error paths) in tclsh and records every Vivado command
# with its arguments as one JSON array per line in $env(QMLP_STUB_LOG). What Vivado would do
# with those commands (package the IP, validate the block design, route, write a bitstream) is
# NOT run: the stand-ins return plausible names, the build's outputs are fixture files
# (QMLP_STUB_HWH, QMLP_STUB_UTIL, QMLP_STUB_TIMING), and the .bit is a placeholder text file.
#
#   tclsh vivado_stub.tcl <script.tcl>          (the test's `vivado` wrapper calls this)
# Knobs (environment): QMLP_STUB_NO_BOARD=1 (no board files), QMLP_STUB_FAIL_RUN=1 (impl_1 fails).

namespace eval ipx {}
set ::stub_log [open $::env(QMLP_STUB_LOG) a]
set ::stub_cfg [dict create]
set ::stub_proj ""
set ::stub_dir ""

proc stub_json {s} {
    return "\"[string map [list \\ \\\\ \" \\\" \n \\n \t \\t] $s]\""
}
proc stub_rec {args} {
    set parts {}
    foreach a $args {
        lappend parts [stub_json $a]
    }
    puts $::stub_log "\[[join $parts ", "]\]"
    flush $::stub_log
}

# every command without a stand-in below is recorded and returns ""
proc unknown {cmd args} {
    stub_rec $cmd {*}$args
    return ""
}

proc stub_fixture {var dst} {
    file mkdir [file dirname $dst]
    file copy -force $::env($var) $dst
}

proc get_param {name} { stub_rec get_param $name; return "" }
proc set_param {name value} { stub_rec set_param $name $value }
proc create_project {name dir args} {
    stub_rec create_project $name $dir {*}$args
    set ::stub_proj $name
    set ::stub_dir $dir
    file mkdir $dir
}
proc current_project {args} { return $::stub_proj }
proc current_fileset {args} { return sources_1 }
proc get_files {args} { stub_rec get_files {*}$args; return [lindex $args end] }
proc get_board_parts {args} {
    stub_rec get_board_parts {*}$args
    if {[info exists ::env(QMLP_STUB_NO_BOARD)]} { return "" }
    return [lindex $args end]
}
proc get_ipdefs {args} { stub_rec get_ipdefs {*}$args; return [lindex $args end] }
proc ipx::current_core {} { return core }
proc ipx::get_bus_interfaces {args} { stub_rec ipx::get_bus_interfaces {*}$args; return [lindex $args 0] }
proc ipx::get_memory_maps {args} { stub_rec ipx::get_memory_maps {*}$args; return [lindex $args 0] }
proc create_bd_cell {args} { stub_rec create_bd_cell {*}$args; return "/[lindex $args end]" }
proc get_bd_cells {args} { return "/[lindex $args end]" }
proc get_bd_pins {args} { return "/[lindex $args end]" }
proc get_bd_intf_pins {args} { return "/[lindex $args end]" }
proc get_bd_addr_spaces {args} { return "/[lindex $args end]" }
proc get_bd_addr_segs {args} {
    if {[lindex $args 0] eq "-of_objects"} {
        set of [lindex $args 1]
        if {[string match */Data $of]} { return "" }
        return "$of/SEG"
    }
    return "/[lindex $args end]"
}
proc set_property {args} {
    stub_rec set_property {*}$args
    if {[lindex $args 0] eq "-dict"} {
        foreach {k v} [lindex $args 1] {
            dict set ::stub_cfg [lindex $args 2] $k $v
        }
    } else {
        dict set ::stub_cfg [lindex $args end] [lindex $args 0] [lindex $args 1]
    }
}
proc get_runs {name} { return $name }
proc get_property {prop obj} {
    switch -- $prop {
        PROGRESS { return "100%" }
        STATUS {
            if {[info exists ::env(QMLP_STUB_FAIL_RUN)]} { return "route_design ERROR" }
            return "write_bitstream Complete!"
        }
        DIRECTORY {
            if {$obj eq "impl_1"} { return [file join $::stub_dir $::stub_proj.runs impl_1] }
            return $::stub_dir
        }
        CONFIG.PCW_ACT_FPGA0_PERIPHERAL_FREQMHZ {
            # the asked frequency, as the PS7 reports it (the Python side models the dividers)
            return [format %.6f [dict get $::stub_cfg $obj CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ]]
        }
        default { return "" }
    }
}
proc make_wrapper {args} {
    stub_rec make_wrapper {*}$args
    return [file join $::stub_dir $::stub_proj.gen sources_1 bd qmlp_bd hdl qmlp_bd_wrapper.v]
}
proc generate_target {args} {
    stub_rec generate_target {*}$args
    stub_fixture QMLP_STUB_HWH [file join $::stub_dir $::stub_proj.gen sources_1 bd qmlp_bd hw_handoff qmlp_bd.hwh]
}
proc launch_runs {args} {
    stub_rec launch_runs {*}$args
    set d [file join $::stub_dir $::stub_proj.runs impl_1]
    file mkdir $d
    set f [open [file join $d qmlp_bd_wrapper.bit] w]
    puts $f "placeholder written by tests/pynq_stub/vivado_stub.tcl: not a bitstream"
    close $f
}
proc report_utilization {args} { stub_rec report_utilization {*}$args; stub_fixture QMLP_STUB_UTIL [lindex $args end] }
proc report_timing_summary {args} { stub_rec report_timing_summary {*}$args; stub_fixture QMLP_STUB_TIMING [lindex $args end] }

rename exit stub_exit
proc exit {{code 0}} {
    stub_rec exit $code
    foreach cell [dict keys $::stub_cfg] {
        dict for {k v} [dict get $::stub_cfg $cell] {
            stub_rec CONFIG $cell $k $v
        }
    }
    close $::stub_log
    stub_exit $code
}

source [lindex $argv 0]
exit 0
