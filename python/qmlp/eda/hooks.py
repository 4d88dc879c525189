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
import os
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


def _fusesoc_ancestor() -> tuple[int, list[str]] | None:
    """(pid, argv) of the `fusesoc run` process this hook runs under (Linux /proc), or None."""
    pid = os.getppid()
    for _ in range(12):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        if any(Path(a).name == "fusesoc" for a in argv[:2]) and "run" in argv:
            return pid, [a for a in argv if a]
        pid = int(stat.rsplit(")", 1)[1].split()[1])      # field 4: the parent's pid
        if pid <= 1:
            return None
    return None


def _core_defaults(work_root: Path = Path(".")) -> dict:
    """Parameter defaults in the .core file of the run's own core (named in the EDAM file)."""
    import yaml

    from qmlp.eda.edam import read_edam

    edam = read_edam(work_root)
    out = {}
    for vlnv, info in (edam.get("cores") or {}).items():
        if vlnv.replace(":", "_") != edam.get("name") or not isinstance(info, dict):
            continue
        try:
            text = (Path(work_root) / info["core_file"]).read_text()
            data = yaml.safe_load(text.split("\n", 1)[1]) or {}
        except (OSError, KeyError, yaml.YAMLError, IndexError):
            return {}
        for name, p in (data.get("parameters") or {}).items():
            if isinstance(p, dict) and "default" in p:
                out[name] = p["default"]
    return out


