"""The integer golden network (intnet) at 8/4/2 bits and the ROM files (roms) it is shipped in."""

import json

import numpy as np
import pytest

from qmlp.numerics import intnet
from qmlp.nn import quant
from qmlp.hw import roms
from qmlp.errors import QmlpError


@pytest.fixture(scope="module")
def qmodel(small_model):
    fls = [quant.maxabs_fl(w, 8) for w in small_model.weights]
    return quant.quantize_model(small_model, 8, fls)


def ref_forward(net, x):
    """Plain-Python reference of the integer pipeline, one image at a time."""
    half = 1 << (net.fmt.idx_bits - 1)
    out = []
    for img in x:
        a = [int(v) for v in img]
        for l in range(3):
            w = net.w_codes[l].astype(int)
            acc = [sum(a[k] * int(w[j, k]) for k in range(len(a))) for j in range(w.shape[0])]
            if l == 2:
                out.append(acc)
                break
            s = net.shifts[l]
            z = [min(half - 1, max(-half, (v + (1 << (s - 1))) >> s if s > 0 else v << -s)) for v in acc]
            a = [int(net.tanh_luts[l][v + half]) for v in z]
    return np.array(out)


def test_forward_matches_reference(qmodel, dataset):
    net = intnet.build(qmodel)
    u8 = np.round(dataset.x_test[:3] * 255).astype(np.uint8)
    x = intnet.pixels_to_codes(u8)
    logits, cls = intnet.forward(net, x)
    np.testing.assert_array_equal(logits, ref_forward(net, x))
    np.testing.assert_array_equal(cls, np.argmax(ref_forward(net, x), axis=1))


def test_close_to_float(qmodel, small_model, dataset):
    net = intnet.build(qmodel)
    u8 = np.round(dataset.x_test * 255).astype(np.uint8)
    acc = intnet.accuracy(net, u8, dataset.y_test)
    assert abs(acc - small_model.meta["test_accuracy"]) < 1.0


def test_tanh_table():
    fmt = intnet.IntFormats()
    t = intnet.tanh_table(fmt)
    assert len(t) == 256 and t.dtype == np.int8
    assert t[128] == 0                       # z = 0
    assert t[0] == -128 and t[255] == 127    # tanh(-4) * 128 = -127.9 -> -128; tanh(3.97) * 128 -> 127
    assert np.all(np.diff(t.astype(int)) >= 0)


def test_input_codes():
    c = intnet.pixels_to_codes(np.array([0, 1, 128, 254, 255], np.uint8))
    np.testing.assert_array_equal(c, [0, 1, 64, 127, 127])   # 1/255*128 = 0.502 -> 1; 1.0 saturates at 127


