"""Run FuseSoC targets and read the SPEC 3 summary lines they print."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
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

    @property
    def passed(self) -> bool:
        return self.returncode == 0 and self.fields.get("pass") == "1"


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
    venv_bin = str(Path(os.sys.executable).parent)
    env["PATH"] = venv_bin + os.pathsep + env.get("PATH", "")
    return env


def run_fusesoc(core: str, target: str, params: dict | None = None, extra: list[str] | None = None,
                cwd: Path | None = None, timeout: float | None = None, stages: list[str] | None = None,
                build_root: Path | None = None) -> RunResult:
    """`fusesoc run --target <target> [stages] <core> --P=v ...` from the repo root.

    build_root: a work folder of its own, so that runs of one core with other parameters can
    go side by side (the default build/<core>/<target> is shared by every run of a target).
    """
    cwd = Path(cwd or repo_root() or Path.cwd())
    exe = shutil.which("fusesoc", path=fusesoc_env()["PATH"])
    if exe is None:
        raise QmlpError("fusesoc not found: run `make setup` and put .venv/bin on PATH")
    cmd = [exe, "run", *(["--build-root", str(build_root)] if build_root else []), "--target", target,
           *(stages or []), core]
    cmd += [f"--{k}={v}" for k, v in (params or {}).items()]
    cmd += extra or []
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=fusesoc_env(), capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise QmlpError(f"{' '.join(cmd)} timed out after {timeout} s") from e
    out = p.stdout + p.stderr
    kind, fields = parse_summary(p.stdout)
    return RunResult(core, target, p.returncode, time.perf_counter() - t0, kind, fields, out)
