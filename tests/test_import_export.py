"""qmlp export --qonnx and qmlp import (PyTorch, QONNX): exactness against the golden model,
and one clear line for everything that is not supported."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qmlp import lines
from qmlp.cli import main
from qmlp.config import DEFAULT_DATA, TrainConfig
from conftest import need_default_data

onnx = pytest.importorskip("onnx", reason="the onnx extra (make setup installs it)")
pytest.importorskip("qonnx")

N_IMAGES = 500


def _run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out.strip().splitlines()[-1] if out.strip() else "", err


def _test_images(n=N_IMAGES):
    from qmlp.nn.data import load_raw

    need_default_data()
    _, _, xte, yte = load_raw(DEFAULT_DATA)
    return xte[:n].reshape(n, -1), yte[:n]


def _export_and_compare(capsys, tmp_path, qpath):
    """Export qpath, run qonnx's executor on test images, compare with intnet.forward exactly."""
    from qmlp.io.onnxfile import run_qonnx
    from qmlp.io.qonnx_export import logit_fl
    from qmlp.nn import quant
    from qmlp.nn.data import scale_pixels
    from qmlp.numerics import intnet

    out = tmp_path / "model.onnx"
    rc, last, err = _run(capsys, "export", qpath, "--qonnx", out)
    assert rc == 0, err
    kind, f = lines.parse(last, last.split(" ")[0])
    assert kind == "EXPORTED" and f == {"format": "qonnx", "path": str(out.resolve())}
    q = quant.load(qpath)
    net = intnet.build(q)
    u8, _ = _test_images()
    lg, cls = intnet.forward(net, intnet.inputs_to_codes(u8, q.spec, net.fmt))
    o = run_qonnx(out, scale_pixels(u8))
    assert o.dtype == np.float32
    # logits are integers times a power of two: exact in float32
    np.testing.assert_array_equal(np.ldexp(o.astype(np.float64), logit_fl(q)), lg)
    np.testing.assert_array_equal(o.argmax(1), cls)
    return onnx.load(str(out))


def test_export_default_network_wl8(capsys, tmp_path, small_model):
    """The lab's 784-128-64-10 tanh network at wl=8: tanh tables as Gathers, bit-exact."""
    from qmlp.nn import quant

    assert small_model.spec.describe() == "784-128-64-10 tanh"
    q = quant.quantize_model(small_model, 8, [quant.maxabs_fl(w, 8) for w in small_model.weights])
    qp = tmp_path / "wl8.npz"
    quant.save(q, qp)
    m = _export_and_compare(capsys, tmp_path, qp)
    ops = [n.op_type for n in m.graph.node]
    assert ops.count("Gather") == 2 and ops.count("Gemm") == 3 and ops[0] == "Quant"
    q_in = m.graph.node[0]
    assert {a.name: onnx.helper.get_attribute_value(a) for a in q_in.attribute}["rounding_mode"] == b"ROUND"


def test_export_qat_w4a4_relu_sigmoid_bias(capsys, tmp_path):
    """A non-default network (784-32-16-10 relu,sigmoid with biases) after QAT at w4a4."""
    from qmlp.nn import quant
    from qmlp.nn.data import load_dataset
    from qmlp.nn.qat import train_qat
    from qmlp.nn.train import train

    need_default_data()
    cfg = TrainConfig(epochs=1, limit=2000, val_size=1000, layers=(784, 32, 16, 10), act="relu,sigmoid", bias=True)
    ds = load_dataset(DEFAULT_DATA, 1000, 0)
    q, _ = train_qat(cfg, ds, (4,), (4,), train(cfg, ds, progress=False), progress=False, qat_epochs=1)
    qp = tmp_path / "w4a4.npz"
    quant.save(q, qp)
    m = _export_and_compare(capsys, tmp_path, qp)
    floors = [n for n in m.graph.node if n.op_type == "Quant" and
              {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}["rounding_mode"] == b"FLOOR"]
    assert len(floors) == 2                      # relu's requantization, sigmoid's table index


# ----------------------------------------------------------------------------- PyTorch

