"""Train FINN's TFC shape (784-64-64-64-10) at w2a2 in Brevitas with its default QuantReLU (a
learned float activation scale), export it with export_qonnx, and print Brevitas' own test
accuracy: the model `qmlp import` turns into per-neuron integer thresholds (docs/import.md).

    python examples/brevitas_tfc.py --out /tmp/tfc/tfc_w2a2.onnx [--epochs 3] [--data DIR]

Inputs: an 8-bit fixed-point QuantIdentity with a constant scale 2**-7 (qmlp's Q(8, 7) input codes;
a learned one drifted to 2**-6 here, which qmlp refuses); weights:
2-bit fixed-point (power-of-two scale, narrow: -1, 0, 1); biases float (Brevitas' default);
activations: QuantReLU(bit_width=2) with Brevitas' default quantizer (Uint8ActPerTensorFloat:
a learned, non-power-of-two scale). No BatchNorm (qmlp's import takes Gemm + bias chains; a
BatchNorm1d in the graph is not imported). The last line: `BREVITAS accuracy=<test %> onnx=<path>`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


def build(wbits: int = 2, abits: int = 2, widths=(784, 64, 64, 64, 10), act_quant: str = "default",
          bias_quant: str = "float"):
    import torch
    import brevitas.nn as qnn
    from brevitas.quant import Int8ActPerTensorFixedPoint, Int8WeightPerTensorFixedPoint, Int32Bias
    from brevitas.quant import Uint8ActPerTensorFixedPoint

    lin = dict(bias=True, weight_quant=Int8WeightPerTensorFixedPoint, weight_bit_width=wbits)
    if bias_quant == "int32":
        lin["bias_quant"] = Int32Bias           # the bias on the accumulator's grid
    act = {} if act_quant == "default" else {"act_quant": Uint8ActPerTensorFixedPoint}
    # the input quantizer's scale held at 2**-7 (a constant, not learned): qmlp's Q(8, 7) input codes
    mods = [qnn.QuantIdentity(act_quant=Int8ActPerTensorFixedPoint, bit_width=8, scaling_impl_type="const",
                              scaling_init=1.0, return_quant_tensor=True)]
    for i in range(len(widths) - 1):
        mods.append(qnn.QuantLinear(widths[i], widths[i + 1], **lin))
        if i < len(widths) - 2:
            mods.append(qnn.QuantReLU(bit_width=abits, return_quant_tensor=True, **act))   # default: a float scale
    return torch.nn.Sequential(*mods)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="the .onnx to write (its .onnx.data beside it)")
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--wbits", type=int, default=2)
    ap.add_argument("--abits", type=int, default=2)
    ap.add_argument("--act-quant", choices=("default", "fixed"), default="default",
                    help="QuantReLU's quantizer: Brevitas' default (float scale) or Uint8ActPerTensorFixedPoint")
    ap.add_argument("--bias-quant", choices=("float", "int32"), default="float",
                    help="biases as floats (Brevitas' default) or Int32Bias (on the accumulator's grid)")
    a = ap.parse_args(argv)

    import torch
    from brevitas.export import export_qonnx
    from qmlp.nn.data import load_raw, scale_pixels

    torch.manual_seed(a.seed)
    torch.set_num_threads(1)     # a tiny network: more threads only spin on a shared machine
    xtr, ytr, xte, yte = load_raw(a.data)
    x = torch.from_numpy(scale_pixels(xtr).reshape(len(xtr), -1))
    y = torch.from_numpy(ytr.astype(np.int64))
    net = build(a.wbits, a.abits, act_quant=a.act_quant, bias_quant=a.bias_quant)
    opt = torch.optim.Adam(net.parameters(), a.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.epochs * (len(x) // a.batch))
    g = torch.Generator().manual_seed(a.seed)
    t0 = time.time()
    for ep in range(a.epochs):
        net.train()
        perm = torch.randperm(len(x), generator=g)
        tot = 0.0
        for i in range(0, len(x) - a.batch + 1, a.batch):
            idx = perm[i:i + a.batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            sched.step()
            tot += float(loss.detach())
        print(f"epoch {ep + 1}/{a.epochs}: loss {tot / (len(x) // a.batch):.4f} ({time.time() - t0:.0f} s)",
              file=sys.stderr, flush=True)
    net.eval()
    with torch.no_grad():
        xt = torch.from_numpy(scale_pixels(xte).reshape(len(xte), -1))
        logits = torch.cat([net(xt[i:i + 1000]) for i in range(0, len(xt), 1000)])
        acc = float(100.0 * np.mean(logits.argmax(1).numpy() == yte))
    scales = [float(m.act_quant.scale()) for m in net if m.__class__.__name__ == "QuantReLU"]
    print("activation scales: " + ", ".join(f"{s:.6g}" for s in scales), file=sys.stderr)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    export_qonnx(net, torch.zeros(1, 784), export_path=str(out))
    print(f"BREVITAS accuracy={acc:.2f} onnx={out.resolve()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
