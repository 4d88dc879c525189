`default_nettype none
// float32 x float32 matrix multiply, IEEE-754 binary32, round to nearest even, unfused,
// subnormals in and out, canonical NaN (SPEC 4). The interface is what Vitis HLS emits for
//   void qmlp_hls_matmul_f32(float A[ROWS*INNER], float B[INNER*COLS], float C[ROWS*COLS])
// (LANES > 1: B and C in LANES cyclic banks packed side by side). See qmlp_matmul_fp.
module qmlp_matmul_f32 #(
  parameter integer ROWS  = 64,   // rows of A and C
  parameter integer INNER = 128,  // columns of A, rows of B
  parameter integer COLS  = 64,   // columns of B and C
  parameter integer LANES = 1     // MACs per cycle; must divide COLS
) (
  input  wire                                      ap_clk,
  input  wire                                      ap_rst,
  input  wire                                      ap_start,
  output wire                                      ap_done,
  output wire                                      ap_idle,
  output wire                                      ap_ready,
  output wire [$clog2(ROWS*INNER)-1:0]             A_address0,
  output wire                                      A_ce0,
  input  wire [31:0]                               A_q0,
  output wire [LANES*$clog2(INNER*COLS/LANES)-1:0] B_address0,
  output wire [LANES-1:0]                          B_ce0,
  input  wire [LANES*32-1:0]                       B_q0,
  output wire [LANES*$clog2(ROWS*COLS/LANES)-1:0]  C_address0,
  output wire [LANES-1:0]                          C_ce0,
  output wire [LANES-1:0]                          C_we0,
  output wire [LANES*32-1:0]                       C_d0
);
  qmlp_matmul_fp #(
    .ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES), .B_INT8(0), .FL_B(0)
  ) u_engine (
    .ap_clk(ap_clk), .ap_rst(ap_rst), .ap_start(ap_start),
    .ap_done(ap_done), .ap_idle(ap_idle), .ap_ready(ap_ready),
    .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
    .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
    .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0)
  );
endmodule
`default_nettype wire
