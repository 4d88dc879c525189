`default_nettype none
// Output side: collects the last layer's logits in two slots and streams each image out as
// an AXI4-Stream master: N beats of int32 logits, then one beat with the class (argmax,
// first maximum on ties, as numpy's argmax), tlast on that beat.
//
// Timing (ECP5, where nextpnr reports the paths; each change below took a critical path out):
// - The logits sit in a memory whose slots are NS = 2**ceil(log2 N) words apart, so the read
//   address is the slot bit and the beat counter side by side, not a sum (an adder before
//   the memory's read address).
// - The argmax is taken while the logits go out, one candidate per cycle, as two running
//   maxima: bank 0 takes the even beats, bank 1 the odd ones, so a bank sees a candidate at
//   most every other cycle and its loop (compare with the bank's maximum, load it) has two
//   cycles: step 1 holds the logit that went out last cycle (cand0_q, cand1_q: a copy per
//   bank) and compares it with its bank's maximum in halves, into registers: the upper 16
//   bits signed (greater, equal), the lower 16 bits unsigned (greater); step 2 loads its
//   bank's maximum and index when it is the bank's first or greater above, or equal above
//   and greater below (one LUT from registers to the enables). Each compare is a 16-bit
//   carry chain between registers.
//   (A one-cycle running maximum, even with the compare split over two registered steps and
//   forwarded, routed at 100.98 MHz in r7 of docs/fmax.md, 9.90 ns; the two-cycle loop with a
//   whole 32-bit compare into the update flag at 99.79 MHz in r10, 10.02 ns, its carry chain
//   split by nextpnr and the flag's logic a tree of wide multiplexers.) Within a bank a later
//   candidate must be strictly greater; between the banks the lower index wins a tie, so the
//   class is numpy's argmax (the first maximum).
// - The two maxima are compared once the last update is in, in two registered steps: the
//   upper 16 bits (signed: greater, equal) and the lower 16 bits with the inverted index
//   beside them ({max[15:0], ~index}, unsigned: the lower index wins a tie) into three
//   flip-flops, then bank 1 wins if greater above, or equal above and greater below, and
//   cls_q takes its index. (One 36-bit compare into cls_q in one cycle routed at 106.09 MHz,
//   r9: nextpnr split its carry chain twice, 9.43 ns.)
// - The class beat waits while a candidate is in either step or the two steps of the final
//   compare (four cycles, whatever the data: waiting only for a pending update made the
//   interval between images depend on whether the last logit was the largest), then sends
//   cls_q, a register.
// The waits cost four cycles per image on a stream that is idle most of the time (N + 5
// cycles per image of N + 1 beats; the layers take longer per image at every design point
// the tests and the search use).
module qmlp_mlp_out #(
  parameter integer N   = 10,
  parameter integer PE  = 2
) (
  input  wire             clk_i,
  input  wire             rst_i,
  // last layer
  input  wire             we_i,
  input  wire             wslot_i,
  input  wire [$clog2(N / PE > 1 ? N / PE : 2)-1:0] waddr_i,
  input  wire [PE*32-1:0] wdata_i,
  input  wire             commit_i,
  input  wire             commit_slot_i,
  output reg  [1:0]       full_o,
  // stream
  output reg  [31:0]      m_tdata_o,
  output reg              m_tvalid_o,
  input  wire             m_tready_i,
  output reg              m_tlast_o
);
  localparam integer JW = $clog2(N + 1);                 // beat counter: 0..N (N: the class)
  localparam integer LW = $clog2(N > 1 ? N : 2);         // logit index bits within a slot
  localparam integer NS = 1 << LW;                       // slot stride in words
  localparam integer N_I = N;
  localparam [JW-1:0] J_END = N_I[JW-1:0];

  reg [31:0] mem [0:2*NS-1];
  integer b;
  // word wslot * NS + waddr * PE + b: sized to the memory
  /* verilator lint_off WIDTH */
  always @(posedge clk_i)
    if (we_i)
      for (b = 0; b < PE; b = b + 1)
        mem[wslot_i * NS + waddr_i * PE + b] <= wdata_i[b*32 +: 32];
  /* verilator lint_on WIDTH */

  // streamer: j = index of the beat in the output register (N: the class beat)
  reg            rslot_q;
  reg [JW-1:0]   j_q;
  reg            busy_q;
  // step 1: the logit that went out last cycle
  // one copy per bank, each beside its bank's compares (kept apart from Yosys' merging):
  // with one register driving both banks' six compares r11 routed cand_q[20] 3.38 ns to a
  // carry chain, then 8.50 ns in all into gh_q
  (* keep *) reg [31:0] cand0_q;
  (* keep *) reg [31:0] cand1_q;
  reg [JW-1:0]   cand_j_q;
  reg            cand_v_q;
  reg            cand_f_q;          // ... and it is the first of its bank (j = 0 or 1)
  // step 2: the same logit and index, and whether it beats its bank's maximum
  reg signed [31:0] c2_q;
  reg [JW-1:0]   j2_q;
  reg            b2_q, f2_q;        // its bank, and whether it is the bank's first
  reg [1:0]      gh_q, eh_q, gl_q;  // per bank: upper half greater, equal; lower half greater
  reg            v2_q;              // step 2 holds a candidate (better or not)
  reg            v3_q;              // the banks' maxima hold the last update: compare halves
  reg            v4_q;              // the halves' results are in: cls_q follows
  // the banks' running maxima (bank = the beat index's low bit)
  reg signed [31:0] max0_q, max1_q;
  reg [JW-1:0]   arg0_q, arg1_q;
  reg [JW-1:0]   narg0_q, narg1_q;  // the indices inverted: a tie goes to the lower
  reg            gt_hi_q, eq_hi_q, gt_lo_q;
  reg [JW-1:0]   cls_q;             // the class: the better of the two banks
  // the first candidate of a bank always wins (its running maximum starts there)
  wire cand_b   = cand_j_q[0];
  wire signed [15:0] c0hi = cand0_q[31:16];
  wire signed [15:0] c1hi = cand1_q[31:16];
  wire signed [15:0] m0hi = max0_q[31:16];
  wire signed [15:0] m1hi = max1_q[31:16];
  // step 2: the candidate replaces its bank's maximum
  wire [1:0] better = gh_q | (eh_q & gl_q);
  wire upd0 = v2_q & ~b2_q & (f2_q | better[0]);
  wire upd1 = v2_q &  b2_q & (f2_q | better[1]);
  // bank 1 is empty when N = 1 (its registers then hold nothing of this image)
  localparam integer HAS1 = N > 1 ? 1 : 0;
  wire signed [15:0] hi0 = max0_q[31:16];
  wire signed [15:0] hi1 = max1_q[31:16];
  wire [16+JW-1:0] lo0 = {max0_q[15:0], narg0_q};
  wire [16+JW-1:0] lo1 = {max1_q[15:0], narg1_q};
  wire one_wins = (HAS1 != 0) && (gt_hi_q || (eq_hi_q && gt_lo_q));
  // Each "a > b" below is the borrow of b - a, one bit wider than the operands (signed halves
  // with their sign bits flipped, so that the unsigned order is the signed one): the result is
  // the carry chain's last sum output. Written as `>`, Yosys takes it from the chain's carry
  // out, which nextpnr brings out through one more CCU2C (about 1.7 ns), and a signed `>` adds
  // the overflow LUTs after it: r16 routed the 16-bit compares into gh_q at 8.40 ns.
  /* verilator lint_off UNUSEDSIGNAL */   // only the borrow bits are read
  wire [16:0] g0h = {1'b0, m0hi ^ 16'h8000} - {1'b0, c0hi ^ 16'h8000};   // [16]: c0hi > m0hi
  wire [16:0] g1h = {1'b0, m1hi ^ 16'h8000} - {1'b0, c1hi ^ 16'h8000};
  wire [16:0] g0l = {1'b0, max0_q[15:0]} - {1'b0, cand0_q[15:0]};        // [16]: unsigned lower halves
  wire [16:0] g1l = {1'b0, max1_q[15:0]} - {1'b0, cand1_q[15:0]};
  wire [16:0] ghi = {1'b0, hi0 ^ 16'h8000} - {1'b0, hi1 ^ 16'h8000};     // [16]: hi1 > hi0
  wire [16+JW:0] glo = {1'b0, lo0} - {1'b0, lo1};                         // [16+JW]: lo1 > lo0
  /* verilator lint_on UNUSEDSIGNAL */

  wire take = ~m_tvalid_o | m_tready_i;            // the output register can be loaded
  /* verilator lint_off WIDTH */
  wire [LW:0] raddr = {rslot_q, j_q[LW-1:0]};
  /* verilator lint_on WIDTH */
  wire [31:0] logit = mem[raddr];

  always @(posedge clk_i) begin
    c2_q  <= cand0_q;
    j2_q  <= cand_j_q;
    b2_q  <= cand_b;
    f2_q  <= cand_f_q;
    gh_q  <= {g1h[16], g0h[16]};
    eh_q  <= {c1hi == m1hi, c0hi == m0hi};
    gl_q  <= {g1l[16], g0l[16]};
    if (upd0) begin
      max0_q  <= c2_q;
      arg0_q  <= j2_q;
      narg0_q <= ~j2_q;
    end
    if (upd1) begin
      max1_q  <= c2_q;
      arg1_q  <= j2_q;
      narg1_q <= ~j2_q;
    end
    gt_hi_q <= ghi[16];
    eq_hi_q <= hi1 == hi0;
    gt_lo_q <= glo[16+JW];
    cls_q   <= one_wins ? arg1_q : arg0_q;
  end

  // control from registers: last_q says the beat in hand is the class beat (j_q == N), kept
  // beside j_q instead of compared; the slot flags are set and cleared bit by bit. (With
  // j_q != N and full_o[rslot_q] computed in the cycle, r5 of docs/fmax.md routed this
  // control at 8.84 ns, 4.04 of it logic, from rslot_q to full_o.)
  reg  last_q;
  // avail_q: busy_q | full_o[rslot_q] (an image is being sent, or the slot to send is full),
  // a register set from the terms of the cycle before: the slot multiplexer in front of the
  // output register's enable was r20's critical path (7.19 ns at 150 MHz, 5.95 of it routing)
  reg  avail_q;
  wire go   = take & avail_q;                         // a beat is loaded this cycle
  // hold: logits still being compared (cand_v_q | v2_q | v3_q | v4_q), a register set from the
  // terms of the cycle before: the OR of the four in front of the output register's enable
  // was r18's critical path (6.75 ns at 150 MHz, 5.52 of it routing)
  reg  hold_q;
  wire hold = hold_q;
  wire done = go & last_q & ~hold;                    // the class beat: the slot is free
  // next values of the slot flags, the slot being sent and busy_q (avail_q's terms)
  wire [1:0] full_d = {(commit_i &  commit_slot_i) | (full_o[1] & ~(done &  rslot_q)),
                       (commit_i & ~commit_slot_i) | (full_o[0] & ~(done & ~rslot_q))};
  wire rslot_d = done ? ~rslot_q : rslot_q;
  wire busy_d  = done ? 1'b0 : ((go & ~last_q) | busy_q);
  always @(posedge clk_i) begin
    if (rst_i) begin
      rslot_q    <= 1'b0;
      j_q        <= {JW{1'b0}};
      last_q     <= 1'b0;
      busy_q     <= 1'b0;
      m_tvalid_o <= 1'b0;
      m_tlast_o  <= 1'b0;
      m_tdata_o  <= 32'd0;
      cand_v_q   <= 1'b0;
      v2_q       <= 1'b0;
      v3_q       <= 1'b0;
      v4_q       <= 1'b0;
      hold_q     <= 1'b0;
      avail_q    <= 1'b0;
      full_o     <= 2'b00;
    end else begin
      avail_q  <= busy_d | full_d[rslot_d];
      hold_q   <= (go & ~last_q) | cand_v_q | v2_q | v3_q;   // next cycle's cand_v_q, v2_q, v3_q, v4_q
      // slot flags: set by the last layer's commit, cleared by the class beat (the clear of a
      // slot and a commit into the same slot cannot meet: the layer writes only a free slot)
      full_o   <= full_d;
      busy_q   <= busy_d;
      rslot_q  <= rslot_d;
      v2_q     <= cand_v_q;
      v3_q     <= v2_q;
      v4_q     <= v3_q;
      cand_v_q <= 1'b0;
      if (take) begin
        if (avail_q) begin
          m_tvalid_o <= 1'b1;
          if (!last_q) begin
            m_tdata_o <= logit;
            m_tlast_o <= 1'b0;
            cand0_q   <= logit;
            cand1_q   <= logit;
            cand_j_q  <= j_q;
            cand_f_q  <= ((j_q >> 1) == {JW{1'b0}});
            cand_v_q  <= 1'b1;
            j_q       <= j_q + 1'b1;
            last_q    <= (j_q == J_END - 1'b1);
          end else if (hold) begin
            m_tvalid_o <= 1'b0;          // the last logits are still being compared
            m_tlast_o  <= 1'b0;
          end else begin
            m_tdata_o <= {{(32 - JW){1'b0}}, cls_q};
            m_tlast_o <= 1'b1;
            j_q       <= {JW{1'b0}};
            last_q    <= 1'b0;
          end
        end else begin
          m_tvalid_o <= 1'b0;
          m_tlast_o  <= 1'b0;
        end
      end
    end
  end
`ifndef SYNTHESIS
  // hold_q and avail_q are the terms they replace (every simulation checks them)
  always @(posedge clk_i)
    if (!rst_i && (hold_q !== (cand_v_q | v2_q | v3_q | v4_q) || avail_q !== (busy_q | full_o[rslot_q]))) begin
      $display("ERROR: qmlp_mlp_out: hold_q or avail_q out of step at %0t", $time);
      $finish;
    end
`endif
endmodule
`default_nettype wire
