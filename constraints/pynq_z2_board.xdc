# PYNQ-Z2 board pins, for reference only: no qmlp target reads this file.
#
# The qmlp IP and accelerator cores are implemented out of context (see pynq_z2.xdc). In a PYNQ
# design they would sit in a block design clocked by the Zynq PS (FCLK_CLK0); a board-level top
# that takes the on-board clock directly would use:
#
#   sysclk: the 125 MHz clock input of the PL, pin H16, LVCMOS33.
#
# Use it through an MMCM/PLL (Clocking Wizard) to derive the 100 MHz ap_clk.

set_property -dict {PACKAGE_PIN H16 IOSTANDARD LVCMOS33} [get_ports sysclk]
create_clock -period 8.000 -name sys_clk_pin -waveform {0.000 4.000} [get_ports sysclk]
