# qmlp: sourced by the project Tcl that edalize writes for a `synth_vivado` target (<name>.tcl,
# `source` line among the read_* lines, i.e. right after create_project and the part).
#
# The qmlp IPs and the accelerator are blocks whose ports are not board pins (see
# constraints/pynq_z2.xdc), so synthesis runs out of context: no I/O or clock buffers are
# inserted and the ports stay plain nets. Implementation of an out-of-context netlist then
# needs no pin placement. This is the project-mode form of `synth_design -mode out_of_context`
# (the line Vivado's GUI writes for Settings > Synthesis > More Options).
#
# Vivado-only: list this file only in filesets of Vivado targets (NOTES: a Yosys run of the
# vivado flow fails on `get_runs`).

set_property -name {STEPS.SYNTH_DESIGN.ARGS.MORE OPTIONS} -value {-mode out_of_context} -objects [get_runs synth_1]
puts "qmlp: synth_1 runs out of context (-mode out_of_context)"
