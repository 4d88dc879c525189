"""`qmlp import` and `qmlp export`: parsers and commands (registered by qmlp.cli)."""

from __future__ import annotations

import sys
from pathlib import Path

from qmlp.errors import QmlpError

ONNX_SUFFIXES = (".onnx",)
# why a class of qmlp's integer model differs from qonnx's executor (qonnx_import.compare)
WHY = {"tie": "equal logits in exact arithmetic: the graph's float32 sums break the tie, qmlp takes the first",
       "hidden": "a hidden code differs: an accumulator on an activation step (a clamp layer rounds a tie half up, "
                 "the graph half to even: --thresholds; or the graph's float32 value fell on the other side)",
       "near": "logits less than a step apart: the bias word's rounding (--widen-logits keeps 8 - wl more bits)"}


def add_parsers(sub, common) -> None:
    im = sub.add_parser("import", parents=[common], help="a PyTorch nn.Sequential or a QONNX graph as a qmlp model",
                        description="Import a model: a PyTorch state_dict (.pth/.pt, with --act) or a saved "
                                    "nn.Sequential (--trust-pickle), written as a float model that qmlp quantizes; "
                                    "or a QONNX graph (Brevitas export_qonnx, .onnx with its .onnx.data), written "
                                    "as a quantized model. Either file goes to the accelerator as --MODEL=.")
    im.add_argument("file", metavar="FILE", help=".pth/.pt (PyTorch) or .onnx (QONNX)")
    im.add_argument("--out", metavar="NPZ", help="model archive to write (default: BUILD/model/imported/<name>.npz)")
    im.add_argument("--act", help="PyTorch state_dict: the hidden activations (one, or one per hidden layer), "
                                  "since a state_dict holds none; a module's are checked against it")
    im.add_argument("--layers", help="expected widths, input first (e.g. 784,128,10): checked against the file")
    im.add_argument("--trust-pickle", action="store_true",
                    help="read a saved module (torch.save(net)) by unpickling it: that RUNS CODE FROM THE FILE; "
                         "only for files you trust (a state_dict needs no such option)")
    im.add_argument("--bn-eps", type=float, default=1e-5, help="state_dict BatchNorm1d eps (default 1e-5)")
    im.add_argument("--input-kind", choices=("u8", "float"), default="u8",
                    help="what the model's inputs are: u8 pixels scaled by 1/255 (default), or float features in "
                         "[-1, 1]")
    im.add_argument("--widen-logits", action="store_true",
                    help="QONNX: the last layer's weights as 8-bit codes (same values, more fraction bits for a "
                         "float bias): logits closer to the graph's float ones, at 8-bit cost for that layer")
    im.add_argument("--thresholds", action="store_true",
                    help="QONNX: every hidden layer as per-neuron integer thresholds, power-of-two scales too "
                         "(2 to 4 activation bits): the graph's own half-to-even rounding of accumulators halfway "
                         "between two codes (float scales always use thresholds)")
    im.add_argument("--check", type=int, default=0, metavar="N",
                    help="QONNX: run qonnx's executor on N test images (--data) against the imported integer "
                         "model and print the agreement (and every disagreeing image) on stderr")
    im.set_defaults(func=cmd_import)

    ex = sub.add_parser("export", parents=[common], help="a quantized model as a QONNX graph",
                        description="Write a qmlp model as a QONNX graph that qonnx's executor runs bit-exact with "
                                    "qmlp's integer model (input: pixel/255 or the feature; output: the logits "
                                    "times a power of two). A float model is exported as its wl=8 quantization "
                                    "(the accelerator's).")
    ex.add_argument("model", metavar="MODEL", help="quantized model .npz (qmlp sweep, qmlp train --wbits) or float")
    ex.add_argument("--qonnx", required=True, metavar="OUT.onnx", help="the ONNX file to write")
    ex.add_argument("--batch", type=int, default=1, help="batch size of the graph's input (default 1, as Brevitas)")
    ex.set_defaults(func=cmd_export)


def _say(msg: str) -> None:
    print(f"qmlp: {msg}", file=sys.stderr, flush=True)


def _fmt(vals) -> str:
    return ",".join(map(str, vals)) if vals else "none"


