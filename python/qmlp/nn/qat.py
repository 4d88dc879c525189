"""Quantization-aware training at 8, 4, 2 or 1 bits, computing exactly what the hardware computes.

Weights: Brevitas QuantLinear with a fixed-point weight quantizer (a power-of-two scale that
minimises the quantization error, Int8WeightPerTensorFixedPointMSE at the layer's bit width,
full range), so each layer's weights are codes of Q(WB, FL_W) with no float scale left over.
(The max-abs scale, Int8WeightPerTensorFixedPoint, left most 2-bit weights at zero: 86.5 %
at w2a2 against 88.3 % with the MSE scale, Fashion-MNIST, 3 and 2 epochs.)
Biases (where the spec has them): float parameters rounded half to even at the accumulator's
scale 2**-(FL_x + FL_W) in the forward pass, as qmlp.numerics.intnet quantizes them.
Activations: the hardware's own chain (qmlp.numerics.acts), written as a straight-through
estimator, because a table lookup is nothing Brevitas can express exactly (its rounding is
half-to-even; the accelerator's requantization rounds half up, then saturates):
    table (tanh, sigmoid):  z = sat_T(floor(h * 2**FL_Z + 1/2)),  a = quantize(f(z * 2**-FL_Z))
    clamp (relu, identity, hardtanh):  a = clamp(floor(h * 2**FL_A + 1/2), LO, HI) * 2**-FL_A
h is the layer's sum; FL_A of relu and identity comes from the float model's activations
(qmlp.nn.quant.calibrate_act_fls) and stays fixed. Inputs are Q(8, 7) codes, as the host sends
them. Every sum in the forward pass is of products of codes, below 2**24 in code units, so
float32 holds it exactly in any order: the forward pass is the integer golden model
(qmlp.numerics.intnet), value for value.

1-bit layers are bipolar (qmlp.numerics.bipolar), as Brevitas' binary quantizers: weights are
sign(w) (sign(0) = +1) times 2**-fl, fl = bipolar.weight_fl(w) (the power of two nearest mean |w|,
recomputed every step), gradient straight through; a 1-bit activation is sign(h) (h >= 0 -> +1)
times 2**-FL_A with the gradient passed only where |h| <= 2**-FL_A (the clipped straight-through
estimator of BinaryNet/Brevitas). Inputs stay Q(8, 7) codes (8-bit pixels) at any bit width.

Training starts from the float model (trained first with the same configuration), then
fine-tunes with the quantizers in place; seeded and deterministic on the CPU.
"""

from __future__ import annotations

import math
import time

import numpy as np

from qmlp.config import TrainConfig
from qmlp.errors import QmlpError
from qmlp.nn.data import Dataset
from qmlp.numerics import acts as actreg
from qmlp.numerics import bipolar
from qmlp.params import BITS
from qmlp.progress import bar as progress_bar
from qmlp.spec import LAB, NetSpec, per_layer

FL_IN, IDX_BITS = 7, 8        # the integer network's fixed formats (intnet.IntFormats)