def guard_work_root(core: str, raw: dict, work_root: Path = Path(".")) -> None:
    """Stop when another fusesoc run shares this work root.

    FuseSoC's work root is build/<core>/<target> whatever the parameters, so two runs of one
    target started together rewrite each other's EDAM file and Makefile. Caught two ways: the
    parameters in the EDAM differ from the ones on this run's own command line, or the work
    root is claimed by another live fusesoc process. (qmlp's runner avoids this by giving
    every parameter set its own --build-root.)
    """
    anc = _fusesoc_ancestor()
    if anc is None:
        return
    pid, argv = anc
    given = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    defaults = _core_defaults(work_root)
    for p in params.table(core):
        if p.paramtype != "vlogparam" or p.name not in raw:
            continue          # design parameters only: plusargs have per-target defaults
        if p.name in given:
            want = p.parse(given[p.name])
        elif p.name in defaults:
            want = p.parse(defaults[p.name])     # the core's own default (an HLS core's block, say)
        else:
            continue
        have = p.parse(raw[p.name]) if raw[p.name] is not None else p.default
        if want != have:
            raise QmlpError(f"this run was started with --{p.name}={_fmt(want)}, but the work root "
                            f"{Path(work_root).resolve()} now holds a setup for --{p.name}={_fmt(have)}: another "
                            "fusesoc run of the same target rewrote it. Give runs that go at the same time their "
                            "own --build-root")
    owner = Path(work_root) / ".qmlp_owner"
    try:
        other = int(owner.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        other = None
    if other not in (None, pid) and Path(f"/proc/{other}").is_dir():
        try:
            cmd = Path(f"/proc/{other}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            cmd = ""
        if "fusesoc" in cmd:
            raise QmlpError(f"the work root {Path(work_root).resolve()} is in use by another fusesoc run (pid {other}); "
                            "give runs that go at the same time their own --build-root")
    write_text(owner, f"{pid}\n")


def check(core: str, work_root: Path = Path(".")) -> dict:
    raw = edam_parameters(work_root)
    v = validate(core, raw)
    _say(f"parameters of this {core} run are valid: " + " ".join(f"{k}={_fmt(x)}" for k, x in v.items()
                                                                 if x is not None))
    return v


def _fmt(x) -> str:
    return ",".join(map(str, x)) if isinstance(x, tuple) else str(x)


# ----------------------------------------------------------------------------- matmul IP

def vectors(kind: str, work_root: Path = Path(".")) -> None:
    from qmlp.hw.vectors import MatmulParams, write

    raw = edam_parameters(work_root)
    v = params.validate(kind, raw)
    guard_work_root(kind, raw, work_root)
    p = MatmulParams(kind=kind, rows=v["ROWS"], inner=v["INNER"], cols=v["COLS"], lanes=v["LANES"],
                     acc_w=v.get("ACC_W", 32), shift=v.get("SHIFT", 0), fl_b=v.get("FL_B", 4),
                     wbits=v.get("WBITS", 8), vectors=v["VECTORS"], seed=v["SEED"])
    out = Path(work_root) / VECTOR_DIR
    want = {"params": vars(p), "code": module_closure_sha256("qmlp.hw.vectors")}
    if _stamp_ok(out, want):
        _say(f"{kind} vectors in {out.resolve()} are up to date")
        return
    with new_folder(out) as tmp:
        write(tmp, p)
        _stamp_write(tmp, want)
    packed = f", B packed {8 // p.wbits} {p.wbits}-bit codes per byte" if p.wbits < 8 else ""
    _say(f"wrote {p.vectors} {kind} vectors ({p.rows}x{p.inner} . {p.inner}x{p.cols}{packed}, seed {p.seed}) "
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

def model_file(raw: dict):
    """This run's model file (--MODEL=) read once (qmlp.nn.quant.ModelFile: its hash and the model
    parsed from the same bytes); None when no model file is named (the build folder's lab network)."""
    from qmlp.nn.quant import read_model_file

    m = raw.get("MODEL")
    if not m:
        return None
    try:
        return read_model_file(m)
    except QmlpError as e:
        raise QmlpError(f"--MODEL={m}: {str(e).removeprefix(f'model {m} ').removeprefix(f'{m}: ')}") from None


def model_spec(raw: dict):
    """The network of this run's model (--MODEL=), read before the per-layer parameters are
    checked against it; None when no model file is named (the build folder's lab network)."""
    mf = model_file(raw)
    return mf.spec if mf else None


def check_model_bits(q, qpath, wb, ab) -> None:
    """A quantized model is built at its own bits: the run's --WBITS/--ABITS must be them."""
    qa = tuple(q.abits or (8,) * (q.spec.n_layers - 1))
    if tuple(q.wls) != tuple(wb) or qa != tuple(ab):
        raise QmlpError(f"--MODEL={qpath} is a w{''.join(map(str, q.wls))}a{''.join(map(str, qa))} model: run with "
                        f"--WBITS={','.join(map(str, q.wls))} --ABITS={','.join(map(str, qa)) or 8} (this run asked "
                        f"for --WBITS={_fmt(wb)} --ABITS={_fmt(ab) or 8})")


def validate(core: str, raw: dict, board: bool = False) -> dict:
    """params.validate, for the accelerator against its model's network (board: the ULX3S top's
    default design point)."""
    return params.validate(core, raw, spec=model_spec(raw) if core == "accel" else None, board=board)


def accel(lint: bool = False, work_root: Path = Path("."), board: bool = False, xc7: bool = False) -> None:
    """ROMs, activation tables, model constants and vectors for this run's PE/SIMD and model
    (board: the ULX3S top, whose default design point is its own; xc7: a synthesis for the
    xc7z020, warned when the point needs more DSP48E1 or BRAM18 than it has)."""
    from qmlp.hw import roms

    raw = edam_parameters(work_root)
    mf = model_file(raw)           # the one read of --MODEL=: the checks and the ROMs use these bytes
    spec = mf.spec if mf else None
    v = params.validate("accel", raw, spec=spec, board=board)
    if xc7:
        from qmlp.hw.devices import xc7_warning

        w = xc7_warning(v, spec)
        if w:
            print(f"qmlp hook: warning: {w}", flush=True)
    guard_work_root("accel", raw, work_root)
    out = Path(work_root) / ROM_DIR
    if lint:
        # lint needs no model: nominal constants let the RTL elaborate, no weights are read
        from qmlp.spec import LAB

        sp = spec or LAB
        cfg = roms.HwConfig(v["PE"], v["SIMD"], v["WBITS"], v["ABITS"] or (8,), sp)
        write_text(out / roms.MODEL_HEADER, roms.nominal_header(sp, cfg))
        _say(f"lint: {sp.describe()} PE={_fmt(v['PE'])} SIMD={_fmt(v['SIMD'])}; nominal model constants in "
             f"{out / roms.MODEL_HEADER}")
        return
    from qmlp.config import Paths
    from qmlp.nn import cache

    from qmlp.config import DEFAULT_DATA

    paths = Paths()
    wb, ab = v["WBITS"], v["ABITS"]
    if mf is not None and mf.quantized:
        qpath, q, qsha = mf.path.resolve(), mf.model, mf.sha256
        model = None
    else:
        if mf is None:
            from qmlp.nn.quant import read_model_file

            mf = read_model_file(cache.float_model(paths, None))    # the build folder's (trained once)
        model = mf.path.resolve()
        if set(wb) == {8} and set(ab) <= {8}:
            q, qpath = cache.wl8_model(paths, model, loaded=mf)            # post-training, as the first round
        else:
            q, qpath = cache.qat_model(paths, model, wb, ab, loaded=mf)     # quantization-aware, once per model and bits
        qsha = file_sha256(qpath)
    check_model_bits(q, qpath, wb, ab)
    data = mf.model.meta.get("data") or str(DEFAULT_DATA)
    cfg = roms.HwConfig(v["PE"], v["SIMD"], wb, ab or (8,), q.spec)
    fmt = roms.intnet.IntFormats.of(q.spec, ab or (8,), q.act_fls)
    source = {"model": str(model), "quant": str(qpath), "quant_sha256": qsha,
              "data": data, "code": roms.code_hash()}
    man = roms.up_to_date(out, cfg, fmt, source)
    if man is not None:
        _say(f"ROMs in {out.resolve()} are up to date ({man['cycles_per_image']} cycles/image)")
        return
    man = roms.make(out, q, cfg, source["data"], fmt, source)
    _say(f"wrote {cfg.name} ROMs of {q.spec.describe()} for PE={_fmt(cfg.pe)} SIMD={_fmt(cfg.simd)} "
         f"({man['cycles_per_image']} cycles/image, golden accuracy {man['golden']['test_accuracy']:.2f} %) from "
         f"{qpath} to {out.resolve()}")

