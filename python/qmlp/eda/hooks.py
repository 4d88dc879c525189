"""What FuseSoC cores run in a work root before the build (`qmlp hook ...`, see cli.py).

    qmlp hook check <i8|f32i8|f32|accel>   validate the run's parameters (lint, synth targets)
    qmlp hook vectors <i8|f32i8|f32>       validate, then write matching IP test vectors
    qmlp hook accel [--lint]               validate, then write the accelerator's ROMs, tanh
                                           table, model constants and test vectors

Each reads the run's parameters (command-line overrides included) from the EDAM file FuseSoC
wrote into the work root, so what is simulated or synthesized always matches what was asked
for; a bad parameter stops the build with a message naming it. Outputs go into the work root
only, each folder replaced whole. The flow runs pre_build hooks before the build and again
before the run: a stamp skips the second write when nothing changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from qmlp import params
from qmlp.eda.edam import edam_parameters
from qmlp.errors import QmlpError
from qmlp.files import new_folder, write_text
from qmlp.hashing import file_sha256, module_closure_sha256

VECTOR_DIR = "qmlp_vectors"
ROM_DIR = "qmlp_roms"


def _say(msg: str) -> None:
    print(f"qmlp: {msg}", flush=True)


def check(core: str, work_root: Path = Path(".")) -> dict:
    v = params.validate(core, edam_parameters(work_root))
    _say(f"parameters of this {core} run are valid: " + " ".join(f"{k}={_fmt(x)}" for k, x in v.items()
                                                                 if x is not None))
    return v


def _fmt(x) -> str:
    return ",".join(map(str, x)) if isinstance(x, tuple) else str(x)


# ----------------------------------------------------------------------------- matmul IP

def vectors(kind: str, work_root: Path = Path(".")) -> None:
    from qmlp.hw.vectors import MatmulParams, write

    v = params.validate(kind, edam_parameters(work_root))
    p = MatmulParams(kind=kind, rows=v["ROWS"], inner=v["INNER"], cols=v["COLS"], lanes=v["LANES"],
                     acc_w=v.get("ACC_W", 32), shift=v.get("SHIFT", 0), fl_b=v.get("FL_B", 4),
                     vectors=v["VECTORS"], seed=v["SEED"])
    out = Path(work_root) / VECTOR_DIR
    want = {"params": vars(p), "code": module_closure_sha256("qmlp.hw.vectors")}
    if _stamp_ok(out, want):
        _say(f"{kind} vectors in {out.resolve()} are up to date")
        return
    with new_folder(out) as tmp:
        write(tmp, p)
        _stamp_write(tmp, want)
    _say(f"wrote {p.vectors} {kind} vectors ({p.rows}x{p.inner} . {p.inner}x{p.cols}, seed {p.seed}) "
         f"to {out.resolve()}")


def _stamp_ok(folder: Path, want: dict) -> bool:
    st = folder / "stamp.json"
    try:
        have = json.loads(st.read_text())
    except (OSError, ValueError):
        return False
    files = have.pop("files", {})
    return have == json.loads(json.dumps(want)) and bool(files) and \
        all(file_sha256(folder / f) == h for f, h in files.items())


def _stamp_write(folder: Path, want: dict) -> None:
    files = {f.name: file_sha256(f) for f in sorted(folder.iterdir()) if f.is_file() and f.name != "stamp.json"}
    write_text(folder / "stamp.json", json.dumps(dict(want, files=files), sort_keys=True))


# ----------------------------------------------------------------------------- accelerator

def accel(lint: bool = False, work_root: Path = Path(".")) -> None:
    """ROMs, tanh table, model constants and vectors for this run's PE/SIMD and model."""
    from qmlp.hw import roms

    v = params.validate("accel", edam_parameters(work_root))
    out = Path(work_root) / ROM_DIR
    if lint:
        # lint needs no model: nominal constants let the RTL elaborate, no weights are read
        write_text(out / roms.MODEL_HEADER, roms.nominal_header())
        _say(f"lint: PE={_fmt(v['PE'])} SIMD={_fmt(v['SIMD'])}; nominal model constants in {out / roms.MODEL_HEADER}")
        return
    from qmlp.config import Paths
    from qmlp.nn import cache
    from qmlp.nn.model import load as load_model

    paths = Paths()
    model = cache.float_model(paths, v["MODEL"])
    q, qpath = cache.wl8_model(paths, model)
    data = load_model(model).meta.get("data")
    from qmlp.config import DEFAULT_DATA

    cfg = roms.HwConfig(v["PE"], v["SIMD"])
    fmt = roms.intnet.IntFormats()
    source = {"model": str(model), "quant": str(qpath), "quant_sha256": file_sha256(qpath),
              "data": data or str(DEFAULT_DATA), "code": roms.code_hash()}
    man = roms.up_to_date(out, cfg, fmt, source)
    if man is not None:
        _say(f"ROMs in {out.resolve()} are up to date ({man['cycles_per_image']} cycles/image)")
        return
    man = roms.make(out, q, cfg, source["data"], fmt, source)
    _say(f"wrote ROMs for PE={_fmt(cfg.pe)} SIMD={_fmt(cfg.simd)} ({man['cycles_per_image']} cycles/image, "
         f"golden accuracy {man['golden']['test_accuracy']:.2f} %) from {qpath} to {out.resolve()}")


def main(args) -> None:
    """`qmlp hook <what>` (argparse namespace from cli.py)."""
    if args.what == "check":
        check(args.core)
    elif args.what == "vectors":
        vectors(args.core)
    elif args.what == "accel":
        accel(lint=args.lint)
    else:  # pragma: no cover - argparse restricts the choices
        raise QmlpError(f"unknown hook {args.what}")
    sys.stdout.flush()
