`default_nettype none
// One registered signed product, p_o = a_i * b_i one cycle later (two with IREG = 1, where the
// operands are registered first): the unit of the `dsp` MAC style (one product per multiplier
// block).
//
// Behavioural unless QMLP_ECP5_MULT is 1: synth_xilinx and Vivado put the product and its
// register into one DSP48E1 (the M or P register). The pnr_ecp5 targets set QMLP_ECP5_MULT=1,
// and the unit is then an ECP5 MULT18X18D with its output register enabled.
// Yosys 0.23's synth_ecp5 maps `*` to a combinational MULT18X18D and leaves the register in
// the fabric; with 145 of the LFE5U-85F's 156 multipliers in use, nextpnr cannot keep every
// such register beside its block, and the route into the block, its 3.9 ns and the route back
// out were the accelerator's ECP5 critical path (11 ns). Inside the block only the route in
// is left in the cycle. nextpnr times the block by its register configuration
// (MULT18X18D_REGS_OUTPUT). The simulators never see the primitive; the `sim_mac_ecp5` target
// checks this wiring against a model of the block's documented behaviour (tb).
// IREG = 1 (the accelerator's lanes) moves the operand registers into the block as well (its
// input registers; on xc7 the DSP48E1's A/B registers, as before): nextpnr then times only the
// route into the block's input registers and the route out of its output register
// (MULT18X18D_REGS_ALL), and the multiplier's 3.9 ns are inside the block, between its own
// registers. With fabric operand registers, route in plus 3.9 ns had to fit one cycle.
// A 1-bit operand is bipolar (bit b stands for 2b - 1; qmlp.numerics.bipolar): it enters the
// multiplier as its 2-bit two's-complement code {~b, 1}, and the product, +-the other operand,
// still fits AW+BW bits (the simplest exact path; the lut style has cheaper 1-bit forms).
module qmlp_mul_dsp #(
  parameter integer AW = 8,     // 1 (bipolar) or 2..18
  parameter integer BW = 8,     // 1 (bipolar) or 2..18
  parameter integer IREG = 0    // 1: operands registered in the block (p_o two cycles after)
) (
  input  wire                    clk_i,
  input  wire signed [AW-1:0]    a_i,
  input  wire signed [BW-1:0]    b_i,
  output wire signed [AW+BW-1:0] p_o
);
`ifdef QMLP_ECP5_MULT
  localparam integer ECP5 = `QMLP_ECP5_MULT;
`else
  localparam integer ECP5 = 0;
