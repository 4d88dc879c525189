"""Netlist text: primitive models found, modules stripped, parameters declared, the routed ECP5
design's settings folded in, and the faults that prove the check can fail."""

from __future__ import annotations

import re
from pathlib import Path

from qmlp.eda.runner import run_tool, which
from qmlp.errors import QmlpError


def yosys_datdir() -> Path:
    """Yosys' share folder (yosys-config --datdir), where the primitives' models are."""
    exe = which("yosys-config")
    if exe:
        try:
            r = run_tool([exe, "--datdir"], timeout=30)
            d = Path(r.stdout.strip())
            if (d / "xilinx" / "cells_sim.v").is_file():
                return d
        except QmlpError:
            pass
    for d in (Path("/usr/share/yosys"), Path("/usr/local/share/yosys")):
        if (d / "xilinx" / "cells_sim.v").is_file():
            return d
    raise QmlpError("no Yosys primitive models (xilinx/cells_sim.v) found: is yosys installed?")


def strip_modules(text: str, names: set[str]) -> str:
    """text without the modules named (from `module NAME` to its `endmodule`)."""
    out, skip = [], False
    for ln in text.splitlines(keepends=True):
        m = re.match(r"\s*module\s+(\w+)", ln)
        if m and m.group(1) in names:
            skip = True
            # attributes on the lines just above belong to the dropped module
            while out and out[-1].lstrip().startswith("(*"):
                out.pop()
        if not skip:
            out.append(ln)
        elif re.match(r"\s*endmodule\b", ln):
            skip = False
    return "".join(out)


def sdp72_parity_bug(netlist: str) -> list[str]:
    """RAMB36E1 cells of a Yosys xc7 netlist (write_verilog) written 72 bits wide in SDP mode
    whose DIPBDIP carries the same bits as DIPADIP: Yosys 0.23's brams_xc6v_map.v
    (`PORT_W_WIDTH == 71`, YosysHQ/yosys PR 5833) writes data bits 44, 53, 62 (and 71) of each
    word with bits 8, 17, 26 (35). flows/yosys/qmlp_yosys.tcl maps memories with a corrected copy;
    this finds a netlist built without it. Returns the cells' names."""
    bad = []
    for m in re.finditer(r"\bRAMB36E1\s*#\((.*?)\)\s*(\S+)\s*\((.*?)\);", netlist, re.S):
        prm, name, conn = m.groups()
        if not re.search(r"\.WRITE_WIDTH_B\(32'[sd]*d?72\)", prm) or 'RAM_MODE("SDP")' not in prm:
            continue
        a = re.search(r"\.DIPADIP\((.*?)\),?\s*\n", conn)
        b = re.search(r"\.DIPBDIP\((.*?)\),?\s*\n", conn)
        if a and b and a.group(1).strip() == b.group(1).strip() \
                and not re.fullmatch(r"\d+'h[0-9a-fA-F]+", a.group(1).strip()):   # constants: no difference
            bad.append(name)
    return bad


def add_parameters(netlist: str, top: str, params: dict) -> str:
    """Declare the run's parameters on the netlist's top module (which has none), so that a
    testbench's `#(.PE(PE), ...)` override compiles; their values are unused."""
    m = re.search(r"^module\s+%s\s*\(.*?\);\n" % re.escape(top), netlist, re.S | re.M)
    if not m:
        raise QmlpError(f"the netlist has no module {top}")
    decl = "".join(f"  parameter {k} = 0;  // qmlp: declared for the testbench's override, unused\n"
                   for k in params)
    return netlist[:m.end()] + decl + netlist[m.end():]


def _defined(path: Path) -> set[str]:
    """Names of the modules a Verilog file defines."""
    return set(re.findall(r"^\s*module\s+(\w+)", path.read_text(), re.M))


# ----------------------------------------------------------------------------- routed ECP5

def _s(v) -> str:
    """A parameter value of a Yosys/nextpnr JSON file as text (a trailing space marks a string)."""
    return str(v).rstrip()


