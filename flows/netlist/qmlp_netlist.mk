# qmlp: the build goal of the netlist simulation targets (`sim_synth`, `sim_pnr_ecp5`), which
# use FuseSoC's `sim` flow (it passes plusargs such as --IMAGES) with this goal instead of the
# simulator's own build (flow_make_options: [-f, qmlp_netlist.mk, qmlp-netlist, QMLP_KIND=...,
# QMLP_TOP=<synthesis top>, "QMLP_SYNTH=<Yosys synth command>"]).
# The pre-build hooks (ROMs, vectors) run first; `qmlp hook netlist-sim` then runs the netlist
# flow and compiles the simulation, each with a time limit, and writes ./V<testbench>, which
# FuseSoC's run step starts with the plusargs (python/qmlp/eda/netlist/).

qmlp-netlist: pre_build
	qmlp hook netlist-sim $(QMLP_KIND) --top $(QMLP_TOP) --synth "$(QMLP_SYNTH)"

.PHONY: qmlp-netlist

include Makefile
