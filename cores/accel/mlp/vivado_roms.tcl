# qmlp: sourced by the project Tcl edalize writes for qmlp:accel:mlp's synth_vivado target.
#
# The ROM files and the model constants (qmlp_roms/) are written into the work root by the
# `qmlp hook accel` pre-build hook, which runs before this project is created: they are not
# in the core's file list, so this script adds them. read_mem makes Vivado copy the .mem
# files into the project, where the RTL finds them by bare name (define QMLP_ROMS_BY_NAME);
# the work root becomes an include folder for `include "qmlp_roms/qmlp_mlp_model.vh"`.
set qmlp_mems [lsort [glob -nocomplain qmlp_roms/*.mem]]
if {[llength $qmlp_mems] == 0} {
  error "qmlp: no qmlp_roms/*.mem in [pwd]: the pre-build hook `qmlp hook accel` did not run"
}
foreach f $qmlp_mems { read_mem $f }
set_property include_dirs [concat [get_property include_dirs [current_fileset]] [list [pwd]]] [current_fileset]
puts "qmlp: read [llength $qmlp_mems] ROM files from qmlp_roms/"
