"""`qmlp bench`: the accelerator's speed at the default parallelism, and the fastest
configuration that fits the xc7z020 by the Yosys estimate.

Configurations are PE (neurons) x SIMD (inputs) per layer. For each reachable initiation
interval T, the cheapest configuration has, per layer, the fewest MACs with
(N/PE) * (K/SIMD) <= T. The search walks T upwards from the fastest and synthesizes candidates
until one fits (<= 220 DSP48E1, 280 BRAM18, 53,200 LUT, 106,400 FF); it also synthesizes the next faster
candidate, so the table shows why it does not fit. Cycles come from Verilator runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

from qmlp import reference as ref
from qmlp.hw import roms
from qmlp.config import Paths
from qmlp.errors import QmlpError


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def layer_options(k: int, n: int) -> list[tuple[int, int, int]]:
    """(cycles, macs, pe, simd) of every PE | n, SIMD | k, fewest MACs first per cycle count."""
    opts = {}
    for pe in _divisors(n):
        for simd in _divisors(k):
            cyc = (n // pe) * (k // simd)
            macs = pe * simd
            if cyc < 2:
                continue
            best = opts.get(cyc)
            # fewest MACs; then fewer SIMD (a smaller adder tree)
            if best is None or (macs, simd) < (best[1], best[3]):
                opts[cyc] = (cyc, macs, pe, simd)
    return sorted(opts.values())


def candidates() -> list[roms.HwConfig]:
    """One cheapest configuration per reachable initiation interval, fastest first."""
    dims = [(roms.TOPOLOGY[i], roms.TOPOLOGY[i + 1]) for i in range(3)]
    per_layer = [layer_options(k, n) for k, n in dims]
    intervals = sorted({o[0] for opts in per_layer for o in opts})
    out, seen = [], set()
    for t in intervals:
        pick = []
        for opts in per_layer:
            ok = [o for o in opts if o[0] <= t]
            if not ok:
                break
            pick.append(min(ok, key=lambda o: (o[1], o[3])))
        if len(pick) < 3:
            continue
        cfg = roms.HwConfig(tuple(p[2] for p in pick), tuple(p[3] for p in pick))
        if cfg not in seen:
            seen.add(cfg)
            out.append(cfg)
    return sorted(out, key=lambda c: (c.cycles_per_image, c.macs))


def fits(r: dict) -> bool:
    return all(int(r[k]) <= ref.XC7Z020[k] for k in ("lut", "ff", "dsp", "bram18"))


def evaluate(paths: Paths, cfg: roms.HwConfig, images: int) -> dict:
    """A Verilator run of `images` images and a Yosys estimate of one design point.

    The design point is FuseSoC parameters; each parameter set gets its own build root
    (qmlp.eda.runner), and the runs write their own ROMs from the shared model.
    """
    from qmlp.eda.runner import run_checked

    prm = {"PE": ",".join(map(str, cfg.pe)), "SIMD": ",".join(map(str, cfg.simd))}
    sim = run_checked("qmlp:accel:mlp", "sim_verilator", dict(prm, IMAGES=images))
    syn = run_checked("qmlp:accel:mlp", "synth", prm, what="RESOURCES")
    return {"pe": list(cfg.pe), "simd": list(cfg.simd), "macs": cfg.macs,
            "cycles_per_image": int(sim["cycles_per_image"]), "latency": sim.get("latency"),
            "pass": sim["pass"], **{k: int(syn[k]) for k in ("lut", "ff", "dsp", "bram18")},
            "synth_s": syn["wall_s"]}


def row(r: dict) -> str:
    ok = "fits" if fits(r) else "does not fit"
    return (f"PE={r['pe']} SIMD={r['simd']}: {r['macs']} MACs/cycle, {r['cycles_per_image']} cycles/image "
            f"(latency {r['latency']}), pass={r['pass']}; LUT {r['lut']:,} FF {r['ff']:,} DSP {r['dsp']} "
            f"BRAM18 {r['bram18']} -> {ok}")


def run(paths: Paths, images: int = 200, max_synth: int = 4) -> tuple[dict, dict]:
    """(default config result, best fitting result); prints a line per evaluated configuration."""
    default = roms.HwConfig()
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    log(f"bench: default PE={list(default.pe)} SIMD={list(default.simd)}")
    d = evaluate(paths, default, images)
    log("  " + row(d))
    cands = candidates()
    log(f"bench: {len(cands)} candidate configurations; fastest {cands[0].cycles_per_image} cycles/image "
        f"with {cands[0].macs} MACs (bound at one MAC per DSP: {ref.MLP_MACS} / 220 = 496)")
    # start at the fastest candidate that could fit by DSP count, and show the one before it
    first = next((i for i, c in enumerate(cands) if c.macs <= ref.XC7Z020["dsp"]), None)
    if first is None:
        raise QmlpError("no configuration has 220 MACs or fewer")
    best, tried = None, 0
    for i in range(max(first - 1, 0), len(cands)):
        if tried >= max_synth:
            break
        c = cands[i]
        r = d if c == default else evaluate(paths, c, images)
        tried += 1
        log("  " + row(r))
        if fits(r):
            best = r
            break
    if best is None:
        raise QmlpError(f"no fitting configuration within {max_synth} syntheses")
    return d, best
