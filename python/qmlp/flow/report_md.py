"""report.md: typed figures from the report's results, rendered by a jinja2 template.

`view(results)` turns the steps' results into a ReportView (numbers formatted once, here);
templates/report.md.j2 lays the prose and the tables out; `table()` is the one markdown table
writer the template calls. Below qmlp.flow.report (which imports it, never the other way).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qmlp import reference as ref
from qmlp.flow import dse
from qmlp.flow.markdown import table  # noqa: F401  (the templates' and the tests' table writer)
from qmlp.params import KINDS as IP_KINDS   # the lab's matmul IPs (qmlp:ip:matmul_<kind>): steps, tables, charts


def est_seconds(cycles: int, blocks: int, mhz: float = 100.0) -> float:
    """Seconds for `blocks` runs of `cycles` cycles at `mhz` (an estimate: no stalls, no transfers)."""
    return cycles * blocks / (mhz * 1e6)


@dataclass
class ReportView:
    data_name: str
    data_path: str
    images: str
    host: dict
    compute_s: float
    wall_s: float
    headline: list
    val_size: object
    wl_rows: list
    float_acc: str
    lab_float: str
    sweep_s: object
    train_s: object
    epochs: object
    infer_rows: list
    lab_w_and_act: str
    ip_rows: list
    blocks: int
    time_rows: list
    layers_text: str
    cycles_per_image: int
    bound_text: str
    pe: str
    simd: str
    accel_rows: list
    bit_rows: list
    pnr_rows: list
    run_rows: list
    bench: dict | None = None    # the design-space search (bench_view), None when it did not run


def view(r: dict) -> ReportView:
    s = r["steps"]
    model, rows, infer = s["model"], s["sweep"]["rows"], s["infer"]
    fr = next(x for x in rows if x["mode"] == "float")
    g = {x["wl"]: x for x in rows if x["mode"] == "global"}
    p = {x["wl"]: x for x in rows if x["mode"] == "per_layer"}
    acc, man, sa = s["sim_accel"], r["manifest"], s["synth_accel"]
    n = infer["case0"]["images"]
    blocks = -(-n // 64)
    def c(k, lanes):
        return int(s[f"sim_{k}_L{lanes}"]["cycles"])

    headline = [
        ["float32 test accuracy", f"{fr['test_accuracy']:.2f} %", f"{ref.LAB_FLOAT_ACCURACY:.2f} % (MNIST)"],
        ["wl=8 weights, test accuracy (one fl / fl per layer)",
         f"{g[8]['test_accuracy']:.2f} / {p[8]['test_accuracy']:.2f} %", f"{ref.LAB_WL_ACCURACY[8]:.2f} %"],
        ["int8 x int8 matmul, 64x128x64 block", f"{c('i8', 1):,} cycles (LANES=1), {c('i8', 4):,} (LANES=4)",
         f"{ref.LAB_IP['i8']['latency']:,} cycles (HLS)"],
        ["float32 x float32 matmul, same block", f"{c('f32', 1):,} cycles", f"{ref.LAB_IP['f32']['latency']:,} cycles (HLS)"],
        ["whole network in hardware (int8)", f"{acc['accuracy']} % on {int(acc['images']):,} images, "
         f"{acc['cycles_per_image']} cycles/image", "layer 2 only"],
    ]
    wl_rows = [[wl, g[wl]["fl"], f"{g[wl]['test_accuracy']:.2f}", ",".join(map(str, p[wl]["fl"])),
                f"{p[wl]['test_accuracy']:.2f}", f"{ref.LAB_WL_ACCURACY.get(wl, float('nan')):.2f}"] for wl in sorted(g)]
    infer_rows = [[infer[k]["label"], f"{infer[k]['accuracy']:.2f} %", f"{infer[k]['seconds']:.2f} s"]
                  for k in sorted(k for k in infer if k.startswith("case"))]
    infer_rows += [["whole network, int8 golden model (intnet)", f"{man['golden']['test_accuracy']:.2f} %", "-"],
                   ["whole network, int8 **hardware** (qmlp:accel:mlp, Verilator)", f"{acc['accuracy']} %", "-"]]
    ip_rows = []
    for k in IP_KINDS:
        lab, syn, cs = ref.LAB_IP[k], s[f"synth_{k}"], s[f"csim_{k}"]
        labr = f"{lab['lut']:,} / {lab['ff']:,} / {lab['dsp'] if lab['dsp'] is not None else '-'} / {lab['bram18']}"
        ip_rows.append([f"{k} (handwritten)", f"{c(k, 1):,}", f"{c(k, 4):,}", f"{lab['latency']:,}",
                        f"{int(syn['lut']):,}", f"{int(syn['ff']):,}", syn["dsp"], syn["bram18"],
                        labr + (" (approx.)" if lab.get("approx") else ""), f"pass={cs['pass']} vectors={cs['vectors']}"])
    hs, hsy = s["sim_hls_i8"], s["synth_hls_i8"]
    ip_rows.append(["i8 (HLS: Google XLS)", f"{int(hs['cycles']):,}", "-", f"{ref.LAB_IP['i8']['latency']:,}",
                    f"{int(hsy['lut']):,}", f"{int(hsy['ff']):,}", hsy["dsp"], hsy["bram18"], "-", "-"])
    time_rows = [[k, f"{ref.LAB_IP[k]['board_s']:.2f} s",
                  f"{est_seconds(c(k, 1), blocks):.3f} s (LANES=1), {est_seconds(c(k, 4), blocks):.3f} s (LANES=4)",
                  f"{infer[case]['seconds']:.2f} s"]
                 for k, case in (("f32", "case0"), ("f32i8", "case1"), ("i8", "case2"))]
    time_rows.append(["whole network (qmlp:accel:mlp)", "-",
                      f"{est_seconds(int(acc['cycles_per_image']), n):.4f} s for all three layers (est.)", "-"])
    lay = man["layers"]
    accel_rows = [
        ["cycles per image (steady state, simulated)", acc["cycles_per_image"], ""],
        ["latency, first input beat to class out", f"{acc.get('latency', '?')} cycles", ""],
        ["images / s at 100 MHz (est.)", f"{1e8 / int(acc['cycles_per_image']):,.0f}", ""],
    ]
    accel_rows += [[f"{k.upper()} (Yosys estimate)", f"{int(sa[k]):,}", f"{ref.XC7Z020[k]:,}"]
                   for k in ("lut", "ff", "dsp", "bram18")]
    accel_rows += [["accuracy: float / int8 golden / hardware",
                    f"{fr['test_accuracy']:.2f} / {man['golden']['test_accuracy']:.2f} / {acc['accuracy']} %", ""],
                   [f"Verilator wall time, {int(acc['images']):,} images", f"{acc['wall_s']} s", ""],
                   netlist_row(s.get("netlist_accel"))]
    lab_bits = {nm: (w, a) for nm, w, a in dse.LAB_POINTS}     # results from before QAT steps recorded bits
    bit_rows = []
    for name in [k[len("qat_"):] for k in s if k.startswith("qat_")]:
        q, hw, syn = s.get(f"qat_{name}"), s.get(f"sim_accel_{name}"), s.get(f"synth_accel_{name}")
        if not (q and hw and syn):
            continue
        wb, ab = (q["wbits"], q.get("abits", ())) if q.get("wbits") else lab_bits.get(name, ((), ()))
        bit_rows.append([name, ",".join(map(str, wb)), ",".join(map(str, ab)), f"{q['test_accuracy']:.2f}",
                         f"{hw['golden_accuracy']:.2f}", f"{hw['accuracy']} ({hw['mismatches']} mismatches, "
                         f"{int(hw['images']):,} images)", f"{hw['rom_bits'] / 8 / 1024:.1f}", f"{int(syn['lut']):,}",
                         f"{int(syn['ff']):,}", syn["dsp"], syn["bram18"], hw["cycles_per_image"],
                         f"{q.get('qat_seconds', '?')} s"])
    return ReportView(bit_rows=bit_rows, pnr_rows=pnr_rows(s, n, blocks), bench=bench_view(s.get("bench")),
        data_name=Path(str(model.get("data", "?"))).name, data_path=str(model.get("data")), images=f"{n:,}",
        host=r["host"], compute_s=r["compute_s"], wall_s=r["wall_s"], headline=headline,
        val_size=model.get("val_size"), wl_rows=wl_rows, float_acc=f"{fr['test_accuracy']:.2f}",
        lab_float=f"{ref.LAB_FLOAT_ACCURACY:.2f}", sweep_s=s["sweep"].get("sweep_s", "?"),
        train_s=model.get("train_seconds", "?"), epochs=model.get("epochs"), infer_rows=infer_rows,
        lab_w_and_act=f"{ref.LAB_W_AND_ACT_ACCURACY:.2f}", ip_rows=ip_rows, blocks=blocks, time_rows=time_rows,
        layers_text=", ".join(f"layer {i + 1}: {l['pe']} x {l['simd']} = {l['pe'] * l['simd']} MACs, "
                              f"{l['rom_depth']} cycles" for i, l in enumerate(lay)),
        cycles_per_image=man["cycles_per_image"], bound_text=f"{ref.MLP_MACS:,} MACs / 220 DSP = 496",
        pe=",".join(str(l["pe"]) for l in lay), simd=",".join(str(l["simd"]) for l in lay),
        accel_rows=accel_rows, run_rows=[[k, v["seconds"]] for k, v in s.items() if "seconds" in v])


def netlist_row(n: dict | None) -> list:
    """The hardware table's row of the default point's Yosys xc7 netlist run (step netlist_accel)."""
    what = "Yosys xc7 netlist (`sim_synth`, Verilator): images checked against the golden model"
    if not n:
        return [what, "not run (qmlp report --netlist 0)", ""]
    cmd = f" (`{n['command']}`)" if n.get("command") else ""
    return [what, f"{int(n['images']):,} images, {n['mismatches']} mismatches, {n['accuracy']} %, "
                  f"{n['cycles_per_image']} cycles/image; {n.get('wall_s', '?')} s{cmd}", ""]


def bench_view(step: dict | None) -> dict | None:
    """The design-space search's winners and points as table rows (qmlp.flow.dse's JSON)."""
    if not step or "data" not in step:
        return None
    d = step["data"]
    win = []
    for b, w in d["winners"].items():
        if not w:
            win.append([b, "none fits", "-", "-", "-", "-", "-", "-", "-", "-", "-",
                        f"<= {dse.BENCH_TARGETS.get(b, '?')}: no"])
            continue
        r, sim, p = w["resources"], w.get("sim") or {}, w["params"]
        target = dse.BENCH_TARGETS.get(b)
        win.append([b, w["cycles_per_image"], "/".join(map(str, w["layer_cycles"])), p["PE"], p["SIMD"],
                    p.get("MAC", "dsp"), f"{r['lut']:,}", f"{r['ff']:,}", r["dsp"], r["bram18"],
                    f"{sim.get('accuracy', '-')} % ({sim.get('mismatches', '-')} mismatches, "
                    f"{int(sim.get('images', 0)):,} images)" if sim else "-",
                    f"<= {target}: {'yes' if target and w['cycles_per_image'] <= target else 'no'}"])
    cmds = [f"`{w['command']}`" for w in d["winners"].values() if w]
    return {"win_rows": win, "point_rows": dse.table_rows(d), "headers": dse.TABLE_HEADERS, "commands": cmds,
            "quick": bool(step.get("quick")), "wall_s": d.get("wall_s"), "syntheses": d.get("syntheses_run"),
            "cached": d.get("cached_runs"), "styles": ", ".join(d.get("styles", [])),
            "lut_limit": f"{d['fit_rule']['lut']:,}", "json": step.get("json")}


def pnr_rows(s: dict, n: int, blocks: int) -> list:
    """The ECP5 timing table: fmax per core, and the test set's time at that clock."""
    rows = []
    lab = f"{ref.LAB_IP['i8']['board_s']:.0f} s (int8 layer 2, board)"
    for name in IP_KINDS + ("accel",):
        r = s.get(f"pnr_{name}")
        if r is None:
            continue
        core = "qmlp:accel:mlp" if name == "accel" else f"qmlp:ip:matmul_{name}"
        prm = " ".join(f"--{k}={v}" for k, v in r.get("params", {}).items())
        if not r.get("routed"):
            rows.append([f"`{core}` {prm}", "not routed: " + str(r.get("reason", "?")).replace("|", "/"),
                         "-", "-", "-", "-", "-", "-", "-"])
            continue
        f = float(r["fmax_mhz"])
        if name == "accel":
            cyc = int(r["cycles_per_image"])
            rate = f"{cyc} cycles/image: {f * 1e6 / cyc:,.0f} images/s, {n:,} images in {n * cyc / (f * 1e6):.3f} s"
        else:
            cyc = int(s[f"sim_{name}_L1"]["cycles"])
            rate = f"{cyc:,} cycles/block: layer 2 of {n:,} images in {blocks * cyc / (f * 1e6):.2f} s"
        rows.append([f"`{core}` {prm}", f"{f:.2f}", "pass" if r["timing_pass"] else "miss",
                     f"{int(r['lut']):,}", f"{int(r['ff']):,}", r["dsp"], r["bram18"], rate,
                     f"{r.get('wall_s', '?')} s"])
    if rows:
        rows.append(["lab (PYNQ-Z2, Python + PYNQ)", "100 (FCLK0)", "-", "-", "-", "-", "-", lab, "-"])
    return rows


def render(results: dict) -> str:
    from qmlp.flow.markdown import render as render_template

    return render_template("report.md.j2", v=view(results))
