`default_nettype none
// One fully connected layer of the MLP: N outputs of K int8 inputs, PE neurons x SIMD inputs
// per cycle, weights in a ROM, then (hidden layers) requantize and tanh by table.
//
// Schedule per image: for group n = 0..N/PE-1 (PE neurons), for chunk c = 0..K/SIMD-1:
// read SIMD inputs and ROM word n*(K/SIMD)+c (PE x SIMD weights), so an image takes exactly
// (N/PE)*(K/SIMD) cycles and images follow each other without a gap when the next input slot
// is full and the next output slot free. Pipeline (cycles after the read is issued):
//   1 input word and ROM word   2 both again, registered   3 the weights again, and the
//   input word copied once per PE   4 PE*SIMD products   4+D adder trees (D = clog2 SIMD)
//   5+D accumulator (int32, exact here)   LAST: write the accumulators (logits)
//   6+D z = sat_T((acc + 2**(SHIFT-1)) >>> SHIFT)   7+D tanh table   -> write PE bytes
// Stages 2 and 3 are there for timing (measured on ECP5, where nextpnr reports the paths):
// without stage 2 one cycle held the block RAM's clock-to-out, the multiplexer joining its
// blocks and the multiplier (about 20 ns); without the per-PE copies of stage 3 each input
// bit drove PE multipliers spread over the die (9 ns of routing before a 4 ns multiplier).
// They cost two cycles of latency, not throughput.
// Only control is reset; products, trees and accumulators are plain registers (DSP48s).
// MAC styles (the arithmetic is exact in each, so the results are the same bit for bit):
//   dsp  (0) qmlp_mul_dsp, a registered `*` per product: one DSP48E1 each (its M/P register),
//            or on ECP5 one MULT18X18D with its output register (QMLP_ECP5_MULT);
//   dsp2 (1) neurons 2q and 2q+1 share a DSP48E1 per input: qmlp_mac_dsp2 packs their weights
//            16 bits apart on the 25-bit port, the input on the 18-bit port (even PE);
//   lut  (2) qmlp_mul_lut, Booth-digit products in LUTs (4- and 2-bit weights); the +1s of its
//            negated digits are summed in a narrow tree beside the adder tree.
// Every style registers its products at stage 3; the trees and accumulators are the same.
module qmlp_mlp_layer #(
  parameter integer K        = 784,
  parameter integer N        = 128,
  parameter integer PE       = 4,
  parameter integer SIMD     = 49,
  parameter integer WB       = 8,      // weight bits (8, 4 or 2): codes packed in the ROM word
  parameter integer AB       = 8,      // bits of the input activations (held in 8-bit containers)
  parameter integer MAC      = 0,      // MAC style: 0 dsp, 1 dsp2 (even PE), 2 lut (qmlp_mac_code)
  parameter integer SHIFT    = 7,      // requantization shift of a hidden layer (< 0: a left shift)
  parameter integer IDX_BITS = 8,      // tanh table index width T
  parameter integer LAST     = 0,      // 1: output layer, writes int32 accumulators
  parameter integer NBUF_IN  = 3,      // slots of the input buffer (pointer wraps at NBUF_IN)
  parameter integer NBUF_OUT = 3,
  parameter         ROM_FILE = "qmlp_roms/fc1.mem",
  parameter         LUT_FILE = "qmlp_roms/tanh.mem"
) (
  input  wire                clk_i,
  input  wire                rst_i,
  // input buffer
  input  wire [NBUF_IN-1:0]  in_full_i,
  output wire [$clog2(NBUF_IN > 1 ? NBUF_IN : 2)-1:0] in_slot_o,
  output wire [$clog2(K / SIMD > 1 ? K / SIMD : 2)-1:0] in_addr_o,
  input  wire [SIMD*8-1:0]   in_data_i,
  output wire                in_release_o,
  output wire [$clog2(NBUF_IN > 1 ? NBUF_IN : 2)-1:0] in_release_slot_o,
  // output buffer
  input  wire [NBUF_OUT-1:0] out_full_i,
  output wire                out_we_o,
  output wire [$clog2(NBUF_OUT > 1 ? NBUF_OUT : 2)-1:0] out_slot_o,
  output wire [$clog2(N / PE > 1 ? N / PE : 2)-1:0] out_addr_o,
  output wire [PE*((LAST != 0) ? 32 : 8)-1:0] out_data_o,
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
  localparam integer D      = (SIMD > 1) ? $clog2(SIMD) : 0;
  localparam integer TW     = AB + WB + D;                   // adder tree output width
  localparam integer ACC_ST = 5 + D;                          // stage where acc_q is final
  localparam integer WR_ST  = (LAST != 0) ? ACC_ST : ACC_ST + 2;

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
    end else if (MAC == MAC_DSP2 && PE % 2 != 0) begin : g_bad_pe
      qmlp_mlp_layer_MAC_dsp2_needs_an_even_PE u_bad ();
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
  reg [RAW-1:0]  a_q;         // ROM address n*CHUNKS + c
  reg [SWI-1:0]  rs_q;        // input slot of the image being issued (or next)
  reg [SWO-1:0]  ws_q;        // output slot it will be written to

  wire c_last   = (c_q == C_MAX);
  wire n_last   = (n_q == G_MAX);
  wire img_last = run_q & c_last & n_last;
  wire [SWI-1:0] rs_next = (rs_q == SI_MAX) ? {SWI{1'b0}} : rs_q + 1'b1;
  wire [SWO-1:0] ws_next = (ws_q == SO_MAX) ? {SWO{1'b0}} : ws_q + 1'b1;
  wire ready_now  = in_full_i[rs_q] & ~out_full_i[ws_q];
  wire ready_next = in_full_i[rs_next] & ~out_full_i[ws_next];

  always @(posedge clk_i) begin
    if (rst_i) begin
      run_q <= 1'b0;
      c_q <= {CAW{1'b0}}; n_q <= {GAW{1'b0}};
      rs_q <= {SWI{1'b0}}; ws_q <= {SWO{1'b0}};
    end else if (!run_q) begin
      run_q <= ready_now;
    end else if (!c_last) begin
      c_q <= c_q + 1'b1;
    end else if (!n_last) begin
      c_q <= {CAW{1'b0}};
      n_q <= n_q + 1'b1;
    end else begin
      // last read of this image: go straight on with the next one if it is there
      c_q <= {CAW{1'b0}}; n_q <= {GAW{1'b0}};
      rs_q <= rs_next; ws_q <= ws_next;
      run_q <= ready_next;
    end
  end

  // The ROM address follows the schedule: one step per read, back to 0 after an image's last.
  // It is computed once (a_d) and registered once per ROM slice (g_rom).
  wire [RAW-1:0] a_d = (rst_i || img_last) ? {RAW{1'b0}} : (run_q ? a_q + 1'b1 : a_q);
  always @(posedge clk_i) a_q <= a_d;

  assign in_slot_o         = rs_q;
  assign in_addr_o         = c_q;
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
  // the ECP5 critical path (9.5 ns of routing). RS = 144 is a whole number of block RAM widths
  // (8 DP16KD at x18, 4 RAMB18 at x36), so the slicing costs no block RAM. Each slice declares
  // the whole word, loaded from the one ROM file; synthesis keeps only the bits it reads.
  localparam integer RW  = PE * SIMD * WB;
  localparam integer RS  = 144;
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
      (* keep *) always @(posedge clk_i) a <= a_d;   // equal to a_q, kept apart (see g_x)
      always @(posedge clk_i) rom_q[LO +: SW] <= rom[a][LO +: SW];  // the block RAM's read register
    end
  endgenerate
  always @(posedge clk_i) begin
    w2_q  <= rom_q;         // stage 2: a fabric (or output) register after the block RAM
    w_q   <= w2_q;          // stage 3, beside the multipliers
    x2_q  <= in_data_i;     // the input word, kept in step with its weights
  end
  // Stage 3: one copy of the input word per PE, placed near that PE's multipliers. `keep` on
  // the always block stops Yosys merging the copies back into one register (opt_merge
  // ignores `keep` on the reg itself). PE p's input s is bits 8*(p*SIMD + s) of x_q.
  /* verilator lint_off UNUSEDSIGNAL */   // below 8 bits the high bits of each byte are sign copies
  wire [PE*SIMD*8-1:0] x_q;
  /* verilator lint_on UNUSEDSIGNAL */
  genvar r;
  generate
    for (r = 0; r < PE; r = r + 1) begin : g_x
      reg [SIMD*8-1:0] q;
      (* keep *) always @(posedge clk_i) q <= x2_q;
      assign x_q[r*SIMD*8 +: SIMD*8] = q;
    end
  endgenerate

  // ------------------------------------------------------------------ lanes
  wire acc_en    = v_sr[ACC_ST - 1];     // tree output of a valid read arrives this cycle
  wire acc_first = f_sr[ACC_ST - 1];

  // Products (leaves) and the adder tree of one lane form a binary heap: leaf s (heap node
  // NP+s) is the registered product of input s, node i the registered sum of nodes 2i and
  // 2i+1, node 1 the sum, D = log2(NP) cycles after the products. Every leaf and node is its
  // own generate block (one always block each): procedural loops that assign array elements
  // are neither unrolled by Verilator beyond 64 iterations (BLKLOOPINIT at SIMD = 98..392)
  // nor cheap in Icarus, which re-evaluates every reader of a bus when any slice changes.
  // How a product is made is the layer's MAC style (see the header); the value is the same.
  localparam integer NP = 1 << D;
  localparam integer PW = AB + WB;                           // a product's exact width
  genvar p, s, i;
  generate
    if (MAC == MAC_DSP2) begin : g_pair
      // neurons 2q and 2q+1 share each input: one DSP48 per pair and input
      for (p = 0; p < PE / 2; p = p + 1) begin : g_q
        for (s = 0; s < SIMD; s = s + 1) begin : g_s
          wire signed [15:0] lo, hi;
          qmlp_mac_dsp2 #(.WB(WB), .AB(AB)) u_mac (
            .clk_i(clk_i), .w_lo_i(w_q[((2*p)*SIMD + s)*WB +: WB]), .w_hi_i(w_q[((2*p + 1)*SIMD + s)*WB +: WB]),
            .x_i(x_q[((2*p)*SIMD + s)*8 +: AB]), .p_lo_o(lo), .p_hi_o(hi)
          );
        end
      end
    end
    if (MAC == MAC_LUT) begin : g_lutm
      // product = prod + c (qmlp_mul_lut): c, the +1s of negated Booth digits, is summed apart.
      // (The units sit outside g_pe, as the dsp2 pairs do: Yosys 0.23 does not resolve a
      // reference into a named if-generate block nested in the referring loop's sibling.)
      for (p = 0; p < PE; p = p + 1) begin : g_q
        for (s = 0; s < SIMD; s = s + 1) begin : g_s
          wire signed [PW-1:0] prod;
          wire [WB-1:0] c;
          qmlp_mul_lut #(.WB(WB), .AB(AB)) u_mul (
            .clk_i(clk_i), .w_i(w_q[(p*SIMD + s)*WB +: WB]), .x_i(x_q[(p*SIMD + s)*8 +: AB]), .p_o(prod), .c_o(c)
          );
        end
      end
    end
    for (p = 0; p < PE; p = p + 1) begin : g_pe
      for (s = 0; s < NP; s = s + 1) begin : g_leaf
        wire signed [TW-1:0] v;
        if (s >= SIMD) begin : g_pad
          assign v = {TW{1'b0}};
        end else if (MAC == MAC_DSP2) begin : g_dsp2
          // the 16-bit field holds the PW-bit product exactly: narrowing or widening keeps it
          wire signed [15:0] f = (p % 2 == 0) ? g_pair.g_q[p / 2].g_s[s].lo : g_pair.g_q[p / 2].g_s[s].hi;
          if (TW >= 16) begin : g_wide
            assign v = {{(TW - 16 + 1){f[15]}}, f[14:0]};
          end else begin : g_narrow
            assign v = f[TW-1:0];
            wire unused_ok = &{1'b0, f[15:TW]};   // sign copies of a product narrower than 16 bits
          end
        end else if (MAC == MAC_LUT) begin : g_lut
          wire signed [PW-1:0] prod = g_lutm.g_q[p].g_s[s].prod;
          assign v = {{(TW - PW + 1){prod[PW-1]}}, prod[PW-2:0]};
        end else begin : g_dsp
          // an AB-bit code sign-extended into its byte: its low AB bits are the code
          wire signed [PW-1:0] prod;
          qmlp_mul_dsp #(.AW(AB), .BW(WB)) u_mul (
            .clk_i(clk_i), .a_i(x_q[(p*SIMD + s)*8 +: AB]), .b_i(w_q[(p*SIMD + s)*WB +: WB]), .p_o(prod)
          );
          assign v = {{(TW - PW + 1){prod[PW-1]}}, prod[PW-2:0]};
        end
      end
      for (i = 1; i < NP; i = i + 1) begin : g_node
        reg signed [TW-1:0] v;
        if (2 * i >= NP) begin : g_last
          always @(posedge clk_i) v <= g_leaf[2*i - NP].v + g_leaf[2*i + 1 - NP].v;
        end else begin : g_inner
          always @(posedge clk_i) v <= g_node[2*i].v + g_node[2*i + 1].v;
        end
      end
      wire [TW-1:0] tree;
      if (NP > 1) begin : g_root
        assign tree = g_node[1].v;
      end else begin : g_one
        assign tree = g_leaf[0].v;
      end

      // lut: the correction counts of the products, a narrow heap in step with the tree
      wire [31:0] corr32;
      if (MAC == MAC_LUT) begin : g_corr
        localparam integer CW = WB + D;           // unsigned; sum of SIMD counts < 2**WB each
        for (s = 0; s < NP; s = s + 1) begin : g_cleaf
          wire [CW-1:0] v;
          if (s >= SIMD) begin : g_pad
            assign v = {CW{1'b0}};
          end else begin : g_c
            assign v = {{D{1'b0}}, g_lutm.g_q[p].g_s[s].c};
          end
        end
        for (i = 1; i < NP; i = i + 1) begin : g_cnode
          reg [CW-1:0] v;
          if (2 * i >= NP) begin : g_last
            always @(posedge clk_i) v <= g_cleaf[2*i - NP].v + g_cleaf[2*i + 1 - NP].v;
          end else begin : g_inner
            always @(posedge clk_i) v <= g_cnode[2*i].v + g_cnode[2*i + 1].v;
          end
        end
        if (NP > 1) begin : g_root
          assign corr32 = {{(32 - CW){1'b0}}, g_cnode[1].v};
        end else begin : g_one
          assign corr32 = {{(32 - CW){1'b0}}, g_cleaf[0].v};
        end
      end else begin : g_nocorr
        assign corr32 = 32'd0;
      end

      // exact: |acc| <= 784 * 128 * 128 + BIAS < 2**31. A hidden layer's rounding constant
      // 2**(SHIFT-1) is the accumulator's starting value instead of a separate adder after
      // it: the same sum, and the requantization below is a plain shift and a saturation
      // (one carry chain fewer between acc_q and z_q; on ECP5 two chains did not fit 10 ns).
      localparam signed [31:0] BIAS = (LAST == 0 && SHIFT > 0) ? (32'sd1 <<< (SHIFT - 1)) : 32'sd0;
      reg signed [31:0] acc_q;
      wire signed [31:0] tree32 = {{(32 - TW){tree[TW-1]}}, tree} + corr32;
      always @(posedge clk_i)
        if (acc_en) acc_q <= (acc_first ? BIAS : acc_q) + tree32;

      if (LAST != 0) begin : g_logit
        assign out_data_o[p*32 +: 32] = acc_q;
      end else begin : g_act
        // round half up (BIAS is already in acc_q), arithmetic shift, saturate to the T-bit
        // table index
        wire signed [32:0] wide = {acc_q[31], acc_q};
        wire signed [32:0] rq;
        if (SHIFT > 0) begin : g_shift
          assign rq = wide >>> SHIFT;
        end else if (SHIFT < 0) begin : g_lshift
          // few fraction bits (low precision): exact, saturated below like any other index
          wire signed [32+16:0] up = $signed({{16{wide[32]}}, wide}) <<< (-SHIFT);
          assign rq = (up > 49'sd4294967295) ? 33'sd4294967295 : (up < -49'sd4294967296) ? -33'sd4294967296 :
                      up[32:0];
        end else begin : g_noshift
          assign rq = wide;
        end
        localparam signed [32:0] ZHI = (33'sd1 <<< (IDX_BITS - 1)) - 33'sd1;
        localparam signed [32:0] ZLO = -(33'sd1 <<< (IDX_BITS - 1));
        reg [IDX_BITS-1:0] z_q;
        always @(posedge clk_i)
          z_q <= (rq > ZHI) ? ZHI[IDX_BITS-1:0] :
                 (rq < ZLO) ? ZLO[IDX_BITS-1:0] : rq[IDX_BITS-1:0];
        // table index = z + 2**(T-1): flip the sign bit. Each lane reads its own copy.
        reg [7:0] lut [0:(1 << IDX_BITS) - 1];
        initial $readmemh(LUT_FILE, lut);
        reg [7:0] act_q;
        always @(posedge clk_i) act_q <= lut[{~z_q[IDX_BITS-1], z_q[IDX_BITS-2:0]}];
        assign out_data_o[p*8 +: 8] = act_q;
      end
    end
  endgenerate

  assign out_we_o          = v_sr[WR_ST] & l_sr[WR_ST];
  assign out_slot_o        = s_sr[WR_ST];
  assign out_addr_o        = g_sr[WR_ST];
  assign out_commit_o      = e_sr[WR_ST];
  assign out_commit_slot_o = s_sr[WR_ST];
endmodule
`default_nettype wire
