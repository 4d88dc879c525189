`default_nettype none
// Multi-slot image buffer between two stages of the accelerator (ping-pong generalised to
// NBUF slots); the one buffer module of the design, used for the input and between layers.
//
// Each slot holds one image's K bytes. The producer writes WR bytes at a time into its current
// slot and commits it; the consumer reads RD bytes at a time (one cycle of read latency) and
// releases it. Slots are used in order by both sides, so a full flag per slot is all the
// bookkeeping needed. With NBUF = 3 a producer whose image takes as long as the consumer's
// can start the next image while the consumer still reads the previous-but-one.
// Storage: a memory of words with a registered read, so that synthesis can use block or
// distributed RAM and the read is never a wide multiplexer of flip-flops (on ECP5 a 384-to-1
// byte multiplexer of registers was the accelerator's critical path, 17 ns). The word is
// WW = max(WR, RD) bytes. WR >= RD: the producer writes whole words and the consumer picks its
// RD bytes out of the word it read, by an offset registered with it (a small multiplexer
// after the RAM). WR < RD: RD/WR banks of WR-byte words, written one bank at a time and read
// all at once. WR and RD divide K; where neither divides the other the layers are sized so
// that it cannot happen (K2 = 128 and K3 = 64 make PE and SIMD powers of two there, and the
// input buffer has WR = RD).
// Slots are a power of two of words apart (WPS2 >= K/WW words each), so that a word's address
// is the slot number and the word index side by side, not slot * words + word: that sum was an
// adder in front of the memory's address on both ports (layer 1's input slots on ECP5, where
// it sat between the layer's loop counter and the block RAM).
// no_rw_check: a word is never read in the cycle it is written (the producer writes only a slot
// that is not full, the consumer reads only full ones), so Yosys need not build its
// read-during-write bypass (a register and a multiplexer after the RAM, which also kept the
// ECP5 block RAM's output register from being used: qmlp.eda.ecp5.absorb_outregs).
// WREG = 1 registers the producer's side (write enable, slot, address, data and the commit,
// all one cycle later, so a slot is still full only once its last word is in): for a producer
// whose write enable is logic of the slot flags, the input stream's handshake (we = tvalid &
// ~full). On ECP5 that enable routed from the flags beside the input pins to the input slots'
// block RAMs across the die, 8.07 ns (r8 of docs/fmax.md). One cycle of latency, no throughput.
module qmlp_mlp_slots #(
  parameter integer K    = 128,
  parameter integer WR   = 4,     // bytes written per cycle (divides K)
  parameter integer RD   = 1,     // bytes read per cycle (divides K)
  parameter integer NBUF = 3,
  parameter integer WREG = 0,     // 1: the producer's side registered once
  parameter integer RCP  = 1      // copies of the read address in raddr_i (WR > RD: WR*8/RCP-bit columns)
) (
  input  wire                 clk_i,
  input  wire                 rst_i,
  // producer
  input  wire                 we_i,
  input  wire [$clog2(NBUF > 1 ? NBUF : 2)-1:0] wslot_i,
  input  wire [$clog2(K / WR > 1 ? K / WR : 2)-1:0] waddr_i,   // in units of WR bytes
  input  wire [WR*8-1:0]      wdata_i,
  input  wire                 commit_i,
  input  wire [$clog2(NBUF > 1 ? NBUF : 2)-1:0] commit_slot_i,
  // consumer
  input  wire [$clog2(NBUF > 1 ? NBUF : 2)-1:0] rslot_i,
  input  wire [RCP*$clog2(K / RD > 1 ? K / RD : 2)-1:0] raddr_i, // in units of RD bytes, RCP copies
  output wire [RD*8-1:0]      rdata_o,
  input  wire                 release_i,
  input  wire [$clog2(NBUF > 1 ? NBUF : 2)-1:0] release_slot_i,
  // slot states: full_o for the consumer, full_w_o (the same flags) for the producer
  output reg  [NBUF-1:0]      full_o,
  output reg  [NBUF-1:0]      full_w_o
);
  localparam integer SW  = $clog2(NBUF > 1 ? NBUF : 2);
  localparam integer WW  = (WR > RD) ? WR : RD;          // bytes per memory word
  localparam integer WPS = K / WW;                        // words per slot
  localparam integer WSB = $clog2(WPS > 1 ? WPS : 2);     // word index bits within a slot
  localparam integer WPS2 = 1 << WSB;                     // slot stride in words
  localparam integer MAW = SW + WSB;
  localparam integer RAW = $clog2(K / RD > 1 ? K / RD : 2);
  /* verilator lint_off UNUSEDSIGNAL */
  wire [RAW-1:0] raddr = raddr_i[RAW-1:0];                 // copy 0 (ECP5 g_copies: unused)
  /* verilator lint_on UNUSEDSIGNAL */

  // the producer's side as the memory and the flags see it (WREG: one cycle later)
  wire                 we_w, commit_w;
  wire [SW-1:0]        wslot_w, cslot_w;
  wire [$clog2(K / WR > 1 ? K / WR : 2)-1:0] waddr_w;
  wire [WR*8-1:0]      wdata_w;
  generate
    if (WREG != 0) begin : g_wreg
      reg                 we_q, commit_q;
      reg [SW-1:0]        wslot_q, cslot_q;
      reg [$clog2(K / WR > 1 ? K / WR : 2)-1:0] waddr_q;
      reg [WR*8-1:0]      wdata_q;
      always @(posedge clk_i) begin
        if (rst_i) begin
          we_q     <= 1'b0;
          commit_q <= 1'b0;
        end else begin
          we_q     <= we_i;
          commit_q <= commit_i;
        end
        wslot_q <= wslot_i;
        cslot_q <= commit_slot_i;
        waddr_q <= waddr_i;
        wdata_q <= wdata_i;
      end
      assign {we_w, commit_w, wslot_w, cslot_w, waddr_w, wdata_w} =
             {we_q, commit_q, wslot_q, cslot_q, waddr_q, wdata_q};
    end else begin : g_wdir
      assign {we_w, commit_w, wslot_w, cslot_w, waddr_w, wdata_w} =
             {we_i, commit_i, wslot_i, commit_slot_i, waddr_i, wdata_i};
    end
  endgenerate
`ifndef SYNTHESIS
  initial begin
    if ((WR * 8) % RCP != 0) begin
      $display("ERROR: qmlp_mlp_slots: RCP=%0d must divide the word's %0d bits", RCP, WR * 8);
      $finish;
    end
    if (K % WR != 0 || K % RD != 0 || (WR % RD != 0 && RD % WR != 0)) begin
      $display("ERROR: qmlp_mlp_slots: WR=%0d and RD=%0d must divide K=%0d and one must divide the other",
               WR, RD, K);
      $finish;
    end
  end
