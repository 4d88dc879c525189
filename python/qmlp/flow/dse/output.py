"""The search's output: bench.json, pareto.png, the BENCH line and report.md's table rows;
`run` is `qmlp bench` (the search, then its output)."""

from __future__ import annotations

import json
from pathlib import Path

from qmlp import lines
from qmlp.config import Paths
from qmlp.files import write_text
from qmlp.flow.dse.model import LUT_SHARE, commas, mac_styles
from qmlp.flow.dse.runs import CORE, analytic_evaluate, stderr_log
from qmlp.errors import QmlpError
from qmlp.flow.dse.point import netlist_fields, pareto, sim_fields
from qmlp.flow.dse.search import Options, Search, netlist_failures, search
from qmlp.flow.dse.space import BIT_NAMES

def to_json(res: Search, opts: Options) -> dict:
    par = {id(p) for p in pareto(res.points)}
    rows = []
    for p in res.points:
        r = p.row()
        r["pareto"] = id(p) in par
        rows.append(r)
    winners = {}
    for b, p in res.winners.items():
        if p is None:
            winners[b] = None
            continue
        winners[b] = _design(p, opts)
    fps = None
    if opts.fps:
        fps = {"target_fps": opts.fps, "clock_mhz": opts.clock_mhz, "max_cycles": opts.max_cycles,
               "designs": {b: (_design(p, opts) if p is not None else None) for b, p in res.fps.items()}}
    return {"winners": winners, "fps": fps, "device": opts.device.name, "part": opts.device.part,
            "units": opts.device.units, "points": rows, "fit_rule": opts.device.fit, "lut_share": LUT_SHARE,
            "styles": list(opts.styles or mac_styles()), "plausible": res.plans, "budget": opts.budget,
            "syntheses_run": sum(1 for p in res.points if p.synth and not p.synth.get("cached")
                                 and not p.synth.get("estimate_only")),
            "dry_run": any(p.synth and p.synth.get("estimate_only") for p in res.points),
            "syntheses_planned": sum(1 for p in res.points if p.synth or p.error),
            "simulations_run": sum(1 for p in res.points if p.sim and not p.sim.get("cached")
                                   and not p.sim.get("estimate_only")),
            "netlist_images": opts.netlist_images,
            "runs": res.calls, "cached_runs": res.hits, "wall_s": res.wall_s, "jobs": opts.jobs,
            "scheduler": opts.scheduler, "network": opts.spec.describe(), "model": opts.model,
            "source": opts.source}


def _design(p, opts: Options) -> dict:
    """A winner's (or the smallest design meeting --fps) entry of bench.json."""
    return {"cycles_per_image": p.cycles_per_image, "predicted_cycles_per_image": p.cand.cycles_per_image,
            "measured": p.measured_cycles is not None, "layer_cycles": list(p.cand.layer_cycles),
            "params": p.params(), "resources": p.resources, "sim": sim_fields(p.sim),
            "netlist": netlist_fields(p.netlist),
            "netlist_command": p.command("sim_synth") + (f" --IMAGES={opts.netlist_images}" if opts.netlist_images
                                                         else ""),
            "fmax_mhz": p.fmax_mhz, "images_per_s": p.images_per_s(opts.clock_mhz if opts.fps else None),
            "command": p.command(), "sim_command": p.command("sim_verilator"), "reproduce": reproduce(p, opts)}


def reproduce(p, opts: Options) -> dict:
    """The `fusesoc run` lines that rebuild a design on every target: the whole test set in Verilator,
    Yosys for the xc7z020, place and route on the ECP5 (or why it cannot fit there), the PYNQ-Z2 overlay."""
    from qmlp.flow.dse.device import ECP5

    prm = " ".join(f"--{k}={v}" for k, v in p.params().items())
    n = ECP5.estimate(p.cand)               # its exact MULT18X18D and DP16KD counts
    over = [f"{n[k]:,} {ECP5.units[k]} of {ECP5.fit[k]:,}" for k in ("dsp", "bram18") if n[k] > ECP5.fit[k]]
    mhz = int(opts.clock_mhz) if opts.device.target == "pnr_ecp5" or opts.fps else 100
    return {"sim_verilator": f"fusesoc run --target sim_verilator {CORE} {prm} --IMAGES=10000",
            "synth": f"fusesoc run --target synth {CORE} {prm}",
            "pnr_ecp5": (f"fusesoc run --target pnr_ecp5 {CORE} {prm} --TARGET_MHZ={mhz}" if not over else
                         f"does not fit the {ECP5.part} ({', '.join(over)}): qmlp bench --device lfe5u-85f "
                         "finds the fastest that does"),
            "pynq_z2": f"fusesoc run --target pynq_z2 qmlp:axi:mlp {prm}  (Vivado on PATH; not available here)"}


