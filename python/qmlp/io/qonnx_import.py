"""QONNX graphs of quantized MLPs (Brevitas `export_qonnx`) as qmlp quantized models.

The graph must be one chain from its input to its output of:
  Flatten / Reshape (before the first layer), Identity, Dropout: passed over
  Quant  on the input:  8-bit signed, zero point 0, scale 2**-7: qmlp's Q(8, 7) input codes
  Quant  on a weight initializer (signed, zero point 0, one scale per tensor): the codes and, for a
         power-of-two scale, the fraction length of Q(wl, fl) (a float scale: fl 0, the layer's
         scale goes into its thresholds or, for the last layer, into logit_scale); wl = the next
         of 2, 4, 8 at or above its bits
  Gemm (x . W^T + c, or x . W + c), or MatMul then Add of a constant: one layer; the bias a float
         initializer or a Quant of one
  Relu then Quant (or a Quant only) between layers: the hidden activation. With power-of-two
         scales (input, weights and activation) a clamp whose code range must be one of qmlp's:
         relu [0, 127], [0, 15], [0, 3] (unsigned 7, 4, 2 bits: 8-, 4- and 2-bit activations;
         qmlp's 8-bit relu is 7 bits, its bytes are signed), identity [-128, 127], [-8, 7],
         [-2, 1]; its scale 2**-FL_A. With any float scale (Brevitas' default QuantReLU learns
         one; float weight scales too): per-neuron integer thresholds (FINN's MultiThreshold,
         qmlp.numerics.thresholds), derived exactly from the scales, the float bias and the
         Quant's rounding mode (any of QONNX's but stochastic ones), for codes of 2 to 4 bits;
         the layer's bias goes into its thresholds and its codes are the next layer's integers.
and end at the last layer's Gemm (its float output are the logits, qmlp's int32 logits times
meta["logit_scale"]).

What is not exact: with power-of-two scales, Brevitas' Quant rounds half to even, qmlp's
requantization half up: an accumulator exactly halfway between two codes (no bias, or a bias
that is a whole number of accumulator units) may go the other way. A float bias is no tie: a
hidden layer's bias word is floor(bias * 2**(FL_x + FL_W)), which makes the half-up
requantization round u + bias exactly as the graph does (see read()). Threshold layers are exact
in exact arithmetic (ties included); the graph's executor computes in float32, which can differ
only where an accumulator's exact value is within float32 rounding of a step. The logits' bias
word is the nearest one (less than half an output step from the graph's float logits;
--widen-logits keeps 8 - wl more bits of it). `compare` measures all of it on data and says why
each class differs (tie, hidden code, near logits).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from qmlp.errors import QmlpError
from qmlp.io.onnxfile import load as load_onnx
from qmlp.numerics import acts as actreg
from qmlp.numerics import thresholds as thr
from qmlp.numerics.qmodel import QuantModel
from qmlp.params import BITS
from qmlp.spec import make

PASS_OPS = ("Flatten", "Reshape", "Identity", "Dropout")
FL_IN = 7


class _Graph:
    def __init__(self, m, path):
        from onnx import numpy_helper

        self.path = path
        self.g = m.graph
        self.init = {t.name: numpy_helper.to_array(t) for t in self.g.initializer}
        for n in self.g.node:        # Constant nodes are initializers too
            if n.op_type == "Constant":
                from onnx import helper

                for a in n.attribute:
                    if a.name == "value":
                        self.init[n.output[0]] = numpy_helper.to_array(helper.get_attribute_value(a))
        self.consumers: dict[str, list] = {}
        for n in self.g.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)
        self.producer = {o: n for n in self.g.node for o in n.output}

    def name(self, n) -> str:
        return f"node {n.name or '(unnamed)'!r} ({n.op_type})"

    def attr(self, n, key, default=None):
        from onnx import helper

        for a in n.attribute:
            if a.name == key:
                v = helper.get_attribute_value(a)
                return v.decode() if isinstance(v, bytes) else v
        return default

    def const(self, name):
        """The value of a constant tensor (initializer, Constant, or a Quant of constants), or None."""
        if name in self.init:
            return self.init[name]
        n = self.producer.get(name)
        if n is not None and n.op_type == "Quant" and all(self.const(i) is not None for i in n.input):
            from qonnx.custom_op.general.quant import quant as qfun

            q = self.quant_params(n)
            return qfun(np.asarray(self.const(n.input[0]), np.float64), q["scale"], q["zeropt"],
                        np.asarray(float(q["bits"])), q["signed"], q["narrow"], q["rounding"])
        return None

    def quant_params(self, n) -> dict:
        vals = [self.const(i) for i in n.input[1:4]]
        if len(n.input) != 4 or any(v is None for v in vals):
            raise QmlpError(f"{self.name(n)}: scale, zero point and bit width must be constants")
        scale, zp, bits = (np.asarray(v, np.float64) for v in vals)
        if np.any(zp != 0):
            raise QmlpError(f"{self.name(n)}: zero point {zp.ravel()[:4].tolist()} (not 0): qmlp's codes are "
                            "symmetric (two's complement, no offset)")
        if bits.size != 1 or bits.item() != int(bits.item()):
            raise QmlpError(f"{self.name(n)}: bit width {bits.ravel()[:4].tolist()}: one integer expected")
        return {"scale": scale, "zeropt": zp, "bits": int(bits.item()), "signed": int(self.attr(n, "signed", 1)),
                "narrow": int(self.attr(n, "narrow", 0)), "rounding": str(self.attr(n, "rounding_mode", "ROUND"))}

    def one_scale(self, n, scale, what) -> float:
        """The tensor's one scale (a float32 value of the graph), positive."""
        s = np.unique(np.asarray(scale, np.float32).ravel())
        if s.size != 1:
            raise QmlpError(f"{self.name(n)}: {s.size} different {what} scales (per channel): qmlp has one "
                            "scale per tensor")
        if not (np.isfinite(s[0]) and s[0] > 0):
            raise QmlpError(f"{self.name(n)}: {what} scale {float(s[0])}: a positive finite scale expected")
        return float(s[0])

    def pow2_fl(self, n, scale, what) -> int:
        s = np.unique(np.asarray(scale, np.float64).ravel())
        if s.size != 1:
            raise QmlpError(f"{self.name(n)}: {s.size} different {what} scales (per channel): qmlp has one "
                            "power-of-two scale per tensor")
        v = float(s[0])
        fl = -math.log2(v) if v > 0 else float("nan")
        if not math.isfinite(fl) or fl != round(fl):
            hint = (" (Brevitas' default QuantReLU learns a float scale: use a fixed-point quantizer, e.g. "
                    "Uint8ActPerTensorFixedPoint with bit_width 7, 4 or 2)" if what == "activation" else "")
            raise QmlpError(f"{self.name(n)}: {what} scale {v:.6g} is not a power of two: qmlp's fixed-point "
                            f"{'clamp activation' if what == 'activation' else 'codes'} cannot express it (that needs "
                            f"per-neuron integer thresholds, not in qmlp's hardware){hint}")
        return int(round(fl))

    def next_node(self, t):
        cs = self.consumers.get(t, [])
        if len(cs) > 1:
            raise QmlpError(f"tensor {t!r} feeds {len(cs)} nodes ({', '.join(c.op_type for c in cs)}): qmlp "
                            "imports a chain of layers (no branches or residual connections)")
        return cs[0] if cs else None


