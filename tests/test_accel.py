"""qmlp:accel:mlp in Icarus and Verilator, bit for bit against the int8 golden model."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from qmlp.config import Paths
from qmlp.eda.runner import tool_env, run_fusesoc

REPO = Path(__file__).resolve().parents[1]
CORE = "qmlp:accel:mlp"


def workdir(target):
    return REPO / "build" / "qmlp_accel_mlp_0.1.0" / target


def manifest():
    return json.loads((Paths().roms_dir / "manifest.json").read_text())


def golden_accuracy(n):
    """Accuracy of the golden model's classes (expected.hex) on the first n images."""
    d = Paths().roms_dir
    exp = np.array([int(v, 16) for v in (d / "expected.hex").read_text().split()]).reshape(-1, 11)
    lab = np.array([int(v, 16) for v in (d / "labels.hex").read_text().split()])
    return 100.0 * np.mean(exp[:n, 10] == lab[:n])


def passed(res):
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    assert res.fields["pass"] == "1" and res.fields["mismatches"] == "0", res.output[-3000:]
    return res.fields


def test_icarus_default_run():
    res = run_fusesoc(CORE, "sim")          # makes the ROMs (and a model) where they are missing
    f = passed(res)
    n = int(f["images"])
    assert n == 32
    assert f["accuracy"] == f"{golden_accuracy(n):.2f}"
    assert int(f["cycles_per_image"]) == manifest()["cycles_per_image"]
    assert "latency=" in res.output


def test_verilator_all_test_images():
    res = run_fusesoc(CORE, "sim_verilator")
    f = passed(res)
    man = manifest()
    assert int(f["images"]) == man["golden"]["images"] == 10000
    # the accuracy printed comes from the hardware's own class outputs
    assert f["accuracy"] == f"{man['golden']['test_accuracy']:.2f}"
    assert int(f["cycles_per_image"]) == man["cycles_per_image"] <= 1000
    # ... and the int8 network stays within 0.5 points of the float model
    from qmlp.nn import model as mdl
    float_acc = mdl.load(Paths().model_npz).meta["test_accuracy"]
    assert abs(man["golden"]["test_accuracy"] - float_acc) <= 0.5
    print(f"accel: {f}, float {float_acc:.2f} %, {res.seconds:.1f} s wall")


def test_handshake_under_back_pressure():
    f = passed(run_fusesoc(CORE, "sim", {"IMAGES": 12, "STALL": 40}))
    assert int(f["images"]) == 12


def _rerun(target, *plusargs):
    wd = workdir(target)
    if target == "sim":
        cmd = ["vvp", "-n", "-M.", "-N", "qmlp_accel_mlp_0.1.0", *plusargs]
    else:
        cmd = [str(wd / "Vtb_mlp_accel"), *plusargs]
    return subprocess.run(cmd, cwd=wd, capture_output=True, text=True, env=tool_env(), timeout=600)


def _edit_line(path: Path, index: int, fn):
    lines = path.read_text().splitlines()
    lines[index] = fn(lines[index])
    path.write_text("\n".join(lines) + "\n")


def _flip_lsb(word: str) -> str:
    return word[:-1] + format(int(word[-1], 16) ^ 1, "x")


@pytest.mark.parametrize("target", ["sim", "sim_verilator"])
def test_corrupted_rom_or_expected_word_is_caught(target):
    passed(run_fusesoc(CORE, target, {"IMAGES": 6}))
    roms = workdir(target) / "qmlp_roms"
    saved = {f: (roms / f).read_text() for f in ("fc2.mem", "expected.hex", "fc1.mem", "tanh.mem")}
    try:
        _edit_line(roms / "expected.hex", 11 + 4, _flip_lsb)     # image 1, logit 4
        p = _rerun(target, "+IMAGES=6")
        assert p.returncode != 0 and "MISMATCH image 1 logit 4" in p.stdout
        assert p.stdout.strip().splitlines()[-1].startswith("RESULT pass=0 images=6 mismatches=1 ")
        (roms / "expected.hex").write_text(saved["expected.hex"])

        _edit_line(roms / "fc2.mem", 1, lambda w: format(int(w, 16) ^ (0x40 << 8), f"0{len(w)}x"))  # one weight
        p = _rerun(target, "+IMAGES=6")
        assert p.returncode != 0 and "MISMATCH image" in p.stdout and "RESULT pass=0" in p.stdout
        (roms / "fc2.mem").write_text(saved["fc2.mem"])

        _edit_line(roms / "fc1.mem", 3, lambda w: w + "0")        # one word too wide
        p = _rerun(target, "+IMAGES=6")
        assert p.returncode != 0
        w = manifest()["layers"][0]["rom_width"]
        assert f"qmlp_roms/fc1.mem line 4 has {w // 4 + 1} hex digits; the hardware's ROM is {w} bits wide" in p.stdout
        (roms / "fc1.mem").write_text(saved["fc1.mem"])

        (roms / "tanh.mem").write_text("\n".join(saved["tanh.mem"].splitlines()[:-1]) + "\n")   # one word short
        p = _rerun(target, "+IMAGES=6")
        assert p.returncode != 0 and "qmlp_roms/tanh.mem holds 255 words; the hardware's ROM is 256 deep" in p.stdout
        (roms / "tanh.mem").write_text(saved["tanh.mem"])

        p = _rerun(target, "+IMAGES=6")                            # restored: passes again
        assert p.returncode == 0 and "RESULT pass=1" in p.stdout
    finally:
        for f, text in saved.items():
            (roms / f).write_text(text)


def test_lint_clean():
    res = run_fusesoc(CORE, "lint")
    assert res.returncode == 0, res.output[-2000:]
    assert "%Warning" not in res.output


def test_synth_fits_xc7z020():
    res = run_fusesoc(CORE, "synth", timeout=1200)
    assert res.returncode == 0 and res.kind == "RESOURCES", res.output[-2000:]
    r = {k: int(v) for k, v in res.fields.items()}
    man = manifest()
    assert r["dsp"] == man["macs_per_cycle"]        # one MAC per DSP48E1
    assert r["dsp"] <= 220 and r["bram18"] <= 280 and r["lut"] <= 53200 and r["ff"] <= 106400
    print(f"accel RESOURCES {r} in {res.seconds:.0f} s")
