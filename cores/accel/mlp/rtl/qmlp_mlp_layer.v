`default_nettype none
// One fully connected layer of the MLP: N outputs of K int8 inputs, PE neurons x SIMD inputs
// per cycle, weights in a ROM, an optional bias per neuron, then (hidden layers) requantize and
// the activation: a table (tanh, sigmoid) or a clamp (relu, identity, hardtanh).
//
// Schedule per image: for group n = 0..N/PE-1 (PE neurons), for chunk c = 0..K/SIMD-1:
// read SIMD inputs and ROM word n*(K/SIMD)+c (PE x SIMD weights), so an image takes exactly
// (N/PE)*(K/SIMD) cycles and images follow each other without a gap when the next input slot
// is full and the next output slot free. Pipeline (cycles after the read is issued):
//   1 input word and ROM word   2 both again, registered   3 the weights again, and the
//   input word copied once per lane   4 the weights and input word again, in the lane
//   5 PE*SIMD products   5+D adder trees (D = clog2 SIMD)
//   6+D accumulator (int32, exact here, started at the bias)   ACT 2: write the accumulators (logits)
//   7+D z = sat((acc + 2**(SHIFT-1)) >>> SHIFT)   8+D table or clamp   -> write PE bytes
//   (a lut layer at 1-bit weights and AB > 1, PSHORT: one stage less from 5 on, qmlp_mlp_lane)
// The bias ROM (BIAS = 1) holds one word per group, PE 24-bit biases: read at stage 3+D with the
// group then in flight, registered again in the lane, it starts the accumulator at 6+D.
// A threshold layer (ACT 3: thresholds per neuron in place of requantize and activation) has a
// threshold ROM of one word per group, PE x NT thresholds of THW bits: read at stage 4+D for the
// group then in flight, registered again in the lane at 6+D, beside the final accumulator.
// Stages 2 to 4 are there for timing (measured on ECP5, where nextpnr reports the paths):
// without stage 2 one cycle held the block RAM's clock-to-out, the multiplexer joining its
// blocks and the multiplier (about 20 ns); without the per-lane copies of stages 3 and 4 each
// input bit drove the multipliers of every PE, spread over the die (9 ns of routing before a
// 4 ns multiplier; with one copy per lane, 9.5 ns from the layer's register to the farthest).
// They cost three cycles of latency, not throughput.
// Stages 3 to the end are the lanes (qmlp_mlp_lane: the PEs, one or two neurons each).
// Only control is reset; products, trees and accumulators are plain registers (DSP48s).
// MAC styles (the arithmetic is exact in each, so the results are the same bit for bit):
//   dsp  (0) qmlp_mul_dsp, a registered `*` per product: one DSP48E1 each (its M/P register),
//            or on ECP5 one MULT18X18D with its output register (QMLP_ECP5_MULT);
//   dsp2 (1) neurons 2q and 2q+1 share a DSP48E1 per input: qmlp_mac_dsp2 packs their weights
//            16 bits apart on the 25-bit port, the input on the 18-bit port (even PE);
//   lut  (2) qmlp_mul_lut, Booth-digit products in LUTs (4- and 2-bit weights); the +1s of its
//            negated digits are summed in a narrow tree beside the adder tree.
// Every style registers its products at stage 5; the trees and accumulators are the same.
// 1 bit (WB or AB = 1) is bipolar, -1 or +1 (qmlp.numerics.bipolar): a ROM bit b stands for 2b - 1,
// a 1-bit input byte is 0x01 or 0xFF; ACT 1 with OB = 1 writes the accumulator's sign (qmlp_mlp_lane).
// Mixed layers (LUTPE > 0): the last LUTPE of the PE neurons are lut lanes whatever MAC says,
// the first PE - LUTPE use MAC (even for dsp2), so a layer is not capped at one or two products
// per DSP48E1: at w8a8 the lab's 128-cycle point needs 853 products per cycle, 440 of them fit
// the xc7z020's 220 DSP48E1 as dsp2 pairs (docs/mixed.md). The ROM word, the bias word and the
// output word are the same; only which lane computes neuron p changes.
module qmlp_mlp_layer #(
  parameter integer K        = 784,
  parameter integer N        = 128,
  parameter integer PE       = 4,
  parameter integer SIMD     = 49,
  parameter integer WB       = 8,      // weight bits (8, 4, 2 or 1): codes packed in the ROM word
  parameter integer AB       = 8,      // signed bits of the input codes (held in 8-bit containers)
  parameter integer MAC      = 0,      // MAC style: 0 dsp, 1 dsp2 (even PE - LUTPE), 2 lut (qmlp_mac_code)
  parameter integer LUTPE    = 0,      // the last LUTPE neurons of each group in lut lanes (0..PE)
  parameter integer ACT      = 0,      // 0 table, 1 clamp, 2 none: output layer, writes int32 accumulators
  parameter integer SHIFT    = 7,      // requantization shift of a hidden layer (< 0: a left shift)
  parameter integer OB       = 8,      // clamp: signed bits of the output code
  parameter integer OUNS     = 0,      // clamp: 1 clamps negative outputs to 0 (relu)
  parameter integer IDX_BITS = 8,      // activation table index width T
  parameter integer BIAS     = 0,      // 1: a bias per neuron (BIAS_FILE)
  parameter integer NT       = 1,      // ACT 3: thresholds per neuron (THR_FILE)
  parameter integer THW      = 1,      // ACT 3: bits of a threshold
  parameter integer NBUF_IN  = 3,      // slots of the input buffer (pointer wraps at NBUF_IN)
  parameter integer NBUF_OUT = 3,
  parameter integer RCP      = 1,      // copies of the input buffer's read address (in_addr_o)
  parameter         ROM_FILE = "qmlp_roms/fc1.mem",
  parameter         LUT_FILE = "qmlp_roms/act1.mem",
  parameter         BIAS_FILE = "qmlp_roms/bias1.mem",
  parameter         THR_FILE = "qmlp_roms/thr1.mem"
) (
  input  wire                clk_i,
  input  wire                rst_i,
  // input buffer
  input  wire [NBUF_IN-1:0]  in_full_i,
  output wire [$clog2(NBUF_IN > 1 ? NBUF_IN : 2)-1:0] in_slot_o,
  output wire [RCP*$clog2(K / SIMD > 1 ? K / SIMD : 2)-1:0] in_addr_o,   // RCP copies
  input  wire [SIMD*8-1:0]   in_data_i,
  output wire                in_release_o,
  output wire [$clog2(NBUF_IN > 1 ? NBUF_IN : 2)-1:0] in_release_slot_o,
  // output buffer
  input  wire [NBUF_OUT-1:0] out_full_i,
  output wire                out_we_o,
  output wire [$clog2(NBUF_OUT > 1 ? NBUF_OUT : 2)-1:0] out_slot_o,
  output wire [$clog2(N / PE > 1 ? N / PE : 2)-1:0] out_addr_o,
  output wire [PE*((ACT == 2) ? 32 : 8)-1:0] out_data_o,
  output wire                out_commit_o,
  output wire [$clog2(NBUF_OUT > 1 ? NBUF_OUT : 2)-1:0] out_commit_slot_o
);
  localparam integer SWI    = $clog2(NBUF_IN > 1 ? NBUF_IN : 2);
  localparam integer SWO    = $clog2(NBUF_OUT > 1 ? NBUF_OUT : 2);
  localparam integer CAW    = $clog2(K / SIMD > 1 ? K / SIMD : 2);
  localparam integer GAW    = $clog2(N / PE > 1 ? N / PE : 2);
  localparam integer CHUNKS = K / SIMD;
  localparam integer GROUPS = N / PE;
  localparam integer DEPTH  = CHUNKS * GROUPS;
  localparam integer RAW    = $clog2(DEPTH > 1 ? DEPTH : 2);
  localparam integer D      = (SIMD > 1) ? $clog2(SIMD) : 0;  // adder tree depth (qmlp_mlp_lane)
  // lut lanes at 1-bit weights and AB > 1 take the pair path (qmlp_mlp_lane; g_xpair below);
  // when every lane of the layer does (MAC lut), its leaves are not registered: one stage less
  localparam integer PAIRL  = (WB == 1 && AB > 1 && SIMD > 1 && (MAC == 2 || LUTPE > 0)) ? 1 : 0;
  localparam integer PSHORT = (PAIRL != 0 && MAC == 2) ? 1 : 0;
  localparam integer LAST   = (ACT == 2) ? 1 : 0;
`ifdef QMLP_ECP5_MULT
  localparam integer ECP5 = `QMLP_ECP5_MULT;   // set by the pnr_ecp5 targets (qmlp:accel:mac)
`else
  localparam integer ECP5 = 0;
