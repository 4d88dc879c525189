# qmlp: synthesis and implementation of a `synth_vivado` target, then the reports.
#
#   vivado -notrace -mode batch -source qmlp_vivado_impl.tcl <name>.xpr
#
# run by qmlp_vivado.mk in the FuseSoC work root, with the project that <name>.tcl created open.
# It stops after route_design: edalize's own goal goes on to write_bitstream, which a block
# implemented out of context (no pins) cannot have. The reports go to the work root, where
# `qmlp hook vivado-resources utilization.rpt timing.rpt` reads them (qmlp_vivado.mk).

set root [pwd]

# Launch a run unless it is already complete (an unchanged project keeps its results: make
# re-creates <name>.xpr, and so resets every run, whenever the sources or the project Tcl
# change). `rerun` forces a new run, for impl_1 after a new synth_1. Returns 1 if it ran.
proc qmlp_run {name {rerun 0}} {
    set run [get_runs $name]
    set ran 0
    if {$rerun || [get_property PROGRESS $run] ne "100%"} {
        if {[get_property PROGRESS $run] ne "0%"} {
            reset_run $run
        }
        # Vivado prints a run's log on stdout only for runs that are waited on
        launch_runs $run
        wait_on_run $run
        set ran 1
    }
    # STATUS is e.g. "synth_design Complete!", "route_design Complete!" or "place_design ERROR"
    # (a timing failure is not an error here: the reports show it)
    set status [get_property STATUS $run]
    if {[get_property PROGRESS $run] ne "100%" || [regexp {ERROR} $status]} {
        puts "ERROR: qmlp: Vivado run $name did not complete (status: $status);\
              see [get_property DIRECTORY $run]/runme.log"
        exit 1
    }
    puts "qmlp: $name: $status"
    return $ran
}

set new_synth [qmlp_run synth_1]
# impl_1 without -to_step: opt_design, place_design, route_design (what "Run Implementation" does)
qmlp_run impl_1 $new_synth

open_run impl_1
report_utilization -file [file join $root utilization.rpt]
report_timing_summary -max_paths 10 -file [file join $root timing.rpt]
puts "qmlp: wrote [file join $root utilization.rpt] and [file join $root timing.rpt]"
