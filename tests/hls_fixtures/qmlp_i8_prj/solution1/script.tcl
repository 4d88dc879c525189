## qmlp test fixture: the script Vitis HLS records for a solution, as flows/vitis_hls/run_hls.tcl
## would produce it for this block (written by hand, see ../../README.md)
open_project qmlp_i8_prj
set_top qmlp_hls_matmul_i8
add_files ../../cores/hls/src/matmul_i8.cpp -cflags "-DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0 -I../../cores/hls/src"
add_files ../../cores/hls/src/qmlp_hls.h -cflags "-DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0 -I../../cores/hls/src"
add_files -tb ../../cores/hls/src/csim_main.cpp -cflags "-DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0 -I../../cores/hls/src -DQMLP_KERNEL_I8 -std=c++14 -ffp-contract=off"
open_solution "solution1" -flow_target vivado
set_part {xc7z020clg400-1}
create_clock -period 10 -name default
config_export -format ip_catalog -rtl verilog
csynth_design
export_design -format ip_catalog -rtl verilog
