"""`qmlp hook netlist-sim run`: FuseSoC's run step of a netlist target, the RESULT line with netlist=."""

from __future__ import annotations

from pathlib import Path

from qmlp.eda.netlist.common import SIM_TIMEOUT, STATE, _last, _say
from qmlp.eda.runner import run_tool
from qmlp.errors import QmlpError


def fail_line(state: dict) -> str:
    lab = state.get("label", "yosys-xc7")
    if state.get("accel"):
        return f"RESULT pass=0 images=0 mismatches=0 accuracy=0.00 cycles_per_image=0 netlist={lab}"
    return f"RESULT pass=0 vectors=0 mismatches=0 cycles=0 netlist={lab}"


def run(plusargs: list[str]) -> int:
    """`qmlp hook netlist-sim run [+K=V ...]`: the compiled netlist simulation, RESULT with netlist=."""
    import json

    try:
        state = json.loads(STATE.read_text())
    except (OSError, ValueError):
        print("qmlp netlist: error: no netlist build in this work root (qmlp_netlist/state.json)", flush=True)
        print("RESULT pass=0 netlist=none", flush=True)
        return 1
    if state.get("error") or not state.get("sim"):
        print(f"qmlp netlist: error: {state.get('error') or 'no simulation was built'}", flush=True)
        print(fail_line(state), flush=True)
        return 1
    own = ("+NETLIST_SIM=", "+FAULT=", "+ROUTE=")
    cmd = state["sim"] + [a for a in plusargs if not a.startswith(own)]
    _say(f"simulating: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}")
    try:
        r = run_tool(cmd, timeout=SIM_TIMEOUT, what="netlist simulation")
        rc, out = r.returncode, r.output
    except QmlpError as e:
        print(f"qmlp netlist: error: {str(e).splitlines()[0]}", flush=True)
        print(fail_line(state), flush=True)
        return 1
    result = None
    for ln in out.splitlines():
        if ln.startswith("RESULT "):
            result = ln
            continue
        print(ln, flush=True)
    if result is None:
        print(f"qmlp netlist: error: the testbench printed no RESULT line (exit {rc}): {_last(out)}", flush=True)
        print(fail_line(state), flush=True)
        return 1
    ok = " pass=1 " in result + " " and rc == 0
    if rc != 0 and " pass=1 " in result + " ":
        result = result.replace("pass=1", "pass=0", 1)
        print(f"qmlp netlist: error: the simulation exited {rc} after a passing RESULT line", flush=True)
    print(f"{result} netlist={state['label']}", flush=True)
    return 0 if ok else 1
