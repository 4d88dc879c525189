"""`qmlp board classify`: stream test images to the ULX3S board top over its UART."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qmlp.cli.options import build_paths, common, opt, pct

HELP = "talk to the ULX3S board top over its UART"
DESCRIPTION = ("Stream test images to a ULX3S-85F running the qmlp:board:ulx3s bitstream and check its classes "
               "against the golden model.")


def _timeout(raw: str) -> float:
    try:
        v = float(raw)
    except ValueError:
        v = None
    if v is None or not 0 < v < float("inf"):
        raise argparse.ArgumentTypeError(f"--timeout must be a positive number of seconds, got {raw}")
    return v


def configure(bd) -> None:
    bds = bd.add_subparsers(dest="board_cmd", required=True, metavar="WHAT")
    bc = bds.add_parser("classify", parents=[common()], help="stream test images, print accuracy and images/s")
    bc.add_argument("--port", required=True, help="the board's serial port, e.g. /dev/ttyUSB0")
    # default None: qmlp.eda.uart.classify's own (DEFAULT_BAUD, 5 s)
    bc.add_argument("--baud", type=int, default=None, help="bit rate of the bitstream (default 1000000)")
    bc.add_argument("--roms", metavar="DIR", help="ROM folder with the test images (default: BUILD/roms, `qmlp roms`)")
    opt(bc, "--images", help="first N test images (default: all)")
    bc.add_argument("--timeout", type=_timeout, default=None, help="seconds of silence from the board that end the run")


def run(args) -> str:
    from qmlp import lines
    from qmlp.eda import uart

    roms = Path(args.roms).resolve() if args.roms else build_paths(args).roms_dir
    given = {k: getattr(args, k) for k in ("baud", "timeout") if getattr(args, k) is not None}
    s = uart.classify(args.port, roms, args.images, **given)
    print(f"board: {s.images} images in {s.seconds:.2f} s ({s.images_per_s:.1f} images/s), accuracy "
          f"{pct(s.accuracy)} %, {s.mismatches} classes differ from the golden model", file=sys.stderr)
    return lines.result_board(s.passed, s.images, s.mismatches, s.accuracy, s.images_per_s)
