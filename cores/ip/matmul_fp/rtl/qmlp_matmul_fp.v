`default_nettype none
`include "qmlp_fp32_lat.vh"
// float32 matrix-multiply engine behind qmlp_matmul_f32 (B float32) and qmlp_matmul_f32i8 (B int8 codes
// of Q(8, FL_B), converted exactly). Computes SPEC 4 bit for bit: per output,
// acc = +0.0, then acc = round(acc + round(a*b)) for k ascending, unfused.
//
// Why interleaving: the adder takes ADD_LAT cycles, so one output can take a new product
// only every ADD_LAT cycles. The engine therefore works on a tile of P = ADD_LAT independent
// outputs at once and visits them round robin: slot r of the tile gets k, then the next slot
// gets k, ... then slot 0 gets k+1. The adder's own pipeline holds the P partial sums: the
// sum leaving the adder is exactly the accumulator the next product of that slot needs. Each
// output still sums its products in k order, so the result equals the golden model, and
// every lane does one MAC per cycle. Outputs are taken in row-major order of (row, column
// group); a last tile that is not full runs with empty slots: a block takes
// ceil(ROWS*COLS/LANES / P) * P * INNER cycles plus the pipeline's latency, i.e.
// ROWS*COLS*INNER/LANES when P divides ROWS*COLS/LANES (P = 8 divides it for every power-of-two
// shape with at least 8 outputs per lane; a smaller or odd-sized block wastes up to P-1 slots).
//
// Ports: as qmlp_matmul_i8 (HLS ap_ctrl_hs + ap_memory, B and C in LANES cyclic banks packed side
// by side). Only control is reset; data registers are plain so that they can sit in DSPs.
module qmlp_matmul_fp #(
  parameter integer ROWS   = 64,
  parameter integer INNER  = 128,
  parameter integer COLS   = 64,
  parameter integer LANES  = 1,
  parameter integer B_INT8 = 0,   // 1: B holds int8 codes of Q(8, FL_B)
  parameter integer FL_B   = 0
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
  input  wire [LANES*((B_INT8 != 0) ? 8 : 32)-1:0] B_q0,
  output wire [LANES*$clog2(ROWS*COLS/LANES)-1:0]  C_address0,
  output wire [LANES-1:0]                          C_ce0,
  output wire [LANES-1:0]                          C_we0,
  output wire [LANES*32-1:0]                       C_d0
);
  localparam integer P      = `QMLP_FP32_ADD_LAT;   // slots per tile = adder latency
  localparam integer CVT    = (B_INT8 != 0) ? `QMLP_FP32_CVT_LAT : 0;
  localparam integer D_ADD  = 1 + CVT + `QMLP_FP32_MUL_LAT;  // issue -> adder input
  localparam integer D_WR   = D_ADD + `QMLP_FP32_ADD_LAT;    // issue -> C write
  localparam integer GROUPS = COLS / LANES;
  localparam integer C_AW   = $clog2(ROWS * GROUPS);
  localparam integer B_W    = (B_INT8 != 0) ? 8 : 32;   // width of a B word

`ifndef SYNTHESIS
  initial begin
    if (LANES < 1 || COLS % LANES != 0) begin
      $display("ERROR: qmlp_matmul_fp: LANES=%0d must divide COLS=%0d", LANES, COLS);
      $finish;
    end
  end
`endif

  // ------------------------------------------------------------------ issue
  // Tiles of P outputs, visited round robin for each k (qmlp_matmul_issue with P slots).
  wire            run, issue, first_k, last_k, blk_end;
  wire [C_AW-1:0] c_idx;            // the slot's output word in every C bank
  wire [$clog2(INNER*GROUPS)-1:0] b_addr;
  wire            go = ap_start & ap_idle;

  qmlp_matmul_issue #(
    .ROWS(ROWS), .INNER(INNER), .GROUPS(GROUPS), .SLOTS(P)
  ) u_issue (
    .clk_i(ap_clk), .rst_i(ap_rst), .start_i(go),
    .run_o(run), .issue_o(issue), .first_o(first_k), .last_o(last_k), .end_o(blk_end),
    .a_addr_o(A_address0), .b_addr_o(b_addr), .c_addr_o(c_idx)
  );
  assign A_ce0      = issue;
  assign B_address0 = {LANES{b_addr}};
  assign B_ce0      = {LANES{issue}};

  // ------------------------------------------------------------------ flag pipeline
  // v: a real slot, f: first k (the adder adds +0.0), l: last k (write), e: end of block.
  // v and e are control (reset); f, l and the C address only matter where v is set.
  reg  [D_WR:1]   v_sr, e_sr, l_sr;
  reg  [D_ADD:1]  f_sr;
  reg  [C_AW-1:0] c_sr [1:D_WR];
  reg             done_q;
  integer s;
  always @(posedge ap_clk) begin
    if (ap_rst) begin
      v_sr <= {D_WR{1'b0}};
      e_sr <= {D_WR{1'b0}};
      done_q <= 1'b0;
    end else begin
      v_sr <= {v_sr[D_WR-1:1], issue};
      e_sr <= {e_sr[D_WR-1:1], blk_end};
      done_q <= e_sr[D_WR];
    end
  end
  always @(posedge ap_clk) begin
    f_sr <= {f_sr[D_ADD-1:1], first_k};
    l_sr <= {l_sr[D_WR-1:1], last_k};
    c_sr[1] <= c_idx;
    for (s = 2; s <= D_WR; s = s + 1) c_sr[s] <= c_sr[s-1];
  end

  wire we = v_sr[D_WR] & l_sr[D_WR];
  // the first k of a slot adds its product to +0.0 (not to whatever the adder holds)
  wire first = f_sr[D_ADD];

  // ------------------------------------------------------------------ lanes
  // A is shared by the lanes; with int8 B it waits CVT cycles for the conversion.
  wire [31:0] a_op;
  generate
    if (CVT > 0) begin : g_a_delay
      reg [31:0] a_d [1:CVT];
      integer t;
      always @(posedge ap_clk) begin
        a_d[1] <= A_q0;
        for (t = 2; t <= CVT; t = t + 1) a_d[t] <= a_d[t-1];
      end
      assign a_op = a_d[CVT];
    end else begin : g_a_direct
      assign a_op = A_q0;
    end
  endgenerate

  genvar l;
  generate
    for (l = 0; l < LANES; l = l + 1) begin : g_lane
      wire [31:0] b_op, prod, sum;
      if (B_INT8 != 0) begin : g_cvt
        qmlp_fp32_from_int8 #(.FL(FL_B)) u_cvt (.clk_i(ap_clk), .q_i(B_q0[l*B_W +: 8]), .f_o(b_op));
      end else begin : g_f32
        assign b_op = B_q0[l*B_W +: 32];
      end
      qmlp_fp32_mul u_mul (.clk_i(ap_clk), .a_i(a_op), .b_i(b_op), .p_o(prod));
      qmlp_fp32_add u_add (.clk_i(ap_clk), .a_i(first ? 32'h0000_0000 : sum), .b_i(prod), .s_o(sum));
      assign C_d0[l*32 +: 32] = we ? sum : 32'h0000_0000;   // no X on the port between writes
      assign C_address0[l*C_AW +: C_AW] = we ? c_sr[D_WR] : {C_AW{1'b0}};
    end
  endgenerate

  assign C_ce0    = {LANES{we}};
  assign C_we0    = {LANES{we}};
  assign ap_done  = done_q;
  assign ap_ready = done_q;
  assign ap_idle  = ~(run | (|v_sr) | (|e_sr) | done_q);
endmodule
`default_nettype wire
