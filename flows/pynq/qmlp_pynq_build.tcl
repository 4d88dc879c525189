# qmlp: the PYNQ-Z2 overlay of a `pynq_z2` target - IP-XACT package, block design, bitstream.
#
#   vivado -notrace -mode batch -source qmlp_pynq_build.tcl
#
# run by qmlp_pynq.mk in the FuseSoC work root, after `qmlp hook pynq-setup` wrote the IP's
# sources (qmlp_pynq/ip/src) and qmlp_pynq/config.tcl. Every name and number used here is a
# qmlp(...) variable from config.tcl, i.e. from python/qmlp/eda/pynq.py, the one place the
# driver, the report step and the tests read them too. It writes
#   <name>.bit, <name>.hwh      side by side in the work root: pynq.Overlay("<name>.bit") finds
#                               the hardware handoff (cells, address map, IP settings) by name
#   qmlp_pynq/ip/component.xml  the IP-XACT package of the core
#   qmlp_pynq/vivado/           the block-design project (open it in the GUI to look around)
#   qmlp_pynq/qmlp_bd.tcl       the block design as Tcl (write_bd_tcl), to rebuild it by hand
#   qmlp_pynq/utilization.rpt, timing.rpt   for `qmlp hook pynq-report`
# Needs Vivado 2020.2 or newer and the PYNQ-Z2 board files. Written without a Vivado to run it
# on; tests/test_pynq.py runs it in tclsh against recording stand-ins of the Vivado commands.

set root [pwd]
source [file join $root qmlp_pynq config.tcl]
set out [file join $root qmlp_pynq]
set ipdir [file join $root $qmlp(ip_dir)]
set bit [file join $root $qmlp(name).bit]
set hwh [file join $root $qmlp(name).hwh]
set stamp [file join $out built.txt]

proc qmlp_fail {msg} {
    puts "ERROR: qmlp: $msg"
    exit 1
}

# An unchanged overlay is not rebuilt: the digest covers the IP's files and every setting.
if {[file exists $bit] && [file exists $hwh] && [file exists $stamp]} {
    set f [open $stamp]
    set old [string trim [read $f]]
    close $f
    if {$old eq $qmlp(digest)} {
        puts "qmlp: $qmlp(name).bit and $qmlp(name).hwh are up to date (digest $qmlp(digest))"
        exit 0
    }
}
# never leave an old pair beside a build that fails half way
file delete -force $bit $hwh $stamp

# ------------------------------------------------------------------------------------------
# 1. The core as IP-XACT. A packaging project holds the IP's own copy of the sources (flat
#    src/, the ROM files and the model header in src/qmlp_roms/ where the RTL includes them),
#    top last; ipx::package_project writes component.xml beside them (files referenced
#    relative to it, not imported) and infers the interfaces from the X_INTERFACE_INFO
#    attributes of the generated top. Nothing in the IP is left to set in the block design.
# ------------------------------------------------------------------------------------------
create_project qmlp_pynq_ip [file join $out ip_project] -part $qmlp(part) -force
foreach f $qmlp(ip_files) {
    add_files -norecurse [file join $ipdir $f]
}
foreach f $qmlp(ip_headers) {
    set h [file join $ipdir $f]
    add_files -norecurse $h
    set_property file_type {Verilog Header} [get_files $h]
}
foreach f $qmlp(ip_mems) {
    add_files -norecurse [file join $ipdir $f]
}
set_property include_dirs [list [file join $ipdir src]] [current_fileset]
set_property top $qmlp(ip_top) [current_fileset]
update_compile_order -fileset sources_1

ipx::package_project -root_dir $ipdir -vendor $qmlp(ip_vendor) -library $qmlp(ip_library) \
    -taxonomy /UserIP -force
