"""The netlist run inside `qmlp bench --netlist N` and `qmlp report` (its plumbing, without tools).

The search runs with a fake evaluator (the analytic model as 'Yosys' and 'Verilator', a recorded
'sim_synth'), so what is checked here is cheap: which designs get a netlist run and on how many
images, what bench.json, bench.md and the summary say, that a mismatching netlist fails the bench
after its result is written (and is not cached), the cache key, the options, and the report's
step and row. The netlist flow itself (Yosys, the models, Verilator) is tests/test_netlist.py's.
"""

from __future__ import annotations

import json

import pytest

from qmlp.config import Paths
from qmlp.errors import QmlpError
from qmlp.flow import bench, dse


class Fake:
    """Yosys and Verilator by the analytic model (as if measured); sim_synth recorded, answering
    `mismatches` mismatches."""

    def __init__(self, mismatches: int = 0):
        self.mismatches, self.netlists = mismatches, []

    def __call__(self, task):
        r = dict(dse.analytic_evaluate(task))
        r.pop("estimate_only")
        if task.target == "sim_synth":
            self.netlists.append(task.pdict)
            m = self.mismatches
            r.update({"pass": "0" if m else "1", "mismatches": str(m), "accuracy": "90.00", "netlist": "yosys-xc7",
                      "wall_s": 12.5})
        return r


def _run(tmp_path, fake, netlist=7, **kw):
    opts = bench.options(bits=["w2a2"], netlist=netlist, chart=0, budget=4, **kw)
    said = []
    data, path = dse.run(Paths(tmp_path), opts, out_dir=tmp_path / "b", log=said.append, evaluate=fake)
    return data, path, said


def test_each_winner_gets_its_netlist_run(tmp_path):
    fake = Fake()
    data, path, said = _run(tmp_path, fake, fps=250_000, clock_mhz=100)
    win, small = data["winners"]["w2a2"], data["fps"]["designs"]["w2a2"]
    # one sim_synth per design (the winner and the smallest meeting --fps), on the images asked for
    want = {json.dumps({**w["params"], "IMAGES": 7}, sort_keys=True) for w in (win, small)}
    assert sorted(json.dumps(p, sort_keys=True) for p in fake.netlists) == sorted(want)
    n = win["netlist"]
    assert n["pass"] == "1" and n["images"] == "7" and n["mismatches"] == "0" and n["netlist"] == "yosys-xc7"
    assert n["wall_s"] == 12.5 and data["netlist_images"] == 7
    assert win["netlist_command"].startswith("fusesoc run --target sim_synth qmlp:accel:mlp --PE=")
    assert win["netlist_command"].endswith("--IMAGES=7")
    # the points that are not designs get none
    assert sum(1 for r in data["points"] if r["netlist"]) == len(want)
    md = (path.parent / "bench.md").read_text()
    assert "Yosys xc7 netlist (sim_synth)" in md and "0 mismatches / 7 images, pass, 12 s" in md
    assert win["netlist_command"] in md                    # among the lines that rebuild it
    assert any(m.startswith("  netlist ") and "0 mismatches / 7 images" in m for m in said), said
    # a second search reuses the netlist results
    fake2 = Fake()
    data2, _, _ = _run(tmp_path, fake2, fps=250_000, clock_mhz=100)
    assert fake2.netlists == [] and data2["winners"]["w2a2"]["netlist"]["cached"] is True


def test_default_is_off(tmp_path):
    fake = Fake()
    data, path, _ = _run(tmp_path, fake, netlist=0)
    assert fake.netlists == [] and data["winners"]["w2a2"]["netlist"] is None
    assert "not run (--netlist 0)" in (path.parent / "bench.md").read_text()


def test_a_mismatching_netlist_fails_the_bench_after_recording_it(tmp_path):
    fake = Fake(mismatches=3)
    with pytest.raises(QmlpError, match=r"netlist .*failed: pass=0 images=7 mismatches=3.*--target sim_synth"):
        _run(tmp_path, fake)
    w = json.loads((tmp_path / "b" / "bench.json").read_text())["winners"]["w2a2"]
    assert w["netlist"]["pass"] == "0" and w["netlist"]["mismatches"] == "3"
    assert "3 mismatches / 7 images, **FAIL**" in (tmp_path / "b" / "bench.md").read_text()
    again = Fake(mismatches=3)                 # a failed run is not cached: the next bench runs it again
    with pytest.raises(QmlpError):
        _run(tmp_path, again)
    assert len(again.netlists) == 1


