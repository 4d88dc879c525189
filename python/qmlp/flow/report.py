"""`qmlp report`: the lab's comparison, measured end to end, in one folder.

Trains (or reuses) the model, sweeps wl/fl, runs the three inference modes, makes the ROMs,
simulates the three matmul IPs, the XLS-generated IP and the accelerator, runs the Yosys
estimates, and writes report.md, results.json and PNG charts next to the lab's figures.
Every step caches its result under a key made of its inputs (source files, parameters,
upstream results): a second run redoes only what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qmlp import reference as ref
from qmlp.config import Paths
from qmlp.errors import QmlpError
from qmlp.hashing import file_sha256, sources_sha256
from qmlp.eda.runner import run_checked, run_tool
from qmlp.lines import parse as parse_summary

IP_KINDS = ("i8", "f32i8", "f32")


def _log(msg: str) -> None:
    print(f"qmlp report: {msg}", file=sys.stderr, flush=True)


def _hash(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _code(*modules: str) -> str:
    return sources_sha256([f"python/qmlp/{m}.py" for m in modules])


@dataclass
class Step:
    name: str
    key: str
    run: Callable[[], dict]
    heavy: bool = False   # a subprocess (simulation, synthesis): may run beside another
    outputs: tuple = ()   # files the step writes: a cached result counts only while they exist


class Cache:
    """One JSON file per step: {"key": ..., "result": ...}; a missing or unreadable file is a miss."""

    def __init__(self, folder: Path):
        self.folder = folder / "cache"
        self.folder.mkdir(parents=True, exist_ok=True)

    def get(self, step: Step):
        if not all(Path(f).is_file() for f in step.outputs):
            return None
        try:
            d = json.loads((self.folder / f"{step.name}.json").read_text())
            return d["result"] if d.get("key") == step.key else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, step: Step, result: dict) -> None:
        tmp = self.folder / f".{step.name}.json.tmp"          # written whole, then renamed:
        tmp.write_text(json.dumps({"key": step.key, "result": result}, indent=1))
        os.replace(tmp, self.folder / f"{step.name}.json")    # an interrupted run leaves no half file


def _run_steps(steps: list[Step], cache: Cache, jobs: int = 2) -> dict[str, dict]:
    """Run the steps not cached, heavy ones `jobs` at a time; progress on stderr."""
    out, todo = {}, []
    for s in steps:
        hit = cache.get(s)
        if hit is not None:
            out[s.name] = hit
            _log(f"{s.name}: up to date")
        else:
            todo.append(s)
    total = len(todo)
    done = [0]

    def go(s: Step):
        t0 = time.perf_counter()
        _log(f"{s.name}: running")
        r = s.run()
        r["seconds"] = round(time.perf_counter() - t0, 1)
        cache.put(s, r)
        done[0] += 1
        _log(f"{s.name}: done in {r['seconds']:.1f} s ({done[0]}/{total})")
        return s.name, r

    light = [s for s in todo if not s.heavy]
    heavy = [s for s in todo if s.heavy]
    for s in light:
        name, r = go(s)
        out[name] = r
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        for name, r in ex.map(go, heavy):
            out[name] = r
    return out


# ----------------------------------------------------------------------------- steps

def model_step(paths: Paths) -> Step:
    """The float model: reused when present (trained by `qmlp train` with any options)."""
    from qmlp.nn import model as mdl
    from qmlp.nn.train import train_default

    def do_model():
        if not paths.model_npz.is_file():
            train_default(paths)
        return mdl.load(paths.model_npz).meta

    return Step("model", _hash(_code("train", "model", "data"), file_sha256(paths.model_npz)), do_model)


def sweep_step(paths: Paths) -> Step:
    from qmlp.nn import model as mdl
    from qmlp.nn import sweep
    from qmlp.nn.data import dataset_of

    def do_sweep():
        m = mdl.load(paths.model_npz)
        ds = dataset_of(m.meta)
        t0 = time.perf_counter()
        res = sweep.run(m, ds)
        secs = time.perf_counter() - t0
        sweep.write(res, paths.sweep_dir, ds.name)
        return {"rows": res.rows, "sweep_s": round(secs, 1)}

    outputs = (paths.sweep_dir / "sweep.json", paths.sweep_dir / "accuracy.png",
               sweep.model_path(paths.sweep_dir, 8, "per_layer"))
    key = _hash(file_sha256(paths.model_npz), _code("sweep", "quant", "fixedpoint", "forward", "plots"))
    return Step("sweep", key, do_sweep, outputs=outputs)


def infer_step(paths: Paths) -> Step:
    """The inference modes on the test set: built after the sweep, whose wl=8 model they use."""
    from qmlp.nn import model as mdl
    from qmlp.nn import quant, sweep
    from qmlp.nn.data import dataset_of
    from qmlp.nn.infer import I8Config, test_accuracy

    qpath = sweep.model_path(paths.sweep_dir, 8, "per_layer")

    def do_infer():
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

    key = _hash(file_sha256(paths.model_npz), file_sha256(qpath),
                _code("infer", "golden", "quant", "fixedpoint", "forward"))
    return Step("infer", key, do_infer)


def hardware_steps(paths: Paths, model_key: str) -> list[Step]:
    ip_src = sources_sha256(["cores/ip/**/*.v", "cores/ip/**/*.vh", "cores/ip/**/*.core", "cores/tb/**/*",
                             "python/qmlp/vectors.py", "python/qmlp/golden.py", "python/qmlp/hooks.py"])
    syn_src = sources_sha256(["flows/yosys/*", "python/qmlp/synth.py"])
    acc_src = sources_sha256(["cores/accel/**/*"])
    hls_src = sources_sha256(["cores/hls/**/*", "python/qmlp/hls*.py", "python/qmlp/csim.py"])
    man_key = model_key
    work = paths.build / "report-work"      # one build root per run: runs of a core go side by side

    def fs(core, target, params=None, what="RESULT", root=None):
        return lambda: run_checked(core, target, params, what, root)

    steps = []
    for kind in IP_KINDS:
        core = f"qmlp:ip:matmul_{kind}"
        for lanes in (1, 4):
            steps.append(Step(f"sim_{kind}_L{lanes}", _hash(ip_src, lanes),
                              fs(core, "sim_verilator", {"LANES": lanes}, root=work / f"L{lanes}"), heavy=True))
        steps.append(Step(f"synth_{kind}", _hash(ip_src, syn_src), fs(core, "synth", what="RESOURCES"), heavy=True))
        steps.append(Step(f"csim_{kind}", _hash(hls_src, ip_src), lambda k=kind: _csim(k), heavy=True))
    # the XLS core generates its RTL in each run: its two runs get their own build roots
    steps.append(Step("sim_hls_i8", _hash(hls_src, ip_src),
                      fs("qmlp:hls:matmul_i8", "sim_verilator", root=work / "hls_sim"), heavy=True))
    steps.append(Step("synth_hls_i8", _hash(hls_src, syn_src),
                      fs("qmlp:hls:matmul_i8", "synth", what="RESOURCES", root=work / "hls_synth"), heavy=True))
    def do_accel():
        r = run_checked("qmlp:accel:mlp", "sim_verilator")
        man = json.loads((Path(r["work_root"]) / "qmlp_roms" / "manifest.json").read_text())
        r["manifest"] = {k: man[k] for k in ("layers", "cycles_per_image", "macs_per_cycle", "golden", "formats",
                                             "shifts")}
        return r

    steps.append(Step("sim_accel", _hash(acc_src, man_key), do_accel, heavy=True))
    steps.append(Step("synth_accel", _hash(acc_src, man_key, syn_src),
                      fs("qmlp:accel:mlp", "synth", what="RESOURCES"), heavy=True))
    return steps


def _csim(kind: str) -> dict:
    exe = shutil.which("qmlp", path=str(Path(sys.executable).parent))
    p = run_tool([exe or "qmlp", "csim", "-q", kind], timeout=1200)
    what, fields = parse_summary(p.stdout)
    if p.returncode != 0 or what != "RESULT" or fields.get("pass") != "1":
        raise QmlpError(f"qmlp csim {kind} failed:\n{p.stdout[-1500:]}{p.stderr[-1500:]}")
    return fields


# ----------------------------------------------------------------------------- the report

def run(paths: Paths | None = None, jobs: int = 2) -> Path:
    from qmlp.hw import roms
    from qmlp.nn import cache

    paths = paths or Paths()
    out = paths.report_dir
    out.mkdir(parents=True, exist_ok=True)
    cache = Cache(out)
    t0 = time.perf_counter()
    # each stage's steps are made after the previous stage ran: their keys hash its outputs
    res = _run_steps([model_step(paths)], cache)
    res.update(_run_steps([sweep_step(paths)], cache))
    res.update(_run_steps([infer_step(paths)], cache))
    # the accelerator's runs write their own ROMs from the wl=8 model the sweep chose
    _, qpath = cache.wl8_model(paths, paths.model_npz)
    model_key = _hash(file_sha256(paths.model_npz), file_sha256(qpath), roms.code_hash())
    res.update(_run_steps(hardware_steps(paths, model_key), cache, jobs))
    man = res["sim_accel"]["manifest"]
    wall = time.perf_counter() - t0
    results = {"steps": res, "compute_s": round(sum(v.get("seconds", 0) for v in res.values()), 1),
               "manifest": man,
               "wall_s": round(wall, 1), "host": _host()}
    (out / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    shutil.copy2(paths.sweep_dir / "accuracy.png", out / "accuracy.png")
    charts(results, out)
    (out / "report.md").write_text(markdown(results))
    return out


def _host() -> dict:
    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=20).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "not found"

    import numpy
    return {"python": platform.python_version(), "numpy": numpy.__version__, "machine": platform.machine(),
            "cpus": os.cpu_count(), "iverilog": ver(["iverilog", "-V"]),
            "verilator": ver(["verilator", "--version"]), "yosys": ver(["yosys", "-V"]),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def _ests(cycles: int, blocks: int, mhz: float = 100.0) -> float:
    return cycles * blocks / (mhz * 1e6)


def markdown(r: dict) -> str:
    s = r["steps"]
    model, rows, infer = s["model"], s["sweep"]["rows"], s["infer"]
    data = Path(str(model.get("data", "?"))).name
    fr = next(x for x in rows if x["mode"] == "float")
    g = {x["wl"]: x for x in rows if x["mode"] == "global"}
    p = {x["wl"]: x for x in rows if x["mode"] == "per_layer"}
    L = []
    a = L.append
    a("# qmlp report: the lab's comparison, measured\n")
    a(f"Data set: **{data}** (`{model.get('data')}`), {infer['case0']['images']} test images. "
      f"The lab's figures (SPEC 6) were measured on **MNIST** and on a PYNQ-Z2 board; they are shown beside "
      f"qmlp's for orientation, not as a like-for-like match. Every qmlp figure below was measured by qmlp on "
      f"this machine ({r['host']['cpus']} CPUs; report written {r['host']['date']}); a step's result is reused only "
      f"while its inputs are unchanged. Steps took {r['compute_s']:.0f} s in all; this run {r['wall_s']:.0f} s.\n")
    acc = s["sim_accel"]
    man = r["manifest"]
    a("## Headline\n")
    a("| | qmlp (this run) | lab report |")
    a("|---|---:|---:|")
    a(f"| float32 test accuracy | {fr['test_accuracy']:.2f} % | {ref.LAB_FLOAT_ACCURACY:.2f} % (MNIST) |")
    a(f"| wl=8 weights, test accuracy (one fl / fl per layer) | {g[8]['test_accuracy']:.2f} / "
      f"{p[8]['test_accuracy']:.2f} % | {ref.LAB_WL_ACCURACY[8]:.2f} % |")
    a(f"| int8 x int8 matmul, 64x128x64 block | {int(s['sim_i8_L1']['cycles']):,} cycles (LANES=1), "
      f"{int(s['sim_i8_L4']['cycles']):,} (LANES=4) | {ref.LAB_IP['i8']['latency']:,} cycles (HLS) |")
    a(f"| float32 x float32 matmul, same block | {int(s['sim_f32_L1']['cycles']):,} cycles | "
      f"{ref.LAB_IP['f32']['latency']:,} cycles (HLS) |")
    a(f"| whole network in hardware (int8) | {acc['accuracy']} % on {int(acc['images']):,} images, "
      f"{acc['cycles_per_image']} cycles/image | layer 2 only |")
    a("")

    a("## Accuracy per word length (lab Part I)\n")
    a(f"Weights quantized to Q(wl, fl), fl chosen on the validation split ({model.get('val_size')} training images "
      "held out), test accuracy reported once. The lab chose fl on the test set, and its search had two bugs "
      "(best accuracy not reset per wl; evaluation inside the per-parameter loop).\n")
    a("| wl | one fl for all layers | test % | fl per layer | test % | lab (MNIST) % |")
    a("|---:|---:|---:|---|---:|---:|")
    for wl in sorted(g):
        a(f"| {wl} | {g[wl]['fl']} | {g[wl]['test_accuracy']:.2f} | {','.join(map(str, p[wl]['fl']))} | "
          f"{p[wl]['test_accuracy']:.2f} | {ref.LAB_WL_ACCURACY.get(wl, float('nan')):.2f} |")
    a(f"\nfloat32: {fr['test_accuracy']:.2f} % (lab: {ref.LAB_FLOAT_ACCURACY:.2f} % on MNIST). "
      f"Sweep time: {s['sweep'].get('sweep_s', '?')} s; training time: {model.get('train_seconds', '?')} s "
      f"({model.get('epochs')} epochs). ![accuracy](accuracy.png)\n")

    a("## Inference modes (lab Part III), bit-exact golden models in numpy\n")
    a("| mode | test accuracy | numpy time for the test set |")
    a("|---|---:|---:|")
    for k in sorted(k for k in infer if k.startswith("case")):
        c = infer[k]
        a(f"| {c['label']} | {c['accuracy']:.2f} % | {c['seconds']:.2f} s |")
    a(f"| whole network, int8 golden model (intnet) | {man['golden']['test_accuracy']:.2f} % | - |")
    a(f"| whole network, int8 **hardware** (qmlp:accel:mlp, Verilator) | {acc['accuracy']} % | - |")
    a(f"\nLab: weights and layer-1 activations at wl=8, fl=4: {ref.LAB_W_AND_ACT_ACCURACY:.2f} % (MNIST).\n")

    a("## Matmul IPs (64x128 . 128x64 block)\n")
    a("Cycles are ap_start to ap_done in simulation (Verilator, bit-exact against the golden model on every "
      "vector); resources are Yosys `synth_xilinx` estimates for xc7 (the arrays are ap_memory ports outside "
      "the IP, so no BRAM is counted; the lab's HLS figures include its memories). No open xc7 timing tool "
      "exists here, so there is no clock estimate.\n")
    a("| IP | cycles LANES=1 | cycles LANES=4 | lab HLS latency | LUT | FF | DSP | BRAM18 | lab LUT/FF/DSP/BRAM18 | C sim |")
    a("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for k in IP_KINDS:
        lab = ref.LAB_IP[k]
        syn = s[f"synth_{k}"]
        labr = f"{lab['lut']:,} / {lab['ff']:,} / {lab['dsp'] if lab['dsp'] is not None else '-'} / {lab['bram18']}"
        cs = s[f"csim_{k}"]
        a(f"| {k} (handwritten) | {int(s[f'sim_{k}_L1']['cycles']):,} | {int(s[f'sim_{k}_L4']['cycles']):,} | "
          f"{lab['latency']:,} | {int(syn['lut']):,} | {int(syn['ff']):,} | {syn['dsp']} | {syn['bram18']} | "
          f"{labr}{' (approx.)' if lab.get('approx') else ''} | pass={cs['pass']} vectors={cs['vectors']} |")
    hs, hsy = s["sim_hls_i8"], s["synth_hls_i8"]
    a(f"| i8 (HLS: Google XLS) | {int(hs['cycles']):,} | - | {ref.LAB_IP['i8']['latency']:,} | {int(hsy['lut']):,} | "
      f"{int(hsy['ff']):,} | {hsy['dsp']} | {hsy['bram18']} | - | - |")
    a("\n![cycles](cycles.png) ![resources](resources.png)\n")

    a("## Inference time for the test set\n")
    n = infer["case0"]["images"]
    blocks = -(-n // 64)
    a(f"The lab timed {n:,} images on the board (Python + PYNQ, layer 2 on the FPGA). qmlp has no board here: "
      f"the FPGA times below are **estimates** at 100 MHz from the simulated cycle counts "
      f"({blocks} layer-2 blocks of 64 images; the accelerator at its initiation interval), not measurements, "
      "and exclude data transfers.\n")
    a("| mode | lab board run | qmlp: layer-2 IP at 100 MHz (est.) | qmlp: numpy golden model |")
    a("|---|---:|---:|---:|")
    for k, case in (("f32", "case0"), ("f32i8", "case1"), ("i8", "case2")):
        est = _ests(int(s[f"sim_{k}_L1"]["cycles"]), blocks)
        a(f"| {k} | {ref.LAB_IP[k]['board_s']:.2f} s | {est:.3f} s (LANES=1), "
          f"{_ests(int(s[f'sim_{k}_L4']['cycles']), blocks):.3f} s (LANES=4) | {infer[case]['seconds']:.2f} s |")
    a(f"| whole network (qmlp:accel:mlp) | - | {_ests(int(acc['cycles_per_image']), n):.4f} s for all three layers "
      "(est.) | - |")
    a("\n![inference time](inference_time.png)\n")

    a("## Full-network accelerator (qmlp:accel:mlp)\n")
    sa = s["synth_accel"]
    lay = man["layers"]
    a("Parallelism PE (neurons) x SIMD (inputs) per layer: " +
      ", ".join(f"layer {i + 1}: {l['pe']} x {l['simd']} = {l['pe'] * l['simd']} MACs, {l['rom_depth']} cycles"
                for i, l in enumerate(lay)) + f". One image every {man['cycles_per_image']} cycles "
      f"(bound at one MAC per DSP: {ref.MLP_MACS:,} MACs / 220 DSP = 496).\n")
    a("| | value | xc7z020 |")
    a("|---|---:|---:|")
    a(f"| cycles per image (steady state, simulated) | {acc['cycles_per_image']} | |")
    a(f"| latency, first input beat to class out | {acc.get('latency', '?')} cycles | |")
    a(f"| images / s at 100 MHz (est.) | {1e8 / int(acc['cycles_per_image']):,.0f} | |")
    for key, lim in (("lut", ref.XC7Z020["lut"]), ("ff", ref.XC7Z020["ff"]), ("dsp", ref.XC7Z020["dsp"]),
                     ("bram18", ref.XC7Z020["bram18"])):
        a(f"| {key.upper()} (Yosys estimate) | {int(sa[key]):,} | {lim:,} |")
    a(f"| accuracy: float / int8 golden / hardware | {fr['test_accuracy']:.2f} / "
      f"{man['golden']['test_accuracy']:.2f} / {acc['accuracy']} % | |")
    a(f"| Verilator wall time, {int(acc['images']):,} images | {acc['wall_s']} s | |")
    a("")
    a("## Run\n")
    a("| step | seconds |")
    a("|---|---:|")
    for k, v in s.items():
        if "seconds" in v:
            a(f"| {k} | {v['seconds']} |")
    a(f"\nTools: {r['host']['iverilog']}; {r['host']['verilator']}; {r['host']['yosys']}; Python "
      f"{r['host']['python']}, numpy {r['host']['numpy']}.\n")
    return "\n".join(L) + "\n"


def charts(r: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    s = r["steps"]
    # cycles per block: lab HLS vs qmlp
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    x = np.arange(len(IP_KINDS))
    ax.bar(x - 0.27, [ref.LAB_IP[k]["latency"] for k in IP_KINDS], 0.27, label="lab HLS", color="gray")
    ax.bar(x, [int(s[f"sim_{k}_L1"]["cycles"]) for k in IP_KINDS], 0.27, label="qmlp LANES=1")
    ax.bar(x + 0.27, [int(s[f"sim_{k}_L4"]["cycles"]) for k in IP_KINDS], 0.27, label="qmlp LANES=4")
    ax.set_xticks(x, [f"{k}" for k in IP_KINDS])
    ax.set_yscale("log")
    ax.set_ylabel("cycles per 64x128x64 block")
    ax.set_title("Matmul IP latency")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(out / "cycles.png")
    plt.close(fig)

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
    fig.tight_layout()
    fig.savefig(out / "resources.png")
    plt.close(fig)

    # inference time
    n = s["infer"]["case0"]["images"]
    blocks = -(-n // 64)
    fig, ax = plt.subplots(figsize=(7, 4.8), dpi=120)
    x = np.arange(len(IP_KINDS))
    ax.bar(x - 0.27, [ref.LAB_IP[k]["board_s"] for k in IP_KINDS], 0.27, label="lab board run (Python+PYNQ)", color="gray")
    ax.bar(x, [s["infer"][c]["seconds"] for c in ("case2", "case1", "case0")], 0.27, label="qmlp numpy golden")
    ax.bar(x + 0.27, [_ests(int(s[f"sim_{k}_L1"]["cycles"]), blocks) for k in IP_KINDS], 0.27,
           label="qmlp layer-2 IP at 100 MHz (est.)")
    ax.axhline(_ests(int(s["sim_accel"]["cycles_per_image"]), n), color="g", ls="--",
               label="qmlp whole-network accelerator at 100 MHz (est.)")
    ax.set_xticks(x, IP_KINDS)
    ax.set_yscale("log")
    ax.set_ylabel(f"seconds for {n:,} images")
    ax.set_title("Inference time")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(out / "inference_time.png")
    plt.close(fig)


def summary(out: Path) -> str:
    r = json.loads((out / "results.json").read_text())
    s = r["steps"]
    fr = next(x for x in s["sweep"]["rows"] if x["mode"] == "float")
    acc = s["sim_accel"]
    return (f"float {fr['test_accuracy']:.2f} %, int8 hardware {acc['accuracy']} % on {int(acc['images']):,} images; "
            f"matmul i8 {int(s['sim_i8_L1']['cycles']):,} cycles (lab HLS {ref.LAB_IP['i8']['latency']:,}); "
            f"accelerator {acc['cycles_per_image']} cycles/image, {s['synth_accel']['dsp']} DSP, "
            f"{s['synth_accel']['lut']} LUT; this run {r['wall_s']:.0f} s (steps {r['compute_s']:.0f} s, "
            f"reused when up to date)")
