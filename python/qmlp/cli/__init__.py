"""The `qmlp` command. Each subcommand ends with one SPEC 3 summary line on stdout.

One module per command (or small family), each with HELP, DESCRIPTION, `configure(parser)`
and `run(args) -> summary line`; COMMANDS lists them in the order `qmlp --help` shows.
Options with a range and a default come from one table (qmlp.params.OPTIONS, via
options.opt): argparse checks the range when it parses, so the commands do not check again.
"""

from __future__ import annotations

import argparse
import sys

from qmlp.cli import bench, board, csim, driver_bench, hls, hook, infer, report, roms, sweep, train
from qmlp.cli.options import common, int_list as _int_list  # noqa: F401  (tests import _int_list from here)
from qmlp.errors import QmlpError
from qmlp.io import commands as io_commands      # `qmlp import` and `qmlp export` (QONNX, PyTorch): a family

COMMANDS = (("train", train), ("sweep", sweep), ("infer", infer), ("roms", roms), ("report", report),
            ("bench", bench), ("driver-bench", driver_bench), ("hls", hls), ("hook", hook), ("board", board),
            ("import, export", io_commands), ("csim", csim))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qmlp", description="Quantized MLP to FPGA: train, quantize, sweep, infer.")
    p.add_argument("--version", action="version", version=f"qmlp {__import__('qmlp').__version__}")
    parent = common()
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    for name, mod in COMMANDS:
        if hasattr(mod, "add_parsers"):         # a family that adds its own subparsers
            mod.add_parsers(sub, parent)
            continue
        sp = sub.add_parser(name, parents=[parent] if getattr(mod, "COMMON", True) else [], help=mod.HELP,
                            description=mod.DESCRIPTION)
        mod.configure(sp)
        sp.set_defaults(func=mod.run)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        line = args.func(args)
    except QmlpError as e:
        print(f"qmlp {args.cmd}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        # a folder that cannot be written, a file that vanished: the path and the cause, no traceback
        where = " -> ".join(str(f) for f in (e.filename, e.filename2) if f) or "?"
        print(f"qmlp {args.cmd}: error: {where}: {e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qmlp {args.cmd}: interrupted", file=sys.stderr)
        return 130
    print(line, flush=True)
    # a simulation that ran but failed its check still ends with its RESULT line
    return 1 if line.startswith("RESULT pass=0") else 0
