"""The report's ECP5 timing table: routed, missed and unrouted runs are all shown as they are."""

from __future__ import annotations

import json

from test_bench_report import _fake_results


def _pnr(fmax, ok, **kw):
    return {"routed": True, "fmax_mhz": fmax, "target_mhz": 100.0, "timing_pass": ok, "lut": 313, "ff": 143,
            "dsp": 1, "bram18": 0, "wall_s": 13.0, "params": {"TARGET_MHZ": 100}, **kw}


def test_timing_table_rates_and_verdicts():
    from qmlp.flow.report_md import render

    r = _fake_results()
    s = r["steps"]
    s["pnr_i8"] = _pnr(152.98, True)
    s["pnr_f32"] = _pnr(50.08, False)
    s["pnr_f32i8"] = {"routed": False, "reason": "fusesoc run timed out after 3600 s", "params": {"TARGET_MHZ": 100}}
    s["pnr_accel"] = _pnr(125.0, True, cycles_per_image=784, params={"PE": "8,16,1", "SIMD": "16,1,1",
                                                                       "TARGET_MHZ": 100})
    md = render(json.loads(json.dumps(r)))
    row = next(ln for ln in md.splitlines() if ln.startswith("| `qmlp:accel:mlp`"))
    # images/s = fmax / cycles per image: 125 MHz / 784 = 159,439
    assert "--PE=8,16,1 --SIMD=16,1,1" in row and "| 125.00 | pass |" in row and "159,439 images/s" in row
    i8 = next(ln for ln in md.splitlines() if ln.startswith("| `qmlp:ip:matmul_i8`"))
    # 157 blocks of 524,292 cycles at 152.98 MHz
    assert "| 152.98 | pass |" in i8 and "in 0.54 s" in i8
    assert "| 50.08 | miss |" in md and "not routed: fusesoc run timed out" in md
    assert "110 s (int8 layer 2, board)" in md
    assert md.count("\n|---") == 9


def test_report_has_a_pnr_step_per_core_with_declared_inputs():
    from qmlp.config import Paths
    from qmlp.flow.report import PNR_ACCEL, steps

    st = {s.name: s for s in steps(Paths())}
    for k in ("i8", "f32i8", "f32", "accel"):
        assert f"pnr_{k}" in st and st[f"pnr_{k}"].heavy
    acc = st["pnr_accel"]
    assert "qmlp:accel:mlp" in acc.cores and acc.params["PE"] == PNR_ACCEL["PE"]