`endif
  localparam integer AE = (AW == 1) ? 2 : AW;     // operand bits as two's-complement codes
  localparam integer BE = (BW == 1) ? 2 : BW;
  wire signed [AE-1:0] a_e;
  wire signed [BE-1:0] b_e;
  generate
    if (AW == 1) begin : g_abin
      assign a_e = {~a_i[0], 1'b1};
    end else begin : g_acode
      assign a_e = a_i;
    end
    if (BW == 1) begin : g_bbin
      assign b_e = {~b_i[0], 1'b1};
    end else begin : g_bcode
      assign b_e = b_i;
    end
  endgenerate
  generate
    if (ECP5 != 0) begin : g_ecp5
      // operands sign-extended to the block's 18 bits; the exact product is the low AW+BW bits
      wire [17:0] a18 = {{(18 - AE){a_e[AE-1]}}, a_e};
      wire [17:0] b18 = {{(18 - BE){b_e[BE-1]}}, b_e};
      /* verilator lint_off UNUSEDSIGNAL */
      wire [35:0] p36;
      /* verilator lint_on UNUSEDSIGNAL */
      MULT18X18D #(
        .REG_INPUTA_CLK(IREG != 0 ? "CLK0" : "NONE"), .REG_INPUTA_CE("CE0"), .REG_INPUTA_RST("RST0"),
        .REG_INPUTB_CLK(IREG != 0 ? "CLK0" : "NONE"), .REG_INPUTB_CE("CE0"), .REG_INPUTB_RST("RST0"),
        .REG_OUTPUT_CLK("CLK0"), .REG_OUTPUT_CE("CE0"), .REG_OUTPUT_RST("RST0"),
        .GSR("DISABLED"), .RESETMODE("SYNC")
      ) u_mult (
        .A0(a18[0]), .A1(a18[1]), .A2(a18[2]), .A3(a18[3]), .A4(a18[4]), .A5(a18[5]), .A6(a18[6]),
        .A7(a18[7]), .A8(a18[8]), .A9(a18[9]), .A10(a18[10]), .A11(a18[11]), .A12(a18[12]),
        .A13(a18[13]), .A14(a18[14]), .A15(a18[15]), .A16(a18[16]), .A17(a18[17]),
        .B0(b18[0]), .B1(b18[1]), .B2(b18[2]), .B3(b18[3]), .B4(b18[4]), .B5(b18[5]), .B6(b18[6]),
        .B7(b18[7]), .B8(b18[8]), .B9(b18[9]), .B10(b18[10]), .B11(b18[11]), .B12(b18[12]),
        .B13(b18[13]), .B14(b18[14]), .B15(b18[15]), .B16(b18[16]), .B17(b18[17]),
        .C0(1'b0), .C1(1'b0), .C2(1'b0), .C3(1'b0), .C4(1'b0), .C5(1'b0), .C6(1'b0), .C7(1'b0),
        .C8(1'b0), .C9(1'b0), .C10(1'b0), .C11(1'b0), .C12(1'b0), .C13(1'b0), .C14(1'b0),
        .C15(1'b0), .C16(1'b0), .C17(1'b0),
        .SIGNEDA(1'b1), .SIGNEDB(1'b1), .SOURCEA(1'b0), .SOURCEB(1'b0),
        .CLK0(clk_i), .CLK1(1'b0), .CLK2(1'b0), .CLK3(1'b0),
        .CE0(1'b1), .CE1(1'b0), .CE2(1'b0), .CE3(1'b0),
        .RST0(1'b0), .RST1(1'b0), .RST2(1'b0), .RST3(1'b0),
        .P0(p36[0]), .P1(p36[1]), .P2(p36[2]), .P3(p36[3]), .P4(p36[4]), .P5(p36[5]), .P6(p36[6]),
        .P7(p36[7]), .P8(p36[8]), .P9(p36[9]), .P10(p36[10]), .P11(p36[11]), .P12(p36[12]),
        .P13(p36[13]), .P14(p36[14]), .P15(p36[15]), .P16(p36[16]), .P17(p36[17]), .P18(p36[18]),
        .P19(p36[19]), .P20(p36[20]), .P21(p36[21]), .P22(p36[22]), .P23(p36[23]), .P24(p36[24]),
        .P25(p36[25]), .P26(p36[26]), .P27(p36[27]), .P28(p36[28]), .P29(p36[29]), .P30(p36[30]),
        .P31(p36[31]), .P32(p36[32]), .P33(p36[33]), .P34(p36[34]), .P35(p36[35])
      );
      assign p_o = p36[AW+BW-1:0];
    end else begin : g_behav
      reg signed [AW+BW-1:0] p_q;
      wire signed [AE-1:0] a_m;
      wire signed [BE-1:0] b_m;
      // AE+BE = AW+BW unless an operand is bipolar; then the top bit is a sign copy (+-x fits AW+BW)
      /* verilator lint_off UNUSEDSIGNAL */
      wire signed [AE+BE-1:0] p_e = a_m * b_m;
      /* verilator lint_on UNUSEDSIGNAL */
      if (IREG != 0) begin : g_ireg
        reg signed [AE-1:0] a_q;
        reg signed [BE-1:0] b_q;
        always @(posedge clk_i) begin
          a_q <= a_e;
          b_q <= b_e;
        end
        assign a_m = a_q;
        assign b_m = b_q;
      end else begin : g_comb
        assign a_m = a_e;
        assign b_m = b_e;
      end
      always @(posedge clk_i) p_q <= p_e[AW+BW-1:0];
      assign p_o = p_q;
    end
  endgenerate
endmodule
`default_nettype wire
