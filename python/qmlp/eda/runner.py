"""One runner for every external tool: fusesoc, g++, the C simulation binaries, vitis_hls.

`run_tool` starts a command in its own process group with a time limit; on a timeout (or
Ctrl-C) the whole group is killed (make, the simulator, the compiler), not only the child,
and the failure is one QmlpError that names the command. `run_fusesoc` builds the fusesoc
command line for a core, target and parameters, gives every parameter set its own build root
by default (FuseSoC's own work root, build/<core>/<target>, is shared by every run of a
target whatever its parameters) and reads the SPEC 3 summary line (qmlp.lines).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from qmlp import lines
from qmlp.config import repo_root
from qmlp.errors import QmlpError

DEFAULT_TIMEOUT = 3600.0


@dataclass
class ToolResult:
    cmd: list[str]
    returncode: int
    seconds: float
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def tool_env(extra: dict | None = None) -> dict:
    """The environment for tools: the venv's bin first on PATH (hooks call `qmlp` and `python3`)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.update(extra or {})
    return env


def which(name: str) -> str | None:
    return shutil.which(name, path=tool_env()["PATH"])


def run_tool(cmd: list, timeout: float | None = DEFAULT_TIMEOUT, cwd=None, env: dict | None = None,
             stdout=None, check: bool = False, what: str | None = None) -> ToolResult:
    """Run cmd; its output captured (or sent to the open file `stdout`, stderr with it).

    timeout: seconds (None: no limit, only for commands a user waits on interactively).
    check: a non-zero exit is a QmlpError with the end of the output.
    """
    cmd = [str(c) for c in cmd]
    what = what or Path(cmd[0]).name
    if shutil.which(cmd[0], path=tool_env(env)["PATH"]) is None and not Path(cmd[0]).is_file():
        raise QmlpError(f"{cmd[0]} not found on PATH (make setup installs the open tools; see README)")
    t0 = time.perf_counter()
    # errors="replace": a tool's output is not always UTF-8 (two make jobs' compiler messages
    # interleaved mid-character stopped a netlist build with a UnicodeDecodeError)
    p = subprocess.Popen(cmd, cwd=cwd, env=tool_env(env), text=True, errors="replace", start_new_session=True,
                         stdout=stdout if stdout is not None else subprocess.PIPE,
                         stderr=subprocess.STDOUT if stdout is not None else subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(p)
        raise QmlpError(f"{what} timed out after {timeout:.0f} s: {' '.join(cmd)}") from None
    except BaseException:
        _kill(p)
        raise
    res = ToolResult(cmd, p.returncode, time.perf_counter() - t0, out or "", err or "")
    if check and res.returncode != 0:
        tail = "\n".join(res.output.strip().splitlines()[-20:])
        raise QmlpError(f"{what} failed (exit {res.returncode}): {' '.join(cmd)}\n{tail}")
    return res


def _kill(p: subprocess.Popen) -> None:
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.communicate()


# ----------------------------------------------------------------------------- fusesoc

@dataclass
class RunResult:
    core: str
    target: str
    returncode: int
    seconds: float
    kind: str | None = None              # RESULT or RESOURCES
    fields: dict = field(default_factory=dict)
    output: str = ""
    work_root: Path | None = None


def default_build_root(core: str, target: str, params: dict | None) -> Path:
    """BUILD/runs/<core>/<target>/<hash of the parameters>: a folder per design point
    (BUILD: $QMLP_BUILD, else <repo>/build/qmlp)."""
    from qmlp.config import default_build_dir

    root = default_build_dir() / "runs"
    key = hashlib.sha256(json.dumps(sorted((params or {}).items()), default=str).encode()).hexdigest()[:12]
    return root / core.replace(":", "_") / target / key


def run_fusesoc(core: str, target: str, params: dict | None = None, timeout: float | None = DEFAULT_TIMEOUT,
                stages: list[str] | None = None, build_root: Path | None = None, env: dict | None = None) -> RunResult:
    """`fusesoc run --build-root R --target <target> [stages] <core> --P=v ...` from the repo root."""
    cwd = repo_root() or Path.cwd()
    exe = which("fusesoc")
    if exe is None:
        raise QmlpError("fusesoc not found: run `make setup` and put .venv/bin on PATH")
    build_root = Path(build_root) if build_root else default_build_root(core, target, params)
    cmd = [exe, "run", "--build-root", str(build_root), "--target", target, *(stages or []), core]
    cmd += [f"--{k}={','.join(map(str, v)) if isinstance(v, (list, tuple)) else v}" for k, v in (params or {}).items()]
    res = run_tool(cmd, timeout=timeout, cwd=cwd, env=env, what=f"fusesoc run --target {target} {core}")
    kind, fields = lines.parse(res.stdout)
    work = build_root / core_dir(core) / target
    return RunResult(core, target, res.returncode, res.seconds, kind, fields, res.output, work)


def core_dir(core: str) -> str:
    """FuseSoC's folder name for a core: qmlp:accel:mlp -> qmlp_accel_mlp_0.1.0."""
    parts = core.split(":")
    name = "_".join(parts[:3])
    return f"{name}_{parts[3] if len(parts) > 3 else '0.1.0'}"


_REASONS = (re.compile(r"^qmlp hook: error: (.*)$"), re.compile(r"^(ERROR: .*)$"),
            re.compile(r"^(MISMATCH .*)$"), re.compile(r"^(RESULT pass=0 .*)$"), re.compile(r"^(%Error.*)$"))


def failure_reason(output: str) -> str | None:
    """The first line of a failed run that qmlp or a testbench wrote to say why, if any."""
    for pat in _REASONS:
        for ln in output.splitlines():
            m = pat.match(ln.strip())
            if m and not ln.startswith("ERROR: Failed to"):
                return m.group(1)
    return None


def run_checked(core: str, target: str, params: dict | None = None, what: str = "RESULT",
                build_root: Path | None = None, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """run_fusesoc that must succeed: the summary fields (plus wall_s and latency when printed),
    or a QmlpError with the end of the output."""
    res = run_fusesoc(core, target, params, timeout=timeout, build_root=build_root)
    if res.returncode != 0 or res.kind != what or (what == "RESULT" and res.fields.get("pass") != "1"):
        tail = "\n".join(res.output.strip().splitlines()[-15:])
        # the reason qmlp found comes last, not above make's and fusesoc's own error lines
        reason = failure_reason(res.output)
        raise QmlpError(f"fusesoc run --target {target} {core} failed (work root {res.work_root}):\n{tail}"
                        + (f"\n{reason}" if reason else ""))
    r = dict(res.fields)
    r["wall_s"] = round(res.seconds, 1)
    r["work_root"] = str(res.work_root)
    for ln in res.output.splitlines():
        if ln.startswith("latency="):
            r["latency"] = int(ln.split("=")[1].split()[0])
    return r
