`default_nettype none
// One processing element of qmlp_mlp_layer: NL neurons sharing the lane's copy of the input
// word. NL is 1 for the dsp and lut MAC styles and 2 for dsp2, whose DSP48E1 computes both
// neurons' products of one input (qmlp_mac_dsp2). Per neuron: SIMD products, an adder tree,
// the int32 accumulator (started at the neuron's bias) and, in a hidden layer, requantize and
// the activation: a table (ACT 0: tanh, sigmoid) or a clamp to the output format (ACT 1: relu,
// identity, hardtanh; no table).
//
// Stages (qmlp_mlp_layer's numbering; the layer brings inputs and weights to stage 2/3):
//   3 and 4 the lane's two copies of the input word, 4 its weights   5 products
//   5+D adder trees (D = clog2 SIMD)   6+D accumulator (7+D with XREG: every later stage one more)
//   7+D z = sat((acc + 2**(SHIFT-1)) >>> SHIFT)   8+D table, or the clamp's sign fix
// (The pair path with PREG = 0, lut at WB = 1 and AB > 1 in a layer of lut lanes only, is one
// stage shorter from 5 on: its leaves are not registered. qmlp_mlp_layer's ACC_ST follows.)
// A lane is a module (not a generate block of the layer) so that a synthesis that keeps it
// as a module builds one lane per layer, however many the layer instantiates, and Yosys'
// stat multiplies the lane's cells by its instances: the largest design points of
// `qmlp bench` take minutes to synthesize instead of half an hour.
// The `synth` target defines QMLP_KEEP_LANES: the design is flattened except the lanes, so
// each lane's MACs are optimized with it (the DSP48s take their input registers, as in a
// flattened design), and the lane is synthesized once. Other flows flatten everything.
// Only control is reset (the layer's); products, trees and accumulators are plain registers.
//
// 1 bit (WB = 1, AB = 1) is bipolar, the bit b standing for 2b - 1 (qmlp.numerics.bipolar): a
// 1-bit weight is its ROM bit b; a 1-bit input arrives, like every width, as its code
// sign-extended into a byte (0x01 = +1, 0xFF = -1), and the lane takes b = ~byte[7]. The MAC
// units take the bits: lut at WB = 1 is +x or ~x plus a count of the -1 weights (qmlp_mul_lut,
// the existing correction tree), lut at WB = AB = 1 is XNOR and popcount (qmlp_mul_xnor; the
// tree sums the 1-bit leaves, the accumulator adds 2 * popcount - SIMD), dsp and dsp2 widen a
// bit to its 2-bit code {~b, 1}. A hidden layer with a 1-bit output (ACT 1 with OB 1, "sign")
// writes the sign of its accumulator, bias included: acc >= 0 -> 0x01 (+1), else 0xFF (-1);
// no requantization (SHIFT is 0), same stages as the clamp (7+D sign bit, 8+D byte).
//
// Thresholds (ACT 3, an imported layer with float scales: qmlp.numerics.thresholds): the output
// code is LO + #{k : acc >= T[k]}, NT thresholds of THW bits per neuron (t_i, the group's word
// from the layer's threshold ROM), LO = 0 (OUNS, relu) or -2**(OB-1). The accumulator of such a
// layer never leaves THW bits (qmlp.hw.roms.thr_width), so its low THW bits are compared. Same
// stages as the clamp: 7+D the NT comparisons (one THW-bit carry chain each, side by side),
// 8+D their count plus LO as the output byte.
`ifdef QMLP_KEEP_LANES
(* keep_hierarchy *)
`endif
module qmlp_mlp_lane #(
  parameter integer SIMD     = 49,
  parameter integer WB       = 8,      // weight bits (8, 4, 2, or 1: bipolar)
  parameter integer AB       = 8,      // signed bits of the input codes (held in 8-bit containers; 1: bipolar)
  parameter integer MAC      = 0,      // 0 dsp, 1 dsp2 (two neurons), 2 lut
  parameter integer ACT      = 0,      // 0 table, 1 clamp, 2 none (output layer, int32 accumulators out)
  parameter integer SHIFT    = 7,      // requantization shift of a hidden layer (< 0: a left shift)
  parameter integer OB       = 8,      // clamp: signed bits of the output code (1: the sign, bipolar)
  parameter integer OUNS     = 0,      // clamp: negative outputs become 0 (relu)
  parameter integer IDX_BITS = 8,      // table index width T
  parameter integer BIAS     = 0,      // 1: b_i starts the accumulator
  parameter integer NT       = 1,      // thresholds per neuron (ACT 3)
  parameter integer THW      = 1,      // bits of a threshold (ACT 3)
  parameter integer PREG     = 1,      // pair path: 1 registers the leaves (stage 5); 0 does not, and
                                       // the lane is one stage shorter (qmlp_mlp_layer: all its lanes lut)
  parameter integer XREG     = 0,      // 1: one more register stage, after the multiplier blocks
                                       // (dsp, dsp2) or else after the tree (qmlp_mlp_layer: ECP5)
  parameter         LUT_FILE = "qmlp_roms/act1.mem"
) (
  input  wire                      clk_i,
  // NL neurons per lane (2 for dsp2, else 1), OW output bits each (32 in the last layer, else 8)
  /* verilator lint_off UNUSEDSIGNAL */   // below 8 bits the high bits of each byte are sign copies
  input  wire [SIMD*8-1:0]         x_i,          // the input word of stage 2
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire [((MAC == 1) ? 2 : 1)*SIMD*WB-1:0] w_i,  // stage 3: neuron j's weight s at WB*(j*SIMD + s)
  /* verilator lint_off UNUSEDSIGNAL */   // the pair path only (lut at WB = 1, AB > 1): the layer's shared words
  input  wire [((SIMD + 1) / 2)*(3*AB + 1)-1:0] xp_i,   // stage 4: pair p at (3AB+1)*p: {x0 + x1, x1, x0}
  input  wire [AB + ((SIMD > 1) ? $clog2(SIMD) : 0):0] sx_i,  // stage 4+D: the chunk's sum of the SIMD codes
  /* verilator lint_on UNUSEDSIGNAL */
  /* verilator lint_off UNUSEDSIGNAL */   // zero without BIAS
  input  wire [((MAC == 1) ? 2 : 1)*24-1:0] b_i,       // stage 4+D: neuron j's bias at 24*j
  /* verilator lint_on UNUSEDSIGNAL */
  /* verilator lint_off UNUSEDSIGNAL */   // thresholds: ACT 3 only
  input  wire [((MAC == 1) ? 2 : 1)*NT*THW-1:0] t_i,    // stage 5+D: neuron j's threshold k at THW*(j*NT + k)
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire                      acc_en_i,     // a valid tree output arrives this cycle
  input  wire                      acc_first_i,  // ... and it is an image group's first chunk
  output wire [((MAC == 1) ? 2 : 1)*((ACT == 2) ? 32 : 8)-1:0] y_o  // neuron j at OW*j: int32 or byte
);
  localparam integer LAST = (ACT == 2) ? 1 : 0;
`ifdef QMLP_ECP5_MULT
  localparam integer ECP5 = `QMLP_ECP5_MULT;   // set by the pnr_ecp5 targets (qmlp:accel:mac)
`else
  localparam integer ECP5 = 0;
