`default_nettype none
// Top of the float32 x float32 simulation: the shared harness drives the DUT (handwritten or HLS).
module tb_matmul_f32 #(
  parameter integer ROWS  = 64,
  parameter integer INNER = 128,
  parameter integer COLS  = 64,
  parameter integer LANES = 1
);
  wire clk, rst, start, done, idle, ready;
  wire [$clog2(ROWS*INNER)-1:0]             A_address0;
  wire                                      A_ce0;
  wire [31:0]                               A_q0;
  wire [LANES*$clog2(INNER*COLS/LANES)-1:0] B_address0;
  wire [LANES-1:0]                          B_ce0;
  wire [LANES*32-1:0]                       B_q0;
  wire [LANES*$clog2(ROWS*COLS/LANES)-1:0]  C_address0;
  wire [LANES-1:0]                          C_ce0, C_we0;
  wire [LANES*32-1:0]                       C_d0;

  qmlp_tb_matmul #(
    .ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES), .A_W(32), .B_W(32), .C_W(32)
  ) u_harness (
    .clk(clk), .rst(rst), .start(start), .done(done), .idle(idle), .ready(ready),
    .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
    .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
    .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0)
  );

  matmul_f32 #(
    .ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES)
  ) u_dut (
    .ap_clk(clk), .ap_rst(rst), .ap_start(start), .ap_done(done), .ap_idle(idle), .ap_ready(ready),
    .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
    .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
    .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0)
  );
endmodule
`default_nettype wire