def routed_for_sim(design: dict, top: str) -> tuple[dict, dict]:
    """nextpnr-ecp5's routed JSON (--write) made simulable with qmlp's models: (design, counts).

    nextpnr writes the packed, routed design: half-slices (TRELLIS_COMB, TRELLIS_RAMW), flip-flops
    (TRELLIS_FF with SD: "1" takes DI, "0" takes M), I/O (TRELLIS_IO), DCCA, and the hard blocks
    with a <pin>MUX parameter per configurable input (the pin as it is, "INV", or a constant
    "0"/"1"). This folds those configuration settings into the netlist:
      - <pin>MUX of DP16KD and MULT18X18D: "0"/"1" tie the pin, "INV" inverts it (an INV cell;
        an unconnected pin reads 1, so INV of it is 0), the pin's own name keeps it (an
        unconnected pin reads 1: the block RAM's CE/OCE/WE left open by nextpnr are enables);
      - TRELLIS_FF: SD = "0" moves M onto DI; an open LSR is 0 (no reset), an open CE with
        CEMUX = CE is 1;
      - TRELLIS_COMB: IS_Z1 = 1 in the second half of a slice (bel ...K1: its OFX is the L6MUX);
        open LUT inputs (A-D) read 1 like the hardware's (nextpnr's carry-chain feed-in relies on
        it: with them 0 the first logits were 0 and the design hung), other open inputs 0; TRELLIS_IO (plain pads only): removed, its inner net joined to the
        port's (Verilator refuses a top input on an inout pin); DCCA (open CE): removed the same
        way, so that the clock reaches the flip-flops in the same time step as the testbench's.
    The module (nextpnr calls it "top") takes the name of the synthesis top again.
    """
    mods = design["modules"]
    name = next(iter(mods))
    mod = mods.pop(name)
    mods[top] = mod
    cells = mod["cells"]
    nxt = 1 + max([b for n in mod.get("netnames", {}).values() for b in n["bits"] if isinstance(b, int)]
                  + [b for c in cells.values() for v in c["connections"].values() for b in v if isinstance(b, int)])
    counts = {"inv": 0, "tied": 0, "sd": 0}
    alias = {}                 # inner net of a pad -> the port's net
    for cname, c in list(cells.items()):
        typ, prm, con = c["type"], c["parameters"], c["connections"]
        dirs = c.get("port_directions", {})

        def tie(pin, val):
            con[pin] = [str(val)]
            dirs.setdefault(pin, "input")
            counts["tied"] += 1

        if typ in ("DP16KD", "MULT18X18D"):
            for k in [k for k in prm if k.endswith("MUX") and k[:-3] in dirs and dirs[k[:-3]] == "input"]:
                pin, v = k[:-3], _s(prm[k])
                bits = con.get(pin) or []
                if v in ("0", "1"):
                    tie(pin, v)
                elif v == "INV":
                    if not bits:
                        tie(pin, 0)
                    else:
                        inv = f"$qmlp$inv${cname}${pin}"
                        cells[inv] = {"type": "INV", "parameters": {}, "attributes": {},
                                      "port_directions": {"A": "input", "Z": "output"},
                                      "connections": {"A": bits, "Z": [nxt]}}
                        con[pin] = [nxt]
                        nxt += 1
                        counts["inv"] += 1
                elif not bits:
                    tie(pin, 1)
                # the clock muxes are the models' own parameters: now plain
                if k in ("CLKAMUX", "CLKBMUX"):
                    prm[k] = pin
                else:
                    del prm[k]
        elif typ == "TRELLIS_FF":
            if _s(prm.pop("SD", "1")) == "0":
                con["DI"] = con.get("M") or ["0"]
                counts["sd"] += 1
            if not con.get("LSR"):
                tie("LSR", 0)
            if not con.get("CE"):
                tie("CE", 1)
            for pin in ("DI", "M", "CLK"):
                if not con.get(pin):
                    tie(pin, 0)
        elif typ == "TRELLIS_COMB":
            prm["IS_Z1"] = "1" if str(c.get("attributes", {}).get("NEXTPNR_BEL", "")).endswith("K1") else "0"
            prm.setdefault("MODE", "LOGIC ")
            for pin, d in dirs.items():
                if d == "input" and not con.get(pin):
                    tie(pin, 1 if pin in ("A", "B", "C", "D") else 0)
        elif typ == "TRELLIS_IO":
            if _s(prm.get("DIR", "INPUT")) not in ("INPUT", "OUTPUT") or con.get("T") or \
                    _s(prm.get("DATAMUX_ODDR", "PADDO")) != "PADDO":
                raise QmlpError(f"routed netlist: {cname}: only plain input and output pads are modelled")
            inner = con.get("O" if _s(prm.get("DIR", "INPUT")) == "INPUT" else "I") or []
            if len(inner) == 1 and len(con.get("B") or []) == 1 and isinstance(inner[0], int):
                alias[inner[0]] = con["B"][0]
            del cells[cname]
        elif typ == "DCCA":
            # a wire when always enabled (no delta-cycle step on the clock in the simulators)
            if con.get("CE"):
                raise QmlpError(f"routed netlist: {cname}: a DCCA with a clock enable is not modelled")
            out = con.get("CLKO") or []
            if len(out) == 1 and len(con.get("CLKI") or []) == 1 and isinstance(out[0], int):
                alias[out[0]] = con["CLKI"][0]
                del cells[cname]
        elif typ == "TRELLIS_RAMW":
            for pin, d in dirs.items():
                if d == "input" and not con.get(pin):
                    tie(pin, 0)
    def res(b):
        while isinstance(b, int) and b in alias:
            b = alias[b]
        return b

    for c in cells.values():
        for pin, bits in c["connections"].items():
            c["connections"][pin] = [res(b) for b in bits]
    for n in mod.get("netnames", {}).values():
        n["bits"] = [res(b) for b in n["bits"]]
    counts["pads"] = len(alias)
    return design, counts


