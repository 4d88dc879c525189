`default_nettype none
// IEEE-754 binary32 multiplier, round to nearest even, full subnormal support.
//
// Fully pipelined, one new operand pair every cycle: operands on a_i/b_i in
// cycle c give the product on p_o in cycle c+LATENCY (a_i/b_i feed logic, then
// LATENCY register stages; p_o comes straight from a register). No enable, no
// reset: the output holds X until LATENCY valid inputs have been clocked in.
//
// Every NaN result is the canonical quiet NaN 0x7FC00000 (payloads and NaN
// signs are not propagated). inf*0 is NaN, overflow gives +-inf, underflow
// rounds into the subnormal band or to a signed zero.
//
// Pipeline (seven stages, each one short carry chain, one multiplier block or
// a few LUT levels, so that the multiplier routes at 100 MHz and more on an ECP5)
//   1  unpack, classify, count the leading zeros of subnormal significands
//   2  normalise them so that both have their leading one at bit 23; the
//      exponent absorbs the shift
//   3  24x24 significand product, or its four 18x18 partial products with
//      `QMLP_FP32_MUL18 = 1 (registered operands in, registered products out);
//      also everything that only depends on the exponent, so the last stages
//      only select and round
//   4  (QMLP_FP32_MUL18) add the two middle partial products
//   5  (QMLP_FP32_MUL18) add them to the outer two: the 48-bit product
//   6  1-bit normalisation or, for tiny results, a right shift into the
//      subnormal band
//   7  round to nearest even; pack; override special cases
//
// Packing trick used in stage 7: a significand whose leading one sits in the
// hidden-bit position is written as {exp, frac}; a subnormal significand has
// that bit clear and exp field 0. Adding the rounding increment to the packed
// 31-bit magnitude then carries correctly into the exponent in every case:
// 1.11..1 -> 10.0 (exp+1), largest subnormal -> FLT_MIN, FLT_MAX -> inf.