set core [ipx::current_core]
set_property version $qmlp(ip_version) $core
set_property display_name "qmlp $qmlp(name)" $core
set_property description "qmlp $qmlp(kind) core behind AXI4-Lite control and AXI4-Stream in/out (pynq_z2 target)" $core
foreach busif {s_axi_control s_axis m_axis} {
    if {[llength [ipx::get_bus_interfaces $busif -of_objects $core]] == 0} {
        qmlp_fail "the IP packager made no $busif interface of $qmlp(ip_top) (see its X_INTERFACE_INFO)"
    }
    ipx::associate_bus_interfaces -busif $busif -clock ap_clk $core
}
ipx::associate_bus_interfaces -clock ap_clk -reset ap_rst_n $core
if {[llength [ipx::get_memory_maps s_axi_control -of_objects $core]] == 0} {
    qmlp_fail "the IP packager made no memory map for s_axi_control: the PS could not address the core"
}
ipx::create_xgui_files $core
ipx::update_checksums $core
ipx::check_integrity $core
ipx::save_core $core
close_project

# ------------------------------------------------------------------------------------------
# 2. The block design on the PYNQ-Z2
#
#    PS7 (board preset) M_AXI_GP0 -> axi_ctrl (SmartConnect 1:2) -> DMA S_AXI_LITE @ dma_offset
#                                                                -> core s_axi_control @ core_offset
#    DMA M_AXI_MM2S, M_AXI_S2MM -> axi_mem (SmartConnect 2:1) -> PS7 S_AXI_HP0 (DDR)
#    DMA M_AXIS_MM2S -> core s_axis;  core m_axis -> DMA S_AXIS_S2MM   (32-bit streams)
#    FCLK_CLK0 clocks everything; one proc_sys_reset from FCLK_RESET0_N.
#    Interrupts stay unconnected: PYNQ's DMA driver polls without an interrupt controller.
# ------------------------------------------------------------------------------------------
set repos [get_param board.repoPaths]
if {[info exists ::env(QMLP_BOARD_REPO)]} {
    lappend repos $::env(QMLP_BOARD_REPO)
}
# the board store of Vivado 2021.1 and newer (Tools > Vivado Store), when it has been used
if {![catch {get_property LOCAL_ROOT_DIR [xhub::get_xstores xilinx_board_store]} store]} {
    lappend repos $store
}
set_param board.repoPaths $repos

create_project $qmlp(name) [file join $out vivado] -part $qmlp(part) -force
if {[llength [get_board_parts -quiet $qmlp(board)]] == 0} {
    qmlp_fail "Vivado has no board files for $qmlp(board): install PYNQ-Z2 from Tools > Vivado Store > Boards,\
               or unpack TUL's PYNQ-Z2 board files and set QMLP_BOARD_REPO to their folder"
}
set_property board_part $qmlp(board) [current_project]
set_property ip_repo_paths [list $ipdir] [current_project]
update_ip_catalog -rebuild
if {[llength [get_ipdefs -quiet $qmlp(ip_vlnv)]] == 0} {
    qmlp_fail "the packaged IP $qmlp(ip_vlnv) is not in the IP catalog ($ipdir)"
}

create_bd_design $qmlp(bd)

# the Zynq PS with the board's preset (DDR, MIO, clocks), then what this design adds to it
set ps [create_bd_cell -type ip -vlnv xilinx.com:ip:processing_system7:5.5 $qmlp(cell_ps7)]
apply_bd_automation -rule xilinx.com:bd_rule:processing_system7 \
    -config {make_external "FIXED_IO, DDR" apply_board_preset "1" Master "Disable" Slave "Disable"} $ps
set_property -dict [list \
    CONFIG.PCW_USE_M_AXI_GP0 {1} \
    CONFIG.PCW_USE_S_AXI_HP0 {1} \
    CONFIG.PCW_S_AXI_HP0_DATA_WIDTH {64} \
    CONFIG.PCW_EN_CLK0_PORT {1} \
    CONFIG.PCW_EN_RST0_PORT {1} \
    CONFIG.PCW_FPGA0_PERIPHERAL_FREQMHZ $qmlp(fclk_mhz) \
] $ps

