"""The `pynq_z2` targets: a PYNQ-Z2 overlay (`<name>.bit` + `<name>.hwh`) built by Vivado.

The targets use edalize's `vivado` flow for what FuseSoC gives every flow (the EDAM file, the
pre-build hooks, a Makefile) and replace its build goal (flows/pynq/qmlp_pynq.mk):

    qmlp hook pynq-setup <mlp|matmul>      (pre_build, after the core's own hooks)
        validates the run's parameters (FCLK_MHZ included), assembles the IP's sources in
        qmlp_pynq/ip/ (the wrapper's RTL from the EDAM file list, the accelerator's ROM files,
        and a generated top, qmlp_pynq_<mlp|matmul>.v, that fixes the run's parameters and
        names the AXI interfaces for Vivado's packager), writes qmlp_pynq/config.tcl (every
        number the block design uses, from the constants below) and then checks that Vivado
        is on PATH: without it the run stops here, with what to install, and the generated
        files stay for review
    vivado -mode batch -source qmlp_pynq_build.tcl                   (flows/pynq)
        packages qmlp_pynq/ip as IP-XACT, builds the block design (PS7 with the board preset,
        AXI DMA in simple mode, SmartConnects, the core), validates it, synthesizes,
        implements, writes the bitstream, copies <name>.bit and <name>.hwh into the work root
    qmlp hook pynq-report                  (after Vivado)
        checks the two files and the .hwh's address map and DMA settings against the
        constants below, prints `OVERLAY ...`, the TIMING line and the SPEC 3 RESOURCES line
        of the whole design, writes resources.json; a design that misses FCLK0 fails

The package: `board` (the PYNQ-Z2 and block design constants, the run's folders, the Vivado
check), `ip` (the parameters, the IP folder and its top, a jinja2 template; the wrapper's ports
and parameters read by Yosys), `tcl` (config.tcl), `hwh` (the handoff checks and the report).
Every name is importable from qmlp.eda.pynq itself.

Nothing here runs Vivado; tests/test_pynq.py checks the generated files and runs
qmlp_pynq_build.tcl in tclsh against recording stand-ins of the Vivado commands.
"""

from qmlp.eda.pynq.board import (ADDR, BATCH_IMAGES, BD, BOARD, BURST, CELLS, CONFIG, CTRL_ADDR_BITS, DDR,
                                 DMA_LENGTH_BITS, FCLK_SOURCE_MHZ, IP_DIR, LIBRARY, OUT, PART, RANGE, STREAM_BITS,
                                 VENDOR, VERSION, check_vivado, fclk_actual, transfer_bytes)
from qmlp.eda.pynq.hwh import check_hwh, report
from qmlp.eda.pynq.ip import Overlay, overlay_of, setup, top_verilog, wrapper_module
from qmlp.eda.pynq.tcl import config_tcl, read_config, size_text

__all__ = ["ADDR", "BATCH_IMAGES", "BD", "BOARD", "BURST", "CELLS", "CONFIG", "CTRL_ADDR_BITS", "DDR",
           "DMA_LENGTH_BITS", "FCLK_SOURCE_MHZ", "IP_DIR", "LIBRARY", "OUT", "PART", "RANGE", "STREAM_BITS",
           "VENDOR", "VERSION", "check_vivado", "fclk_actual", "transfer_bytes", "check_hwh", "report", "Overlay",
           "overlay_of", "setup", "top_verilog", "wrapper_module", "config_tcl", "read_config", "size_text"]
