"""Any MLP: the network spec from training to the RTL, bit for bit.

Networks other than the lab's 784-128-64-10 tanh are trained here on a small budget, quantized
(post-training at w8a8, QAT at 4 and 2 bits), and run through qmlp:accel:mlp in Icarus against
the integer golden model; bad specs and design points end in one clear line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import need_default_data
from qmlp import params
from qmlp.config import DEFAULT_DATA, TrainConfig
from qmlp.errors import QmlpError
from qmlp.eda.runner import run_fusesoc
from qmlp.numerics import intnet
from qmlp.spec import LAB, NetSpec, make

CORE = "qmlp:accel:mlp"


# ----------------------------------------------------------------------------- the spec

def test_spec_round_trips_and_describes():
    s = make([784, 256, 128, 64, 32, 10], "tanh,relu,sigmoid,identity", [True, False, True, True, False])
    assert NetSpec.from_json(s.to_json()) == s
    assert s.shapes[0] == (784, 256) and s.classes == 10 and s.n_layers == 5
    assert s.acts == ("tanh", "relu", "sigmoid", "identity") and s.layers[-1].act is None
    assert make([784, 128, 64, 10]) == LAB
    assert LAB.describe() == "784-128-64-10 tanh"


@pytest.mark.parametrize("widths,act,msg", [
    ([784], "tanh", "give the input size and at least one layer width"),
    ([784, 0, 10], "tanh", "a width of 0"),
    ([784, 64, 10], "swish", "'swish' is not an activation; use tanh, relu, hardtanh, sigmoid, identity"),
    ([784, 64, 32, 10], "relu,tanh,relu", "3 values, but the model has 2 hidden layers"),
    ([784, 64, 1], "relu", "1 classes"),
])
def test_bad_specs(widths, act, msg):
    with pytest.raises(QmlpError, match=msg.replace("(", r"\(")):
        make(widths, act)


def test_spec_disagreeing_with_weights(tmp_path):
    from qmlp.nn import model as mdl

    w = [np.zeros((32, 784), np.float32), np.zeros((10, 32), np.float32)]
    p = tmp_path / "m.npz"
    np.savez(p, fc1w=w[0], fc2w=w[1], spec=np.array(make([784, 64, 10], "relu").to_json()))
    with pytest.raises(QmlpError, match=r"fc1 weights have shape \(32, 784\), but its spec \(784-64-10 relu\)"):
        mdl.load(p)


# ----------------------------------------------------------------------------- design points

RELU2 = make([784, 64, 10], "relu", True)


@pytest.mark.parametrize("raw,msg", [
    ({"PE": "4,2,2"}, "--PE=4,2,2: 3 values, but the model has 2 layers: give one value (for every layer) or 2"),
    ({"PE": "3,2"}, "--PE=3,2: layer 1 has 64 outputs, and PE=3 does not divide them"),
    ({"SIMD": "49,3"}, "--SIMD=49,3: layer 2 has 64 inputs, and SIMD=3 does not divide them"),
    ({"PE": "16,2", "SIMD": "49,3", "_spec": make([784, 48, 10], "relu")},
     "layer 1 writes PE=16 outputs per cycle into the buffer that layer 2 reads SIMD=3 at a time; one must divide"),
    ({"WBITS": "8,8,8"}, "--WBITS=8,8,8: 3 values, but the model has 2 layers"),
    ({"MAC": "dsp,dsp,lut"}, "--MAC=dsp,dsp,lut: 3 values, but the model has 2 layers"),
])
def test_design_point_against_the_model(raw, msg):
    with pytest.raises(QmlpError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        raw = dict(raw)
        params.validate("accel", raw, spec=raw.pop("_spec", RELU2))


def test_auto_folding():
    assert params.auto_fold(LAB) == ((4, 16, 2), (49, 1, 1))
    for s in (RELU2, make([784, 64, 64, 64, 10], "relu"), make([16, 64, 32, 32, 5], "relu")):
        pe, simd = params.auto_fold(s)
        params.check_accel(pe, simd, s)


# ----------------------------------------------------------------------------- data

def tabular(path, n_train=4000, n_test=1000, features=16, classes=5, seed=1):
    """A tabular data set like hls4ml's jet tagger: Gaussian clusters, float features in [-1, 1]."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-0.5, 0.5, (classes, features))

    def draw(n):
        y = rng.integers(0, classes, n)
        x = np.clip(centres[y] + rng.normal(0, 0.25, (n, features)), -1, 1).astype(np.float32)
        return x, y.astype(np.int64)

    xtr, ytr = draw(n_train)
    xte, yte = draw(n_test)
    np.savez(path, x_train=xtr, y_train=ytr, x_test=xte, y_test=yte)
    return path


