`default_nettype none
// IEEE-754 binary32 adder, round to nearest even, full subnormal support.
//
// Fully pipelined, one new operand pair every cycle: operands on a_i/b_i in
// cycle c give the sum on s_o in cycle c+LATENCY (a_i/b_i feed logic, then
// LATENCY register stages; s_o comes straight from a register). No enable, no
// reset: the output holds X until LATENCY valid inputs have been clocked in.
//
// Every NaN result is the canonical quiet NaN 0x7FC00000; inf-inf is NaN.
// Exact cancellation gives +0 (round to nearest), (-0)+(-0) gives -0.
//
// Pipeline
//   1  order the operands by magnitude (|big| >= |small|), exponent
//      difference, classify
//   2  align the small significand (guard, round and sticky bits kept) and
//      add or subtract; the result is never negative because of the ordering
//   3  normalise left, but never further than the exponent allows, so
//      subnormal results fall out of the same shifter
//   4  round to nearest even, pack, override special cases
//
// Why three extra bits are enough: if the exponents differ by 2 or more, the
// difference loses at most one leading bit, so guard and round still cover the
// rounding position and the sticky bit everything below. If they differ by 0
// or 1, at most one bit is shifted out and it is kept exactly in the guard
// bit, so even a massive cancellation is computed exactly.

module qmlp_fp32_add (
  input  wire        clk_i,
  input  wire [31:0] a_i,
  input  wire [31:0] b_i,
  output wire [31:0] s_o
);

  /* verilator lint_off UNUSEDPARAM */
  // Read by instantiating modules (and mirrored by QMLP_FP32_ADD_LAT in
  // qmlp_fp32_lat.vh); nothing inside this module needs it.
  localparam integer LATENCY = 4;
  /* verilator lint_on UNUSEDPARAM */

  // ---------------------------------------------------------------------------
  // Stage 1: order by magnitude, classify
  // ---------------------------------------------------------------------------
  wire a_exp_ones  = &a_i[30:23];
  wire b_exp_ones  = &b_i[30:23];
  wire a_frac_zero = (a_i[22:0] == 23'd0);
  wire b_frac_zero = (b_i[22:0] == 23'd0);
  wire a_inf = a_exp_ones & a_frac_zero;
  wire b_inf = b_exp_ones & b_frac_zero;
  wire a_nan = a_exp_ones & ~a_frac_zero;
  wire b_nan = b_exp_ones & ~b_frac_zero;

  wire eff_sub = a_i[31] ^ b_i[31];

  // The binary32 encoding orders magnitudes like unsigned integers.
  wire        swap = (b_i[30:0] > a_i[30:0]);
  wire [31:0] big  = swap ? b_i : a_i;
  wire [30:0] sml  = swap ? a_i[30:0] : b_i[30:0];

  wire       big_exp_zero = (big[30:23] == 8'd0);
  wire       sml_exp_zero = (sml[30:23] == 8'd0);
  // Subnormals have no hidden one but the exponent of the smallest normal.
  wire [7:0] big_exp = {big[30:24], big[23] | big_exp_zero};
  wire [7:0] sml_exp = {sml[30:24], sml[23] | sml_exp_zero};
  wire [7:0] exp_diff = big_exp - sml_exp;
  // A shift of 27 or more leaves only the sticky bit; saturate at 31.
  wire [4:0] dsh = (|exp_diff[7:5]) ? 5'd31 : exp_diff[4:0];

  // inf + x: the inf is the bigger operand (only NaN encodings are larger), so
  // its sign is big's sign. Both inf with equal signs: same thing.
  wire sp_nan = a_nan | b_nan | (a_inf & b_inf & eff_sub);
  wire sp_inf = a_inf | b_inf;

  reg [23:0] s1_big_sig_q;
  reg [23:0] s1_sml_sig_q;
  reg [7:0]  s1_exp_q;
  reg [4:0]  s1_dsh_q;
  reg        s1_sgn_q;
  reg        s1_sub_q;
  reg        s1_nan_q;
  reg        s1_inf_q;

  always @(posedge clk_i) begin
    s1_big_sig_q <= {~big_exp_zero, big[22:0]};
    s1_sml_sig_q <= {~sml_exp_zero, sml[22:0]};
    s1_exp_q     <= big_exp;
    s1_dsh_q     <= dsh;
    s1_sgn_q     <= big[31];
    s1_sub_q     <= eff_sub;
    s1_nan_q     <= sp_nan;
    s1_inf_q     <= sp_inf;
  end

  // ---------------------------------------------------------------------------
  // Stage 2: align and add
  // ---------------------------------------------------------------------------
  // 24-bit significand, then guard, round, sticky. The 31 zero bits below
  // collect everything the shift pushes out; it is OR-ed into the sticky bit.
  wire [57:0] al_sh  = {s1_sml_sig_q, 3'b000, 31'd0} >> s1_dsh_q;
  wire [26:0] sml_al = {al_sh[57:32], al_sh[31] | (|al_sh[30:0])};
  wire [27:0] big_ex = {1'b0, s1_big_sig_q, 3'b000};
  wire [27:0] sum    = s1_sub_q ? (big_ex - {1'b0, sml_al})
                                : (big_ex + {1'b0, sml_al});

  reg [27:0] s2_sum_q;
  reg [7:0]  s2_exp_q;
  reg        s2_sgn_q;
  reg        s2_sub_q;
  reg        s2_nan_q;
  reg        s2_inf_q;

  always @(posedge clk_i) begin
    s2_sum_q <= sum;
    s2_exp_q <= s1_exp_q;
    s2_sgn_q <= s1_sgn_q;
    s2_sub_q <= s1_sub_q;
    s2_nan_q <= s1_nan_q;
    s2_inf_q <= s1_inf_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 3: normalise
  // ---------------------------------------------------------------------------
  // s2_sum_q has the big operand's hidden bit at bit 26 and a possible carry at
  // bit 27. After shifting left by cnt the leading one is at bit 27, and the
  // result exponent is exp + 1 - cnt. Limiting cnt to exp keeps that >= 1;
  // when the limit bites, bit 27 stays clear and the result is subnormal.
  // A sum needs at most 27 places, so a limit above 31 is no limit.
  wire [4:0]  lim = (|s2_exp_q[7:5]) ? 5'd31 : s2_exp_q[4:0];
  wire [27:0] nrm;
  wire [4:0]  cnt;

  qmlp_fp32_norm #(.W(28)) u_norm (
    .d_i   (s2_sum_q),
    .lim_i (lim),
    .d_o   (nrm),
    .cnt_o (cnt)
  );

  // 1..255; 255 only with a carry out of the binade of FLT_MAX (overflow).
  wire [7:0] exp_res = s2_exp_q + 8'd1 - {3'd0, cnt};
  // Exact cancellation is +0 in round-to-nearest. An exact zero from an
  // effective addition can only be (+-0)+(+-0) of equal signs: keep that sign.
  wire       sum_zero = (s2_sum_q == 28'd0);
  wire       sgn_res  = s2_sgn_q & ~(sum_zero & s2_sub_q);

  reg [23:0] s3_sig_q;
  reg        s3_guard_q;
  reg        s3_sticky_q;
  reg [7:0]  s3_exp_q;
  reg        s3_sgn_q;
  reg        s3_nan_q;
  reg        s3_inf_q;

  always @(posedge clk_i) begin
    s3_sig_q    <= nrm[27:4];
    s3_guard_q  <= nrm[3];
    s3_sticky_q <= |nrm[2:0];
    s3_exp_q    <= exp_res;
    s3_sgn_q    <= sgn_res;
    s3_nan_q    <= s2_nan_q;
    s3_inf_q    <= s2_inf_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 4: round and pack
  // ---------------------------------------------------------------------------
  // A clear hidden bit means subnormal (or zero): exponent field 0. Adding the
  // rounding increment to the packed magnitude carries into the exponent
  // (subnormal -> FLT_MIN, 1.11..1 -> next binade, FLT_MAX binade -> inf).
  wire [7:0]  exp_fld = s3_sig_q[23] ? s3_exp_q : 8'd0;
  wire [30:0] mag     = {exp_fld, s3_sig_q[22:0]};
  wire        rnd_up  = s3_guard_q & (s3_sticky_q | mag[0]);
  wire [30:0] mag_r   = mag + {30'd0, rnd_up};
  wire        ovf     = s3_sig_q[23] & (&s3_exp_q);

  reg [31:0] s4_s_q;

  always @(posedge clk_i) begin
    if (s3_nan_q) begin
      s4_s_q <= 32'h7FC0_0000;
    end else if (s3_inf_q | ovf) begin
      s4_s_q <= {s3_sgn_q, 8'hFF, 23'd0};
    end else begin
      s4_s_q <= {s3_sgn_q, mag_r};
    end
  end

  assign s_o = s4_s_q;

endmodule

`default_nettype wire
