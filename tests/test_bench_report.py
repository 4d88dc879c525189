"""The accelerator's design-space search (bench) and the report's step cache."""

import json

from qmlp.flow import bench
from qmlp.hw import roms
from qmlp.flow.report import Cache, Step


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
    step = Step("s", "key1", lambda: {}, outputs=(out,))
    cache.put(step, {"x": 1})
    assert cache.get(step) is None                  # its output file is missing
    out.write_text("here")
    assert cache.get(step) == {"x": 1}
    assert cache.get(Step("s", "key2", lambda: {}, outputs=(out,))) is None   # inputs changed
    (tmp_path / "cache" / "s.json").write_text("{not json")
    assert cache.get(step) is None                  # a broken file is a miss, not a traceback
