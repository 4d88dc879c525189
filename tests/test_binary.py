"""1-bit (bipolar) weights and activations: the code convention, the golden model's sign layer,
QAT equal to the golden model, ROM packing, and the accelerator bit-exact on every 1-bit path.

The unit tests of the MAC units at 1 bit (every x code with both weights, 1 x 1) and one layer on
extreme operands are in tests/test_mac.py. The accelerator runs here use a small network
(784-32-16-10 hardtanh with biases, 2,000 images and one epoch of float and QAT training each):
bit-exactness does not depend on how well it is trained. docs/binary.md has the TFC figures.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from qmlp.errors import QmlpError
from qmlp.hw import roms
from qmlp.numerics import acts, bipolar, intnet
from qmlp.numerics.qmodel import QuantModel
from qmlp.spec import make


# ----------------------------------------------------------------------------- the convention

def test_bipolar_codes_bits_and_scale():
    assert bipolar.sign(np.array([-3, -0.0, 0, 1e-9, 5])).tolist() == [-1, 1, 1, 1, 1]     # sign(0) = +1
    c = np.array([[1, -1, -1, 1, 1, 1, -1, 1, -1]])
    assert bipolar.to_bits(c).tolist() == [[1, 0, 0, 1, 1, 1, 0, 1, 0]]
    packed = roms.pack(c, 1)                      # bit b = (c + 1) / 2, item 0 lowest
    assert packed.tolist() == [[0b10111001, 0b0]]
    np.testing.assert_array_equal(roms.unpack(packed, 1, 9), c)
    for bad in (np.array([[0, 1]]), np.array([[2, -1]])):
        with pytest.raises(QmlpError, match="must be -1 or \\+1"):
            roms.pack(bad, 1)
    # the scale: the power of two nearest |w| in squared error (mean |w| = 0.3: 0.25, not 0.5)
    w = np.array([0.3, -0.3, 0.3, -0.3])
    assert bipolar.weight_fl(w) == 2 and bipolar.weight_fl(w * 4) == 0
    assert bipolar.code_range(1) == (-1, 1) and bipolar.code_range(4) == (-8, 7)


def test_one_bit_activation_kinds_and_refusals():
    for name in ("tanh", "hardtanh", "identity"):
        a = acts.get(name)
        assert a.xbits(1) == 1 and a.code_range(1) == (-1, 1) and a.hw_kind(1) == "sign"
        assert acts.HW_CODES[a.hw_kind(1)] == 1                    # the clamp code, with OB = 1
    assert acts.get("tanh").hw_kind(2) == "table"
    for name in ("relu", "sigmoid"):
        with pytest.raises(QmlpError, match=f"a 1-bit {name} activation is not possible: 1 bit is bipolar"):
            acts.get(name).xbits(1)
    from qmlp.nn.qat import check_bits

    with pytest.raises(QmlpError, match="a 1-bit relu activation is not possible"):
        check_bits([1], [1], make([784, 16, 10], "relu"))
    assert check_bits([1], [1], make([784, 16, 16, 10], "hardtanh")) == ((1, 1, 1), (1, 1))


def test_golden_sign_layer_by_hand():
    """784-... replaced by a 4-3-2 network: layer 1 1-bit weights on 8-bit inputs, a sign
    activation with biases (acc >= 0 -> +1, acc = 0 included), 1-bit logits layer."""
    spec = make([4, 3, 2], "hardtanh", True)
    w1 = np.array([[1, -1, 1, 1], [-1, -1, -1, -1], [1, 1, -1, -1]], np.int8)
    w2 = np.array([[1, -1, 1], [-1, -1, 1]], np.int8)
    # biases: b1 at the accumulator's scale 2**-(7 + 0) is the words 0, -128, 0; b2 at 2**-(0 + 0) 2, 0
    q = QuantModel(1, [0, 0], [w1, w2], [np.array([0, -1, 0], np.float32), np.array([2, 0], np.float32)],
                   wls=[1, 1], abits=(1,), spec=spec)
    net = intnet.build(q)
    assert net.shifts == [0] and net.luts == [None]
    x = np.array([[10, 20, 30, 40], [0, 0, 0, 0], [-5, 5, -5, 5]], np.int8)
    logits, cls, hidden = intnet.forward(net, x, trace=True)
    acc1 = x.astype(np.int64) @ w1.T.astype(np.int64) + np.array([0, -128, 0])
    h = np.where(acc1 >= 0, 1, -1)
    np.testing.assert_array_equal(hidden[0], h)
    assert hidden[0][1].tolist() == [1, -1, 1]                                 # zero sums give +1
    np.testing.assert_array_equal(logits, h @ w2.T.astype(np.int64) + np.array([2, 0]))
    # the layer constants the RTL gets: ACT 1 (clamp) with a 1-bit output, input bits 8 then 1
    lc = roms.layer_constants(net)
    assert lc["L_ACT"][:2] == [1, 2] and lc["L_OB"][0] == 1 and lc["L_XB"][:2] == [8, 1]
    bad = QuantModel(1, [0, 0], [np.zeros_like(w1), w2], None, wls=[1, 1], abits=(1,), spec=make([4, 3, 2], "tanh"))
    with pytest.raises(QmlpError, match="layer 1: 1-bit weight codes must be -1 or \\+1"):
        intnet.build(bad)


# ----------------------------------------------------------------------------- QAT = golden

@pytest.fixture(scope="module")
def tiny(dataset):
    """A 784-32-16-10 hardtanh network with biases, trained on 2,000 images for one epoch."""
    from qmlp.config import TrainConfig
    from qmlp.nn.train import train

    cfg = TrainConfig(epochs=1, limit=2000, val_size=2000, layers=(784, 32, 16, 10), act="hardtanh", bias=True)
    return cfg, train(cfg, dataset, progress=False)


@pytest.fixture(scope="module")
def tiny_qat(dataset, tiny):
    from qmlp.nn.qat import train_qat

    cfg, m = tiny
    return {name: train_qat(cfg, dataset, wb, ab, m, progress=False, qat_epochs=1)
            for name, wb, ab in (("w1a1", [1], [1]), ("w1a18", [1], [1, 8]), ("w2a1", [2], [1]))}


@pytest.mark.parametrize("name", ["w1a1", "w1a18", "w2a1"])
def test_qat_forward_is_the_golden_model_at_one_bit(name, dataset, tiny_qat):
    q, meta = tiny_qat[name]
    net = intnet.build(q)
    u8 = np.round(dataset.x_test * 255).astype(np.uint8)
    assert intnet.accuracy(net, u8, dataset.y_test) == meta["test_accuracy"]      # equal, not close
    for c, w in zip(q.codes, q.wls):
        assert bipolar.codes_ok(c, w) and (w != 1 or set(np.unique(c)) == {-1, 1})
    assert meta["test_accuracy"] > 40, meta                  # far above chance after 2,000 images


# ----------------------------------------------------------------------------- the accelerator

def test_accel_bit_exact_at_one_bit_and_a_corrupted_rom_word(tmp_path, tiny_qat):
    """One Verilator run (300 images) of a network that takes every 1-bit path, against the golden
    model: 1-bit weights everywhere, activations 1 then 8 bits (w1a18). Layer 1 (lut) is +x or ~x
    of 8-bit pixels with a sign output; layer 2 (lut) is w1a1, XNOR-popcount, with an 8-bit
    hardtanh output; layer 3 (dsp2) widens the weight bits to 2-bit codes in DSP48s. (The pure
    w1a1 TFC is measured in docs/binary.md.) Then one flipped weight bit in the last ROM must give
    mismatches."""
    from test_accel import _edit_line, _rerun, golden_accuracy

    from qmlp.eda.runner import run_fusesoc
    from qmlp.nn import quant

    quant.save(tiny_qat["w1a18"][0], tmp_path / "w1a18.npz")
    res = run_fusesoc("qmlp:accel:mlp", "sim_verilator",
                      {"WBITS": "1", "ABITS": "1,8", "MAC": "lut,lut,dsp2", "MODEL": str(tmp_path / "w1a18.npz"),
                       "PE": "8,4,2", "SIMD": "49,8,4", "IMAGES": 300})
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    f = res.fields
    man = json.loads((res.work_root / "qmlp_roms" / "manifest.json").read_text())
    assert f["pass"] == "1" and f["mismatches"] == "0" and f["images"] == "300", f
    assert f["accuracy"] == f"{golden_accuracy(res, 300):.2f}"
    assert f["cycles_per_image"] == "64" and man["layers"][0]["rom_width"] == 8 * 49 * 1
    assert man["layer_constants"]["L_XB"][:3] == [8, 1, 8] and man["layer_constants"]["L_OB"][:2] == [1, 8]
    fc3 = res.work_root / "qmlp_roms" / "fc3.mem"     # a logit changes by 2 for every image
    saved = fc3.read_text()
    _edit_line(fc3, 1, lambda w: format(int(w, 16) ^ 0x1, f"0{len(w)}x"))   # one weight, +1 <-> -1
    p = _rerun(res, "+IMAGES=300")
    assert p.returncode != 0 and "MISMATCH image" in p.stdout and "RESULT pass=0" in p.stdout, p.stdout[-2000:]
    fc3.write_text(saved)


def test_qonnx_export_at_one_bit(capsys, tmp_path, tiny_qat):
    """qmlp export --qonnx of the w1a18 network: 1-bit weights and the sign activation as qonnx
    BipolarQuant nodes; qonnx's executor equals the golden model's logits (500 images)."""
    pytest.importorskip("qonnx")
    from test_import_export import _export_and_compare

    from qmlp.nn import quant

    quant.save(tiny_qat["w1a18"][0], tmp_path / "w1a18.npz")
    m = _export_and_compare(capsys, tmp_path, tmp_path / "w1a18.npz")
    ops = [n.op_type for n in m.graph.node]
    assert ops.count("BipolarQuant") == 3 + 1, ops          # three weight tensors, layer 1's output


def test_lint_clean_with_one_bit_weights(tmp_path):
    """Verilator -Wall (the lint target) at --WBITS=1 with a 1-bit layer in each style; the
    nominal model header keeps 8-bit activations (a model-free lint); the 1-bit-input paths are
    built by Verilator in the accelerator run above (and were linted by hand: docs/binary.md)."""
    from qmlp.eda.runner import run_fusesoc

    res = run_fusesoc("qmlp:accel:mlp", "lint", {"WBITS": "1", "MAC": "lut,dsp,dsp2"}, build_root=tmp_path / "work",
                      env={"QMLP_BUILD": str(tmp_path / "no-model")})
    assert res.returncode == 0 and "%Warning" not in res.output, res.output[-2000:]
