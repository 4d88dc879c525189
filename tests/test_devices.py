"""Device needs known before any tool runs: DSP48E1 and BRAM18 of a design point on the xc7z020."""

from pathlib import Path

import yaml

from qmlp import params
from qmlp.hw.devices import xc7_counts, xc7_warning
from qmlp.spec import LAB, make

REPO = Path(__file__).resolve().parents[1]


def test_xc7_counts_of_the_lab_points():
    v = params.validate("accel", {})                                  # 4,16,2 / 49,1,1, dsp
    assert xc7_counts(v) == {"dsp": 214, "bram18": 49} and xc7_warning(v) is None   # Yosys: 50 with the buffers
    v = params.validate("accel", {"PE": "8,2,2", "SIMD": "49,16,2", "MAC": "dsp2"})
    assert xc7_counts(v)["dsp"] == 4 * 49 + 16 + 2                    # two products per DSP48E1
    v = params.validate("accel", {"PE": "4,4,2", "SIMD": "4,4,4", "WBITS": "4", "ABITS": "4"})
    # layer 1 multiplies 4-bit weights by the 8-bit input (a DSP48E1 each); 4 x 4-bit products stay in LUTs
    assert xc7_counts(v)["dsp"] == 16


def test_xc7_warning_names_the_counts():
    v = params.validate("accel", {"PE": "8,16,2", "SIMD": "49,4,1"})
    w = xc7_warning(v, LAB)
    assert w.startswith("--PE=8,16,2 --SIMD=49,4,1 --MAC=dsp,dsp,dsp needs 458 DSP48E1 (the xc7z020 has 220)"), w
    s = make([16, 64, 5], "relu")
    assert xc7_warning(params.validate("accel", {}, spec=s), s) is None


def test_synth_targets_warn_through_their_hook():
    core = yaml.safe_load((REPO / "cores/accel/mlp/mlp.core").read_text().split("\n", 1)[1])
    assert core["scripts"]["roms_xc7"]["cmd"] == ["qmlp", "hook", "accel", "--xc7"]
    for t in ("synth", "synth_vivado"):
        assert core["targets"][t]["hooks"]["pre_build"] == ["roms_xc7"], t
