"""qmlp's quantized models as QONNX graphs, bit-exact with the integer golden model.

The graph computes qmlp.numerics.intnet's function in floating point, every value a code times
a power of two (exact in float32 while every accumulator stays below 2**23 code units; the
graph is float64 otherwise):

  global_in          pixel / 255 (u8 data sets) or the feature (float data sets), N x inputs
  Quant              8-bit signed, scale 2**-7, ROUND (half to even): the Q(8, 7) input codes
  per layer l:
    Quant(W_l)       the weights (codes * 2**-FL_W), wl-bit signed: an identity on these values
    Quant(b_l)       the float bias at the accumulator's scale 2**-(FL_x + FL_W), 24-bit, ROUND
                     (intnet.bias_words)
    Gemm             x . W_l^T + b_l (transB=1, Brevitas' layout)
    hidden, clamp (relu, identity, hardtanh):
      Add 2**-(FL_A+1), Quant(scale 2**-FL_A, FLOOR): floor(acc * 2**FL_A + 1/2) clamped to the
      code range: the hardware's requantization rounds half up (QONNX's ROUND is half to even,
      its HALF_UP rounds away from zero: neither is it)
    hidden, table (tanh, sigmoid):
      Add 2**-(FL_Z+1), Quant(scale 2**-FL_Z, 8-bit signed, FLOOR): the table index z;
      Mul 2**FL_Z, Add 128, Cast int64, Gather on the table's values; Quant of the output
      format (an identity that states the output's bits). A Tanh node followed by a Quant is not
      used: the table is made from float64 tanh, onnxruntime's float32 tanh is another function.
    hidden, thresholds (an imported layer with float scales, qmlp.numerics.thresholds):
      MultiThreshold (qonnx's custom op) on the accumulator with the thresholds T * 2**-(FL_x +
      FL_W), out_bias LO: LO + #{acc >= T}, the codes as integers (FL_A = 0); Quant(scale 1) of
      the output format (an identity that states the output's bits)
  logits             the last layer's Gemm: the int32 logits times 2**-(FL_x + FL_W)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from qmlp.errors import QmlpError
from qmlp.io.onnxfile import QUANT_DOMAIN, need_onnx
from qmlp.numerics import intnet
from qmlp.numerics.qmodel import QuantModel

INPUT, OUTPUT = "global_in", "global_out"
F32_LIMIT = 1 << 24      # integers exact in float32


def _worst_units(net: intnet.IntNet, l: int) -> int:
    """The largest |value| any float tensor of layer l takes, in its own code units (accumulator,
    and the rounding add at one more fraction bit)."""
    c = net.w_codes[l].astype(np.int64)
    xmax = 128 if l == 0 else max(abs(v) for v in net.out_range(l - 1))
    worst = int(np.max(np.sum(np.abs(c), axis=1), initial=0)) * xmax
    if net.b_words[l] is not None:
        worst += int(np.max(np.abs(net.b_words[l]), initial=0))
    if l < net.n_layers - 1:
        worst <<= max(0, 1 - net.shifts[l])        # acc * 2**(FL_out + 1) for the rounding add
    return worst


def graph_of(q: QuantModel, batch: int = 1, name: str = "qmlp"):
    """The ModelProto of quantized model q (shapes inferred, checked by onnx.checker)."""
    onnx = need_onnx()
    from onnx import TensorProto, helper, numpy_helper

    net = intnet.build(q)
    spec = q.spec
    exact32 = all(_worst_units(net, l) < F32_LIMIT for l in range(net.n_layers))
    npdt, elem = (np.float32, TensorProto.FLOAT) if exact32 else (np.float64, TensorProto.DOUBLE)
    nodes, inits = [], []

    def const(nm, v, dt=None):
        inits.append(numpy_helper.from_array(np.asarray(v, dt or npdt), nm))
        return nm

    def quant(x, out, scale_fl, bits, signed, rounding="ROUND", nm=None):
        s = const(f"{out}_scale", math.ldexp(1.0, -scale_fl))
        if bits == 1:
            # bipolar (qmlp.numerics.bipolar): qonnx's BipolarQuant, x >= 0 -> +scale, else -scale
            nodes.append(helper.make_node("BipolarQuant", [x, s], [out], name=nm or f"BipolarQuant_{out}",
                                          domain=QUANT_DOMAIN))
            return out
        z = const(f"{out}_zeropt", 0.0)
        b = const(f"{out}_bitwidth", float(bits))
        nodes.append(helper.make_node("Quant", [x, s, z, b], [out], name=nm or f"Quant_{out}", domain=QUANT_DOMAIN,
                                      signed=int(signed), narrow=0, rounding_mode=rounding))
        return out

    def op(kind, ins, out, **attrs):
        nodes.append(helper.make_node(kind, ins, [out], name=f"{kind}_{out}", **attrs))
        return out

    fl_x = net.fmt.fl_in
    x = quant(INPUT, "x0", fl_x, 8, True, "ROUND", "Quant_input")
    fl_outs = net.fmt.fl_acts
    for l in range(net.n_layers):
        nm = spec.names[l]
        wl, fl_w = q.wls[l], q.fls[l]
        w = const(f"{nm}.weight", np.ldexp(net.w_codes[l].astype(np.float64), -fl_w))
        wq = quant(w, f"{nm}.weight_q", fl_w, wl, True)
        ins = [x, wq]
        if net.b_words[l] is not None:
            b = const(f"{nm}.bias", np.asarray(q.biases[l], np.float32).astype(np.float64))
            ins.append(quant(b, f"{nm}.bias_q", fl_x + fl_w, intnet.BIAS_BITS, True))
        last = l == net.n_layers - 1
        acc = op("Gemm", ins, OUTPUT if last else f"{nm}.acc", transB=1)
        if last:
            break
        a = net.fmt.act(l)
        ab = net.fmt.abits[l]
        lo, hi = a.code_range(ab)
        qbits, qsigned = (a.xbits(ab), True) if lo < 0 else (a.xbits(ab) - 1, False)
        fl_o = fl_outs[l]
        if ab == 1:
            x = quant(acc, f"{nm}.out", fl_o, 1, True)         # the sign of acc (bias included)
        elif net.kind(l) == "thresh":
            t = const(f"{nm}.thresholds", np.ldexp(net.thresholds[l].astype(np.float64), -(fl_x + fl_w)))
            nodes.append(helper.make_node("MultiThreshold", [acc, t], [f"{nm}.thr_out"], name=f"MultiThreshold_{nm}",
                                          domain=QUANT_DOMAIN, out_dtype=f"{'INT' if qsigned else 'UINT'}{qbits}",
                                          out_scale=1.0, out_bias=float(lo), data_layout="NC"))
            x = quant(f"{nm}.thr_out", f"{nm}.out", fl_o, qbits, qsigned, "ROUND")
        elif a.hw == "clamp":
            h = op("Add", [acc, const(f"{nm}.half", math.ldexp(1.0, -(fl_o + 1)))], f"{nm}.acc_half")
            x = quant(h, f"{nm}.out", fl_o, qbits, qsigned, "FLOOR")
        else:
            fl_z, tb = net.fmt.fl_z_of(l), net.fmt.idx_bits
            h = op("Add", [acc, const(f"{nm}.half", math.ldexp(1.0, -(fl_z + 1)))], f"{nm}.acc_half")
            z = quant(h, f"{nm}.z", fl_z, tb, True, "FLOOR")
            zi = op("Mul", [z, const(f"{nm}.z_unscale", math.ldexp(1.0, fl_z))], f"{nm}.z_int")
            zi = op("Add", [zi, const(f"{nm}.z_offset", float(1 << (tb - 1)))], f"{nm}.z_index_f")
            zi = op("Cast", [zi], f"{nm}.z_index", to=TensorProto.INT64)
            table = const(f"{nm}.{a.name}_table", np.ldexp(net.luts[l].astype(np.float64), -fl_o))
            t = op("Gather", [table, zi], f"{nm}.table_out", axis=0)
            x = quant(t, f"{nm}.out", fl_o, qbits, qsigned, "ROUND")
        fl_x = fl_o
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info(INPUT, elem, [batch, spec.inputs])],
                          [helper.make_tensor_value_info(OUTPUT, elem, [batch, spec.classes])], inits)
    g.doc_string = (f"qmlp {spec.describe()} w{','.join(map(str, q.wls))} "
                    f"a{','.join(map(str, net.fmt.abits)) or '-'}: input = "
                    + ("pixel/255" if spec.input_kind == "u8" else "the float feature")
                    + f"; output = int32 logits * 2**-{fl_x + q.fls[-1]}")
    m = helper.make_model(g, producer_name="qmlp", opset_imports=[helper.make_opsetid("", 17),
                                                                  helper.make_opsetid(QUANT_DOMAIN, 2)])
    m.ir_version = 8
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.transformation.infer_shapes import InferShapes

    onnx.checker.check_model(m)
    return ModelWrapper(m).transform(InferShapes()).model


def logit_fl(q: QuantModel) -> int:
    """Fraction length of the graph's logits: FL_x of the last layer + its FL_W."""
    net = intnet.build(q)
    fl_x = net.fmt.fl_in if net.n_layers == 1 else net.fmt.fl_acts[-1]
    return fl_x + q.fls[-1]


def export(q: QuantModel, out: Path, batch: int = 1) -> Path:
    onnx = need_onnx()
    from qmlp.files import write_bytes

    m = graph_of(q, batch)
    write_bytes(out, m.SerializeToString())
    return out
