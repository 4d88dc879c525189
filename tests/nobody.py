"""Running qmlp's CLI as an unprivileged user (nobody), for the tests of folders it may not write.

Needs root and setpriv, and a checkout that nobody may read: a clone inside a `mktemp -d` folder
(mode 0700) is not, and qmlp cannot even be imported there; those tests then skip and say so.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys

import pytest

_DROP = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_nobody(args, cwd, env_extra=None) -> subprocess.CompletedProcess:
    """`python -m qmlp.cli ARGS` as nobody: its exit code, stdout and stderr."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "MPLCONFIGDIR": "/tmp", **(env_extra or {})}
    return subprocess.run([*_DROP, sys.executable, "-m", "qmlp.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@functools.lru_cache(maxsize=1)
def why_not() -> str | None:
    """Why these tests cannot run here, or None."""
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        return "needs setpriv and root, to drop privileges onto a folder nobody can write"
    r = subprocess.run([*_DROP, sys.executable, "-c", "import qmlp.cli"], cwd="/", capture_output=True, text=True,
                       timeout=120)
    if r.returncode != 0:
        return ("an unprivileged user cannot import qmlp from this checkout (is it inside a folder only root may "
                "read, such as a `mktemp -d` one? chmod 755 that folder)")
    return None


def skip_unless_possible() -> None:
    """Skip the calling test, naming why, where nobody cannot run qmlp here."""
    why = why_not()
    if why:
        pytest.skip(why)
