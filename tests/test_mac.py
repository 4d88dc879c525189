"""MAC styles of the accelerator (--MAC=dsp|dsp2|lut): exact products, the layer on extreme
operands, the whole accelerator against the integer golden model, and what Yosys maps.

The packed DSP MAC (qmlp_mac_dsp2) is proven exact at unit level on every (w, x) pair of each
lane and on corner triples, plus K=784 sums of extremes; one layer then runs the most negative
weights and inputs through each style's products, adder tree and accumulator, against numpy.
Long runs (10,000 images per style in Verilator) are in docs/mac.md, not here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qmlp import lines, params
from qmlp.eda.runner import run_fusesoc, run_tool
from qmlp.errors import QmlpError

REPO = Path(__file__).resolve().parents[1]
MAC_CORE = "qmlp:accel:mac"
CORE = "qmlp:accel:mlp"


# ----------------------------------------------------------------------------- parameter table

def test_mac_parameter_rules():
    assert params.validate("accel", {})["MAC"] == ("dsp",) * 3
    assert params.validate("accel", {"MAC": "dsp2"})["MAC"] == ("dsp2",) * 3
    assert params.validate("accel", {"MAC": "dsp2,dsp2,dsp", "PE": "8,4,1"})["MAC"] == ("dsp2", "dsp2", "dsp")
    assert params.validate("accel", {"MAC": "lut", "WBITS": "4,2,4", "ABITS": "4"})["MAC"] == ("lut",) * 3
    for raw, msg in (({"MAC": "dsp3"}, "--MAC=dsp3 is not one word or one per layer, comma-separated, of dsp, dsp2, lut"),
                     ({"MAC": "dsp,dsp"}, "--MAC=dsp,dsp: 2 values, but the model has 3 layers"),
                     ({"MAC": "DSP"}, "--MAC=DSP is not"),
                     ({"MAC": "dsp2", "PE": "4,16,1"}, "layer 3 is dsp2, which packs the weights of two neurons "
                                                        "into one DSP48, and PE=1 is odd"),
                     ({"MAC": "dsp,lut,dsp"}, "layer 2 is lut, which builds its multipliers in LUTs for 4-, 2- "
                                              "or 1-bit weights, and its weights have 8 bits")):
        with pytest.raises(QmlpError, match=msg.replace("(", r"\(")):
            params.validate("accel", raw)


# ----------------------------------------------------------------------------- the MAC units

# AB = 5 and 3: the containers of unsigned 4- and 2-bit activations (relu, sigmoid: XB = AB + 1,
# qmlp.numerics.acts), whose every signed code the exhaustive pairs include
@pytest.mark.parametrize("wb,ab,corrupt,target", [(8, 8, 0, "sim_mac"), (2, 8, 0, "sim_mac"), (4, 4, 100, "sim_mac"),
                                                   (4, 5, 0, "sim_mac"), (2, 3, 0, "sim_mac"),
                                                   (8, 8, 0, "sim_mac_ecp5"),
                                                   # bipolar: both weights x every 8-bit code; 1 x 1 (xnor
                                                   # too), also with a corrupted product caught; a 4-bit
                                                   # weight x both inputs
                                                   (1, 8, 0, "sim_mac"), (1, 1, 7, "sim_mac"),
                                                   (1, 1, 0, "sim_mac"), (4, 1, 0, "sim_mac")])
def test_mac_units_exact(tmp_path, wb, ab, corrupt, target):
    """qmlp_mac_dsp2 (both lanes), qmlp_mul_lut and qmlp_mul_dsp: every (w, x) pair, corner
    triples such as -128 x -128 and -128 x 127, six K=784 sums of extremes; a corrupted product
    is caught. sim_mac_ecp5 builds qmlp_mul_dsp as a MULT18X18D (on the test model of the block)."""
    res = run_fusesoc(MAC_CORE, target, {"WB": wb, "AB": ab, "CORRUPT": corrupt}, build_root=tmp_path, timeout=600)
    scr = next(res.work_root.glob("*.scr")).read_text()
    assert ("+define+QMLP_ECP5_MULT=1" in scr) == (target == "sim_mac_ecp5"), scr
    assert ("qmlp_tb_mult18x18d.v" in scr) == (target == "sim_mac_ecp5"), scr
    pairs = 2 * (1 << (wb + ab)) + 6 ** 3 + 6 * 784
    if corrupt:
        assert res.returncode != 0 and res.kind == "RESULT" and res.fields["pass"] == "0", res.output[-2000:]
        assert res.fields["mismatches"] == "1" and f"MISMATCH vector {corrupt}:" in res.output
        return
    assert res.returncode == 0 and res.fields == {"pass": "1", "vectors": str(pairs), "mismatches": "0",
                                                   "cycles": res.fields.get("cycles")}, res.output[-2000:]
    if wb == 8:
        # the worst sums: 784 x (-128 x -128) in both lanes, -128 x 127 against 127 x 127
        assert "run 0: 784 products summed per lane: 12845056 and 12845056 (exact)" in res.output
        assert "run 1: 784 products summed per lane: -12744704 and 12645136 (exact)" in res.output


# ----------------------------------------------------------------------------- one layer, extremes

def _codes(rng, bits, shape):
    """Random codes of `bits` bits and the range's ends; 1 bit is bipolar (-1, +1)."""
    if bits == 1:
        return 2 * rng.integers(0, 2, shape) - 1, -1, 1
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return rng.integers(lo, hi + 1, shape), lo, hi


