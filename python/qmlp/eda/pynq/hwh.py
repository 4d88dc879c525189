"""After Vivado: the overlay's hardware handoff (.hwh) checked against the block design's
constants, and the `qmlp hook pynq-report` step (files, timing, resources)."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from qmlp.eda.pynq.board import ADDR, CELLS, CONFIG, DMA_LENGTH_BITS, OUT, RANGE, STREAM_BITS, fclk_actual
from qmlp.eda.pynq.tcl import read_config
from qmlp.errors import QmlpError


def check_hwh(text: str, path: str = "hwh") -> list[str]:
    """Compare Vivado's hardware handoff with what the driver expects; returns warnings.

    Raises on a wrong value (an address, a DMA setting); a layout it does not know is a
    warning: the check is not worth failing a finished bitstream over."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise QmlpError(f"{path}: not XML ({e}): not a Vivado hardware handoff file") from None
    mods = {m.get("INSTANCE"): m for m in root.iter("MODULE")}
    warn = []
    for cell in (CELLS["ps7"], CELLS["dma"], CELLS["core"]):
        if cell not in mods:
            raise QmlpError(f"{path}: no MODULE {cell}: the driver looks for the cell names {', '.join(CELLS.values())}")
    # Vivado writes the IP's parameters as C_* and again as c_* (what pynq's own parser reads): one
    # check for either spelling, and two spellings that disagree are an error
    dma = {}
    for prm in mods[CELLS["dma"]].iter("PARAMETER"):
        name, value = (prm.get("NAME") or "").upper(), prm.get("VALUE")
        if name in dma and dma[name] != value:
            raise QmlpError(f"{path}: {CELLS['dma']} gives {name} twice, as {dma[name]} and {value}")
        dma[name] = value
    for k, want in (("C_INCLUDE_SG", "0"), ("C_SG_LENGTH_WIDTH", str(DMA_LENGTH_BITS)),
                    ("C_M_AXIS_MM2S_TDATA_WIDTH", str(STREAM_BITS)), ("C_S_AXIS_S2MM_TDATA_WIDTH", str(STREAM_BITS)),
                    ("C_INCLUDE_MM2S", "1"), ("C_INCLUDE_S2MM", "1")):
        if k not in dma:
            warn.append(f"{path}: {CELLS['dma']} has no parameter {k} (not checked)")
        elif dma[k] != want:
            raise QmlpError(f"{path}: {CELLS['dma']} {k} is {dma[k]}, the driver needs {want}")
    ranges = {}
    for r in mods[CELLS["ps7"]].iter("MEMRANGE"):
        ranges[r.get("INSTANCE")] = (r.get("BASEVALUE"), r.get("HIGHVALUE"))
    for what in ("dma", "core"):
        cell = CELLS[what]
        if cell not in ranges:
            warn.append(f"{path}: no MEMRANGE of {cell} under {CELLS['ps7']} (address not checked)")
            continue
        try:
            base, high = (int(x, 16) for x in ranges[cell])
        except (TypeError, ValueError):
            warn.append(f"{path}: MEMRANGE of {cell} is {ranges[cell]} (not read)")
            continue
        if (base, high) != (ADDR[what], ADDR[what] + RANGE - 1):
            raise QmlpError(f"{path}: {cell} is at 0x{base:08X}..0x{high:08X}, the block design asked for "
                            f"0x{ADDR[what]:08X}..0x{ADDR[what] + RANGE - 1:08X}")
    return warn


def report(work_root: Path = Path(".")) -> str:
    """`qmlp hook pynq-report`: the overlay's files and figures; returns the RESOURCES line."""
    from qmlp.eda import vivado
    from qmlp.eda.resources import report_resources

    work_root = Path(work_root)
    cfg = read_config(work_root / CONFIG)
    name = cfg["name"]
    bit, hwh = work_root / f"{name}.bit", work_root / f"{name}.hwh"
    missing = [str(p) for p in (bit, hwh) if not p.is_file()]
    if missing:
        raise QmlpError(f"Vivado finished without {' and '.join(missing)}: see {work_root.resolve() / OUT}/vivado.log")
    for w in check_hwh(hwh.read_text(errors="replace"), str(hwh)):
        print(f"WARNING: {w}", file=sys.stderr)
    r = vivado.resources(work_root / OUT / "utilization.rpt", work_root / OUT / "timing.rpt")
    r.update({"tool": "vivado (pynq_z2 block design)", "bit": str(bit.resolve()), "hwh": str(hwh.resolve()),
              "fclk_mhz": int(cfg["fclk_mhz"])})
    want_ns = 1000.0 / fclk_actual(int(cfg["fclk_mhz"]))
    if r["period_ns"] is not None and abs(r["period_ns"] - want_ns) > 0.01 * want_ns:
        print(f"WARNING: the timing report's clock {r['clock']} has a {r['period_ns']:.3f} ns period, FCLK0 "
              f"{cfg['fclk_mhz']} MHz is {want_ns:.3f} ns", file=sys.stderr)
    print(f"OVERLAY bit={bit.resolve()} hwh={hwh.resolve()} fclk_mhz={cfg['fclk_mhz']}", flush=True)
    print(vivado.timing_line(r), flush=True)
    line = report_resources(r, work_root)
    if not r["timing_met"]:
        print(line, flush=True)
        raise QmlpError(f"timing not met at FCLK0 = {cfg['fclk_mhz']} MHz (WNS {r['wns_ns']} ns): {bit} is written but "
                        "may compute wrong results on the board; rebuild with a lower --FCLK_MHZ")
    return line
