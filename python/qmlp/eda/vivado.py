"""Vivado side of the `synth_vivado` targets: a PATH check and the report parsers.

    qmlp hook vivado-check
        exits 2 with a clear message when `vivado` is not on PATH (pre_build hook)
    qmlp hook vivado-resources UTILIZATION.rpt TIMING.rpt
        prints `TIMING wns=<ns> fmax=<MHz> period=<ns>` and then the SPEC 3 line
        `RESOURCES lut=<n> ff=<n> dsp=<n> bram18=<n>`, and writes resources.json in cwd

The reports are Vivado's `report_utilization` and `report_timing_summary` text after
route_design (flows/vivado/qmlp_vivado_impl.tcl). BRAM: Vivado counts "Block RAM Tile"s, one per
RAMB36 and half a tile per RAMB18; bram18 = 2 x tiles (SPEC 3: a BRAM36 counts as 2 BRAM18).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from qmlp.errors import QmlpError
from qmlp.eda.resources import report_resources

_NO_VIVADO = (
    "vivado not found on PATH: the synth_vivado target needs AMD Vivado (2020.1 or newer; the free "
    "Standard edition covers xc7z020) with its settings64.sh sourced. Without Vivado, use "
    "`fusesoc run --target synth <core>` for the Yosys estimate"
)


def check() -> str:
    exe = shutil.which("vivado")
    if exe is None:
        raise QmlpError(_NO_VIVADO)
    return exe


def _read(path: Path, what: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except OSError as e:
        raise QmlpError(f"{path}: cannot read the {what} report ({e.strerror})") from None


def _header(text: str, key: str) -> str | None:
    """A value of the report header, e.g. `| Design State : Routed`."""
    m = re.search(rf"^\|\s*{key}\s*:\s*(.*?)\s*$", text, re.M)
    return m.group(1) if m else None


def _used(text: str, site: str) -> float | None:
    """The Used column of the first table row named `site` (regex; a trailing '*' allowed)."""
    m = re.search(rf"^\|\s*(?:{site})\*?\s*\|\s*([0-9.]+)\s*\|", text, re.M)
    return float(m.group(1)) if m else None


def parse_utilization(text: str, path: str = "utilization report") -> dict:
    """report_utilization of a 7-series design (UltraScale's CLB names accepted too)."""
    rows = {"lut": r"Slice LUTs|CLB LUTs", "ff": r"Slice Registers|CLB Registers", "dsp": r"DSPs",
            "bram_tiles": r"Block RAM Tile"}
    got = {k: _used(text, v) for k, v in rows.items()}
    missing = [rows[k].split("|")[0] for k, v in got.items() if v is None]
    if missing:
        raise QmlpError(f"{path}: not a Vivado report_utilization text (no {', '.join(missing)} row)")
    tiles = got["bram_tiles"]
    if (2 * tiles) % 1:
        raise QmlpError(f"{path}: Block RAM Tile count {tiles} is not a multiple of 0.5")
    return {
        "lut": int(got["lut"]), "ff": int(got["ff"]), "dsp": int(got["dsp"]), "bram18": int(2 * tiles),
        "lut_logic": int(_used(text, "LUT as Logic") or 0), "lut_memory": int(_used(text, "LUT as Memory") or 0),
        "bram_tiles": tiles, "bonded_iob": int(_used(text, "Bonded IOB") or 0),
        "part": _header(text, "Device"), "design_state": _header(text, "Design State"),
    }


def _number(s: str) -> float | None:
    try:
        return float(s)
    except ValueError:
        return None  # NA (no constrained paths) or inf


def _section(text: str, title: str) -> list[str]:
    """Lines of a report_timing_summary section, from its `| <title>` banner to the next banner."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == f"| {title}":
            out = []
            for line2 in lines[i + 1:]:
                if line2.startswith("| ") and not line2.startswith("| -"):
                    break
                out.append(line2)
            return out
    return []


def parse_timing(text: str, path: str = "timing report") -> dict:
    """report_timing_summary: design WNS/TNS/WHS and the primary clock (ap_clk if there are several)."""
    body = _section(text, "Design Timing Summary")
    head = next((i for i, line in enumerate(body) if "WNS(ns)" in line), None)
    if head is None or head + 2 >= len(body):
        raise QmlpError(f"{path}: not a Vivado report_timing_summary text (no Design Timing Summary table)")
    names = re.split(r"\s{2,}", body[head].strip())
    values = body[head + 2].split()
    if len(values) != len(names):
        raise QmlpError(f"{path}: cannot read the Design Timing Summary table")
    summary = dict(zip(names, values))

    clocks = []  # (name, period): rows of the Clock Summary; generated clocks are indented
    for line in _section(text, "Clock Summary"):
        m = re.match(r"^(\S+)\s+\{[^}]*\}\s+([0-9.]+)\s+[0-9.]+\s*$", line)
        if m:
            clocks.append((m.group(1), float(m.group(2))))
    clock, period = next((c for c in clocks if c[0] == "ap_clk"), clocks[0] if clocks else (None, None))

    wns, whs = _number(summary["WNS(ns)"]), _number(summary.get("WHS(ns)", "NA"))
    failing = _number(summary.get("TNS Failing Endpoints", "NA"))
    fmax = None
    if wns is not None and period is not None and period - wns > 0:
        fmax = round(1000.0 / (period - wns), 2)
    return {"wns_ns": wns, "tns_ns": _number(summary["TNS(ns)"]), "whs_ns": whs,
            "failing_endpoints": None if failing is None else int(failing),
            "clock": clock, "period_ns": period, "fmax_mhz": fmax,
            "timing_met": wns is not None and wns >= 0 and (whs is None or whs >= 0)}


def _fmt(v, digits: int) -> str:
    return "na" if v is None else f"{v:.{digits}f}"


def timing_line(t: dict) -> str:
    return f"TIMING wns={_fmt(t['wns_ns'], 3)} fmax={_fmt(t['fmax_mhz'], 2)} period={_fmt(t['period_ns'], 3)}"


def resources(util_path: Path, timing_path: Path) -> dict:
    r = parse_utilization(_read(util_path, "utilization"), str(util_path))
    r.update(parse_timing(_read(timing_path, "timing"), str(timing_path)))
    r["tool"] = "vivado"
    return r


def report(util_path: Path, timing_path: Path) -> str:
    """`qmlp hook vivado-resources`: warnings, the TIMING line, resources.json; returns the RESOURCES line."""
    r = resources(util_path, timing_path)
    if r["design_state"] not in (None, "Routed"):
        print(f"WARNING: {util_path}: design state is {r['design_state']}, not Routed", file=sys.stderr)
    if r["bonded_iob"]:
        print(f"WARNING: {r['bonded_iob']} bonded IOBs used: the block was not implemented out of context",
              file=sys.stderr)
    if r["wns_ns"] is None:
        print(f"WARNING: {timing_path}: no timed paths (is ap_clk constrained?)", file=sys.stderr)
    elif not r["timing_met"]:
        print(f"WARNING: {timing_path}: timing not met at {_fmt(r['period_ns'], 3)} ns", file=sys.stderr)
    print(timing_line(r), flush=True)
    return report_resources(r)
