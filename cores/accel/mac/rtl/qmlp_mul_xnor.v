`default_nettype none
// The product of a bipolar weight and a bipolar input (MAC style lut at WBITS=1 with 1-bit
// input codes): both are bits b standing for 2b - 1 (qmlp.numerics.bipolar), so the product
// is +1 where the bits agree and -1 where they differ: w * x = 2 * p_o - 1, p_o = XNOR(w, x),
// registered. The layer's adder tree sums the p_o bits (a popcount) and the lane adds
// 2 * popcount - SIMD to the accumulator (qmlp_mlp_lane): one LUT per product, 1-bit leaves.
module qmlp_mul_xnor (
  input  wire clk_i,
  input  wire w_i,      // weight bit: 1 = +1, 0 = -1
  input  wire x_i,      // input bit: 1 = +1, 0 = -1
  output reg  p_o       // 1: the product is +1, 0: -1
);
  always @(posedge clk_i) p_o <= ~(w_i ^ x_i);
endmodule
`default_nettype wire
