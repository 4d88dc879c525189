"""qmlp:accel:mlp in Icarus and Verilator, bit for bit against the int8 golden model.

Every run has its own build root (qmlp's runner makes one per parameter set under
$QMLP_BUILD, a temporary folder for the test session): tests run side by side under xdist.
"""

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from qmlp.eda.runner import run_fusesoc, tool_env

CORE = "qmlp:accel:mlp"
FAST = {"PE": "8,16,2", "SIMD": "49,2,1"}      # 320 cycles per image: another design point


def manifest(res):
    return json.loads((res.work_root / "qmlp_roms" / "manifest.json").read_text())


def golden_accuracy(res, n):
    """Accuracy of the golden model's classes (expected.hex) on the first n images."""
    d = res.work_root / "qmlp_roms"
    exp = np.array([int(v, 16) for v in (d / "expected.hex").read_text().split()]).reshape(-1, 11)
    lab = np.array([int(v, 16) for v in (d / "labels.hex").read_text().split()])
    return 100.0 * np.mean(exp[:n, 10] == lab[:n])


def passed(res):
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    assert res.fields["pass"] == "1" and res.fields["mismatches"] == "0", res.output[-3000:]
    return res.fields


def test_icarus_default_run():
    res = run_fusesoc(CORE, "sim", {"IMAGES": 8})   # writes its ROMs (and the shared model, once) itself
    f = passed(res)
    n = int(f["images"])
    assert n == 8
    assert f["accuracy"] == f"{golden_accuracy(res, n):.2f}"
    assert int(f["cycles_per_image"]) == manifest(res)["cycles_per_image"] == 512
    assert "latency=" in res.output


def test_two_design_points_at_once(build_dir):
    """The default and another design point, started together, each with its own cycles.

    500 images each keeps the suite short; the report's sim_accel step and `qmlp bench` run
    all 10,000 test images."""
    n = 500
    with ThreadPoolExecutor(2) as ex:
        runs = list(ex.map(lambda p: run_fusesoc(CORE, "sim_verilator", dict(p, IMAGES=n)), [{}, FAST]))
    from qmlp.nn import model as mdl

    float_acc = mdl.load(build_dir / "model" / "mlp.npz").meta["test_accuracy"]
    for res, cycles in zip(runs, (512, 320)):
        f = passed(res)
        man = manifest(res)
        assert int(f["images"]) == n and man["golden"]["images"] == 10000
        # the accuracy printed comes from the hardware's own class outputs
        assert f["accuracy"] == f"{golden_accuracy(res, n):.2f}"
        assert int(f["cycles_per_image"]) == man["cycles_per_image"] == cycles
        # ... and the int8 network stays within 0.5 points of the float model
        assert abs(man["golden"]["test_accuracy"] - float_acc) <= 0.5
        print(f"accel {man['layers'][0]['pe']}..: {f}, float {float_acc:.2f} %, {res.seconds:.1f} s wall")
    assert runs[0].work_root != runs[1].work_root


def test_handshake_under_back_pressure_at_another_design_point():
    f = passed(run_fusesoc(CORE, "sim", {"IMAGES": 12, "STALL": 40, "PE": "2,8,1", "SIMD": "16,4,2"}))
    # layer 1 takes 64 x 49 cycles; stalls shift single images by a few cycles
    assert int(f["images"]) == 12 and abs(int(f["cycles_per_image"]) - 3136) <= 31


def _rerun(res, *plusargs):
    wd = res.work_root
    if res.target == "sim":
        cmd = ["vvp", "-n", "-M.", "-N", "qmlp_accel_mlp_0.1.0", *plusargs]
    else:
        cmd = [str(wd / "Vqmlp_tb_mlp_accel"), *plusargs]
    return subprocess.run(cmd, cwd=wd, capture_output=True, text=True, env=tool_env(), timeout=600)


def _edit_line(path, index: int, fn):
    lines = path.read_text().splitlines()
    lines[index] = fn(lines[index])
    path.write_text("\n".join(lines) + "\n")


def _flip_lsb(word: str) -> str:
    return word[:-1] + format(int(word[-1], 16) ^ 1, "x")