def _stored(code: int, bits: int) -> int:
    """A code as the ROM stores it: its bits; a bipolar code as b = (c + 1) / 2."""
    return (code + 1) >> 1 if bits == 1 else code & ((1 << bits) - 1)


def _layer_case(folder: Path, k, n, pe, simd, wb, ab, images, seed=0):
    """ROM (qmlp's word layout), input words and the exact int32 sums for extreme operands."""
    rng = np.random.default_rng(seed)
    w, wlo, whi = _codes(rng, wb, (n, k))
    w[0], w[1], w[2] = wlo, whi, np.where(np.arange(k) % 2, wlo, whi)    # most negative, largest, alternating
    w[3] = np.where(rng.integers(0, 2, k) == 1, wlo, whi)                 # random extremes
    x, xlo, xhi = _codes(rng, ab, (images, k))
    x[0], x[1] = xlo, xhi                                                  # -128 x -128 sums to 784 * 2**14
    x[2] = np.where(np.arange(k) % 3 == 0, xhi, xlo)
    acc = x.astype(np.int64) @ w.T.astype(np.int64)                        # exact
    assert np.all(np.abs(acc) < 2**31)
    chunks, groups = k // simd, n // pe
    with open(folder / "layer_rom.mem", "w") as f:
        for g in range(groups):
            for c in range(chunks):
                word = 0
                for p in range(pe):
                    for s in range(simd):
                        word |= _stored(int(w[g * pe + p, c * simd + s]), wb) << (wb * (p * simd + s))
                f.write(f"{word:0{(pe * simd * wb + 3) // 4}x}\n")
    with open(folder / "layer_x.hex", "w") as f:
        for i in range(images):
            for c in range(chunks):
                word = 0
                for s in range(simd):
                    word |= (int(x[i, c * simd + s]) & 0xFF) << (8 * s)        # a code sign-extended into its byte
                f.write(f"{word:0{simd * 2}x}\n")
    (folder / "layer_acc.hex").write_text("".join(f"{int(v) & 0xFFFFFFFF:08x}\n" for v in acc.ravel()))
    return acc


