"""The `qmlp` command. Each subcommand ends with one SPEC 3 summary line on stdout."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from qmlp import params
from qmlp.config import Paths, TrainConfig
from qmlp.nn.data import DEFAULT_DATA
from qmlp.errors import QmlpError


def _int_list(s: str) -> list[int]:
    """'1-8' -> 1..8, '-2:16' -> -2..16, '3,5,7' -> [3,5,7] (a value starting with '-' needs
    the --opt=value form: --fl=-2:16)."""
    try:
        if ":" in s:
            a, b = s.split(":")
            out = list(range(int(a), int(b) + 1))
        elif "-" in s[1:] and "," not in s:
            a, b = s[0] + s[1:].split("-", 1)[0], s[1:].split("-", 1)[1]
            out = list(range(int(a), int(b) + 1))
        else:
            out = [int(v) for v in s.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list or range of integers: {s!r}") from None
    if not out:
        raise argparse.ArgumentTypeError(f"empty range: {s!r}")
    return out


def _paths(args) -> Paths:
    if args.build:
        from qmlp.files import check_output_folder

        check_output_folder(Path(args.build), "--build")
        # FuseSoC hooks and generators run in other processes: they find the folder here
        os.environ["QMLP_BUILD"] = str(Path(args.build).resolve())
        return Paths(Path(args.build).resolve())
    return Paths()


def _pct(v: float) -> str:
    return f"{v:.2f}"


def _model_and_data(args, paths: Paths):
    """The float model and the data set with the validation split it was trained with."""
    from qmlp.nn import model as mdl
    from qmlp.nn.data import dataset_of

    mpath = Path(args.model) if args.model else paths.model_npz
    m = mdl.load(mpath)
    return m, dataset_of(m.meta, args.data), mpath


def cmd_train(args) -> str:
    from qmlp.nn import model as mdl
    from qmlp.nn.data import load_dataset
    from qmlp.nn.train import train

    paths = _paths(args)
    if args.limit is not None and args.limit < 1:
        raise QmlpError(f"--limit must be at least 1, got {args.limit}")
    npz = Path(args.out).resolve() if args.out else paths.model_npz
    if npz.suffix != ".npz":
        raise QmlpError(f"--out {args.out}: the model archive must end in .npz (the .pth goes beside it)")
    from qmlp.files import check_output_file

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
    m = train(cfg, ds, progress=not args.quiet)
    pth = npz.with_suffix(".pth")
    mdl.save(m, npz, pth)
    print(f"trained {cfg.epochs} epochs in {m.meta['train_seconds']:.1f} s; validation "
          f"{_pct(m.meta['val_accuracy'])} %; saved {npz} and {pth.name}", file=sys.stderr)
    return f"TRAINED accuracy={_pct(m.meta['test_accuracy'])} model={pth}"


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
    q, meta = train_qat(cfg, ds, wb, ab, progress=not args.quiet, qat_epochs=args.qat_epochs)
    quant.save(q, out)
    print(f"{model_name(wb, ab)}: float {_pct(meta['float_test_accuracy'])} %, QAT {_pct(meta['test_accuracy'])} % "
          f"(validation {_pct(meta['val_accuracy'])} %) after {args.qat_epochs} QAT epochs in {meta['qat_seconds']:.0f} s; "
          f"fl per layer {q.fls}; saved {out}", file=sys.stderr)
    return f"TRAINED accuracy={_pct(meta['test_accuracy'])} model={out}"


def cmd_sweep(args) -> str:
    from qmlp.nn import sweep

    from qmlp.files import check_output_folder

    paths = _paths(args)
    check_output_folder(Path(args.out).resolve() if args.out else paths.sweep_dir, "--out", "sweep.json")
    m, ds, _ = _model_and_data(args, paths)
    wls = sorted(set(args.wl))
    if 8 not in wls:
        print("sweep: adding wl=8 (the summary line reports it)", file=sys.stderr)
        wls.append(8)
    for wl in wls:
        if not 1 <= wl <= 32:
            raise QmlpError(f"wl={wl} is out of range: word length must be 1..32 bits")
    t0 = time.perf_counter()
    res = sweep.run(m, ds, wls=wls, fls=args.fl, rounds=args.rounds, progress=not args.quiet)
    out = Path(args.out).resolve() if args.out else paths.sweep_dir
    files = sweep.write(res, out, ds.name)
    sys.stderr.write(files["md"].read_text())
    print(f"sweep took {time.perf_counter() - t0:.1f} s; chart {files['png']}", file=sys.stderr)
    fr = next(r for r in res.rows if r["mode"] == "float")
    w8 = next(r for r in res.rows if r["mode"] == "global" and r["wl"] == 8)
    return f"SWEEP float={_pct(fr['test_accuracy'])} wl8={_pct(w8['test_accuracy'])} table={files['json']}"


def _quant_for_infer(args, paths: Paths, m):
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


def cmd_infer(args) -> str:
    from qmlp.nn.infer import I8Config, test_accuracy

    paths = _paths(args)
    m, ds, _ = _model_and_data(args, paths)
    q = None if args.mode == "f32" else _quant_for_infer(args, paths, m)
    cfg = I8Config(fl_a=args.fl_a, acc_w=args.acc_w, shift=args.shift, fl_out=args.fl_out)
    if q is not None and args.mode == "i8":
        print(f"i8 layer 2: A in Q(8,{cfg.fl_a}), B in Q(8,{q.fls[1]}), ACC_W={cfg.acc_w}, "
              f"SHIFT={cfg.resolve_shift(q.fls[1])}", file=sys.stderr)
    x, y = ds.x_test, ds.y_test
    if args.images is not None:
        if args.images < 1:
            raise QmlpError(f"--images must be at least 1, got {args.images}")
        x, y = x[: args.images], y[: args.images]
    acc = test_accuracy(args.mode, x, y, m, q, cfg, progress=not args.quiet)
    return f"ACCURACY mode={args.mode} accuracy={_pct(acc)} images={len(y)}"


def cmd_roms(args) -> str:
    from qmlp.config import DEFAULT_DATA as DATA
    from qmlp.hashing import file_sha256
    from qmlp.hw import roms
    from qmlp.nn import cache, quant
    from qmlp.nn.model import load as load_model
    from qmlp.numerics.intnet import IntFormats

    from qmlp.files import check_output_folder

    paths = _paths(args)
    out = check_output_folder(Path(args.out).resolve() if args.out else paths.roms_dir, "--out", "manifest.json")
    old = _old_manifest(out) if (out / "manifest.json").is_file() and not args.force else None
    d = old["formats"] if old else {}
    idx_bits = args.idx_bits if args.idx_bits is not None else d.get("idx_bits", 8)
    fl_z = args.fl_z if args.fl_z is not None else d.get("fl_z")
    IntFormats(idx_bits=idx_bits, fl_z=fl_z).check()     # bad options fail before any training or sweeping
    if args.quant:
        qpath = Path(args.quant).resolve()
        q = quant.load(qpath)
        model = Path(args.model).resolve() if args.model else paths.model_npz
    else:
        model = cache.float_model(paths, args.model, progress=not args.quiet)
        q, qpath = cache.wl8_model(paths, model, progress=not args.quiet)
    for w in q.wls:
        if w not in params.BITS:
            raise QmlpError(f"{qpath}: the accelerator takes {', '.join(map(str, params.BITS))}-bit weights, the "
                            f"quantized model has wl={w}")
    spec = q.spec
    same = old is not None and old.get("spec") == spec.to_dict()
    auto_pe, auto_simd = params.auto_fold(spec)
    pe = tuple(args.pe) if args.pe else (tuple(l["pe"] for l in old["layers"]) if same else auto_pe)
    simd = tuple(args.simd) if args.simd else (tuple(l["simd"] for l in old["layers"]) if same else auto_simd)
    pe = tuple(int(v) for v in params.expand("PE", pe, spec.n_layers))
    simd = tuple(int(v) for v in params.expand("SIMD", simd, spec.n_layers))
    abits = tuple(q.abits or (8,) * (spec.n_layers - 1))
    cfg = roms.HwConfig(pe, simd, tuple(q.wls), abits or (8,), spec)          # the model's own bits
    cfg.check()
    fmt = IntFormats.of(spec, abits or (8,), q.act_fls, idx_bits=idx_bits, fl_z=fl_z)
    data = args.data or (load_model(model).meta.get("data") if Path(model).is_file() else None) or str(DATA)
    source = {"model": str(model), "quant": str(qpath), "quant_sha256": file_sha256(qpath),
              "data": str(data), "code": roms.code_hash()}
    man = None if args.force else roms.up_to_date(out, cfg, fmt, source)
    regen = man is None
    if regen:
        man = roms.make(out, q, cfg, data, fmt, source)
    layers = man["layers"]
    print(f"{'wrote' if regen else 'up to date:'} PE={[l['pe'] for l in layers]} SIMD={[l['simd'] for l in layers]}: "
          f"{man['cycles_per_image']} cycles/image, {man['macs_per_cycle']} MACs/cycle; int8 golden accuracy "
          f"{man['golden']['test_accuracy']:.2f} % on {man['golden']['images']} test images", file=sys.stderr)
    return f"ROMS dir={out} manifest={out / 'manifest.json'}"


def _old_manifest(folder: Path) -> dict | None:
    """The folder's manifest when its files verify; None (and why, on stderr) when not."""
    from qmlp.hw import roms

    try:
        return roms.verify(folder)
    except QmlpError as e:
        print(f"qmlp roms: regenerating: {e}", file=sys.stderr)
        return None