@pytest.mark.parametrize("target", ["sim", "sim_verilator"])
def test_corrupted_rom_or_expected_word_is_caught(target):
    res = run_fusesoc(CORE, target, {"IMAGES": 3})
    passed(res)
    roms = res.work_root / "qmlp_roms"
    saved = {f: (roms / f).read_text() for f in ("fc2.mem", "expected.hex", "fc1.mem", "act1.mem")}
    _edit_line(roms / "expected.hex", 11 + 4, _flip_lsb)     # image 1, logit 4
    p = _rerun(res, "+IMAGES=3")
    assert p.returncode != 0 and "MISMATCH image 1 logit 4" in p.stdout
    assert p.stdout.strip().splitlines()[-1].startswith("RESULT pass=0 images=3 mismatches=1 ")
    (roms / "expected.hex").write_text(saved["expected.hex"])

    _edit_line(roms / "fc2.mem", 1, lambda w: format(int(w, 16) ^ (0x40 << 8), f"0{len(w)}x"))  # one weight
    p = _rerun(res, "+IMAGES=3")
    assert p.returncode != 0 and "MISMATCH image" in p.stdout and "RESULT pass=0" in p.stdout
    (roms / "fc2.mem").write_text(saved["fc2.mem"])

    _edit_line(roms / "fc1.mem", 3, lambda w: w + "0")        # one word too wide
    p = _rerun(res, "+IMAGES=3")
    assert p.returncode != 0
    w = manifest(res)["layers"][0]["rom_width"]
    assert f"qmlp_roms/fc1.mem line 4 has {w // 4 + 1} hex digits; the hardware's ROM is {w} bits wide" in p.stdout
    (roms / "fc1.mem").write_text(saved["fc1.mem"])

    (roms / "act1.mem").write_text("\n".join(saved["act1.mem"].splitlines()[:-1]) + "\n")   # one word short
    p = _rerun(res, "+IMAGES=3")
    assert p.returncode != 0 and "qmlp_roms/act1.mem holds 255 words; the hardware's ROM is 256 deep" in p.stdout
    (roms / "act1.mem").write_text(saved["act1.mem"])

    p = _rerun(res, "+IMAGES=3")                            # restored: passes again
    assert p.returncode == 0 and "RESULT pass=1" in p.stdout


@pytest.mark.parametrize("prm", [{}, FAST, {"PE": "1,1,1", "SIMD": "1,1,1"}])
def test_lint_clean_at_any_design_point_without_a_model(tmp_path, prm):
    empty = tmp_path / "no-model"
    res = run_fusesoc(CORE, "lint", prm, build_root=tmp_path / "work", env={"QMLP_BUILD": str(empty)})
    assert res.returncode == 0, res.output[-2000:]
    assert "%Warning" not in res.output
    assert not (empty / "model").exists()          # lint trained nothing


BAD = [
    ({"PE": "3,16,2"}, "--PE=3,16,2: layer 1 has 128 outputs, and PE=3 does not divide them"),
    ({"SIMD": "49,1"}, "--SIMD=49,1: 2 values, but the model has 3 layers: give one value (for every layer) or 3"),
    ({"PE": "0,16,2"}, "--PE=0,16,2 is not comma-separated integers 1..4096"),
    ({"SIMD": "50,1,1"}, "--SIMD=50,1,1: layer 1 has 784 inputs, and SIMD=50 does not divide them"),
    ({"MODEL": "/nonexistent/model.npz"}, "--MODEL=/nonexistent/model.npz: not found"),
]


@pytest.mark.parametrize("target", ["lint", "synth", "sim"])
@pytest.mark.parametrize("prm,msg", BAD, ids=[next(iter(p)) + "-" + str(i) for i, (p, _) in enumerate(BAD)])
def test_bad_parameters_stop_every_target(tmp_path, target, prm, msg):
    if target == "lint" and "MODEL" in prm:
        pytest.skip("lint takes no model")
    res = run_fusesoc(CORE, target, prm, build_root=tmp_path, timeout=300)
    assert res.returncode != 0 and msg in res.output, res.output[-2000:]
    assert res.kind is None                 # nothing was simulated or synthesized


