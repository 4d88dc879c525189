`default_nettype none
// int8 x int8 matrix multiply: C = sat8(requant(wrap_ACC_W(A . B)))   (SPEC 4)
//
// The interface is what Vitis HLS emits for (cores/hls/src/matmul_i8.cpp)
//   void qmlp_hls_matmul_i8(int8_t A[ROWS*INNER], int8_t B[INNER*COLS], int8_t C[ROWS*COLS])
// (ap_ctrl_hs + ap_memory, one cycle of read latency), so that this module and the
// HLS-generated one (behind a qmlp_matmul_i8 wrapper, qmlp.hls) are drop-in replacements
// for each other. With LANES > 1, B and C are
// cyclically partitioned into LANES banks packed side by side (bank l in bits
// [l*W +: W]); LANES = 1 gives exactly the HLS port list.
//
// Schedule (qmlp_matmul_issue with one slot): for each row i, each group of LANES adjacent
// columns, k = 0..INNER-1 — one A read (shared by the lanes) and one B read per lane every
// cycle, one MAC per lane per cycle, no bubble between outputs. Pipeline:
//   s0 issue addresses -> s1 memory data -> s2 product -> s3 accumulator -> C write.
// The accumulator wraps at ACC_W bits (wrapping is associative: order does not matter) and
// is requantized and saturated only on the way out, so the MAC fits one DSP48.
// Only control is reset (synchronously): datapath registers can live inside DSP48s.
//
// Packed B (WBITS = 4 or 2; SPEC 2): B's elements are WBITS-bit signed codes, PER = 8/WBITS of
// them per byte, packed along a row of B in qmlp's one order (qmlp.hw.roms.pack): byte jb of
// row k holds B[k][jb*PER + s] at bits [WBITS*s +: WBITS], s = 0..PER-1, so B is INNER x
// COLS/PER bytes, row-major. The schedule, the lanes and C are those of WBITS = 8 (lane l of
// group g computes column g*LANES + l, LANES MACs per cycle): the cycles per block are the
// same, B memory and B reads shrink by PER. B banks (byte jb in bank jb % B_BANKS, address
// (k*COLS/PER + jb) / B_BANKS):
//   LANES >= PER (a multiple): B_BANKS = LANES/PER; a group's LANES columns are LANES/PER
//     whole bytes, one per bank, at the issue generator's address k*GROUPS + g; lane l takes
//     code l % PER of bank l / PER (wiring only).
//   LANES <  PER (a divisor):  B_BANKS = 1; one byte holds PER/LANES consecutive groups, at
//     address (k*GROUPS + g) / (PER/LANES); lane l takes code (g % (PER/LANES))*LANES + l.
// WBITS = 8 is exactly the unpacked IP (B_BANKS = LANES, B_q0 one int8 per bank).
module qmlp_matmul_i8 #(
  parameter integer ROWS  = 64,   // rows of A and C
  parameter integer INNER = 128,  // columns of A, rows of B
  parameter integer COLS  = 64,   // columns of B and C
  parameter integer LANES = 1,    // MACs per cycle; must divide COLS
  parameter integer ACC_W = 32,   // accumulator width, 16..32 (16: the lab's int16 sum)
  parameter integer SHIFT = 0,    // requantization shift, 0..ACC_W-1 (0: the lab's behaviour)
  parameter integer WBITS = 8,    // bits per B code, 8, 4 or 2: 8/WBITS codes per B byte
  // derived (do not set): codes per byte, B banks
  parameter integer PER     = 8 / WBITS,
  parameter integer B_BANKS = (LANES >= PER) ? LANES / PER : 1
) (
  input  wire                                          ap_clk,
  input  wire                                          ap_rst,
  input  wire                                          ap_start,
  output wire                                          ap_done,
  output wire                                          ap_idle,
  output wire                                          ap_ready,
  output wire [$clog2(ROWS*INNER)-1:0]                 A_address0,
  output wire                                          A_ce0,
  input  wire [7:0]                                    A_q0,
  output wire [B_BANKS*$clog2(INNER*COLS/PER/B_BANKS)-1:0] B_address0,
  output wire [B_BANKS-1:0]                            B_ce0,
  input  wire [B_BANKS*8-1:0]                          B_q0,
  output wire [LANES*$clog2(ROWS*COLS/LANES)-1:0]      C_address0,
  output wire [LANES-1:0]                              C_ce0,
  output wire [LANES-1:0]                              C_we0,
  output wire [LANES*8-1:0]                            C_d0
);
  localparam integer GROUPS = COLS / LANES;
  localparam integer C_AW   = $clog2(ROWS * GROUPS);
  localparam integer G_AW   = $clog2(INNER * GROUPS);             // the issue generator's B address
  localparam integer B_AW   = $clog2(INNER * COLS / PER / B_BANKS); // a B bank's address
  localparam integer SHARE  = (LANES >= PER) ? 1 : PER / LANES;     // groups per byte (LANES < PER)
  localparam integer SH_W   = (SHARE > 1) ? $clog2(SHARE) : 1;

`ifndef SYNTHESIS
  initial begin
    if (LANES < 1 || COLS % LANES != 0) begin
      $display("ERROR: qmlp_matmul_i8: LANES=%0d must divide COLS=%0d", LANES, COLS);
      $finish;
    end
    if (ACC_W < 16 || ACC_W > 32) begin
      $display("ERROR: qmlp_matmul_i8: ACC_W=%0d out of range 16..32 (an int8 product needs 16 bits)", ACC_W);
      $finish;
    end
    if (SHIFT < 0 || SHIFT >= ACC_W) begin
      $display("ERROR: qmlp_matmul_i8: SHIFT=%0d out of range 0..%0d", SHIFT, ACC_W - 1);
      $finish;
    end
    if (WBITS != 8 && WBITS != 4 && WBITS != 2) begin
      $display("ERROR: qmlp_matmul_i8: WBITS=%0d is not one of 8, 4, 2", WBITS);
      $finish;
    end
    if (COLS % PER != 0 || (LANES % PER != 0 && PER % LANES != 0)) begin
      $display("ERROR: qmlp_matmul_i8: WBITS=%0d packs %0d codes per byte: COLS=%0d must be a multiple of it and LANES=%0d a multiple or a divisor",
               WBITS, PER, COLS, LANES);
      $finish;
    end
  end
