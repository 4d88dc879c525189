"""Run Vitis HLS (or Vivado HLS) on a qmlp kernel: flows/vitis_hls/run_hls.tcl, cached by inputs.

Needs `vitis_hls` or `vivado_hls` on PATH (source the Xilinx settings64.sh first). Nothing here
runs on a machine without them; qmlp.hls_gen falls back to a solution folder or XLS, or stops.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from qmlp.config import repo_root
from qmlp.hls.csim import defines, src_dir
from qmlp.eda.runner import run_tool
from qmlp.errors import QmlpError
from qmlp.hw.vectors import MatmulParams

TOOLS = ("vitis_hls", "vivado_hls")
PART = "xc7z020clg400-1"
CLOCK_NS = 10


def find_tool() -> str | None:
    for t in TOOLS:
        path = shutil.which(t)
        if path:
            return path
    return None


def flow_script() -> Path:
    root = repo_root()
    tcl = root / "flows" / "vitis_hls" / "run_hls.tcl" if root else None
    if tcl is None or not tcl.is_file():
        raise QmlpError("flows/vitis_hls/run_hls.tcl not found: the Vitis flow runs from a qmlp checkout")
    return tcl


def command(tool: str, p: MatmulParams, project: str = "proj", part: str = PART, clock_ns: float = CLOCK_NS) -> list[str]:
    return [tool, "-f", str(flow_script()), "-tclargs", p.kind, str(src_dir()), project, part, str(clock_ns),
            *defines(p)]


def run(p: MatmulParams, tool: str, cache: Path, log=print) -> Path:
    """C synthesis + export of p's kernel; returns the solution folder (reused when inputs match)."""
    src = src_dir()
    key = hashlib.sha256()
    for f in sorted(src.glob("*")) + [flow_script()]:
        key.update(f.name.encode() + f.read_bytes())
    key.update(json.dumps([Path(tool).name, defines(p), PART, CLOCK_NS, p.kind]).encode())
    work = Path(cache) / f"{p.kind}-{key.hexdigest()[:16]}"
    solution = work / "proj" / "solution1"
    stamp = work / "done"
    if stamp.is_file() and solution.is_dir():
        log(f"qmlp.hls: reusing the {Path(tool).name} run in {work}")
        return solution
    work.mkdir(parents=True, exist_ok=True)
    if Path(tool).name == "vivado_hls":
        log("qmlp.hls: WARNING: vivado_hls may not understand the Vitis HLS 2021.1+ pragma syntax of the kernels "
            "(mode=, type=); check the log for ignored pragmas")
    cmd = command(tool, p)
    log(f"qmlp.hls: running {' '.join(cmd)} in {work} (log: {work / 'hls_run.log'})")
    with open(work / "hls_run.log", "w") as fh:
        r = run_tool(cmd, timeout=4 * 3600, cwd=work, stdout=fh, what=Path(tool).name)
    text = (work / "hls_run.log").read_text(errors="replace")
    for line in text.splitlines():
        if line.startswith("HLS "):
            log(line)
    if r.returncode != 0 or not solution.is_dir():
        tail = "\n".join(text.splitlines()[-30:])
        raise QmlpError(f"{Path(tool).name} failed (exit {r.returncode}); last lines of {work / 'hls_run.log'}:\n{tail}")
    stamp.write_text(" ".join(cmd) + "\n")
    return solution
