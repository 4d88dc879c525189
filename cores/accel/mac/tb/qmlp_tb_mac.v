`default_nettype none
// Self-checking testbench of the MAC units: qmlp_mac_dsp2 (two products sharing x in one
// DSP48E1), qmlp_mul_lut (a product in LUTs) and qmlp_mul_dsp (one registered product; the
// sim_mac_ecp5 target builds it as a MULT18X18D, on a test model), at code widths WB x AB.
//
//  1 corners: every triple (w_lo, w_hi, x) of the extreme and small codes (-2**(B-1),
//    -2**(B-1)+1, -1, 0, 1, 2**(B-1)-1) - among them -128 x -128 and -128 x 127;
//  2 exhaustive: every (w, x) pair in each lane (w_lo = w, then w_hi = w), the other lane's
//    weight a different code each cycle;
//  3 long accumulations: runs of K = 784 operands of extreme codes (constant -128 x -128, the
//    worst positive sum; -128 x 127; alternating; random extremes), both lanes summed in
//    32 bits and compared with the sums of the exact products at the end of each run.
// Each cycle's outputs are compared with the products of the operands of the cycle before;
// the lut and dsp units' too (lut: its leaf plus its correction count; WB even). +CORRUPT=n flips bit 0
// of the n-th low-lane product as the checker sees it (n >= 1): the checker must catch it.
// 1-bit operands are bipolar (the bit b stands for 2b - 1): the codes are the bits, the values
// -1 and +1 (sv), the corners just those two; at WB = AB = 1 qmlp_mul_xnor is checked too
// (its product is 2 * p - 1).
// Last line: RESULT pass=<0|1> vectors=<n> mismatches=<m> cycles=<c>
module qmlp_tb_mac;
  parameter integer WB = 8;
  parameter integer AB = 8;
  localparam integer K = 784;         // the longest accumulation of the MLP (layer 1)
  localparam integer RUNS = 6;

  reg clk = 1'b0;
  always #5 clk = ~clk;

  reg  [WB-1:0] w_lo, w_hi;
  reg  [AB-1:0] x;
  wire signed [15:0] p_lo, p_hi;
  wire signed [WB+AB-1:0] p_lut;
  wire [WB-1:0] c_lut;
  wire signed [WB+AB-1:0] p_dsp;
  integer lut;                           // the lut unit's product: leaf + correction count

  qmlp_mac_dsp2 #(.WB(WB), .AB(AB)) u_dsp2 (.clk_i(clk), .w_lo_i(w_lo), .w_hi_i(w_hi), .x_i(x), .p_lo_o(p_lo), .p_hi_o(p_hi));
  qmlp_mul_lut  #(.WB(WB), .AB(AB)) u_lut  (.clk_i(clk), .w_i(w_lo), .x_i(x), .p_o(p_lut), .c_o(c_lut));
  qmlp_mul_dsp  #(.AW(AB), .BW(WB)) u_dsp  (.clk_i(clk), .a_i(x), .b_i(w_lo), .p_o(p_dsp));
  // the same unit with its operands registered first (IREG, as the lanes use it): its product
  // is p_dsp's one cycle later, so it is checked against p_dsp delayed by a register
  wire signed [WB+AB-1:0] p_dsp_i;
  reg  signed [WB+AB-1:0] p_dsp_d;
  qmlp_mul_dsp  #(.AW(AB), .BW(WB), .IREG(1)) u_dsp_i (.clk_i(clk), .a_i(x), .b_i(w_lo), .p_o(p_dsp_i));
  always @(posedge clk) p_dsp_d <= p_dsp;
  wire p_xnor;
  integer xnor_p;                        // the xnor unit's product (WB = AB = 1), else the expected one
  generate
    if (WB == 1 && AB == 1) begin : g_xnor
      qmlp_mul_xnor u_xnor (.clk_i(clk), .w_i(w_lo[0]), .x_i(x[0]), .p_o(p_xnor));
    end else begin : g_noxnor
      assign p_xnor = 1'b0;
    end
  endgenerate

  integer vectors = 0, mismatches = 0, cycles = 0, corrupt, shown = 0;
  integer e_lo, e_hi;                    // expected products of the operands applied last cycle
  reg     check = 1'b0;
  integer acc_lo, acc_hi, ref_lo, ref_hi;
  reg     acc_on = 1'b0;

  function integer sv(input integer v, input integer bits);   // two's complement code -> value
    if (bits == 1) sv = 2 * (v & 1) - 1;                        // bipolar: 1 -> +1, 0 -> -1
    else sv = (v >= (1 << (bits - 1))) ? v - (1 << bits) : v;
  endfunction

  // compare on the falling edge: outputs of the rising edge just past, for last cycle's operands
  integer got_lo;
  always @(negedge clk) begin
    if (check) begin
      vectors = vectors + 1;
      got_lo = p_lo;
      if (vectors == corrupt) got_lo = got_lo ^ 1;
      lut = p_lut + $signed({1'b0, c_lut});
      xnor_p = (WB == 1 && AB == 1) ? 2 * p_xnor - 1 : e_lo;
      if (got_lo !== e_lo || p_hi !== e_hi || lut !== e_lo || p_dsp !== e_lo || xnor_p !== e_lo ||
          p_dsp_i !== p_dsp_d) begin
        mismatches = mismatches + 1;
        if (shown < 10)
          $display("MISMATCH vector %0d: w_lo*x got %0d (lut %0d, dsp %0d, xnor %0d) expected %0d, w_hi*x got %0d expected %0d; dsp with input registers %0d, expected %0d",
                   vectors, got_lo, lut, p_dsp, xnor_p, e_lo, p_hi, e_hi, p_dsp_i, p_dsp_d);
        shown = shown + 1;
      end
      if (acc_on) begin
        acc_lo = acc_lo + got_lo; acc_hi = acc_hi + p_hi;
      end
    end
  end
  always @(posedge clk) cycles = cycles + 1;

  // apply operands (codes) on the falling edge, after the check of the previous ones
  task apply(input integer wl, input integer wh, input integer xv);
    begin
      @(negedge clk);
      #1;
      w_lo = wl[WB-1:0]; w_hi = wh[WB-1:0]; x = xv[AB-1:0];
      e_lo = sv(wl & ((1 << WB) - 1), WB) * sv(xv & ((1 << AB) - 1), AB);
      e_hi = sv(wh & ((1 << WB) - 1), WB) * sv(xv & ((1 << AB) - 1), AB);
      check = 1'b1;
    end
  endtask

  integer cw [0:5], ca [0:5];
  integer i, j, k, r, run, wl, wh, xv, seed;
  initial begin
    if (!$value$plusargs("CORRUPT=%d", corrupt)) corrupt = 0;
    seed = 1;
    w_lo = 0; w_hi = 0; x = 0;
    cw[0] = -(1 << (WB - 1)); cw[1] = -(1 << (WB - 1)) + 1; cw[2] = -1; cw[3] = 0; cw[4] = 1; cw[5] = (1 << (WB - 1)) - 1;
    ca[0] = -(1 << (AB - 1)); ca[1] = -(1 << (AB - 1)) + 1; ca[2] = -1; ca[3] = 0; ca[4] = 1; ca[5] = (1 << (AB - 1)) - 1;
    // bipolar: the bit 0 (-1) for the most negative corners, 1 (+1) for the largest
    if (WB == 1) begin cw[0] = 0; cw[1] = 0; cw[2] = 0; cw[3] = 1; cw[4] = 1; cw[5] = 1; end
    if (AB == 1) begin ca[0] = 0; ca[1] = 0; ca[2] = 0; ca[3] = 1; ca[4] = 1; ca[5] = 1; end
    // 1 corners
    for (i = 0; i < 6; i = i + 1)
      for (j = 0; j < 6; j = j + 1)
        for (k = 0; k < 6; k = k + 1)
          apply(cw[i], cw[j], ca[k]);
    // 2 exhaustive per lane
    for (i = 0; i < (1 << WB); i = i + 1)
      for (k = 0; k < (1 << AB); k = k + 1)
        apply(i, i * 37 + k * 11 + 5, k);
    for (i = 0; i < (1 << WB); i = i + 1)
      for (k = 0; k < (1 << AB); k = k + 1)
        apply(i * 53 + k * 7 + 3, i, k);
    // 3 long accumulations of extremes
    for (run = 0; run < RUNS; run = run + 1) begin
      @(negedge clk); #2;        // the last operands before the run have been checked
      check = 1'b0;
      acc_lo = 0; acc_hi = 0; ref_lo = 0; ref_hi = 0;
      for (i = 0; i < K; i = i + 1) begin
        case (run)
          0: begin wl = cw[0]; wh = cw[0]; xv = ca[0]; end                          // -128 x -128: max
          1: begin wl = cw[0]; wh = cw[5]; xv = ca[5]; end                          // -128 x 127, 127 x 127
          2: begin wl = cw[5]; wh = cw[0]; xv = ca[0]; end                          // 127 x -128, -128 x -128
          3: begin wl = (i % 2) ? cw[0] : cw[5]; wh = (i % 3) ? cw[0] : cw[5]; xv = (i % 5) ? ca[0] : ca[5]; end
          4: begin r = $random(seed); wl = cw[r & 1 ? 0 : 5]; wh = cw[r & 2 ? 0 : 5]; xv = ca[r & 4 ? 0 : 5]; end
          default: begin r = $random(seed); wl = r; wh = r >>> 8; xv = r >>> 16; end
        endcase
        apply(wl, wh, xv);
        if (i == 0) acc_on = 1'b1;
        ref_lo = ref_lo + e_lo; ref_hi = ref_hi + e_hi;
      end
      @(negedge clk); #2;        // the last product has been checked and summed
      acc_on = 1'b0; check = 1'b0;
      if (acc_lo !== ref_lo || acc_hi !== ref_hi) begin
        mismatches = mismatches + 1;
        $display("MISMATCH run %0d of %0d: sums %0d %0d expected %0d %0d", run, K, acc_lo, acc_hi, ref_lo, ref_hi);
      end else begin
        $display("run %0d: %0d products summed per lane: %0d and %0d (exact)", run, K, acc_lo, acc_hi);
      end
    end
    @(negedge clk);
    if (mismatches == 0) begin
      $display("RESULT pass=1 vectors=%0d mismatches=0 cycles=%0d", vectors, cycles);
      $finish;
    end else begin
      $display("RESULT pass=0 vectors=%0d mismatches=%0d cycles=%0d", vectors, mismatches, cycles);
`ifdef VERILATOR
      $c("std::exit(1);");
`else
      $stop;
`endif
    end
  end
endmodule
`default_nettype wire
