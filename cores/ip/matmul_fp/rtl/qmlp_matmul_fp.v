`default_nettype none
`include "qmlp_fp32_lat.vh"
// float32 matrix-multiply engine behind matmul_f32 (B float32) and matmul_f32i8 (B int8 codes
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
// group); a last tile that is not full runs with empty slots.
//
// Ports: as matmul_i8 (HLS ap_ctrl_hs + ap_memory, B and C in LANES cyclic banks packed side
// by side). Only control is reset; data registers are plain so that they can sit in DSPs.
module qmlp_matmul_fp #(
  parameter integer ROWS   = 64,
  parameter integer INNER  = 128,
  parameter integer COLS   = 64,
  parameter integer LANES  = 1,
  parameter integer B_INT8 = 0,   // 1: B holds int8 codes of Q(8, FL_B)
  parameter integer FL_B   = 0,
  parameter integer B_W    = (B_INT8 != 0) ? 8 : 32
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
  input  wire [LANES*B_W-1:0]                      B_q0,
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
  localparam integer A_AW   = $clog2(ROWS * INNER);
  localparam integer B_AW   = $clog2(INNER * GROUPS);
  localparam integer C_AW   = $clog2(ROWS * GROUPS);
  localparam integer KW = (INNER  > 1) ? $clog2(INNER)  : 1;
  localparam integer GW = (GROUPS > 1) ? $clog2(GROUPS) : 1;
  localparam integer IW = $clog2(ROWS + 1);             // row ROWS marks an empty slot
  localparam integer RW = (P > 1) ? $clog2(P) : 1;

  localparam integer K_MAX_I = INNER - 1;
  localparam integer G_MAX_I = GROUPS - 1;
  localparam integer R_MAX_I = P - 1;
  localparam [KW-1:0]   K_MAX  = K_MAX_I[KW-1:0];
  localparam [GW-1:0]   G_MAX  = G_MAX_I[GW-1:0];
  localparam [RW-1:0]   R_MAX  = R_MAX_I[RW-1:0];
  localparam [IW-1:0]   I_END  = ROWS[IW-1:0];
  localparam [A_AW-1:0] A_STEP = INNER[A_AW-1:0];
  localparam [B_AW-1:0] B_STEP = GROUPS[B_AW-1:0];

`ifndef SYNTHESIS
  initial begin
    if (LANES < 1 || COLS % LANES != 0) begin
      $display("ERROR: qmlp_matmul_fp: LANES=%0d must divide COLS=%0d", LANES, COLS);
      $finish;
    end
  end
`endif

  // ------------------------------------------------------------------ issue
  // (i0, g0, a0, o0): the tile's first output; (ir, gr, ar, or): the slot issued now.
  // a* = row * INNER (A row base), o* = row * GROUPS + group (C word in every bank).
  reg            run_q;
  reg [KW-1:0]   k_q;
  reg [RW-1:0]   r_q;
  reg [IW-1:0]   i0_q, ir_q;
  reg [GW-1:0]   g0_q, gr_q;
  reg [A_AW-1:0] a0_q, ar_q;       // past the last row these wrap: empty slots never read
  reg [C_AW-1:0] o0_q, or_q;
  reg [B_AW-1:0] bk_q;             // k * GROUPS

  wire k_last = (k_q == K_MAX);
  wire r_last = (r_q == R_MAX);
  wire g_wrap = (gr_q == G_MAX);
  // the slot after (ir, gr) in row-major order
  wire [IW-1:0] in_ = g_wrap ? ir_q + 1'b1 : ir_q;
  wire [GW-1:0] gn  = g_wrap ? {GW{1'b0}} : gr_q + 1'b1;
  wire [A_AW-1:0] an  = g_wrap ? ar_q + A_STEP : ar_q;
  wire [C_AW-1:0] on_ = or_q + 1'b1;
  wire slot_ok  = (ir_q != I_END);           // empty slots of the last tile read nothing
  wire tile_end = k_last & r_last;
  wire last_tile = (in_ == I_END);           // the slot after this tile's last is past the end

  wire go = ap_start & ap_idle;

  always @(posedge ap_clk) begin
    if (ap_rst || go) begin
      run_q <= ~ap_rst;               // reset stops, go starts a block at the first tile
      k_q <= {KW{1'b0}}; r_q <= {RW{1'b0}};
      i0_q <= {IW{1'b0}}; ir_q <= {IW{1'b0}};
      g0_q <= {GW{1'b0}}; gr_q <= {GW{1'b0}};
      a0_q <= {A_AW{1'b0}}; ar_q <= {A_AW{1'b0}};
      o0_q <= {C_AW{1'b0}}; or_q <= {C_AW{1'b0}};
      bk_q <= {B_AW{1'b0}};
    end else if (run_q) begin
      if (!r_last) begin
        // next slot of the tile, same k (past the last row it stays "empty")
        r_q <= r_q + 1'b1;
        if (slot_ok) begin
          ir_q <= in_; gr_q <= gn; ar_q <= an; or_q <= on_;
        end
      end else if (!k_last) begin
        // all slots got k: back to the tile's first slot with k + 1
        r_q  <= {RW{1'b0}};
        k_q  <= k_q + 1'b1;
        bk_q <= bk_q + B_STEP;
        ir_q <= i0_q; gr_q <= g0_q; ar_q <= a0_q; or_q <= o0_q;
      end else begin
        // tile done: the next tile starts after this one's last slot
        r_q  <= {RW{1'b0}};
        k_q  <= {KW{1'b0}};
        bk_q <= {B_AW{1'b0}};
        if (!slot_ok || last_tile) begin
          run_q <= 1'b0;
        end else begin
          ir_q <= in_; gr_q <= gn; ar_q <= an; or_q <= on_;
          i0_q <= in_; g0_q <= gn; a0_q <= an; o0_q <= on_;
        end
      end
    end
  end

  wire issue = run_q & slot_ok;
  wire [A_AW-1:0] a_addr = ar_q + {{(A_AW > KW ? A_AW - KW : 0){1'b0}}, k_q};
  wire [B_AW-1:0] b_addr = bk_q + {{(B_AW > GW ? B_AW - GW : 0){1'b0}}, gr_q};
  assign A_address0 = a_addr;
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
      e_sr <= {e_sr[D_WR-1:1], run_q & tile_end & (!slot_ok | last_tile)};
      done_q <= e_sr[D_WR];
    end
  end
  always @(posedge ap_clk) begin
    f_sr <= {f_sr[D_ADD-1:1], (k_q == {KW{1'b0}})};
    l_sr <= {l_sr[D_WR-1:1], k_last};
    c_sr[1] <= or_q;
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
  assign ap_idle  = ~(run_q | (|v_sr) | (|e_sr) | done_q);
endmodule
`default_nettype wire
