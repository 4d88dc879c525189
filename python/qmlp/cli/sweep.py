"""`qmlp sweep`: fl per word length, global and per layer, chosen on the validation split."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from qmlp.cli.options import build_paths, int_list, model_and_data, opt, pct
from qmlp.errors import QmlpError

HELP = "choose fl per word length (global and per layer)"
DESCRIPTION = "Quantize weights to Q(wl, fl) for each wl, choosing fl on the validation split."


def _word_lengths(raw: str) -> list[int]:
    """--wl: int_list, each a word length qmlp.numerics.fixedpoint takes (checked when parsed)."""
    from qmlp.numerics.fixedpoint import check_format

    wls = int_list(raw)
    for wl in wls:
        try:
            check_format(wl, 0)
        except QmlpError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return wls


def configure(s) -> None:
    s.add_argument("--model", metavar="FILE", help="float model .npz or .pth (default: BUILD/model/mlp.npz)")
    # default None: qmlp.nn.sweep's DEFAULT_WLS / DEFAULT_FLS (1..8, -2..16)
    s.add_argument("--wl", type=_word_lengths, default=None, help="word lengths, e.g. 1-8 (default)")
    s.add_argument("--fl", type=int_list, default=None,
                   help="fraction lengths to search, e.g. --fl=-2:16 (the default) or --fl 0:10")
    opt(s, "--rounds", help="coordinate-search rounds of the per-layer mode")
    s.add_argument("--out", metavar="DIR", help="output folder (default: BUILD/sweep)")


def run(args) -> str:
    from qmlp.files import check_output_folder, output_lock
    from qmlp.nn import sweep

    paths = build_paths(args)
    check_output_folder(Path(args.out).resolve() if args.out else paths.sweep_dir, "--out", "sweep.json")
    m, ds, _ = model_and_data(args, paths)
    wls = sorted(set(args.wl or sweep.DEFAULT_WLS))
    if 8 not in wls:
        print("sweep: adding wl=8 (the summary line reports it)", file=sys.stderr)
        wls.append(8)
    t0 = time.perf_counter()
    out = Path(args.out).resolve() if args.out else paths.sweep_dir
    # one sweep into a folder at a time (a second waits): the SWEEP line describes the table it names
    with output_lock(out, "the sweep"):
        res = sweep.run(m, ds, wls=wls, fls=args.fl or list(sweep.DEFAULT_FLS), rounds=args.rounds,
                        progress=not args.quiet)
        files = sweep.write(res, out, ds.name)
    sys.stderr.write(files["md"].read_text())
    print(f"sweep took {time.perf_counter() - t0:.1f} s; chart {files['png']}", file=sys.stderr)
    fr = next(r for r in res.rows if r["mode"] == "float")
    w8 = next(r for r in res.rows if r["mode"] == "global" and r["wl"] == 8)
    return f"SWEEP float={pct(fr['test_accuracy'])} wl8={pct(w8['test_accuracy'])} table={files['json']}"
