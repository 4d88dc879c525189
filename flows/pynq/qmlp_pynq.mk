# qmlp: make goal of the `pynq_z2` targets (see README.md in flows/pynq).
#
# The targets set `flow_make_options: [-f, qmlp_pynq.mk, qmlp-pynq]`, so edalize's build step
# runs `make -f qmlp_pynq.mk qmlp-pynq` in the work root. This file includes the Makefile
# edalize wrote for its vivado flow, for its pre_build goal (the core's hooks, ending with
# `qmlp hook pynq-setup`, which writes qmlp_pynq/ and stops the build when vivado is not on
# PATH), and replaces edalize's bitstream goal, whose project has the wrapper as its top and
# no block design, with:
#   1. Vivado on qmlp_pynq_build.tcl: the IP package, the block design, the bitstream, then
#      <name>.bit and <name>.hwh in the work root (an unchanged overlay is not rebuilt),
#   2. `qmlp hook pynq-report`: the .hwh checked against what the driver expects, the OVERLAY,
#      TIMING and RESOURCES lines, resources.json.

qmlp-pynq: qmlp_pynq_build.tcl | pre_build
	$(EDALIZE_LAUNCHER) vivado -notrace -mode batch -log qmlp_pynq/vivado.log -journal qmlp_pynq/vivado.jou -source qmlp_pynq_build.tcl
	qmlp hook pynq-report

.PHONY: qmlp-pynq

include Makefile
