"""The search's cycles per image is what the hardware runs at (issue 23).

`Candidate.cycles_per_image` (qmlp.flow.dse.model.interval) is the slowest layer's cycles or, at
fast foldings, the bound of the accelerator's input, activation or logit slots or of its output
stream. The data are the Verilator/Icarus runs written down in docs/binary.md ("Short intervals are
limited by the buffers", TFC w1a1), docs/netlist.md (the second finding's table after the fix and
its old-rule-vs-claim table, "Throughput at fast foldings is the output stage's") and docs/search.md
(issue 23's section: points the model predicted, then run); no simulation here. Then the bench: a winner's measured figure replaces the model's in the BENCH and FPS lines,
bench.json and bench.md, with a line saying by how much, and a design picked for --fps that
measured over the target does not meet it (a fake evaluator, seconds).
"""

from __future__ import annotations

import json

import pytest

from qmlp import lines
from qmlp.config import Paths
from qmlp.flow import bench, dse
from qmlp.flow.dse.model import interval_bounds, limiting
from qmlp.spec import make

TFC = make([784, 64, 64, 64, 10], "hardtanh", bias=True)        # docs/binary.md: TFC w1a1, all lut
TINY = make([22, 16, 3], "relu", bias=True)                     # docs/netlist.md: 22-16-3 relu+bias
TINY3 = make([22, 16, 8, 3], "relu", bias=True)                 # ... and 22-16-8-3


def _cand(spec, pe, simd, mac, wb, ab):
    n = len(pe)
    return dse.Candidate(tuple(pe), tuple(simd), (mac,) * n, (wb,) * n, (ab,) * (n - 1), spec)


# (network, PE, SIMD, MAC, WBITS, ABITS, measured cycles per image, what bounds it, source)
MEASURED = [
    # docs/binary.md, "The accelerator at 16 cycles" table (Verilator, 10,000 images each)
    (TFC, (64, 4, 4, 1), (49, 64, 64, 64), "lut", 1, 1, 19, "logit slots", "binary.md"),
    (TFC, (64, 4, 4, 5), (49, 64, 64, 64), "lut", 1, 1, 17, "input slots", "binary.md"),
    (TFC, (32, 4, 4, 5), (98, 64, 64, 8), "lut", 1, 1, 20, "logit slots", "binary.md"),
    (TFC, (32, 4, 4, 5), (98, 64, 64, 64), "lut", 1, 1, 16, "layer 1", "binary.md"),
    # docs/netlist.md, the second finding after the fix (Verilator, 400 images each)
    (TINY, (8, 3), (22, 2), "dsp", 8, 8, 12, "logit slots", "netlist.md"),
    (TINY, (8, 3), (22, 8), "dsp", 8, 8, 10, "logit slots", "netlist.md"),
    (TINY, (8, 3), (22, 8), "dsp2", 8, 8, 10, "logit slots", "netlist.md"),
    (TINY, (8, 3), (11, 8), "dsp", 8, 8, 10, "logit slots", "netlist.md"),
    (TINY, (4, 1), (22, 4), "dsp", 8, 8, 14, "logit slots", "netlist.md"),
    (TINY, (2, 3), (22, 8), "dsp", 8, 8, 10, "logit slots", "netlist.md"),
    # docs/netlist.md, old rule vs claim (Icarus, 100 images: (cycles - latency) / 99, halves down)
    (TINY, (2, 1), (22, 4), "dsp", 8, 8, 14, "logit slots", "netlist.md"),       # 1,487 (54): 14.47
    (TINY, (4, 1), (2, 4), "dsp", 8, 8, 44, "layer 1", "netlist.md"),            # 4,452 (96); test_netlist
    (TINY3, (8, 8, 3), (22, 4, 4), "dsp", 8, 8, 9, "logit slots", "netlist.md"),   # 992 (53): 9.48
    (TINY3, (8, 4, 1), (22, 16, 8), "dsp", 8, 8, 10, "logit slots", "netlist.md"),  # 1,092 (55): 10.47
    (TINY3, (4, 2, 1), (11, 8, 8), "dsp", 8, 8, 10, "logit slots", "netlist.md"),   # 1,104 (66): 10.48
    # docs/search.md, issue 23's section: points predicted first, then run (Verilator, 100 or 200 images)
    (TINY, (2, 3), (22, 4), "dsp", 8, 8, 10, "logit slots", "search.md"),        # 10.47 average
    (TINY, (16, 1), (1, 4), "dsp", 8, 8, 23, "input slots", "search.md"),        # 22.99
    (TINY3, (2, 1, 3), (22, 16, 2), "dsp", 8, 8, 10, "slots 1-2", "search.md"),  # 10.33: the 3-slot loop
    (TFC, (32, 8, 8, 5), (112, 64, 64, 32), "lut", 1, 1, 15, "logit slots", "search.md"),   # 15.50
    (TFC, (32, 4, 4, 10), (98, 64, 64, 8), "lut", 1, 1, 16, "logit slots", "search.md"),    # 16.50
]


@pytest.mark.parametrize("spec,pe,simd,mac,wb,ab,cycles,bound,doc", MEASURED,
                         ids=[f"{m[-1]}-PE={','.join(map(str, m[1]))}-SIMD={','.join(map(str, m[2]))}-{m[3]}"
                              for m in MEASURED])
def test_interval_is_the_measured_one(spec, pe, simd, mac, wb, ab, cycles, bound, doc):
    c = _cand(spec, pe, simd, mac, wb, ab)
    assert c.cycles_per_image == cycles, (interval_bounds(c), doc)
    assert limiting(c) == bound
    assert dse.layer_cycles(spec.shapes[0][0], spec.shapes[0][1], pe[0], simd[0]) == c.layer_cycles[0]