def cmd_hook(args) -> str:
    """Internal: what FuseSoC cores and tool scripts run in a work root."""
    from qmlp.eda import hooks

    if args.what in ("check", "vectors", "accel"):
        hooks.main(args)
        return f"HOOK {args.what} ok"
    if args.what == "edam-info":
        from qmlp.eda.edam import edam_info

        return " ".join(edam_info())
    if args.what == "resources":
        from qmlp.eda.resources import read_stat, report_resources, resources_from_cells

        r = resources_from_cells(read_stat(Path(args.files[0])))
        return report_resources(r)
    if args.what == "vivado-check":
        from qmlp.eda import vivado

        return f"vivado: {vivado.check()}"
    if args.what == "vivado-resources":
        from qmlp.eda import vivado

        return vivado.report(Path(args.files[0]), Path(args.files[1]))
    if args.what in ("ecp5-setup", "ecp5-report", "board-stream"):
        return _hook_ecp5(args)
    if args.what in ("pynq-setup", "pynq-report"):
        from qmlp.eda import pynq

        if args.what == "pynq-setup":
            ov = pynq.setup(args.core, check=not args.no_vivado_check)
            return f"HOOK pynq-setup ok: {ov.name} ({ov.vlnv}, FCLK0 {ov.fclk_mhz} MHz)"
        return pynq.report()
    if args.what == "netlist-sim":
        from qmlp.eda import netlist

        if args.kind == "run":
            sys.exit(netlist.run(args.plusargs))
        sys.exit(netlist.Build(args.kind, args.top, args.synth).main())
    if args.what == "axi-matmul":
        from qmlp.driver.design import hook_matmul

        return hook_matmul()
    raise QmlpError(f"unknown hook {args.what}")