def fps_line(data: dict, json_path: Path) -> str | None:
    """The FPS line of `qmlp bench --fps N`: per bit width the smallest design meeting it."""
    f = data.get("fps")
    if not f:
        return None
    return lines.fps(f["target_fps"], f["clock_mhz"], f["max_cycles"], data["device"],
                     {b: d and {"cycles_per_image": d["cycles_per_image"], **d["resources"]}
                      for b, d in f["designs"].items()}, json_path)


def bench_line(data: dict, json_path: Path) -> str:
    """SPEC 3's BENCH line (qmlp.lines.bench): `na` for a bit width without a fitting design."""
    w = data["winners"]
    return lines.bench({b: (w[b]["cycles_per_image"] if w.get(b) else None) for b in w}, json_path)


def write(res: Search, opts: Options, out_dir: Path) -> tuple[dict, Path]:
    data = to_json(res, opts)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "bench.json"
    write_text(path, json.dumps(data, indent=1, default=str) + "\n")
    chart(data, out_dir / "pareto.png")
    write_text(out_dir / "bench.md", markdown(data))
    return data, path


def netlist_cell(n: dict | None, dry: bool) -> str:
    """bench.md's netlist column: what the xc7 netlist run checked, or why there is none."""
    if not n:
        return "not run (--netlist 0)"
    if dry or n.get("estimate_only"):
        return "not simulated (dry run)"
    if n.get("pass") != "1" and not n.get("images"):
        return f"**failed**: {n.get('error', '?')}".replace("|", "/")
    s = f"{n.get('mismatches')} mismatches / {int(n.get('images', 0)):,} images"
    s += (", pass" if n.get("pass") == "1" else ", **FAIL**") + (f", {n['wall_s']:.0f} s" if n.get("wall_s") else "")
    return s + (" (cached)" if n.get("cached") else "")


def _design_row(b: str, w: dict, dry: bool) -> list:
    r, p, sim = w["resources"], w["params"], w.get("sim") or {}
    mac = p.get("MAC", "dsp") + (f" LUTPE={p['LUTPE']}" if p.get("LUTPE") else "")
    ver = ("not simulated (dry run)" if dry else
           f"{sim.get('mismatches')} mismatches / {int(sim.get('images', 0)):,} images, {sim.get('accuracy')} %"
           if sim.get("images") else "not simulated")
    return [b, w["cycles_per_image"], "/".join(map(str, w["layer_cycles"])), p["PE"], p["SIMD"], mac,
            f"{int(r['lut']):,}", f"{int(r['ff']):,}", r["dsp"], r["bram18"], ver, netlist_cell(w.get("netlist"), dry)]


def markdown(data: dict) -> str:
    """bench.md: the search's page - the model (and its import check), the winners, the smallest
    designs meeting --fps, the `fusesoc run` lines that rebuild each, every point, the chart."""
    from qmlp.flow.markdown import render

    wins = [(b, w) for b, w in data["winners"].items()]
    dry = bool(data.get("dry_run"))
    f = data.get("fps")
    src = data.get("source")
    if src:
        src = {**src, "rows": [[d["image"], d["qonnx"], d["qmlp"], f"{d['max_logit_steps']:.2f}"]
                               for d in src.get("disagreements", [])[:50]]}
    fit = ", ".join(f"{k.upper()} <= {v:,}" for k, v in data["fit_rule"].items())
    runs = (f"{data['syntheses_run']} measured, {data['cached_runs']} from the cache, {data['wall_s']:.0f} s"
            + (" (dry run: the analytic model answered; nothing was measured)" if data.get("dry_run") else "") + ".")
    v = {"network": data.get("network") or "the network", "model": data.get("model") or "the build folder's",
         "source": src, "device": data["device"], "part": data.get("part", ""), "fit": fit, "runs": runs,
         "win_rows": [_design_row(b, w, dry) if w else [b, "none fits"] + ["-"] * 10 for b, w in wins],
         "fps": f and {"target": f"{f['target_fps']:,.0f}", "clock": f"{f['clock_mhz']:g}",
                       "max_cycles": f["max_cycles"],
                       "rows": [_design_row(b, d, dry) if d else [b, "none meets it"] + ["-"] * 10
                                for b, d in f["designs"].items()]},
         "reproduce": [(b, _rebuild(w)) for b, w in wins if w]
         + [(f"{b} (smallest meeting --fps)", _rebuild(d))
            for b, d in ((f or {}).get("designs") or {}).items() if d],
         "headers": TABLE_HEADERS, "point_rows": table_rows(data)}
    return render("bench.md.j2", v=v)


