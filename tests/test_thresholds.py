"""Threshold activations (qmlp.numerics.thresholds): QONNX graphs with float activation scales
(Brevitas' default QuantReLU) imported as per-neuron integer thresholds, exact against the
quantizer in exact arithmetic and against qonnx's executor, and bit-exact in the accelerator.

The graphs are built with onnx.helper in Brevitas' layout (no training: exactness does not
depend on it): Quant(input, 2**-7) -> per layer Quant(W) -> Gemm(+ float bias) -> [Relu] ->
Quant(float scale) -> ... -> Gemm (logits). docs/import.md has the trained TFC figures.
"""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from qmlp.errors import QmlpError
from qmlp.numerics import acts, intnet
from qmlp.numerics import thresholds as thr

onnx = pytest.importorskip("onnx", reason="the onnx extra (make setup installs it)")
pytest.importorskip("qonnx")


# ----------------------------------------------------------------------------- derivation

@pytest.mark.parametrize("rounding", thr.ROUNDINGS)
def test_thresholds_equal_the_quantizer_in_exact_arithmetic(rounding):
    """Every reachable accumulator of random small layers: LO + #{acc >= T} equals
    clamp(R((S * acc + b) / s_a), lo, hi) computed in fractions, for float scales and for scales
    on a coarse grid where many accumulators sit exactly on a step (ties), unsigned (after a
    Relu), signed, narrow and 4-bit codes. A threshold off by one fails it."""
    rng = np.random.default_rng(zlib.crc32(rounding.encode()))
    cases = 0
    for trial in range(12):
        w = rng.integers(-2, 2, (6, 5))
        x_lo, x_hi = (0, 7) if trial % 2 else (-4, 3)
        if trial % 3 == 0:          # ties: (acc * S + b) / s_a = (acc + m) / 2
            s_in, s_w, s_a = np.float32(0.375), np.float32(0.5), np.float32(0.375)
            b = (rng.integers(-6, 7, 6) * 0.1875).astype(np.float32)
        else:
            s_in, s_w, s_a = (np.float32(rng.uniform(0.05, 3)), np.float32(0.25), np.float32(rng.uniform(0.1, 2)))
            b = rng.normal(size=6).astype(np.float32)
        name, bits = ("relu", "identity")[trial % 2], (2, 4)[(trial // 2) % 2]
        out_lo, out_hi = acts.get(name).code_range(bits)
        q_lo, q_hi = (out_lo + (trial % 4 == 1), out_hi)          # narrow: one code fewer
        t = thr.derive(w, s_in, s_w, b, s_a, q_lo, q_hi, out_lo, out_hi, rounding, x_lo, x_hi)
        assert t.shape == (6, out_hi - out_lo) and np.all(np.diff(t, axis=1) >= 0)
        amin, amax = thr.acc_range(w, x_lo, x_hi)
        acc = np.arange(int(amin.min()), int(amax.max()) + 1)[:, None].repeat(6, axis=1)
        ok = (acc >= amin) & (acc <= amax)
        want = thr.reference(acc, s_in, s_w, b, s_a, q_lo, q_hi, rounding)
        np.testing.assert_array_equal(thr.apply(acc, t, out_lo)[ok], want[ok])
        assert t.min() >= amin.min() and t.max() <= amax.max() + 1
        # one threshold one higher: the accumulator equal to its old value now counts one step less
        # (a layer whose every neuron saturates has no threshold inside its range)
        inside = np.argwhere((t >= amin[:, None]) & (t <= amax[:, None]))
        if len(inside):
            j, k = inside[0]
            bad = t.copy()
            bad[j, k] += 1
            assert not np.array_equal(thr.apply(acc, bad, out_lo)[ok], want[ok])
            cases += 1
    assert cases >= 6


def test_threshold_bits_refused_above_four():
    with pytest.raises(QmlpError, match="threshold layers take 2 to 4 activation bits"):
        acts.thresh_count(acts.get("relu"), 8)
    assert acts.thresh_count(acts.get("relu"), 2) == 3 and acts.thresh_count(acts.get("identity"), 4) == 15


# ----------------------------------------------------------------------------- graphs

def qonnx_mlp(path, layers, inputs):
    """A QONNX graph in Brevitas' layout. layers: dicts with w (codes, out x in), s_w, b (floats or
    None), relu (bool), act: (s_a, bits, signed, rounding) for a hidden layer, None for the last."""
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes = [], []

    def c(nm, v):
        inits.append(numpy_helper.from_array(np.asarray(v, np.float32), nm))
        return nm

    def quant(x, out, scale, bits, signed, narrow=0, rnd="ROUND"):
        nodes.append(helper.make_node("Quant", [x, c(out + "_s", scale), c(out + "_z", 0.0), c(out + "_b", bits)],
                                      [out], name="Quant_" + out, domain="qonnx.custom_op.general", signed=signed,
                                      narrow=narrow, rounding_mode=rnd))
        return out

    x = quant("inp", "x0", 2.0 ** -7, 8, 1)
    for i, L in enumerate(layers):
        w = quant(c(f"w{i}", np.asarray(L["w"]) * L["s_w"]), f"w{i}q", L["s_w"], 2, 1, 1)
        ins = [x, w] + ([c(f"b{i}", L["b"])] if L.get("b") is not None else [])
        nodes.append(helper.make_node("Gemm", ins, [f"h{i}"], name=f"gemm{i}", transB=1))
        x = f"h{i}"
        if L.get("act") is None:
            break
        if L.get("relu"):
            nodes.append(helper.make_node("Relu", [x], [f"r{i}"], name=f"relu{i}"))
            x = f"r{i}"
        s_a, bits, signed, rnd = L["act"]
        x = quant(x, f"a{i}", s_a, bits, int(signed), rnd=rnd)
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("inp", TensorProto.FLOAT, [1, inputs])],
                          [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, len(layers[-1]["w"])])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17),
                                            helper.make_opsetid("qonnx.custom_op.general", 2)])
    onnx.save_model(m, str(path))
    return path