def _next_bits(bits: int, n_name: str) -> int:
    for b in sorted(BITS):
        if b >= bits:
            return b
    raise QmlpError(f"{n_name}: {bits}-bit weights; the accelerator takes at most {max(BITS)}")


def _act_of(lo: int, hi: int) -> tuple[str, int] | None:
    """(activation, abits) whose code range is [lo, hi], or None."""
    for name in ("relu", "identity"):
        a = actreg.get(name)
        for ab in sorted(BITS, reverse=True):
            if ab > 1 and a.code_range(ab) == (lo, hi):      # 1 bit is bipolar (a relu has none)
                return name, ab
    return None


def _is_pow2(v: float) -> bool:
    m, _ = math.frexp(float(v))
    return v > 0 and m == 0.5


def _thresh_act(lo: int, hi: int, where: str) -> tuple[str, int]:
    """(activation, abits) of a threshold layer whose quantizer gives codes lo..hi: the fewest bits
    of relu (lo >= 0) or identity whose code range holds them; at most 4 bits."""
    name = "relu" if lo >= 0 else "identity"
    a = actreg.get(name)
    for ab in sorted(b for b in BITS if b > 1):
        clo, chi = a.code_range(ab)
        if clo <= lo and hi <= chi:
            actreg.thresh_count(a, ab)       # refuses more than 4 bits
            return name, ab
    raise QmlpError(f"{where}: activation codes {lo}..{hi} with a float scale: qmlp's threshold layers take "
                    f"{name} codes of 2 to {actreg.MAX_THRESH_ABITS} bits (at most "
                    f"{(1 << actreg.MAX_THRESH_ABITS) - 1} thresholds per neuron, one comparator each)")


