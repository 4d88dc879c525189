"""The PYNQ-Z2 board and block design: every number the build Tcl, the checks and the driver share,
and where a pynq_z2 run writes its files."""

from __future__ import annotations

import shutil

from qmlp.errors import QmlpError
from qmlp.spec import LAB

PART = "xc7z020clg400-1"
BOARD = "tul.com.tw:pynq-z2:part0:1.0"
BD = "qmlp_bd"                      # block design; Vivado names its handoff file qmlp_bd.hwh
VENDOR, LIBRARY, VERSION = "qmlp.org", "qmlp", "1.0"
STREAM_BITS = 32                    # AXI DMA's stream width = the wrappers' tdata (PYNQ's default)
# Cell names: the driver finds the DMA and the core in the overlay's ip_dict by these names
# (pynq.Overlay exposes them as attributes: overlay.axi_dma_0, overlay.qmlp_0).
CELLS = {"ps7": "processing_system7_0", "dma": "axi_dma_0", "core": "qmlp_0", "reset": "rst_fclk0",
         "ctrl": "axi_ctrl", "mem": "axi_mem"}
# Address map on the PS7's M_AXI_GP0 (0x4000_0000..0x7FFF_FFFF): the DMA where PYNQ's own
# overlays put it, the core at the first address Vivado hands out on GP0. 64 KiB each.
ADDR = {"dma": 0x4040_0000, "core": 0x43C0_0000}
RANGE = 0x1_0000
CTRL_ADDR_BITS = 16                 # the generated top's s_axi_control address: the 64 KiB segment
# The DMA reaches the PS DDR through S_AXI_HP0 (the PYNQ-Z2 has 512 MiB at 0).
DDR = (0x0000_0000, 0x2000_0000)
# AXI DMA's buffer length register (c_sg_length_width, 8..26 bits): one simple-mode transfer
# moves at most 2**bits - 1 bytes. 26 bits = 64 MiB - 1; 10,000 images of the lab's network
# are 7,840,000 bytes at four inputs per stream word and 31,360,000 at one input per word:
# either fits. The driver (qmlp.driver.regs.DMA_MAX_BYTES, the same number) splits a batch of a
# wider network into transfers that fit.
DMA_LENGTH_BITS = 26                # qmlp.driver.regs.DMA_LENGTH_BITS (eda must not import the driver)
BATCH_IMAGES = 10_000               # the largest batch the length register must hold
BURST = 16                          # DMA burst length, beats (32-bit beats: 64 bytes)
FCLK_SOURCE_MHZ = 1000.0            # the PYNQ-Z2 preset's IO PLL, which FCLK0 divides

# ----------------------------------------------------------------------------- the run's files

OUT = "qmlp_pynq"                   # everything the target writes, under the work root
CONFIG = f"{OUT}/config.tcl"
IP_DIR = f"{OUT}/ip"


def transfer_bytes(images: int = BATCH_IMAGES, inputs: int = LAB.inputs, classes: int = LAB.classes) -> int:
    """The longest DMA transfer of a batch of a network with `inputs` inputs and `classes`
    classes (default the lab's): the input stream at one input per 32-bit word (the worst case of
    any packing the driver may choose) or the output (the logits and the class, at least 16
    words per image)."""
    return max(images * inputs * (STREAM_BITS // 8), images * max(16, classes + 1) * (STREAM_BITS // 8))


def fclk_actual(mhz: float) -> float:
    """FCLK0 the PS7 makes for a requested frequency: the IO PLL over two 6-bit dividers."""
    best = min(((d0, d1) for d0 in range(1, 64) for d1 in range(1, 64)),
               key=lambda d: (abs(FCLK_SOURCE_MHZ / (d[0] * d[1]) - mhz), d[0] * d[1]))
    return FCLK_SOURCE_MHZ / (best[0] * best[1])


_NO_VIVADO = (
    "vivado not found on PATH: the pynq_z2 target builds the PYNQ-Z2 overlay (<name>.bit and <name>.hwh) "
    "with AMD Vivado, 2020.2 or newer. The free Vivado Standard edition covers the xc7z020: download "
    "the AMD Unified Installer from https://www.xilinx.com/support/download.html, install Vivado with "
    "the Zynq-7000 devices, then `source <install>/Vivado/<version>/settings64.sh` to put vivado on "
    "PATH. The board files (" + BOARD + ") come from Vivado's Tools > Vivado Store > Boards (PYNQ-Z2) "
    "or TUL's PYNQ-Z2 page, https://www.tulembedded.com/FPGA/ProductsPYNQ-Z2.html (unpack them into "
    "<install>/Vivado/<version>/data/boards/board_files, or set QMLP_BOARD_REPO to their folder). "
    "Nothing was built; the IP sources and the block design's settings are in {where} for review"
)


def check_vivado(where: str = "qmlp_pynq/") -> str:
    exe = shutil.which("vivado")
    if exe is None:
        raise QmlpError(_NO_VIVADO.format(where=where))
    return exe