`endif
  // on ECP5 a dsp layer registers every MULT18X18D product once more in the fabric, between the
  // block and the tree or accumulator it feeds (qmlp_mlp_lane XREG: one stage more)
  localparam integer XREG   = (ECP5 != 0 && MAC != 2) ? 1 : 0;
  // on ECP5 the input word and the weights take one more register before the lanes (DREG): the
  // block RAM's output register, then a fabric register the placer can put between the block and
  // the lanes spread over the multiplier columns (r21 of docs/fmax.md: 6.07 ns of routing from
  // a DP16KD's output register to a lane's copy of the input)
  localparam integer DREG   = (ECP5 != 0) ? 1 : 0;
  localparam integer ACC_ST = 6 + D - PSHORT + XREG + DREG;   // stage where acc_q is final
  // on ECP5 the activation table is a block RAM read, registered once more (qmlp_mlp_lane)
  localparam integer TBL_REG = (ACT == 0 && ECP5 != 0) ? 1 : 0;
  localparam integer WR_ST  = (LAST != 0) ? ACC_ST : ACC_ST + 2 + TBL_REG;

  localparam integer C_MAX_I = CHUNKS - 1;
  localparam integer G_MAX_I = GROUPS - 1;
  localparam integer SI_MAX_I = NBUF_IN - 1;
  localparam integer SO_MAX_I = NBUF_OUT - 1;
  localparam [CAW-1:0] C_MAX  = C_MAX_I[CAW-1:0];
  localparam [GAW-1:0] G_MAX  = G_MAX_I[GAW-1:0];
  localparam [SWI-1:0] SI_MAX = SI_MAX_I[SWI-1:0];
  localparam [SWO-1:0] SO_MAX = SO_MAX_I[SWO-1:0];

  localparam integer MAC_DSP = 0, MAC_DSP2 = 1, MAC_LUT = 2;

  // a design point the RTL cannot build stops every tool at elaboration (no such module)
  generate
    if (MAC != MAC_DSP && MAC != MAC_DSP2 && MAC != MAC_LUT) begin : g_bad_mac
      qmlp_mlp_layer_MAC_must_be_dsp_dsp2_or_lut u_bad ();
    end else if (LUTPE < 0 || LUTPE > PE) begin : g_bad_lutpe
      qmlp_mlp_layer_LUTPE_must_be_0_to_PE u_bad ();
    end else if (MAC == MAC_DSP2 && (PE - LUTPE) % 2 != 0) begin : g_bad_pe
      qmlp_mlp_layer_MAC_dsp2_needs_an_even_PE_minus_LUTPE u_bad ();
    end else if (LUTPE > 0 && WB != 1 && WB % 2 != 0) begin : g_bad_lutwb
      qmlp_mlp_layer_LUTPE_needs_even_or_1_bit_weights u_bad ();
    end else if (ACT < 0 || ACT > 3) begin : g_bad_act
      qmlp_mlp_layer_ACT_must_be_0_1_2_or_3 u_bad ();
    end
  endgenerate

`ifndef SYNTHESIS
  initial begin
    if (K % SIMD != 0 || N % PE != 0) begin
      $display("ERROR: qmlp_mlp_layer: SIMD=%0d must divide K=%0d and PE=%0d must divide N=%0d", SIMD, K, PE, N);
      $finish;
    end
  end
