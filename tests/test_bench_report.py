"""The accelerator's design-space search (bench) and the report's step cache."""

import json

from qmlp.flow import bench
from qmlp.hw import roms
from qmlp.flow.pipeline import Cache, Step


def test_layer_options_are_cheapest_per_interval():
    opts = bench.layer_options(784, 128)
    cycles = [o[0] for o in opts]
    assert cycles == sorted(set(cycles))                     # one option per interval
    for cyc, macs, pe, simd in opts:
        assert 128 % pe == 0 and 784 % simd == 0 and (128 // pe) * (784 // simd) == cyc and macs == pe * simd
        # no cheaper configuration reaches the same interval
        assert macs == min(p * s for p in range(1, 129) for s in range(1, 785)
                           if 128 % p == 0 and 784 % s == 0 and (128 // p) * (784 // s) <= cyc)


def test_candidates_around_the_dsp_budget():
    cands = bench.candidates()
    by_cycles = {c.cycles_per_image: c for c in cands}
    assert by_cycles[512].macs == 214 and by_cycles[512] == roms.HwConfig()   # the default: fastest under 220
    assert by_cycles[448].macs == 258                                          # the next faster: too many DSPs
    fastest_fitting = min(c.cycles_per_image for c in cands if c.macs <= 220)
    assert fastest_fitting == 512
    for c in cands:
        c.check()


def test_cache_hits_misses_and_survives_a_broken_file(tmp_path):
    cache = Cache(tmp_path)
    out = tmp_path / "out.txt"
    step = Step("s", lambda: {}, outputs=(out,))
    cache.put(step, "key1", {"x": 1})
    assert cache.get(step, "key1") is None          # its output file is missing
    out.write_text("here")
    assert cache.get(step, "key1") == {"x": 1}
    assert cache.get(step, "key2") is None          # inputs changed
    (tmp_path / "cache" / "s.json").write_text("{not json")
    assert cache.get(step, "key1") is None          # a broken file is a miss, not a traceback


def test_keys_follow_the_declared_inputs(tmp_path, monkeypatch):
    """A step's key changes with its input files, parameters, upstream results and the code it
    runs (including modules that code imports), and with nothing else."""
    from qmlp import hashing

    f = tmp_path / "in.txt"
    f.write_text("a")
    s = Step("s", lambda: {}, code=("qmlp.nn.sweep",), files=(f,), params={"p": 1}, after=("up",))
    k = s.key({"up": {"x": 1, "seconds": 3}})
    assert k == s.key({"up": {"x": 1, "seconds": 9}})                 # timings are not inputs
    assert k != s.key({"up": {"x": 2}})
    f.write_text("b")
    assert k != s.key({"up": {"x": 1}})
    f.write_text("a")
    assert k == s.key({"up": {"x": 1}})
    assert k != Step("s", lambda: {}, code=("qmlp.nn.sweep",), files=(f,), params={"p": 2},
                     after=("up",)).key({"up": {"x": 1}})
    # the sweep's closure holds the fixed-point module it imports through qmlp.nn.quant
    assert "qmlp.numerics.fixedpoint" in hashing.module_closure("qmlp.nn.sweep")
    real = hashing.module_file

    def edited(name):
        p = real(name)
        if name == "qmlp.numerics.fixedpoint":
            q = tmp_path / "fixedpoint.py"
            q.write_text(p.read_text() + "\n# edited\n")
            return q
        return p
    monkeypatch.setattr(hashing, "module_file", edited)
    assert k != s.key({"up": {"x": 1}})


def test_hardware_keys_cover_every_core_file():
    from qmlp.eda.cores import core_files

    names = {p.name for p in core_files("qmlp:accel:mlp")}
    assert {"qmlp_mlp_layer.v", "qmlp_mlp_list.vh", "qmlp_tb_mlp_accel.v", "qmlp_yosys.tcl", "mlp.core"} <= names
