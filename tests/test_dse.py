"""The design-space search (qmlp.flow.dse, `qmlp bench`): the analytic model and FINN's balance
rule, the fit rule, the pruning, the executor path (threads and a dask LocalCluster) with a cheap
evaluator, the per-candidate cache, failures, and the BENCH line.

No test here runs Yosys or Verilator: the search's real evaluator is `fusesoc run` through
qmlp.eda.runner, which tests/test_accel.py exercises (synthesis and simulation of the
accelerator); the real search is `qmlp bench` (docs/search.md).
"""

from __future__ import annotations

import json
import os
import threading
from itertools import product

import pytest

from qmlp import lines, params
from qmlp.config import Paths
from qmlp.errors import QmlpError
from qmlp.flow import bench, dse

from fusesoc_conf import private_fusesoc  # noqa: F401,E402  (the fixture)

W8 = ((8, 8, 8), (8, 8))
W4 = ((4, 4, 4), (4, 4))
W2 = ((2, 2, 2), (2, 2))


def test_layer_cycles_divisors_and_options():
    assert dse.divisors(784) == [1, 2, 4, 7, 8, 14, 16, 28, 49, 56, 98, 112, 196, 392, 784]
    assert dse.layer_cycles(784, 128, 4, 49) == 512          # (128/4) * (784/49)
    assert dse.layer_cycles(64, 10, 2, 1) == 320
    with pytest.raises(QmlpError):
        dse.layer_cycles(784, 128, 3, 49)                     # PE must divide N
    opts = dse.layer_options(784, 128, 4, 8)
    assert set(opts) == set(dse.mac_styles())
    for style, ls in opts.items():
        for l in ls:
            assert 128 % l.pe == 0 and 784 % l.simd == 0 and l.cycles >= 2
            assert style != "dsp2" or l.pe % 2 == 0           # two neurons per DSP48E1
    # 8-bit weights have no LUT style (the parameter table's rule), 4-bit ones do
    assert "lut" not in dse.layer_options(784, 128, 8, 8) and "lut" in opts
    # every legal folding is listed: 8 x 15 divisor pairs less the one of 1 cycle
    assert len(opts["dsp"]) == len(dse.divisors(128)) * len(dse.divisors(784)) - 1


