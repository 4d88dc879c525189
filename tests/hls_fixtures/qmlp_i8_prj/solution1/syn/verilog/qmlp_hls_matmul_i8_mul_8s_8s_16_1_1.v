// ==============================================================
// qmlp TEST FIXTURE, written by hand: NOT Vitis HLS output. It imitates the layout and style of
// a Vitis HLS solution folder (see tests/hls_fixtures/README.md) so that the packaging step can
// be tested on a machine without Vitis HLS.
// ==============================================================
`timescale 1 ns / 1 ps

// A combinational signed 8 x 8 -> 16 multiplier, in the form of Vitis HLS's operator modules.
module qmlp_hls_matmul_i8_mul_8s_8s_16_1_1(din0, din1, dout);

parameter ID = 1;
parameter NUM_STAGE = 1;
parameter din0_WIDTH = 8;
parameter din1_WIDTH = 8;
parameter dout_WIDTH = 16;

input  [din0_WIDTH - 1 : 0] din0;
input  [din1_WIDTH - 1 : 0] din1;
output [dout_WIDTH - 1 : 0] dout;

assign dout = $signed(din0) * $signed(din1);

endmodule
