"""`qmlp report`: the lab's comparison, measured end to end, in one folder.

Trains (or reuses) the model, sweeps wl/fl, runs the three inference modes, makes the ROMs,
simulates the three matmul IPs, the XLS-generated IP and the accelerator, runs the Yosys
estimates, simulates the default accelerator point's Yosys xc7 netlist on a few hundred test
images (`sim_synth`, step netlist_accel; `--netlist 0` skips it), and writes report.md,
results.json and PNG charts next to the lab's figures.
Every step caches its result under a key made of its inputs (source files, parameters,
upstream results): a second run redoes only what changed.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

from qmlp import reference as ref
from qmlp.config import Paths
from qmlp.eda.runner import run_checked, run_tool
from qmlp.errors import QmlpError
from qmlp.files import write_text
from qmlp.flow import bench, dse
from qmlp.flow.dse import bit_points
from qmlp.flow.pipeline import Cache, Step
from qmlp.flow.pipeline import run as run_steps
from qmlp.flow.report_md import IP_KINDS, est_seconds, render
from qmlp.lines import parse as parse_summary
from qmlp.progress import say
from qmlp.spec import LAB

# what the cores' pre-build hooks run (`qmlp hook ...`), not the whole CLI: an edit of another
# command must not make every cached simulation and synthesis stale
HOOKS = ("qmlp.cli.hook", "qmlp.eda.hooks")
HLS_SOURCES = ("cores/hls/src/*", "cores/hls/xls/*")   # read by the HLS generator and the C simulation


def report_spec(paths: Paths):
    """The network the report builds: the build folder's model's (the lab's before it is trained).
    Its bit points (QAT, Verilator, Yosys) are qmlp.flow.dse.bit_points(spec)."""
    from qmlp.nn.quant import spec_of_file

    return spec_of_file(paths.model_npz) if paths.model_npz.is_file() else LAB


# ----------------------------------------------------------------------------- steps

NETLIST_IMAGES = 200            # the default point's xc7 netlist run (qmlp report --netlist N; 0 skips it)


def steps(paths: Paths, netlist_images: int = NETLIST_IMAGES) -> list[Step]:
    """The report's steps, in order, each with the inputs its result depends on."""
    from qmlp.nn import sweep

    q8 = sweep.model_path(paths.sweep_dir, 8, "per_layer")
    spec = report_spec(paths)
    points = bit_points(spec)
    out = [
        Step("model", lambda: _model(paths), code=("qmlp.nn.train",), files=(paths.model_npz,),
             outputs=(paths.model_npz,)),
        Step("sweep", lambda: _sweep(paths), code=("qmlp.nn.sweep",), files=(paths.model_npz,), after=("model",),
             outputs=(paths.sweep_dir / "sweep.json", paths.sweep_dir / "accuracy.png", q8)),
        Step("infer", lambda: _infer(paths, q8), code=("qmlp.nn.infer",), files=(paths.model_npz, q8),
             after=("sweep",)),
    ]

    def fs(core, target, params=None, what="RESULT"):
        return lambda: run_checked(core, target, params, what)

    for kind in IP_KINDS:
        core = f"qmlp:ip:matmul_{kind}"
        for lanes in (1, 4):
            out.append(Step(f"sim_{kind}_L{lanes}", fs(core, "sim_verilator", {"LANES": lanes}), code=HOOKS,
                            cores=(core,), params={"LANES": lanes}, heavy=True))
        out.append(Step(f"synth_{kind}", fs(core, "synth", what="RESOURCES"), code=HOOKS + ("qmlp.eda.resources",),
                        cores=(core,), heavy=True))
        out.append(Step(f"csim_{kind}", lambda k=kind: _csim(k), code=("qmlp.hls.csim",), globs=HLS_SOURCES,
                        params={"kind": kind}, heavy=True))
    hls = "qmlp:hls:matmul_i8"
    out.append(Step("sim_hls_i8", fs(hls, "sim_verilator"), code=HOOKS + ("qmlp.hls.gen",), cores=(hls,),
                    globs=HLS_SOURCES, heavy=True))
    out.append(Step("synth_hls_i8", fs(hls, "synth", what="RESOURCES"), code=HOOKS + ("qmlp.hls.gen",),
                    cores=(hls,), globs=HLS_SOURCES, heavy=True))
    # the accelerator's runs write their own ROMs from the wl=8 model the sweep chose
    acc = "qmlp:accel:mlp"
    out.append(Step("sim_accel", _accel_sim, code=HOOKS, cores=(acc,), files=(paths.model_npz, q8),
                    after=("sweep",), heavy=True))
    out.append(Step("synth_accel", fs(acc, "synth", what="RESOURCES"), code=HOOKS + ("qmlp.eda.resources",),
                    cores=(acc,), files=(paths.model_npz, q8), after=("sweep",), heavy=True))
    if netlist_images > 0:
        # the same point as the synth flow's Yosys netlist in Verilator, bit for bit (HOOKS' closure holds
        # the netlist flow, qmlp.eda.netlist, which `qmlp hook netlist-sim` runs)
        out.append(Step("netlist_accel", lambda: _accel_netlist(netlist_images), code=HOOKS + ("qmlp.eda.resources",),
                        cores=(acc,), files=(paths.model_npz, q8), params={"IMAGES": netlist_images},
                        after=("sweep",), heavy=True))
    # 4- and 2-bit: QAT models (light), then each point in Verilator and Yosys (heavy)
    for name, wb, ab in points:
        out.append(Step(f"qat_{name}", lambda wb=wb, ab=ab: _qat(paths, wb, ab), code=("qmlp.nn.qat", "qmlp.nn.cache"),
                        files=(paths.model_npz,), params={"wbits": wb, "abits": ab}, after=("model",)))
    for name, wb, ab in points:
        for target, what in (("sim_verilator", "RESULT"), ("synth", "RESOURCES")):
            out.append(Step(f"{'sim' if what == 'RESULT' else 'synth'}_accel_{name}",
                            lambda wb=wb, ab=ab, t=target, w=what: _accel_bits(paths, wb, ab, t, w),
                            code=HOOKS + ("qmlp.eda.resources",), cores=(acc,), after=(f"qat_{name}",), heavy=True))
    out += _pnr_steps(paths, q8, spec)
    # the design-space search, bounded (qmlp bench --quick): its runs share qmlp bench's cache
    out.append(Step("bench", lambda: _bench(paths), code=("qmlp.flow.bench",) + HOOKS + ("qmlp.eda.resources",),
                    cores=(acc,), files=(paths.model_npz, q8), params={"quick": True},
                    after=("sweep", "qat_w4a4", "qat_w2a2"), outputs=(paths.report_dir / "pareto.png",)))
    return out


def _bench(paths: Paths) -> dict:
    """`qmlp bench --quick` into the report folder: winners per bit width, points, chart."""
    data, path = dse.run(paths, bench.options(quick=True), out_dir=paths.report_dir / "bench",
                         log=lambda msg: say(f"qmlp bench: {msg}"))     # its runs log from threads
    shutil.copy2(path.parent / "pareto.png", paths.report_dir / "pareto.png")
    return {"data": data, "json": str(path), "quick": True}


# ----------------------------------------------------------------------------- ECP5 timing

# Open place and route on the LFE5U-85F: every matmul IP at its defaults, and the accelerator at
# the fastest point that fits the 85F's 156 MULT18X18D (145 MACs, 784 cycles per image).
PNR_MHZ = 100
PNR_ACCEL = {"PE": "8,16,1", "SIMD": "16,1,1"}
PNR_ACCEL_TIMEOUT = 2 * 3600      # routing the accelerator takes tens of minutes on one core


def _pnr_steps(paths: Paths, q8: Path, spec=None) -> list[Step]:
    from qmlp import params

    spec = spec or LAB
    accel = PNR_ACCEL if spec.shapes == LAB.shapes else \
        {k: ",".join(map(str, v)) for k, v in zip(("PE", "SIMD"), params.auto_fold(spec, board=True))}
    out = []
    for kind in IP_KINDS:
        core = f"qmlp:ip:matmul_{kind}"
        out.append(Step(f"pnr_{kind}", lambda c=core: _pnr(c, {"TARGET_MHZ": PNR_MHZ}),
                        code=HOOKS + ("qmlp.eda.ecp5",), cores=(core,), params={"TARGET_MHZ": PNR_MHZ}, heavy=True))
    prm = {**accel, "TARGET_MHZ": PNR_MHZ}
    out.append(Step("pnr_accel", lambda: _pnr("qmlp:accel:mlp", prm, PNR_ACCEL_TIMEOUT),
                    code=HOOKS + ("qmlp.eda.ecp5",), cores=("qmlp:accel:mlp",), files=(paths.model_npz, q8),
                    params=prm, after=("sweep",), heavy=True))
    return out


def _pnr(core: str, params: dict, timeout: float = 3600) -> dict:
    """One pnr_ecp5 run: its resources.json (fmax, resources, bitstream), also when the design
    routed but missed its target clock (then `timing_pass` is false and fusesoc exited 1).
    A run that did not route (an error, its time limit) is recorded with the reason, so that
    the report shows it instead of stopping."""
    from qmlp.eda.runner import failure_reason, run_fusesoc

    t0 = time.time()
    try:
        res = run_fusesoc(core, "pnr_ecp5", params, timeout=timeout)
    except QmlpError as e:
        return {"routed": False, "reason": str(e).splitlines()[-1], "params": params}
    rj = Path(res.work_root) / "resources.json"
    if not rj.is_file() or rj.stat().st_mtime < t0:
        return {"routed": False, "reason": failure_reason(res.output) or res.output.strip().splitlines()[-1],
                "params": params, "wall_s": round(res.seconds, 1)}
    r = json.loads(rj.read_text())
    r.update({"routed": True, "params": params, "wall_s": round(res.seconds, 1), "work_root": str(res.work_root)})
    if (Path(res.work_root) / ROM_MANIFEST).is_file():
        r["cycles_per_image"] = _manifest(res.work_root)["cycles_per_image"]
    return r


ROM_MANIFEST = Path("qmlp_roms") / "manifest.json"   # written into an accelerator run's work root by its hook


def _manifest(work_root) -> dict:
    """The ROM manifest of an accelerator run (design point, cycles per image, golden accuracy)."""
    return json.loads((Path(work_root) / ROM_MANIFEST).read_text())


def _qat(paths: Paths, wb, ab) -> dict:
    from qmlp.nn import cache

    q, qpath = cache.qat_model(paths, paths.model_npz, wb, ab, progress=True)
    return {"path": str(qpath), "fls": q.fls, "wbits": list(wb), "abits": list(ab), **{k: q.meta.get(k) for k in ("test_accuracy", "val_accuracy",
                                                                            "qat_seconds", "qat_epochs")}}


def _accel_bits(paths: Paths, wb, ab, target: str, what: str) -> dict:
    from qmlp.nn import cache

    _, qpath = cache.qat_model(paths, paths.model_npz, wb, ab)
    r = run_checked("qmlp:accel:mlp", target, {"WBITS": ",".join(map(str, wb)), "ABITS": ",".join(map(str, ab)),
                                               "MODEL": str(qpath)}, what)
    man = _manifest(r["work_root"])
    r["rom_bits"] = man["rom_bits"]
    r["golden_accuracy"] = man["golden"]["test_accuracy"]
    return r


def _model(paths: Paths) -> dict:
    """The float model: reused when present (trained by `qmlp train` with any options)."""
    from qmlp.nn import cache
    from qmlp.nn import model as mdl

    return mdl.load(cache.float_model(paths, progress=True)).meta


def _sweep(paths: Paths) -> dict:
    from qmlp.nn import model as mdl
    from qmlp.nn import sweep
    from qmlp.nn.data import dataset_of

    m = mdl.load(paths.model_npz)
    ds = dataset_of(m.meta)
    t0 = time.perf_counter()
    res = sweep.run(m, ds)
    secs = time.perf_counter() - t0
    sweep.write(res, paths.sweep_dir, ds.name)
    return {"rows": res.rows, "sweep_s": round(secs, 1)}


def _infer(paths: Paths, qpath: Path) -> dict:
    """The inference modes on the test set, with the sweep's wl=8 model."""
    from qmlp.nn import model as mdl
    from qmlp.nn import quant
    from qmlp.nn.data import dataset_of
    from qmlp.nn.infer import I8Config, test_accuracy

    m = mdl.load(paths.model_npz)
    ds = dataset_of(m.meta)
    q = quant.load(qpath)
    cases = [("f32", None, "float32 x float32 (all layers)"),
             ("f32i8", None, "float32 x int8 (weights wl=8)"),
             ("i8", I8Config(), "int8 x int8 layer 2 (Q(8,7) activations, ACC_W=32, rounding shift)"),
             ("i8", I8Config(fl_a=4, acc_w=16, shift=0), "int8 x int8 layer 2 as the lab (Q(8,4), int16, no shift)")]
    out = {}
    for i, (mode, cfg, label) in enumerate(cases):
        t0 = time.perf_counter()
        acc = test_accuracy(mode, ds.x_test, ds.y_test, m, q, cfg, chunk=1000)
        out[f"case{i}"] = {"mode": mode, "label": label, "accuracy": acc, "images": len(ds.y_test),
                           "seconds": round(time.perf_counter() - t0, 2)}
    return out


def _accel_sim() -> dict:
    r = run_checked("qmlp:accel:mlp", "sim_verilator")
    man = _manifest(r["work_root"])
    r["manifest"] = {k: man[k] for k in ("layers", "cycles_per_image", "macs_per_cycle", "golden", "formats",
                                         "shifts")}
    return r


def _accel_netlist(images: int) -> dict:
    """The default accelerator point's Yosys xc7 netlist (sim_synth) on the first `images` test images: its
    RESULT fields (netlist=yosys-xc7) and RESOURCES; a mismatch fails the step, as in the RTL simulation."""
    from qmlp.eda.netlist.common import SYNTH_DIR
    from qmlp.flow.dse.runs import NETLIST_TIMEOUT

    r = run_checked("qmlp:accel:mlp", "sim_synth", {"IMAGES": images}, timeout=NETLIST_TIMEOUT)
    rj = Path(r["work_root"]) / SYNTH_DIR / "resources.json"     # the netlist flow's own Yosys run
    if rj.is_file():
        r["resources"] = {k: v for k, v in json.loads(rj.read_text()).items() if k in ("lut", "ff", "dsp", "bram18")}
    r["command"] = f"fusesoc run --target sim_synth qmlp:accel:mlp --IMAGES={images}"
    return r


def _csim(kind: str) -> dict:
    exe = shutil.which("qmlp", path=str(Path(sys.executable).parent))
    p = run_tool([exe or "qmlp", "csim", "-q", kind], timeout=1200)
    what, fields = parse_summary(p.stdout)
    if p.returncode != 0 or what != "RESULT" or fields.get("pass") != "1":
        raise QmlpError(f"qmlp csim {kind} failed:\n{p.stdout[-1500:]}{p.stderr[-1500:]}")
    return fields


# ----------------------------------------------------------------------------- the report

def run(paths: Paths | None = None, jobs: int = 2, netlist_images: int = NETLIST_IMAGES) -> Path:
    paths = paths or Paths()
    out = paths.report_dir
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res = run_steps(steps(paths, netlist_images), Cache(out), jobs)
    wall = time.perf_counter() - t0
    results = {"steps": res, "compute_s": round(sum(v.get("seconds", 0) for v in res.values()), 1),
               "manifest": res["sim_accel"]["manifest"], "wall_s": round(wall, 1), "host": _host()}
    write_text(out / "results.json", json.dumps(results, indent=1, default=str) + "\n")
    shutil.copy2(paths.sweep_dir / "accuracy.png", out / "accuracy.png")
    charts(results, out)
    write_text(out / "report.md", markdown(results))
    return out


def _host() -> dict:
    def ver(cmd):
        try:
            return run_tool(cmd, timeout=20).stdout.strip().splitlines()[0]
        except (QmlpError, IndexError):
            return "not found"

    import numpy
    return {"python": platform.python_version(), "numpy": numpy.__version__, "machine": platform.machine(),
            "cpus": os.cpu_count(), "iverilog": ver(["iverilog", "-V"]),
            "verilator": ver(["verilator", "--version"]), "yosys": ver(["yosys", "-V"]),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def markdown(results: dict) -> str:
    return render(results)


def charts(r: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    def label(ax, title: str, ylabel: str, grid: str = "y", **legend) -> None:
        """The axis setup the charts share: y label, title, legend (its options), a light grid."""
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.legend(**legend)
        ax.grid(alpha=0.3, axis=grid)

    def save(fig, name: str) -> None:
        """Lay the figure out, write out/name and close it (pyplot keeps every open figure)."""
        fig.tight_layout()
        fig.savefig(out / name)
        plt.close(fig)

    s = r["steps"]
    # cycles per block: lab HLS vs qmlp
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    x = np.arange(len(IP_KINDS))
    ax.bar(x - 0.27, [ref.LAB_IP[k]["latency"] for k in IP_KINDS], 0.27, label="lab HLS", color="gray")
    ax.bar(x, [int(s[f"sim_{k}_L1"]["cycles"]) for k in IP_KINDS], 0.27, label="qmlp LANES=1")
    ax.bar(x + 0.27, [int(s[f"sim_{k}_L4"]["cycles"]) for k in IP_KINDS], 0.27, label="qmlp LANES=4")
    ax.set_xticks(x, [f"{k}" for k in IP_KINDS])
    ax.set_yscale("log")
    label(ax, "Matmul IP latency", "cycles per 64x128x64 block", fontsize=8)
    save(fig, "cycles.png")

    # resources: qmlp IPs and accelerator vs lab HLS
    keys = ("lut", "ff", "dsp", "bram18")
    names = [f"{k}" for k in IP_KINDS] + ["accel"]
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.6), dpi=120)
    for ax, key in zip(axes, keys):
        q = [int(s[f"synth_{k}"][key]) for k in IP_KINDS] + [int(s["synth_accel"][key])]
        lab = [ref.LAB_IP[k][key] or 0 for k in IP_KINDS] + [0]
        xx = np.arange(len(names))
        ax.bar(xx - 0.2, lab, 0.4, label="lab HLS", color="gray")
        ax.bar(xx + 0.2, q, 0.4, label="qmlp (Yosys)")
        ax.axhline(ref.XC7Z020[key], color="r", lw=0.8, ls="--", label="xc7z020")
        ax.set_xticks(xx, names)
        ax.set_title(key.upper())
        ax.set_yscale("symlog")
    axes[0].legend(fontsize=7)
    fig.suptitle("Resources (qmlp: Yosys synth_xilinx estimates)")
    save(fig, "resources.png")

    # inference time
    n = s["infer"]["case0"]["images"]
    blocks = -(-n // 64)
    fig, ax = plt.subplots(figsize=(7, 4.8), dpi=120)
    x = np.arange(len(IP_KINDS))
    ax.bar(x - 0.27, [ref.LAB_IP[k]["board_s"] for k in IP_KINDS], 0.27, label="lab board run (Python+PYNQ)", color="gray")
    ax.bar(x, [s["infer"][c]["seconds"] for c in ("case2", "case1", "case0")], 0.27, label="qmlp numpy golden")
    ax.bar(x + 0.27, [est_seconds(int(s[f"sim_{k}_L1"]["cycles"]), blocks) for k in IP_KINDS], 0.27,
           label="qmlp layer-2 IP at 100 MHz (est.)")
    ax.axhline(est_seconds(int(s["sim_accel"]["cycles_per_image"]), n), color="g", ls="--",
               label="qmlp whole-network accelerator at 100 MHz (est.)")
    ax.set_xticks(x, IP_KINDS)
    ax.set_yscale("log")
    label(ax, "Inference time", f"seconds for {n:,} images", fontsize=7, loc="upper center",
          bbox_to_anchor=(0.5, -0.1), ncol=2)
    save(fig, "inference_time.png")

    # accuracy against bits: float, post-training (the sweep, one fl), QAT and hardware points
    rows = s["sweep"]["rows"]
    fl = next(x for x in rows if x["mode"] == "float")["test_accuracy"]
    g = sorted((x["wl"], x["test_accuracy"]) for x in rows if x["mode"] == "global")
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
    ax.axhline(fl, color="k", ls="--", lw=1, label=f"float32 ({fl:.2f} %)")
    ax.plot([w for w, _ in g], [a for _, a in g], "o-", color="gray", label="post-training, weights only (sweep)")
    lab_bits = {n: w for n, w, _ in dse.LAB_POINTS}
    for name in [k[len("qat_"):] for k in s if k.startswith("qat_")]:
        q, hw = s.get(f"qat_{name}"), s.get(f"sim_accel_{name}")
        wb = (q or {}).get("wbits") or lab_bits.get(name)
        if not q or not hw or not wb:
            continue
        x = sum(wb) / len(wb)
        ax.plot(x, q["test_accuracy"], "s", color="tab:blue", ms=8, label="QAT (PyTorch + Brevitas)" if name == "w8a8" else None)
        ax.plot(x, float(hw["accuracy"]), "x", color="tab:red", ms=10, mew=2,
                label="hardware (Verilator, 10,000 images)" if name == "w8a8" else None)
        ax.annotate(name, (x, q["test_accuracy"]), textcoords="offset points", xytext=(6, -12), fontsize=7)
    ax.set_xlabel("weight bits (mean over layers)")
    ax.set_ylim(max(0, fl - 12), min(100, fl + 3))
    label(ax, "Accuracy against bits", "test accuracy %", grid="both", fontsize=7, loc="lower right")
    save(fig, "bits.png")


def summary(out: Path) -> str:
    r = json.loads((out / "results.json").read_text())
    s = r["steps"]
    fr = next(x for x in s["sweep"]["rows"] if x["mode"] == "float")
    acc, net = s["sim_accel"], s.get("netlist_accel")
    nl = f", its xc7 netlist {net['mismatches']} mismatches on {int(net['images']):,}" if net else ""
    return (f"float {fr['test_accuracy']:.2f} %, int8 hardware {acc['accuracy']} % on {int(acc['images']):,} "
            f"images{nl}; "
            f"matmul i8 {int(s['sim_i8_L1']['cycles']):,} cycles (lab HLS {ref.LAB_IP['i8']['latency']:,}); "
            f"accelerator {acc['cycles_per_image']} cycles/image, {s['synth_accel']['dsp']} DSP, "
            f"{s['synth_accel']['lut']} LUT; this run {r['wall_s']:.0f} s (steps {r['compute_s']:.0f} s, "
            f"reused when up to date)")
