"""The devices the search targets (`qmlp bench --device`): their limits, how a design point's
resources are counted on them before any tool runs, and which run measures a candidate.

  xc7z020    the PYNQ-Z2's Zynq: DSP48E1 and BRAM18 counted exactly (qmlp.hw.devices), LUT and
             FF by the analytic model (qmlp.flow.dse.model); a candidate is measured by Yosys
             (`synth`, synth_xilinx). Fit: DSP <= 220, BRAM18 <= 280, LUT <= 85 % of 53,200,
             FF <= 106,400.
  lfe5u-85f  the ULX3S-85F's ECP5: MULT18X18D and DP16KD counted exactly (qmlp.eda.ecp5.counts),
             LUT4 by the analytic model (on the one point routed both ways, PE=8,16,1
             SIMD=16,1,1 w8a8, the xc7 LUT estimate was 8,620 and nextpnr used 8,698 LUT4: the
             same unit to within 1 %, so no factor); a candidate is measured by a real place
             and route (`pnr_ecp5`, nextpnr-ecp5 at the search's clock), which also gives its
             fmax. Fit: MULT18X18D <= 156, DP16KD <= 208, LUT4 <= 85 % of 83,640, FF <= 83,640.
"""

from __future__ import annotations

from dataclasses import dataclass

from qmlp.errors import QmlpError
from qmlp.flow.dse.model import FIT, LUT_SHARE, Candidate


@dataclass(frozen=True, eq=False)          # hashed by identity: the plan's cache keys on it
class Device:
    name: str                    # the --device word
    part: str
    fit: dict                    # the fit rule: lut, ff, dsp, bram18 limits
    target: str                  # the FuseSoC target that measures a candidate
    units: dict                  # SPEC 3 key -> the device's cell name

    def estimate(self, c: Candidate) -> dict:
        """A candidate's resources on this device, before any tool runs (DSP and block RAM exact)."""
        est = c.estimate()
        if self.name == "xc7z020":
            return est
        from qmlp.eda.ecp5 import counts

        n = counts({"PE": c.pe, "SIMD": c.simd, "MAC": c.mac, "WBITS": c.wbits, "ABITS": c.abits,
                    "LUTPE": c.lutpes}, c.spec)
        return {**est, "dsp": n["dsp"], "bram18": n["bram18"]}

    def fits(self, r: dict) -> bool:
        """The fit rule on measured resources (or an estimate)."""
        return all(int(r[k]) <= self.fit[k] for k in self.fit)

    def score(self, est: dict) -> float:
        """Utilization: the largest share of any limit (1.0 = exactly full)."""
        return max(est[k] / self.fit[k] for k in ("dsp", "lut", "bram18", "ff"))

    def plausible(self, est: dict, margin: float) -> bool:
        """Worth a measurement: DSP blocks within the limit (exact), the estimates within `margin`."""
        return est["dsp"] <= self.fit["dsp"] and all(est[k] <= margin * self.fit[k] for k in ("lut", "ff", "bram18"))

    def label(self, key: str) -> str:
        return f"{key.upper()} ({self.units[key]})" if self.units[key] != key.upper() else key.upper()


XC7 = Device("xc7z020", "xc7z020clg400-1", FIT, "synth",
             {"lut": "LUT6", "ff": "FF", "dsp": "DSP48E1", "bram18": "BRAM18"})


def _ecp5() -> Device:
    from qmlp.eda.ecp5 import DEVICE

    fit = {"dsp": DEVICE["dsp"], "bram18": DEVICE["bram18"], "lut": int(LUT_SHARE * DEVICE["lut"]),
           "ff": DEVICE["ff"]}
    return Device("lfe5u-85f", DEVICE["part"], fit, "pnr_ecp5",
                  {"lut": "LUT4", "ff": "FF", "dsp": "MULT18X18D", "bram18": "DP16KD"})


ECP5 = _ecp5()
DEVICES = {d.name: d for d in (XC7, ECP5)}


def get(name: str) -> Device:
    try:
        return DEVICES[name.lower()]
    except KeyError:
        raise QmlpError(f"--device {name}: not one of {', '.join(DEVICES)}") from None