def _hook_ecp5(args) -> str:
    """The pnr_ecp5 targets' hooks (qmlp.eda.ecp5) and the board simulation's host stream."""
    from qmlp.eda import ecp5

    if args.what == "ecp5-setup":
        return f"HOOK ecp5-setup ok: {ecp5.setup(args.core, None if args.board else args.clock)}"
    if args.what == "board-stream":
        from qmlp.eda import uart

        return f"HOOK board-stream ok: {uart.write_host_stream()}"
    out, met = ecp5.report(args.target_mhz)
    print(out[0], flush=True)
    if not met:
        print(out[1], flush=True)
        raise QmlpError(f"timing: fmax below the target clock ({out[1]}); see next.log")
    return out[1]


def cmd_board(args) -> str:
    from qmlp import lines
    from qmlp.eda import uart

    if not 0 < args.timeout < float("inf"):
        raise QmlpError(f"--timeout must be a positive number of seconds, got {args.timeout}")
    roms = Path(args.roms).resolve() if args.roms else _paths(args).roms_dir
    s = uart.classify(args.port, roms, args.images, args.baud, args.timeout)
    print(f"board: {s.images} images in {s.seconds:.2f} s ({s.images_per_s:.1f} images/s), accuracy "
          f"{_pct(s.accuracy)} %, {s.mismatches} classes differ from the golden model", file=sys.stderr)
    return lines.result_board(s.passed, s.images, s.mismatches, s.accuracy, s.images_per_s)


