# qmlp: make goal of the `synth_vivado` targets (see README.md in flows/vivado).
#
# The targets set `flow_make_options: [-f, qmlp_vivado.mk, qmlp-vivado]`, so edalize's build
# step runs `make -f qmlp_vivado.mk qmlp-vivado` in the work root. This file includes the
# Makefile edalize wrote (project creation, pre_build hooks) and replaces its final goal, a
# bitstream, which an out-of-context block cannot have, with: synthesis and implementation
# (qmlp_vivado_impl.tcl), then the TIMING and RESOURCES lines and resources.json.
# Like the Yosys `synth` target, every build re-reads the reports and prints the lines; Vivado
# re-runs synthesis and implementation only when the project was re-created (changed sources,
# parameters or project Tcl).

# <name> of <name>.eda.yml, <name>.tcl and <name>.xpr in the work root
QMLP_NAME := $(patsubst %.eda.yml,%,$(firstword $(wildcard *.eda.yml)))

qmlp-vivado: $(QMLP_NAME).xpr qmlp_vivado_impl.tcl
	$(EDALIZE_LAUNCHER) vivado -notrace -mode batch -source qmlp_vivado_impl.tcl $(QMLP_NAME).xpr
	qmlp hook vivado-resources utilization.rpt timing.rpt

.PHONY: qmlp-vivado

include Makefile