`endif

  generate
    if (WR >= RD) begin : g_pick
      localparam integer SEL = WR / RD;                   // RD-byte pieces per word
      reg [WR*8-1:0] word_q;
      // word address {slot, word}; the word index sized to WSB bits
      /* verilator lint_off WIDTH */
      wire [WSB-1:0] wword = waddr_w;
      /* verilator lint_on WIDTH */
      wire [MAW-1:0] wi = {wslot_w, wword};
      if (SEL > 1) begin : g_dist
        // a multiplexer follows the read, so an ECP5 block RAM could not use its output
        // register (5.61 ns clock-to-out, then the multiplexer): distributed RAM, whose read
        // is combinational and word_q a fabric register. RCP > 1: RCP columns of the word, each
        // a memory of its own read at its own copy of the address (r23 of docs/fmax.md: one
        // address register fanned out to every read port of a 64-bit word, 3.90 ns)
        localparam integer CW = WR * 8 / RCP;
        genvar cc;
        for (cc = 0; cc < RCP; cc = cc + 1) begin : g_col
          /* verilator lint_off WIDTH */
          wire [WSB-1:0] rword_c = raddr_i[cc*RAW +: RAW] / SEL;
          /* verilator lint_on WIDTH */
          wire [MAW-1:0] ri_c = {rslot_i, rword_c};
          (* no_rw_check, ram_style = "distributed" *)
          reg [CW-1:0] mem [0:NBUF*WPS2-1];
          always @(posedge clk_i) begin
            if (we_w) mem[wi] <= wdata_w[cc*CW +: CW];
            word_q[cc*CW +: CW] <= mem[ri_c];
          end
        end
      end else begin : g_any
        wire [WSB-1:0] rword = raddr;                     // SEL = 1: a word is RD bytes
        wire [MAW-1:0] ri = {rslot_i, rword};
        (* no_rw_check *)
        reg [WR*8-1:0] mem [0:NBUF*WPS2-1];
        always @(posedge clk_i) begin
          if (we_w) mem[wi] <= wdata_w;
          word_q <= mem[ri];
        end
      end
      if (SEL > 1) begin : g_sel
        localparam integer OW = $clog2(SEL);
`ifdef QMLP_ECP5_MULT
        localparam integer ECP5 = `QMLP_ECP5_MULT;
`else
        localparam integer ECP5 = 0;
