"""What the commands share: argparse types, the one-table options, the build folder."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from qmlp import params
from qmlp.config import Paths


def int_list(s: str) -> list[int]:
    """'1-8' -> 1..8, '-2:16' -> -2..16, '3,5,7' -> [3,5,7] (a value starting with '-' needs
    the --opt=value form: --fl=-2:16)."""
    try:
        if ":" in s:
            a, b = s.split(":")
            out = list(range(int(a), int(b) + 1))
        elif "-" in s[1:] and "," not in s:
            a, b = s[0] + s[1:].split("-", 1)[0], s[1:].split("-", 1)[1]
            out = list(range(int(a), int(b) + 1))
        else:
            out = [int(v) for v in s.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list or range of integers: {s!r}") from None
    if not out:
        raise argparse.ArgumentTypeError(f"empty range: {s!r}")
    return out


def words(raw: str) -> list[str]:
    return [w.strip() for w in raw.split(",") if w.strip()]


def ranged(cast, lo, hi, what: str):
    """An argparse type: cast(raw) within lo..hi, else an error naming the value and the range."""
    def parse(raw: str):
        try:
            v = cast(raw)
        except ValueError:
            v = None
        if v is None or not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{raw!r} is not {what} {lo}..{hi}")
        return v
    return parse


seconds = ranged(float, 1, 86400, "a number of seconds")
count = ranged(int, 0, 100, "an integer")


def opt(parser, flag: str, help: str | None = None, **kw) -> None:
    """An option of the one table (params.OPTIONS, named by the flag without its dashes, or
    by name=): its type checks the range when parsed, its default is the table's."""
    name = kw.pop("name", flag.lstrip("-"))
    p = params.OPTIONS[name]
    parser.add_argument(flag, type=params.option(name), default=p.default, help=help, **kw)


def build_paths(args) -> Paths:
    """The build folder of --build (checked writable; exported for the hooks FuseSoC runs), else the default.

    Writable is checked before any work starts, for every command but `board` (which only reads
    the ROMs): a run must not train or search for minutes and then fail at its first write."""
    from qmlp.files import check_output_folder, check_writable

    writes = getattr(args, "cmd", None) != "board"
    if args.build:
        check_output_folder(Path(args.build), "--build", writable=writes)
        # FuseSoC hooks and generators run in other processes: they find the folder here
        os.environ["QMLP_BUILD"] = str(Path(args.build).resolve())
        return Paths(Path(args.build).resolve())
    paths = Paths()
    if writes:
        check_writable(paths.build, "build folder")
    return paths


def pct(v: float) -> str:
    return f"{v:.2f}"


def model_and_data(args, paths: Paths):
    """The float model and the data set with the validation split it was trained with."""
    from qmlp.nn import model as mdl
    from qmlp.nn.data import dataset_of

    mpath = Path(args.model) if args.model else paths.model_npz
    m = mdl.load(mpath)
    return m, dataset_of(m.meta, args.data), mpath


def common() -> argparse.ArgumentParser:
    """The options every data-handling command takes (an argparse parent parser)."""
    from qmlp.config import DEFAULT_DATA

    c = argparse.ArgumentParser(add_help=False)
    c.add_argument("--build", metavar="DIR", help="output folder (default: <repo>/build/qmlp, or $QMLP_BUILD)")
    c.add_argument("--data", metavar="DIR|NPZ",
                   help="folder of MNIST-format IDX files (any image size, up to 256 classes), or an .npz with "
                        f"x_train, y_train, x_test, y_test (default: the model's, else {DEFAULT_DATA})")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    return c
