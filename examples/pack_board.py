#!/usr/bin/env python3
"""Gather what a PYNQ-Z2 needs to run a qmlp overlay into one folder, to copy to the board.

    python3 examples/pack_board.py --bit build/qmlp_axi_mlp_0.1.0/pynq_z2/qmlp_mlp.bit --out pynq_qmlp
    scp -r pynq_qmlp xilinx@pynq:                 # then, on the board: see README.md, "PYNQ-Z2 board build"

The folder gets: the .bit and its .hwh (pynq.Overlay needs both, same name, same folder), the
ROM manifest of an MLP build (qmlp_roms/manifest.json beside the .bit: the example checks the
bitstream's ROM checksum against it), the `qmlp` package files the driver imports (numpy only:
qmlp/driver and the base, spec and numerics modules it uses; no torch), the examples (script and
notebook), the test set (two IDX files, default Debian's Fashion-MNIST, or a tabular .npz) and, with --model,
the float model a matmul overlay's example needs. Runs here, with the repository; needs nothing
but the standard library.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent / "python" / "qmlp"
# what `import qmlp.driver` and MlpOverlay/MatmulOverlay load (tests/test_pynq_examples.py runs
# the example from a packed folder alone to prove the list complete)
BOARD_MODULES = ["__init__.py", "errors.py", "config.py", "params.py", "spec.py", "driver", "numerics"]
EXAMPLES = ["pynq_classify.py", "pynq_classify.ipynb"]
DATA = ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
DEFAULT_DATA = Path("/usr/share/datasets/fashion-mnist")


def _data_file(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise SystemExit(f"pack_board: error: no {stem}[.gz] in {folder} (--data: a folder of IDX files)")


def pack(bit: Path, out: Path, data: Path = DEFAULT_DATA, model: Path | None = None) -> list[Path]:
    bit = Path(bit)
    hwh = bit.with_suffix(".hwh")
    for f in (bit, hwh):
        if not f.is_file():
            raise SystemExit(f"pack_board: error: {f} not found (fusesoc run --target pynq_z2 ... writes both)")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"pack_board: error: {out} exists and is not empty")
    (out / "qmlp").mkdir(parents=True, exist_ok=True)
    written = [Path(shutil.copy2(bit, out / bit.name)), Path(shutil.copy2(hwh, out / hwh.name))]
    manifest = bit.parent / "qmlp_roms" / "manifest.json"
    if manifest.is_file():
        written.append(Path(shutil.copy2(manifest, out / "manifest.json")))
    for m in BOARD_MODULES:
        src = PACKAGE / m
        if src.is_dir():
            shutil.copytree(src, out / "qmlp" / m, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, out / "qmlp" / m)
        written.append(out / "qmlp" / m)
    for e in EXAMPLES:
        written.append(Path(shutil.copy2(HERE / e, out / e)))
    (out / "data").mkdir(exist_ok=True)
    if Path(data).suffix == ".npz":            # a tabular data set: the example's --data data/<name>.npz
        if not Path(data).is_file():
            raise SystemExit(f"pack_board: error: {data} not found (--data: a folder of IDX files or a .npz)")
        written.append(Path(shutil.copy2(data, out / "data" / Path(data).name)))
    else:
        for stem in DATA:
            f = _data_file(Path(data), stem)
            written.append(Path(shutil.copy2(f, out / "data" / f.name)))
    if model is not None:
        written.append(Path(shutil.copy2(model, out / Path(model).name)))
    return written


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Gather a qmlp overlay, the driver, the examples and the test set "
                                            "into one folder for a PYNQ-Z2.")
    p.add_argument("--bit", required=True, help="the overlay's .bit (its .hwh beside it), from the pynq_z2 target")
    p.add_argument("--out", required=True, help="the folder to write (new or empty)")
    p.add_argument("--data", default=str(DEFAULT_DATA), help=f"IDX folder of the test set (default {DEFAULT_DATA}), "
                                                         "or a tabular .npz with x_test and y_test")
    p.add_argument("--model", default=None, help="float model .npz for a matmul overlay's example (qmlp train)")
    a = p.parse_args(argv)
    files = pack(Path(a.bit), Path(a.out), Path(a.data), Path(a.model) if a.model else None)
    print(f"pack_board: {len(files)} entries in {Path(a.out).resolve()}; copy it to the board, e.g. "
          f"scp -r {a.out} xilinx@<board>:")
    return 0


if __name__ == "__main__":
    sys.exit(main())
