"""Synthesis results: read Yosys `stat -json` for xc7 and report SPEC 3 resources.

`qmlp hook resources STAT.json` (flows/yosys/qmlp_yosys.tcl) prints the RESOURCES line and
writes resources.json in the work root.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from qmlp import lines
from qmlp.errors import QmlpError
from qmlp.files import write_text

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


# Yosys 0.23 `stat -json` of a hierarchy writes the hierarchy as text ("   <module>   <count>"
# lines) between the modules and the "design" totals: not JSON, so those lines are dropped.
_HIER_LINE = re.compile(r"^[ \t]+[^\s\"{}:,]+[ \t]+\d+[ \t]*$", re.M)


def read_stat(path: Path) -> dict[str, int]:
    try:
        text = Path(path).read_text()
        try:
            stat = json.loads(text)
        except ValueError:
            stat = json.loads(_HIER_LINE.sub("", text))
    except (OSError, ValueError) as e:
        raise QmlpError(f"{path}: not a Yosys `stat -json` report ({e})") from None
    # a flattened design has one module; the 'design' entry sums a hierarchy when there is one
    if "design" in stat and "num_cells_by_type" in stat["design"]:
        return dict(stat["design"]["num_cells_by_type"])
    mods = stat.get("modules", {})
    if len(mods) != 1:
        raise QmlpError(f"{path}: expected one flattened module, found {len(mods)}")
    return dict(next(iter(mods.values()))["num_cells_by_type"])


def report_resources(r: dict, folder: Path = Path(".")) -> str:
    """SPEC 3 for every synthesis flow: resources.json in the work root; returns the RESOURCES line."""
    write_text(Path(folder) / "resources.json", json.dumps(r, indent=1) + "\n")
    return lines.resources(r)
