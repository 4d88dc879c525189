"""`qmlp roms`: the accelerator's memory init files, parameter header and test vectors."""

from __future__ import annotations

import sys
from pathlib import Path

from qmlp import params
from qmlp.cli.options import build_paths, int_list, opt
from qmlp.errors import QmlpError

HELP = "weight ROMs, tanh table and test vectors for qmlp:accel:mlp"
DESCRIPTION = ("Write the accelerator's memory init files (.hex/.mem/.coe), its parameter header and test vectors "
               "from a wl=8 quantized model, with a manifest.")


def configure(r) -> None:
    r.add_argument("--model", metavar="NPZ", help="float model (default: BUILD/model/mlp.npz, trained once if missing)")
    r.add_argument("--quant", metavar="NPZ", help="wl=8 quantized model (default: the sweep's per-layer wl=8 model "
                                                    "of the float model; chosen now when missing)")
    r.add_argument("--pe", type=int_list, default=None,
                   help="neurons computed in parallel per layer, e.g. 4,16,2 (default: keep the folder's, else 4,16,2)")
    r.add_argument("--simd", type=int_list, default=None,
                   help="inputs per cycle per layer, e.g. 49,1,1 (default: keep the folder's, else 49,1,1)")
    opt(r, "--idx-bits", help="tanh table index width T (default 8)")
    opt(r, "--fl-z", help="tanh input format Q(T, FL_Z) (default 5: [-4, 4))")
    r.add_argument("--out", metavar="DIR", help="output folder (default: BUILD/roms, what qmlp:accel:mlp uses)")
    r.add_argument("--force", action="store_true", help="rewrite even when up to date")


def run(args) -> str:
    from qmlp.config import DEFAULT_DATA
    from qmlp.files import check_output_folder
    from qmlp.hashing import file_sha256
    from qmlp.hw import roms
    from qmlp.nn import cache, quant
    from qmlp.nn.model import load as load_model
    from qmlp.numerics.intnet import IntFormats

    paths = build_paths(args)
    out = check_output_folder(Path(args.out).resolve() if args.out else paths.roms_dir, "--out", "manifest.json")
    old = _old_manifest(out) if (out / "manifest.json").is_file() and not args.force else None
    d = old["formats"] if old else {}
    # not given: the folder's own (a rerun keeps its formats), else IntFormats' defaults
    idx_bits = args.idx_bits if args.idx_bits is not None else d.get("idx_bits", IntFormats.idx_bits)
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
    data = args.data or (load_model(model).meta.get("data") if Path(model).is_file() else None) or str(DEFAULT_DATA)
    source = {"model": str(model), "quant": str(qpath), "quant_sha256": file_sha256(qpath),
              "data": str(data), "code": roms.code_hash()}
    from qmlp.files import output_lock

    # one writer of a ROM folder at a time (a second waits): the ROMS line describes the set it names
    with output_lock(out, "the ROMs"):
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