def test_model_cache_trains_once_for_runs_started_together(tmp_path):
    """Two processes ask for the default model at once: one trains (here a stand-in that takes
    a second), the other waits for the lock and then uses the same file."""
    script = f"""
import time
from pathlib import Path
from qmlp.config import Paths
from qmlp.nn import cache, train
def fake(paths, progress=True):
    with open({str(tmp_path / 'trained.log')!r}, 'a') as f:
        f.write('trained\\n')
    time.sleep(1.0)
    paths.model_npz.parent.mkdir(parents=True, exist_ok=True)
    paths.model_npz.write_bytes(b'model')
train.train_default = fake
print(cache.float_model(Paths(Path({str(tmp_path / 'build')!r}))))
"""
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    assert (tmp_path / "trained.log").read_text() == "trained\n"
    assert {o[0].strip() for o in outs} == {str(tmp_path / "build" / "model" / "mlp.npz")}


def test_synth_maps_one_mac_per_dsp():
    """Yosys at a small design point (quick): one DSP48E1 per 8-bit MAC, ROMs in block RAM.
    The default point's fit on the xc7z020 (214 DSP) is measured by `qmlp report`. At this
    point ABC9 aborted (std::out_of_range in ABC9_OPS) before qmlp_yosys.tcl ran `hierarchy`
    between the halves of synth_xilinx: Yosys 0.23 connects the 8-bit WEBWE of the ROMs'
    RAMB36E1 with 4 bits."""
    res = run_fusesoc(CORE, "synth", {"PE": "8,1,1", "SIMD": "7,4,1"}, timeout=1200)
    assert res.returncode == 0 and res.kind == "RESOURCES", res.output[-2000:]
    r = {k: int(v) for k, v in res.fields.items()}
    js = json.loads((res.work_root / "resources.json").read_text())
    assert {k: js[k] for k in r} == r
    assert r["dsp"] == manifest(res)["macs_per_cycle"] == 8 * 7 + 1 * 4 + 1 * 1
    assert r["bram18"] >= 1 and r["lut"] <= 53200 and r["ff"] <= 106400
    # the weight ROMs take the BRAM18s of their cheapest shape (qmlp.hw.devices.rom_bram18: 55 here),
    # plus a few for the activation slots: 36-bit ROM slices took a RAMB36E1 each in Yosys 0.23,
    # twice that (the default point 97 BRAM18 instead of 49)
    from qmlp import params
    from qmlp.hw.devices import xc7_counts
    roms = xc7_counts(params.validate("accel", {"PE": "8,1,1", "SIMD": "7,4,1"}))["bram18"]
    assert roms <= r["bram18"] <= roms + 4, (r, roms)
    # flattened except the lanes (QMLP_KEEP_LANES): one lane module per layer, counted per instance
    stat = (res.work_root / "qmlp_stat.json").read_text()
    assert len(set(re.findall(r'"(\$paramod\$[0-9a-f]+\\\\qmlp_mlp_lane)"', stat))) == 3, stat[:2000]
    print(f"accel RESOURCES {r} in {res.seconds:.0f} s")


def test_runs_sharing_one_work_root_never_report_the_other_design(tmp_path):
    """FuseSoC puts every run of a target in one work root whatever its parameters: two runs
    started together in it must each either pass with their own design point or stop with a
    message; never pass with the other's (the hooks compare the EDAM file with the command line)."""
    import time

    def go(prm, delay):
        time.sleep(delay)
        return run_fusesoc(CORE, "sim", dict(prm, IMAGES=4), build_root=tmp_path, timeout=600)

    with ThreadPoolExecutor(2) as ex:
        runs = list(ex.map(lambda a: go(*a), [({}, 0.0), (FAST, 0.5)]))
    for res, cycles in zip(runs, (512, 320)):
        if res.returncode == 0:
            assert passed(res)["cycles_per_image"] == str(cycles), res.output[-2000:]
        else:
            assert "give runs that go at the same time their own --build-root" in res.output.lower(), \
                res.output[-2000:]
