`default_nettype none
// Two signed products that share one operand in one DSP48E1 multiplier (MAC style dsp2):
//   p_lo = w_lo * x,  p_hi = w_hi * x,  one cycle after the operands.
//
// The 25-bit port takes the packed weight a = w_hi * 2**16 + w_lo (the DSP's pre-adder forms
// it, so a negative w_lo borrows from w_hi inside the DSP), the 18-bit port takes x, and the
// post-adder adds the constant 2**15 (the C port):
//   P = a * x + 2**15 = (w_hi * x) * 2**16 + (w_lo * x + 2**15).
// For codes of at most 8 bits |w_lo * x| <= 2**14, so the low field L = w_lo * x + 2**15 lies
// in [2**14, 3 * 2**14] - never negative, never 2**16 or more - and does not carry into or
// borrow from the high field. Hence, exactly, with no per-product correction:
//   P[15:0]  = L                    -> w_lo * x = L - 2**15 = {~P[15], P[14:0]} (signed 16 bits)
//   P[31:16] = w_hi * x mod 2**16   -> w_hi * x (|w_hi * x| <= 2**14 fits 16 signed bits)
// The bias replaces the borrow bit that a plain packing (FINN's mvu_8sx8u_dsp48) adds back per
// product; 32 bits of P are kept (the product is taken mod 2**32, enough for both fields).
// The register is the DSP's P register; the inputs may come from its A/B/D registers.
// A 1-bit operand is bipolar (bit b stands for 2b - 1; qmlp.numerics.bipolar) and enters as its
// 2-bit code {~b, 1}: the fields then hold +-w or +-x, within the bounds above.
module qmlp_mac_dsp2 #(
  parameter integer WB = 8,    // weight code bits (2..8), two's complement; 1: bipolar
  parameter integer AB = 8     // activation code bits (2..8), two's complement; 1: bipolar
) (
  input  wire               clk_i,
  input  wire [WB-1:0]      w_lo_i,
  input  wire [WB-1:0]      w_hi_i,
  input  wire [AB-1:0]      x_i,
  output wire signed [15:0] p_lo_o,
  output wire signed [15:0] p_hi_o
);
`ifndef SYNTHESIS
  initial begin
    if (WB < 1 || WB > 8 || AB < 1 || AB > 8) begin
      $display("ERROR: qmlp_mac_dsp2: WB=%0d and AB=%0d must be 1..8 (the 16-bit fields hold 8x8-bit products)", WB, AB);
      $finish;
    end
  end
`endif
  localparam integer WE = (WB == 1) ? 2 : WB;       // operand bits as two's-complement codes
  localparam integer AE = (AB == 1) ? 2 : AB;
  wire [WE-1:0] wh_e, wl_e;
  wire [AE-1:0] x_e;
  generate
    if (WB == 1) begin : g_wbin
      assign wh_e = {~w_hi_i[0], 1'b1};
      assign wl_e = {~w_lo_i[0], 1'b1};
    end else begin : g_wcode
      assign wh_e = w_hi_i;
      assign wl_e = w_lo_i;
    end
    if (AB == 1) begin : g_xbin
      assign x_e = {~x_i[0], 1'b1};
    end else begin : g_xcode
      assign x_e = x_i;
    end
  endgenerate
  wire signed [24:0] w_hi = {{(25 - WE){wh_e[WE-1]}}, wh_e};
  wire signed [24:0] w_lo = {{(25 - WE){wl_e[WE-1]}}, wl_e};
  wire signed [24:0] a = (w_hi <<< 16) + w_lo;                          // pre-adder, 25 bits
  wire signed [17:0] b = {{(18 - AE){x_e[AE-1]}}, x_e};                 // 18-bit port
  reg  signed [31:0] p_q;
  always @(posedge clk_i) p_q <= a * b + 32'sd32768;

  assign p_lo_o = {~p_q[15], p_q[14:0]};
  assign p_hi_o = p_q[31:16];
endmodule
`default_nettype wire