# AXI DMA in simple mode (no scatter-gather), both channels, 32-bit memory and stream sides.
# The stream widths are set by the user, not propagated from the core, so they cannot drift.
set dma [create_bd_cell -type ip -vlnv xilinx.com:ip:axi_dma:7.1 $qmlp(cell_dma)]
set_property -dict [list \
    CONFIG.c_m_axis_mm2s_tdata_width.VALUE_SRC USER \
    CONFIG.c_s_axis_s2mm_tdata_width.VALUE_SRC USER \
] $dma
set_property -dict [list \
    CONFIG.c_include_sg {0} \
    CONFIG.c_sg_include_stscntrl_strm {0} \
    CONFIG.c_micro_dma {0} \
    CONFIG.c_include_mm2s {1} \
    CONFIG.c_include_s2mm {1} \
    CONFIG.c_addr_width {32} \
    CONFIG.c_sg_length_width $qmlp(dma_length_bits) \
    CONFIG.c_m_axi_mm2s_data_width $qmlp(stream_bits) \
    CONFIG.c_m_axis_mm2s_tdata_width $qmlp(stream_bits) \
    CONFIG.c_m_axi_s2mm_data_width $qmlp(stream_bits) \
    CONFIG.c_s_axis_s2mm_tdata_width $qmlp(stream_bits) \
    CONFIG.c_mm2s_burst_size $qmlp(burst) \
    CONFIG.c_s2mm_burst_size $qmlp(burst) \
] $dma

set qcore [create_bd_cell -type ip -vlnv $qmlp(ip_vlnv) $qmlp(cell_core)]
set rst [create_bd_cell -type ip -vlnv xilinx.com:ip:proc_sys_reset:5.0 $qmlp(cell_reset)]
set ctrl [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect:1.0 $qmlp(cell_ctrl)]
set_property -dict [list CONFIG.NUM_SI {1} CONFIG.NUM_MI {2}] $ctrl
set mem [create_bd_cell -type ip -vlnv xilinx.com:ip:smartconnect:1.0 $qmlp(cell_mem)]
set_property -dict [list CONFIG.NUM_SI {2} CONFIG.NUM_MI {1}] $mem

proc qmlp_intf {from to} {
    connect_bd_intf_net [get_bd_intf_pins $from] [get_bd_intf_pins $to]
}
proc qmlp_net {from args} {
    set pins [list [get_bd_pins $from]]
    foreach p $args {
        lappend pins [get_bd_pins $p]
    }
    connect_bd_net {*}$pins
}

set P $qmlp(cell_ps7)
set D $qmlp(cell_dma)
set C $qmlp(cell_core)
set R $qmlp(cell_reset)
set X $qmlp(cell_ctrl)
set M $qmlp(cell_mem)
# control: the PS programs the DMA and the core
qmlp_intf $P/M_AXI_GP0 $X/S00_AXI
qmlp_intf $X/M00_AXI $D/S_AXI_LITE
qmlp_intf $X/M01_AXI $C/s_axi_control
# data: the DMA reads images / matrices from DDR and writes results back
qmlp_intf $D/M_AXI_MM2S $M/S00_AXI
qmlp_intf $D/M_AXI_S2MM $M/S01_AXI
qmlp_intf $M/M00_AXI $P/S_AXI_HP0
qmlp_intf $D/M_AXIS_MM2S $C/s_axis
qmlp_intf $C/m_axis $D/S_AXIS_S2MM
# one clock, one reset
qmlp_net $P/FCLK_CLK0 $P/M_AXI_GP0_ACLK $P/S_AXI_HP0_ACLK $D/s_axi_lite_aclk $D/m_axi_mm2s_aclk \
    $D/m_axi_s2mm_aclk $X/aclk $M/aclk $C/ap_clk $R/slowest_sync_clk
qmlp_net $P/FCLK_RESET0_N $R/ext_reset_in
qmlp_net $R/peripheral_aresetn $D/axi_resetn $C/ap_rst_n
qmlp_net $R/interconnect_aresetn $X/aresetn $M/aresetn

