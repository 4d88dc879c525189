`default_nettype none
// Issue and address generator of the matmul engines (qmlp_matmul_i8 and qmlp_matmul_fp).
//
// It walks one block C = A . B with A ROWS x INNER and B INNER x COLS, where the columns are
// taken in GROUPS groups of LANES adjacent ones (GROUPS = COLS / LANES). Every lane of a group
// reads the same word of its own B bank and writes the same word of its own C bank, so one
// address per array is all the engines need. An output here is a (row i, group g) pair.
//
// Order: the outputs in row-major order, in tiles of SLOTS outputs; inside a tile, k ascending,
// and for each k every slot of the tile in turn:
//     for tile { for k = 0..INNER-1 { for slot r = 0..SLOTS-1 { output tile*SLOTS + r, term k } } }
// SLOTS = 1 is the int8 engine's plain row / group / k loop: one output after the other, INNER
// cycles each. SLOTS = the float adder's latency is what the float engine needs: an output gets
// a new product only every SLOTS cycles, just when its previous sum leaves the adder. A last tile
// that is not full still takes its SLOTS cycles per k (the schedule stays regular), but its
// empty slots read nothing.
//
// One read is issued per cycle from start_i until the last (the walk takes
// ceil(ROWS*GROUPS / SLOTS) * SLOTS * INNER cycles). Per cycle, for the read issued now:
//   run_o     the block is being walked (empty slots included)
//   issue_o   a real read: the addresses are valid, it is the memories' chip enable
//   first_o   k == 0: the output's first term
//   last_o    k == INNER-1: its last term (the engine writes the output once it is summed)
//   end_o     the block's last issue cycle
//   a_addr_o  i*INNER + k     b_addr_o  k*GROUPS + g     c_addr_o  i*GROUPS + g
// start_i (a new block; the engine gates ap_start with its idle state) and rst_i (stop) both
// clear the counters, synchronously. The counters are control and the only registers here.
module qmlp_matmul_issue #(
  parameter integer ROWS   = 64,   // rows of A and C
  parameter integer INNER  = 128,  // columns of A, rows of B
  parameter integer GROUPS = 64,   // column groups, COLS / LANES: the words of a B bank row
  parameter integer SLOTS  = 1     // outputs interleaved in a tile (1: no interleaving)
) (
  input  wire                            clk_i,
  input  wire                            rst_i,
  input  wire                            start_i,
  output wire                            run_o,
  output wire                            issue_o,
  output wire                            first_o,
  output wire                            last_o,
  output wire                            end_o,
  output wire [$clog2(ROWS*INNER)-1:0]   a_addr_o,
  output wire [$clog2(INNER*GROUPS)-1:0] b_addr_o,
  output wire [$clog2(ROWS*GROUPS)-1:0]  c_addr_o
);
  localparam integer A_AW = $clog2(ROWS * INNER);
  localparam integer B_AW = $clog2(INNER * GROUPS);
  localparam integer C_AW = $clog2(ROWS * GROUPS);
  // counter widths (at least one bit, so that a dimension of 1 still works)
  localparam integer KW = (INNER  > 1) ? $clog2(INNER)  : 1;
  localparam integer GW = (GROUPS > 1) ? $clog2(GROUPS) : 1;
  localparam integer IW = $clog2(ROWS + 1);      // row ROWS marks an empty slot
  localparam integer RW = (SLOTS > 1) ? $clog2(SLOTS) : 1;

  // sized constants (slices of 32-bit integers keep Verilator -Wall quiet about widths)
  localparam integer K_MAX_I = INNER - 1;
  localparam integer G_MAX_I = GROUPS - 1;
  localparam integer R_MAX_I = SLOTS - 1;
  localparam [KW-1:0]   K_MAX  = K_MAX_I[KW-1:0];
  localparam [GW-1:0]   G_MAX  = G_MAX_I[GW-1:0];
  localparam [RW-1:0]   R_MAX  = R_MAX_I[RW-1:0];
  localparam [IW-1:0]   I_END  = ROWS[IW-1:0];
  localparam [A_AW-1:0] A_STEP = INNER[A_AW-1:0];
  localparam [B_AW-1:0] B_STEP = GROUPS[B_AW-1:0];

  // (i0, g0, a0, o0): the tile's first output; (ir, gr, ar, or): the slot issued now, where
  // a = i * INNER (the row's base in A) and o = i * GROUPS + g (the output's word in C).
  // Past the last row, a and o wrap: empty slots never use them.
  reg            run_q;
  reg [KW-1:0]   k_q;
  reg [RW-1:0]   r_q;
  reg [IW-1:0]   i0_q, ir_q;
  reg [GW-1:0]   g0_q, gr_q;
  reg [A_AW-1:0] a0_q, ar_q;
  reg [C_AW-1:0] o0_q, or_q;
  reg [B_AW-1:0] bk_q;            // k * GROUPS

  // With one slot a tile is one output: its origin is the slot itself, every slot is real and
  // the last slot of a tile is the only one. Saying so (instead of leaving it to synthesis to
  // find out) keeps the int8 engine free of the tile registers it does not need.
  localparam integer TILED = (SLOTS > 1) ? 1 : 0;
  wire [IW-1:0]   i0 = (TILED != 0) ? i0_q : ir_q;
  wire [GW-1:0]   g0 = (TILED != 0) ? g0_q : gr_q;
  wire [A_AW-1:0] a0 = (TILED != 0) ? a0_q : ar_q;
  wire [C_AW-1:0] o0 = (TILED != 0) ? o0_q : or_q;

  wire k_last = (k_q == K_MAX);
  wire r_last = (TILED == 0) || (r_q == R_MAX);
  wire g_wrap = (gr_q == G_MAX);
  // the output after (ir, gr) in row-major order
  wire [IW-1:0]   i_next = g_wrap ? ir_q + 1'b1 : ir_q;
  wire [GW-1:0]   g_next = g_wrap ? {GW{1'b0}} : gr_q + 1'b1;
  wire [A_AW-1:0] a_next = g_wrap ? ar_q + A_STEP : ar_q;
  wire [C_AW-1:0] o_next = or_q + 1'b1;
  // a real output, not an empty slot of the last tile
  wire slot_ok   = (TILED == 0) || (ir_q != I_END);
  wire last_tile = (i_next == I_END);     // the output after this one is past the block

  // (A clocked block, not `always @*` next-state logic: Verilog-2005 does not run that at time
  // zero, and Icarus then keeps X where the reset was never seen.)
  always @(posedge clk_i) begin
    if (rst_i || start_i) begin
      // reset stops; start begins a block at its first tile
      run_q <= ~rst_i;
      {k_q, r_q, bk_q} <= {(KW + RW + B_AW){1'b0}};
      {i0_q, g0_q, a0_q, o0_q} <= {(IW + GW + A_AW + C_AW){1'b0}};
      {ir_q, gr_q, ar_q, or_q} <= {(IW + GW + A_AW + C_AW){1'b0}};
    end else if (run_q) begin
      if (!r_last) begin
        // the tile's next slot, same k (past the last row it stays an empty slot)
        r_q <= r_q + 1'b1;
        if (slot_ok) {ir_q, gr_q, ar_q, or_q} <= {i_next, g_next, a_next, o_next};
      end else if (!k_last) begin
        // every slot got term k: back to the tile's first slot with k + 1
        r_q  <= {RW{1'b0}};
        k_q  <= k_q + 1'b1;
        bk_q <= bk_q + B_STEP;
        {ir_q, gr_q, ar_q, or_q} <= {i0, g0, a0, o0};
      end else begin
        // the tile is done: the next one starts after its last slot, or the block ends
        r_q  <= {RW{1'b0}};
        k_q  <= {KW{1'b0}};
        bk_q <= {B_AW{1'b0}};
        if (!slot_ok || last_tile) begin
          run_q <= 1'b0;
        end else begin
          {ir_q, gr_q, ar_q, or_q} <= {i_next, g_next, a_next, o_next};
          {i0_q, g0_q, a0_q, o0_q} <= {i_next, g_next, a_next, o_next};
        end
      end
    end
  end

  assign run_o    = run_q;
  assign issue_o  = run_q & slot_ok;
  assign first_o  = (k_q == {KW{1'b0}});
  assign last_o   = k_last;
  assign end_o    = run_q & k_last & r_last & (!slot_ok | last_tile);
  assign a_addr_o = ar_q + {{(A_AW > KW ? A_AW - KW : 0){1'b0}}, k_q};
  assign b_addr_o = bk_q + {{(B_AW > GW ? B_AW - GW : 0){1'b0}}, gr_q};
  assign c_addr_o = or_q;
endmodule
`default_nettype wire
