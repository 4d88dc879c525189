# qmlp timing constraints for the PYNQ-Z2 (xc7z020clg400-1): a 100 MHz clock on ap_clk.
#
# Read by every `synth_vivado` target (core qmlp:constraints:pynq_z2), for synthesis and
# implementation alike. The matmul IPs and the accelerator qmlp:accel:mlp all call their clock
# ap_clk (the HLS ap_ctrl_hs convention), so this one file serves them all.
#
# These designs are blocks, not a board design: their ap_ctrl_hs / ap_memory ports connect to
# block RAMs and control logic inside a larger design, not to package pins (the float32 IPs
# alone have more ports than the 125 user I/Os of the clg400 package). So the Vivado flow
# synthesises and implements them OUT OF CONTEXT (flows/vivado/qmlp_vivado_ooc.tcl sets
# `synth_design -mode out_of_context`): no I/O buffers, no pin placement, and therefore no
# PACKAGE_PIN / IOSTANDARD here. Board pins for a later board-level top are in
# constraints/pynq_z2_board.xdc, which no target reads.
#
# The ports carry no set_input_delay / set_output_delay: paths from and to ports are unconstrained,
# and the reported WNS (and the fmax derived from it) covers the paths between registers, DSP48
# and block RAM inside the block. Add port delays here if a surrounding design's budget is known.

create_clock -period 10.000 -name ap_clk [get_ports ap_clk]

# Out of context the clock comes from a global buffer outside the block: HD.CLK_SRC names that
# buffer's site so that placement and timing use a global clock tree rather than local routing
# (Vivado UG905, "Context Constraints"). It must follow create_clock. BUFGCTRL_X0Y0 exists on
# every 7-series part; which of the 32 BUFGCTRL sites does not matter for a single clock.
set_property HD.CLK_SRC BUFGCTRL_X0Y0 [get_ports ap_clk]
