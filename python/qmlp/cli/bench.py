"""`qmlp bench`: the design-space search (qmlp.flow.dse), the fastest design that fits per bit width."""

from __future__ import annotations

from qmlp.cli.options import build_paths, count, opt, seconds, words

HELP = "design-space search: the fastest design that fits per bit width (and the smallest meeting --fps)"
DESCRIPTION = ("Search PE, SIMD and MAC style per layer at w8a8, w4a4 and w2a2 (layers balanced, pruned by an "
               "analytic model), synthesize the plausible candidates with Yosys (cached by their inputs), simulate "
               "the Pareto-optimal ones in Verilator (the winners on all 10,000 test images) and write bench.json "
               "and pareto.png. A full search takes tens of minutes on two cores; a second one reuses every result.")


def configure(b) -> None:
    opt(b, "--jobs", help="runs side by side (default 2)")
    b.add_argument("--scheduler", metavar="ADDR", default=None,
                   help="run the candidates on a dask.distributed cluster (tcp://host:8786; needs qmlp[dask], this "
                        "checkout and the build folder on every worker)")
    b.add_argument("--quick", action="store_true",
                   help="bounded search (what qmlp report runs): candidates the model says fit, one synthesis "
                        "per bit width (15 min at most) and 2 chart points")
    opt(b, "--max-synth", help="syntheses at most per bit width to find its winner (default 6, --quick 1)")
    b.add_argument("--chart", type=count, default=None, help="slower points per bit width for the chart (about 2x, "
                   "4x, 8x the winner's cycles; default 3)")
    opt(b, "--images", name="bench-images",
        help="Verilator images of the Pareto points other than the winners (default 500; winners: all)")
    opt(b, "--netlist", name="bench-netlist", metavar="N",
        help="also simulate each winner's Yosys xc7 netlist (sim_synth: the synth flow's netlist with the "
             "primitives' models, in Verilator) on the first N test images, after the Verilator runs; a mismatch "
             "fails the bench. Default 0 (off): the netlist's Verilator build is the cost, about 6 min for the "
             "default point's and 40 min for a 45k-LUT winner's on two cores (docs/netlist.md)")
    b.add_argument("--bits", type=words, default=None, help="bit widths to search (default w8a8,w4a4,w2a2)")
    b.add_argument("--model", metavar="FILE", default=None,
                   help="model to search: a float .npz (qmlp train, qmlp import of PyTorch; quantized per bit width), "
                        "a quantized .npz (searched at its own bits), or a QONNX graph .onnx (imported, checked against "
                        "qonnx's executor on the test set, then searched at its bits); default: the build folder's "
                        "lab network")
    b.add_argument("--mac", type=words, default=None, help="MAC styles to consider (default: every style)")
    b.add_argument("--synth-timeout", type=seconds, default=None, metavar="SECONDS",
                   help="time limit of one synthesis; a longer one is a failed point (default 3600, --quick 1800: the 128-cycle w8a8 point took over 900 s under load)")
    opt(b, "--fps", metavar="N",
                   help="a throughput target: also find, per bit width, the smallest design (fewest LUT, then DSP) "
                        "that classifies N images per second at --clock")
    opt(b, "--clock", metavar="MHZ",
                   help="the clock of --fps in MHz (default 100); on lfe5u-85f also the clock each route must meet")
    b.add_argument("--device", choices=("xc7z020", "lfe5u-85f"), default="xc7z020",
                   help="what the designs must fit: xc7z020 (Yosys synthesis, default) or lfe5u-85f (the ECP5's "
                        "own blocks, each candidate placed and routed by nextpnr)")
    b.add_argument("--dry-run", action="store_true",
                   help="the analytic model answers instead of Yosys and Verilator (shows the plan; BUILD/bench-dry-run)")


def run(args) -> str:
    from qmlp.flow import bench

    paths = build_paths(args)
    source: dict = {}
    model = bench.bring(args.model, paths, args.data, source=source)
    opts = bench.options(jobs=args.jobs, scheduler=args.scheduler, quick=args.quick, budget=args.max_synth,
                         chart=args.chart, images=args.images, bits=args.bits, styles=args.mac,
                         synth_timeout=args.synth_timeout, model=model, fps=args.fps, clock_mhz=args.clock,
                         device=args.device, source=source or None, netlist=args.netlist)
    from pathlib import Path

    from qmlp.files import output_lock

    out = Path(paths.build) / ("bench-dry-run" if args.dry_run else "bench")
    with output_lock(out, "the search's results"):       # one search per build folder at a time
        return bench.run(paths, opts, dry_run=args.dry_run)