`endif
  localparam integer MAC_DSP2 = 1, MAC_LUT = 2;              // else dsp (0)
  localparam integer NL = (MAC == MAC_DSP2) ? 2 : 1;
  localparam integer OW = (LAST != 0) ? 32 : 8;
  localparam integer D  = (SIMD > 1) ? $clog2(SIMD) : 0;
  localparam integer TW = AB + WB + D;                       // adder tree output width
  localparam integer NP = 1 << D;
  localparam integer PW = AB + WB;                           // a product's exact width
  // 1-bit weights and inputs in the lut style: XNOR leaves of 1 bit, summed as a popcount
  localparam integer XNOR = (MAC == MAC_LUT && WB == 1 && AB == 1) ? 1 : 0;
  localparam integer SIGN = (ACT == 1 && OB == 1) ? 1 : 0;   // a 1-bit (bipolar) output
  localparam integer ACT_THR = 3;                            // per-neuron thresholds
  // 1-bit weights and AB-bit inputs in the lut style: the pair path (g_pt). sum_s c_s x_s with
  // c_s = 2 b_s - 1 is 2 T - S, T = sum_s b_s x_s and S = sum_s x_s. S and the pair sums
  // x0 + x1 depend on the input only, and every lane of the layer sees the same input word, so
  // qmlp_mlp_layer computes them once (xp_i, sx_i); a lane's leaf for the pair is one of
  // {0, x0, x1, x0 + x1} chosen by its two weight bits (one LUT6 per bit, no adder), so its tree
  // has half the leaves, and nothing per lane depends on x alone (no copies of x, no count of
  // -1 weights). The tree is one level shallower, and that level computes 2 T - S.
  localparam integer PAIR = (MAC == MAC_LUT && WB == 1 && AB > 1 && SIMD > 1) ? 1 : 0;
  localparam integer NPR = (SIMD + 1) / 2;                  // pairs (the last one alone at odd SIMD)
  localparam integer PSW = 3 * AB + 1;                      // bits of a pair in xp_i
  localparam integer DP = (NPR > 1) ? $clog2(NPR) : 0;      // = D - 1: the pair tree's depth
  localparam integer NPP = 1 << DP;
  localparam integer NPL = (PAIR != 0) ? 0 : NP;            // the product heap's leaves (none here)
  // XREG: on ECP5 the placer spreads the 85F's multiplier blocks over the die's columns, far from
  // the adder trees and accumulators they feed: 6 to 7 ns of routing from a MULT18X18D's output
  // register into the first carry chain were the 150 MHz critical paths (docs/fmax.md, r12-r14).
  // One fabric register per product splits that route. Lanes of other styles take the same stage
  // after their tree, so that a mixed layer's lanes stay in step.
  localparam integer LEAFX = (XREG != 0 && MAC != MAC_LUT) ? 1 : 0;
  localparam integer TREEX = (XREG != 0 && MAC == MAC_LUT) ? 1 : 0;

  // Stages 3 and 4: two copies of the input word's codes (AB bits per input) on the way to the
  // lane's multipliers, and the weights once more beside them (stage 4). One input register
  // driving the copies of PEs spread over the die was the ECP5 critical path (9.5 ns of
  // routing); a lane's two copies let the placer split that route. `keep` on the always
  // blocks stops Yosys merging the copies of a flattened design back into one register
  // (opt_merge ignores `keep` on the reg itself).
  wire [SIMD*AB-1:0] x_code;
  genvar q;
  generate
    for (q = 0; q < SIMD; q = q + 1) begin : g_code
      if (AB == 1) begin : g_bin
        assign x_code[q] = ~x_i[q*8 + 7];          // +1 = 0x01 -> 1, -1 = 0xFF -> 0
      end else begin : g_int
        assign x_code[q*AB +: AB] = x_i[q*8 +: AB];
      end
    end
  endgenerate
  // The dsp style registers stage 4 inside its multipliers (qmlp_mul_dsp IREG = 1: on ECP5 the
  // MULT18X18D's input registers, whose 3.9 ns multiplier then sits between two registers of
  // the block; on xc7 the DSP48E1's A/B registers, as before): it takes xa_q and w_i.
  wire [SIMD*AB-1:0] x_q;
  wire [NL*SIMD*WB-1:0] wl_q;
  generate
    if (PAIR != 0) begin : g_st4p
      // the pair path reads the layer's shared stage-4 word (xp_i): no copy of x in the lane
      reg [SIMD*WB-1:0] w4_q;
      always @(posedge clk_i) w4_q <= w_i;
      assign x_q  = x_code;
      assign wl_q = w4_q;
      wire unused_ok = &{1'b0, x_q};
    end else begin : g_st3
      reg [SIMD*AB-1:0] xa_q;
      (* keep *) always @(posedge clk_i) xa_q <= x_code;
      if (MAC != MAC_DSP2 && MAC != MAC_LUT) begin : g_st4m
        assign x_q  = xa_q;
        assign wl_q = w_i;
      end else begin : g_st4
        reg [SIMD*AB-1:0] x4_q;
        reg [NL*SIMD*WB-1:0] w4_q;
        (* keep *) always @(posedge clk_i) x4_q <= xa_q;
        always @(posedge clk_i) w4_q <= w_i;
        assign x_q  = x4_q;
        assign wl_q = w4_q;
      end
    end
  endgenerate

  // Products (leaves) and the adder tree of a neuron form a binary heap: leaf s (heap node
  // NP+s) is the registered product of input s, node i the registered sum of nodes 2i and
  // 2i+1, node 1 the sum, D cycles after the products. Every leaf and node is its own
  // generate block (one always block each): procedural loops that assign array elements
  // are neither unrolled by Verilator beyond 64 iterations (BLKLOOPINIT at SIMD = 98..392)
  // nor cheap in Icarus, which re-evaluates every reader of a bus when any slice changes.
  genvar j, s, i;
  genvar tk;                    // a neuron's thresholds (g_thr)
  generate
    if (MAC == MAC_DSP2) begin : g_pair
      // one DSP48 per input for both neurons: weights 16 bits apart on the 25-bit port
      for (s = 0; s < SIMD; s = s + 1) begin : g_s
        wire signed [15:0] lo, hi;
        qmlp_mac_dsp2 #(.WB(WB), .AB(AB)) u_mac (
          .clk_i(clk_i), .w_lo_i(wl_q[s*WB +: WB]), .w_hi_i(wl_q[(SIMD + s)*WB +: WB]),
          .x_i(x_q[s*AB +: AB]), .p_lo_o(lo), .p_hi_o(hi)
        );
      end
    end
    if (XNOR != 0) begin : g_xnm
      // bipolar x bipolar: product = 2 * p - 1 (qmlp_mul_xnor)
      for (s = 0; s < SIMD; s = s + 1) begin : g_s
        wire p;
        qmlp_mul_xnor u_mul (.clk_i(clk_i), .w_i(wl_q[s]), .x_i(x_q[s]), .p_o(p));
      end
    end
    // (g_xnm and g_lutm are two `if`s, not an if-else chain: Yosys 0.23 does not resolve a
    // reference into the else branch's named block; measured: the lut products vanished)
    if (MAC == MAC_LUT && XNOR == 0 && PAIR == 0) begin : g_lutm
      // product = prod + c (qmlp_mul_lut): c, the +1s of negated Booth digits, is summed apart.
      // (The units sit outside g_n, as the dsp2 pairs do: Yosys 0.23 does not resolve a
      // reference into a named if-generate block nested in the referring loop's sibling.)
      for (s = 0; s < SIMD; s = s + 1) begin : g_s
        wire signed [PW-1:0] prod;
        wire [WB-1:0] c;
        qmlp_mul_lut #(.WB(WB), .AB(AB)) u_mul (
          .clk_i(clk_i), .w_i(wl_q[s*WB +: WB]), .x_i(x_q[s*AB +: AB]), .p_o(prod), .c_o(c)
        );
      end
    end
    if (PAIR != 0) begin : g_pt
      // leaf p (stage 5): {0, x0, x1, x0 + x1} by the weight bits (b1, b0) of inputs 2p, 2p+1,
      // AB+1 bits; a node at height H above the leaves is AB+1+H bits wide (the sum of 2**H
      // leaves), so the low levels are narrow
      for (s = 0; s < NPP; s = s + 1) begin : g_leaf
        wire signed [AB:0] v;
        if (s >= NPR) begin : g_pad
          assign v = {(AB + 1){1'b0}};
        end else begin : g_mux
          wire signed [AB:0] x0  = {xp_i[s*PSW + AB - 1], xp_i[s*PSW +: AB]};
          wire signed [AB:0] x1  = {xp_i[s*PSW + 2*AB - 1], xp_i[s*PSW + AB +: AB]};
          wire signed [AB:0] x01 = xp_i[s*PSW + 2*AB +: AB + 1];
          wire b0 = wl_q[2*s];
          wire b1;
          if (2 * s + 1 < SIMD) begin : g_b1
            assign b1 = wl_q[2*s + 1];
          end else begin : g_odd            // the last input alone (odd SIMD)
            assign b1 = 1'b0;
            wire unused_ok = &{1'b0, x1, x01};
          end
          wire signed [AB:0] m = b1 ? (b0 ? x01 : x1) : (b0 ? x0 : {(AB + 1){1'b0}});
          if (PREG != 0) begin : g_reg
            reg signed [AB:0] m_q;
            always @(posedge clk_i) m_q <= m;
            assign v = m_q;
          end else begin : g_comb
            // the multiplexer feeds the first adder directly (a LUT before the adder's LUT): the
            // same LUTs, AB+1 flip-flops fewer per pair, and one stage less latency
            assign v = m;
          end
        end
      end
      for (i = 1; i < NPP; i = i + 1) begin : g_node
        localparam integer H = DP - ($clog2(i + 1) - 1);
        reg signed [AB+H:0] v;
        if (2 * i >= NPP) begin : g_last
          wire signed [AB:0] a = g_leaf[2*i - NPP].v;
          wire signed [AB:0] b = g_leaf[2*i + 1 - NPP].v;
          always @(posedge clk_i) v <= {a[AB], a} + {b[AB], b};
        end else begin : g_inner
          wire signed [AB+H-1:0] a = g_node[2*i].v;
          wire signed [AB+H-1:0] b = g_node[2*i + 1].v;
          always @(posedge clk_i) v <= {a[AB+H-1], a} + {b[AB+H-1], b};
        end
      end
      wire signed [AB+DP:0] t;                  // T, stage 5+DP = 4+D (3+D without PREG)
      if (NPP > 1) begin : g_root
        assign t = g_node[1].v;
      end else begin : g_one
        assign t = g_leaf[0].v;
      end
      // stage 5+D (4+D without PREG): 2 T - S, exactly the sum of the SIMD products (TW bits)
      reg [TW-1:0] r_q;
      always @(posedge clk_i) r_q <= {t, 1'b0} - sx_i;
    end
    for (j = 0; j < NL; j = j + 1) begin : g_n
      for (s = 0; s < NPL; s = s + 1) begin : g_leaf
        wire signed [TW-1:0] u;                 // the product, as the multiplier gives it
        wire signed [TW-1:0] v;                 // the tree's leaf
        if (LEAFX != 0) begin : g_xreg
          reg signed [TW-1:0] v_q;
          always @(posedge clk_i) v_q <= u;
          assign v = v_q;
        end else begin : g_noxreg
          assign v = u;
        end
        if (s >= SIMD) begin : g_pad
          assign u = {TW{1'b0}};
        end else if (MAC == MAC_DSP2) begin : g_dsp2
          // the 16-bit field holds the PW-bit product exactly; the leaf takes its PW bits,
          // sign-extended. Not f[TW-1:0] or f[15]: Yosys 0.23 narrows the DSP48E1's P to the
          // product's width (26 bits at WB = AB = 4) and writes the register's bits above it
          // as x, not as sign copies; at SIMD 32 (TW = 13) the leaf read three of them, and the
          // netlist of layer 2 of the w4a4 winner took them as 0 (docs/netlist.md, session 5)
          wire signed [15:0] f = (j == 0) ? g_pair.g_s[s].lo : g_pair.g_s[s].hi;
          assign u = {{(TW - PW + 1){f[PW-1]}}, f[PW-2:0]};
          if (PW < 16) begin : g_unused
            wire unused_ok = &{1'b0, f[15:PW]};   // sign copies of a product narrower than 16 bits
          end
        end else if (XNOR != 0) begin : g_xnor
          assign u = {{(TW - 1){1'b0}}, g_xnm.g_s[s].p};       // 0 or 1: the tree is a popcount
        end else if (MAC == MAC_LUT) begin : g_lut
          wire signed [PW-1:0] prod = g_lutm.g_s[s].prod;
          assign u = {{(TW - PW + 1){prod[PW-1]}}, prod[PW-2:0]};
        end else begin : g_dsp
          // an AB-bit code sign-extended into its byte: its low AB bits are the code
          wire signed [PW-1:0] prod;
          qmlp_mul_dsp #(.AW(AB), .BW(WB), .IREG(1)) u_mul (
            .clk_i(clk_i), .a_i(x_q[s*AB +: AB]), .b_i(wl_q[(j*SIMD + s)*WB +: WB]), .p_o(prod)
          );
          assign u = {{(TW - PW + 1){prod[PW-1]}}, prod[PW-2:0]};
        end
      end
      for (i = 1; i < NPL; i = i + 1) begin : g_node
        reg signed [TW-1:0] v;
        if (2 * i >= NP) begin : g_last
          always @(posedge clk_i) v <= g_leaf[2*i - NP].v + g_leaf[2*i + 1 - NP].v;
        end else begin : g_inner
          always @(posedge clk_i) v <= g_node[2*i].v + g_node[2*i + 1].v;
        end
      end
      wire [TW-1:0] tree;
      if (PAIR != 0) begin : g_proot
        assign tree = g_pt.r_q;
      end else if (NP > 1) begin : g_root
        assign tree = g_node[1].v;
      end else begin : g_one
        assign tree = g_leaf[0].v;
      end

      // lut: the correction counts of the products, a narrow heap in step with the tree
      wire [31:0] corr32;
      if (MAC == MAC_LUT && XNOR == 0 && PAIR == 0) begin : g_corr
        localparam integer CW = WB + D;           // unsigned; sum of SIMD counts < 2**WB each
        for (s = 0; s < NP; s = s + 1) begin : g_cleaf
          wire [CW-1:0] v;
          if (s >= SIMD) begin : g_pad
            assign v = {CW{1'b0}};
          end else begin : g_c
            assign v = {{D{1'b0}}, g_lutm.g_s[s].c};
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

      // exact: the hook checks that no sum of the model's weights, inputs and bias can leave int32.
      // A hidden layer's rounding constant 2**(SHIFT-1) is part of the accumulator's starting
      // value (with the bias) instead of a separate adder after it: the same sum, and the
      // requantization below is a plain shift and a saturation (one carry chain fewer between
      // acc_q and z_q; on ECP5 two chains did not fit 10 ns).
      localparam signed [31:0] RND = (LAST == 0 && SIGN == 0 && ACT != ACT_THR && SHIFT > 0) ?
                                     (32'sd1 <<< (SHIFT - 1)) : 32'sd0;
      wire signed [31:0] start;
      if (BIAS != 0) begin : g_bias
        // the sum registered (not the bias): its carry chain and the accumulator's in one
        // cycle would be two chains in a row
        reg signed [31:0] start_q;
        always @(posedge clk_i) start_q <= RND + {{8{b_i[j*24 + 23]}}, b_i[j*24 +: 24]};
        assign start = start_q;
      end else begin : g_nobias
        assign start = RND;
      end
      reg signed [31:0] acc_q;
      // XNOR: sum of SIMD products +-1 = 2 * popcount - SIMD (a constant; one adder of TW+1 bits)
      localparam signed [31:0] NSIMD = SIMD;
      wire signed [31:0] tree32;
      if (XNOR != 0) begin : g_pop
        wire signed [TW:0] pm = $signed({tree, 1'b0}) - NSIMD[TW:0];
        wire unused_ok = &{1'b0, corr32};       // no correction counts here
        assign tree32 = {{(31 - TW){pm[TW]}}, pm};
      end else begin : g_sum
        assign tree32 = {{(32 - TW){tree[TW-1]}}, tree} + corr32;
      end
      // XREG in a lut lane: the stage the dsp lanes of a mixed layer spend on their products
      wire signed [31:0] addend;
      if (TREEX != 0) begin : g_xreg
        reg signed [31:0] t_q;
        always @(posedge clk_i) t_q <= tree32;
        assign addend = t_q;
      end else begin : g_noxreg
        assign addend = tree32;
      end
      always @(posedge clk_i)
        if (acc_en_i) acc_q <= (acc_first_i ? start : acc_q) + addend;

      if (LAST != 0) begin : g_logit
        assign y_o[j*OW +: OW] = acc_q;
      end else if (SIGN != 0) begin : g_sign
        // the bipolar output: the accumulator's sign (bias included), 0x01 = +1, 0xFF = -1
        reg neg_q;
        reg [7:0] act_q;
        always @(posedge clk_i) neg_q <= acc_q[31];
        always @(posedge clk_i) act_q <= neg_q ? 8'hFF : 8'h01;
        assign y_o[j*OW +: OW] = act_q;
      end else if (ACT == ACT_THR) begin : g_thr
        // the neuron's thresholds, registered in step with acc_q's final value (stage 6+D)
        reg [NT*THW-1:0] thr_q;
        always @(posedge clk_i) thr_q <= t_i[j*NT*THW +: NT*THW];
        /* verilator lint_off UNUSEDSIGNAL */   // the accumulator's sign copies above THW bits
        wire signed [THW-1:0] a = acc_q[THW-1:0];
        /* verilator lint_on UNUSEDSIGNAL */
        reg [NT-1:0] ge_q;                                      // stage 7+D
        for (tk = 0; tk < NT; tk = tk + 1) begin : g_k
          always @(posedge clk_i) ge_q[tk] <= (a >= $signed(thr_q[tk*THW +: THW]));
        end
        // stage 8+D: LO + the number of thresholds reached, in the code's byte (sign-extended:
        // the sum wraps in 8 bits to the same two's-complement byte)
        localparam [7:0] LO8 = (OUNS != 0) ? 8'd0 : (8'd0 - (8'd1 << (OB - 1)));
        reg [7:0] cnt;
        integer m;
        always @* begin
          cnt = 8'd0;
          for (m = 0; m < NT; m = m + 1) cnt = cnt + {7'd0, ge_q[m]};
        end
        reg [7:0] act_q;
        always @(posedge clk_i) act_q <= LO8 + cnt;
        assign y_o[j*OW +: OW] = act_q;
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
        // saturate to ZB bits: the table index (T bits) or the clamp's output code (OB bits)
        localparam integer ZB = (ACT == 0) ? IDX_BITS : OB;
        localparam signed [32:0] ZHI = (33'sd1 <<< (ZB - 1)) - 33'sd1;
        localparam signed [32:0] ZLO = -(33'sd1 <<< (ZB - 1));
        // rq fits the ZB-bit code iff its bits 32..ZB-1 are all equal: above ZHI when it is
        // positive with one of them set, below ZLO when it is negative with one of them clear.
        // (Two `>`/`<` compares were two carry chains after acc_q, the ECP5 critical path.)
        wire [33-ZB:0] top = rq[32:ZB-1];
        wire over  = ~rq[32] & (|top);
        wire under =  rq[32] & ~(&top);
        reg [ZB-1:0] z_q;
        always @(posedge clk_i)
          z_q <= over ? ZHI[ZB-1:0] : under ? ZLO[ZB-1:0] : rq[ZB-1:0];
        reg [7:0] act_q;
        if (ACT == 0) begin : g_table
          // table index = z + 2**(T-1): flip the sign bit. Each neuron reads its own copy.
          wire [IDX_BITS-1:0] idx = {~z_q[IDX_BITS-1], z_q[IDX_BITS-2:0]};
          if (ECP5 != 0) begin : g_ebr
            // ECP5 (pnr_ecp5 targets): the table in a DP16KD, act_q its read register. In LUTs
            // each act_q bit is an 8-input function (16 LUT4 and three levels of wide
            // multiplexers), each z_q bit fans out to over a hundred LUTs, and z_q to act_q was
            // the critical path (9.3 ns, 7.8 of it routing). xc7 flows keep LUTs (no BRAM18 added).
            // The block's clock-to-out is 5.61 ns without its output register, so the value is
            // registered once more (act_q, one stage more on ECP5: qmlp_mlp_layer's TBL_REG),
            // which qmlp.eda.ecp5.absorb_outregs turns into the block's output register (0.97 ns).
            (* rom_style = "block" *)
            reg [7:0] lut [0:(1 << IDX_BITS) - 1];
            reg [7:0] t_q;
            initial $readmemh(LUT_FILE, lut);
            always @(posedge clk_i) t_q <= lut[idx];
            always @(posedge clk_i) act_q <= t_q;
          end else begin : g_lut
            reg [7:0] lut [0:(1 << IDX_BITS) - 1];
            initial $readmemh(LUT_FILE, lut);
            always @(posedge clk_i) act_q <= lut[idx];
          end
        end else begin : g_clamp
          // the code in its byte, sign-extended; relu (OUNS) turns a negative code into 0
          wire neg = z_q[ZB-1];
          if (ZB < 8) begin : g_ext
            always @(posedge clk_i) act_q <= (OUNS != 0 && neg) ? 8'd0 : {{(8 - ZB){neg}}, z_q};
          end else begin : g_byte
            always @(posedge clk_i) act_q <= (OUNS != 0 && neg) ? 8'd0 : z_q[7:0];
          end
        end
        assign y_o[j*OW +: OW] = act_q;
      end
    end
  endgenerate
endmodule
`default_nettype wire
