"""Run FuseSoC targets and read the SPEC 3 summary lines they print."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import repo_root
from .errors import QmlpError

_LINE = re.compile(r"^(RESULT|RESOURCES) (.*)$")


@dataclass
class RunResult:
    core: str
    target: str
    returncode: int
    seconds: float
    kind: str | None = None              # RESULT or RESOURCES
    fields: dict = field(default_factory=dict)
    output: str = ""


def parse_summary(text: str) -> tuple[str | None, dict]:
    """The last RESULT/RESOURCES line of a run as (kind, {key: value})."""
    kind, fields = None, {}
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if m:
            kind = m.group(1)
            fields = dict(kv.split("=", 1) for kv in m.group(2).split() if "=" in kv)
    return kind, fields


def fusesoc_env() -> dict:
    """PATH with the venv's bin first, so that hooks find python3 with qmlp installed."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env


def run_fusesoc(core: str, target: str, params: dict | None = None, timeout: float | None = None,
                stages: list[str] | None = None, build_root: Path | None = None) -> RunResult:
    """`fusesoc run --target <target> [stages] <core> --P=v ...` from the repo root.

    build_root: a work folder of its own, so that runs of one core with other parameters can
    go side by side (the default build/<core>/<target> is shared by every run of a target).
    On a timeout the whole process group (make, the simulator) is killed, not only fusesoc.
    """
    cwd = repo_root() or Path.cwd()
    exe = shutil.which("fusesoc", path=fusesoc_env()["PATH"])
    if exe is None:
        raise QmlpError("fusesoc not found: run `make setup` and put .venv/bin on PATH")
    cmd = [exe, "run", *(["--build-root", str(build_root)] if build_root else []), "--target", target,
           *(stages or []), core]
    cmd += [f"--{k}={v}" for k, v in (params or {}).items()]
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=fusesoc_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise QmlpError(f"{' '.join(cmd)} timed out after {timeout} s") from None
    kind, fields = parse_summary(out)
    return RunResult(core, target, p.returncode, time.perf_counter() - t0, kind, fields, out + err)


def run_checked(core: str, target: str, params: dict | None = None, what: str = "RESULT",
                build_root: Path | None = None, timeout: float = 3600) -> dict:
    """run_fusesoc that must succeed: the summary fields (plus wall_s and latency when printed),
    or a QmlpError with the end of the output."""
    res = run_fusesoc(core, target, params, timeout=timeout, build_root=build_root)
    if res.returncode != 0 or res.kind != what or (what == "RESULT" and res.fields.get("pass") != "1"):
        tail = "\n".join(res.output.strip().splitlines()[-15:])
        raise QmlpError(f"fusesoc run --target {target} {core} failed:\n{tail}")
    r = dict(res.fields)
    r["wall_s"] = round(res.seconds, 1)
    for line in res.output.splitlines():
        if line.startswith("latency="):
            r["latency"] = int(line.split("=")[1].split()[0])
    return r