LAYER_CASES = [("dsp", 8, 8, 4, 16), ("dsp2", 8, 8, 4, 16), ("dsp2", 8, 8, 2, 49), ("dsp2", 4, 4, 4, 8),
               ("lut", 4, 8, 4, 16), ("lut", 2, 2, 2, 98), ("dsp2", 4, 5, 4, 8), ("lut", 2, 3, 2, 98),
               # bipolar: +x or ~x and a count (w1a8), XNOR-popcount (w1a1, SIMD 49: a padded tree),
               # 1-bit operands widened to 2-bit codes in DSPs (dsp2 w1a1, dsp w4a1), Booth at a 1-bit input
               ("lut", 1, 8, 4, 16), ("lut", 1, 1, 2, 49), ("dsp2", 1, 1, 4, 16), ("dsp", 4, 1, 2, 16),
               ("lut", 2, 1, 2, 49),
               # w1aN in lut: the pair path (shared pair sums and S), an odd SIMD (the last input
               # alone, a padded pair tree), and SIMD 2 (one pair, no tree)
               ("lut", 1, 8, 2, 49), ("lut", 1, 4, 4, 2)]


@pytest.mark.parametrize("mac,wb,ab,pe,simd", LAYER_CASES, ids=[f"{c[0]}-w{c[1]}a{c[2]}-pe{c[3]}" for c in LAYER_CASES])
def test_layer_sums_of_extremes_are_exact(tmp_path, mac, wb, ab, pe, simd):
    """One layer (K=784, N=8, int32 outputs) per MAC style, against numpy's exact sums: the most
    negative weights and inputs everywhere, the largest, alternations; a corrupted expected
    sum fails the same simulation."""
    k, n, images = 784, 8, 4
    acc = _layer_case(tmp_path, k, n, pe, simd, wb, ab, images)
    assert acc[0, 0] == k * (1 << (wb - 1)) * (1 << (ab - 1))            # 784 x (-128 x -128) at 8 bits
    code = params.MAC_STYLES.index(mac)
    top = "qmlp_tb_mlp_layer"
    prm = dict(K=k, N=n, PE=pe, SIMD=simd, WB=wb, AB=ab, MAC=code, IMAGES=images)
    srcs = [REPO / "cores/accel/mac/rtl/qmlp_mac_dsp2.v", REPO / "cores/accel/mac/rtl/qmlp_mul_lut.v",
            REPO / "cores/accel/mac/rtl/qmlp_mul_dsp.v", REPO / "cores/accel/mac/rtl/qmlp_mul_xnor.v",
            REPO / "cores/accel/mlp/rtl/qmlp_mlp_lane.v", REPO / "cores/accel/mlp/rtl/qmlp_mlp_layer.v",
            REPO / "cores/accel/mlp/tb/qmlp_tb_mlp_layer.v"]
    run_tool(["iverilog", "-g2005-sv", "-s", top, "-o", tmp_path / "layer.vvp",
              *[f"-P{top}.{a}={b}" for a, b in prm.items()], *srcs], timeout=300, cwd=tmp_path, check=True)
    res = run_tool(["vvp", "-N", tmp_path / "layer.vvp"], timeout=300, cwd=tmp_path)
    kind, f = lines.parse(res.output)
    assert res.returncode == 0 and kind == "RESULT" and f["pass"] == "1", res.output[-2000:]
    assert f["cycles"] == str((k // simd) * (n // pe))                      # back to back
    if mac == "dsp2" and pe == 4:
        hexes = (tmp_path / "layer_acc.hex").read_text().split()
        hexes[n + 5] = f"{int(hexes[n + 5], 16) ^ 1:08x}"
        (tmp_path / "layer_acc.hex").write_text("\n".join(hexes) + "\n")
        bad = run_tool(["vvp", "-N", tmp_path / "layer.vvp"], timeout=300, cwd=tmp_path)
        assert bad.returncode != 0 and lines.parse(bad.output)[1]["pass"] == "0"
        assert "MISMATCH image 1 neuron 5" in bad.output


def test_mixed_layer_pair_lanes_are_exact(tmp_path):
    """A mixed layer at w1a8 (dsp2 lanes and LUTPE=2 lut lanes, SIMD 49): its lut lanes take the
    pair path with registered leaves (PREG=1, the layer's stage count unchanged); exact sums."""
    k, n, pe, simd, images = 784, 8, 4, 49, 4
    _layer_case(tmp_path, k, n, pe, simd, 1, 8, images)
    top = "qmlp_tb_mlp_layer"
    prm = dict(K=k, N=n, PE=pe, SIMD=simd, WB=1, AB=8, MAC=params.MAC_STYLES.index("dsp2"), LUTPE=2, IMAGES=images)
    srcs = [REPO / f"cores/accel/mac/rtl/{m}.v" for m in ("qmlp_mac_dsp2", "qmlp_mul_lut", "qmlp_mul_dsp", "qmlp_mul_xnor")]
    srcs += [REPO / "cores/accel/mlp/rtl/qmlp_mlp_lane.v", REPO / "cores/accel/mlp/rtl/qmlp_mlp_layer.v",
             REPO / "cores/accel/mlp/tb/qmlp_tb_mlp_layer.v"]
    run_tool(["iverilog", "-g2005-sv", "-s", top, "-o", tmp_path / "layer.vvp",
              *[f"-P{top}.{a}={b}" for a, b in prm.items()], *srcs], timeout=300, cwd=tmp_path, check=True)
    res = run_tool(["vvp", "-N", tmp_path / "layer.vvp"], timeout=300, cwd=tmp_path)
    kind, f = lines.parse(res.output)
    assert res.returncode == 0 and kind == "RESULT" and f["pass"] == "1", res.output[-2000:]
    assert f["cycles"] == str((k // simd) * (n // pe))


# ----------------------------------------------------------------------------- the accelerator

BAD_MAC = [({"MAC": "dsp2", "PE": "4,16,1"}, "layer 3 is dsp2"),
           ({"MAC": "lut,dsp,dsp"}, "layer 1 is lut, which builds its multipliers in LUTs for 4-, 2- or 1-bit weights"),
           ({"MAC": "dsp4"}, "--MAC=dsp4 is not one word or one per layer, comma-separated, of dsp, dsp2, lut")]


@pytest.mark.parametrize("target,case", [("lint", 0), ("synth", 0), ("sim", 0), ("sim", 1), ("synth", 2)])
def test_bad_mac_stops_every_target(tmp_path, target, case):
    prm, msg = BAD_MAC[case]
    res = run_fusesoc(CORE, target, prm, build_root=tmp_path, timeout=300)
    assert res.returncode != 0 and msg in res.output, res.output[-2000:]
    assert res.kind is None                 # nothing was simulated or synthesized


@pytest.fixture(scope="module")
def low_bit_models(tmp_path_factory, dataset, small_model):
    """Quickly trained QAT models (bit-exactness does not depend on how well they are trained)."""
    from qmlp.config import TrainConfig
    from qmlp.nn import quant
    from qmlp.nn.qat import train_qat

    folder = tmp_path_factory.mktemp("mac_models")
    out = {}
    for name, wb, ab in (("w4a4", [4], [4]), ("w2a2", [2], [2])):
        q, _ = train_qat(TrainConfig(limit=2000, val_size=2000), dataset, wb, ab, small_model, progress=False,
                         qat_epochs=1)
        quant.save(q, folder / f"{name}.npz")
        out[name] = folder / f"{name}.npz"
    return out


def _golden_ok(res, images):
    from test_accel import golden_accuracy

    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    f = res.fields
    assert f["pass"] == "1" and f["mismatches"] == "0" and f["images"] == str(images), f
    assert f["accuracy"] == f"{golden_accuracy(res, images):.2f}"
    return f


def test_accel_mac_styles_bit_exact(low_bit_models):
    """Every style in the whole accelerator, Icarus, against the integer golden model: int8 with
    dsp2 on every layer, w4a4 with lut, lut, dsp2, w2a2 with lut everywhere (2 images each; the
    docs/mac.md gives the 10,000-image Verilator runs)."""
    from concurrent.futures import ThreadPoolExecutor

    runs = {"w8a8-dsp2": {"MAC": "dsp2", "PE": "4,16,2", "SIMD": "49,2,1"},
            "w4a4-lut": {"MAC": "lut,lut,dsp2", "WBITS": "4", "ABITS": "4", "MODEL": str(low_bit_models["w4a4"]),
                         "PE": "4,8,2", "SIMD": "49,4,2"},
            "w2a2-lut": {"MAC": "lut", "WBITS": "2", "ABITS": "2", "MODEL": str(low_bit_models["w2a2"]),
                         "PE": "4,8,5", "SIMD": "98,8,2"}}
    cycles = {"w8a8-dsp2": 32 * 16, "w4a4-lut": 32 * 16, "w2a2-lut": 32 * 8}
    with ThreadPoolExecutor(2) as ex:
        results = dict(zip(runs, ex.map(lambda n: run_fusesoc(CORE, "sim", dict(runs[n], IMAGES=2), timeout=900),
                                        runs)))
    for name, res in results.items():
        f = _golden_ok(res, 2)
        assert f["cycles_per_image"] == str(cycles[name]), (name, f)


def test_synth_maps_each_mac_style(low_bit_models):
    """Yosys at a small w4a4 point with a style per layer: layer 1 lut (32 products, no DSP),
    layer 2 dsp2 (32 products in 16 DSP48E1), layer 3 dsp (4 products of 4 x 4 bits, which
    Yosys builds in LUTs: below its size threshold for a DSP48; measured 16 DSP in all)."""
    res = run_fusesoc(CORE, "synth", {"PE": "2,8,2", "SIMD": "16,4,2", "MAC": "lut,dsp2,dsp", "WBITS": "4",
                                      "ABITS": "4", "MODEL": str(low_bit_models["w4a4"])}, timeout=1200)
    assert res.returncode == 0 and res.kind == "RESOURCES", res.output[-2000:]
    r = {k: int(v) for k, v in res.fields.items()}
    assert r["dsp"] == 0 + 8 * 4 // 2 + 0, r
    assert r["bram18"] >= 1 and 2 * 16 * 10 <= r["lut"] <= 53200, r     # the lut layer's products are LUTs
    print(f"accel lut,dsp2,dsp RESOURCES {r} in {res.seconds:.0f} s")


@pytest.mark.parametrize("ecp5", [0, 1])
def test_synth_ecp5_puts_the_dsp_product_register_in_the_multiplier(tmp_path, ecp5):
    """Yosys synth_ecp5 of one qmlp_mul_dsp (8 x 8 bits): with QMLP_ECP5_MULT=1 (the pnr_ecp5
    targets) one MULT18X18D with REG_OUTPUT_CLK=CLK0 and no fabric flip-flop; without it
    synth_ecp5 builds a combinational MULT18X18D and keeps the 16-bit register in the fabric."""
    src = REPO / "cores/accel/mac/rtl/qmlp_mul_dsp.v"
    script = (f"read_verilog -DQMLP_ECP5_MULT={ecp5} {src}; synth_ecp5 -top qmlp_mul_dsp; "
              f"tee -q -o stat.json stat -json; write_json net.json")
    run_tool(["yosys", "-q", "-p", script], cwd=tmp_path, timeout=300, check=True)
    cells = json.loads((tmp_path / "stat.json").read_text())["modules"]["\\qmlp_mul_dsp"]["num_cells_by_type"]
    mults = [c for m in json.loads((tmp_path / "net.json").read_text())["modules"].values()
             for c in m["cells"].values() if c["type"] == "MULT18X18D"]
    assert cells.get("MULT18X18D") == 1 and len(mults) == 1, cells
    reg = mults[0]["parameters"].get("REG_OUTPUT_CLK", "NONE")
    if ecp5:
        assert reg.strip() == "CLK0" and cells.get("TRELLIS_FF", 0) == 0, (reg, cells)
    else:
        assert reg.strip() in ("NONE", "") and cells.get("TRELLIS_FF", 0) == 16, (reg, cells)
