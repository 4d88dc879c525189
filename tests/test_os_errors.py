"""Operating-system errors at qmlp's CLI boundary: one line naming the path and the cause, exit 2,
no traceback (issue 24). Run as root with privileges dropped to nobody on a read-only folder."""

import os

import pytest
from nobody import as_nobody as _as_nobody
from nobody import skip_unless_possible


@pytest.fixture(autouse=True)
def _nobody_can_run_qmlp():
    skip_unless_possible()


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