def _torch_net():
    import torch

    torch.manual_seed(3)
    net = torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(784, 32), torch.nn.BatchNorm1d(32), torch.nn.ReLU(), torch.nn.Dropout(0.2),
        torch.nn.Sequential(torch.nn.Linear(32, 16, bias=False), torch.nn.BatchNorm1d(16), torch.nn.Tanh()),
        torch.nn.Linear(16, 10))
    x = torch.rand(256, 784)
    net.train()
    with torch.no_grad():                        # running statistics that are not the defaults
        for _ in range(5):
            net(x * 2)
        net[2].weight.uniform_(0.5, 1.5)
        net[2].bias.uniform_(-0.2, 0.2)
    return net.eval()


def test_import_pytorch_sequential_with_batchnorm(capsys, tmp_path):
    """A saved Sequential (BatchNorm folded, biases, Dropout ignored): float outputs equal torch's;
    its state_dict with --act gives the same model; built at w8a8 in the RTL, bit-exact."""
    import torch

    from qmlp.eda.runner import run_fusesoc
    from qmlp.nn import model as mdl
    from qmlp.nn.data import scale_pixels
    from qmlp.nn.forward import logits_float

    net = _torch_net()
    torch.save(net, tmp_path / "seq.pth")
    torch.save(net.state_dict(), tmp_path / "seq_sd.pth")
    rc, last, err = _run(capsys, "import", tmp_path / "seq.pth", "--out", tmp_path / "seq.npz")
    assert rc == 2 and "--trust-pickle" in err and "runs code" in err and "Traceback" not in err
    rc, last, err = _run(capsys, "import", tmp_path / "seq.pth", "--trust-pickle", "--out", tmp_path / "seq.npz")
    assert rc == 0, err
    kind, f = lines.parse(last, last.split(" ")[0])
    assert kind == "IMPORTED" and f == {"layers": "784,32,16,10", "act": "relu,tanh", "wbits": "float",
                                        "abits": "float", "model": str((tmp_path / "seq.npz").resolve())}
    m = mdl.load(tmp_path / "seq.npz")
    assert m.spec.biases == (True, True, True)          # BatchNorm gives the bias-free Linear a bias
    u8, _ = _test_images(200)
    x = scale_pixels(u8)
    with torch.no_grad():
        ref = net(torch.from_numpy(x)).numpy()
    got = logits_float(m.weights, m.biases, x, m.spec.acts)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=2e-5)
    assert np.array_equal(got.argmax(1), ref.argmax(1))
    rc, last, err = _run(capsys, "import", tmp_path / "seq_sd.pth", "--act", "relu,tanh", "--layers", "784,32,16,10",
                         "--out", tmp_path / "sd.npz")
    assert rc == 0, err
    m2 = mdl.load(tmp_path / "sd.npz")
    for a, b in zip(m.weights + m.biases, m2.weights + m2.biases):
        np.testing.assert_array_equal(a, b)
    res = run_fusesoc("qmlp:accel:mlp", "sim", {"MODEL": str(tmp_path / "seq.npz"), "IMAGES": 16})
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    assert res.fields["pass"] == "1" and res.fields["mismatches"] == "0", res.output[-3000:]
    man = json.loads((res.work_root / "qmlp_roms" / "manifest.json").read_text())
    assert man["spec"]["layers"][1] == {"width": 16, "act": "tanh", "bias": True}


# ----------------------------------------------------------------------------- QONNX from Brevitas