`endif

  // ------------------------------------------------------------------ s0: issue
  // one output after the other (no interleaving: the accumulator takes a product every cycle)
  wire            run, issue, first, last, blk_end;
  wire [C_AW-1:0] c_idx;            // i * GROUPS + g: the output word of every lane's bank
  // k*GROUPS + g; with LANES < PER its low log2(SHARE) bits (g % SHARE) pick a code, not a
  // byte, and the lanes take them from the output address instead: unused here
  /* verilator lint_off UNUSEDSIGNAL */
  wire [G_AW-1:0] b_addr;
  /* verilator lint_on UNUSEDSIGNAL */

  // pipeline flags: valid, first k, last k, last output of the block; output address
  reg            v1_q, v2_q, v3_q;
  reg            f1_q, f2_q;
  reg            l1_q, l2_q, l3_q;
  reg            e1_q, e2_q, e3_q;
  reg [C_AW-1:0] c1_q, c2_q, c3_q;
  reg            done_q;

  wire busy = run | v1_q | v2_q | v3_q | done_q;
  wire go   = ap_start & ~busy;

  qmlp_matmul_issue #(
    .ROWS(ROWS), .INNER(INNER), .GROUPS(GROUPS), .SLOTS(1)
  ) u_issue (
    .clk_i(ap_clk), .rst_i(ap_rst), .start_i(go),
    .run_o(run), .issue_o(issue), .first_o(first), .last_o(last), .end_o(blk_end),
    .a_addr_o(A_address0), .b_addr_o(b_addr), .c_addr_o(c_idx)
  );
  assign A_ce0      = issue;
  // LANES < PER: SHARE (a power of two dividing GROUPS) consecutive groups share a byte
  wire [B_AW-1:0] b_byte = b_addr[G_AW-1:G_AW-B_AW];
  assign B_address0 = {B_BANKS{b_byte}};
  assign B_ce0      = {B_BANKS{issue}};

  // ------------------------------------------------------------------ s1..s3 flags
  // valid bits and done are control (reset); the rest only matter while valid
  always @(posedge ap_clk) begin
    if (ap_rst) begin
      v1_q <= 1'b0; v2_q <= 1'b0; v3_q <= 1'b0; done_q <= 1'b0;
      l1_q <= 1'b0; l2_q <= 1'b0; l3_q <= 1'b0;
      c1_q <= {C_AW{1'b0}}; c2_q <= {C_AW{1'b0}}; c3_q <= {C_AW{1'b0}};
    end else begin
      v1_q <= issue;        v2_q <= v1_q;   v3_q <= v2_q;
      l1_q <= issue & last; l2_q <= l1_q;   l3_q <= l2_q;
      c1_q <= c_idx;        c2_q <= c1_q;   c3_q <= c2_q;
      done_q <= v3_q & l3_q & e3_q;
    end
  end
  always @(posedge ap_clk) begin
    f1_q <= first;   f2_q <= f1_q;
    e1_q <= blk_end; e2_q <= e1_q; e3_q <= e2_q;
  end

  // ------------------------------------------------------------------ s2, s3: MAC lanes
  wire we = v3_q & l3_q;
  genvar l;
  generate
    for (l = 0; l < LANES; l = l + 1) begin : g_lane
      reg signed [15:0]      prod_q;
      reg signed [ACC_W-1:0] acc_q;
      wire signed [WBITS-1:0] b_code;
      if (WBITS == 8) begin : g_byte
        assign b_code = B_q0[l*8 +: 8];
      end else if (SHARE == 1) begin : g_fixed
        // bank l / PER, code l % PER: wiring
        assign b_code = B_q0[(l / PER)*8 + (l % PER)*WBITS +: WBITS];
      end else begin : g_sel
        // one bank, SHARE groups per byte: code (g % SHARE)*LANES + l, at bit
        // (g % SHARE)*LANES*WBITS + l*WBITS (< 8). g % SHARE is in the low bits of the output
        // address issued with this read one cycle before (GROUPS is a multiple of SHARE).
        localparam integer STEP_I = LANES * WBITS;
        localparam integer OFF_I  = l * WBITS;
        localparam [2:0]   STEP   = STEP_I[2:0];
        localparam [2:0]   OFF    = OFF_I[2:0];
        wire [2:0] sh3  = {{(3 - SH_W){1'b0}}, c1_q[SH_W-1:0]};
        wire [2:0] base = sh3 * STEP + OFF;
        assign b_code = B_q0[base +: WBITS];
      end
      always @(posedge ap_clk) begin
        prod_q <= $signed(A_q0) * b_code;
        // a new output starts from its first product: no separate clear cycle
        if (f2_q) acc_q <= {{(ACC_W - 16){prod_q[15]}}, prod_q};
        else      acc_q <= acc_q + {{(ACC_W - 16){prod_q[15]}}, prod_q};
      end

      // requantize: round half up by adding 2**(SHIFT-1) one bit wider, arithmetic shift
      wire signed [ACC_W:0] wide = {acc_q[ACC_W-1], acc_q};
      wire signed [ACC_W:0] rq;
      if (SHIFT > 0) begin : g_shift
        wire signed [ACC_W:0] rnd = wide + ({{ACC_W{1'b0}}, 1'b1} <<< (SHIFT - 1));
        assign rq = rnd >>> SHIFT;
      end else begin : g_noshift
        assign rq = wide;
      end
      wire [7:0] sat = (rq > 127)  ? 8'sd127 :
                       (rq < -128) ? 8'h80   : rq[7:0];
      assign C_d0[l*8 +: 8] = we ? sat : 8'h00;  // no X on the port between writes
      assign C_address0[l*C_AW +: C_AW] = c3_q;
    end
  endgenerate

  assign C_ce0    = {LANES{we}};
  assign C_we0    = {LANES{we}};
  assign ap_done  = done_q;
  assign ap_ready = done_q;
  assign ap_idle  = ~busy;
endmodule
`default_nettype wire
