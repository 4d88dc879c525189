`default_nettype none
// A registered signed product p = w * x built from shifts and adds (MAC style lut), so that
// synthesis builds it in LUTs and carry chains: Yosys 0.23 maps every `*` it can to a DSP48
// and ignores (* use_dsp = "no" *), so the multiplier is written out instead. With the weight
// w = -w[WB-1] * 2**(WB-1) + sum_j w[j] * 2**j (two's complement),
//   w * x = sum_{j < WB-1} (w[j] ? x << j : 0) - (w[WB-1] ? x << (WB-1) : 0)
// on PW = WB + AB bits, which hold every product exactly (|w * x| <= 2**(PW-2)).
module qmlp_mul_lut #(
  parameter integer WB = 4,    // weight code bits (2..4 are what it is for; any >= 2 works)
  parameter integer AB = 8     // activation code bits
) (
  input  wire                      clk_i,
  input  wire [WB-1:0]             w_i,
  input  wire [AB-1:0]             x_i,
  output reg  signed [WB+AB-1:0]   p_o
);
  localparam integer PW = WB + AB;
  wire signed [PW-1:0] xs = {{WB{x_i[AB-1]}}, x_i};
  reg  signed [PW-1:0] sum;
  integer j;
  always @* begin
    sum = w_i[WB-1] ? -(xs <<< (WB - 1)) : {PW{1'b0}};
    for (j = 0; j < WB - 1; j = j + 1)
      if (w_i[j]) sum = sum + (xs <<< j);
  end
  always @(posedge clk_i) p_o <= sum;
endmodule
`default_nettype wire
