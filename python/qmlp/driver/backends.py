"""Where the driver's pynq classes come from: the board's pynq, or a stand-in (`backend=`)."""

from __future__ import annotations

import importlib
import os

from qmlp.driver.checks import DriverError

# "pynq": the board. "sim": pynq stand-ins over the RTL (qmlp.driver.sim). The test backends:
# "test" (the stand-ins with fault injection, over the RTL or the golden core: qmlp.driver.testing)
# and "pynq-model" (pynq 4's own DMA, DefaultIP, MMIO and PynqBuffer over a faked register memory
# and AXI DMA engine: qmlp.driver.pynq_model; needs the pynq package)
BACKENDS = {"pynq": "pynq", "sim": "qmlp.driver.sim", "test": "qmlp.driver.testing",
            "pynq-model": "qmlp.driver.pynq_model"}


def backend_module(backend: str | None):
    """The module that provides Overlay and allocate: pynq on the board, qmlp.driver.sim here."""
    if backend is not None and not isinstance(backend, str):
        if hasattr(backend, "Overlay") and hasattr(backend, "allocate"):
            return backend                    # a module-like object (tests)
        raise DriverError(f"backend={backend!r}: one of {', '.join(BACKENDS)}, or a module with Overlay "
                          "and allocate")
    name = backend or os.environ.get("QMLP_DRIVER_BACKEND") or "pynq"
    if name not in BACKENDS:
        raise DriverError(f"backend {name!r}: one of {', '.join(BACKENDS)} (QMLP_DRIVER_BACKEND)")
    try:
        return importlib.import_module(BACKENDS[name])
    except ImportError as e:
        if name in ("pynq", "pynq-model") and (e.name or "").split(".")[0] == "pynq":
            raise DriverError("the pynq package is not installed (on a PYNQ board it is; elsewhere use "
                              "backend='sim' or QMLP_DRIVER_BACKEND=sim)") from None
        raise
