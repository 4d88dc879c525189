"""A measured design point of the search (qmlp.flow.dse.search): a candidate with its synthesis
(or ECP5 route), its Verilator and netlist runs, the figures the bench prints (measured cycles
where a simulation ran), the fusesoc command that rebuilds it, and the Pareto front of a set."""

from __future__ import annotations

from dataclasses import dataclass

from qmlp.flow.dse.device import XC7, Device
from qmlp.flow.dse.model import Candidate
from qmlp.flow.dse.runs import CORE


@dataclass
class Point:
    cand: Candidate
    model: str | None
    synth: dict | None = None
    error: str | None = None
    sim: dict | None = None
    netlist: dict | None = None      # the xc7 netlist run (sim_synth) of a winner, with --netlist N
    role: str = ""                   # tried | chart | fps
    rejected: dict | None = None     # resources of a synthesis judged implausible (see implausible)
    device: Device = XC7             # where it is measured (synth: Yosys xc7; pnr_ecp5: a route)
    clock_mhz: float | None = None   # pnr_ecp5: the clock it is routed for (TARGET_MHZ)

    @property
    def resources(self) -> dict | None:
        return {k: int(self.synth[k]) for k in ("lut", "ff", "dsp", "bram18")} if self.synth else None

    @property
    def fits(self) -> bool:
        return self.synth is not None and self.device.fits(self.synth)

    @property
    def fmax_mhz(self) -> float | None:
        """The routed fmax (pnr_ecp5 measurements only)."""
        return float(self.synth["fmax_mhz"]) if self.synth and self.synth.get("fmax_mhz") is not None else None

    @property
    def measured_cycles(self) -> int | None:
        """Cycles per image its Verilator run measured (the testbench's RESULT line), if one ran
        (not a dry run's estimate, not a run that ended without a figure)."""
        s = self.sim
        if not s or s.get("estimate_only"):
            return None
        try:
            c = int(s.get("cycles_per_image"))
        except (TypeError, ValueError):
            return None
        return c if c > 0 else None

    @property
    def cycles_per_image(self) -> int:
        """The figure the bench prints: measured where Verilator ran it, else the model's
        (Candidate.cycles_per_image, the slowest layer or the slots' bound)."""
        m = self.measured_cycles
        return m if m is not None else self.cand.cycles_per_image

    def images_per_s(self, clock_mhz: float | None) -> float | None:
        """Images per second at the routed fmax (ECP5), else at `clock_mhz`."""
        f = self.fmax_mhz or clock_mhz
        return round(f * 1e6 / self.cycles_per_image, 1) if f else None

    def params(self) -> dict:
        p = self.cand.fusesoc_params()
        if self.model:
            p["MODEL"] = self.model
        return p

    def measure_params(self) -> dict:
        """The parameters of the run that measures it (pnr_ecp5 also takes the target clock)."""
        p = self.params()
        if self.device.target == "pnr_ecp5":
            p["TARGET_MHZ"] = int(self.clock_mhz or 100)
        return p

    def command(self, target: str | None = None) -> str:
        target = target or self.device.target
        prm = self.measure_params() if target == self.device.target else self.params()
        return f"fusesoc run --target {target} {CORE} " + " ".join(f"--{k}={v}" for k, v in prm.items())

    def row(self) -> dict:
        c = self.cand
        return {"bits": c.bits, "pe": list(c.pe), "simd": list(c.simd), "mac": list(c.mac),
                "lutpe": list(c.lutpes),
                "wbits": list(c.wbits), "abits": list(c.abits), "layer_cycles": list(c.layer_cycles),
                "cycles_per_image": self.cycles_per_image, "predicted_cycles_per_image": c.cycles_per_image,
                "macs": c.macs, "estimate": c.estimate(),
                "resources": self.resources, "fits": self.fits, "error": self.error, "role": self.role,
                "synth_s": (self.synth or {}).get("wall_s"), "cached": (self.synth or {}).get("cached"),
                "device": self.device.name, "fmax_mhz": self.fmax_mhz,
                "params": self.params(), "command": self.command(), "rejected": self.rejected,
                "sim": sim_fields(self.sim), "netlist": netlist_fields(self.netlist)}


def sim_fields(s: dict | None) -> dict | None:
    """The fields of a Verilator result that bench.json keeps."""
    if not s:
        return None
    keys = ("pass", "images", "mismatches", "accuracy", "cycles_per_image", "latency", "wall_s", "cached")
    return {k: s.get(k) for k in keys if k in s}


def netlist_fields(s: dict | None) -> dict | None:
    """The fields of a netlist run (sim_synth) that bench.json keeps: images checked, mismatches, pass,
    which netlist (yosys-xc7), wall seconds, and why it failed."""
    if not s:
        return None
    keys = ("pass", "images", "mismatches", "accuracy", "cycles_per_image", "netlist", "wall_s", "cached", "error",
            "estimate_only")
    return {k: s.get(k) for k in keys if k in s}


def pareto(points: list[Point]) -> list[Point]:
    """Synthesized points that no other point of the same bit width beats in cycles per image,
    LUT and DSP at once (lower is better in each)."""
    done = [p for p in points if p.synth]
    out = []
    for p in done:
        a = (p.cycles_per_image, p.resources["lut"], p.resources["dsp"])
        dominated = False
        for q in done:
            if q is p or q.cand.bits != p.cand.bits:
                continue
            b = (q.cycles_per_image, q.resources["lut"], q.resources["dsp"])
            if all(y <= x for x, y in zip(a, b)) and b != a:
                dominated = True
                break
        if not dominated:
            out.append(p)
    return out
