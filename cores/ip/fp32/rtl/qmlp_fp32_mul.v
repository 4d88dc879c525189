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
// Pipeline
//   1  unpack, classify, normalise subnormal significands so that both have
//      their leading one at bit 23; the exponents absorb the shift (they can go
//      below 1, which is why they are 10-bit signed from here on)
//   2  24x24 significand product (DSP48 friendly: registered operands in,
//      registered product out); also precompute everything that only depends
//      on the exponent, so stage 3 only selects and rounds
//   3  1-bit normalisation or, for tiny results, a right shift into the
//      subnormal band; round to nearest even; pack; override special cases
//
// Packing trick used in stage 3: a significand whose leading one sits in the
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
  localparam integer LATENCY = 3;
  /* verilator lint_on UNUSEDPARAM */

  // ---------------------------------------------------------------------------
  // Stage 1: unpack and pre-normalise
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

  wire [23:0] a_sig_n;
  wire [23:0] b_sig_n;
  wire [4:0]  a_lz;
  wire [4:0]  b_lz;

  qmlp_fp32_norm #(.W(24)) u_norm_a (
    .d_i   (a_sig),
    .lim_i (5'd31),
    .d_o   (a_sig_n),
    .cnt_o (a_lz)
  );

  qmlp_fp32_norm #(.W(24)) u_norm_b (
    .d_i   (b_sig),
    .lim_i (5'd31),
    .d_o   (b_sig_n),
    .cnt_o (b_lz)
  );

  // Biased exponent of the product if its leading one lands on bit 46 of the
  // 48-bit significand product (1.x * 1.y < 2). Range -171..381.
  wire signed [9:0] ex = $signed({2'b00, a_exp_eff}) + $signed({2'b00, b_exp_eff})
                       - $signed({5'b00000, a_lz}) - $signed({5'b00000, b_lz})
                       - 10'sd127;

  // A NaN result needs no further information; inf and zero keep the sign.
  wire sp_nan  = a_nan | b_nan | (a_inf & b_zero) | (a_zero & b_inf);
  wire sp_inf  = a_inf | b_inf;
  wire sp_zero = a_zero | b_zero;

  reg [23:0]        s1_sig_a_q;
  reg [23:0]        s1_sig_b_q;
  reg signed [9:0]  s1_ex_q;
  reg               s1_sgn_q;
  reg               s1_nan_q;
  reg               s1_inf_q;
  reg               s1_zero_q;

  always @(posedge clk_i) begin
    s1_sig_a_q <= a_sig_n;
    s1_sig_b_q <= b_sig_n;
    s1_ex_q    <= ex;
    s1_sgn_q   <= a_i[31] ^ b_i[31];
    s1_nan_q   <= sp_nan;
    s1_inf_q   <= sp_inf;
    s1_zero_q  <= sp_zero;
  end

  // ---------------------------------------------------------------------------
  // Stage 2: significand product, exponent-only decisions
  // ---------------------------------------------------------------------------
  // tiny: the result's exponent would be below 1 however the product
  // normalises. With e = s1_ex_q <= 0 the significand must move right by -e
  // relative to the "leading one on bit 47" frame; that is the same shift of
  // the raw product for both positions of its leading one (bit 47 adds one to
  // the exponent and one to the shift), so it does not wait for the product.
  // e = 0 with a leading one on bit 47 is exactly FLT_MIN's binade and comes
  // out with the hidden-bit position set, which the packing trick handles.
  wire       tiny    = s1_ex_q[9] | (s1_ex_q == 10'sd0);
  wire [9:0] neg_ex  = 10'd0 - s1_ex_q;
  // Shifting 26 or more places leaves only sticky bits; saturate at 31.
  wire [4:0] rsh     = (|neg_ex[9:5]) ? 5'd31 : neg_ex[4:0];
  // Overflow for a leading one on bit 46 (e) or bit 47 (e + 1).
  wire       ovf_lo  = ~s1_ex_q[9] & (s1_ex_q >= 10'sd255);
  wire       ovf_hi  = ~s1_ex_q[9] & (s1_ex_q >= 10'sd254);

  reg [47:0] s2_prod_q;
  reg [7:0]  s2_exp_q;
  reg        s2_tiny_q;
  reg [4:0]  s2_rsh_q;
  reg        s2_ovf_lo_q;
  reg        s2_ovf_hi_q;
  reg        s2_sgn_q;
  reg        s2_nan_q;
  reg        s2_inf_q;
  reg        s2_zero_q;

  always @(posedge clk_i) begin
    s2_prod_q   <= s1_sig_a_q * s1_sig_b_q;
    // Only read when neither tiny nor overflowing, i.e. 1 <= e <= 254.
    s2_exp_q    <= s1_ex_q[7:0];
    s2_tiny_q   <= tiny;
    s2_rsh_q    <= rsh;
    s2_ovf_lo_q <= ovf_lo;
    s2_ovf_hi_q <= ovf_hi;
    s2_sgn_q    <= s1_sgn_q;
    s2_nan_q    <= s1_nan_q;
    s2_inf_q    <= s1_inf_q;
    s2_zero_q   <= s1_zero_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 3: normalise / denormalise, round, pack
  // ---------------------------------------------------------------------------
  wire p_top = s2_prod_q[47];

  // Normal path: at most one place of normalisation. The hidden one (bit 47
  // or 46) is dropped here and encoded by the non-zero exponent field.
  wire [22:0] n_frac   = p_top ? s2_prod_q[46:24] : s2_prod_q[45:23];
  wire        n_guard  = p_top ? s2_prod_q[23]    : s2_prod_q[22];
  wire        n_sticky = p_top ? |s2_prod_q[22:0] : |s2_prod_q[21:0];
  wire [7:0]  n_exp    = s2_exp_q + {7'd0, p_top};
  wire        n_ovf    = p_top ? s2_ovf_hi_q : s2_ovf_lo_q;

  // Tiny path: bits below the guard position only matter as a sticky bit, so
  // fold them first; the 31 zero bits catch whatever the shift pushes out.
  wire [25:0] t_pre = {s2_prod_q[47:23], |s2_prod_q[22:0]};
  wire [56:0] t_sh  = {t_pre, 31'd0} >> s2_rsh_q;
  wire [23:0] t_sig    = t_sh[56:33];
  wire        t_guard  = t_sh[32];
  wire        t_sticky = |t_sh[31:0];

  wire [30:0] mag    = s2_tiny_q ? {7'd0, t_sig} : {n_exp, n_frac};
  wire        guard  = s2_tiny_q ? t_guard  : n_guard;
  wire        sticky = s2_tiny_q ? t_sticky : n_sticky;
  wire        rnd_up = guard & (sticky | mag[0]);
  wire [30:0] mag_r  = mag + {30'd0, rnd_up};
  wire        ovf    = ~s2_tiny_q & n_ovf;

  reg [31:0] s3_p_q;

  always @(posedge clk_i) begin
    if (s2_nan_q) begin
      s3_p_q <= 32'h7FC0_0000;
    end else if (s2_inf_q | ovf) begin
      s3_p_q <= {s2_sgn_q, 8'hFF, 23'd0};
    end else if (s2_zero_q) begin
      s3_p_q <= {s2_sgn_q, 31'd0};
    end else begin
      s3_p_q <= {s2_sgn_q, mag_r};
    end
  end

  assign p_o = s3_p_q;

endmodule

`default_nettype wire
