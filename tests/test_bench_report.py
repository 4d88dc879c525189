"""The report's step cache and its markdown (the design-space search: tests/test_dse.py)."""

import json

from qmlp.flow.pipeline import Cache, Step


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
    # results that are not steps (the search's runs): by name, no outputs to check
    cache.save("synth-0123", "k", {"lut": "9"})
    assert cache.load("synth-0123", "k") == {"lut": "9"} and cache.load("synth-0123", "k2") is None
    assert cache.load("sim-none", "k") is None


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


def _fake_results():
    ip = {"cycles": "524292", "pass": "1", "vectors": "4", "mismatches": "0"}
    syn = {"lut": "100", "ff": "50", "dsp": "1", "bram18": "0"}
    steps = {"model": {"data": "/usr/share/datasets/fashion-mnist", "val_size": 5000, "train_seconds": 9.9,
                       "epochs": 10, "seconds": 1.0},
             "sweep": {"rows": [{"mode": "float", "wl": None, "fl": None, "val_accuracy": 88.0, "test_accuracy": 88.0}]
                       + [{"mode": "global", "wl": w, "fl": 5, "val_accuracy": 80.0, "test_accuracy": 80.0 + w}
                          for w in range(1, 9)]
                       + [{"mode": "per_layer", "wl": w, "fl": [5, 6, 5], "val_accuracy": 80.0,
                           "test_accuracy": 81.0 + w} for w in range(1, 9)], "sweep_s": 3.0, "seconds": 3.1},
             "infer": {f"case{i}": {"mode": "f32", "label": f"mode {i}", "accuracy": 88.0, "images": 10000,
                                    "seconds": 0.5} for i in range(4)},
             "sim_accel": {"pass": "1", "images": "10000", "mismatches": "0", "accuracy": "88.24",
                           "cycles_per_image": "512", "latency": 1394, "wall_s": 40.0, "seconds": 41.0},
             "synth_accel": dict(syn, dsp="214"), "sim_hls_i8": ip, "synth_hls_i8": syn}
    for k in ("i8", "f32i8", "f32"):
        steps[f"sim_{k}_L1"] = ip
        steps[f"sim_{k}_L4"] = dict(ip, cycles="131076")
        steps[f"synth_{k}"] = syn
        steps[f"csim_{k}"] = dict(ip, cycles="na")
    man = {"layers": [{"pe": 4, "simd": 49, "rom_depth": 512}, {"pe": 16, "simd": 1, "rom_depth": 512},
                      {"pe": 2, "simd": 1, "rom_depth": 320}], "cycles_per_image": 512,
           "golden": {"test_accuracy": 88.24, "images": 10000}}
    host = {"cpus": 2, "date": "2026-12-01", "iverilog": "iv", "verilator": "vl", "yosys": "ys", "python": "3",
            "numpy": "2"}
    return {"steps": steps, "manifest": man, "compute_s": 100.0, "wall_s": 60.0, "host": host}


def test_report_markdown_renders_every_table():
    from qmlp.flow.report_md import render, table

    md = render(_fake_results())
    assert md.count("\n|---") == 8                 # headline, wl, infer, IPs, time, accelerator, bits, run
    assert "| 8 | 5 | 88.00 | 5,6,5 | 89.00 |" in md
    assert "--PE=4,16,2 --SIMD=49,1,1" in md and "{{" not in md
    with __import__("pytest").raises(ValueError):
        table(["a", "b"], [[1]])


def test_parallel_steps_log_whole_lines(tmp_path, monkeypatch):
    """Heavy steps run side by side log through one writer: every line is one whole message,
    even on a stream that lets another thread in between two writes (print wrote the text and
    its newline separately: 'sim_a: runningqmlp report: sim_b: running')."""
    import sys
    import time

    from qmlp.flow import pipeline

    class Slow:
        def __init__(self):
            self.text = ""

        def write(self, s):
            for ch in s:            # one character at a time, yielding to the other threads
                self.text += ch
                time.sleep(0.0002)

        def flush(self):
            pass

    err = Slow()
    monkeypatch.setattr(sys, "stderr", err)
    steps = [Step(f"s{i}", lambda: {}, heavy=True) for i in range(6)]
    pipeline.run(steps, Cache(tmp_path), jobs=6)
    lines = err.text.splitlines()
    assert len(lines) == 12 and all(ln.startswith("qmlp report: s") for ln in lines), lines
    assert all(ln.endswith((": running",)) or " done in " in ln for ln in lines), lines