def cmd_hls(args) -> str:
    from qmlp.hls import package

    if args.hls_cmd == "report":
        return package.report_line(package.read_csynth(Path(args.xml)))
    vlnv = args.vlnv or f"qmlp:hls:matmul_{args.kind}_vitis:0.1.0"
    core = package.package_solution(Path(args.solution), args.kind, Path(args.out).resolve(), vlnv)
    return f"CORE {core}"


def cmd_report(args) -> str:
    from qmlp.flow import report

    if args.jobs < 1:
        raise QmlpError(f"--jobs must be at least 1, got {args.jobs}")
    out = report.run(_paths(args), jobs=args.jobs)
    print(report.summary(out), file=sys.stderr)
    return f"REPORT dir={out}"


def cmd_driver_bench(args) -> str:
    """qmlp driver-bench: MlpOverlay.predict on the simulation backend against the golden model."""
    from qmlp.driver import bench

    r = bench.run(images=args.images, tool=args.tool, stall=args.stall, batch=args.batch,
                  params={"MODEL": args.model} if args.model else None, paths=_paths(args),
                  data=str(Path(args.data).resolve()) if args.data else None)
    print(f"driver-bench: {r['images']} images, golden accuracy {r['golden_accuracy']:.2f} %, "
          f"{r['run_s']:.1f} s on {r['tool']} ({r['sim_runs']} transfers; build {r['build_s']:.1f} s), "
          f"ROM checksum {r['checksum']:#010x}", flush=True)
    line = bench.line(r)
    if r["mismatches"]:
        raise QmlpError(f"{r['mismatches']} image(s) differ from the golden model\n{line}")
    return line


def cmd_bench(args) -> str:
    from qmlp.flow import bench

    opts = bench.options(jobs=args.jobs, scheduler=args.scheduler, quick=args.quick, budget=args.max_synth,
                         chart=args.chart, images=args.images, bits=args.bits, styles=args.mac,
                         synth_timeout=args.synth_timeout, model=args.model)
    return bench.run(_paths(args), opts, dry_run=args.dry_run)


def _words(raw: str) -> list[str]:
    return [w.strip() for w in raw.split(",") if w.strip()]


def _ranged(cast, lo, hi, what: str):
    """An argparse type: cast(raw) within lo..hi, else an error naming the value and the range."""
    def parse(raw: str):
        try:
            v = cast(raw)
        except ValueError:
            v = None
        if v is None or not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{raw!r} is not {what} {lo}..{hi}")
        return v
    return parse