def test_low_bit_tables_and_left_shifts(qmodel, dataset):
    """At 2-bit activations the tables hold Q(2, 1) codes, and a layer with few fraction bits
    requantizes by a left shift; the reference loop agrees at every such point."""
    fmt = intnet.IntFormats(abits=(4, 2))
    t1, t2 = intnet.tanh_table(fmt, 0), intnet.tanh_table(fmt, 1)
    assert t1.min() == -8 and t1.max() == 7 and set(np.unique(t2)) == {-2, -1, 0, 1}
    q2 = quant.QuantModel(2, [0, 0, 0], [np.clip(c // 64, -2, 1) for c in qmodel.codes], wls=[2, 2, 2])
    net = intnet.build(q2, intnet.IntFormats(abits=(2, 2)))
    assert net.shifts[1] < 0                          # 1 + 0 - 5: a left shift by 4
    x = intnet.pixels_to_codes(np.round(dataset.x_test[:3] * 255).astype(np.uint8))
    np.testing.assert_array_equal(intnet.forward(net, x)[0], ref_forward(net, x))


def test_bad_models(qmodel):
    with pytest.raises(QmlpError, match="takes 8, 4, 2, 1-bit weights, the quantized model has wl=6"):
        intnet.build(quant.QuantModel(6, qmodel.fls, qmodel.codes))
    with pytest.raises(QmlpError, match=r"requantization shift -\d+ .* out of range"):
        intnet.build(qmodel, intnet.IntFormats(fl_z=60))
    with pytest.raises(QmlpError, match="trained for activation bits"):
        intnet.build(quant.QuantModel(8, qmodel.fls, qmodel.codes, abits=(4, 4)), intnet.IntFormats())
    from qmlp.spec import make

    biased = make([784, 128, 64, 10], "tanh", True)
    with pytest.raises(QmlpError, match="beyond the hardware's 24-bit bias word"):
        intnet.build(quant.QuantModel(8, qmodel.fls, qmodel.codes, [np.full(n, 1e6, np.float32) for n in (128, 64, 10)],
                                      spec=biased))
    with pytest.raises(QmlpError, match="index width 20"):
        intnet.build(qmodel, intnet.IntFormats(idx_bits=20))


def test_rom_layout_and_determinism(qmodel, dataset, tmp_path):
    net = intnet.build(qmodel)
    cfg = roms.HwConfig((4, 16, 2), (49, 1, 1))
    u8 = np.round(dataset.x_test[:20] * 255).astype(np.uint8)
    m1 = roms.write(tmp_path / "a", net, cfg, u8, dataset.y_test[:20])
    m2 = roms.write(tmp_path / "b", net, cfg, u8, dataset.y_test[:20])
    for f in sorted(p.name for p in (tmp_path / "a").iterdir()):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f
    assert m1 == m2
    # word n*chunks + c, byte p*simd + s holds W[n*pe + p][c*simd + s]
    lines = (tmp_path / "a" / "fc1.hex").read_text().split()
    assert len(lines) == 32 * 16 and all(len(l) == 4 * 49 * 2 for l in lines)
    n, c, p, s = 3, 5, 2, 7
    word = bytes.fromhex(lines[n * 16 + c])[::-1]            # little-endian bytes
    assert np.uint8(word[p * 49 + s]).view(np.int8) == net.w_codes[0][n * 4 + p, c * 49 + s]
    mem = (tmp_path / "a" / "fc1.mem").read_text().split()
    assert mem[0] == "@00000000" and mem[1:] == lines
    coe = (tmp_path / "a" / "fc1.coe").read_text()
    assert coe.startswith("memory_initialization_radix=16;") and coe.rstrip().endswith(lines[-1] + ";")
    assert (tmp_path / "a" / "act1.mem").is_file() and (tmp_path / "a" / "act2.mem").is_file()
    # the model's constants for the RTL: the shifts of the hidden layers, no design point
    hdr = (tmp_path / "a" / "qmlp_mlp_model.vh").read_text()
    assert f"32'd{net.shifts[1]}, 32'd{net.shifts[0]}}};" in hdr and "localparam integer IDX_BITS = 8;" in hdr
    assert "localparam integer NL = 3;" in hdr and 'MODEL_PE = "4,16,2"' in hdr
    man = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert man["layers"][0]["rom_depth"] == 512 and man["layers"][0]["rom_width"] == 1568
    assert man["cycles_per_image"] == 512 and man["macs_per_cycle"] == 214
    # expected outputs: 10 logits + class per image, from the golden model
    exp = (tmp_path / "a" / "expected.hex").read_text().split()
    logits, cls = intnet.forward(net, intnet.pixels_to_codes(u8))
    assert len(exp) == 20 * 11 and int(exp[10], 16) == cls[0]
    assert np.int32(np.uint32(int(exp[3], 16))) == logits[0, 3]


def test_verify_catches_edits(qmodel, dataset, tmp_path):
    net = intnet.build(qmodel)
    u8 = np.round(dataset.x_test[:4] * 255).astype(np.uint8)
    roms.write(tmp_path, net, roms.HwConfig(), u8, dataset.y_test[:4])
    roms.verify(tmp_path)
    p = tmp_path / "fc2.mem"
    p.write_text(p.read_text().replace("\n", "\n0", 1))
    with pytest.raises(QmlpError, match="fc2.mem does not match the hash"):
        roms.verify(tmp_path)


@pytest.mark.parametrize("pe,simd,msg", [
    ((3, 16, 2), (49, 1, 1), "--PE=3,16,2: layer 1 has 128 outputs, and PE=3 does not divide them"),
    ((4, 16, 2), (50, 1, 1), "--SIMD=50,1,1: layer 1 has 784 inputs, and SIMD=50 does not divide them"),
    ((4, 16, 10), (49, 1, 64), "--PE=4,16,10 --SIMD=49,1,64: layer 3 would take 1 cycle per image"),
    ((4, 16), (49, 1, 1), "--PE=4,16: 2 values, but the model has 3 layers"),
    ((4, 0, 2), (49, 1, 1), "--PE=4,0,2 is not comma-separated integers 1..4096"),
])
def test_bad_configs(pe, simd, msg):
    with pytest.raises(QmlpError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        roms.HwConfig(pe, simd).check()


# ----------------------------------------------------------------------------- qmlp roms, bad input

def _roms_cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "qmlp.cli", "roms", "-q", *args], capture_output=True, text=True)


def test_roms_cli_bad_quantized_models(qmodel, tmp_path):
    q6 = tmp_path / "wl6.npz"
    quant.save(quant.QuantModel(6, qmodel.fls, [c // 4 for c in qmodel.codes]), q6)
    wide = tmp_path / "wide.npz"
    quant.save(quant.QuantModel(8, qmodel.fls, [qmodel.codes[0], qmodel.codes[1].astype(np.int32) * 3,
                                                 qmodel.codes[2]]), wide)
    shape = tmp_path / "shape.npz"
    np.savez(shape, wl=8, fl=np.array(qmodel.fls), fc1w_codes=qmodel.codes[0][:, :700],
             fc2w_codes=qmodel.codes[1], fc3w_codes=qmodel.codes[2])
    badfl = tmp_path / "badfl.npz"
    np.savez(badfl, wl=8, fl=np.array([5, 99, 5]), fc1w_codes=qmodel.codes[0], fc2w_codes=qmodel.codes[1],
             fc3w_codes=qmodel.codes[2])
    for path, msg in ((q6, "takes 8, 4, 2, 1-bit weights, the quantized model has wl=6"),
                      (wide, "fc2 codes exceed the 8-bit range -128..127"),
                      (shape, "has 784 inputs per sample, the model 700"),
                      (badfl, "fl=99 is out of range"),
                      (tmp_path / "missing.npz", "not found")):
        p = _roms_cli("--build", str(tmp_path / "b"), "--quant", str(path))
        assert p.returncode == 2 and msg in p.stderr and "Traceback" not in p.stderr, p.stderr


def test_roms_cli_nan_model_and_bad_config(small_model, tmp_path):
    from qmlp.nn import model as mdl

    w = [x.copy() for x in small_model.weights]
    w[1][3, 7] = np.nan
    (tmp_path / "model").mkdir()
    np.savez(tmp_path / "model" / "mlp.npz", fc1w=w[0], fc2w=w[1], fc3w=w[2])
    p = _roms_cli("--build", str(tmp_path))
    assert p.returncode == 2 and "fc2w holds NaN or inf" in p.stderr, p.stderr
    mdl.save(small_model, tmp_path / "model" / "mlp.npz")
    p = _roms_cli("--build", str(tmp_path), "--pe", "3,16,2")
    assert p.returncode == 2 and "--PE=3,16,2: layer 1 has 128 outputs, and PE=3 does not divide them" in p.stderr, \
        p.stderr