`endif

  // ------------------------------------------------------------------ issue
  reg            run_q;
  reg [CAW-1:0]  c_q;
  reg [GAW-1:0]  n_q;
  reg [SWI-1:0]  rs_q;        // input slot of the image being issued (or next)
  reg [SWO-1:0]  ws_q;        // output slot it will be written to

  // c_last/n_last: the counters at their last value, kept as flags beside them (set the cycle the
  // counter steps onto its last value) rather than compared from them: a compare of c_q, then
  // img_last, the input buffer's release and the claim logic was the ECP5 critical path at
  // 150 MHz (8.67 ns, 6.62 of it routing: docs/fmax.md, r15)
  localparam integer C_PEN_I = (CHUNKS > 1) ? CHUNKS - 2 : 0;
  localparam integer G_PEN_I = (GROUPS > 1) ? GROUPS - 2 : 0;
  localparam [CAW-1:0] C_PEN = C_PEN_I[CAW-1:0];
  localparam [GAW-1:0] G_PEN = G_PEN_I[GAW-1:0];
  localparam C_ONE = (CHUNKS == 1) ? 1'b1 : 1'b0;
  localparam G_ONE = (GROUPS == 1) ? 1'b1 : 1'b0;
  reg  c_last, n_last;
  wire img_last = run_q & c_last & n_last;
  wire [SWI-1:0] rs_next = (rs_q == SI_MAX) ? {SWI{1'b0}} : rs_q + 1'b1;
  wire [SWO-1:0] ws_next = (ws_q == SO_MAX) ? {SWO{1'b0}} : ws_q + 1'b1;
  // An output slot is taken from the cycle an image is issued into it, not only once it is full:
  // the image's first write comes WR_ST cycles after its first read and its commit WR_ST after
  // its last, so at an interval DEPTH of WR_ST or fewer cycles the images in flight would wrap
  // around the NBUF_OUT slots and the layer would issue into a slot whose earlier image is
  // still in the pipeline or not yet read (it was, at 2 to 4 cycles per image: writes into a
  // full slot, commits lost, logits wrong, then a stall). claim_q[s]: an image is in flight to
  // slot s; it ends when the slot is seen full (its commit is in), so the consumer's full flag
  // takes over without a gap whatever the buffer's commit latency. The accelerator sizes the
  // buffers between layers so that claims do not slow the interval (qmlp_mlp_accel).
  reg  [NBUF_OUT-1:0] claim_q;
  wire [NBUF_OUT-1:0] taken = out_full_i | claim_q;
  wire ready_now  = in_full_i[rs_q] & ~taken[ws_q];
  wire ready_next = in_full_i[rs_next] & ~taken[ws_next];
  wire start_now  = ~run_q & ready_now;        // an image is issued into ws_q
  wire start_next = img_last & ready_next;     // ... into ws_next, straight after this one
  integer cs;
  always @(posedge clk_i) begin
    if (rst_i) begin
      claim_q <= {NBUF_OUT{1'b0}};
    end else begin
      for (cs = 0; cs < NBUF_OUT; cs = cs + 1)
        claim_q[cs] <= (claim_q[cs] & ~out_full_i[cs]) |
                       (start_now & (ws_q == cs[SWO-1:0])) | (start_next & (ws_next == cs[SWO-1:0]));
    end
  end

  always @(posedge clk_i) begin
    if (rst_i) begin
      run_q <= 1'b0;
      c_q <= {CAW{1'b0}}; n_q <= {GAW{1'b0}};
      c_last <= C_ONE; n_last <= G_ONE;
      rs_q <= {SWI{1'b0}}; ws_q <= {SWO{1'b0}};
    end else if (!run_q) begin
      run_q <= ready_now;
    end else if (!c_last) begin
      c_q <= c_q + 1'b1;
      c_last <= (c_q == C_PEN);
    end else if (!n_last) begin
      c_q <= {CAW{1'b0}};
      c_last <= C_ONE;
      n_q <= n_q + 1'b1;
      n_last <= (n_q == G_PEN);
    end else begin
      // last read of this image: go straight on with the next one if it is there
      c_q <= {CAW{1'b0}}; n_q <= {GAW{1'b0}};
      c_last <= C_ONE; n_last <= G_ONE;
      rs_q <= rs_next; ws_q <= ws_next;
      run_q <= ready_next;
    end
  end
`ifndef SYNTHESIS
  // the flags are the compares they replace (every simulation checks it)
  always @(posedge clk_i)
    if (!rst_i && (c_last != (c_q == C_MAX) || n_last != (n_q == G_MAX))) begin
      $display("ERROR: qmlp_mlp_layer: c_last/n_last out of step with c_q/n_q at %0t", $time);
      $finish;
    end
