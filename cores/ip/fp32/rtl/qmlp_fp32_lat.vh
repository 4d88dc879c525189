// Pipeline latencies (clock cycles from operands in to result out) of the
// binary32 units, for sizing delay lines at compile time. Each value must equal
// the LATENCY localparam of its module; tests/test_fp32_units.py checks both
// against the simulated timing.
`ifndef QMLP_FP32_LAT_VH
`define QMLP_FP32_LAT_VH

`define QMLP_FP32_MUL_LAT 7
`define QMLP_FP32_ADD_LAT 8
`define QMLP_FP32_CVT_LAT 1

`endif
