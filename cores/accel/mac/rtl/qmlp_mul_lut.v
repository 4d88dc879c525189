`default_nettype none
// A signed product w * x in LUTs (MAC style lut), as a registered leaf and a registered
// correction count: w * x = p_o + c_o exactly. Yosys 0.23 maps every `*` it can to a DSP48
// and ignores (* use_dsp = "no" *), so the product is written out, and so that it is small:
//
// Radix-4 Booth digits of the WB-bit two's-complement weight (WB even):
//   d_j = -2 w[2j+1] + w[2j] + w[2j-1]  (w[-1] = 0),  d_j in {-2..2},  w = sum_j d_j 4**j
// d_j * x is t_j = |d_j| * x (0, x or 2x: wiring and a 2:1 choice), negated when d_j < 0 as
// ~t_j + 1. The ones' complement is a LUT per bit together with the choice (inputs: three
// weight bits and two bits of x), no carry chain; the +1 of each negated digit is not added
// here but counted in c_o = sum_j [d_j < 0] 4**j, which depends on the weight only and is summed
// by the layer in a narrow tree of its own. At WB=2 (one digit) a product is PW LUTs; at WB=4
// the two digit terms are added here (one PW-bit adder).
//
// 1-bit operands are bipolar (qmlp.numerics.bipolar): the bit b stands for 2b - 1, +1 or -1.
// WB=1: the product is +x or -x = ~x + 1, so p_o = b ? x : ~x (x XOR the inverted weight bit,
// one LUT per bit, no adder) and c_o = ~b: again exactly w * x = p_o + c_o, and the +1s are
// counted in the same narrow tree (a popcount of the -1 weights). AB=1: the input bit a is
// widened to its 2-bit two's-complement code {~a, 1} (+1 = 01, -1 = 11) and multiplied as any
// 2-bit code (the layer takes 1-bit weights AND 1-bit inputs to qmlp_mul_xnor instead).
module qmlp_mul_lut #(
  parameter integer WB = 4,    // weight code bits: 4, 2 (even) or 1 (bipolar)
  parameter integer AB = 8     // activation code bits (1: bipolar)
) (
  input  wire                      clk_i,
  input  wire [WB-1:0]             w_i,
  input  wire [AB-1:0]             x_i,
  output reg  signed [WB+AB-1:0]   p_o,
  output reg  [WB-1:0]             c_o
);
  localparam integer PW = WB + AB;
  localparam integer ND = WB / 2;               // Booth digits
  localparam integer AE = (AB == 1) ? 2 : AB;   // bits of the input's two's-complement code
  generate
    if ((WB % 2 != 0 && WB != 1) || WB < 1 || WB > 8 || AB < 1) begin : g_bad
      qmlp_mul_lut_WB_must_be_1_or_even u_bad ();
    end
  endgenerate

  wire [AE-1:0] xe;                             // the input's code (a bipolar bit widened)
  generate
    if (AB == 1) begin : g_xbin
      assign xe = {~x_i[0], 1'b1};
    end else begin : g_xcode
      assign xe = x_i;
    end
  endgenerate
  wire signed [PW-1:0] xs = {{(PW - AE){xe[AE-1]}}, xe};

  generate
    if (WB == 1) begin : g_bin
      // +x or ~x (= -x - 1) by the weight bit; the +1 of a -1 weight is c_o
      always @(posedge clk_i) begin
        p_o <= xs ^ {PW{~w_i[0]}};
        c_o <= ~w_i;
      end
    end else begin : g_booth
      wire [WB:0] wx = {w_i, 1'b0};             // w[-1] = 0 below bit 0
      reg  signed [PW-1:0] sum, t;
      reg  [WB-1:0] cnt;
      reg  neg, one, two;
      integer j;
      always @* begin
        sum = {PW{1'b0}};
        cnt = {WB{1'b0}};
        for (j = 0; j < ND; j = j + 1) begin
          // digit j from bits 2j+1, 2j, 2j-1 (wx index +1)
          neg = wx[2*j + 2] & ~(wx[2*j + 1] & wx[2*j]);
          one = wx[2*j + 1] ^ wx[2*j];
          two = (wx[2*j + 2] & ~wx[2*j + 1] & ~wx[2*j]) | (~wx[2*j + 2] & wx[2*j + 1] & wx[2*j]);
          t = one ? xs : two ? (xs <<< 1) : {PW{1'b0}};
          sum = sum + ((t ^ {PW{neg}}) <<< (2 * j));
          if (neg) cnt = cnt + (1 << (2 * j));
        end
      end
      always @(posedge clk_i) begin
        p_o <= sum;
        c_o <= cnt;
      end
    end
  endgenerate
endmodule
`default_nettype wire
