"""4- and 2-bit: packing, quantization-aware training, and the accelerator at low bits.

QAT's forward pass is the integer golden model: the tests check equality, not closeness.
The accelerator runs take a quickly trained QAT model (4,000 images, one epoch each of float
and QAT training): bit-exactness does not depend on how well the model is trained.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qmlp.errors import QmlpError
from qmlp.hw import roms


@settings(max_examples=200, deadline=None)
@given(bits=st.sampled_from([8, 4, 2]), rows=st.integers(1, 5), n=st.integers(1, 40), seed=st.integers(0, 2**16))
def test_pack_round_trip(bits, rows, n, seed):
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    c = np.random.default_rng(seed).integers(lo, hi + 1, (rows, n))
    c[0, 0], c[-1, -1] = lo, hi                       # the most negative code and the largest
    packed = roms.pack(c, bits)
    assert packed.dtype == np.uint8 and packed.shape == (rows, -(-n * bits // 8))
    np.testing.assert_array_equal(roms.unpack(packed, bits, n), c)


def test_pack_layout_and_bad_input():
    # item 0 in the least significant bits: [1, -1, -2, 0] at 2 bits = 0b00_10_11_01
    assert roms.pack(np.array([[1, -1, -2, 0]]), 2)[0, 0] == 0b00101101
    assert roms.pack(np.array([[1, -8]]), 4)[0, 0] == 0x81
    for bad, bits in ((np.array([[2]]), 2), (np.array([[-9]]), 4), (np.array([[0]]), 3), (np.array([0]), 4)):
        with pytest.raises(QmlpError):
            roms.pack(bad, bits)


def test_rom_words_at_low_bits(small_model, dataset, tmp_path):
    from qmlp.numerics import intnet
    from qmlp.nn import quant

    q = quant.quantize_model(small_model, 4, [3, 3, 3])
    q.wls = [4, 2, 4]
    q.codes[1] = np.clip(q.codes[1], -2, 1).astype(np.int8)
    cfg = roms.HwConfig((4, 16, 2), (49, 1, 1), (4, 2, 4), (4, 2))
    net = intnet.build(q, intnet.IntFormats(abits=(4, 2)))
    u8 = np.round(dataset.x_test[:4] * 255).astype(np.uint8)
    man = roms.write(tmp_path, net, cfg, u8, dataset.y_test[:4])
    assert [l["rom_width"] for l in man["layers"]] == [4 * 49 * 4, 16 * 2, 2 * 4]
    assert man["rom_bits"] == sum(l["rom_width"] * l["rom_depth"] for l in man["layers"])
    lines = (tmp_path / "fc2.hex").read_text().split()
    assert all(len(w) == 8 for w in lines)            # 32 bits: 16 codes of 2 bits
    word = int(lines[5], 16)                          # n = 0, c = 5: W[p][5] for p = 0..15
    codes = [((word >> (2 * p)) & 3) - 4 * (((word >> (2 * p)) & 3) >= 2) for p in range(16)]
    assert codes == [int(q.codes[1][p, 5]) for p in range(16)]
    assert set(np.unique([int(v, 16) for v in (tmp_path / "act2.hex").read_text().split()])) <= {0, 1, 0xFE, 0xFF}


@pytest.fixture(scope="module")
def qat_w4a4(dataset, small_model):
    from qmlp.config import TrainConfig
    from qmlp.nn.qat import train_qat

    return train_qat(TrainConfig(limit=4000, val_size=2000), dataset, [4], [4], small_model, progress=False,
                     qat_epochs=1)


@pytest.mark.parametrize("bits", [("w4a4", None), ("w2a2", ([2], [2])), ("mixed", ([8, 2, 8], [4, 8]))])
def test_qat_forward_is_the_integer_network(bits, dataset, small_model, qat_w4a4):
    from qmlp.config import TrainConfig
    from qmlp.numerics import intnet
    from qmlp.nn.qat import train_qat

    if bits[1] is None:
        q, meta = qat_w4a4
    else:
        q, meta = train_qat(TrainConfig(limit=2000, val_size=2000), dataset, *bits[1], small_model,
                            progress=False, qat_epochs=1)
    net = intnet.build(q)
    u8 = np.round(dataset.x_test * 255).astype(np.uint8)
    assert intnet.accuracy(net, u8, dataset.y_test) == meta["test_accuracy"]      # equal, not close
    for c, w in zip(q.codes, q.wls):
        assert c.min() >= -(1 << (w - 1)) and c.max() <= (1 << (w - 1)) - 1
    assert meta["test_accuracy"] > 60


def test_qat_bad_bits(dataset):
    from qmlp.nn.qat import check_bits

    for wb, ab, msg in (([3], [4], "--wbits=3"), ([4, 4], [4], "--wbits=4,4"), ([4], [4, 4, 4], "--abits=4,4,4")):
        with pytest.raises(QmlpError, match=msg):
            check_bits(wb, ab)
    from qmlp.spec import make

    with pytest.raises(QmlpError, match="--wbits=4,4,4: one value or 2"):
        check_bits([4, 4, 4], [4], make([784, 64, 10], "relu"))


def test_accel_bit_exact_at_w4a4_and_mixed(tmp_path, dataset, small_model, qat_w4a4):
    """Two low-bit points in Verilator, each equal to the golden model (500 images each here;
    the report runs every point over all 10,000 test images): w4a4, and w4/w2/w4 weights with
    a4/a2 activations. (w2a2 everywhere: tests/test_mac.py on the lab's network, with lut
    lanes, and tests/test_networks.py on a tabular network.)"""
    from concurrent.futures import ThreadPoolExecutor

    from test_accel import golden_accuracy

    from qmlp.config import TrainConfig
    from qmlp.eda.runner import run_fusesoc
    from qmlp.nn import quant
    from qmlp.nn.qat import train_qat

    points = {"w4a4": (qat_w4a4[0], "4", "4")}
    for name, wb, ab in (("w424a42", [4, 2, 4], [4, 2]),):
        points[name] = (train_qat(TrainConfig(limit=2000, val_size=2000), dataset, wb, ab, small_model,
                                  progress=False, qat_epochs=1)[0], ",".join(map(str, wb)), ",".join(map(str, ab)))
    for name, (q, _, _) in points.items():
        quant.save(q, tmp_path / f"{name}.npz")

    def run(name):
        _, wb, ab = points[name]
        return run_fusesoc("qmlp:accel:mlp", "sim_verilator",
                           {"WBITS": wb, "ABITS": ab, "MODEL": str(tmp_path / f"{name}.npz"),
                            "PE": "8,16,2", "SIMD": "49,2,1", "IMAGES": 500})

    with ThreadPoolExecutor(2) as ex:
        results = dict(zip(points, ex.map(run, points)))
    for name, res in results.items():
        assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
        f = res.fields
        man = json.loads((res.work_root / "qmlp_roms" / "manifest.json").read_text())
        assert f["pass"] == "1" and f["mismatches"] == "0" and f["images"] == "500", (name, f)
        wb, ab = points[name][1].split(","), points[name][2].split(",")
        want = "w" + "".join(wb * 3 if len(wb) == 1 else wb) + "a" + "".join(ab * 2 if len(ab) == 1 else ab)
        assert f["accuracy"] == f"{golden_accuracy(res, 500):.2f}" and man["bits"]["name"] == want
        print(f"accel {name}: {f}; ROM {man['rom_bits']:,} bits")


def test_accel_refuses_a_model_of_other_bits(tmp_path, qat_w4a4):
    from qmlp.eda.runner import run_fusesoc
    from qmlp.nn import quant

    quant.save(qat_w4a4[0], tmp_path / "w4a4.npz")
    res = run_fusesoc("qmlp:accel:mlp", "synth", {"MODEL": str(tmp_path / "w4a4.npz")}, build_root=tmp_path / "w")
    assert res.returncode != 0 and "is a w444a44 model: run with --WBITS=4,4,4 --ABITS=4,4" in res.output