def _qrange(q: dict) -> tuple[int, int]:
    from qonnx.custom_op.general.quant import max_int, min_int

    return int(min_int(q["signed"], q["narrow"], q["bits"])), int(max_int(q["signed"], q["narrow"], q["bits"]))


def read(path, input_kind: str = "u8", meta: dict | None = None, widen_logits: bool = False,
         thresholds: bool = False) -> QuantModel:
    """The quantized model of a QONNX graph (see the module's doc for what it may hold).

    widen_logits: the last layer's weight codes as 8-bit codes of the same values (shifted left
    by 8 - wl bits, FL_W up as much), so that a float bias keeps 8 - wl more fraction bits in its
    word: the logits then come within 2**-(9 - wl) of an output step of the graph's instead of
    half a step (fewer argmax flips between near-equal logits), for an 8-bit last layer.
    thresholds: every hidden layer as thresholds, power-of-two scales too (2 to 4 bits): the
    graph's own rounding (half to even) of accumulators halfway between two codes, where the
    clamp's requantization rounds half up."""
    path = Path(path)
    g = _Graph(load_onnx(path), path)
    real_inputs = [i for i in g.g.input if i.name not in g.init]
    if len(real_inputs) != 1 or len(g.g.output) != 1:
        raise QmlpError(f"{path}: {len(real_inputs)} inputs and {len(g.g.output)} outputs; an MLP has one of each")
    t = real_inputs[0].name
    layers: list[dict] = []        # per layer: codes, fl, wl, bias, act, abits, act_fl
    state = "in"                   # in | x (quantized activations ready) | acc (after a layer) | relu
    pending_relu = False
    in_ok = False
    in_lo = -128
    n = g.next_node(t)
    while n is not None:
        op = n.op_type
        if n.domain not in ("", "ai.onnx", "qonnx.custom_op.general", "onnx.brevitas", "finn.custom_op.general"):
            raise QmlpError(f"{path}: {g.name(n)} of domain {n.domain!r}: not supported")
        if op in PASS_OPS:
            if op in ("Flatten", "Reshape") and layers:
                raise QmlpError(f"{path}: {g.name(n)} after the first layer: qmlp imports MLPs (a reshape is "
                                "taken at the input only)")
        elif op == "Quant":
            q = g.quant_params(n)
            if state == "in":
                fl = g.pow2_fl(n, q["scale"], "input")
                lo, hi = _qrange(q)
                ok = fl == FL_IN and q["bits"] == 8 and q["signed"] and (lo == -128 or (lo == -127 and
                                                                                        input_kind == "u8"))
                if not ok:
                    raise QmlpError(f"{path}: {g.name(n)} quantizes the input to {'signed' if q['signed'] else 'unsigned'} "
                                    f"{q['bits']} bits at scale 2**-{fl}, range {lo}..{hi}: the accelerator takes "
                                    "Q(8, 7) codes (8-bit signed, scale 2**-7, -128..127): use that input quantizer "
                                    "(Brevitas Int8ActPerTensorFixedPoint with a scale of 1/128)")
                if q["rounding"].upper() not in ("ROUND", "HALF_EVEN"):
                    raise QmlpError(f"{path}: {g.name(n)} rounds the input with {q['rounding']}; qmlp's input "
                                    "codes round half to even (ROUND)")
                in_ok, state, in_lo = True, "x", lo
            elif state in ("acc", "relu"):
                if not layers:
                    raise QmlpError(f"{path}: {g.name(n)}: an activation Quant before any layer")
                lo, hi = _qrange(q)
                if pending_relu:
                    lo = max(lo, 0)
                s_a = g.one_scale(n, q["scale"], "activation")
                if thresholds or not (_is_pow2(s_a) and _is_pow2(layers[-1]["s_in"]) and _is_pow2(layers[-1]["s_w"])):
                    # a float scale: per-neuron integer thresholds (qmlp.numerics.thresholds)
                    if q["rounding"].upper() not in thr.ROUNDINGS:
                        raise QmlpError(f"{path}: {g.name(n)}: activation rounding {q['rounding']}: qmlp derives "
                                        f"thresholds for {', '.join(thr.ROUNDINGS)}")
                    act, ab = _thresh_act(lo, hi, f"{path}: {g.name(n)}")
                    # the codes' fraction length: the scale's for a power of two (the next layer's
                    # units are then real ones), else 0 (the next layer uses thresholds or exact words)
                    a_fl = int(round(-math.log2(s_a))) if _is_pow2(s_a) else 0
                    layers[-1].update(act=act, abits=ab, act_fl=a_fl, act_node=g.name(n), thresh=True, s_a=s_a,
                                      q_lo=lo, q_hi=hi, rounding=q["rounding"])
                    pending_relu, state = False, "x"
                    t = n.output[0]
                    n = g.next_node(t)
                    continue
                if q["rounding"].upper() not in ("ROUND", "HALF_EVEN"):
                    raise QmlpError(f"{path}: {g.name(n)}: activation rounding {q['rounding']} (qmlp imports ROUND "
                                    "with power-of-two scales)")
                fl = g.pow2_fl(n, q["scale"], "activation")
                m = _act_of(lo, hi)
                if m is None:
                    raise QmlpError(f"{path}: {g.name(n)}: activation codes {lo}..{hi} "
                                    f"({'signed' if q['signed'] else 'unsigned'} {q['bits']} bits"
                                    f"{', narrow' if q['narrow'] else ''}{', after a Relu' if pending_relu else ''}) "
                                    "are none of qmlp's: relu 0..127, 0..15, 0..3 (unsigned 7, 4, 2 bits), identity "
                                    "-128..127, -8..7, -2..1")
                layers[-1].update(act=m[0], abits=m[1], act_fl=fl, act_node=g.name(n), s_a=s_a)
                pending_relu, state = False, "x"
            else:
                raise QmlpError(f"{path}: {g.name(n)}: a second Quant in a row on the activations")
        elif op in ("Gemm", "MatMul"):
            if state != "x":
                why = ("the input is not quantized (qmlp needs a Quant of the input: Q(8, 7))" if not in_ok else
                       "the previous layer's output is not quantized (a float activation: qmlp needs a Quant "
                       "after it)")
                raise QmlpError(f"{path}: {g.name(n)}: {why}")
            if n.input[0] != t:
                raise QmlpError(f"{path}: {g.name(n)}: the activations must be its first input")
            wname = n.input[1]
            wprod = g.producer.get(wname)
            if wprod is None or wprod.op_type != "Quant":
                raise QmlpError(f"{path}: {g.name(n)}: float weights {wname!r} (no Quant): qmlp imports quantized "
                                "graphs here (import the float model from PyTorch instead)")
            wraw = g.const(wprod.input[0])
            if wraw is None:
                raise QmlpError(f"{path}: {g.name(wprod)}: its weights are not a constant")
            qw = g.quant_params(wprod)
            if not qw["signed"] or qw["bits"] < 2:
                raise QmlpError(f"{path}: {g.name(wprod)}: {'unsigned' if not qw['signed'] else '1-bit'} weights; "
                                "qmlp takes signed 2-, 4- or 8-bit weight codes")
            s_w = g.one_scale(wprod, qw["scale"], "weight")
            fl_w = int(round(-math.log2(s_w))) if _is_pow2(s_w) else 0    # a float scale: codes as integers
            w = np.asarray(wraw, np.float64)
            if w.ndim != 2:
                raise QmlpError(f"{path}: {g.name(n)}: weights of shape {w.shape}")
            trans = op == "Gemm" and int(g.attr(n, "transB", 0)) == 1
            if op == "Gemm" and (int(g.attr(n, "transA", 0)) or float(g.attr(n, "alpha", 1.0)) != 1.0
                                 or float(g.attr(n, "beta", 1.0)) != 1.0):
                raise QmlpError(f"{path}: {g.name(n)}: transA, alpha or beta other than 0, 1, 1")
            w = w if trans else w.T                        # out x in
            lo, hi = _qrange(qw)
            codes = np.clip(np.round(w / s_w), lo, hi)
            if qw["rounding"].upper() not in ("ROUND", "HALF_EVEN"):
                raise QmlpError(f"{path}: {g.name(wprod)}: weight rounding {qw['rounding']} (qmlp imports ROUND)")
            bias = None
            out = n.output[0]
            if op == "Gemm" and len(n.input) > 2 and n.input[2]:
                bias = g.const(n.input[2])
                if bias is None:
                    raise QmlpError(f"{path}: {g.name(n)}: its bias is not a constant")
            elif op == "MatMul":
                nx = g.next_node(out)
                if nx is not None and nx.op_type == "Add":
                    other = [i for i in nx.input if i != out]
                    bias = g.const(other[0]) if len(other) == 1 else None
                    if bias is None:
                        raise QmlpError(f"{path}: {g.name(nx)} adds two computed tensors (a residual connection?): "
                                        "qmlp takes a chain of layers, a bias is a constant")
                    n, out = nx, nx.output[0]
            if bias is not None:
                bias = np.broadcast_to(np.asarray(bias, np.float64).ravel(), (w.shape[0],)).astype(np.float32)
            s_in = 2.0 ** -FL_IN if not layers else layers[-1]["s_a"]
            layers.append(dict(codes=codes.astype(np.int8), fl=fl_w, wl=_next_bits(qw["bits"], g.name(wprod)),
                               bias=bias, node=g.name(n), s_in=s_in, s_w=s_w))
            t = out
            state = "acc"
            n = g.next_node(t)
            continue
        elif op == "Relu":
            if state != "acc":
                raise QmlpError(f"{path}: {g.name(n)}: a Relu not right after a layer")
            pending_relu, state = True, "relu"
        elif op == "Add":
            raise QmlpError(f"{path}: {g.name(n)} (Add) where no bias belongs: a residual connection or an offset; "
                            "qmlp takes a chain of Gemm/MatMul layers")
        else:
            raise QmlpError(f"{path}: {g.name(n)}: op type {op} is not supported (qmlp imports Quant, Gemm, MatMul "
                            "+ Add, Relu, Flatten/Reshape at the input)")
        t = n.output[0]
        n = g.next_node(t)
    if t != g.g.output[0].name:
        raise QmlpError(f"{path}: the chain from the input ends at {t!r}, not at the graph's output "
                        f"{g.g.output[0].name!r}")
    if not layers:
        raise QmlpError(f"{path}: no Gemm or MatMul layer")
    if state == "relu":
        raise QmlpError(f"{path}: a Relu after the last layer: qmlp's last layer gives the logits (no activation)")
    if state == "x":
        raise QmlpError(f"{path}: a Quant after the last layer ({layers[-1].get('act_node', '')}): qmlp's logits are "
                        "the last layer's int32 accumulators")
    for i, L in enumerate(layers[:-1]):
        if "act" not in L:
            raise QmlpError(f"{path}: layer {i + 1} ({L['node']}) has no quantized activation after it")
    last = layers[-1]
    last["codes_shift"] = 0
    if widen_logits and last["wl"] < 8:
        k = 8 - last["wl"]
        last.update(codes=(last["codes"].astype(np.int16) << k).astype(np.int8), fl=last["fl"] + k, wl=8,
                    codes_shift=k)
    # A float bias r (in accumulator units) of a hidden layer whose requantization shifts right
    # (S >= 1): floor((u + r) / 2**S + 1/2) = floor((u + floor(r) + 2**(S-1)) / 2**S) for every
    # integer accumulator u (r not an integer; floor(x / D) = floor(floor(x) / D)), so the bias
    # word floor(r) makes qmlp's half-up requantization equal the graph's rounding of u + r.
    # The last layer (logits) and S <= 0 keep the nearest word (intnet.bias_words).
    fl_x = FL_IN
    x_range = (in_lo, 127)
    for i, L in enumerate(layers):
        fl_acc = fl_x + L["fl"]
        if L.get("thresh"):
            # the bias and every scale go into the thresholds; the layer keeps no bias word
            a = actreg.get(L["act"])
            out_lo, out_hi = a.code_range(L["abits"])
            L["thr"] = thr.derive(L["codes"], L["s_in"], L["s_w"], L["bias"], L["s_a"], L["q_lo"], L["q_hi"],
                                  out_lo, out_hi, L["rounding"], *x_range)
            L["bias"] = None
        elif L["bias"] is not None and i == len(layers) - 1 and not (_is_pow2(L["s_in"]) and _is_pow2(L["s_w"])):
            # logits at a float scale s_in * s_w: the nearest bias word, exactly (in the model's
            # nominal units 2**-(fl_x + fl): fl_x is 0 after a threshold layer, fl 0 for float weights)
            unit = Fraction(float(L["s_in"])) * Fraction(float(L["s_w"])) / 2 ** (L["codes_shift"])
            words = [round(Fraction(float(b)) / unit) for b in np.asarray(L["bias"], np.float64)]
            L["bias"] = np.ldexp(np.asarray(words, np.float64), -fl_acc).astype(np.float32)
        elif L["bias"] is not None and i < len(layers) - 1 and fl_acc - L["act_fl"] >= 1:
            r = np.ldexp(L["bias"].astype(np.float64), fl_acc)
            L["bias"] = np.ldexp(np.floor(r), -fl_acc).astype(np.float32)
            L["bias_floor"] = True
        if i < len(layers) - 1:
            fl_x = L["act_fl"]
            x_range = actreg.get(L["act"]).code_range(L["abits"])
    widths = [layers[0]["codes"].shape[1]] + [L["codes"].shape[0] for L in layers]
    has_b = [L["bias"] is not None for L in layers]
    spec = make(widths, [L["act"] for L in layers[:-1]] or "tanh", has_b, input_kind)
    bs = [L["bias"] if L["bias"] is not None else np.zeros(L["codes"].shape[0], np.float32) for L in layers] \
        if any(has_b) else None
    wls = [L["wl"] for L in layers]
    # the real value of one logit unit (the graph's logits = qmlp's int32 logits x logit_scale)
    meta = dict(meta or {}, source="qonnx", file=str(path.resolve()), mode="import",
                logit_scale=float(last["s_in"] * last["s_w"] / 2 ** last["codes_shift"]))
    ths = [L.get("thr") for L in layers[:-1]]
    if any(t is not None for t in ths):
        meta["thresholds"] = {f"fc{i + 1}": dict(act_scale=L["s_a"], in_scale=L["s_in"], weight_scale=L["s_w"],
                                                 rounding=L["rounding"], quant_codes=[L["q_lo"], L["q_hi"]])
                              for i, L in enumerate(layers[:-1]) if L.get("thresh")}
    return QuantModel(max(wls), [L["fl"] for L in layers], [L["codes"] for L in layers], bs, meta, wls,
                      tuple(L["abits"] for L in layers[:-1]), spec, tuple(L["act_fl"] for L in layers[:-1]),
                      ths if any(t is not None for t in ths) else None)