def test_the_bounds_are_the_rtl_loops():
    """The figures in the bounds' docstring: (W1 + DEPTH1 + 2) / 2, (DEPTH + WR_ST + DEPTH' + 2) / 3,
    (DEPTH_L + WR_ST_L + N + 6) / 2 and N + 5, with WR_ST the layer's write stage."""
    c = _cand(TFC, (32, 4, 4, 5), (98, 64, 64, 8), "lut", 1, 1)
    b = interval_bounds(c)
    assert b["input slots"] == (8 + 16 + 2) / 2
    # layer 1 at w1a8 on the pair path, all lut: one stage less (PSHORT), 8 + 7 - 1 = 14 = P - 2
    assert b["slots 1-2"] == (16 + 14 + 16 + 2) / 3 == 16
    assert b["logit slots"] == (16 + (6 + 3) + 10 + 6) / 2 == 20.5      # measured 20: halves go down
    assert b["output stage"] == 15
    # no interval below the output stream's N + 5: at 2 cycles per layer TINY still takes 8 at best
    fast = _cand(TINY, (16, 3), (22, 16), "dsp", 8, 8)
    assert fast.layer_cycles == (1, 1) and fast.cycles_per_image >= 3 + 5


def test_balanced_keeps_only_points_that_reach_their_interval():
    """At a fast interval the search's candidates reach it: the last layer's folding is picked
    within the logit slots' bound, not only the layer's own cycles (TFC at 16: the cheapest last
    layer, PE=5 SIMD=8 at 16 cycles, would run at 20)."""
    wb, ab = (1,) * 4, (1,) * 3
    for c in dse.balanced(wb, ab, 16, ("lut",), TFC):
        assert c.cycles_per_image == 16 and max(interval_bounds(c).values()) <= 16.5
    # the 22-16-3 network at 8 cycles per image: no folding reaches it (the logit slots need
    # DEPTH_L + WR_ST_L + 3 + 6 <= 17); the plan starts at 10, which is no layer's cycles (the
    # measured PE=2,3 SIMD=22,8 kind: layers 8 and 2 ran at 10)
    assert dse.balanced((8, 8), (8,), 8, ("dsp",), TINY) == []
    first = dse.plan((8, 8), (8,), ("dsp",), spec=TINY)[0]
    assert first.cycles_per_image == 10 and 10 not in first.layer_cycles and limiting(first) == "logit slots"


class Slow:
    """The analytic model as Yosys; Verilator passing at the model's cycles plus `extra`."""

    def __init__(self, extra: int):
        self.extra = extra

    def __call__(self, task):
        r = dict(dse.analytic_evaluate(task))
        r.pop("estimate_only")
        if task.target == "sim_verilator":
            r["cycles_per_image"] = str(int(r["cycles_per_image"]) + self.extra)
        return r


def _run(tmp_path, extra, **kw):
    opts = bench.options(bits=["w2a2"], chart=0, budget=3, images=0, **kw)
    opts.winner_images = 20
    said = []
    data, path = dse.run(Paths(tmp_path), opts, out_dir=tmp_path / "b", log=said.append, evaluate=Slow(extra))
    return data, path, said


def test_the_bench_reports_the_measured_cycles(tmp_path):
    data, path, said = _run(tmp_path, 7)
    w = data["winners"]["w2a2"]
    pred = w["predicted_cycles_per_image"]
    assert w["measured"] and w["cycles_per_image"] == pred + 7 and w["sim"]["cycles_per_image"] == str(pred + 7)
    kind, f = lines.parse(dse.bench_line(data, path), "BENCH")
    assert int(f["w2a2_cycles_per_image"]) == pred + 7
    j = json.loads(path.read_text())
    assert j["winners"]["w2a2"]["cycles_per_image"] == pred + 7
    row = [r for r in j["points"] if r["params"] == w["params"]][0]
    assert row["cycles_per_image"] == pred + 7 and row["predicted_cycles_per_image"] == pred
    md = (path.parent / "bench.md").read_text()
    assert f"| w2a2 | {pred + 7} |" in md
    off = [s for s in said if "model off" in s]
    assert len(off) == 1 and f"measured {pred + 7} cycles/image" in off[0] and f"predicted {pred} (+7" in off[0]
    assert any(s.startswith(f"w2a2: {pred + 7} cycles/image") for s in said)


def test_a_model_that_agrees_logs_nothing(tmp_path):
    data, _, said = _run(tmp_path, 0)
    w = data["winners"]["w2a2"]
    assert w["measured"] and w["cycles_per_image"] == w["predicted_cycles_per_image"]
    assert not [s for s in said if "model off" in s]


def test_a_design_measured_over_the_fps_target_does_not_meet_it(tmp_path):
    # 250,000 images/s at 100 MHz: 400 cycles; the model's pick is within them, Verilator is 1,000 over
    data, path, said = _run(tmp_path, 1000, fps=250_000, clock_mhz=100)
    assert data["fps"]["designs"]["w2a2"] is None
    assert any("over the 400" in s and "does not meet" in s for s in said)
    kind, f = lines.parse(dse.fps_line(data, path), "FPS")
    assert f["w2a2_cycles_per_image"] == "na"
    # ... while 3 cycles over still meets it when the model's pick had room
    data, path, said = _run(tmp_path / "2", 3, fps=250_000, clock_mhz=100)
    d = data["fps"]["designs"]["w2a2"]
    assert d["predicted_cycles_per_image"] == 392 and d["cycles_per_image"] == 395 and d["measured"]
