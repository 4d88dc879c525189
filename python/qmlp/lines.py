"""The SPEC 3 summary lines: formatted here and parsed here, nowhere else.

Simulations and syntheses print one of these as their last line; every qmlp command ends
with its own. `parse(text, kind)` finds the last line of a kind in a tool's output.
"""

from __future__ import annotations

import re

KINDS = ("RESULT", "RESOURCES", "TIMING", "TRAINED", "SWEEP", "ACCURACY", "ROMS", "REPORT", "BENCH", "FPS", "CORE", "HLS", "IMPORTED",
         "EXPORTED")
_LINE = re.compile(r"^(%s) (.*)$" % "|".join(KINDS))


def line(kind: str, **fields) -> str:
    """`KIND k=v k=v ...` in the order given (floats as given: callers format percentages)."""
    if kind not in KINDS:
        raise ValueError(f"not a summary line kind: {kind}")
    return kind + " " + " ".join(f"{k}={v}" for k, v in fields.items())


def pct(v: float) -> str:
    """Percentages in summary lines: 2 decimals."""
    return f"{v:.2f}"


def result_ip(passed: bool, vectors: int, mismatches: int, cycles) -> str:
    return line("RESULT", **{"pass": int(bool(passed)), "vectors": vectors, "mismatches": mismatches,
                             "cycles": cycles})


def resources(r: dict) -> str:
    return line("RESOURCES", lut=r["lut"], ff=r["ff"], dsp=r["dsp"], bram18=r["bram18"])


def timing(fmax_mhz: float, target_mhz: float, passed: bool) -> str:
    """Place and route (SPEC 3): `TIMING fmax_mhz=<f> target_mhz=<t> pass=<0|1>`, MHz with 2 decimals
    (a whole-number target without them)."""
    t = float(target_mhz)
    return line("TIMING", fmax_mhz=f"{float(fmax_mhz):.2f}", target_mhz=f"{t:g}" if t.is_integer() else f"{t:.2f}",
                **{"pass": int(bool(passed))})


def result_board(passed: bool, images: int, mismatches: int, accuracy: float, images_per_s: float) -> str:
    """`qmlp board classify`: the accelerator's RESULT fields, with images/s over the UART."""
    return line("RESULT", **{"pass": int(bool(passed))}, images=images, mismatches=mismatches,
                accuracy=pct(accuracy), images_per_s=f"{images_per_s:.1f}")


BENCH_WIDTHS = ("w8a8", "w4a4", "w2a2")


def bench(cycles: dict, json_path) -> str:
    """`qmlp bench` (SPEC 3): `BENCH w8a8_cycles_per_image=<c> w4a4_cycles_per_image=<c>
    w2a2_cycles_per_image=<c> json=<path>`, the fastest fitting design per searched bit width
    (`na` where none fits), in the order searched; json is the absolute path of the search's JSON."""
    from pathlib import Path

    names = list(cycles) or list(BENCH_WIDTHS)
    f = {f"{b}_cycles_per_image": (int(cycles[b]) if cycles.get(b) is not None else "na") for b in names}
    return line("BENCH", **f, json=str(Path(json_path).resolve()))


def fps(target: float, clock_mhz: float, max_cycles: int, device: str, designs: dict, json_path) -> str:
    """`qmlp bench --fps N [--clock MHz]`: `FPS target=<N> clock_mhz=<MHz> max_cycles=<c> device=<d>
    <bits>_cycles_per_image=<c> <bits>_lut=<n> <bits>_dsp=<n> ... json=<path>`, per searched bit width the
    smallest design (fewest LUT, then DSP) that meets the target (`na` where none does)."""
    from pathlib import Path

    num = lambda x: str(int(x)) if float(x).is_integer() else f"{x:g}"  # noqa: E731
    f = {"target": num(target), "clock_mhz": num(clock_mhz), "max_cycles": max_cycles, "device": device}
    for b, d in designs.items():
        for k in ("cycles_per_image", "lut", "dsp", "bram18"):
            f[f"{b}_{k}"] = int(d[k]) if d else "na"
    return line("FPS", **f, json=str(Path(json_path).resolve()))


def parse_all(text: str) -> list[tuple[str, dict]]:
    """Every summary line of a text as (kind, {key: value}), in order."""
    out = []
    for raw in text.splitlines():
        m = _LINE.match(raw.strip())
        if m:
            out.append((m.group(1), dict(kv.split("=", 1) for kv in m.group(2).split() if "=" in kv)))
    return out


def parse(text: str, kind: str | None = None) -> tuple[str | None, dict]:
    """The last summary line (of `kind`, or of RESULT/RESOURCES when None) as (kind, fields)."""
    want = (kind,) if kind else ("RESULT", "RESOURCES")
    found = [x for x in parse_all(text) if x[0] in want]
    return found[-1] if found else (None, {})
