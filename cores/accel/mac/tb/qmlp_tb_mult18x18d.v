`default_nettype none
// Test model of the ECP5 MULT18X18D (not Lattice's; the subset qmlp_mul_dsp uses), written
// from the block's documented behaviour: P = A * B over 18-bit operands, signed where SIGNEDA
// and SIGNEDB are 1; REG_OUTPUT_CLK = "CLK0" registers P on CLK0 while CE0 is 1 (RST0
// clears it, RESETMODE "SYNC"); "NONE" leaves P combinational. REG_INPUTA_CLK and
// REG_INPUTB_CLK = "CLK0" register A and B the same way (CE0, RST0) before the multiplier.
// Pipeline registers, the C port, shifts and cascades are not modelled: a configuration that
// asks for them stops the simulation, so the model cannot silently stand in for something it
// does not do.
// It lets sim_mac_ecp5 check qmlp_mul_dsp's port wiring (operand extension, product bits).
// The module takes the vendor's name, not a qmlp_ one, because the RTL instantiates that.
module MULT18X18D #(
  parameter REG_INPUTA_CLK = "NONE",
  parameter REG_INPUTB_CLK = "NONE",
  parameter REG_INPUTA_CE  = "CE0",
  parameter REG_INPUTA_RST = "RST0",
  parameter REG_INPUTB_CE  = "CE0",
  parameter REG_INPUTB_RST = "RST0",
  parameter REG_PIPELINE_CLK = "NONE",
  parameter REG_OUTPUT_CLK = "NONE",
  parameter REG_OUTPUT_CE  = "CE0",
  parameter REG_OUTPUT_RST = "RST0",
  parameter GSR            = "ENABLED",
  parameter RESETMODE      = "SYNC"
) (
  input wire A0, A1, A2, A3, A4, A5, A6, A7, A8, A9, A10, A11, A12, A13, A14, A15, A16, A17, B0,
  B1, B2, B3, B4, B5, B6, B7, B8, B9, B10, B11, B12, B13, B14, B15, B16, B17, C0, C1, C2, C3,
  C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16, C17, SIGNEDA, SIGNEDB, SOURCEA,
  SOURCEB, CLK0, CLK1, CLK2, CLK3, CE0, CE1, CE2, CE3, RST0, RST1, RST2, RST3,
  output wire P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, P12, P13, P14, P15, P16, P17,
  P18, P19, P20, P21, P22, P23, P24, P25, P26, P27, P28, P29, P30, P31, P32, P33, P34, P35
);
  wire [17:0] a_in = {A17, A16, A15, A14, A13, A12, A11, A10, A9, A8, A7, A6, A5, A4, A3, A2, A1, A0};
  wire [17:0] b_in = {B17, B16, B15, B14, B13, B12, B11, B10, B9, B8, B7, B6, B5, B4, B3, B2, B1, B0};
  reg  [17:0] a_q, b_q;
  always @(posedge CLK0)
    if (RST0) begin
      a_q <= 18'd0;
      b_q <= 18'd0;
    end else if (CE0) begin
      a_q <= a_in;
      b_q <= b_in;
    end
  wire [17:0] a = (REG_INPUTA_CLK == "CLK0") ? a_q : a_in;
  wire [17:0] b = (REG_INPUTB_CLK == "CLK0") ? b_q : b_in;
  wire signed [18:0] sa = {SIGNEDA & a[17], a};
  wire signed [18:0] sb = {SIGNEDB & b[17], b};
  wire signed [37:0] prod = sa * sb;
  reg  [35:0] p_q;
  wire [35:0] p = (REG_OUTPUT_CLK == "CLK0") ? p_q : prod[35:0];
  assign {P35, P34, P33, P32, P31, P30, P29, P28, P27, P26, P25, P24, P23, P22, P21, P20, P19,
  P18, P17, P16, P15, P14, P13, P12, P11, P10, P9, P8, P7, P6, P5, P4, P3, P2, P1, P0} = p;
  always @(posedge CLK0)
    if (RST0) p_q <= 36'd0;
    else if (CE0) p_q <= prod[35:0];
  initial begin
    if ((REG_INPUTA_CLK != "NONE" && REG_INPUTA_CLK != "CLK0") || REG_INPUTA_CE != "CE0" ||
        REG_INPUTA_RST != "RST0" || (REG_INPUTB_CLK != "NONE" && REG_INPUTB_CLK != "CLK0") ||
        REG_INPUTB_CE != "CE0" || REG_INPUTB_RST != "RST0" || REG_PIPELINE_CLK != "NONE" ||
        (REG_OUTPUT_CLK != "NONE" && REG_OUTPUT_CLK != "CLK0") || REG_OUTPUT_CE != "CE0" ||
        REG_OUTPUT_RST != "RST0" || RESETMODE != "SYNC") begin
      $display("ERROR: MULT18X18D test model: a configuration it does not model");
      $finish;
    end
  end
  /* verilator lint_off UNUSEDSIGNAL */
  wire unused = &{1'b0, C0, C1, C2, C3, C4, C5, C6, C7, C8, C9, C10, C11, C12, C13, C14, C15, C16, C17, SOURCEA, SOURCEB,
                  CLK1, CLK2, CLK3, CE1, CE2, CE3, RST1, RST2, RST3, prod[37:36]};
  /* verilator lint_on UNUSEDSIGNAL */
endmodule
`default_nettype wire