def test_a_run_without_result_is_recorded_as_failed(tmp_path):
    def broken(task):
        if task.target == "sim_synth":
            raise QmlpError("fusesoc run --target sim_synth qmlp:accel:mlp printed no RESULT line\n"
                            "qmlp netlist: error: Verilator build failed")
        return Fake()(task)

    with pytest.raises(QmlpError, match="Verilator build failed"):
        _run(tmp_path, broken)
    assert "**failed**: qmlp netlist: error: Verilator build failed" in (tmp_path / "b" / "bench.md").read_text()


def test_netlist_options_are_checked():
    with pytest.raises(QmlpError, match="leave out --netlist or --device"):
        bench.options(netlist=10, device="lfe5u-85f")
    with pytest.raises(QmlpError, match="0 .none. or more"):
        bench.options(netlist=-1)
    from qmlp.cli import main

    with pytest.raises(SystemExit):            # argparse: the table's range (0..10000)
        main(["bench", "--netlist", "-3", "--dry-run"])


def test_the_netlist_key_holds_the_netlist_code(tmp_path, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from qmlp.flow.dse import runs

    r = runs.Runs(ThreadPoolExecutor(1), tmp_path, Fake())
    net = runs.Task("sim_synth", (("IMAGES", 5), ("PE", "1,1,1")))
    syn = runs.Task("synth", (("PE", "1,1,1"),))
    k_net, k_syn = r.key(net), r.key(syn)
    monkeypatch.setattr(runs, "NETLIST_CODE", ("qmlp.lines",))        # as if the netlist flow's code changed
    assert r.key(net) != k_net and r.key(syn) == k_syn


def test_report_step_and_row(tmp_path):
    from test_bench_report import _fake_results

    from qmlp.flow import report
    from qmlp.flow.report_md import render

    names = {s.name: s for s in report.steps(Paths(tmp_path))}
    assert names["netlist_accel"].params == {"IMAGES": report.NETLIST_IMAGES} and names["netlist_accel"].heavy
    assert "netlist_accel" not in {s.name for s in report.steps(Paths(tmp_path), netlist_images=0)}
    r = _fake_results()
    assert "| Yosys xc7 netlist (`sim_synth`, Verilator): images checked against the golden model | not run " \
           "(qmlp report --netlist 0) |" in render(r)
    r["steps"]["netlist_accel"] = {"pass": "1", "images": "200", "mismatches": "0", "accuracy": "89.50",
                                   "cycles_per_image": "512", "netlist": "yosys-xc7", "wall_s": 371.2,
                                   "command": "fusesoc run --target sim_synth qmlp:accel:mlp --IMAGES=200"}
    md = render(r)
    assert "| 200 images, 0 mismatches, 89.50 %, 512 cycles/image; 371.2 s (`fusesoc run --target sim_synth " \
           "qmlp:accel:mlp --IMAGES=200`) |" in md
    assert md.count("\n|---") == 8            # a row of the accelerator's table, not a table of its own
    r["steps"]["synth_accel"].update(dsp="214", lut="3990")
    (tmp_path / "results.json").write_text(json.dumps(r))
    assert "88.24 % on 10,000 images, its xc7 netlist 0 mismatches on 200; " in report.summary(tmp_path)


def test_no_netlist_after_a_failed_verilator_run(tmp_path):
    """The netlist runs start after the Verilator runs passed: a failed one ends the bench at once,
    with no netlist build (tens of minutes) running that the process would wait for."""
    fake = Fake()

    def rtl_fails(task):
        if task.target == "sim_verilator":
            raise QmlpError("MISMATCH image 0 logit 0")
        return fake(task)

    with pytest.raises(QmlpError, match="failed its Verilator run"):
        _run(tmp_path, rtl_fails)
    assert fake.netlists == []