def check_bits(wbits, abits, spec: NetSpec = LAB) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per-layer bit lists from --wbits (1 or one per layer) and --abits (1 or one per hidden layer)."""
    n = spec.n_layers
    wb = tuple(int(b) for b in wbits)
    ab = tuple(int(b) for b in abits)
    if len(wb) not in (1, n) or any(b not in BITS for b in wb):
        raise QmlpError(f"--wbits={','.join(map(str, wbits))}: one value or {n} (one per layer), each of "
                        f"{', '.join(map(str, BITS))}")
    if (n > 1 and len(ab) not in (1, n - 1)) or any(b not in BITS for b in ab):
        raise QmlpError(f"--abits={','.join(map(str, abits))}: one value or {n - 1} (one per hidden layer), each of "
                        f"{', '.join(map(str, BITS))}")
    ab = per_layer(ab, n - 1, "--abits") if n > 1 else ()
    for act, b in zip(spec.acts, ab):
        actreg.get(act).xbits(b)            # a 1-bit relu or sigmoid is refused before any training
    return per_layer(wb, n, "--wbits"), ab


def _net(spec: NetSpec, wbits, abits, act_fls):
    import torch
    import brevitas.nn as qnn
    from brevitas.quant import Int8WeightPerTensorFixedPointMSE as WQ

    class _HalfUp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return torch.floor(x + 0.5)

        @staticmethod
        def backward(ctx, g):
            return g

    class _HalfEven(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return torch.round(x)

        @staticmethod
        def backward(ctx, g):
            return g

    class HwAct(torch.nn.Module):
        """A hidden layer's activation as the hardware computes it (qmlp.numerics.acts)."""

        def __init__(self, act: actreg.Act, ab: int, fl_out: int):
            super().__init__()
            self.act, self.ab, self.fl_out = act, ab, fl_out
            self.lo, self.hi = act.code_range(ab)

        def forward(self, h):
            a = self.act
            if self.ab == bipolar.BIPOLAR:
                # the sign of the sum with its bias (intnet: acc >= 0 -> +1), no requantization
                return _Sign.apply(h, 2.0 ** -self.fl_out) * 2.0 ** -self.fl_out
            if a.hw == "table":
                half = 1 << (IDX_BITS - 1)
                z = torch.clamp(_HalfUp.apply(h * 2.0 ** a.fl_z), -half, half - 1)
                t = a.torch(z * 2.0 ** -a.fl_z)
                # the value in float64, as the table is made (qmlp.numerics.intnet.act_table)
                exact = torch.from_numpy(a.f(z.detach().double().numpy() * 2.0 ** -a.fl_z)).float()
                t = t + (exact - t).detach()
                c = _HalfEven.apply(t * 2.0 ** self.fl_out)
            else:
                c = _HalfUp.apply(h * 2.0 ** self.fl_out)
            return torch.clamp(c, self.lo, self.hi) * 2.0 ** -self.fl_out

    class _Sign(torch.autograd.Function):
        """Bipolar codes: +1 where v >= 0, else -1; the gradient passes where |v| <= clip."""

        @staticmethod
        def forward(ctx, v, clip):
            ctx.save_for_backward(v)
            ctx.clip = clip
            return torch.where(v >= 0, torch.ones_like(v), -torch.ones_like(v))

        @staticmethod
        def backward(ctx, g):
            (v,) = ctx.saved_tensors
            return (g if ctx.clip is None else g * (v.abs() <= ctx.clip).to(g.dtype)), None

    class BinLinear(torch.nn.Module):
        """A 1-bit (bipolar) weight layer: sign(w) * 2**-fl, fl = bipolar.weight_fl(w)."""

        def __init__(self, k: int, n: int):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.empty(n, k))
            torch.nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

        def fl(self) -> int:
            return bipolar.weight_fl(self.weight.detach().cpu().numpy())

        def forward(self, x):
            return x @ (_Sign.apply(self.weight, None) * 2.0 ** -self.fl()).t()

    class InQuant(torch.nn.Module):
        """Inputs (pixels in [0, 1] or features in [-1, 1]) to Q(8, 7), as the host converts them."""

        def forward(self, x):
            return torch.clamp(_HalfEven.apply(x * 2.0 ** FL_IN), -128, 127) * 2.0 ** -FL_IN

    n = spec.n_layers
    fl_outs = [actreg.get(spec.acts[l]).fixed_fl(abits[l]) if act_fls[l] is None else act_fls[l]
               for l in range(n - 1)]
    fl_x = [FL_IN] + fl_outs

    class QatMlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inq = InQuant()
            self.fc = torch.nn.ModuleList([
                BinLinear(k, nn_) if wbits[i] == bipolar.BIPOLAR else
                qnn.QuantLinear(k, nn_, bias=False, weight_quant=WQ, weight_bit_width=wbits[i],
                                weight_narrow_range=False)
                for i, (k, nn_) in enumerate(spec.shapes)])
            self.bias = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(l.width)) for l in spec.layers])
            self.act = torch.nn.ModuleList([HwAct(actreg.get(spec.acts[l]), abits[l], fl_outs[l])
                                            for l in range(n - 1)])

        def forward(self, x):
            x = self.inq(x)
            for i in range(n):
                h = self.fc[i](x)
                if spec.layers[i].bias:
                    # the bias at the accumulator's scale, rounded half to even (intnet.bias_words)
                    sc = 2.0 ** (fl_x[i] + weight_fl(self.fc[i]))
                    h = h + _HalfEven.apply(self.bias[i] * sc) / sc
                x = self.act[i](h) if i < n - 1 else h
            return x

    return QatMlp()


