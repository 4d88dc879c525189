"""Quantization-aware training at 8, 4 or 2 bits, computing exactly what the hardware computes.

Weights: Brevitas QuantLinear with a fixed-point weight quantizer (a power-of-two scale that
minimises the quantization error, Int8WeightPerTensorFixedPointMSE at the layer's bit width,
full range), so each layer's weights are codes of Q(WB, FL_W) with no float scale left over.
(The max-abs scale, Int8WeightPerTensorFixedPoint, left most 2-bit weights at zero: 86.5 %
at w2a2 against 88.3 % with the MSE scale, Fashion-MNIST, 3 and 2 epochs.)
Activations: the hardware's own chain, written here as a straight-through estimator, because
it is a table lookup Brevitas cannot express exactly (its rounding is half-to-even; the
accelerator's requantization rounds half up, then saturates into a fixed Q(T, FL_Z) table
index, then the table holds tanh quantized to Q(AB, AB - 1)):
    z  = sat_T(floor(h * 2**FL_Z + 1/2))       h: the layer's sum, exact in float32
    a  = quantize(tanh(z * 2**-FL_Z), AB, AB - 1)
Inputs are Q(8, 7) pixel codes, as the host sends them. Every sum in the forward pass is of
products of codes, below 2**24 in code units, so float32 holds it exactly in any order: the
forward pass is the integer golden model (qmlp.numerics.intnet), value for value.

Training starts from the float model (trained first with the same configuration), then
fine-tunes with the quantizers in place; seeded and deterministic on the CPU.
"""

from __future__ import annotations

import math
import time

import numpy as np

from qmlp.config import LAYERS, TOPOLOGY, TrainConfig
from qmlp.errors import QmlpError
from qmlp.nn.data import Dataset
from qmlp.params import BITS
from qmlp.progress import bar as progress_bar

FL_IN, FL_Z, IDX_BITS = 7, 5, 8        # the integer network's fixed formats (intnet.IntFormats)


def check_bits(wbits, abits) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per-layer bit lists from --wbits (1 or 3 values) and --abits (1 or 2 values)."""
    wb = tuple(int(b) for b in wbits)
    ab = tuple(int(b) for b in abits)
    wb = wb * 3 if len(wb) == 1 else wb
    ab = ab * 2 if len(ab) == 1 else ab
    if len(wb) != 3 or any(b not in BITS for b in wb):
        raise QmlpError(f"--wbits={','.join(map(str, wbits))}: one value or three (one per layer), each of "
                        f"{', '.join(map(str, BITS))}")
    if len(ab) != 2 or any(b not in BITS for b in ab):
        raise QmlpError(f"--abits={','.join(map(str, abits))}: one value or two (one per hidden layer), each of "
                        f"{', '.join(map(str, BITS))}")
    return wb, ab


def _net(wbits, abits):
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

    class HwTanh(torch.nn.Module):
        """Requantize to the table index, tanh, quantize to Q(AB, AB - 1): the hardware's chain."""

        def __init__(self, ab: int):
            super().__init__()
            self.ab = ab

        def forward(self, h):
            half = 1 << (IDX_BITS - 1)
            z = torch.clamp(_HalfUp.apply(h * 2.0 ** FL_Z), -half, half - 1)
            t = torch.tanh(z * 2.0 ** -FL_Z)
            # the value in float64, as the table is made (qmlp.numerics.intnet.tanh_table)
            t = t + (torch.tanh(z.detach().double() * 2.0 ** -FL_Z).float() - t).detach()
            top = 1 << (self.ab - 1)
            return torch.clamp(_HalfEven.apply(t * top), -top, top - 1) / top

    class InQuant(torch.nn.Module):
        """Pixels in [0, 1] to Q(8, 7), as the host converts them."""

        def forward(self, x):
            return torch.clamp(_HalfEven.apply(x * 2.0 ** FL_IN), -128, 127) * 2.0 ** -FL_IN

    class QatMlp(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.inq = InQuant()
            self.fc = torch.nn.ModuleList([
                qnn.QuantLinear(TOPOLOGY[i], TOPOLOGY[i + 1], bias=False, weight_quant=WQ,
                                weight_bit_width=wbits[i], weight_narrow_range=False)
                for i in range(3)])
            self.act = torch.nn.ModuleList([HwTanh(a) for a in abits])

        def forward(self, x):
            x = self.inq(x)
            for i in range(2):
                x = self.act[i](self.fc[i](x))
            return self.fc[2](x)

    return QatMlp()


def export(net, wbits, abits, meta: dict):
    """The trained network as a QuantModel: codes and fl per layer from the quantizers."""
    from qmlp.nn.quant import QuantModel

    codes, fls = [], []
    for i, layer in enumerate(net.fc):
        qw = layer.quant_weight()
        scale = float(qw.scale.detach())
        fl = -math.log2(scale)
        if abs(fl - round(fl)) > 1e-9:
            raise QmlpError(f"layer {i + 1}: the weight scale {scale} is not a power of two")
        c = qw.int().detach().cpu().numpy().astype(np.int8)
        codes.append(c)
        fls.append(int(round(fl)))
    return QuantModel(max(wbits), fls, codes, None, meta, list(wbits), tuple(abits))


QAT_EPOCHS = 3


def train_qat(cfg: TrainConfig, ds: Dataset, wbits, abits, float_model=None, progress: bool = True,
              qat_epochs: int = QAT_EPOCHS):
    """(QuantModel, meta): `qat_epochs` of QAT from `float_model`'s weights (trained here with
    cfg when None)."""
    import torch

    from qmlp.nn.train import train

    wbits, abits = check_bits(wbits, abits)
    if cfg.bias:
        raise QmlpError("quantization-aware training builds the bias-free network of the accelerator: drop --bias")
    if float_model is None:
        float_model = train(cfg, ds, progress=progress)
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(1)
    net = _net(wbits, abits)
    with torch.no_grad():
        for layer, w in zip(net.fc, float_model.weights):
            layer.weight.copy_(torch.from_numpy(np.asarray(w, np.float32)))
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
    return export(net, wbits, abits, meta), meta


def model_name(wbits, abits) -> str:
    """w444a44-style name of a bit configuration."""
    return f"w{''.join(map(str, wbits))}a{''.join(map(str, abits))}"


LAYER_NAMES = LAYERS
