`default_nettype none
// Output side: collects the last layer's logits in two slots and streams each image out as
// an AXI4-Stream master: N beats of int32 logits, then one beat with the class (argmax,
// first maximum on ties, as numpy's argmax), tlast on that beat.
// The argmax is taken while the logits go out, so it costs one comparator. It compares a
// registered copy of each logit one cycle after the logit left (cand_q), not the memory's
// output itself: read, multiplexer, 32-bit compare and the enable of max_q in one cycle was
// the accelerator's ECP5 critical path (16 ns). The class beat waits one cycle while the
// last candidate is still pending, so it loads arg_q straight from a register: taking the
// pending candidate into account there (compare, then a multiplexer into m_tdata_o) was the
// next critical path (11.6 ns). The bubble costs one cycle per image on a stream that is
// idle most of the time (N + 2 beats against at least 64 cycles per image).
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
  localparam integer JW = $clog2(N + 1);
  localparam integer N_I = N;
  localparam [JW-1:0] J_END = N_I[JW-1:0];

  reg [31:0] mem [0:2*N-1];
  integer b;
  always @(posedge clk_i)
    if (we_i)
      for (b = 0; b < PE; b = b + 1)
        mem[wslot_i * N + waddr_i * PE + b] <= wdata_i[b*32 +: 32];

  // streamer: j = index of the beat in the output register (N: the class beat)
  reg            rslot_q;
  reg [JW-1:0]   j_q;
  reg            busy_q;
  reg signed [31:0] max_q;
  reg [JW-1:0]   arg_q;
  reg signed [31:0] cand_q;         // the logit that went out last cycle, still to compare
  reg [JW-1:0]   cand_j_q;
  reg            cand_v_q;
  // the first logit of an image always wins (the running maximum starts there)
  wire cand_better = cand_v_q & ((cand_j_q == {JW{1'b0}}) | (cand_q > max_q));

  wire take = ~m_tvalid_o | m_tready_i;            // the output register can be loaded
  localparam integer MAW = $clog2(2 * N);
  localparam [MAW-1:0] SLOT1 = N_I[MAW-1:0];
  wire [31:0] logit = mem[(rslot_q ? SLOT1 : {MAW{1'b0}}) + {{(MAW - JW){1'b0}}, j_q}];

  always @(posedge clk_i) begin
    if (rst_i) begin
      rslot_q    <= 1'b0;
      j_q        <= {JW{1'b0}};
      busy_q     <= 1'b0;
      m_tvalid_o <= 1'b0;
      m_tlast_o  <= 1'b0;
      m_tdata_o  <= 32'd0;
      max_q      <= 32'sd0;
      arg_q      <= {JW{1'b0}};
      cand_v_q   <= 1'b0;
      full_o     <= 2'b00;
    end else begin
      if (commit_i) full_o[commit_slot_i] <= 1'b1;
      if (cand_better) begin
        max_q <= cand_q;
        arg_q <= cand_j_q;
      end
      cand_v_q <= 1'b0;
      if (take) begin
        if (busy_q || full_o[rslot_q]) begin
          busy_q     <= 1'b1;
          m_tvalid_o <= 1'b1;
          if (j_q != J_END) begin
            m_tdata_o <= logit;
            m_tlast_o <= 1'b0;
            cand_q    <= logit;
            cand_j_q  <= j_q;
            cand_v_q  <= 1'b1;
            j_q <= j_q + 1'b1;
          end else if (cand_v_q) begin
            m_tvalid_o <= 1'b0;          // the last logit is still being compared
            m_tlast_o  <= 1'b0;
          end else begin
            m_tdata_o <= {{(32 - JW){1'b0}}, arg_q};
            m_tlast_o <= 1'b1;
            j_q       <= {JW{1'b0}};
            busy_q    <= 1'b0;
            rslot_q   <= ~rslot_q;
            full_o[rslot_q] <= 1'b0;     // every logit has been read: free the slot
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