def test_npz_data_set(tmp_path):
    from qmlp.nn.data import load_dataset

    ds = load_dataset(tabular(tmp_path / "tab.npz"), val_size=500)
    assert ds.inputs == 16 and ds.classes == 5 and ds.input_kind == "float"
    bad = tmp_path / "bad.npz"
    np.savez(bad, x_train=np.full((10, 4), 2.0, np.float32), y_train=np.zeros(10, int),
             x_test=np.zeros((5, 4), np.float32), y_test=np.zeros(5, int))
    with pytest.raises(QmlpError, match=r"x_train spans 2..2; float features must lie in \[-1, 1\]"):
        load_dataset(bad, val_size=2)


def test_labels_outside_the_declared_classes():
    need_default_data()
    with pytest.raises(QmlpError, match="outside the network's 5 declared classes"):
        TrainConfig(layers=(784, 64, 5)).spec(784, 10)


# ----------------------------------------------------------------------------- end to end

def _train(tmp_path, data, layers, act, bias, wbits=None, abits=None, epochs=1, limit=3000, val=1000):
    """A float model (and a QAT one at wbits/abits) of a spec; (float path, quant path or None, qat meta)."""
    from qmlp.nn import model as mdl
    from qmlp.nn import quant
    from qmlp.nn.data import load_dataset
    from qmlp.nn.qat import train_qat
    from qmlp.nn.train import train

    cfg = TrainConfig(data=data, epochs=epochs, limit=limit, val_size=val, layers=tuple(layers), act=act, bias=bias)
    ds = load_dataset(data, val, 0)
    m = train(cfg, ds, progress=False)
    fp = tmp_path / "float.npz"
    mdl.save(m, fp)
    if wbits is None:
        return fp, None, None, ds
    q, meta = train_qat(cfg, ds, wbits, abits, m, progress=False, qat_epochs=1)
    qp = tmp_path / "qat.npz"
    quant.save(q, qp)
    return fp, qp, meta, ds


def _sim(params_, images):
    res = run_fusesoc(CORE, "sim", dict(params_, IMAGES=images))
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    f = res.fields
    assert f["pass"] == "1" and f["mismatches"] == "0" and int(f["images"]) == images, res.output[-3000:]
    man = json.loads((res.work_root / "qmlp_roms" / "manifest.json").read_text())
    assert int(f["cycles_per_image"]) == man["cycles_per_image"]
    man["_roms"] = res.work_root / "qmlp_roms"
    return f, man


def test_two_layer_relu_with_biases(tmp_path):
    """784-64-10 relu with biases on Fashion-MNIST: post-training w8a8 and QAT w4a4 in the RTL."""
    need_default_data()
    fp, qp, meta, ds = _train(tmp_path, DEFAULT_DATA, [784, 64, 10], "relu", True, (4,), (4,))
    f, man = _sim({"MODEL": str(fp)}, 8)
    assert man["spec"]["layers"][0] == {"width": 64, "act": "relu", "bias": True}
    assert "bias1" in man["roms"] and "act1" not in man["roms"]       # relu: a clamp, no table
    f4, man4 = _sim({"MODEL": str(qp), "WBITS": "4", "ABITS": "4", "MAC": "lut,dsp2", "PE": "4,2"}, 8)
    # the QAT forward pass is the golden model: the same accuracy on the whole test set
    from qmlp.nn import quant

    net = intnet.build(quant.load(qp))
    u8 = np.round(ds.x_test * 255).astype(np.uint8)
    assert intnet.accuracy(net, u8, ds.y_test) == pytest.approx(meta["test_accuracy"], abs=1e-9)
    assert man4["golden"]["test_accuracy"] == pytest.approx(meta["test_accuracy"], abs=1e-9)


def test_deep_network_mixing_activations(tmp_path):
    """Six layers, every activation kind (tables and clamps, signed and unsigned), biases: QAT w4a4."""
    need_default_data()
    acts = "tanh,relu,sigmoid,hardtanh,identity"
    fp, qp, meta, ds = _train(tmp_path, DEFAULT_DATA, [784, 32, 32, 16, 16, 16, 10], acts, True, (4,), (4,))
    q_net = intnet.build(__import__("qmlp.nn.quant", fromlist=["load"]).load(qp))
    assert [l is None for l in q_net.luts] == [False, True, False, True, True]
    assert q_net.xbits() == [8, 4, 5, 5, 4, 4]          # unsigned relu/sigmoid outputs take one bit more
    f, man = _sim({"MODEL": str(qp), "WBITS": "4", "ABITS": "4", "MAC": "lut,dsp,dsp2,lut,dsp,dsp",
                    "PE": "8,4,4,2,2,2", "SIMD": "49,8,4,4,2,2"}, 12)
    assert len(man["layers"]) == 6