def _images(n):
    from conftest import need_default_data
    from qmlp.config import DEFAULT_DATA
    from qmlp.nn.data import load_raw

    need_default_data()
    _, _, xte, yte = load_raw(DEFAULT_DATA)
    return xte[:n].reshape(n, -1), yte[:n]


def float_scale_layers(rng, x_cal, rounding="ROUND", s_w=0.5):
    """784-32-16-10: a 4-bit relu (15 thresholds) and a 2-bit signed identity (no Relu), float
    scales calibrated on x_cal (so every code occurs), float biases (Brevitas' default)."""
    spec = [(32, "relu", 4, True), (16, "identity", 2, False)]
    h = np.clip(np.round(np.asarray(x_cal, np.float64) / 255 * 128), -128, 127) / 128
    layers, k = [], 784
    for n, name, bits, relu in spec:
        w = rng.integers(-1, 2, (n, k))
        b = rng.normal(scale=0.5, size=n).astype(np.float32)
        y = h @ (w * s_w).T + b
        y = np.maximum(y, 0) if relu else y
        lo, hi = acts.get(name).code_range(bits)
        s_a = np.float32(np.percentile(np.abs(y), 95) / hi)
        layers.append(dict(w=w, s_w=s_w, b=b, relu=relu, act=(s_a, bits, not relu, rounding)))
        h = np.clip(np.round(y / float(s_a)), lo, hi) * float(s_a)
        k = n
    layers.append(dict(w=rng.integers(-1, 2, (10, k)), s_w=s_w, b=rng.normal(size=10).astype(np.float32)))
    return layers


def tie_layers(rng, rounding, s_a=0.375):
    """784-16-8-10 whose second layer computes (acc + m) / 2 exactly, in float32 too: about half of
    its accumulators sit on a step, so the rounding mode decides them (a half-even tie rounded up
    fails it). s_a: both activation scales (0.375: float; 0.5: powers of two everywhere)."""
    l1 = dict(w=rng.integers(-1, 2, (16, 784)), s_w=0.5, b=rng.normal(size=16).astype(np.float32), relu=True,
              act=(np.float32(s_a), 2, False, rounding))                   # acc * 2**-8 / s_a
    w2 = rng.choice([-1, 0, 1], size=(8, 16), p=[0.15, 0.7, 0.15])
    l2 = dict(w=w2, s_w=0.5, b=(rng.integers(-3, 4, 8) * s_a / 2).astype(np.float32), relu=False,
              act=(np.float32(s_a), 2, True, rounding))                    # (acc * s_a / 2 + b) / s_a
    return [l1, l2, dict(w=rng.integers(-1, 2, (10, 8)), s_w=0.5, b=None)]