`endif
        if (ECP5 != 0) begin : g_copies
          // ECP5 (pnr_ecp5): a copy of the offset per output bit, each beside its multiplexer;
          // with one register driving every bit's multiplexer r22 of docs/fmax.md routed it
          // 3.80 ns (6.91 ns in all into the layer's DREG register, 150 MHz missed by 240 ps)
          genvar ob;
          for (ob = 0; ob < RD * 8; ob = ob + 1) begin : g_bit
            reg [OW-1:0] off_q;
            /* verilator lint_off WIDTH */
            (* keep *) always @(posedge clk_i) off_q <= raddr_i[(ob % RCP)*RAW +: RAW] % SEL;
            assign rdata_o[ob] = word_q[off_q * (RD * 8) + ob];
            /* verilator lint_on WIDTH */
          end
        end else begin : g_one
          reg [OW-1:0] off_q;
          /* verilator lint_off WIDTH */
          always @(posedge clk_i) off_q <= raddr % SEL;
          /* verilator lint_on WIDTH */
          assign rdata_o = word_q[off_q * (RD * 8) +: RD * 8];
        end
      end else begin : g_all
        assign rdata_o = word_q;
      end
    end else begin : g_banks
      localparam integer NBK = RD / WR;                   // banks of WR bytes
      genvar j;
      for (j = 0; j < NBK; j = j + 1) begin : g_bank
        localparam integer JI = j;
        (* no_rw_check *)
        reg [WR*8-1:0] mem [0:NBUF*WPS2-1];
        reg [WR*8-1:0] q;
        /* verilator lint_off WIDTH */
        wire [WSB-1:0] wword = waddr_w / NBK;
        wire           wj = (waddr_w % NBK) == JI;
        wire [WSB-1:0] rword = raddr;
        /* verilator lint_on WIDTH */
        wire [MAW-1:0] wi = {wslot_w, wword};
        wire [MAW-1:0] ri = {rslot_i, rword};
        always @(posedge clk_i) begin
          if (we_w && wj) mem[wi] <= wdata_w;
          q <= mem[ri];
        end
        assign rdata_o[j*WR*8 +: WR*8] = q;
      end
    end
  endgenerate

`ifndef SYNTHESIS
  // The protocol's invariant, checked in every simulation: the producer writes and commits only
  // a slot that is not full, the consumer releases only a full one. A producer that issued into
  // a slot still held by an earlier image (qmlp_mlp_layer before its output-slot claims, at 4
  // cycles per image or fewer) broke the first and the run stopped here instead of at wrong logits.
  always @(posedge clk_i) begin
    if (!rst_i && ((we_w && full_o[wslot_w]) || (commit_w && full_o[cslot_w]) ||
                   (release_i && !full_o[release_slot_i]))) begin
      $display("ERROR: qmlp_mlp_slots %m: %0s slot %0d (write into or commit of a full slot, or release of an empty one)",
               (release_i && !full_o[release_slot_i]) ? "release" : "write/commit",
               (release_i && !full_o[release_slot_i]) ? release_slot_i : (we_w ? wslot_w : cslot_w));
      $finish;
    end
  end
`endif
  genvar g;
  generate
    for (g = 0; g < NBUF; g = g + 1) begin : g_slot
      localparam integer GI = g;
      localparam [SW-1:0] SLOT = GI[SW-1:0];
      always @(posedge clk_i) begin
        if (rst_i)                                    full_o[g] <= 1'b0;
        else if (commit_w && cslot_w == SLOT)   full_o[g] <= 1'b1;
        else if (release_i && release_slot_i == SLOT) full_o[g] <= 1'b0;
      end
      // A copy for the producer, so that each side reads a register placed beside it: with one
      // register read by both, r17 of docs/fmax.md routed the input buffer's flag 2.17 + 1.79 ns
      // to layer 1's issue logic (7.52 ns into run_q, the 150 MHz critical path). `keep` on the
      // always block stops Yosys merging the two back into one.
      (* keep *) always @(posedge clk_i) begin
        if (rst_i)                                    full_w_o[g] <= 1'b0;
        else if (commit_w && cslot_w == SLOT)   full_w_o[g] <= 1'b1;
        else if (release_i && release_slot_i == SLOT) full_w_o[g] <= 1'b0;
      end
    end
  endgenerate
endmodule
`default_nettype wire
