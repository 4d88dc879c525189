"""Mixed layers (--LUTPE): a layer's last LUTPE PEs build their products in LUT multipliers
(qmlp_mul_lut) whatever its MAC style, so the xc7z020's 220 DSP48E1 do not cap the products
per cycle. Bit-exactness of the split layer and of the whole accelerator, the parameter's
messages, and the cost model and search that plan such layers (docs/mixed.md has the Yosys
and 10,000-image Verilator measurements; nothing here synthesizes).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qmlp import lines, params
from qmlp.eda.runner import run_fusesoc, run_tool
from qmlp.errors import QmlpError
from qmlp.flow import dse
from qmlp.flow.dse.space import mixed

from test_mac import _layer_case

REPO = Path(__file__).resolve().parents[1]
CORE = "qmlp:accel:mlp"
W8 = ((8, 8, 8), (8, 8))


# ----------------------------------------------------------------------------- one mixed layer

def _layer(folder: Path, mac: str, wb: int, ab: int, pe: int, simd: int, lutpe: int, k=784, n=8, images=4):
    """Build and run qmlp_tb_mlp_layer (Icarus) on extreme operands; the compiled simulation."""
    _layer_case(folder, k, n, pe, simd, wb, ab, images)
    top = "qmlp_tb_mlp_layer"
    prm = dict(K=k, N=n, PE=pe, SIMD=simd, WB=wb, AB=ab, MAC=params.MAC_STYLES.index(mac), LUTPE=lutpe,
               IMAGES=images)
    srcs = [REPO / f"cores/accel/mac/rtl/{m}.v" for m in ("qmlp_mac_dsp2", "qmlp_mul_lut", "qmlp_mul_dsp",
                                                          "qmlp_mul_xnor")]
    srcs += [REPO / "cores/accel/mlp/rtl/qmlp_mlp_lane.v", REPO / "cores/accel/mlp/rtl/qmlp_mlp_layer.v",
             REPO / "cores/accel/mlp/tb/qmlp_tb_mlp_layer.v"]
    run_tool(["iverilog", "-g2005-sv", "-s", top, "-o", folder / "layer.vvp",
              *[f"-P{top}.{a}={b}" for a, b in prm.items()], *srcs], timeout=300, cwd=folder, check=True)
    return run_tool(["vvp", "-N", folder / "layer.vvp"], timeout=300, cwd=folder)


@pytest.mark.parametrize("mac,pe,lutpe", [("dsp2", 4, 2), ("dsp", 4, 3)])
def test_mixed_layer_sums_of_extremes_are_exact(tmp_path, mac, pe, lutpe):
    """K=784, N=8 at w8a8: the DSP lanes and the LUT lanes (8-bit Booth products) of one layer
    against numpy's exact int32 sums of the most negative weights and inputs, the largest and
    alternations; a wrong expected sum of a LUT-lane neuron fails the same simulation."""
    res = _layer(tmp_path, mac, 8, 8, pe, 16, lutpe)
    kind, f = lines.parse(res.output)
    assert res.returncode == 0 and kind == "RESULT" and f["pass"] == "1", res.output[-2000:]
    assert f["cycles"] == str((784 // 16) * (8 // pe))                      # back to back
    n, bad_neuron = 8, pe + pe - 1                                           # group 1's last neuron: a LUT lane
    acc = tmp_path / "layer_acc.hex"
    words = acc.read_text().split()
    words[n + bad_neuron] = f"{int(words[n + bad_neuron], 16) ^ 1:08x}"     # image 1
    acc.write_text("\n".join(words) + "\n")
    bad = run_tool(["vvp", "-N", tmp_path / "layer.vvp"], timeout=300, cwd=tmp_path)
    assert bad.returncode != 0 and lines.parse(bad.output)[1]["pass"] == "0"
    assert f"MISMATCH image 1 neuron {bad_neuron}" in bad.output


# ----------------------------------------------------------------------------- the accelerator

def test_accelerator_with_mixed_layers_is_bit_exact():
    """The lab network at w8a8 with a mixed layer in every layer (dsp2 and LUT PEs in layer 1,
    dsp and LUT in layer 2, layer 3 all in LUTs), Icarus, against the integer golden model."""
    from test_accel import golden_accuracy

    res = run_fusesoc(CORE, "sim", {"PE": "4,16,2", "SIMD": "49,1,1", "MAC": "dsp2,dsp,dsp", "LUTPE": "2,3,2",
                                    "IMAGES": 3}, timeout=900)
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    f = res.fields
    assert f["pass"] == "1" and f["mismatches"] == "0" and f["images"] == "3", f
    assert f["accuracy"] == f"{golden_accuracy(res, 3):.2f}" and f["cycles_per_image"] == "512"


def test_lint_clean_at_the_128_cycle_point(tmp_path):
    """Verilator -Wall on the w8a8 128-cycle point of docs/mixed.md (8-bit lut lanes beside dsp2
    and dsp ones; an implicit width in qmlp_mul_lut's row sums once stopped this target)."""
    res = run_fusesoc(CORE, "lint", {"PE": "16,2,5", "SIMD": "49,32,1", "MAC": "dsp2,dsp,dsp", "LUTPE": "8,2,5"},
                      build_root=tmp_path, timeout=300)
    assert res.returncode == 0 and "%Warning" not in res.output, res.output[-2000:]


def test_bad_lutpe_stops_the_run(tmp_path):
    """The hook refuses it before any tool runs (the messages themselves: test_lutpe_parameter_rules)."""
    msg = "--LUTPE=5,0,0 --PE=4,16,2: layer 1 has PE=4 and LUTPE=5: LUTPE counts the layer's PEs built in LUTs, 0..4"
    res = run_fusesoc(CORE, "lint", {"LUTPE": "5,0,0"}, build_root=tmp_path, timeout=300)
    assert res.returncode != 0 and msg in res.output, res.output[-2000:]
    assert res.kind is None


# ----------------------------------------------------------------------------- parameter table

def test_lutpe_parameter_rules():
    assert params.validate("accel", {})["LUTPE"] == (0, 0, 0)
    v = params.validate("accel", {"PE": "16,8,5", "SIMD": "49,8,1", "MAC": "dsp2,dsp2,dsp", "LUTPE": "8,2,5"})
    assert v["LUTPE"] == (8, 2, 5)
    # dsp2 pairs the PEs left to the DSP48s: an odd PE with an odd LUTPE, or all of them in LUTs
    assert params.validate("accel", {"PE": "4,16,5", "SIMD": "49,1,1", "MAC": "dsp,dsp,dsp2",
                                     "LUTPE": "1"})["LUTPE"] == (1, 1, 1)
    assert params.validate("accel", {"PE": "4,16,5", "SIMD": "49,1,1", "MAC": "dsp2,dsp,dsp2",
                                     "LUTPE": "0,0,5"})["LUTPE"] == (0, 0, 5)
    for raw, msg in (({"LUTPE": "1,2"}, "--LUTPE=1,2: 2 values, but the model has 3 layers"),
                     ({"LUTPE": "-1"}, "--LUTPE=-1 is not comma-separated integers 0..4096"),
                     ({"LUTPE": "0,17,0"}, "layer 2 has PE=16 and LUTPE=17"),
                     ({"MAC": "dsp2", "PE": "4,16,2", "LUTPE": "0,0,1"}, "layer 3 is dsp2, which packs the weights "
                                                                        "of two neurons into one DSP48, and leaves "
                                                                        "PE - LUTPE = 2 - 1 = 1 PEs")):
        with pytest.raises(QmlpError, match=msg.replace("(", r"\(")):
            params.validate("accel", raw)


# ----------------------------------------------------------------------------- cost model and search

def test_cost_model_counts_a_mixed_layer():
    """LUT PEs need no DSP48E1 and cost the lut style's LUTs per product; a point without LUT
    PEs keeps its FuseSoC parameters (and so its cached results and commands)."""
    pure = dse.Candidate((16, 8, 5), (49, 8, 1), ("dsp2", "dsp2", "dsp"), *W8)
    mix = dse.Candidate((16, 8, 5), (49, 8, 1), ("dsp2", "dsp2", "dsp"), *W8, lutpe=(8, 2, 5))
    assert pure.estimate()["dsp"] == 8 * 49 + 4 * 8 + 5 == 429
    assert mix.estimate()["dsp"] == 4 * 49 + 3 * 8 + 0 == 220
    extra = sum(lp * s * (dse.lut_per_product("lut", 8, 8, s) - dse.lut_per_product(m, 8, 8, s))
                for lp, s, m in zip(mix.lutpe, mix.simd, mix.mac))
    assert mix.estimate()["lut"] - pure.estimate()["lut"] == pytest.approx(extra, abs=3)
    assert "LUTPE" not in pure.fusesoc_params() and mix.fusesoc_params()["LUTPE"] == "8,2,5"
    assert dse.Candidate.from_params(mix.fusesoc_params()) == mix
    assert dse.Candidate((16, 8, 5), (49, 8, 1), ("dsp2",) * 2 + ("dsp",), *W8, lutpe=(0, 0, 0)) == pure
    assert mix.label().endswith("LUTPE=8,2,5") and dse.implausible(mix, {"dsp": 219, "lut": 40000}) is not None


def test_search_plans_mixed_layers_past_the_dsp_bound():
    """At w8a8 the lab network's 128-cycle interval needs 853 products per cycle: the plan's
    candidate there is mixed, fits the DSP48E1s, and passes the parameter table; without the
    lut style allowed no candidate is faster than the DSP48E1s allow."""
    m = mixed(dse.Candidate((16, 8, 5), (49, 8, 1), ("dsp2", "dsp2", "dsp"), *W8))
    assert m is not None and m.estimate()["dsp"] <= 220 and m.lutpe[0] % 2 == 0
    assert mixed(dse.Candidate((4, 16, 2), (49, 1, 1), ("dsp",) * 3, *W8)) is None     # 214 DSP: fits already
    by_t = {c.cycles_per_image: c for c in dse.plan(*W8)}
    c = by_t[128]
    assert c.lutpe and c.macs == 784 + 64 + 5 and c.estimate()["dsp"] <= 220
    c.check()
    fastest_dsp_only = dse.plan(*W8, styles=("dsp", "dsp2"))[0]
    assert fastest_dsp_only.cycles_per_image >= 256 and not fastest_dsp_only.lutpe