module qmlp_fp32_mul (
  input  wire        clk_i,
  input  wire [31:0] a_i,
  input  wire [31:0] b_i,
  output wire [31:0] p_o
);

  /* verilator lint_off UNUSEDPARAM */
  // Read by instantiating modules (and mirrored by QMLP_FP32_MUL_LAT in
  // qmlp_fp32_lat.vh); nothing inside this module needs it.
  localparam integer LATENCY = 7;
  /* verilator lint_on UNUSEDPARAM */

  // ---------------------------------------------------------------------------
  // Stage 1: unpack, classify, count the leading zeros of the significands
  // ---------------------------------------------------------------------------
  wire [7:0]  a_exp = a_i[30:23];
  wire [7:0]  b_exp = b_i[30:23];
  wire [22:0] a_frac = a_i[22:0];
  wire [22:0] b_frac = b_i[22:0];

  wire a_exp_zero = (a_exp == 8'd0);
  wire b_exp_zero = (b_exp == 8'd0);
  wire a_exp_ones = &a_exp;
  wire b_exp_ones = &b_exp;
  wire a_frac_zero = (a_frac == 23'd0);
  wire b_frac_zero = (b_frac == 23'd0);

  wire a_zero = a_exp_zero & a_frac_zero;
  wire b_zero = b_exp_zero & b_frac_zero;
  wire a_inf  = a_exp_ones & a_frac_zero;
  wire b_inf  = b_exp_ones & b_frac_zero;
  wire a_nan  = a_exp_ones & ~a_frac_zero;
  wire b_nan  = b_exp_ones & ~b_frac_zero;

  // Subnormals have no hidden one but the exponent of the smallest normal.
  wire [23:0] a_sig = {~a_exp_zero, a_frac};
  wire [23:0] b_sig = {~b_exp_zero, b_frac};
  wire [7:0]  a_exp_eff = {a_exp[7:1], a_exp[0] | a_exp_zero};
  wire [7:0]  b_exp_eff = {b_exp[7:1], b_exp[0] | b_exp_zero};

  // Only subnormal significands have leading zeros; a zero one (a zero operand) counts 24
  // and shifts to zero, and sp_zero decides the result anyway.
  wire [4:0] a_lz;
  wire [4:0] b_lz;

  qmlp_fp32_lzc #(.W(24)) u_lzc_a (.d_i(a_sig), .cnt_o(a_lz));
  qmlp_fp32_lzc #(.W(24)) u_lzc_b (.d_i(b_sig), .cnt_o(b_lz));

  // Biased exponent of the product before the leading zeros are taken off. Range -125..383.
  wire signed [9:0] ex_raw = $signed({2'b00, a_exp_eff}) + $signed({2'b00, b_exp_eff})
                           - 10'sd127;

  // A NaN result needs no further information; inf and zero keep the sign.
  wire sp_nan  = a_nan | b_nan | (a_inf & b_zero) | (a_zero & b_inf);
  wire sp_inf  = a_inf | b_inf;
  wire sp_zero = a_zero | b_zero;

  reg [23:0]        s1_sig_a_q;
  reg [23:0]        s1_sig_b_q;
  reg [4:0]         s1_lz_a_q;
  reg [4:0]         s1_lz_b_q;
  reg signed [9:0]  s1_ex_q;
  reg               s1_sgn_q;
  reg               s1_nan_q;
  reg               s1_inf_q;
  reg               s1_zero_q;

  always @(posedge clk_i) begin
    s1_sig_a_q <= a_sig;
    s1_sig_b_q <= b_sig;
    s1_lz_a_q  <= a_lz;
    s1_lz_b_q  <= b_lz;
    s1_ex_q    <= ex_raw;
    s1_sgn_q   <= a_i[31] ^ b_i[31];
    s1_nan_q   <= sp_nan;
    s1_inf_q   <= sp_inf;
    s1_zero_q  <= sp_zero;
  end

  // ---------------------------------------------------------------------------
  // Stage 2: normalise subnormal significands
  // ---------------------------------------------------------------------------
  // Both significands get their leading one at bit 23; the exponent absorbs the shift (it can
  // go below 1, which is why it is 10-bit signed from here on).
  // Biased exponent of the product if its leading one lands on bit 46 of the
  // 48-bit significand product (1.x * 1.y < 2). Range -171..381.
  wire signed [9:0] ex = s1_ex_q - $signed({4'b0000, {1'b0, s1_lz_a_q} + {1'b0, s1_lz_b_q}});

  reg [23:0]        s2_sig_a_q;
  reg [23:0]        s2_sig_b_q;
  reg signed [9:0]  s2_ex_q;
  reg               s2_sgn_q;
  reg               s2_nan_q;
  reg               s2_inf_q;
  reg               s2_zero_q;

  always @(posedge clk_i) begin
    s2_sig_a_q <= s1_sig_a_q << s1_lz_a_q;
    s2_sig_b_q <= s1_sig_b_q << s1_lz_b_q;
    s2_ex_q    <= ex;
    s2_sgn_q   <= s1_sgn_q;
    s2_nan_q   <= s1_nan_q;
    s2_inf_q   <= s1_inf_q;
    s2_zero_q  <= s1_zero_q;
  end

  // ---------------------------------------------------------------------------
  // Stages 3 to 5: significand product; exponent-only decisions
  // ---------------------------------------------------------------------------
  // The 48-bit product of the normalised significands is prod, three registers after the
  // operands in s2_sig_a_q / s2_sig_b_q, in one of two forms with the same result and timing:
  //
  // QMLP_FP32_MUL18 = 1 (the ECP5 targets set it): four partial products, each one
  //   18x18 multiplier block (MULT18X18D) with registered operands and a registered result
  //   (stage 3), then their sum in two carry chains (stages 4 and 5). A 24x24 multiply takes
  //   four such blocks on an ECP5 anyway, but left to itself synthesis adds their results in
  //   the same cycle as the blocks' own delay (about 4 ns), which held the clock near 100 MHz.
  // 0 or not defined: one 24x24 product in stage 3, then two plain pipeline registers. On an xc7
  //   that is two DSP48E1 (25x18) with their internal cascade and registers; the four-way
  //   split would take five (an 18-bit unsigned operand does not fit the signed 18-bit port).
`ifdef QMLP_FP32_MUL18
  localparam integer MUL18 = `QMLP_FP32_MUL18;
`else
  localparam integer MUL18 = 0;
`endif

  wire [47:0] prod;

  generate
    if (MUL18 != 0) begin : g_mul18
      localparam integer SL = 18;         // low part width: one 18x18 block
      localparam integer SH = 24 - SL;    // high part width

      wire [SL-1:0] a_lo = s2_sig_a_q[SL-1:0];
      wire [SH-1:0] a_hi = s2_sig_a_q[23:SL];
      wire [SL-1:0] b_lo = s2_sig_b_q[SL-1:0];
      wire [SH-1:0] b_hi = s2_sig_b_q[23:SL];

      reg [2*SL-1:0] s3_pp_ll_q;
      reg [23:0]     s3_pp_lh_q;
      reg [23:0]     s3_pp_hl_q;
      reg [2*SH-1:0] s3_pp_hh_q;
      reg [2*SL-1:0] s4_pp_ll_q;
      reg [24:0]     s4_pp_mid_q;
      reg [2*SH-1:0] s4_pp_hh_q;
      reg [47:0]     s5_prod_q;

      // prod = hh * 2**(2 SL) + (lh + hl) * 2**SL + ll. hh and ll do not overlap, so they are
      // one word {hh, ll}; the two middle terms are added first (stage 4), then the one carry
      // chain of stage 5 adds their sum in.
      always @(posedge clk_i) begin
        s3_pp_ll_q  <= a_lo * b_lo;
        s3_pp_lh_q  <= a_lo * b_hi;
        s3_pp_hl_q  <= a_hi * b_lo;
        s3_pp_hh_q  <= a_hi * b_hi;
        s4_pp_ll_q  <= s3_pp_ll_q;
        s4_pp_mid_q <= {1'b0, s3_pp_lh_q} + {1'b0, s3_pp_hl_q};
        s4_pp_hh_q  <= s3_pp_hh_q;
        s5_prod_q   <= {s4_pp_hh_q, s4_pp_ll_q} + {{(23 - SL){1'b0}}, s4_pp_mid_q, {SL{1'b0}}};
      end

      assign prod = s5_prod_q;
    end else begin : g_mul24
      reg [47:0] s3_prod_q;
      reg [47:0] s4_prod_q;
      reg [47:0] s5_prod_q;

      always @(posedge clk_i) begin
        s3_prod_q <= s2_sig_a_q * s2_sig_b_q;
        s4_prod_q <= s3_prod_q;
        s5_prod_q <= s4_prod_q;
      end

      assign prod = s5_prod_q;
    end
  endgenerate

  // tiny: the result's exponent would be below 1 however the product
  // normalises. With e = s2_ex_q <= 0 the significand must move right by -e
  // relative to the "leading one on bit 47" frame; that is the same shift of
  // the raw product for both positions of its leading one (bit 47 adds one to
  // the exponent and one to the shift), so it does not wait for the product.
  // e = 0 with a leading one on bit 47 is exactly FLT_MIN's binade and comes
  // out with the hidden-bit position set, which the packing trick handles.
  wire       tiny    = s2_ex_q[9] | (s2_ex_q == 10'sd0);
  wire [9:0] neg_ex  = 10'd0 - s2_ex_q;
  // Shifting 26 or more places leaves only sticky bits; saturate at 31.
  wire [4:0] rsh     = (|neg_ex[9:5]) ? 5'd31 : neg_ex[4:0];
  // Overflow for a leading one on bit 46 (e) or bit 47 (e + 1).
  wire       ovf_lo  = ~s2_ex_q[9] & (s2_ex_q >= 10'sd255);
  wire       ovf_hi  = ~s2_ex_q[9] & (s2_ex_q >= 10'sd254);

  reg [7:0]      s3_exp_q;
  reg            s3_tiny_q;
  reg [4:0]      s3_rsh_q;
  reg            s3_ovf_lo_q;
  reg            s3_ovf_hi_q;
  reg            s3_sgn_q;
  reg            s3_nan_q;
  reg            s3_inf_q;
  reg            s3_zero_q;

  always @(posedge clk_i) begin
    // Only read when neither tiny nor overflowing, i.e. 1 <= e <= 254.
    s3_exp_q    <= s2_ex_q[7:0];
    s3_tiny_q   <= tiny;
    s3_rsh_q    <= rsh;
    s3_ovf_lo_q <= ovf_lo;
    s3_ovf_hi_q <= ovf_hi;
    s3_sgn_q    <= s2_sgn_q;
    s3_nan_q    <= s2_nan_q;
    s3_inf_q    <= s2_inf_q;
    s3_zero_q   <= s2_zero_q;
  end

  // The tiny path's sticky bit is every product bit below its guard bit, bits 22 + rsh .. 0
  // (see stage 6): its mask depends on rsh only and is made here, off the product's path.
  wire [47:0] t_mask = ~({48{1'b1}} << (6'd23 + {1'b0, s3_rsh_q}));

  reg [47:0]     s4_t_mask_q;
  reg [7:0]      s4_exp_q;
  reg            s4_tiny_q;
  reg [4:0]      s4_rsh_q;
  reg            s4_ovf_lo_q;
  reg            s4_ovf_hi_q;
  reg            s4_sgn_q;
  reg            s4_nan_q;
  reg            s4_inf_q;
  reg            s4_zero_q;

  always @(posedge clk_i) begin
    s4_t_mask_q <= t_mask;
    s4_exp_q    <= s3_exp_q;
    s4_tiny_q   <= s3_tiny_q;
    s4_rsh_q    <= s3_rsh_q;
    s4_ovf_lo_q <= s3_ovf_lo_q;
    s4_ovf_hi_q <= s3_ovf_hi_q;
    s4_sgn_q    <= s3_sgn_q;
    s4_nan_q    <= s3_nan_q;
    s4_inf_q    <= s3_inf_q;
    s4_zero_q   <= s3_zero_q;
  end

  reg [47:0] s5_t_mask_q;
  reg [7:0]  s5_exp_q;
  reg        s5_tiny_q;
  reg [4:0]  s5_rsh_q;
  reg        s5_ovf_lo_q;
  reg        s5_ovf_hi_q;
  reg        s5_sgn_q;
  reg        s5_nan_q;
  reg        s5_inf_q;
  reg        s5_zero_q;

  always @(posedge clk_i) begin
    s5_t_mask_q <= s4_t_mask_q;
    s5_exp_q    <= s4_exp_q;
    s5_tiny_q   <= s4_tiny_q;
    s5_rsh_q    <= s4_rsh_q;
    s5_ovf_lo_q <= s4_ovf_lo_q;
    s5_ovf_hi_q <= s4_ovf_hi_q;
    s5_sgn_q    <= s4_sgn_q;
    s5_nan_q    <= s4_nan_q;
    s5_inf_q    <= s4_inf_q;
    s5_zero_q   <= s4_zero_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 6: normalise / denormalise
  // ---------------------------------------------------------------------------
  wire p_top = prod[47];

  // Normal path: at most one place of normalisation. The hidden one (bit 47
  // or 46) is dropped here and encoded by the non-zero exponent field.
  wire [22:0] n_frac   = p_top ? prod[46:24] : prod[45:23];
  wire        n_guard  = p_top ? prod[23]    : prod[22];
  wire        n_sticky = p_top ? |prod[22:0] : |prod[21:0];
  wire [7:0]  n_exp    = s5_exp_q + {7'd0, p_top};
  wire        n_ovf    = p_top ? s5_ovf_hi_q : s5_ovf_lo_q;

  // Tiny path: the product moves right by rsh places from the "leading one on bit 47" frame,
  // so the significand is prod[47:24] >> rsh, the guard bit prod[23 + rsh] and the sticky bit
  // the OR of prod[22 + rsh:0] (a shift of 26 or more leaves only the sticky bit).
  wire [24:0] t_sh     = prod[47:23] >> s5_rsh_q;
  wire [23:0] t_sig    = t_sh[24:1];
  wire        t_guard  = t_sh[0];
  wire        t_sticky = |(prod & s5_t_mask_q);

  reg [30:0] s6_mag_q;
  reg        s6_guard_q;
  reg        s6_sticky_q;
  reg        s6_ovf_q;
  reg        s6_sgn_q;
  reg        s6_nan_q;
  reg        s6_inf_q;
  reg        s6_zero_q;

  always @(posedge clk_i) begin
    s6_mag_q    <= s5_tiny_q ? {7'd0, t_sig} : {n_exp, n_frac};
    s6_guard_q  <= s5_tiny_q ? t_guard  : n_guard;
    s6_sticky_q <= s5_tiny_q ? t_sticky : n_sticky;
    s6_ovf_q    <= ~s5_tiny_q & n_ovf;
    s6_sgn_q    <= s5_sgn_q;
    s6_nan_q    <= s5_nan_q;
    s6_inf_q    <= s5_inf_q;
    s6_zero_q   <= s5_zero_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 7: round, pack
  // ---------------------------------------------------------------------------
  wire        rnd_up = s6_guard_q & (s6_sticky_q | s6_mag_q[0]);
  wire [30:0] mag_r  = s6_mag_q + {30'd0, rnd_up};

  reg [31:0] s7_p_q;

  always @(posedge clk_i) begin
    if (s6_nan_q) begin
      s7_p_q <= 32'h7FC0_0000;
    end else if (s6_inf_q | s6_ovf_q) begin
      s7_p_q <= {s6_sgn_q, 8'hFF, 23'd0};
    end else if (s6_zero_q) begin
      s7_p_q <= {s6_sgn_q, 31'd0};
    end else begin
      s7_p_q <= {s6_sgn_q, mag_r};
    end
  end

  assign p_o = s7_p_q;

endmodule

`default_nettype wire
