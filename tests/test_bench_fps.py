"""`qmlp bench --fps N --clock MHz --device xc7z020|lfe5u-85f`: the smallest design that meets a
throughput target, beside the fastest that fits, on either device.

The search runs with cheap evaluators (the analytic model as 'Yosys' or 'nextpnr', a passing
'Verilator'); the real evaluators are exercised by tests/test_accel.py (synth) and
tests/test_ecp5.py (pnr_ecp5). What is checked here is the search's logic: the cycle budget, which
candidate counts as smallest, that a route below the clock does not meet the target, the ECP5 block
counts, the FPS line and bench.json.
"""

from __future__ import annotations

import json

import pytest

from qmlp import lines
from qmlp.config import Paths
from qmlp.errors import QmlpError
from qmlp.eda import ecp5
from qmlp.flow import bench, dse

W2 = ((2, 2, 2), (2, 2))
QUIET = dict(log=lambda m: None)


def _opts(**kw):
    return dse.Options(**{"bit_widths": dse.BIT_WIDTHS[2:], "budget": 3, "chart": 0, "images": 0,
                          "winner_images": 20, **kw})


def test_meeting_is_within_the_budget_and_smallest_first():
    cands = dse.meeting(*W2, 100)
    assert cands and all(c.cycles_per_image <= 100 for c in cands)
    est = [dse.XC7.estimate(c) for c in cands]
    assert [(e["lut"], e["dsp"]) for e in est] == sorted((e["lut"], e["dsp"]) for e in est)
    # a looser budget admits slower, cheaper designs: the cheapest can only get cheaper
    loose = dse.meeting(*W2, 400)
    assert dse.XC7.estimate(loose[0])["lut"] <= est[0]["lut"]
    assert any(c.cycles_per_image > 100 for c in loose)


def test_smallest_meeting_the_target_beside_the_fastest(tmp_path):
    opts = _opts(fps=250_000, clock_mhz=100.0, budget=10)
    assert opts.max_cycles == 400
    res = dse.search(Paths(tmp_path), opts, dse.analytic_evaluate, {"w2a2": None}, **QUIET)
    fast, small = res.winners["w2a2"], res.fps["w2a2"]
    assert small is not None and small.cand.cycles_per_image <= 400 and small.fits
    # the smallest of the measured candidates that meet it: no measured point within the budget has fewer LUTs
    rivals = [p for p in res.points if p.fits and p.cand.cycles_per_image <= 400]
    assert min((p.resources["lut"], p.resources["dsp"]) for p in rivals) == \
        (small.resources["lut"], small.resources["dsp"])
    assert fast.cand.cycles_per_image < small.cand.cycles_per_image      # the fastest is faster, and larger
    assert fast.resources["lut"] > small.resources["lut"]
    assert small.sim and small.sim["pass"] == "1" and small.sim["images"] == "20"   # simulated like a winner


def test_no_design_meets_an_impossible_target(tmp_path):
    opts = _opts(bit_widths=dse.BIT_WIDTHS[:1], fps=5e6, clock_mhz=100.0)   # w8a8 in 20 cycles: no fit
    res = dse.search(Paths(tmp_path), opts, dse.analytic_evaluate, {"w8a8": None}, **QUIET)
    assert res.fps["w8a8"] is None and res.winners["w8a8"] is not None


def test_a_route_below_the_clock_does_not_meet_it(tmp_path):
    def slow_route(task):
        r = dse.analytic_evaluate(task)
        if task.target != "pnr_ecp5":
            return r
        assert task.pdict["TARGET_MHZ"] == 150
        return {**r, "fmax_mhz": 120.0, "timing_pass": False}

    opts = _opts(fps=1e6, clock_mhz=150.0, device=dse.ECP5)
    ok = [t for t in dse.search(Paths(tmp_path), opts, slow_route, {"w2a2": None}, **QUIET).fps.values()]
    assert ok == [None]                  # it fits, but at 120 MHz it does not make 1 M images/s


def test_ecp5_counts_its_own_blocks():
    c = dse.Candidate((8, 16, 1), (16, 1, 1), ("dsp",) * 3, (8, 8, 8), (8, 8))
    e = dse.ECP5.estimate(c)
    assert e["dsp"] == 145 == ecp5.counts({"PE": c.pe, "SIMD": c.simd, "MAC": c.mac, "WBITS": c.wbits,
                                           "ABITS": c.abits})["dsp"]
    assert dse.ECP5.fit["dsp"] == 156 and dse.ECP5.fit["bram18"] == 208 and dse.ECP5.fits(e)
    big = dse.Candidate((4, 16, 2), (49, 1, 1), ("dsp",) * 3, (8, 8, 8), (8, 8))
    assert dse.XC7.fits(dse.XC7.estimate(big)) and not dse.ECP5.plausible(dse.ECP5.estimate(big), 1.25)
    # the ECP5 plan holds only points within its own limits, among them the one routed before (784 cycles)
    plan = dse.plan((8, 8, 8), (8, 8), device=dse.ECP5)
    assert all(dse.ECP5.plausible(dse.ECP5.estimate(c), dse.MARGIN) for c in plan)
    assert 784 in [c.cycles_per_image for c in plan] and plan[0].cycles_per_image <= 784
    assert dse.Point(c, None, device=dse.ECP5, clock_mhz=150).command().endswith("--TARGET_MHZ=150")