def test_import_brevitas_qonnx(capsys, tmp_path):
    """Brevitas export_qonnx (fixed-point quantizers, w4a4 relu, float biases, external .onnx.data),
    imported and compared with qonnx's executor on test images."""
    import torch
    import brevitas.nn as qnn
    from brevitas.export import export_qonnx
    from brevitas.quant import Int8ActPerTensorFixedPoint, Int8WeightPerTensorFixedPoint
    from brevitas.quant import Uint8ActPerTensorFixedPoint

    from qmlp.io import qonnx_import
    from qmlp.nn import quant
    from qmlp.nn.data import load_raw, scale_pixels

    need_default_data()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    lin = dict(bias=True, weight_quant=Int8WeightPerTensorFixedPoint, weight_bit_width=4)
    relu = dict(act_quant=Uint8ActPerTensorFixedPoint, bit_width=4, return_quant_tensor=True)
    net = torch.nn.Sequential(
        qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=8, return_quant_tensor=True),
        qnn.QuantLinear(784, 32, **lin), qnn.QuantReLU(**relu),
        qnn.QuantLinear(32, 16, **lin), qnn.QuantReLU(**relu),
        qnn.QuantLinear(16, 10, **lin))
    xtr, ytr, _, _ = load_raw(DEFAULT_DATA)
    x = torch.from_numpy(scale_pixels(xtr[:2000]).reshape(-1, 784))
    y = torch.from_numpy(ytr[:2000].astype(np.int64))
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    for i in range(0, 2000, 100):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x[i:i + 100]), y[i:i + 100]).backward()
        opt.step()
    net.eval()
    path = tmp_path / "brevitas.onnx"
    export_qonnx(net, torch.zeros(1, 784), export_path=str(path))
    assert (tmp_path / "brevitas.onnx.data").is_file()
    rc, last, err = _run(capsys, "import", path, "--out", tmp_path / "imp.npz", "--check", 100)
    assert rc == 0, err
    kind, f = lines.parse(last, last.split(" ")[0])
    assert kind == "IMPORTED" and f["layers"] == "784,32,16,10" and f["act"] == "relu,relu"
    assert f["wbits"] == "4,4,4" and f["abits"] == "4,4"
    assert "classes agree on" in err
    u8, _ = _test_images()
    # as the graph says: hidden layers exact (floor bias words), logits within half a step
    r = qonnx_import.compare(path, quant.load(tmp_path / "imp.npz"), u8)
    assert r["max_logit_steps"] < 0.5 and r["agree"] >= 98.0, r
    for d in r["disagreements"]:                   # every one between two logits less than a step apart
        assert d["max_logit_steps"] < 0.5, d
    # the last layer's weights as 8-bit codes: the float biases' fraction kept, classes agree
    rc, last, err = _run(capsys, "import", path, "--widen-logits", "--out", tmp_path / "wide.npz")
    assert rc == 0 and lines.parse(last, last.split(" ")[0])[1]["wbits"] == "4,4,8", err
    r = qonnx_import.compare(path, quant.load(tmp_path / "wide.npz"), u8)
    assert r["agree"] >= 99.9 and r["max_logit_steps"] < 0.5, r
    print(f"brevitas w4a4: {r['agree']:.2f} % of {r['images']} ({len(r['disagreements'])} disagreements)")
    # the imported model goes to the accelerator as it is
    q = quant.load(tmp_path / "wide.npz")
    assert q.wls == [4, 4, 8] and q.abits == (4, 4)


# ----------------------------------------------------------------------------- refused, one line each