def _rebuild(w: dict) -> list:
    """bench.md's lines that rebuild a design: its reproduce lines, then its xc7 netlist run."""
    return list(w["reproduce"].items()) + ([("sim_synth", w["netlist_command"])] if w.get("netlist_command") else [])


def chart(data: dict, png: Path) -> None:
    """Cycles per image against LUT and against DSP, one colour per bit width: synthesized points
    (crosses: does not fit), each panel's Pareto front as a line, winners starred, limits dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    colours = dict(zip(BIT_NAMES, ("tab:blue", "tab:orange", "tab:green")))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), dpi=120, sharey=True)
    for ax, key in zip(axes, ("lut", "dsp")):
        for b, col in colours.items():
            pts = [r for r in data["points"] if r["bits"] == b and r["resources"]]
            if not pts:
                continue
            ok = [r for r in pts if r["fits"]]
            bad = [r for r in pts if not r["fits"]]
            ax.scatter([r["resources"][key] for r in ok], [r["cycles_per_image"] for r in ok], s=24, color=col)
            ax.scatter([r["resources"][key] for r in bad], [r["cycles_per_image"] for r in bad], s=30, color=col,
                       marker="x")
            front, best = [], None
            for r in sorted(pts, key=lambda r: (r["resources"][key], r["cycles_per_image"])):
                if best is None or r["cycles_per_image"] < best:
                    front.append(r)
                    best = r["cycles_per_image"]
            ax.step([r["resources"][key] for r in front], [r["cycles_per_image"] for r in front], where="post",
                    color=col, lw=1.2, label=b)
            w = data["winners"].get(b)
            if w:
                ax.plot(w["resources"][key], w["cycles_per_image"], "*", ms=15, color=col, mec="k")
            f = ((data.get("fps") or {}).get("designs") or {}).get(b)
            if f:
                ax.plot(f["resources"][key], f["cycles_per_image"], "D", ms=9, color=col, mec="k")
        if data.get("fps"):
            ax.axhline(data["fps"]["max_cycles"], color="grey", lw=0.8, ls=":",
                       label=f"{data['fps']['target_fps']:,.0f} images/s at {data['fps']['clock_mhz']:g} MHz")
        lim = data["fit_rule"][key]
        ax.axvline(lim, color="r", lw=0.8, ls="--", label=f"fit limit ({lim:,})")
        unit = data.get("units", {}).get(key, key.upper())
        ax.set_xlabel(f"{unit} ({'nextpnr, placed and routed' if data.get('device') == 'lfe5u-85f' else 'Yosys'}, "
                      f"{data.get('part', 'xc7z020')})")
        ax.set_yscale("log", base=2)
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("cycles per image")
    axes[0].legend(fontsize=7)
    fig.suptitle(f"Design-space search of {data.get('network', 'the network')}: cycles per image against resources "
                 "(star: fastest that fits; diamond: smallest meeting --fps; x: does not fit)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)


def table_rows(data: dict) -> list[list]:
    """Rows for a markdown table of the synthesized points (fastest first)."""
    rows = []
    for r in sorted(data["points"], key=lambda r: (r["bits"], r["cycles_per_image"])):
        res = r["resources"] or {}
        w = data["winners"].get(r["bits"])
        win = bool(w) and w["params"] == r["params"]
        sim = r.get("sim") or {}
        rows.append([r["bits"] + (" **winner**" if win else ""), r["cycles_per_image"],
                     "/".join(map(str, r["layer_cycles"])), commas(r["pe"]), commas(r["simd"]),
                     commas(r["mac"]) + (f" (LUTPE {commas(r['lutpe'])})" if any(r.get("lutpe") or ()) else ""),
                     f"{res.get('lut', '-'):,}" if res else "-", res.get("ff", "-"), res.get("dsp", "-"),
                     res.get("bram18", "-"), "yes" if r["fits"] else ("failed" if r["error"] else "no"),
                     "yes" if r.get("pareto") else "",
                     f"{sim.get('mismatches')} / {sim.get('images')}" if sim.get("images") and not data.get("dry_run")
                     else "-"])
    return rows


TABLE_HEADERS = ["bits", "cycles/image", "per layer", "PE", "SIMD", "MAC", "LUT", "FF", "DSP", "BRAM18", "fits",
                 "Pareto", "Verilator mismatches / images"]


def run(paths: Paths, opts: Options = Options(), out_dir: Path | None = None, log=stderr_log, dry_run: bool = False,
        evaluate=None) -> tuple[dict, Path]:
    """`qmlp bench`: the search, bench.json and pareto.png in BUILD/bench; (data, json path).
    dry_run: the analytic model answers for the tools (nothing is synthesized or simulated);
    evaluate: another evaluator of the runs (tests), with opts.model as every bit width's model."""
    out_dir = out_dir or Path(paths.build) / ("bench-dry-run" if dry_run else "bench")
    if evaluate is not None:
        res = search(paths, opts, evaluate, {b: opts.model for b, _, _ in opts.bit_widths}, log=log, cache_dir=out_dir)
    elif dry_run:
        res = search(paths, opts, analytic_evaluate, {b: opts.model for b, _, _ in opts.bit_widths}, log=log,
                     cache_dir=out_dir)
    else:
        res = search(paths, opts, log=log)
    data, path = write(res, opts, out_dir)
    if dry_run:
        sims = sum(1 for p in res.points if p.sim)
        for b, d in (data.get("fps") or {}).get("designs", {}).items():
            if d:
                log(f"{b}: the analytic model's smallest pick for {opts.fps:,.0f} images/s at {opts.clock_mhz:g} MHz: "
                    f"{d['cycles_per_image']} cycles/image; measure it: {d['command']}")
        for b, w in data["winners"].items():
            if w:
                log(f"{b}: the analytic model's pick {w['cycles_per_image']} cycles/image "
                    f"(layers {'/'.join(map(str, w['layer_cycles']))}), estimated LUT {w['resources']['lut']:,} "
                    f"DSP {w['resources']['dsp']} BRAM18 {w['resources']['bram18']}; measure it: {w['command']}")
        nets = sum(1 for p in res.points if p.netlist)
        log(f"0 syntheses run (dry run: {data['syntheses_planned']} planned), 0 simulations run "
            f"(dry run: {sims} planned{f', and {nets} netlist runs' if nets else ''}); the BENCH line gives the "
            "model's picks, not measured designs")
        return data, path
    for b, w in data["winners"].items():
        if w:
            log(f"{b}: {w['cycles_per_image']} cycles/image (layers {'/'.join(map(str, w['layer_cycles']))}), "
                f"LUT {w['resources']['lut']:,} DSP {w['resources']['dsp']} BRAM18 {w['resources']['bram18']}"
                + (f", {w['fmax_mhz']:.2f} MHz routed" if w.get("fmax_mhz") else "") + "; reproduce it:")
            for target, cmd in w["reproduce"].items():
                log(f"  {target:13s} {cmd}")
            _log_netlist(w, opts, log)
    for b, d in (data.get("fps") or {}).get("designs", {}).items():
        if d:
            log(f"{b}: smallest meeting {opts.fps:,.0f} images/s at {opts.clock_mhz:g} MHz: {d['cycles_per_image']} "
                f"cycles/image, LUT {d['resources']['lut']:,} DSP {d['resources']['dsp']} BRAM18 "
                f"{d['resources']['bram18']}; reproduce: {d['command']}")
            _log_netlist(d, opts, log)
    log(f"{data['syntheses_run']} {'routes' if opts.device.target == 'pnr_ecp5' else 'syntheses'} run, "
        f"{data['cached_runs']} results from the cache, {res.wall_s:.0f} s")
    bad = netlist_failures(res)
    if bad:                                  # recorded in bench.json and bench.md first, then the exit
        p = bad[0]
        n = p.netlist
        raise QmlpError(f"the {p.cand.bits} winner's Yosys xc7 netlist ({p.cand.label()}) failed: pass={n.get('pass')} "
                        f"images={n.get('images', 0)} mismatches={n.get('mismatches', '?')}"
                        + (f" ({n['error']})" if n.get("error") else "")
                        + f"; see {path}; rerun it: {p.command('sim_synth')} --IMAGES={opts.netlist_images}")
    return data, path


def _log_netlist(w: dict, opts: Options, log) -> None:
    """The summary's line for a design's xc7 netlist run (--netlist N)."""
    n = w.get("netlist")
    if n:
        log(f"  {'netlist':13s} {netlist_cell(n, False).replace('**', '')} ({n.get('netlist') or 'yosys-xc7'}): "
            f"{w['netlist_command']}")