`endif

  // The ROM address n*CHUNKS + c follows the schedule: one step per read, back to 0 after an
  // image's last read, which is the read of word DEPTH-1. Each ROM slice (g_rom) counts its
  // own copy with run_q as its enable: one address computed from the loop counters
  // (img_last's compares, an increment, a multiplexer) and then routed to every slice was
  // too long a path for ECP5 at 150 MHz.
  localparam integer A_MAX_I = DEPTH - 1;
  localparam [RAW-1:0] A_MAX = A_MAX_I[RAW-1:0];

  // The buffer's read address: RCP copies of c_q (the same counter, kept apart), each placed
  // beside the part of the buffer's memory it addresses (qmlp_mlp_slots); with c_q itself r19
  // of docs/fmax.md routed it 4.17 ns to a distributed RAM's read port (7.80 ns into the
  // buffer's read register), with one copy r23 3.90 ns (6.99 ns).
  genvar rc;
  for (rc = 0; rc < RCP; rc = rc + 1) begin : g_ra
    reg [CAW-1:0] ra_q;
    (* keep *) always @(posedge clk_i)
      if (rst_i)      ra_q <= {CAW{1'b0}};
      else if (run_q) ra_q <= c_last ? {CAW{1'b0}} : ra_q + 1'b1;
`ifndef SYNTHESIS
    always @(posedge clk_i)
      if (!rst_i && ra_q !== c_q) begin
        $display("ERROR: qmlp_mlp_layer: ra_q out of step with c_q at %0t", $time);
        $finish;
      end