def export(net, spec: NetSpec, wbits, abits, act_fls, meta: dict):
    """The trained network as a QuantModel: codes and fl per layer from the quantizers."""
    from qmlp.numerics.qmodel import QuantModel

    codes, fls = [], []
    for i, layer in enumerate(net.fc):
        fls.append(weight_fl(layer, i))
        if hasattr(layer, "quant_weight"):
            c = layer.quant_weight().int().detach().cpu().numpy().astype(np.int8)
        else:
            c = bipolar.weight_codes(layer.weight.detach().cpu().numpy())
        codes.append(c)
    bs = None
    if spec.has_bias:
        bs = [b.detach().cpu().numpy().astype(np.float32) if l.bias else np.zeros(l.width, np.float32)
              for b, l in zip(net.bias, spec.layers)]
    return QuantModel(max(wbits), fls, codes, bs, meta, list(wbits), tuple(abits), spec, tuple(act_fls))


def weight_fl(layer, i: int = 0) -> int:
    """The fl of a layer's weight codes: a Brevitas layer's power-of-two scale, or a 1-bit one's."""
    if not hasattr(layer, "quant_weight"):
        return layer.fl()
    scale = float(layer.quant_weight().scale.detach())
    fl = -math.log2(scale)
    if abs(fl - round(fl)) > 1e-9:
        raise QmlpError(f"layer {i + 1}: the weight scale {scale} is not a power of two")
    return int(round(fl))


QAT_EPOCHS = 3


def train_qat(cfg: TrainConfig, ds: Dataset, wbits, abits, float_model=None, progress: bool = True,
              qat_epochs: int = QAT_EPOCHS):
    """(QuantModel, meta): `qat_epochs` of QAT from `float_model`'s weights (trained here with
    cfg when None)."""
    import torch

    from qmlp.nn.train import train

    from qmlp.nn.quant import calibrate_act_fls

    if float_model is None:
        float_model = train(cfg, ds, progress=progress)
    spec = float_model.spec
    wbits, abits = check_bits(wbits, abits, spec)
    act_fls = calibrate_act_fls(float_model, ds.x_train, abits or (8,))
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(1)
    net = _net(spec, wbits, abits, act_fls)
    with torch.no_grad():
        for layer, w in zip(net.fc, float_model.weights):
            layer.weight.copy_(torch.from_numpy(np.asarray(w, np.float32)))
        if float_model.biases is not None:
            for p, b in zip(net.bias, float_model.biases):
                p.copy_(torch.from_numpy(np.asarray(b, np.float32)))
    x = torch.from_numpy(ds.x_train.reshape(len(ds.x_train), -1))
    y = torch.from_numpy(ds.y_train.astype(np.int64))
    if cfg.limit:
        x, y = x[: cfg.limit], y[: cfg.limit]
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    steps = (len(x) + cfg.batch_size - 1) // cfg.batch_size
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=qat_epochs * steps)
    loss_fn = torch.nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(cfg.seed + 1)
    b = progress_bar(qat_epochs * steps, f"qat w{''.join(map(str, wbits))}a{''.join(map(str, abits))}", "batch",
                     progress)
    t0 = time.perf_counter()
    net.train()
    for _ in range(qat_epochs):
        perm = torch.randperm(len(x), generator=gen)
        for s in range(steps):
            idx = perm[s * cfg.batch_size:(s + 1) * cfg.batch_size]
            opt.zero_grad()
            loss_fn(net(x[idx]), y[idx]).backward()
            opt.step()
            sched.step()
            b.update(1)
    b.close()
    seconds = time.perf_counter() - t0
    net.eval()

    def acc(xs, ys):
        with torch.no_grad():
            out = net(torch.from_numpy(xs.reshape(len(xs), -1)))
        return float(100.0 * np.mean(out.argmax(1).numpy() == ys))

    meta = {"mode": "qat", "model": float_model.fingerprint(), "wbits": list(wbits), "abits": list(abits),
            "data": ds.name, "seed": cfg.seed, "epochs": cfg.epochs, "qat_epochs": qat_epochs, "lr": cfg.lr, "batch_size": cfg.batch_size,
            "val_size": len(ds.y_val), "qat_seconds": round(seconds, 2),
            "float_test_accuracy": float_model.meta.get("test_accuracy"),
            "val_accuracy": acc(ds.x_val, ds.y_val), "test_accuracy": acc(ds.x_test, ds.y_test)}
    return export(net, spec, wbits, abits, act_fls, meta), meta


def model_name(wbits, abits) -> str:
    """w444a44-style name of a bit configuration."""
    return f"w{''.join(map(str, wbits))}a{''.join(map(str, abits))}"

