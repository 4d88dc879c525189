"""The network's integer inference, defined once: the golden model of qmlp:accel:mlp.

Per image (all integer, bit-exact with the hardware), for any network of the spec (qmlp.spec),
weight bits WB_l in {8, 4, 2, 1} per layer and activation bits AB_l in {8, 4, 2, 1} per hidden layer
(1 bit: bipolar codes -1 and +1, qmlp.numerics.bipolar):
  x   = input codes, Q(8, FL_IN):  code = quantize(pixel / 255, 8, FL_IN), or of the feature
        itself for a data set of floats in [-1, 1] (host side)
  for every layer l:
    acc = B_l + sum_k x[k] * W_l[j][k]   W_l codes of Q(WB_l, FL_W_l); B_l the bias at the
                                         accumulator's scale 2**-(FL_x + FL_W_l); exact in int32
    last layer: logits = acc (int32), class = argmax (first maximum on ties)
    hidden layer, by its activation's hardware kind (qmlp.numerics.acts):
      table: z = sat_T(requant(acc, S_l)),  S_l = FL_x + FL_W_l - FL_Z_l;  x' = TABLE_l[z]
      clamp: x' = clamp(requant(acc, S_l), LO_l, HI_l),  S_l = FL_x + FL_W_l - FL_A_l
      sign (AB_l = 1, any signed activation): x' = +1 if acc >= 0 else -1 (acc includes the
             bias; no requantization, S_l = 0 is stored)
      thresh (an imported layer with float scales, qmlp.numerics.thresholds): x'[n] = LO_l +
             #{k : acc[n] >= T_l[n][k]}, AB_l <= 4 (at most 15 thresholds); the bias is in the
             thresholds, S_l = 0 is stored; FL_A_l is the scale's fraction length, or 0 for a
             float scale (the codes are integers in the next layer's units)
requant rounds half up (an arithmetic shift after adding 2**(S-1); S < 0 shifts left, exact).
FL_x is FL_IN for layer 1 and the previous layer's output fraction length after it. For the
lab's network at WB = AB = 8 this is the int8 network of the first round, unchanged.
Quantization-aware training (qmlp.nn.qat) computes exactly this function in its forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from qmlp.errors import QmlpError
from qmlp.numerics import acts as actreg
from qmlp.numerics import bipolar
from qmlp.numerics import fixedpoint as fx
from qmlp.numerics import golden
from qmlp.numerics import thresholds
from qmlp.numerics.qmodel import QuantModel
from qmlp.params import BITS
from qmlp.spec import LAB, NetSpec, per_layer


@dataclass(frozen=True)
class IntFormats:
    """Fixed-point formats of the integer pipeline (the weights' fl come from the model)."""

    fl_in: int = 7       # input codes Q(8, 7): pixels in [0, 1] (1.0 saturates to 127/128), features in [-1, 1)
    fl_z: int | None = None   # table index Q(T, FL_Z) of every table layer; None: the activation's own
    idx_bits: int = 8    # T: tables of 2**T entries (hls4ml uses 1,024 over [-4, 4); 256 scored the same here)
    abits: tuple = (8, 8)     # bits of each hidden layer's output
    acts: tuple = ("tanh", "tanh")  # each hidden layer's activation (from the spec)
    act_fls: tuple = (None, None)   # output fl of calibrated activations (relu, identity); None for bounded

    def __post_init__(self):
        object.__setattr__(self, "abits", tuple(int(a) for a in self.abits))
        object.__setattr__(self, "acts", tuple(self.acts))
        fls = tuple(self.act_fls) if self.act_fls is not None else (None,) * len(self.acts)
        object.__setattr__(self, "act_fls", tuple(None if f is None else int(f) for f in fls))

    @staticmethod
    def of(spec: NetSpec, abits=(8,), act_fls=None, **kw) -> "IntFormats":
        n = spec.n_layers - 1
        ab = per_layer(tuple(abits), n, "activation bits") if n else ()
        return IntFormats(abits=ab, acts=spec.acts, act_fls=tuple(act_fls) if act_fls is not None else (None,) * n,
                          **kw)

    def act(self, l: int) -> actreg.Act:
        return actreg.get(self.acts[l])

    def fl_z_of(self, l: int) -> int:
        return self.fl_z if self.fl_z is not None else self.act(l).fl_z

    @property
    def fl_acts(self) -> tuple[int, ...]:
        """Fraction length of each hidden layer's output."""
        out = []
        for l in range(len(self.acts)):
            a = self.act(l)
            if a.bounded:
                out.append(a.fixed_fl(self.abits[l]))
            elif self.act_fls[l] is None:
                raise QmlpError(f"layer {l + 1} ({self.acts[l]}) has no output fraction length: a quantized model "
                                "of a relu or identity layer stores one (re-quantize it with this qmlp)")
            else:
                out.append(self.act_fls[l])
        return tuple(out)

    def check(self) -> None:
        fx.check_format(8, self.fl_in)
        if self.fl_z is not None:
            fx.check_format(8, self.fl_z)
        if not 4 <= self.idx_bits <= 12:
            raise QmlpError(f"activation table index width {self.idx_bits} out of range 4..12 bits")
        if len(self.abits) != len(self.acts) or len(self.act_fls) != len(self.acts):
            raise QmlpError(f"activation bits {list(self.abits)}: need {len(self.acts)} values (one per hidden layer)")
        if any(a not in BITS for a in self.abits):
            raise QmlpError(f"activation bits {list(self.abits)}: each one of {', '.join(map(str, BITS))}")
        for a, b in zip(self.acts, self.abits):
            actreg.get(a).xbits(b)          # a 1-bit relu or sigmoid is refused here


@dataclass
class IntNet:
    """Everything the hardware holds: weight codes, bias words, shifts, activation tables."""

    fmt: IntFormats
    w_codes: list[np.ndarray]           # int8, out x in, each within its layer's WB bits
    w_fls: list[int]
    shifts: list[int]                   # requant shift of every hidden layer
    luts: list[np.ndarray | None]       # per hidden layer: its table (int8, 2**T entries) or None (clamp)
    b_words: list[np.ndarray | None]    # per layer: int64 bias at the accumulator's scale, or None
    spec: NetSpec = LAB
    meta: dict = field(default_factory=dict)
    w_bits: list[int] = field(default_factory=lambda: [8, 8, 8])
    thresholds: list | None = None      # per hidden layer: int64 N x count thresholds ("thresh") or None

    def kind(self, l: int) -> str:
        """Hidden layer l's hardware kind: table, clamp, sign or thresh."""
        if self.thresholds is not None and self.thresholds[l] is not None:
            return actreg.THRESH
        return self.fmt.act(l).hw_kind(self.fmt.abits[l])

    @property
    def n_layers(self) -> int:
        return len(self.w_codes)

    def out_range(self, l: int) -> tuple[int, int]:
        return self.fmt.act(l).code_range(self.fmt.abits[l])

    def xbits(self) -> list[int]:
        """Signed operand bits of each layer's input codes (8 for the input)."""
        return actreg.input_bits(self.fmt.acts, self.fmt.abits)

    @property
    def tanh_luts(self) -> list[np.ndarray]:
        return [t for t in self.luts if t is not None]


def act_table(fmt: IntFormats, l: int) -> np.ndarray:
    """TABLE_l[i] = quantize(f(z * 2**-FL_Z)) for z = i - 2**(T-1), in the layer's output format."""
    a = fmt.act(l)
    z = np.arange(-(1 << (fmt.idx_bits - 1)), 1 << (fmt.idx_bits - 1), dtype=np.int64)
    xb = a.xbits(fmt.abits[l])
    lo, hi = a.code_range(fmt.abits[l])
    c = fx.to_codes(a.f(np.ldexp(z.astype(np.float64), -fmt.fl_z_of(l))), xb, a.fixed_fl(fmt.abits[l]))
    return np.clip(c, lo, hi).astype(np.int8)


def tanh_table(fmt: IntFormats, layer: int = 0) -> np.ndarray:
    return act_table(fmt, layer)


def bias_words(b, scale_fl: int) -> np.ndarray:
    """A float bias at the accumulator's scale: round half to even of b * 2**scale_fl."""
    v = np.asarray(b, dtype=np.float64) * np.ldexp(1.0, scale_fl)
    return np.round(v).astype(np.int64)


BIAS_BITS = 24     # a bias word is 24 bits in the hardware (a ROM word per neuron)


def build(q: QuantModel, fmt: IntFormats | None = None) -> IntNet:
    """The integer network of quantized model q: weight bits from q, activation bits from fmt
    (default: the model's own, 8 for a post-training quantized model)."""
    spec = q.spec
    n = spec.n_layers
    if fmt is None:
        fmt = IntFormats.of(spec, q.abits or (8,), q.act_fls)
    fmt.check()
    if tuple(fmt.acts) != tuple(spec.acts):
        raise QmlpError(f"the formats are for activations {list(fmt.acts)}, the model's spec has {list(spec.acts)}")
    wls = list(q.wls)
    for i, wl in enumerate(wls):
        if wl not in BITS:
            raise QmlpError(f"layer {i + 1}: the accelerator takes {', '.join(map(str, BITS))}-bit weights, the "
                            f"quantized model has wl={wl}")
    qa = q.abits
    if qa and tuple(qa) != tuple(fmt.abits):
        raise QmlpError(f"the quantized model was trained for activation bits {list(qa)}, not {list(fmt.abits)}")
    fl_out = fmt.fl_acts
    fl_x = [fmt.fl_in] + list(fl_out)
    xmax = [128] + [max(abs(v) for v in fmt.act(l).code_range(fmt.abits[l])) for l in range(n - 1)]
    shifts, b_words = [], []
    for l in range(n):
        c = np.asarray(q.codes[l])
        lo, hi = bipolar.code_range(wls[l])
        if not bipolar.codes_ok(c, wls[l]):
            raise QmlpError(f"layer {l + 1}: 1-bit weight codes must be -1 or +1 (bipolar)" if wls[l] == 1
                            else f"layer {l + 1}: weight codes exceed the {wls[l]}-bit range {lo}..{hi}")
        bw = None
        if spec.layers[l].bias and q.biases is not None:
            bw = bias_words(q.biases[l], fl_x[l] + q.fls[l])
            lim = 1 << (BIAS_BITS - 1)
            if np.size(bw) and (bw.min() < -lim or bw.max() >= lim):
                raise QmlpError(f"layer {l + 1}: a bias of {float(np.max(np.abs(q.biases[l]))):.4g} is "
                                f"{int(np.max(np.abs(bw)))} at the accumulator's scale 2**-{fl_x[l] + q.fls[l]}, "
                                f"beyond the hardware's {BIAS_BITS}-bit bias word")
        # the accumulator is exact in int32: the largest possible sum must fit
        worst = int(np.max(np.sum(np.abs(c.astype(np.int64)), axis=1), initial=0)) * xmax[l] + \
            (int(np.max(np.abs(bw), initial=0)) if bw is not None else 0)
        if worst >= 1 << 31:
            raise QmlpError(f"layer {l + 1}: its accumulator could reach {worst}, beyond int32 ({spec.shapes[l][0]} "
                            "inputs of these weights): quantize its weights with fewer bits or a smaller fl")
        b_words.append(bw)
        if l < n - 1 and q.thresh(l) is not None:
            _check_thresh(q, fmt, l)
            shifts.append(0)                # thresholds on acc: nothing to requantize
        elif l < n - 1 and fmt.act(l).hw_kind(fmt.abits[l]) == "sign":
            shifts.append(0)                # the sign of acc: nothing to requantize
        elif l < n - 1:
            a = fmt.act(l)
            target = fmt.fl_z_of(l) if a.hw == "table" else fl_out[l]
            s = fl_x[l] + q.fls[l] - target
            if not -16 <= s <= 31:
                raise QmlpError(f"layer {l + 1}: requantization shift {s} (FL_x + FL_W - FL_out) is out of "
                                "range -16..31")
            shifts.append(s)
    luts = [act_table(fmt, l) if fmt.act(l).hw_kind(fmt.abits[l]) == "table" and q.thresh(l) is None else None
            for l in range(n - 1)]
    return IntNet(fmt, [np.asarray(c, np.int8) for c in q.codes], list(q.fls), shifts, luts, b_words, spec,
                  {"quant": q.meta}, wls, None if q.thresholds is None else list(q.thresholds))


def _check_thresh(q: QuantModel, fmt: IntFormats, l: int) -> None:
    """A threshold layer: N x (HI - LO) ascending int32 thresholds, no bias of its own."""
    t = q.thresh(l)
    a = fmt.act(l)
    want = (q.spec.layers[l].width, actreg.thresh_count(a, fmt.abits[l]))
    if t.shape != want:
        raise QmlpError(f"layer {l + 1}: thresholds of shape {t.shape}; a {fmt.abits[l]}-bit {a.name} layer of "
                        f"{want[0]} neurons needs {want[0]} x {want[1]}")
    if t.size and (np.any(np.diff(t, axis=1) < 0) or t.min() < -(1 << 31) or t.max() >= 1 << 31):
        raise QmlpError(f"layer {l + 1}: thresholds must ascend per neuron and fit int32")
    if q.spec.layers[l].bias:
        raise QmlpError(f"layer {l + 1}: a threshold layer has its bias in the thresholds (its spec says bias)")


def inputs_to_codes(x, spec: NetSpec = LAB, fmt: IntFormats = IntFormats()) -> np.ndarray:
    """Host-side input conversion: uint8 pixels (scaled by 1/255) or float features -> int8 Q(8, FL_IN)."""
    x = np.asarray(x)
    v = x.astype(np.float64) / 255.0 if spec.input_kind == "u8" else x.astype(np.float64)
    return fx.to_codes(v, 8, fmt.fl_in, "inputs").astype(np.int8)


def pixels_to_codes(u8: np.ndarray, fmt: IntFormats = IntFormats()) -> np.ndarray:
    """uint8 pixels -> int8 codes of Q(8, FL_IN)."""
    return inputs_to_codes(u8, LAB, fmt)


def layer_out(net: IntNet, l: int, acc: np.ndarray) -> np.ndarray:
    """A hidden layer's output codes from its accumulators (bias included)."""
    if net.kind(l) == actreg.THRESH:
        return thresholds.apply(acc, net.thresholds[l], net.out_range(l)[0])
    if net.fmt.abits[l] == bipolar.BIPOLAR:
        return bipolar.sign(acc)
    sh = net.shifts[l]
    rq = golden.requant(acc, sh) if sh >= 0 else acc * (1 << -sh)
    if net.luts[l] is not None:
        half = 1 << (net.fmt.idx_bits - 1)
        return net.luts[l][golden.sat(rq, net.fmt.idx_bits) + half]
    lo, hi = net.out_range(l)
    return np.clip(rq, lo, hi).astype(np.int8)


def forward(net: IntNet, x_codes: np.ndarray, trace: bool = False):
    """(logits int64 N x classes, classes N) of int8 input codes (N x inputs); trace adds layer outputs."""
    x = np.asarray(x_codes)
    if x.ndim != 2 or x.shape[1] != net.w_codes[0].shape[1]:
        raise QmlpError(f"input codes must be N x {net.w_codes[0].shape[1]}, got {x.shape}")
    acts = []
    logits = None
    for l in range(net.n_layers):
        acc = golden.matmul_acc_i8(x, net.w_codes[l].T, 32).astype(np.int64)
        if net.b_words[l] is not None:
            acc = acc + net.b_words[l][None, :]
        if l == net.n_layers - 1:
            logits = acc
            break
        x = layer_out(net, l, acc)
        acts.append(x)
    classes = np.argmax(logits, axis=1)
    return (logits, classes, acts) if trace else (logits, classes)


def accuracy(net: IntNet, raw_inputs: np.ndarray, labels: np.ndarray) -> float:
    _, cls = forward(net, inputs_to_codes(raw_inputs, net.spec, net.fmt))
    return float(100.0 * np.mean(cls == labels))