def test_tabular_network_on_an_npz(tmp_path):
    """16-64-32-32-5 relu on float features (hls4ml's jet-tagger shape), QAT w2a2."""
    data = tabular(tmp_path / "tab.npz")
    fp, qp, meta, ds = _train(tmp_path, data, [16, 64, 32, 32, 5], "relu", True, (2,), (2,), epochs=3, val=500)
    assert meta["test_accuracy"] > 60          # far above the 20 % of chance
    f, man = _sim({"MODEL": str(qp), "WBITS": "2", "ABITS": "2", "MAC": "lut"}, 50)
    assert man["spec"]["input_kind"] == "float" and man["vectors"]["classes"] == 5
    # 5 logits and the class per test sample
    exp = np.array([int(v, 16) for v in (man["_roms"] / "expected.hex").read_text().split()])
    assert exp.size == 1000 * 6


def test_first_layer_at_two_cycles_per_image(tmp_path):
    """22-16-3 relu+bias at PE=8,3 SIMD=22,2: layer 1 takes 2 cycles per image, far fewer than its
    pipeline (about 14 cycles from a read to the write of its result). The layer used to issue a
    new image into every output slot that was not yet full, so images in flight wrapped around
    the 3 slots and overwrote ones layer 2 had not read: every image mismatched. Now a slot is
    claimed at issue (qmlp_mlp_layer's claim_q); qmlp_mlp_slots stops a run that writes into a
    full slot. 50 images bit for bit in Icarus; the throughput is the output stage's, not the
    folding's 8 cycles, so it is only bounded below here."""
    from test_driver_anynet import CLASSES, FEATURES, HIDDEN, make_tabular, train_model

    path, _ = train_model(tmp_path, (FEATURES, HIDDEN, CLASSES), "relu", data=make_tabular(tmp_path / "t.npz"))
    res = run_fusesoc(CORE, "sim", {"MODEL": str(path), "PE": "8,3", "SIMD": "22,2", "IMAGES": 50})
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    f = res.fields
    assert f["pass"] == "1" and f["mismatches"] == "0" and int(f["images"]) == 50, res.output[-3000:]
    man = json.loads((res.work_root / "qmlp_roms" / "manifest.json").read_text())
    assert [l["groups"] * l["chunks"] for l in man["layers"]] == [2, 8]
    assert int(f["cycles_per_image"]) >= man["cycles_per_image"]


@pytest.mark.parametrize("args,msg", [
    (["--layers", "784"], "qmlp train: error: --layers=784: give the input size and at least one layer width"),
    (["--layers", "784,0,10"], "qmlp train: error: --layers=784,0,10: a width of 0"),
    (["--act", "swish"], "qmlp train: error: --act=swish: 'swish' is not an activation"),
    (["--layers", "784,64,5", "--epochs", "1", "--limit", "100"],
     "qmlp train: error: the data holds labels up to 9, outside the network's 5 declared classes"),
    (["--layers", "700,64,10", "--epochs", "1", "--limit", "100"],
     "qmlp train: error: --layers=700,64,10 starts with 700 inputs, but the data's samples have 784 features"),
])
def test_bad_specs_on_the_command_line(args, msg, tmp_path):
    """One line naming the flag, exit 2, no traceback, nothing trained."""
    import subprocess
    import sys

    need_default_data()
    p = subprocess.run([sys.executable, "-m", "qmlp.cli", "train", "--build", str(tmp_path), "-q", *args],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 2 and p.stderr.strip().splitlines()[-1].startswith(msg), p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "model").exists()


def test_lint_of_another_network_reads_only_its_spec(tmp_path):
    """lint takes --MODEL= for the network (tables, clamps, biases, six layers) and reads no weights."""
    need_default_data()
    fp, qp, _, _ = _train(tmp_path, DEFAULT_DATA, [784, 32, 16, 16, 10], "tanh,relu,sigmoid", True, (4,), (4,),
                          limit=500)
    res = run_fusesoc(CORE, "lint", {"MODEL": str(qp), "WBITS": "4", "ABITS": "4", "MAC": "lut,dsp2,dsp,lut",
                                      "PE": "4,2,2,2"},
                      build_root=tmp_path / "lint")
    assert res.returncode == 0 and "%Warning" not in res.output, res.output[-2000:]
    assert "784-32-16-16-10 tanh,relu,sigmoid bias" in res.output
