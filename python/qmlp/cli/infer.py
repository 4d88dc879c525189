"""`qmlp infer`: test accuracy of one inference mode on the golden models."""

from __future__ import annotations

import sys

from qmlp.cli.options import build_paths, model_and_data, opt, pct
from qmlp.errors import QmlpError

HELP = "test accuracy of an inference mode (golden models)"
DESCRIPTION = "Run the test set through the bit-exact golden models of one inference mode."


def configure(i) -> None:
    i.add_argument("--mode", choices=("f32", "f32i8", "i8"), required=True)
    i.add_argument("--model", metavar="FILE", help="float model (default: BUILD/model/mlp.npz)")
    i.add_argument("--quant", metavar="NPZ", help="quantized model (default: the sweep's wl=8 per-layer model)")
    opt(i, "--images", help="first N test images (default: all)")
    opt(i, "--fl-a", help="i8: layer-1 activations in Q(8, FL_A) (lab: 4)")
    opt(i, "--acc-w", help="i8: accumulator width (lab: 16)")
    opt(i, "--shift", help="i8: requantization shift (lab: 0; default: auto)")
    opt(i, "--fl-out", help="i8: layer-2 output format Q(8, FL_OUT) for auto shift")


def _quant(args, paths, m):
    """The quantized model: --quant, else the sweep's wl=8 model, else a max-abs wl=8 one."""
    from qmlp.nn import quant, sweep

    if args.quant:
        return quant.load(args.quant)
    for mode in ("per_layer", "global"):
        p = sweep.model_path(paths.sweep_dir, 8, mode)
        if p.is_file():
            q = quant.load(p)
            if not quant.is_from(q, m):
                raise QmlpError(f"{p} was quantized from another float model than the one given: "
                                "run qmlp sweep again (or pass --quant)")
            print(f"using quantized model {p}", file=sys.stderr)
            return q
    fls = [quant.maxabs_fl(w, 8) for w in m.weights]
    print(f"no sweep result in {paths.sweep_dir}: quantizing to wl=8 with max-abs fl {fls}", file=sys.stderr)
    return quant.quantize_model(m, 8, fls, {"mode": "maxabs"})


def run(args) -> str:
    from qmlp.nn.infer import I8Config, test_accuracy

    paths = build_paths(args)
    m, ds, _ = model_and_data(args, paths)
    q = None if args.mode == "f32" else _quant(args, paths, m)
    cfg = I8Config(fl_a=args.fl_a, acc_w=args.acc_w, shift=args.shift, fl_out=args.fl_out)
    if q is not None and args.mode == "i8":
        print(f"i8 layer 2: A in Q(8,{cfg.fl_a}), B in Q(8,{q.fls[1]}), ACC_W={cfg.acc_w}, "
              f"SHIFT={cfg.resolve_shift(q.fls[1])}", file=sys.stderr)
    x, y = ds.x_test, ds.y_test
    if args.images is not None:
        x, y = x[: args.images], y[: args.images]
    acc = test_accuracy(args.mode, x, y, m, q, cfg, progress=not args.quiet)
    return f"ACCURACY mode={args.mode} accuracy={pct(acc)} images={len(y)}"
