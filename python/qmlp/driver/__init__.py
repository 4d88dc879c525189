"""qmlp's board driver for the AXI wrappers (numpy only: installs into a PYNQ board's Python).

    from qmlp.driver import MlpOverlay, MatmulOverlay
    classes = MlpOverlay("qmlp_mlp.bit").predict(images)              # on the board (pynq)
    C = MatmulOverlay("qmlp_i8.bit", kind="i8").matmul(A, B)
    MlpOverlay(design, backend="sim")                                 # here: against the RTL

regs: the register map and stream layouts; checks: the checks at the door; backends: where the
pynq classes come from; sim: the pynq stand-ins of the simulation backend
(imported only when used); bench: `qmlp driver-bench`.
"""

from qmlp.driver.overlay import DriverError, MatmulOverlay, MlpOverlay, backend_module

__all__ = ["DriverError", "MatmulOverlay", "MlpOverlay", "backend_module"]