def compare(path, q: QuantModel, x_raw: np.ndarray) -> dict:
    """qonnx's executor on the graph against qmlp's integer model of q, on raw inputs (uint8
    pixels or float features): class agreement, logit differences in output steps, every
    disagreeing image."""
    from qmlp.io.onnxfile import run_qonnx
    from qmlp.nn.data import scale_pixels
    from qmlp.numerics import intnet

    net = intnet.build(q)
    x_raw = np.asarray(x_raw).reshape(len(x_raw), -1)
    lg, cls = intnet.forward(net, intnet.inputs_to_codes(x_raw, q.spec, net.fmt))
    fl_x = net.fmt.fl_in if net.n_layers == 1 else net.fmt.fl_acts[-1]
    step = float(q.meta.get("logit_scale") or math.ldexp(1.0, -(fl_x + q.fls[-1])))
    o = run_qonnx(path, scale_pixels(x_raw) if x_raw.dtype == np.uint8 else x_raw.astype(np.float32))
    d = np.abs(o.astype(np.float64) - lg * step) / step
    oc = np.argmax(o, axis=1)
    bad = np.flatnonzero(oc != cls)

    def why(i) -> str:
        # a hidden code differs: an accumulator at a step of the activation, where the graph's
        # float32 value fell on the other side (logits then move by whole weights)
        if d[i].max() > 0.5:
            return "hidden"
        # tie: the graph's two logits are equal up to float32 rounding (and qmlp's integer ones
        # too): the graph's float32 sums break the tie one way or the other, qmlp takes the first
        if abs(float(o[i, oc[i]]) - float(o[i, cls[i]])) <= 1e-3 * step and lg[i, oc[i]] == lg[i, cls[i]]:
            return "tie"
        return "near"          # logits within half a step: the bias word's rounding decides
    return {"images": len(x_raw), "agree": float(100.0 * np.mean(oc == cls)), "max_logit_steps": float(d.max()),
            "images_logits_differ": int(np.sum(d.max(axis=1) > 0.5)),
            "disagreements": [{"image": int(i), "qonnx": int(oc[i]), "qmlp": int(cls[i]),
                               "max_logit_steps": float(d[i].max()), "why": why(i)} for i in bad]}
