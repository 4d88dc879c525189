`default_nettype none
// A signed product w * x in LUTs (MAC style lut), as a registered leaf and a registered
// correction count: w * x = p_o + c_o exactly. Yosys 0.23 maps every `*` it can to a DSP48
// and ignores (* use_dsp = "no" *), so the product is written out, and so that it is small:
//
// Radix-4 Booth digits of the WB-bit two's-complement weight (WB even):
//   d_j = -2 w[2j+1] + w[2j] + w[2j-1]  (w[-1] = 0),  d_j in {-2..2},  w = sum_j d_j 4**j
// d_j * x is t_j = |d_j| * x (0, x or 2x: wiring and a 2:1 choice), negated when d_j < 0 as
// ~t_j + 1. The ones' complement is a LUT per bit together with the choice (inputs: three
// weight bits and two bits of x). The rows are summed here, one carry chain per row above the
// first, and the +1s of negated digits ride in the chains' free low bits (g_booth), except the
// top digit's: c_o = [d_top < 0] 4**(WB/2-1), which depends on the weight only and is summed by
// the lane in a narrow tree of its own. At WB=2 (one digit) a product is PW LUTs; every even WB
// up to 8 works (mixed layers, --LUTPE, use it for 8-bit weights).
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

  generate
    if (WB == 1) begin : g_bin
      // +x or ~x (= -x - 1) by the weight bit; the +1 of a -1 weight is c_o. The registers hold
      // x and the inverted weight bit and the XOR follows them, so that it shares a LUT with
      // the first adder of the layer's tree (Yosys, one lane of SIMD 16 at w1a8: 310 LUT
      // against 366 with the XOR before the register; docs/binary.md)
      wire signed [PW-1:0] xs = {{(PW - AE){xe[AE-1]}}, xe};
      reg signed [PW-1:0] x_q;
      reg                 nw_q;
      always @(posedge clk_i) begin
        x_q  <= xs;
        nw_q <= ~w_i[0];
      end
      always @* begin
        p_o = x_q ^ {PW{nw_q}};
        c_o = nw_q;
      end
    end else begin : g_booth
      // Row j, r_j = t_j ^ neg_j (RW bits: 0, +-x or +-2x in ones' complement), is added at
      // bit 2j to the sum of the rows below it in a carry chain of its own that starts at bit
      // 2(j-1): the row's two lowest bits there are free and take the +1 of row j-1 (neg_{j-1}
      // at bit 2(j-1)), so only the top row's +1 is left for c_o. Each row bit is a function of
      // five inputs (three weight bits, two of x), which ABC folds into the LUT6 of the chain
      // bit that adds it (the running sum is the chain's other operand); the low bits of the
      // sum pass by. Yosys 0.23 (synth_xilinx -abc9), WB=AB=8: 40 LUT and 9 CARRY4 per product,
      // against 82 LUT for the rows summed at full width with every +1 counted in c_o.
      localparam integer RW = AE + 1;
      wire [WB:0] wx = {w_i, 1'b0};             // w[-1] = 0 below bit 0
      wire signed [RW-1:0] xr = {xe[AE-1], xe};
      genvar j;
      for (j = 0; j < ND; j = j + 1) begin : g_d
        // digit j from bits 2j+1, 2j, 2j-1 (wx index +1)
        wire neg = wx[2*j + 2] & ~(wx[2*j + 1] & wx[2*j]);
        wire one = wx[2*j + 1] ^ wx[2*j];
        wire two = (wx[2*j + 2] & ~wx[2*j + 1] & ~wx[2*j]) | (~wx[2*j + 2] & wx[2*j + 1] & wx[2*j]);
        wire signed [RW-1:0] t = one ? xr : two ? (xr <<< 1) : {RW{1'b0}};
        wire signed [RW-1:0] r = t ^ {RW{neg}};
        // s_j = s_{j-1} + (r_j * 4 + neg_{j-1}) * 4**(j-1): |s_j| < 2**(AE + 2j + 1), so AW bits
        localparam integer AW = AE + 2 + 2 * j;
        wire signed [AW-1:0] s;
        if (j == 0) begin : g_row0
          assign s = {r[RW-1], r};
        end else begin : g_row
          localparam integer LO = 2 * (j - 1);   // the chain's first bit
          localparam integer PAW = AE + 2 * j;   // s_{j-1}'s width
          wire signed [PAW-1:0] prev = g_d[j-1].s;
          // AW - LO = AE + 4 bits: s_{j-1} above LO (AE + 2 bits) and {r_j, 0, neg_{j-1}} (AE + 3)
          wire signed [AW-LO-1:0] pa = {{2{prev[PAW-1]}}, prev[PAW-1:LO]};
          wire signed [AW-LO-1:0] pb = {r[RW-1], r, 1'b0, g_d[j-1].neg};
          wire signed [AW-LO-1:0] hi = pa + pb;
          if (LO > 0) begin : g_pass
            assign s = {hi, prev[LO-1:0]};
          end else begin : g_all
            assign s = hi;
          end
        end
      end
      // s_{ND-1} = w * x - c_o: it fits PW bits (AE + WB bits only when a bipolar input is widened)
      /* verilator lint_off UNUSEDSIGNAL */   // at AB=1 its top bit is a sign copy
      wire signed [AE+WB-1:0] sum = g_d[ND-1].s;
      /* verilator lint_on UNUSEDSIGNAL */
      always @(posedge clk_i) begin
        p_o <= sum[PW-1:0];
        c_o <= {{(WB - 1){1'b0}}, g_d[ND-1].neg} << (2 * (ND - 1));
      end
    end
  endgenerate
endmodule
`default_nettype wire