# ----------------------------------------------------------------------------- faults

def inject_fault(netlist: str, fault: str) -> tuple[str, str]:
    """(netlist with one fault, what was changed). fault: lut[:n] complements the INIT of the
    n-th (default first) LUT6 (else LUT5, LUT4) in the file; dsp[:n] changes AREG of the
    n-th DSP48E1, those with AREG 0 or 1 counted first (1 -> 0, else -> 1: one pipeline register
    on A more or less; ACASCREG kept within AREG)."""
    kind, _, nth = fault.partition(":")
    n = int(nth) if nth else 0
    if kind == "lut":
        for lut, bits in (("LUT6", 64), ("LUT5", 32), ("LUT4", 16)):
            pat = re.compile(r"(\b%s\s*#\(\s*\.INIT\()(\d+)'h([0-9a-fA-F]+)(\)\s*\)\s*(\S+))" % lut)
            hits = list(pat.finditer(netlist))
            if len(hits) > n:
                h = hits[n]
                old = int(h.group(3), 16)
                new = old ^ ((1 << bits) - 1)
                rep = f"{h.group(1)}{bits}'h{new:0{bits // 4}x}{h.group(4)}"
                return (netlist[:h.start()] + rep + netlist[h.end():],
                        f"{lut} {h.group(5)}: INIT {bits}'h{old:0{bits // 4}x} -> {bits}'h{new:0{bits // 4}x}")
        raise QmlpError("FAULT=lut: the netlist has no LUT4/5/6 to change")
    if kind == "dsp":
        pat = re.compile(r"\bDSP48E1\s*#\((.*?)\)\s*(\S+)\s*\(", re.S)
        areg = re.compile(r"\.AREG\((?:\d+'s?d)?(\d+)\)")

        def cur_areg(h):
            a = areg.search(h.group(1))
            return (int(a.group(1)) if a else 1), a

        # DSPs with AREG 0 or 1 first (2 -> 1 could clash with ACASCREG = 2 in the model)
        hits = sorted(pat.finditer(netlist), key=lambda h: cur_areg(h)[0] > 1)
        if len(hits) <= n:
            raise QmlpError("FAULT=dsp: the netlist has no such DSP48E1")
        h = hits[n]
        body = h.group(1)
        cur, a = cur_areg(h)
        new = 0 if cur == 1 else 1
        if a:
            new_body = body[:a.start()] + f".AREG(32'd{new})" + body[a.end():]
        else:
            new_body = body.rstrip() + f",\n    .AREG(32'd{new})\n  "
        # ACASCREG (the cascade output's registers) may not exceed AREG
        new_body = re.sub(r"\.ACASCREG\((?:\d+'s?d)?(\d+)\)",
                          lambda m: f".ACASCREG(32'd{min(int(m.group(1)), max(new, 1))})", new_body)
        s, e = h.span(1)
        return netlist[:s] + new_body + netlist[e:], f"DSP48E1 {h.group(2)}: AREG {cur} -> {new}"
    raise QmlpError(f"FAULT={fault}: not one of none, lut[:n], dsp[:n]")
