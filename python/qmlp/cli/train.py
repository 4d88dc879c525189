"""`qmlp train`: the float model, or with --wbits/--abits a quantization-aware one."""

from __future__ import annotations

import sys
from pathlib import Path

from qmlp import params
from qmlp.cli.options import build_paths, int_list, opt, pct
from qmlp.config import Paths, TrainConfig
from qmlp.errors import QmlpError

HELP = "train the float32 MLP"
DESCRIPTION = ("Train an MLP with PyTorch (deterministic for a seed): by default the lab's 784-128-64-10 tanh "
               "network, or any other with --layers, --act, --bias.")


def configure(t) -> None:
    t.add_argument("--layers", type=int_list, default=None, metavar="K,N1,...,C",
                   help="input size, then each layer's width; the last is the number of classes (default: the "
                        "data's inputs, 128, 64, the data's classes)")
    t.add_argument("--act", default=TrainConfig.act, metavar="ACT[,ACT...]",
                   help="hidden layers' activation: one word for every hidden layer, or one per hidden layer, of "
                        f"tanh, relu, hardtanh, sigmoid, identity (default {TrainConfig.act}); the last layer has none")
    opt(t, "--epochs")
    opt(t, "--batch-size")
    opt(t, "--lr", help="Adam learning rate")
    opt(t, "--seed")
    opt(t, "--val-size", help="validation images carved from the training set")
    t.add_argument("--bias", action="store_true", help="a bias in every layer (the lab's network has none)")
    opt(t, "--limit", help="train on the first N training images only (N >= 1)")
    t.add_argument("--out", metavar="NPZ", help="model archive (default: BUILD/model/mlp.npz, .pth beside it; "
                                                  "with --wbits/--abits BUILD/model/qat-w<bits>a<bits>.npz)")
    t.add_argument("--wbits", type=int_list, default=None,
                   help="quantization-aware training: weight bits, one value or one per layer (8, 4, 2, 1 = bipolar)")
    t.add_argument("--abits", type=int_list, default=None,
                   help="quantization-aware training: activation bits, one value or one per hidden layer (8, 4, 2, 1)")
    opt(t, "--qat-epochs", help=f"QAT epochs after the float training (default {params.OPTIONS['qat-epochs'].default})")


def run(args) -> str:
    from qmlp.files import check_output_file
    from qmlp.config import DEFAULT_DATA
    from qmlp.nn.data import load_dataset
    from qmlp.nn.train import train_and_save

    paths = build_paths(args)
    npz = Path(args.out).resolve() if args.out else paths.model_npz
    if npz.suffix != ".npz":
        raise QmlpError(f"--out {args.out}: the model archive must end in .npz (the .pth goes beside it)")
    check_output_file(npz, "--out")                 # before training, not after
    check_output_file(npz.with_suffix(".pth"), "--out")
    cfg = TrainConfig(data=Path(args.data or DEFAULT_DATA).resolve(), seed=args.seed, epochs=args.epochs,
                      batch_size=args.batch_size, lr=args.lr, val_size=args.val_size, bias=args.bias,
                      limit=args.limit, layers=tuple(args.layers) if args.layers else None, act=args.act)
    if args.layers is not None:
        from qmlp.spec import make

        make(args.layers, args.act, args.bias)      # a bad --layers/--act stops before the data is read
    if args.wbits or args.abits:
        return _train_qat(args, paths, cfg)
    ds = load_dataset(cfg.data, cfg.val_size, cfg.seed)
    cfg.spec(ds.inputs, ds.classes, ds.input_kind)
    # the output folder's lock (the model cache's for BUILD/model) from training to the saved pair:
    # a second run into the same folder waits, so this run's line describes the files it names
    m = train_and_save(cfg, ds, npz, progress=not args.quiet)
    pth = npz.with_suffix(".pth")
    print(f"trained {cfg.epochs} epochs in {m.meta['train_seconds']:.1f} s; validation "
          f"{pct(m.meta['val_accuracy'])} %; saved {npz} and {pth.name}", file=sys.stderr)
    return f"TRAINED accuracy={pct(m.meta['test_accuracy'])} model={pth}"


def _train_qat(args, paths: Paths, cfg: TrainConfig) -> str:
    """`qmlp train --wbits W --abits A`: float training, then quantization-aware fine-tuning."""
    from qmlp.files import check_output_file
    from qmlp.nn import quant
    from qmlp.nn.data import load_dataset
    from qmlp.nn.qat import check_bits, model_name, train_qat

    ds = load_dataset(cfg.data, cfg.val_size, cfg.seed)
    spec = cfg.spec(ds.inputs, ds.classes, ds.input_kind)
    wb, ab = check_bits(args.wbits or [8], args.abits or [8], spec)
    out = Path(args.out).resolve() if args.out else paths.model_dir / f"qat-{model_name(wb, ab)}.npz"
    if out.suffix != ".npz":
        raise QmlpError(f"--out {args.out}: the quantized model archive must end in .npz")
    check_output_file(out, "--out")
    from qmlp.files import folder_lock

    with folder_lock(out.parent, "the model files in"):     # as for the float model: one run at a time
        q, meta = train_qat(cfg, ds, wb, ab, progress=not args.quiet, qat_epochs=args.qat_epochs)
        quant.save(q, out)
    print(f"{model_name(wb, ab)}: float {pct(meta['float_test_accuracy'])} %, QAT {pct(meta['test_accuracy'])} % "
          f"(validation {pct(meta['val_accuracy'])} %) after {args.qat_epochs} QAT epochs in {meta['qat_seconds']:.0f} s; "
          f"fl per layer {q.fls}; saved {out}", file=sys.stderr)
    return f"TRAINED accuracy={pct(meta['test_accuracy'])} model={out}"
