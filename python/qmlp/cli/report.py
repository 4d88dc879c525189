"""`qmlp report`: the whole flow and the lab's comparison, in one folder."""

from __future__ import annotations

import sys

from qmlp.cli.options import build_paths, opt

HELP = "the whole flow and the lab's comparison, in one folder"
DESCRIPTION = ("Train (or reuse) the model, sweep, infer, make the ROMs, simulate the IPs and the accelerator, run "
               "the synthesis estimates, simulate the default accelerator point's Yosys xc7 netlist and write "
               "report.md with charts. Steps whose inputs did not change are reused.")


def configure(rp) -> None:
    opt(rp, "--jobs", help="simulations/syntheses run side by side (default 2)")
    opt(rp, "--netlist", name="report-netlist", metavar="N",
        help="test images of the default accelerator point's Yosys xc7 netlist simulation (sim_synth, Verilator; "
             "bit for bit, a mismatch fails the report). Default 200; 0 skips it (it adds a Yosys run and the "
             "netlist's Verilator build, minutes on two cores)")


def run(args) -> str:
    from qmlp.files import output_lock
    from qmlp.flow import report

    paths = build_paths(args)
    with output_lock(paths.report_dir, "the report"):     # one report per build folder at a time
        out = report.run(paths, jobs=args.jobs, netlist_images=args.netlist)
        print(report.summary(out), file=sys.stderr)
    return f"REPORT dir={out}"