`endif
    assign in_addr_o[rc*CAW +: CAW] = ra_q;
  end
  assign in_slot_o         = rs_q;
  assign in_release_o      = img_last;   // the read is captured at this edge: the slot is done
  assign in_release_slot_o = rs_q;

  // ------------------------------------------------------------------ flag pipeline
  // v: valid, f: first chunk, l: last chunk, e: last read of an image; g: group; s: out slot
  reg [WR_ST:1]  v_sr, e_sr, l_sr;
  reg [ACC_ST:1] f_sr;
  reg [GAW-1:0]  g_sr [1:WR_ST];
  reg [SWO-1:0]  s_sr [1:WR_ST];
  integer t;
  always @(posedge clk_i) begin
    if (rst_i) begin
      v_sr <= {WR_ST{1'b0}};
      e_sr <= {WR_ST{1'b0}};
    end else begin
      v_sr <= {v_sr[WR_ST-1:1], run_q};
      e_sr <= {e_sr[WR_ST-1:1], img_last};
    end
  end
  always @(posedge clk_i) begin
    f_sr <= {f_sr[ACC_ST-1:1], (c_q == {CAW{1'b0}})};
    l_sr <= {l_sr[WR_ST-1:1], c_last};
    g_sr[1] <= n_q;
    s_sr[1] <= ws_q;
    for (t = 2; t <= WR_ST; t = t + 1) begin
      g_sr[t] <= g_sr[t-1];
      s_sr[t] <= s_sr[t-1];
    end
  end

  // ------------------------------------------------------------------ weights
  // ROM word n*CHUNKS + c: weight (p*SIMD + s) at bits WB*(p*SIMD + s), two's complement
  // The ROM is read in slices of RS bits, each with its own copy of the address register: one
  // address register driving every block RAM of a wide ROM (57 DP16KD at PE=8 SIMD=16) was
  // the ECP5 critical path (9.5 ns of routing); so was, at 150 MHz, one copy per 144 bits
  // (8.37 ns of routing from a copy to its 16 DP16KD at x9, PE=4 SIMD=16). RS is a whole
  // number of block RAM widths, so the slicing costs no block RAM: on ECP5 36 (2 DP16KD at x18,
  // 4 at x9); on xc7 72 (one RAMB36E1 at 512 x 72), because Yosys 0.23 puts each 36-bit slice
  // of such a ROM in a RAMB36E1 of its own, not a RAMB18E1 (measured: a 512 x 144 ROM read as
  // four 36-bit slices takes 4 RAMB36E1, as two 72-bit slices 2; the default point's ROMs took
  // 48 RAMB36E1 instead of 24). Each copy is a counter of RAW bits. Each slice declares the
  // whole word, loaded from the one ROM file; synthesis keeps only the bits it reads.
  localparam integer RW  = PE * SIMD * WB;
  localparam integer RS  = (ECP5 != 0) ? 36 : 72;
  localparam integer NRS = (RW + RS - 1) / RS;
  reg [RW-1:0]     rom_q, w2_q, w_q;
  reg [SIMD*8-1:0] x2_q;
  genvar k;
  generate
    for (k = 0; k < NRS; k = k + 1) begin : g_rom
      localparam integer LO = k * RS;
      localparam integer SW = (RW - LO < RS) ? RW - LO : RS;
      // rom_style: in block RAM at any depth. Left to itself Yosys builds a ROM of 128 words
      // or fewer in LUTs: 6,500 LUT6 + 3,200 MUXF7 for layer 1's 128 x 3,136 bits at w4a4
      // PE=16 SIMD=49, against 88 RAMB18 (measured, synth_xilinx). Vivado reads it the same.
      /* verilator lint_off UNUSEDSIGNAL */   // the bits other slices read
      (* rom_style = "block" *)
      reg [RW-1:0]  rom [0:DEPTH-1];
      /* verilator lint_on UNUSEDSIGNAL */
      reg [RAW-1:0] a;
      initial $readmemh(ROM_FILE, rom);
      (* keep *) always @(posedge clk_i)               // n*CHUNKS + c; the copies kept apart
        if (rst_i)      a <= {RAW{1'b0}};
        else if (run_q) a <= (a == A_MAX) ? {RAW{1'b0}} : a + 1'b1;
      always @(posedge clk_i) rom_q[LO +: SW] <= rom[a][LO +: SW];  // the block RAM's read register
    end
  endgenerate
  // DREG (ECP5): one stage more in front of the lanes, for the input word and the weights alike
  // (every stage from 2 on is then one cycle later after its read: ACC_ST follows)
  wire [RW-1:0]     wd_w;
  wire [SIMD*8-1:0] xd_w;
  generate
    if (DREG != 0) begin : g_dreg
      reg [RW-1:0]     wd_q;
      reg [SIMD*8-1:0] xd_q;
      always @(posedge clk_i) begin
        wd_q <= w2_q;
        xd_q <= in_data_i;  // the slot buffer's block RAM output register takes this one
      end
      assign wd_w = wd_q;
      assign xd_w = xd_q;
    end else begin : g_nodreg
      assign wd_w = w2_q;
      assign xd_w = in_data_i;
    end
  endgenerate
  always @(posedge clk_i) begin
    w2_q  <= rom_q;         // stage 2: a fabric (or output) register after the block RAM
    w_q   <= wd_w;          // stage 3 (each lane registers its slice again at stage 4)
    x2_q  <= xd_w;          // the input word, kept in step with its weights
  end
  // ------------------------------------------------------------------ shared pair sums
  // lut lanes at 1-bit weights and AB > 1 (qmlp_mlp_lane's pair path) take words that depend on
  // the input only, computed here once for all of the layer's lanes: stage 3 the pair sums
  // x0 + x1 (AB+1 bits) beside x0 and x1, stage 4 that word again (xp_w, read by every lane's
  // leaf multiplexers), and S, the sum of the chunk's SIMD codes, a tree over the stage-3 pair
  // sums whose root (stage 2+D) is delayed to stage 4+D (sx_w; 3+D with PSHORT), where the lanes
  // compute 2T - S.
  localparam integer NPR   = (SIMD + 1) / 2;
  localparam integer PSW   = 3 * AB + 1;
  localparam integer DP    = (NPR > 1) ? $clog2(NPR) : 0;
  localparam integer NPP   = 1 << DP;
  wire [NPR*PSW-1:0] xp_w;
  wire [AB+D:0]      sx_w;
  genvar pp;
  generate
    if (PAIRL != 0) begin : g_xpair
      reg [NPR*PSW-1:0] xp3_q, xp4_q;
      for (pp = 0; pp < NPP; pp = pp + 1) begin : g_p
        wire signed [AB:0] v;                   // the pair's sum (S tree leaf)
        if (pp >= NPR) begin : g_pad
          assign v = {(AB + 1){1'b0}};
        end else begin : g_sum
          wire signed [AB-1:0] x0 = x2_q[2*pp*8 +: AB];
          wire signed [AB-1:0] x1;
          if (2 * pp + 1 < SIMD) begin : g_two
            assign x1 = x2_q[(2*pp + 1)*8 +: AB];
          end else begin : g_one                // odd SIMD: the last input alone
            assign x1 = {AB{1'b0}};
          end
          always @(posedge clk_i) xp3_q[pp*PSW +: PSW] <= {{x0[AB-1], x0} + {x1[AB-1], x1}, x1, x0};
          assign v = xp3_q[pp*PSW + 2*AB +: AB + 1];
        end
      end
      always @(posedge clk_i) xp4_q <= xp3_q;
      // S: node i at height H is AB+1+H bits; root at stage 3+DP = 2+D
      for (pp = 1; pp < NPP; pp = pp + 1) begin : g_s
        localparam integer H = DP - ($clog2(pp + 1) - 1);
        reg signed [AB+H:0] v;
        if (2 * pp >= NPP) begin : g_last
          wire signed [AB:0] a = g_p[2*pp - NPP].v;
          wire signed [AB:0] b = g_p[2*pp + 1 - NPP].v;
          always @(posedge clk_i) v <= {a[AB], a} + {b[AB], b};
        end else begin : g_inner
          wire signed [AB+H-1:0] a = g_s[2*pp].v;
          wire signed [AB+H-1:0] b = g_s[2*pp + 1].v;
          always @(posedge clk_i) v <= {a[AB+H-1], a} + {b[AB+H-1], b};
        end
      end
      wire signed [AB+DP:0] sr;
      if (NPP > 1) begin : g_root
        assign sr = g_s[1].v;
      end else begin : g_one
        assign sr = g_p[0].v;
      end
      reg signed [AB+D:0] s3_q;                 // stage 3+D
      always @(posedge clk_i) s3_q <= {sr[AB+DP], sr};   // AB+DP+2 = AB+D+1 bits
      if (PSHORT != 0) begin : g_s3
        assign sx_w = s3_q;
      end else begin : g_s4
        reg signed [AB+D:0] s4_q;               // stage 4+D
        always @(posedge clk_i) s4_q <= s3_q;
        assign sx_w = s4_q;
      end
      assign xp_w = xp4_q;
    end else begin : g_noxpair
      assign xp_w = {NPR*PSW{1'b0}};
      assign sx_w = {(AB + D + 1){1'b0}};
    end
  endgenerate

  // ------------------------------------------------------------------ biases
  // PE 24-bit words per group (bias of neuron n*PE + p at bits 24p), read for the group whose
  // accumulation starts three cycles later (the lane registers it once more).
  localparam integer BDEPTH = (GROUPS > 1) ? GROUPS : 2;
  wire [PE*24-1:0] bias_w;
  generate
    if (BIAS != 0) begin : g_bias
      reg [PE*24-1:0] brom [0:BDEPTH-1];
      reg [PE*24-1:0] b_q;
      initial $readmemh(BIAS_FILE, brom);
      always @(posedge clk_i) b_q <= brom[g_sr[ACC_ST-3]];
      assign bias_w = b_q;
    end else begin : g_nobias
      assign bias_w = {PE*24{1'b0}};
    end
  endgenerate

  // ------------------------------------------------------------------ thresholds
  // PE x NT thresholds per group (threshold k of neuron n*PE + p at bits THW*(p*NT + k)), read for
  // the group whose accumulator is final two cycles later (the lane registers them once more).
  wire [PE*NT*THW-1:0] thr_w;
  generate
    if (ACT == 3) begin : g_thr
      reg [PE*NT*THW-1:0] trom [0:BDEPTH-1];
      reg [PE*NT*THW-1:0] t_q;
      initial $readmemh(THR_FILE, trom);
      always @(posedge clk_i) t_q <= trom[g_sr[ACC_ST-2]];
      assign thr_w = t_q;
    end else begin : g_nothr
      assign thr_w = {PE*NT*THW{1'b0}};
    end
  endgenerate

  // ------------------------------------------------------------------ lanes
  // (PE - LUTPE) / NL lanes of NL neurons each in the layer's MAC style (qmlp_mlp_lane: NL = 2
  // for dsp2, whose DSP48E1 computes two neurons' products of one input), then LUTPE lut lanes
  // of one neuron each (g_lutpe). Each lane registers two copies of x2_q (stages 3, 4).
  localparam integer NL = (MAC == MAC_DSP2) ? 2 : 1;
  localparam integer OW = (LAST != 0) ? 32 : 8;
  genvar r;
  generate
    for (r = 0; r < (PE - LUTPE) / NL; r = r + 1) begin : g_lane
      // the accumulator's enable and first-chunk select (a valid tree output, and an image
      // group's first chunk, arrive this cycle), registered once per lane: one register
      // driving the multiplexers and enables of every lane's 32-bit accumulator (16 lanes at
      // PE=16) was the ECP5 critical path (5.4 ns of routing before the carry chain). `keep`
      // stops Yosys merging the copies back into one.
      reg acc_en, acc_first;
      (* keep *) always @(posedge clk_i) acc_en <= v_sr[ACC_ST - 2];
      (* keep *) always @(posedge clk_i) acc_first <= f_sr[ACC_ST - 2];
      qmlp_mlp_lane #(
        .SIMD(SIMD), .WB(WB), .AB(AB), .MAC(MAC), .ACT(ACT), .SHIFT(SHIFT), .OB(OB), .OUNS(OUNS),
        .IDX_BITS(IDX_BITS), .BIAS(BIAS), .NT(NT), .THW(THW), .PREG(1 - PSHORT), .XREG(XREG),
        .LUT_FILE(LUT_FILE)
      ) u_lane (
        .clk_i(clk_i), .x_i(x2_q), .w_i(w_q[r*NL*SIMD*WB +: NL*SIMD*WB]), .xp_i(xp_w), .sx_i(sx_w),
        .b_i(bias_w[r*NL*24 +: NL*24]),
        .t_i(thr_w[r*NL*NT*THW +: NL*NT*THW]),
        .acc_en_i(acc_en), .acc_first_i(acc_first), .y_o(out_data_o[r*NL*OW +: NL*OW])
      );
    end
  endgenerate
  // The LUT PEs of a mixed layer: neuron PE - LUTPE + r in a lut lane (qmlp_mul_lut products,
  // MAC code 2), its weights, bias and output at the neuron's own place in the words. Their
  // accumulator controls are registered per lane here too, from the same flags and in step
  // with the other lanes' (stage ACC_ST - 1).
  genvar u;
  generate
    for (u = 0; u < LUTPE; u = u + 1) begin : g_lutpe
      localparam integer P = PE - LUTPE + u;
      reg acc_en, acc_first;
      (* keep *) always @(posedge clk_i) acc_en <= v_sr[ACC_ST - 2];
      (* keep *) always @(posedge clk_i) acc_first <= f_sr[ACC_ST - 2];
      qmlp_mlp_lane #(
        .SIMD(SIMD), .WB(WB), .AB(AB), .MAC(MAC_LUT), .ACT(ACT), .SHIFT(SHIFT), .OB(OB), .OUNS(OUNS),
        .IDX_BITS(IDX_BITS), .BIAS(BIAS), .NT(NT), .THW(THW), .PREG(1 - PSHORT), .XREG(XREG),
        .LUT_FILE(LUT_FILE)
      ) u_lane (
        .clk_i(clk_i), .x_i(x2_q), .w_i(w_q[P*SIMD*WB +: SIMD*WB]), .xp_i(xp_w), .sx_i(sx_w),
        .b_i(bias_w[P*24 +: 24]),
        .t_i(thr_w[P*NT*THW +: NT*THW]),
        .acc_en_i(acc_en), .acc_first_i(acc_first), .y_o(out_data_o[P*OW +: OW])
      );
    end
  endgenerate

  assign out_we_o          = v_sr[WR_ST] & l_sr[WR_ST];
  assign out_slot_o        = s_sr[WR_ST];
  assign out_addr_o        = g_sr[WR_ST];
  assign out_commit_o      = e_sr[WR_ST];
  assign out_commit_slot_o = s_sr[WR_ST];
endmodule
`default_nettype wire
