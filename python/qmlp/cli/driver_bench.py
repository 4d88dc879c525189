"""`qmlp driver-bench`: MlpOverlay.predict on the simulation backend against the golden model."""

from __future__ import annotations

from pathlib import Path

from qmlp.cli.options import build_paths, opt
from qmlp.errors import QmlpError

HELP = "the board driver on the simulated accelerator: MlpOverlay.predict over the test set, against the golden model"
DESCRIPTION = ("Run qmlp.driver's MlpOverlay(...).predict on the simulation backend (qmlp:axi:mlp in Verilator) over "
               "the test images; print accuracy, mismatches against the integer golden model and images per second.")


def configure(db) -> None:
    # default None: qmlp.driver.bench.run's own (verilator, no stall, 1000 images per transfer)
    opt(db, "--images", help="first N test images (default: all)")
    db.add_argument("--tool", choices=("verilator", "icarus"), default=None, help="simulator (default verilator)")
    db.add_argument("--stall", type=int, choices=range(0, 100), default=None, metavar="PCT",
                    help="percent of cycles with random back-pressure on both streams (default 0)")
    db.add_argument("--batch", type=int, default=None, help="images per DMA transfer (default 1000)")
    db.add_argument("--model", default=None, help="float model .npz (default: the build folder's)")


def run(args) -> str:
    from qmlp.driver import bench

    given = {k: getattr(args, k) for k in ("tool", "stall", "batch") if getattr(args, k) is not None}
    r = bench.run(images=args.images, **given, params={"MODEL": args.model} if args.model else None,
                  paths=build_paths(args), data=str(Path(args.data).resolve()) if args.data else None)
    print(f"driver-bench: {r['images']} images, golden accuracy {r['golden_accuracy']:.2f} %, "
          f"{r['run_s']:.1f} s on {r['tool']} ({r['sim_runs']} transfers; build {r['build_s']:.1f} s), "
          f"ROM checksum {r['checksum']:#010x}", flush=True)
    line = bench.line(r)
    if r["mismatches"]:
        raise QmlpError(f"{r['mismatches']} image(s) differ from the golden model\n{line}")
    return line
