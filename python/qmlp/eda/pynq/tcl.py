"""qmlp_pynq/config.tcl: the variables flows/pynq/qmlp_pynq_build.tcl reads (every number the block
design uses), written from the board constants and read back by the report step and the tests."""

from __future__ import annotations

import re
from pathlib import Path

from qmlp.eda.hdl import render
from qmlp.eda.pynq.board import (ADDR, BD, BOARD, BURST, CELLS, CONFIG, DDR, DMA_LENGTH_BITS, IP_DIR, LIBRARY,
                                 PART, RANGE, STREAM_BITS, VENDOR, VERSION)
from qmlp.errors import QmlpError


def _tcl_list(items) -> str:
    """A Tcl list of plain words: a file or value that would need Tcl quoting is refused, not quoted
    (the build Tcl and Vivado's own scripts would have to quote it everywhere it goes)."""
    for s in items:
        if re.search(r"[\s{}\[\]$\\\"]", str(s)):
            raise QmlpError(f"{s!r}: a file or value with spaces or Tcl characters cannot go into {CONFIG}")
    return "{" + " ".join(map(str, items)) + "}"


def size_text(n: int) -> str:
    """A range as assign_bd_address takes it: 64K, 512M."""
    for unit, k in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << k and n % (1 << k) == 0:
            return f"{n >> k}{unit}"
    return str(n)


def config_tcl(ov, files: list[str], headers: list[str], mems: list[str], digest: str) -> str:
    """qmlp_pynq/config.tcl: the variables qmlp_pynq_build.tcl reads (every number it uses), rendered
    from templates/config.tcl.j2. `ov` is the run's ip.Overlay (not imported here: ip imports this
    module)."""
    return render("qmlp.eda.pynq", "config.tcl.j2", ov=ov, part=PART, board=BOARD, bd=BD, ip_dir=IP_DIR,
                  vendor=VENDOR, library=LIBRARY, version=VERSION, files=_tcl_list(files),
                  headers=_tcl_list(headers), mems=_tcl_list(mems), stream_bits=STREAM_BITS,
                  dma_length_bits=DMA_LENGTH_BITS, burst=BURST, cells=CELLS, addr=ADDR, range=size_text(RANGE),
                  ddr=DDR, ddr_range=size_text(DDR[1]), digest=digest)


def read_config(path: Path) -> dict:
    """config.tcl back into {key: value} (the report step and the tests read it)."""
    out = {}
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise QmlpError(f"{path}: cannot read ({e.strerror}): did `qmlp hook pynq-setup` run?") from None
    for m in re.finditer(r"^set qmlp\((\w+)\) (.*)$", text, re.M):
        v = m.group(2)
        out[m.group(1)] = v[1:-1].split() if v.startswith("{") else v
    return out
