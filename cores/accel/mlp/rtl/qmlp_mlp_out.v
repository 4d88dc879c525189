`default_nettype none
// Output side: collects the last layer's logits in two slots and streams each image out as
// an AXI4-Stream master: N beats of int32 logits, then one beat with the class (argmax,
// first maximum on ties, as numpy's argmax), tlast on that beat.
//
// Timing (ECP5, where nextpnr reports the paths; each change below took a critical path out):
// - The logits sit in a memory whose slots are NS = 2**ceil(log2 N) words apart, so the read
//   address is the slot bit and the beat counter side by side, not a sum (an adder before
//   the memory's read address).
// - The argmax is taken while the logits go out, one candidate per cycle, in two registered
//   steps: step 1 holds the logit that went out last cycle (cand_q); step 2 holds the one
//   before it (c2_q) and upd_q, whether it beats every logit before it. Step 1 compares its
//   candidate both with max_q and with c2_q (two compares side by side) and picks the one that
//   holds once step 2's update is done (upd_q: c2_q, else max_q). So max_q and arg_q load on a
//   register (upd_q), and the compare's carry chain ends in one flip-flop instead of the
//   enables of 36 (read, compare and max_q's enable in one cycle: 16 ns, then 9.5 ns).
// - The class beat waits while a candidate is in either step (two cycles, whatever the data:
//   waiting only for a pending update made the interval between images depend on whether the
//   last logit was the largest), then sends arg_q, a register.
// The waits cost two cycles per image on a stream that is idle most of the time (N + 3
// cycles per image of N + 1 beats; a layer takes at least that long per image).
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
  reg signed [31:0] max_q;
  reg [JW-1:0]   arg_q;
  // step 1: the logit that went out last cycle
  reg signed [31:0] cand_q;
  reg [JW-1:0]   cand_j_q;
  reg            cand_v_q;
  reg            cand_f_q;          // ... and it is the image's first (j = 0)
  // step 2: the one before, and whether it beats every logit of the image before it
  reg signed [31:0] c2_q;
  reg [JW-1:0]   j2_q;
  reg            upd_q;
  reg            v2_q;              // step 2 holds a candidate (better or not)
  // the first logit of an image always wins (the running maximum starts there)
  wire gt_max = cand_q > max_q;
  wire gt_c2  = cand_q > c2_q;
  wire cand_better = cand_v_q & (cand_f_q | (upd_q ? gt_c2 : gt_max));

  wire take = ~m_tvalid_o | m_tready_i;            // the output register can be loaded
  /* verilator lint_off WIDTH */
  wire [LW:0] raddr = {rslot_q, j_q[LW-1:0]};
  /* verilator lint_on WIDTH */
  wire [31:0] logit = mem[raddr];

  always @(posedge clk_i) begin
    c2_q <= cand_q;
    j2_q <= cand_j_q;
    if (upd_q) begin
      max_q <= c2_q;
      arg_q <= j2_q;
    end
  end

  // control from registers: last_q says the beat in hand is the class beat (j_q == N), kept
  // beside j_q instead of compared; the slot flags are set and cleared bit by bit. (With
  // j_q != N and full_o[rslot_q] computed in the cycle, r5 of docs/fmax.md routed this
  // control at 8.84 ns, 4.04 of it logic, from rslot_q to full_o.)
  reg  last_q;
  wire go   = take & (busy_q | full_o[rslot_q]);      // a beat is loaded this cycle
  wire hold = cand_v_q | v2_q;                        // logits still being compared
  wire done = go & last_q & ~hold;                    // the class beat: the slot is free
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
      upd_q      <= 1'b0;
      v2_q       <= 1'b0;
      full_o     <= 2'b00;
    end else begin
      // slot flags: set by the last layer's commit, cleared by the class beat (the clear of a
      // slot and a commit into the same slot cannot meet: the layer writes only a free slot)
      full_o[0] <= (commit_i & ~commit_slot_i) | (full_o[0] & ~(done & ~rslot_q));
      full_o[1] <= (commit_i &  commit_slot_i) | (full_o[1] & ~(done &  rslot_q));
      upd_q    <= cand_better;
      v2_q     <= cand_v_q;
      cand_v_q <= 1'b0;
      if (take) begin
        if (busy_q || full_o[rslot_q]) begin
          busy_q     <= 1'b1;
          m_tvalid_o <= 1'b1;
          if (!last_q) begin
            m_tdata_o <= logit;
            m_tlast_o <= 1'b0;
            cand_q    <= logit;
            cand_j_q  <= j_q;
            cand_f_q  <= (j_q == {JW{1'b0}});
            cand_v_q  <= 1'b1;
            j_q       <= j_q + 1'b1;
            last_q    <= (j_q == J_END - 1'b1);
          end else if (hold) begin
            m_tvalid_o <= 1'b0;          // the last logits are still being compared
            m_tlast_o  <= 1'b0;
          end else begin
            m_tdata_o <= {{(32 - JW){1'b0}}, arg_q};
            m_tlast_o <= 1'b1;
            j_q       <= {JW{1'b0}};
            last_q    <= 1'b0;
            busy_q    <= 1'b0;
            rslot_q   <= ~rslot_q;
          end
        end else begin
          m_tvalid_o <= 1'b0;
          m_tlast_o  <= 1'b0;
        end
      end
    end
  end
endmodule
`default_nettype wire
