"""Synthesis helpers: read Yosys `stat -json` for xc7 and report SPEC 3 resources.

    python3 -m qmlp.synth edam-info            -> "<toplevel> <name>" of the EDAM in cwd
    python3 -m qmlp.synth resources STAT.json  -> RESOURCES line, resources.json in cwd
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from .errors import QmlpError

# LUTs that Xilinx LUT-RAM/SRL primitives occupy (Vivado counts them as "LUT as Memory").
_LUTRAM = {
    "RAM16X1S": 1, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4,
    "RAM16X1D": 2, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4,
    "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8,
    "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}


def resources_from_cells(cells: dict[str, int]) -> dict:
    lut_logic = sum(n for c, n in cells.items() if re.fullmatch(r"LUT[1-6]", c))
    lut_mem = sum(n * _LUTRAM[c] for c, n in cells.items() if c in _LUTRAM)
    ff = sum(n for c, n in cells.items() if re.fullmatch(r"FD[CPRS]E(_1)?|FD[CPRS]|LDCE|LDPE", c))
    dsp = sum(n for c, n in cells.items() if c.startswith("DSP48"))
    bram18 = sum(n for c, n in cells.items() if c.startswith("RAMB18")) + \
        2 * sum(n for c, n in cells.items() if c.startswith("RAMB36"))
    return {"lut": lut_logic + lut_mem, "ff": ff, "dsp": dsp, "bram18": bram18,
            "lut_logic": lut_logic, "lut_memory": lut_mem, "carry4": cells.get("CARRY4", 0),
            "cells": dict(sorted(cells.items())), "tool": "yosys synth_xilinx (estimate)"}


def read_stat(path: Path) -> dict[str, int]:
    try:
        stat = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise QmlpError(f"{path}: not a Yosys `stat -json` report ({e})") from None
    # a flattened design has one module; the 'design' entry sums a hierarchy when there is one
    if "design" in stat and "num_cells_by_type" in stat["design"]:
        return dict(stat["design"]["num_cells_by_type"])
    mods = stat.get("modules", {})
    if len(mods) != 1:
        raise QmlpError(f"{path}: expected one flattened module, found {len(mods)}")
    return dict(next(iter(mods.values()))["num_cells_by_type"])


def resources_line(r: dict) -> str:
    return f"RESOURCES lut={r['lut']} ff={r['ff']} dsp={r['dsp']} bram18={r['bram18']}"


def report_resources(r: dict, folder: Path = Path(".")) -> None:
    """SPEC 3 for every synthesis flow: resources.json in the work root, then the RESOURCES line."""
    (Path(folder) / "resources.json").write_text(json.dumps(r, indent=1) + "\n")
    print(resources_line(r))


def edam_info(work_root: Path = Path(".")) -> tuple[str, str]:
    from .hooks import read_edam

    edam = read_edam(work_root)
    return edam["toplevel"], edam["name"]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv == ["edam-info"]:
            top, name = edam_info()
            print(top, name)
            return 0
        if len(argv) == 2 and argv[0] == "resources":
            r = resources_from_cells(read_stat(Path(argv[1])))
            report_resources(r)
            return 0
        print("usage: python3 -m qmlp.synth edam-info | resources STAT.json", file=sys.stderr)
        return 2
    except QmlpError as e:
        print(f"ERROR: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