@pytest.mark.parametrize("bits", [W8, W4, W2], ids=["w8a8", "w4a4", "w2a2"])
def test_balanced_layers_follow_finns_rule(bits):
    """At interval T every layer takes at most T cycles, the slowest exactly T, and no layer
    could reach its bound with fewer products in its style."""
    wb, ab = bits
    for t in (64, 98, 128, 256, 512, 1024):
        for c in dse.balanced(wb, ab, t):
            assert c.cycles_per_image == t == max(c.layer_cycles)
            for i, l in enumerate(c.layers()):
                k, n = c.spec.shapes[i]
                legal = [p * s for p, s in product(dse.divisors(n), dse.divisors(k))
                         if (n // p) * (k // s) <= t and dse.style_ok(l.mac, p, wb[i])]
                assert l.cycles <= t and l.macs == min(legal)
            c.check()                                        # the parameter table accepts it


def test_analytic_model_against_measured_yosys():
    """The model at the default point against Yosys 0.23 here (10,212 LUT, 11,118 FF, 214 DSP,
    48 BRAM18), and its per-style rules."""
    c = dse.Candidate((4, 16, 2), (49, 1, 1), ("dsp",) * 3, (8, 8, 8), (8, 8))
    e = c.estimate()
    assert e["dsp"] == 214 == c.macs
    assert abs(e["lut"] - 10212) / 10212 < 0.2 and abs(e["ff"] - 11118) / 11118 < 0.3
    assert abs(e["bram18"] - 48) <= 4
    # dsp2 halves the DSPs of a layer, lut takes none and pays in LUTs
    l = dse.LayerPoint(784, 128, 16, 49, "dsp", 4, 8)
    assert l.estimate(True)["dsp"] == 784
    assert dse.LayerPoint(784, 128, 16, 49, "dsp2", 4, 8).estimate(True)["dsp"] == 392
    lut = dse.LayerPoint(784, 128, 16, 49, "lut", 4, 8).estimate(True)
    assert lut["dsp"] == 0 and lut["lut"] > l.estimate(True)["lut"] + 784 * 15
    # per LUT MAC, tree included, as measured on the Booth multipliers: 24 at w2a8, 38 at w4a8
    assert abs(dse.lut_per_product("lut", 2, 8, 16) - 24) <= 3 and abs(dse.lut_per_product("lut", 4, 8, 16) - 38) <= 4
    # ROMs: 512 x 36 per BRAM18, a deeper ROM in a narrower shape; shallow ones in block RAM
    # too (rom_style = "block" in qmlp_mlp_layer)
    assert dse.rom_bram18(512, 36) == 1 and dse.rom_bram18(512, 392 * 8) == 88
    assert dse.rom_bram18(2048, 9) == 1 and dse.rom_bram18(16, 1000) == 28
    # Yosys keeps products under 9 bits out of DSPs (w4a4 layer 3's dsp products were LUTs):
    # dsp at 4 x 4 bits costs LUTs like lut, dsp2's packed product is a DSP at any width
    assert dse.dsp_of("dsp", 5, 1, 4, 4) == 0 and dse.dsp_of("dsp", 5, 1, 2, 8) == 5
    assert dse.dsp_of("dsp2", 4, 8, 4, 4) == 16
    assert dse.lut_per_product("dsp", 4, 4, 8) == dse.lut_per_product("lut", 4, 4, 8)
    # foldings with as many products and DSPs (the largest share alone ties them): not the one
    # with 64 PEs' accumulators and activation tables (PE=64 SIMD=2 was the tie's pick)
    opts = dse.layer_options(128, 64, 4, 4, ("dsp2",))["dsp2"]
    pick = dse.cheapest(opts, 64, True)
    many = next(o for o in opts if (o.pe, o.simd) == (64, 2))
    assert pick.macs == many.macs == 128 and pick.pe <= 4
    assert dse.total(pick.estimate(True)) < dse.total(many.estimate(True))


def test_fit_rule():
    ok = {"dsp": 220, "bram18": 280, "lut": 45220, "ff": 106400}
    assert dse.FIT == ok and dse.fits(ok) and dse.fits({k: str(v) for k, v in ok.items()})
    for k in ok:
        assert not dse.fits(dict(ok, **{k: ok[k] + 1})), k
    assert ok["lut"] == int(0.85 * 53200)
    assert dse.score(ok) == 1.0


def test_pruning_keeps_only_plausible_candidates():
    only_dsp = dse.plan(*W8, styles=("dsp",))
    # one MAC per DSP: the first round's answer, 512 cycles with 214 DSPs
    assert only_dsp[0].cycles_per_image == 512 and only_dsp[0].estimate()["dsp"] <= 220
    assert only_dsp[0].macs <= 220
    for bits in (W8, W4, W2):
        pl = dse.plan(*bits)
        assert [c.cycles_per_image for c in pl] == sorted({c.cycles_per_image for c in pl})
        assert all(dse.plausible(c.estimate()) for c in pl)
        # what was left out is implausible by the model: every mix at a faster interval
        fastest = pl[0].cycles_per_image
        for t in dse.intervals():
            if t < fastest:
                assert not any(dse.plausible(c.estimate()) for c in dse.balanced(*bits, t))
    assert dse.plausible({"dsp": 220, "lut": 56000, "ff": 0, "bram18": 0})
    assert not dse.plausible({"dsp": 221, "lut": 0, "ff": 0, "bram18": 0})        # DSPs are counted exactly
    assert not dse.plausible({"dsp": 0, "lut": 57000, "ff": 0, "bram18": 0})
    # two products per DSP reach the int8 target (<= 256 cycles) in the model
    assert dse.plan(*W8)[0].cycles_per_image <= 256


def _fake(counter=None, fail=(), lock=threading.Lock()):
    """A cheap evaluator: the analytic model as 'Yosys', a passing 'Verilator'; counts its calls."""
    def ev(task):
        with lock:
            if counter is not None:
                counter.append(task)
        c = dse.Candidate.from_params(task.pdict)
        if task.target == "synth" and c.label() in fail:
            raise QmlpError(f"fusesoc run --target synth failed for {c.label()}")
        return dse.analytic_evaluate(task)
    return ev


def _opts(**kw):
    return dse.Options(**{"budget": 3, "chart": 1, "images": 100, **kw})


NO_MODELS = {"w8a8": None, "w4a4": None, "w2a2": None}


def test_search_local_executor_cache_and_bench_line(tmp_path):
    paths = Paths(tmp_path)
    calls = []
    res = dse.search(paths, _opts(), _fake(calls), NO_MODELS, log=lambda m: None)
    n = len(calls)
    assert n == res.calls > 0 and res.hits == 0
    synths = [t for t in calls if t.target == "synth"]
    sims = [t for t in calls if t.target == "sim_verilator"]
    assert len(synths) == len({t.name for t in synths}) <= 3 * (3 + 1)      # budget + chart per width
    for b, _, _ in dse.BIT_WIDTHS:
        w = res.winners[b]
        assert w is not None and w.fits
        # the winner is the fastest fitting point of its bit width among those synthesized
        assert w.cand.cycles_per_image == min(p.cand.cycles_per_image for p in res.points
                                              if p.cand.bits == b and p.fits)
        assert int(w.sim["images"]) == 10000 and w.sim["pass"] == "1"
    assert {dict(t.params)["IMAGES"] for t in sims} <= {10000, 100}
    data, path = dse.write(res, _opts(), tmp_path / "bench")
    assert (tmp_path / "bench" / "pareto.png").stat().st_size > 10000
    line = dse.bench_line(data, path)
    kind, f = lines.parse(line, "BENCH")
    assert kind == "BENCH" and list(f) == ["w8a8_cycles_per_image", "w4a4_cycles_per_image",
                                           "w2a2_cycles_per_image", "json"]
    assert int(f["w8a8_cycles_per_image"]) == res.winners["w8a8"].cand.cycles_per_image
    j = json.loads((tmp_path / "bench" / "bench.json").read_text())
    assert f["json"] == str(path) and j["winners"]["w4a4"]["params"]["MAC"]
    w = j["winners"]["w2a2"]
    assert w["command"].startswith("fusesoc run --target synth qmlp:accel:mlp --PE=")
    assert f"--SIMD={w['params']['SIMD']}" in w["command"] and f"--MAC={w['params']['MAC']}" in w["command"]
    assert w["layer_cycles"] and max(w["layer_cycles"]) == w["cycles_per_image"]
    assert len(dse.table_rows(j)) == len(j["points"])
    # a second search runs nothing: every result comes from the cache, same winners. (It may ask
    # for fewer: the first search starts points speculatively while results are pending, and how
    # many depends on timing; with every result cached none is pending. Under load the first
    # made 17 runs and the second took 15 from the cache.)
    again = []
    res2 = dse.search(paths, _opts(), _fake(again), NO_MODELS, log=lambda m: None)
    assert again == [] and res2.calls == 0 and 0 < res2.hits <= n
    assert {b: p.cand for b, p in res2.winners.items()} == {b: p.cand for b, p in res.winners.items()}
    # another model file is another input: its runs are not taken from the cache
    m = tmp_path / "m.npz"
    m.write_bytes(b"model")
    third = []
    dse.search(paths, _opts(bit_widths=dse.BIT_WIDTHS[:1]), _fake(third), {"w8a8": str(m)}, log=lambda m: None)
    assert third and all(dict(t.params)["MODEL"] == str(m) for t in third)


def test_a_failed_synthesis_is_a_result_and_the_search_goes_on(tmp_path):
    first = dse.plan(*W4)[0]
    res = dse.search(Paths(tmp_path), _opts(bit_widths=dse.BIT_WIDTHS[1:2], chart=0), _fake(fail={first.label()}),
                     {"w4a4": None}, log=lambda m: None)
    p = next(p for p in res.points if p.cand == first)
    assert p.error and "failed" in p.error and not p.fits
    assert res.winners["w4a4"].cand.cycles_per_image > first.cycles_per_image


def test_nothing_fits_gives_na_and_a_failed_winner_run_stops(tmp_path):
    def too_big(task):
        r = dse.analytic_evaluate(task)
        return dict(r, dsp="999") if task.target == "synth" else r
    res = dse.search(Paths(tmp_path), _opts(bit_widths=dse.BIT_WIDTHS[:1], budget=2), too_big, {"w8a8": None},
                     log=lambda m: None)
    assert res.winners["w8a8"] is None and len([p for p in res.points if p.role == "tried"]) == 2
    data, path = dse.write(res, _opts(), tmp_path / "b")
    assert "w8a8_cycles_per_image=na" in dse.bench_line(data, path)

    def mismatch(task):
        r = dse.analytic_evaluate(task)
        return dict(r, **{"pass": "0", "mismatches": "3"}) if task.target == "sim_verilator" else r
    with pytest.raises(QmlpError, match="failed its Verilator run"):
        dse.search(Paths(tmp_path / "x"), _opts(bit_widths=dse.BIT_WIDTHS[:1]), mismatch, {"w8a8": None},
                   log=lambda m: None)


def test_bench_line_format():
    line = lines.bench({"w8a8": 256, "w4a4": 128, "w2a2": None}, "/tmp/x/bench.json")
    assert line == "BENCH w8a8_cycles_per_image=256 w4a4_cycles_per_image=128 w2a2_cycles_per_image=na " \
                   "json=/tmp/x/bench.json"
    assert lines.parse("noise\n" + line + "\n", "BENCH")[1]["w4a4_cycles_per_image"] == "128"


def test_bench_options_are_checked():
    with pytest.raises(QmlpError, match="w3a3"):
        bench.options(bits=["w8a8", "w3a3"])
    with pytest.raises(QmlpError, match="MAC style"):
        bench.options(styles=["dsp4"])
    q = bench.options(quick=True)
    assert q.budget == 1 and q.chart == 2 and q.images == 0 and q.winner_images == 10000
    assert q.margin == 1.0 and q.synth_timeout == 1800 and bench.options().synth_timeout == 3600
    assert bench.options(bits=["w2a2"]).bit_widths == dse.BIT_WIDTHS[2:]
    assert "MAC" in dse.Candidate((4, 16, 2), (49, 1, 1), ("dsp",) * 3, *W8).fusesoc_params()
    assert dse.mac_styles() == params.MAC_STYLES


def test_search_on_a_dask_local_cluster(tmp_path):
    """The same search through dask.distributed's Executor (Client(address).get_executor()),
    two worker processes, the scheduler given by address as `qmlp bench --scheduler` does;
    the evaluator runs in the workers (pickled by reference, imported there)."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed "
                                      "(pip install 'qmlp[dask]'): the --scheduler path is not tested")
    opts = _opts(bit_widths=dse.BIT_WIDTHS[:2], chart=0)
    local = dse.search(Paths(tmp_path / "local"), opts, dse.analytic_evaluate, NO_MODELS, log=lambda m: None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        res = dse.search(Paths(tmp_path / "dask"), dse.Options(**{**opts.__dict__,
                                                                   "scheduler": cluster.scheduler_address}),
                         dse.analytic_evaluate, NO_MODELS, log=lambda m: None)
        with distributed.Client(cluster.scheduler_address) as c:
            workers = len(c.scheduler_info()["workers"])
    # the same answer; how many candidates ran ahead of a decision depends on completion order
    assert workers == 2 and {b: p.cand for b, p in res.winners.items()} == {b: p.cand for b, p in local.winners.items()}
    assert 0 < local.calls <= res.calls <= 2 * (2 * opts.budget)        # syntheses and simulations
    pids = {p.synth["pid"] for p in res.points if p.synth}
    assert pids and os.getpid() not in pids                # evaluated in the worker processes


def test_scheduler_that_is_not_there_is_one_error():
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    with pytest.raises(QmlpError, match="cannot reach the dask scheduler"):
        dse.executor(2, "tcp://127.0.0.1:9", timeout=2)


def test_the_report_shows_the_search(tmp_path):
    """report.md's design-space section: the winners with their commands, every point, the chart."""
    from test_bench_report import _fake_results

    from qmlp.flow.report_md import render

    opts = _opts(chart=0)
    res = dse.search(Paths(tmp_path), opts, dse.analytic_evaluate, NO_MODELS, log=lambda m: None)
    data, path = dse.write(res, opts, tmp_path / "bench")
    r = _fake_results()
    plain = render(r)
    r["steps"]["bench"] = {"data": data, "json": str(path), "quick": True}
    md = render(r)
    assert "No design-space search in this run." in plain and "No design-space search" not in md
    assert md.count("\n|---") == plain.count("\n|---") + 2          # winners and points
    w = data["winners"]["w8a8"]
    assert f"| w8a8 | {w['cycles_per_image']} | {'/'.join(map(str, w['layer_cycles']))} |" in md
    assert w["command"] in md and "![design-space search](pareto.png)" in md and "bench --quick" in md


def test_the_real_evaluator_runs_fusesoc_and_reports_a_rejected_design(private_fusesoc):
    """run_task is `fusesoc run --target synth qmlp:accel:mlp` with the candidate's parameters:
    a design the parameter table rejects (dsp2 at an odd PE) stops in the pre-build hook, in
    seconds, and the search gets the hook's reason (it records it as a failed point)."""
    task = dse.Task("synth", tuple(sorted({"PE": "4,16,1", "SIMD": "49,1,1", "MAC": "dsp,dsp,dsp2",
                                           "WBITS": "8", "ABITS": "8"}.items())))
    with pytest.raises(QmlpError, match="layer 3 is dsp2, which packs the weights of two neurons"):
        dse.run_task(task)


def test_every_bit_width_starts_before_any_runs_ahead(tmp_path):
    """With two slots and three bit widths, the first three runs are one per bit width."""
    order = []
    dse.search(Paths(tmp_path), _opts(chart=0, images=0), _fake(order), NO_MODELS, log=lambda m: None)
    first = [dse.Candidate.from_params(t.pdict).bits for t in order[:3]]
    assert sorted(first) == ["w2a2", "w4a4", "w8a8"]


def test_winners_keep_the_searched_order(tmp_path):
    """bench.json and the BENCH line list the bit widths in the order searched, whichever is
    decided first (here w8a8's syntheses finish last)."""
    import time

    def slow_w8(task):
        if task.target == "synth" and dse.Candidate.from_params(task.pdict).bits == "w8a8":
            time.sleep(0.3)
        return dse.analytic_evaluate(task)
    res = dse.search(Paths(tmp_path), _opts(chart=0, images=0, winner_images=0, jobs=3), slow_w8, NO_MODELS,
                     log=lambda m: None)
    assert list(res.winners) == ["w8a8", "w4a4", "w2a2"] and all(res.winners.values())


def test_a_changed_core_file_is_a_new_input(tmp_path, monkeypatch):
    """Keys are taken when a run is submitted: an RTL file edited during a long search makes the
    runs after it new runs, not hits on results of the old RTL."""
    from qmlp import hashing

    runs = dse.Runs(__import__("concurrent.futures").futures.ThreadPoolExecutor(1), tmp_path, dse.analytic_evaluate)
    task = dse.Task("synth", tuple(sorted(dse.Candidate((4, 16, 2), (49, 1, 1), ("dsp",) * 3, *W8)
                                          .fusesoc_params().items())))
    k = runs.key(task)
    real = hashing.file_sha256
    monkeypatch.setattr(hashing, "file_sha256",
                        lambda f: "edited" if str(f).endswith("qmlp_mlp_layer.v") else real(f))
    assert runs.key(task) != k
    runs.executor.shutdown()


def test_a_synthesis_that_lost_its_multipliers_is_rejected(tmp_path):
    """Fewer DSP48s than the products need means Yosys removed logic (an undriven net, a constant
    output): the point is recorded as failed with its figures and cannot win."""
    def hollow(task):
        r = dse.analytic_evaluate(task)
        return dict(r, dsp="0", lut="378") if task.target == "synth" else r
    res = dse.search(Paths(tmp_path), _opts(bit_widths=dse.BIT_WIDTHS[:1], budget=2, chart=0), hollow,
                     {"w8a8": None}, log=lambda m: None)
    assert res.winners["w8a8"] is None
    p = res.points[0]
    assert "logic was removed" in p.error and p.rejected["lut"] == "378" and not p.fits
    e = p.cand.estimate()
    assert dse.implausible(p.cand, {"dsp": str(e["dsp"]), "lut": str(e["lut"])}) is None
    assert "LUTs" in dse.implausible(p.cand, {"dsp": str(e["dsp"]), "lut": "378"})
    # the measured default point passes
    assert dse.implausible(dse.Candidate((4, 16, 2), (49, 1, 1), ("dsp",) * 3, *W8), {"dsp": "214", "lut": "10212"}) \
        is None