# the address map the driver and the .hwh check expect
set ps_space [get_bd_addr_spaces $P/Data]
assign_bd_address -target_address_space $ps_space -offset $qmlp(dma_offset) -range $qmlp(range) \
    [get_bd_addr_segs $D/S_AXI_LITE/Reg] -force
assign_bd_address -target_address_space $ps_space -offset $qmlp(core_offset) -range $qmlp(range) \
    [get_bd_addr_segs -of_objects [get_bd_intf_pins $C/s_axi_control]] -force
foreach space {Data_MM2S Data_S2MM} {
    assign_bd_address -target_address_space [get_bd_addr_spaces $D/$space] -offset $qmlp(ddr_offset) \
        -range $qmlp(ddr_range) [get_bd_addr_segs $P/S_AXI_HP0/HP0_DDR_LOWOCM] -force
}
foreach seg [get_bd_addr_segs -of_objects $ps_space] {
    puts "qmlp: address [get_property OFFSET $seg] range [get_property RANGE $seg]: [get_property NAME $seg]"
}

validate_bd_design
set fclk [get_property CONFIG.PCW_ACT_FPGA0_PERIPHERAL_FREQMHZ $ps]
puts "qmlp: FCLK0 asked $qmlp(fclk_mhz) MHz, the PS7 makes $fclk MHz"
if {abs($fclk - $qmlp(fclk_mhz)) > 0.01 * $qmlp(fclk_mhz)} {
    puts "WARNING: qmlp: FCLK0 is $fclk MHz, not $qmlp(fclk_mhz) MHz (the IO PLL over two integer dividers)"
}
save_bd_design
write_bd_tcl -force [file join $out $qmlp(bd).tcl]

# ------------------------------------------------------------------------------------------
# 3. Wrapper, synthesis, implementation, bitstream
# ------------------------------------------------------------------------------------------
set bdfile [get_files $qmlp(bd).bd]
generate_target all $bdfile
set wrapper [make_wrapper -files $bdfile -top]
add_files -norecurse $wrapper
set_property top $qmlp(bd)_wrapper [current_fileset]
update_compile_order -fileset sources_1

set jobs 2
if {[info exists ::env(QMLP_VIVADO_JOBS)]} {
    set jobs $::env(QMLP_VIVADO_JOBS)
}
launch_runs impl_1 -to_step write_bitstream -jobs $jobs
wait_on_run impl_1
set run [get_runs impl_1]
set status [get_property STATUS $run]
if {[get_property PROGRESS $run] ne "100%" || ![regexp {write_bitstream Complete} $status]} {
    qmlp_fail "Vivado run impl_1 did not write the bitstream (status: $status);\
               see [get_property DIRECTORY $run]/runme.log"
}
open_run impl_1
report_utilization -file [file join $out utilization.rpt]
report_timing_summary -max_paths 10 -file [file join $out timing.rpt]

# <name>.bit from the run, <name>.hwh from the block design's hw_handoff folder (.gen/ since
# Vivado 2020.2, .srcs/ before)
set built [file join [get_property DIRECTORY $run] $qmlp(bd)_wrapper.bit]
if {![file exists $built]} {
    qmlp_fail "no $built after write_bitstream"
}
set handoff ""
foreach d {gen srcs} {
    set h [file join [get_property DIRECTORY [current_project]] $qmlp(name).$d sources_1 bd $qmlp(bd) \
        hw_handoff $qmlp(bd).hwh]
    if {[file exists $h]} {
        set handoff $h
        break
    }
}
if {$handoff eq ""} {
    qmlp_fail "no hw_handoff/$qmlp(bd).hwh in [get_property DIRECTORY [current_project]]/$qmlp(name).gen or .srcs"
}
file copy -force $built $bit
file copy -force $handoff $hwh
set f [open $stamp w]
puts $f $qmlp(digest)
close $f
puts "qmlp: wrote $bit and $hwh"