def _graph(tmp_path, name="g.onnx", act_scale=0.0625, zeropt=0.0, extra=None, external=False, op="Gemm", act_bits=4,
           rounding="ROUND"):
    """A two-layer graph in Brevitas' layout: Quant(in) -> Gemm(Quant(W)) -> Relu -> Quant -> Gemm."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    inits, nodes = [], []

    def c(nm, v):
        inits.append(numpy_helper.from_array(np.asarray(v, np.float32), nm))
        return nm

    def q(x, out, scale, bits, signed, narrow=0, zp=0.0, rnd="ROUND"):
        nodes.append(helper.make_node("Quant", [x, c(out + "_s", scale), c(out + "_z", zp), c(out + "_b", bits)], [out],
                                      name="Quant_" + out, domain="qonnx.custom_op.general", signed=signed,
                                      narrow=narrow, rounding_mode=rnd))
        return out

    q("inp", "x0", 2.0 ** -7, 8, 1)
    w1 = q(c("w1", rng.integers(-7, 8, (16, 8)) / 8.0), "w1q", 0.125, 4, 1, 1, zeropt)
    if op == "Conv":
        nodes.append(helper.make_node("Conv", ["x0", w1], ["h1"], name="conv0"))
    else:
        nodes.append(helper.make_node("Gemm", ["x0", w1, c("b1", rng.normal(size=16))], ["h1"], name="gemm0",
                                      transB=1))
    nodes.append(helper.make_node("Relu", ["h1"], ["r1"], name="relu0"))
    a = q("r1", "a1", act_scale, act_bits, 0, rnd=rounding)
    if extra == "residual":
        nodes.append(helper.make_node("Add", [a, "x0"], ["a1r"], name="residual0"))
        a = "a1r"
    w2 = q(c("w2", rng.integers(-7, 8, (4, 16)) / 8.0), "w2q", 0.125, 4, 1, 1)
    nodes.append(helper.make_node("Gemm", [a, w2], ["out"], name="gemm1", transB=1))
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("inp", TensorProto.FLOAT, [1, 8])],
                          [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17),
                                            helper.make_opsetid("qonnx.custom_op.general", 2)])
    p = tmp_path / name
    if external:
        onnx.save_model(m, str(p), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=name + ".data", size_threshold=0)
    else:
        onnx.save_model(m, str(p))
    return p


def test_helper_graph_imports(capsys, tmp_path):
    """The onnx.helper graph in Brevitas' layout imports (and matches qonnx's executor)."""
    from qmlp.io import qonnx_import

    p = _graph(tmp_path, external=True)
    rc, last, err = _run(capsys, "import", p, "--input-kind", "float", "--out", tmp_path / "g.npz")
    assert rc == 0, err
    assert lines.parse(last, last.split(" ")[0])[1]["layers"] == "8,16,4"
    q = qonnx_import.read(p, "float")
    x = np.random.default_rng(1).uniform(-1, 1, (300, 8)).astype(np.float32)
    r = qonnx_import.compare(p, q, x)
    assert r["max_logit_steps"] < 0.5 and r["agree"] >= 99.0, r


@pytest.mark.parametrize("case, want", [
    ("conv", "node 'conv0' (Conv): op type Conv is not supported"),
    ("residual", "feeds 2 nodes"),
    ("zeropt", "zero point [0.5] (not 0)"),
    ("scale8", "activation codes 0..255 with a float scale: qmlp's threshold layers take relu codes of 2 to 4 bits"),
    ("rounding", "activation rounding STOCHASTIC: qmlp derives thresholds for ROUND, HALF_EVEN, FLOOR"),
    ("no_data", "which is missing beside it"),
    ("truncated", "not a readable ONNX file"),
    ("pth_list", "holds a list, not an nn.Sequential or a state_dict"),
    ("pth_conv", "module 0 (Conv2d): not supported"),
])
def test_unsupported_one_line(capsys, tmp_path, case, want):
    args = []
    if case == "conv":
        p = _graph(tmp_path, op="Conv")
    elif case == "residual":
        p = _graph(tmp_path, extra="residual")
    elif case == "zeropt":
        p = _graph(tmp_path, zeropt=0.5)
    elif case == "scale8":
        p = _graph(tmp_path, act_scale=1.65, act_bits=8)
    elif case == "rounding":
        p = _graph(tmp_path, act_scale=1.65, rounding="STOCHASTIC")
    elif case == "no_data":
        p = _graph(tmp_path, external=True)
        (tmp_path / "g.onnx.data").unlink()
    elif case == "truncated":
        p = _graph(tmp_path)
        b = p.read_bytes()
        p.write_bytes(b[: len(b) // 2])
    else:
        import torch

        p = tmp_path / "x.pth"
        if case == "pth_list":
            torch.save([torch.zeros(2)], p)
        else:
            torch.save(torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3)), p)
            args = ["--trust-pickle"]
    rc, last, err = _run(capsys, "import", p, "--out", tmp_path / "o.npz", *args)
    assert rc == 2 and last == "", err
    assert err.count("\n") == 1 and err.startswith("qmlp import: error: ") and want in err, err
    assert not (tmp_path / "o.npz").exists()

