"""`qmlp bench --dry-run` says what it would do; nothing in its output reads as a measurement
(issue 24: no figures that nothing measured)."""

import json
import os
import re
import subprocess
import sys


def test_dry_run_prints_plans_not_results(tmp_path):
    res = subprocess.run([sys.executable, "-m", "qmlp.cli", "bench", "--dry-run", "--quick", "--bits", "w4a4,w2a2",
                          "--build", str(tmp_path / "b"), "-q"], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, QMLP_BUILD=str(tmp_path / "unused")))
    assert res.returncode == 0, res.stderr[-2000:]
    err = res.stderr
    # no result wording: no Yosys figures, no Verilator verdicts, no "N syntheses run" with N > 0
    assert "-> Yosys" not in err and "pass=" not in err and "images=" not in err, err
    assert not re.search(r"\b[1-9]\d* syntheses run", err), err
    assert re.search(r"0 syntheses run \(dry run: [1-9]\d* planned\)", err), err
    assert "would synthesize" in err and "would simulate" in err and "reproduce:" not in err, err
    # the BENCH line: one field per searched width, each a number (`na` would mean nothing fits)
    bench = [ln for ln in res.stdout.splitlines() if ln.startswith("BENCH ")]
    assert len(bench) == 1, res.stdout
    fields = dict(f.split("=", 1) for f in bench[0].split()[1:])
    assert set(fields) == {"w4a4_cycles_per_image", "w2a2_cycles_per_image", "json"}, bench
    assert all(fields[k].isdigit() for k in fields if k != "json"), bench
    data = json.loads((tmp_path / "b" / "bench-dry-run" / "bench.json").read_text())
    assert data["dry_run"] is True and data["syntheses_run"] == 0 and data["simulations_run"] == 0
    assert data["syntheses_planned"] > 0
    assert not (tmp_path / "unused").exists()
