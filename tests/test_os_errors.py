"""Operating-system errors at qmlp's CLI boundary: one line naming the path and the cause, exit 2,
no traceback (issue 24). Run as root with privileges dropped to nobody on a read-only folder."""

import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(shutil.which("setpriv") is None or os.geteuid() != 0,
                                reason="needs setpriv and root, to drop privileges onto a folder nobody can write")


def _as_nobody(args, cwd, env_extra=None):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env_extra or {}))
    return subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           sys.executable, "-m", "qmlp.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_unwritable_bench_folder_is_one_line(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(ro, 0o555)                    # nobody may enter it, not write it
    res = _as_nobody(["bench", "--dry-run", "--quick", "--bits", "w2a2", "--build", str(ro), "-q"], cwd="/",
                     env_extra={"QMLP_BUILD": str(ro), "MPLCONFIGDIR": "/tmp"})
    assert res.returncode == 2, (res.returncode, res.stderr[-2000:])
    err = res.stderr.strip().splitlines()
    assert "Traceback" not in res.stderr and len(err) == 1, res.stderr[-2000:]
    assert err[0].startswith("qmlp bench: error: ") and str(ro) in err[0], err[0]
    assert "ermission denied" in err[0] or "not writable" in err[0] or "cannot" in err[0], err[0]