@pytest.mark.parametrize("s_w", [0.5, 0.37])
def test_import_float_scales_agrees_with_qonnx(tmp_path, capsys, s_w):
    """A graph with float activation scales (and float weight scales: 0.37) imports as a threshold
    model (spec, bits, thresholds in the .npz), and qmlp's integer model gives qonnx's executor's
    classes on every image; the hidden codes are exact (the logits within half a step)."""
    from qmlp import lines
    from qmlp.cli import main
    from qmlp.io import qonnx_import
    from qmlp.nn import quant

    u8, _ = _images(300)
    p = qonnx_mlp(tmp_path / "fs.onnx", float_scale_layers(np.random.default_rng(0), u8[:200], s_w=s_w), 784)
    rc = main(["import", str(p), "--widen-logits", "--check", "300", "--out", str(tmp_path / "fs.npz")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    f = lines.parse(out.strip().splitlines()[-1], "IMPORTED")[1]
    assert f["layers"] == "784,32,16,10" and f["act"] == "relu,identity" and f["abits"] == "4,2", f
    assert f["wbits"] == "2,2,8" and "classes agree on 100.00 % of 300 images" in err, err
    q = quant.load(tmp_path / "fs.npz")
    assert [t.shape for t in q.thresholds] == [(32, 15), (16, 3)] and q.spec.biases == (False, False, True)
    assert q.meta["thresholds"]["fc1"]["rounding"] == "ROUND"
    r = qonnx_import.compare(p, q, u8)
    assert r["agree"] == 100.0 and r["max_logit_steps"] < 0.5, r
    net = intnet.build(q)
    _, _, hid = intnet.forward(net, intnet.inputs_to_codes(u8, q.spec, net.fmt), trace=True)
    for a, (lo, hi) in zip(hid, [(0, 15), (-2, 1)]):
        assert a.min() == lo and a.max() == hi                   # every code's end reached
    # an older archive (no fc<l>thr) still loads as before; a threshold array of the wrong shape is refused
    z = dict(np.load(tmp_path / "fs.npz"))
    z["fc2thr"] = z["fc2thr"][:, :2]
    np.savez(tmp_path / "bad.npz", **z)
    with pytest.raises(QmlpError, match="fc2thr has shape \\(16, 2\\)"):
        quant.load(tmp_path / "bad.npz")


@pytest.mark.parametrize("rounding", ["ROUND", "HALF_UP", "FLOOR"])
def test_ties_follow_the_rounding_mode(tmp_path, rounding):
    """Exact ties in float32 too (layer 2 computes (acc + m) / 2): the imported model's logits
    equal the graph's exactly on every image, for three rounding modes."""
    from qmlp.io import qonnx_import
    from qmlp.io.onnxfile import run_qonnx
    from qmlp.nn.data import scale_pixels

    u8, _ = _images(300)
    p = qonnx_mlp(tmp_path / "t.onnx", tie_layers(np.random.default_rng(1), rounding), 784)
    q = qonnx_import.read(p)
    net = intnet.build(q)
    lg, _, hid = intnet.forward(net, intnet.inputs_to_codes(u8, q.spec, net.fmt), trace=True)
    o = run_qonnx(p, scale_pixels(u8)).astype(np.float64)
    np.testing.assert_array_equal(o, lg * q.meta["logit_scale"])      # exact: the logits' scale is 0.1875
    # ties occurred: layer 2's exact value (acc + m) / 2 is a half-integer for some neuron and image
    acc2 = hid[0].astype(np.int64) @ net.w_codes[1].T.astype(np.int64)
    m = np.round(np.asarray(tie_layers(np.random.default_rng(1), rounding)[1]["b"]) / 0.1875).astype(np.int64)
    assert np.sum(((acc2 + m) % 2 == 1) & (np.abs(acc2 + m) <= 3)) > 50     # halfway between two codes


def test_power_of_two_ties_exact_with_thresholds(tmp_path):
    """The same graph with power-of-two scales: the clamp import rounds layer 2's ties half up
    (logits differ from the graph's), `--thresholds` imports it with thresholds and its logits
    equal the graph's on every image."""
    from qmlp.io import qonnx_import
    from qmlp.io.onnxfile import run_qonnx
    from qmlp.nn.data import scale_pixels

    u8, _ = _images(300)
    p = qonnx_mlp(tmp_path / "t2.onnx", tie_layers(np.random.default_rng(1), "ROUND", s_a=0.5), 784)
    o = run_qonnx(p, scale_pixels(u8)).astype(np.float64)
    for use_thr in (False, True):
        q = qonnx_import.read(p, thresholds=use_thr)
        assert (q.thresholds is not None) == use_thr and q.act_fls == (1, 1)
        net = intnet.build(q)
        lg, _ = intnet.forward(net, intnet.inputs_to_codes(u8, q.spec, net.fmt))
        assert np.array_equal(o, lg * q.meta["logit_scale"]) == use_thr


# ----------------------------------------------------------------------------- the accelerator

def test_accel_thresholds_bit_exact_and_a_corrupted_threshold(tmp_path):
    """Verilator, 300 images: the imported threshold model (4-bit relu with 15 thresholds per
    neuron on lut lanes, 2-bit signed identity on dsp2 pairs, 8-bit logits) against the golden
    model; then one threshold word's top bit flipped in thr1.mem must give mismatches."""
    from test_accel import _edit_line, _rerun

    from qmlp.eda.runner import run_fusesoc
    from qmlp.io import qonnx_import
    from qmlp.nn import quant

    u8, _ = _images(200)
    p = qonnx_mlp(tmp_path / "fs.onnx", float_scale_layers(np.random.default_rng(0), u8), 784)
    quant.save(qonnx_import.read(p, widen_logits=True), tmp_path / "fs.npz")
    res = run_fusesoc("qmlp:accel:mlp", "sim_verilator",
                      {"WBITS": "2,2,8", "ABITS": "4,2", "MAC": "lut,dsp2,dsp", "MODEL": str(tmp_path / "fs.npz"),
                       "PE": "2,2,2", "SIMD": "16,8,4", "IMAGES": 300})     # few MACs: a short Verilator build
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    assert res.fields["pass"] == "1" and res.fields["mismatches"] == "0" and res.fields["images"] == "300", res.fields
    man = json.loads((res.work_root / "qmlp_roms" / "manifest.json").read_text())
    lc = man["layer_constants"]
    assert lc["L_ACT"][:3] == [3, 3, 2] and lc["L_NT"][:2] == [15, 3], lc
    tw = lc["L_TW"][0]
    assert man["roms"]["thr1"]["width"] == 2 * 15 * tw and man["roms"]["thr1"]["depth"] == 16
    thr1 = res.work_root / "qmlp_roms" / "thr1.mem"
    _edit_line(thr1, 1, lambda w: format(int(w, 16) ^ (1 << (tw - 1)), f"0{len(w)}x"))   # neuron 0's first
    r = _rerun(res, "+IMAGES=300")
    assert r.returncode != 0 and "MISMATCH image" in r.stdout and "RESULT pass=0" in r.stdout, r.stdout[-2000:]


def test_export_threshold_model_as_multithreshold(tmp_path):
    """qmlp export of an imported threshold model: MultiThreshold nodes, and qonnx's executor on
    the export equals the golden model's logits exactly on 300 images."""
    from qmlp.io import qonnx_export, qonnx_import
    from qmlp.io.onnxfile import run_qonnx
    from qmlp.nn.data import scale_pixels

    u8, _ = _images(300)
    p = qonnx_mlp(tmp_path / "fs.onnx", float_scale_layers(np.random.default_rng(0), u8[:200]), 784)
    q = qonnx_import.read(p, widen_logits=True)
    out = qonnx_export.export(q, tmp_path / "back.onnx")
    ops = [n.op_type for n in onnx.load(str(out)).graph.node]
    assert ops.count("MultiThreshold") == 2 and ops.count("Gemm") == 3, ops
    net = intnet.build(q)
    lg, _ = intnet.forward(net, intnet.inputs_to_codes(u8, q.spec, net.fmt))
    o = run_qonnx(out, scale_pixels(u8))
    np.testing.assert_array_equal(np.ldexp(o.astype(np.float64), qonnx_export.logit_fl(q)), lg)
