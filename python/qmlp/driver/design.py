"""Design points of the AXI wrappers: parameter checks (the FuseSoC pre-build hook of
qmlp:axi:matmul, `qmlp hook axi-matmul`) and the register values a build must read back.

The IP's own parameters are checked by qmlp.params (the one table); this module adds what the
wrapper needs: a known KIND and int8 arrays that fill whole 32-bit stream words.
"""

from __future__ import annotations

from pathlib import Path

from qmlp import params
from qmlp.driver import regs
from qmlp.errors import QmlpError

MATMUL_DEFAULTS = {"KIND": "i8"}


def check_matmul(raw: dict) -> dict:
    """{name: typed value} of a qmlp:axi:matmul design point (KIND included), or a QmlpError."""
    kind = str(raw.get("KIND") or "i8").strip('"')
    if kind not in params.KINDS:
        raise QmlpError(f"--KIND={kind} is not one of {', '.join(params.KINDS)}: which matmul IP the wrapper holds")
    v = params.validate(kind, {k: x for k, x in raw.items() if k != "KIND"})
    v["KIND"] = kind
    aw, bw, cw = regs.matmul_widths(kind)
    per = 8 // v.get("WBITS", 8) if kind == "i8" else 1
    arrays = {"A": (v["ROWS"] * v["INNER"], aw), "B": (v["INNER"] * v["COLS"] // per, bw),
              "C": (v["ROWS"] * v["COLS"], cw)}
    for name, (n, bits) in arrays.items():
        if n * bits % 32:
            raise QmlpError(f"--ROWS={v['ROWS']} --INNER={v['INNER']} --COLS={v['COLS']}: {name} holds {n} int8 "
                            "elements, which do not fill whole 32-bit stream words (4 per word): make it a "
                            "multiple of 4")
    for name in ("ROWS", "INNER", "COLS"):
        if v[name] > 0xFFFF:
            raise QmlpError(f"--{name}={v[name]}: the configuration register holds 16 bits")
    return v


def matmul_config(v: dict) -> dict:
    return regs.matmul_config(v["KIND"], v["ROWS"], v["INNER"], v["COLS"], v["LANES"], v.get("ACC_W", 32),
                              v.get("SHIFT", 0), v.get("WBITS", 8), v.get("FL_B", 4))


def hook_matmul(work_root: Path = Path(".")) -> str:
    """`qmlp hook axi-matmul`: validate the run's parameters (every target of qmlp:axi:matmul)."""
    from qmlp.eda.edam import edam_parameters
    from qmlp.eda.hooks import guard_work_root

    raw = edam_parameters(work_root)
    v = check_matmul(raw)
    guard_work_root(v["KIND"], {k: x for k, x in raw.items() if k != "KIND"}, work_root)
    shown = " ".join(f"{k}={x}" for k, x in v.items() if k not in ("VECTORS", "SEED", "STRICT_X", "TARGET_MHZ"))
    return f"HOOK axi-matmul ok: {shown}"
