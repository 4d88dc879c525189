"""What the netlist targets' steps share: the work root's folders, time limits, messages."""

from __future__ import annotations

import os
from pathlib import Path

OUT = Path("qmlp_netlist")
FLOW_TIMEOUT = float(os.environ.get("QMLP_NETLIST_FLOW_TIMEOUT", 3600))
SIM_TIMEOUT = float(os.environ.get("QMLP_NETLIST_SIM_TIMEOUT", 3600))


def _say(msg: str) -> None:
    print(f"qmlp netlist: {msg}", flush=True)


STATE = OUT / "state.json"
SYNTH_DIR = OUT / "synth"
# the pnr_ecp5 target whose Yosys and nextpnr options sim_pnr_ecp5 repeats (read from the core file)
PNR_TARGET = "pnr_ecp5"


def _last(text: str, prefer: str | None = None) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if prefer:
        for ln in lines:
            if ln.startswith(prefer):
                return ln
    for ln in lines:
        if ln.startswith(("ERROR", "Error", "%Error")) or "error:" in ln.lower():
            return ln
    return lines[-1] if lines else "(no output)"