def cmd_import(args) -> str:
    from qmlp import lines
    from qmlp.config import Paths
    from qmlp.files import check_input_file, check_output_file

    src = check_input_file(args.file, "model file", "a .pth/.pt or .onnx file")
    paths = Paths(Path(args.build).resolve()) if args.build else Paths()
    out = Path(args.out) if args.out else paths.model_dir / "imported" / f"{src.stem}.npz"
    if out.suffix != ".npz":
        raise QmlpError(f"--out {out}: the model archive must end in .npz")
    check_output_file(out, "--out")
    layers = [int(v) for v in args.layers.split(",")] if args.layers else None
    meta = {"data": str(Path(args.data).resolve())} if args.data else {}
    if src.suffix.lower() in ONNX_SUFFIXES:
        from qmlp.io import qonnx_import
        from qmlp.nn import quant

        if args.act or args.trust_pickle:
            raise QmlpError("--act and --trust-pickle are for PyTorch files; a QONNX graph states its activations")
        q = qonnx_import.read(src, args.input_kind, meta, args.widen_logits, args.thresholds)
        if layers and layers != list(q.spec.widths):
            raise QmlpError(f"--layers={args.layers}: the graph's layers are {_fmt(q.spec.widths)}")
        from qmlp.numerics import intnet

        intnet.build(q)              # the accelerator can hold it (shifts, bias words, accumulators)
        if args.check:
            _check(src, q, args)
        quant.save(q, out)
        wbits, abits = _fmt(q.wls), _fmt(q.abits)
        spec = q.spec
    else:
        from qmlp.io import torch_import
        from qmlp.nn import model as mdl

        m = torch_import.load(src, args.act, layers, args.trust_pickle, args.input_kind, args.bn_eps, meta)
        mdl.save(m, out)
        wbits = abits = "float"
        spec = m.spec
    return lines.line("IMPORTED", layers=_fmt(spec.widths), act=_fmt(spec.acts), wbits=wbits, abits=abits,
                      model=out.resolve())


def _check(src, q, args) -> None:
    from qmlp.io import qonnx_import
    from qmlp.nn.data import DEFAULT_DATA, load_raw

    _, _, xte, _ = load_raw(args.data or DEFAULT_DATA)
    r = qonnx_import.compare(src, q, xte[: args.check])
    for d in r["disagreements"]:
        _say(f"image {d['image']}: qonnx class {d['qonnx']}, qmlp class {d['qmlp']} (logits up to "
             f"{d['max_logit_steps']:.2f} steps apart; {WHY[d['why']]})")
    n = {k: sum(d["why"] == k for d in r["disagreements"]) for k in WHY}
    _say(f"check: classes agree on {r['agree']:.2f} % of {r['images']} images ({n['tie']} ties, {n['hidden']} "
         f"hidden codes, {n['near']} near logits); logits differ by more than half a step on "
         f"{r['images_logits_differ']}, at most {r['max_logit_steps']:.2f} steps")


def cmd_export(args) -> str:
    from qmlp import lines
    from qmlp.files import check_input_file, check_output_file
    from qmlp.io import qonnx_export
    from qmlp.nn import quant

    src = check_input_file(args.model, "model", "a quantized model .npz from qmlp sweep or qmlp train --wbits")
    out = check_output_file(Path(args.qonnx), "--qonnx")
    if src.suffix != ".npz":
        raise QmlpError(f"{src}: qmlp export takes a qmlp model .npz (quantized, or float); bring other files in "
                        "with qmlp import first")
    if args.batch < 1:
        raise QmlpError(f"--batch must be at least 1, got {args.batch}")
    if quant.is_quantized_file(src):
        q = quant.load(src)
    else:
        from qmlp.config import Paths
        from qmlp.nn import cache

        _say(f"{src} is a float model: exporting its wl=8 quantization (as the accelerator builds it)")
        paths = Paths(Path(args.build).resolve()) if args.build else Paths()
        q, _ = cache.wl8_model(paths, src.resolve(), progress=not args.quiet)
    qonnx_export.export(q, out, args.batch)
    return lines.line("EXPORTED", format="qonnx", path=out.resolve())