def test_fps_line_and_json(tmp_path):
    opts = bench.options(bits=["w2a2"], fps=1e6, clock_mhz=100, device="lfe5u-85f")
    text = bench.run(Paths(tmp_path), opts, out_dir=tmp_path / "b", dry_run=True)
    fps, last = text.splitlines()
    assert last.startswith("BENCH ")                      # SPEC 3's line stays the last one
    kind, f = lines.parse(fps, "FPS")
    assert kind == "FPS" and f["target"] == "1000000" and f["clock_mhz"] == "100" and f["max_cycles"] == "100"
    assert f["device"] == "lfe5u-85f" and int(f["w2a2_cycles_per_image"]) <= 100
    data = json.loads((tmp_path / "b" / "bench.json").read_text())
    d = data["fps"]["designs"]["w2a2"]
    assert data["device"] == "lfe5u-85f" and data["fit_rule"]["dsp"] == 156
    assert d["images_per_s"] >= 1e6 and "--TARGET_MHZ=100" in d["command"]
    assert (tmp_path / "b" / "pareto.png").stat().st_size > 10_000


@pytest.mark.parametrize("kw, msg", [
    (dict(fps=0), "positive"),
    (dict(fps=1e9, clock_mhz=100), "raise --clock or lower --fps"),
    (dict(clock_mhz=150), "give --fps"),
    (dict(device="xc7a35t"), "not one of xc7z020, lfe5u-85f"),
])
def test_bad_targets_are_named(kw, msg):
    with pytest.raises(QmlpError, match=msg):
        bench.options(**kw)


def test_a_quantized_model_is_searched_at_its_own_bits(tmp_path, small_model):
    from qmlp.nn import quant

    q = quant.quantize_model(small_model, 4, [3, 3, 3])
    q.abits = (4, 2)                               # a QAT model's activation bits (the search reads them)
    path = tmp_path / "q.npz"
    quant.save(q, path)
    assert bench.bring(str(path), Paths(tmp_path)) == str(path)
    opts = bench.options(model=str(path))
    assert [b for b, _, _ in opts.bit_widths] == ["w444a42"]
    assert dse.models(Paths(tmp_path), opts.bit_widths, opts.model) == {"w444a42": str(path.resolve())}
    with pytest.raises(QmlpError, match="at its own bits"):
        bench.options(model=str(path), bits=["w8a8"])
    text = bench.run(Paths(tmp_path), dse.Options(**{**opts.__dict__, "chart": 0}), out_dir=tmp_path / "b",
                     dry_run=True)
    w = json.loads((tmp_path / "b" / "bench.json").read_text())["winners"]["w444a42"]
    assert "w444a42_cycles_per_image=" in text and w["params"]["MODEL"] == str(path.resolve())
    rep = w["reproduce"]
    assert set(rep) == {"sim_verilator", "synth", "pnr_ecp5", "pynq_z2"}
    assert rep["sim_verilator"].startswith("fusesoc run --target sim_verilator qmlp:accel:mlp --PE=")
    assert "--IMAGES=10000" in rep["sim_verilator"] and "qmlp:axi:mlp" in rep["pynq_z2"]


def test_a_pytorch_file_is_sent_to_qmlp_import(tmp_path):
    f = tmp_path / "net.pth"
    f.write_bytes(b"not really")
    with pytest.raises(QmlpError, match="qmlp import"):
        bench.bring(str(f), Paths(tmp_path))
    with pytest.raises(QmlpError, match="does not exist|not found|no such"):
        bench.bring(str(tmp_path / "missing.onnx"), Paths(tmp_path))


def test_a_qonnx_graph_is_imported_checked_and_searched_at_its_bits(tmp_path):
    """`qmlp bench --model g.onnx --data D`: imported (last layer widened), checked against qonnx's
    executor on the whole test set, then searched at its own bits (dry run here)."""
    pytest.importorskip("qonnx")
    import numpy as np
    from test_import_export import _graph

    g = _graph(tmp_path)                                   # 8 float features -> 16 relu (4 bits) -> 4
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (64, 8)).astype(np.float32)
    data = tmp_path / "feat.npz"
    np.savez(data, x_train=x, y_train=rng.integers(0, 4, 64), x_test=x[:40], y_test=rng.integers(0, 4, 40))
    said, source = [], {}
    path = bench.bring(str(g), Paths(tmp_path), str(data), log=said.append, source=source)
    assert path.endswith("imported/g.npz")
    agree = [m for m in said if "agrees with qonnx's executor" in m]
    assert agree and "on 100.00 % of 40 classes" in agree[0], said
    opts = bench.options(model=path, source=source)
    assert [(b, w) for b, w, _ in opts.bit_widths] == [("w48a4", (4, 8))]
    # the search's page: the import's check, the winner, the lines that rebuild it
    bench.run(Paths(tmp_path), dse.Options(**{**opts.__dict__, "chart": 0}), out_dir=tmp_path / "b", dry_run=True)
    md = (tmp_path / "b" / "bench.md").read_text()
    assert "imported from `" + str(g.resolve()) + "`" in md and "agree with qonnx's executor on 100.00 % of 40" in md
    assert "fusesoc run --target sim_verilator qmlp:accel:mlp --PE=" in md and "qmlp:axi:mlp" in md
    assert "dry run: the analytic model answered" in md and "| w48a4 |" in md
    assert "not simulated (dry run)" in md and "mismatches / 10,000" not in md    # nothing claimed as measured
