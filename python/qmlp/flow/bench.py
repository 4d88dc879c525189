"""`qmlp bench`: the design-space search of the accelerator (qmlp.flow.dse), its JSON, chart and
SPEC 3 line.

The search finds, per bit width (w8a8, w4a4, w2a2), the fastest PE x SIMD x MAC-style design
that fits the xc7z020 by the Yosys estimate and simulates it over the test set in Verilator.
`--quick` is the bounded search `qmlp report` runs: only candidates the analytic model says
fit (no margin), one synthesis per bit width with a 15-minute limit, two chart points, only the
winners simulated; the per-candidate cache is shared with the full search, so either reuses
the other's results.
"""

from __future__ import annotations

from pathlib import Path

from qmlp.config import Paths
from qmlp.errors import QmlpError
from qmlp.flow import dse


def options(jobs: int = 2, scheduler: str | None = None, quick: bool = False, budget: int | None = None,
            chart: int | None = None, images: int = 500, bits: list[str] | None = None,
            styles: list[str] | None = None, synth_timeout: float | None = None,
            model: str | None = None, fps: float | None = None, clock_mhz: float | None = None,
            device: str = "xc7z020", source: dict | None = None, netlist: int = 0) -> dse.Options:
    """Search options from the command line's, checked (unknown bit widths or styles are errors)."""
    from qmlp.flow.dse.device import get as get_device

    dev = get_device(device)
    if clock_mhz is not None and not fps:
        raise QmlpError("--clock is the clock of a throughput target: give --fps N with it")
    spec, own = dse.LAB, None
    if model:
        from qmlp.nn import quant
        from qmlp.nn.quant import spec_of_file

        spec = spec_of_file(Path(model).resolve())
        if quant.is_quantized_file(model):
            # a quantized model (QAT, or imported from QONNX) is searched at its own bits
            own = own_bits(quant.load(Path(model)))
            if bits and list(dict.fromkeys(bits)) != [own[0]]:
                raise QmlpError(f"--bits {','.join(bits)}: {model} is a quantized model at {own[0]}; the search "
                                f"takes it at its own bits (leave out --bits, or give a float model)")
        model = str(Path(model).resolve())
    widths = (own,) if own else dse.bit_widths(spec, tuple(dict.fromkeys(bits)) if bits else dse.BIT_NAMES)
    if styles:
        bad = [s for s in styles if s not in dse.mac_styles()]
        if bad:
            raise QmlpError(f"--mac {','.join(styles)}: {bad[0]} is not a MAC style of this accelerator "
                            f"({', '.join(dse.mac_styles())})")
    if jobs < 1:
        raise QmlpError(f"--jobs must be at least 1, got {jobs}")
    if netlist < 0:
        raise QmlpError(f"--netlist {netlist}: test images of each winner's netlist run, 0 (none) or more")
    if netlist and dev.target != "synth":
        raise QmlpError(f"--netlist simulates each winner's Yosys xc7 netlist; --device {device} measures ECP5 "
                        "routes (their netlists: fusesoc run --target sim_pnr_ecp5 qmlp:accel:mlp ...): "
                        "leave out --netlist or --device")
    clock = float(clock_mhz) if clock_mhz is not None else 100.0
    if fps is not None:
        if not (fps > 0) or fps == float("inf"):
            raise QmlpError(f"--fps {fps:g}: images per second, a positive number")
        if int(clock * 1e6 // fps) < 2:
            raise QmlpError(f"--fps {fps:,.0f} at --clock {clock:g} leaves {clock * 1e6 / fps:.2f} cycles per image; "
                            "the accelerator needs at least 2 per layer: raise --clock or lower --fps")
    return dse.Options(bit_widths=widths, jobs=jobs, scheduler=scheduler, device=dev, fps=fps, clock_mhz=clock,
                       source=source,
                       budget=budget if budget is not None else (1 if quick else 6),
                       chart=chart if chart is not None else (2 if quick else 3),
                       images=0 if quick else images, styles=tuple(styles) if styles else None,
                       netlist_images=netlist,
                       margin=1.0 if quick else dse.MARGIN,
                       synth_timeout=synth_timeout if synth_timeout else (1800.0 if quick else 3600.0),
                       model=model, spec=spec)


def own_bits(q) -> tuple:
    """(name, wbits per layer, abits per hidden layer) of a quantized model, named as the search names
    a design point's bits (w2a2, or w424a42 when the layers differ)."""
    n = q.spec.n_layers
    wb = tuple(int(w) for w in q.wls)
    ab = tuple(int(a) for a in (q.abits or (8,) * (n - 1)))
    c = dse.Candidate((1,) * n, (1,) * n, ("dsp",) * n, wb, ab, q.spec)
    return (c.bits, wb, ab)


def bring(model: str | None, paths: Paths, data: str | None = None, log=dse.stderr_log,
          source: dict | None = None) -> str | None:
    """The model file `qmlp bench --model` searches: a qmlp .npz as it is; a QONNX graph (.onnx) imported
    first (qmlp.io, into BUILD/model/imported/<name>.npz) and checked against qonnx's own executor on the
    whole test set; a PyTorch file refused with the import command (a state_dict holds no activations)."""
    if not model:
        return model
    from qmlp.files import check_input_file

    src = check_input_file(model, "--model", "a qmlp model .npz, or a QONNX graph .onnx")
    suffix = src.suffix.lower()
    if suffix in (".pth", ".pt"):
        raise QmlpError(f"--model {model}: a PyTorch file; bring it in first with `qmlp import {model} --act ...` "
                        "(a state_dict holds no activations) and search the .npz it writes")
    if suffix != ".onnx":
        return str(src)
    import numpy as np

    from qmlp.io import qonnx_import
    from qmlp.nn import quant
    from qmlp.nn.data import DEFAULT_DATA, load_raw
    from qmlp.numerics import intnet

    out = Path(paths.model_dir) / "imported" / f"{src.stem}.npz"
    meta = {"data": str(Path(data).resolve())} if data else {}
    _, _, xte, _ = load_raw(data or DEFAULT_DATA)
    kind = "u8" if xte.dtype == np.uint8 else "float"       # pixels / 255, or features in [-1, 1]
    # the last layer's weights as 8-bit codes (--widen-logits of qmlp import: the same values, more
    # fraction bits for its float bias), so the logits follow the graph's: without it a Brevitas
    # TFC's classes agreed with qonnx's executor on 99.28 % of images, with it on 100 %
    q = qonnx_import.read(src, kind, meta, True)
    intnet.build(q)
    log(f"imported {src.name}: {q.spec.describe()} (the last layer at 8-bit weights, as qmlp import "
        f"--widen-logits), checking it against qonnx's executor on {len(xte):,} test images")
    r = qonnx_import.compare(src, q, xte)
    if source is not None:                   # for bench.json and bench.md
        source.update(file=str(src.resolve()), **{k: r[k] for k in ("images", "agree", "max_logit_steps",
                                                                    "disagreements")})
    for d in r["disagreements"][:20]:
        log(f"  image {d['image']}: qonnx class {d['qonnx']}, qmlp class {d['qmlp']} (logits up to "
            f"{d['max_logit_steps']:.2f} steps apart)")
    log(f"the imported integer model agrees with qonnx's executor on {r['agree']:.2f} % of {r['images']:,} classes "
        f"({len(r['disagreements'])} disagreements); logits at most {r['max_logit_steps']:.2f} output steps apart")
    out.parent.mkdir(parents=True, exist_ok=True)
    quant.save(q, out)
    log(f"searching {out}")
    return str(out)


def run(paths: Paths, opts: dse.Options, out_dir: Path | None = None, dry_run: bool = False) -> str:
    """The search; returns its summary lines: FPS (with --fps), then the BENCH line (SPEC 3), last."""
    data, path = dse.run(paths, opts, out_dir, dry_run=dry_run)
    fps = dse.fps_line(data, path)
    return (fps + "\n" if fps else "") + dse.bench_line(data, path)