_seconds = _ranged(float, 1, 86400, "a number of seconds")
_count = _ranged(int, 0, 100, "an integer")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="qmlp", description="Quantized MLP to FPGA: train, quantize, sweep, infer.")
    p.add_argument("--version", action="version", version=f"qmlp {__import__('qmlp').__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--build", metavar="DIR", help="output folder (default: <repo>/build/qmlp, or $QMLP_BUILD)")
    common.add_argument("--data", metavar="DIR|NPZ",
                        help="folder of MNIST-format IDX files (any image size, up to 256 classes), or an .npz with "
                             f"x_train, y_train, x_test, y_test (default: the model's, else {DEFAULT_DATA})")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND")

    t = sub.add_parser("train", parents=[common], help="train the float32 MLP",
                       description="Train an MLP with PyTorch (deterministic for a seed): by default the lab's "
                                   "784-128-64-10 tanh network, or any other with --layers, --act, --bias.")
    t.add_argument("--layers", type=_int_list, default=None, metavar="K,N1,...,C",
                   help="input size, then each layer's width; the last is the number of classes (default: the "
                        "data's inputs, 128, 64, the data's classes)")
    t.add_argument("--act", default="tanh", metavar="ACT[,ACT...]",
                   help="hidden layers' activation: one word for every hidden layer, or one per hidden layer, of "
                        "tanh, relu, hardtanh, sigmoid, identity (default tanh); the last layer has none")
    t.add_argument("--epochs", type=params.option("epochs"), default=10)
    t.add_argument("--batch-size", type=params.option("batch-size"), default=64)
    t.add_argument("--lr", type=params.option("lr"), default=1e-3, help="Adam learning rate")
    t.add_argument("--seed", type=params.option("seed"), default=0)
    t.add_argument("--val-size", type=params.option("val-size"), default=5000, help="validation images carved from the training set")
    t.add_argument("--bias", action="store_true", help="a bias in every layer (the lab's network has none)")
    t.add_argument("--limit", type=params.option("limit"), default=None, help="train on the first N training images only (N >= 1)")
    t.add_argument("--out", metavar="NPZ", help="model archive (default: BUILD/model/mlp.npz, .pth beside it; "
                                                  "with --wbits/--abits BUILD/model/qat-w<bits>a<bits>.npz)")
    t.add_argument("--wbits", type=_int_list, default=None,
                   help="quantization-aware training: weight bits, one value or one per layer (8, 4, 2)")
    t.add_argument("--abits", type=_int_list, default=None,
                   help="quantization-aware training: activation bits, one value or one per hidden layer (8, 4, 2)")
    t.add_argument("--qat-epochs", type=params.option("qat-epochs"), default=3,
                   help="QAT epochs after the float training (default 3)")
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sweep", parents=[common], help="choose fl per word length (global and per layer)",
                       description="Quantize weights to Q(wl, fl) for each wl, choosing fl on the validation split.")
    s.add_argument("--model", metavar="FILE", help="float model .npz or .pth (default: BUILD/model/mlp.npz)")
    s.add_argument("--wl", type=_int_list, default=list(range(1, 9)), help="word lengths, e.g. 1-8 (default)")
    s.add_argument("--fl", type=_int_list, default=list(range(-2, 17)),
                   help="fraction lengths to search, e.g. --fl=-2:16 (the default) or --fl 0:10")
    s.add_argument("--rounds", type=params.option("rounds"), default=2, help="coordinate-search rounds of the per-layer mode")
    s.add_argument("--out", metavar="DIR", help="output folder (default: BUILD/sweep)")
    s.set_defaults(func=cmd_sweep)

    i = sub.add_parser("infer", parents=[common], help="test accuracy of an inference mode (golden models)",
                       description="Run the test set through the bit-exact golden models of one inference mode.")
    i.add_argument("--mode", choices=("f32", "f32i8", "i8"), required=True)
    i.add_argument("--model", metavar="FILE", help="float model (default: BUILD/model/mlp.npz)")
    i.add_argument("--quant", metavar="NPZ", help="quantized model (default: the sweep's wl=8 per-layer model)")
    i.add_argument("--images", type=params.option("images"), default=None, help="first N test images (default: all)")
    i.add_argument("--fl-a", type=params.option("fl-a"), default=7, help="i8: layer-1 activations in Q(8, FL_A) (lab: 4)")
    i.add_argument("--acc-w", type=params.option("acc-w"), default=32, help="i8: accumulator width (lab: 16)")
    i.add_argument("--shift", type=params.option("shift"), default=None, help="i8: requantization shift (lab: 0; default: auto)")
    i.add_argument("--fl-out", type=params.option("fl-out"), default=5, help="i8: layer-2 output format Q(8, FL_OUT) for auto shift")
    i.set_defaults(func=cmd_infer)

    r = sub.add_parser("roms", parents=[common], help="weight ROMs, tanh table and test vectors for qmlp:accel:mlp",
                       description="Write the accelerator's memory init files (.hex/.mem/.coe), its parameter "
                                   "header and test vectors from a wl=8 quantized model, with a manifest.")
    r.add_argument("--model", metavar="NPZ", help="float model (default: BUILD/model/mlp.npz, trained once if missing)")
    r.add_argument("--quant", metavar="NPZ", help="wl=8 quantized model (default: the sweep's per-layer wl=8 model "
                                                    "of the float model; chosen now when missing)")
    r.add_argument("--pe", type=_int_list, default=None,
                   help="neurons computed in parallel per layer, e.g. 4,16,2 (default: keep the folder's, else 4,16,2)")
    r.add_argument("--simd", type=_int_list, default=None,
                   help="inputs per cycle per layer, e.g. 49,1,1 (default: keep the folder's, else 49,1,1)")
    r.add_argument("--idx-bits", type=params.option("idx-bits"), default=None, help="tanh table index width T (default 8)")
    r.add_argument("--fl-z", type=params.option("fl-z"), default=None, help="tanh input format Q(T, FL_Z) (default 5: [-4, 4))")
    r.add_argument("--out", metavar="DIR", help="output folder (default: BUILD/roms, what qmlp:accel:mlp uses)")
    r.add_argument("--force", action="store_true", help="rewrite even when up to date")
    r.set_defaults(func=cmd_roms)

    rp = sub.add_parser("report", parents=[common], help="the whole flow and the lab's comparison, in one folder",
                        description="Train (or reuse) the model, sweep, infer, make the ROMs, simulate the IPs and "
                                    "the accelerator, run the synthesis estimates and write report.md with charts. "
                                    "Steps whose inputs did not change are reused.")
    rp.add_argument("--jobs", type=params.option("jobs"), default=2, help="simulations/syntheses run side by side (default 2)")
    rp.set_defaults(func=cmd_report)

    b = sub.add_parser("bench", parents=[common], help="design-space search: the fastest design that fits, per bit width",
                       description="Search PE, SIMD and MAC style per layer at w8a8, w4a4 and w2a2 (layers balanced, "
                                   "pruned by an analytic model), synthesize the plausible candidates with Yosys "
                                   "(cached by their inputs), simulate the Pareto-optimal ones in Verilator (the "
                                   "winners on all 10,000 test images) and write bench.json and pareto.png. "
                                   "A full search takes tens of minutes on two cores; a second one reuses every result.")
    b.add_argument("--jobs", type=params.option("jobs"), default=2, help="runs side by side (default 2)")
    b.add_argument("--scheduler", metavar="ADDR", default=None,
                   help="run the candidates on a dask.distributed cluster (tcp://host:8786; needs qmlp[dask], this "
                        "checkout and the build folder on every worker)")
    b.add_argument("--quick", action="store_true",
                   help="bounded search (what qmlp report runs): candidates the model says fit, one synthesis "
                        "per bit width (15 min at most) and 2 chart points")
    b.add_argument("--max-synth", type=params.option("max-synth"), default=None,
                   help="syntheses at most per bit width to find its winner (default 6, --quick 1)")
    b.add_argument("--chart", type=_count, default=None, help="slower points per bit width for the chart (about 2x, 4x, 8x the winner's cycles; default 3)")
    b.add_argument("--images", type=params.option("bench-images"), default=500,
                   help="Verilator images of the Pareto points other than the winners (default 500; winners: all)")
    b.add_argument("--bits", type=_words, default=None, help="bit widths to search (default w8a8,w4a4,w2a2)")
    b.add_argument("--model", metavar="NPZ", default=None,
                   help="float model to search (qmlp train's .npz; default: the build folder's lab network)")
    b.add_argument("--mac", type=_words, default=None, help="MAC styles to consider (default: every style)")
    b.add_argument("--synth-timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="time limit of one synthesis; a longer one is a failed point (default 3600, --quick 900)")
    b.add_argument("--dry-run", action="store_true",
                   help="the analytic model answers instead of Yosys and Verilator (shows the plan; BUILD/bench-dry-run)")
    b.set_defaults(func=cmd_bench)

    db = sub.add_parser("driver-bench", parents=[common], help="the board driver on the simulated accelerator: "
                        "MlpOverlay.predict over the test set, against the golden model",
                        description="Run qmlp.driver's MlpOverlay(...).predict on the simulation backend "
                                    "(qmlp:axi:mlp in Verilator) over the test images; print accuracy, "
                                    "mismatches against the integer golden model and images per second.")
    db.add_argument("--images", type=params.option("images"), default=None, help="first N test images (default: all)")
    db.add_argument("--tool", choices=("verilator", "icarus"), default="verilator", help="simulator (default verilator)")
    db.add_argument("--stall", type=int, choices=range(0, 100), default=0, metavar="PCT",
                    help="percent of cycles with random back-pressure on both streams (default 0)")
    db.add_argument("--batch", type=int, default=1000, help="images per DMA transfer (default 1000)")
    db.add_argument("--model", default=None, help="float model .npz (default: the build folder's)")
    db.set_defaults(func=cmd_driver_bench)

    h = sub.add_parser("hls", help="package a Vitis HLS solution as a core, or read its C synthesis report",
                       description="Tools for HLS results made elsewhere (Vitis HLS is not needed to run these).")
    hs = h.add_subparsers(dest="hls_cmd", required=True, metavar="WHAT")
    pk = hs.add_parser("package", help="package a Vitis HLS solution folder as a FuseSoC core")
    pk.add_argument("solution", help="<project>/<solution> folder (or a project folder with hls.app)")
    pk.add_argument("--kind", choices=("i8", "f32i8", "f32"), required=True, help="which kernel the solution holds")
    pk.add_argument("--out", required=True, help="folder for the RTL copy, the wrapper and the .core")
    pk.add_argument("--vlnv", help="core name (default qmlp:hls:matmul_<kind>_vitis:0.1.0)")
    hr = hs.add_parser("report", help="print the summary line of a csynth.xml")
    hr.add_argument("xml")
    h.set_defaults(func=cmd_hls)

    k = sub.add_parser("hook", help="(internal) run in a FuseSoC work root by the cores and flow scripts",
                       description="Validate a run's parameters and write what it needs into its work root, "
                                   "or read tool reports. FuseSoC runs these; users need not.")
    ks = k.add_subparsers(dest="what", required=True, metavar="WHAT")
    for name, hlp in (("check", "validate the run's parameters"),
                      ("vectors", "validate, then write the IP test vectors")):
        kp = ks.add_parser(name, help=hlp)
        kp.add_argument("core", choices=("i8", "f32i8", "f32") + (("accel",) if name == "check" else ()))
    ka = ks.add_parser("accel", help="validate, then write the accelerator's ROMs and vectors")
    ka.add_argument("--lint", action="store_true", help="no model: nominal constants only")
    ka.add_argument("--board", action="store_true", help="the ULX3S top: its own default design point (PE/SIMD auto)")
    ka.add_argument("--xc7", action="store_true", help="a synthesis for the xc7z020: warn when the point needs more "
                    "DSP48E1 or BRAM18 than it has")
    ks.add_parser("edam-info", help="print '<toplevel> <name>' of the EDAM file in the work root")
    kr = ks.add_parser("resources", help="RESOURCES line and resources.json from a Yosys stat -json report")
    kr.add_argument("files", nargs=1, metavar="STAT.json")
    ks.add_parser("vivado-check", help="fail clearly when vivado is not on PATH")
    kv = ks.add_parser("vivado-resources", help="TIMING/RESOURCES lines and resources.json from Vivado reports")
    kv.add_argument("files", nargs=2, metavar="REPORT", help="UTILIZATION.rpt TIMING.rpt")
    ke = ks.add_parser("ecp5-setup", help="pnr_ecp5: validate, check the tools, write the target clock constraint")
    ke.add_argument("core", choices=("i8", "f32i8", "f32", "accel"))
    ke.add_argument("--clock", default="ap_clk", help="clock port of the top (default ap_clk)")
    ke.add_argument("--board", action="store_true", help="a board top: its LPF constrains the clock (no file written)")
    kt = ks.add_parser("ecp5-report", help="pnr_ecp5: RESOURCES and TIMING lines, resources.json from nextpnr's report")
    kt.add_argument("--target-mhz", type=float, default=None, help="default: TARGET_MHZ of the run, else the clock constraint")
    ks.add_parser("board-stream", help="the simulated ULX3S board's host byte stream (qmlp_uart/host_tx.bin)")
    kq = ks.add_parser("pynq-setup", help="pynq_z2: validate, write the IP sources and block design settings "
                                          "(qmlp_pynq/), check that vivado is on PATH")
    kq.add_argument("core", choices=("mlp", "matmul"))
    kq.add_argument("--no-vivado-check", action="store_true", help="write the files only")
    ks.add_parser("pynq-report", help="pynq_z2: check <name>.bit/.hwh, OVERLAY, TIMING, RESOURCES lines")
    kn = ks.add_parser("netlist-sim", help="sim_synth/sim_pnr_ecp5: netlist flow and compile (xc7, ecp5), or run (RESULT ... netlist=)")
    kn.add_argument("kind", choices=("xc7", "ecp5", "run"))
    kn.add_argument("--top", help="synthesis top (xc7, ecp5)")
    kn.add_argument("--synth", help="Yosys synth command and options (xc7, ecp5)")
    kn.add_argument("plusargs", nargs="*", help="run: the simulation's plusargs (+IMAGES=n ...)")
    ks.add_parser("axi-matmul", help="validate a qmlp:axi:matmul run's KIND and IP parameters")
    k.set_defaults(func=cmd_hook)

    bd = sub.add_parser("board", parents=[common], help="talk to the ULX3S board top over its UART",
                        description="Stream test images to a ULX3S-85F running the qmlp:board:ulx3s bitstream and "
                                    "check its classes against the golden model.")
    bds = bd.add_subparsers(dest="board_cmd", required=True, metavar="WHAT")
    bc = bds.add_parser("classify", parents=[common], help="stream test images, print accuracy and images/s")
    bc.add_argument("--port", required=True, help="the board's serial port, e.g. /dev/ttyUSB0")
    bc.add_argument("--baud", type=int, default=1_000_000, help="bit rate of the bitstream (default 1000000)")
    bc.add_argument("--roms", metavar="DIR", help="ROM folder with the test images (default: BUILD/roms, `qmlp roms`)")
    bc.add_argument("--images", type=params.option("images"), default=None, help="first N test images (default: all)")
    bc.add_argument("--timeout", type=float, default=5.0, help="seconds of silence from the board that end the run")
    bc.set_defaults(func=cmd_board)

    from qmlp.io import commands as io_commands      # `qmlp import` and `qmlp export` (QONNX, PyTorch)

    io_commands.add_parsers(sub, common)

    c = sub.add_parser("csim", parents=[common], help="C simulation of an HLS kernel against the golden vectors",
                       description="Compile an HLS C++ kernel with g++ and check it on the IP test vectors.")
    from qmlp.hls import csim

    csim.configure_parser(c)
    c.set_defaults(func=csim.command)
    return p


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        line = args.func(args)
    except QmlpError as e:
        print(f"qmlp {args.cmd}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        # a folder that cannot be written, a file that vanished: the path and the cause, no traceback
        where = " -> ".join(str(f) for f in (e.filename, e.filename2) if f) or "?"
        print(f"qmlp {args.cmd}: error: {where}: {e.strerror or e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qmlp {args.cmd}: interrupted", file=sys.stderr)
        return 130
    print(line, flush=True)
    # a simulation that ran but failed its check still ends with its RESULT line
    return 1 if line.startswith("RESULT pass=0") else 0


if __name__ == "__main__":
    sys.exit(main())
