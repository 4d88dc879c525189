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
// Pipeline (eight stages, each one short carry chain or a few LUT levels, so
// that the adder routes at 100 MHz and more on an ECP5; the matmul engine
// interleaves LATENCY independent sums, so the depth costs no throughput, and a
// power of two divides the engine's usual output counts)
//   1  compare the operands' magnitudes, classify
//   2  order them (|big| >= |small|), unpack, exponent difference (the
//      alignment shift), normalisation limit
//   3  align the small significand, coarse: by 0, 8, 16 or 24 places
//   4  align, fine: by 0..7 places (guard, round and sticky bits kept)
//   5  add or subtract; the result is never negative because of the ordering
//   6  count the leading zeros, but never more than the exponent allows, so
//      subnormal results fall out of the same shifter
//   7  normalise left by that count, result exponent
//   8  round to nearest even, pack, override special cases
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
  localparam integer LATENCY = 8;
  /* verilator lint_on UNUSEDPARAM */

  // ---------------------------------------------------------------------------
  // Stage 1: compare magnitudes, classify
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

  // Subnormals have no hidden one but the exponent of the smallest normal.
  wire       a_exp_zero = (a_i[30:23] == 8'd0);
  wire       b_exp_zero = (b_i[30:23] == 8'd0);
  wire [7:0] a_exp      = {a_i[30:24], a_i[23] | a_exp_zero};
  wire [7:0] b_exp      = {b_i[30:24], b_i[23] | b_exp_zero};

  // The binary32 encoding orders magnitudes like unsigned integers. Only the comparison is
  // made here: it is a 31-bit carry chain behind the engine's accumulator feedback (sum or
  // +0.0 on a_i), and the operand multiplexers that depend on it come in stage 2.
  wire swap = (b_i[30:0] > a_i[30:0]);

  // inf + x: the inf is the bigger operand (only NaN encodings are larger), so
  // its sign is big's sign. Both inf with equal signs: same thing.
  wire sp_nan = a_nan | b_nan | (a_inf & b_inf & eff_sub);
  wire sp_inf = a_inf | b_inf;

  reg [31:0] s1_a_q;
  reg [31:0] s1_b_q;
  reg [7:0]  s1_a_exp_q;
  reg [7:0]  s1_b_exp_q;
  reg        s1_swap_q;
  reg        s1_sub_q;
  reg        s1_nan_q;
  reg        s1_inf_q;

  always @(posedge clk_i) begin
    s1_a_q    <= a_i;
    s1_b_q    <= b_i;
    s1_a_exp_q <= a_exp;
    s1_b_exp_q <= b_exp;
    s1_swap_q <= swap;
    s1_sub_q  <= eff_sub;
    s1_nan_q  <= sp_nan;
    s1_inf_q  <= sp_inf;
  end

  // ---------------------------------------------------------------------------
  // Stage 2: order by magnitude, unpack, exponent difference
  // ---------------------------------------------------------------------------
  // Both exponent differences are computed, and the comparison only selects: it does not
  // wait in front of the subtractor. The difference is the alignment shift; it is saturated
  // (27 or more places leave only the sticky bit) in stage 3.
  wire [7:0] d_ab = s1_a_exp_q - s1_b_exp_q;
  wire [7:0] d_ba = s1_b_exp_q - s1_a_exp_q;

  wire        a_hid    = |s1_a_q[30:23];
  wire        b_hid    = |s1_b_q[30:23];
  wire [7:0]  big_exp  = s1_swap_q ? s1_b_exp_q : s1_a_exp_q;
  wire [7:0]  exp_diff = s1_swap_q ? d_ba : d_ab;
  wire [23:0] big_sig  = s1_swap_q ? {b_hid, s1_b_q[22:0]} : {a_hid, s1_a_q[22:0]};
  wire [23:0] sml_sig  = s1_swap_q ? {a_hid, s1_a_q[22:0]} : {b_hid, s1_b_q[22:0]};
  wire        big_sgn  = s1_swap_q ? s1_b_q[31] : s1_a_q[31];

  reg [23:0] s2_big_sig_q;
  reg [23:0] s2_sml_sig_q;
  reg [7:0]  s2_exp_q;
  reg [7:0]  s2_dsh_q;
  reg        s2_sgn_q;
  reg        s2_sub_q;
  reg        s2_nan_q;
  reg        s2_inf_q;

  always @(posedge clk_i) begin
    s2_big_sig_q <= big_sig;
    s2_sml_sig_q <= sml_sig;
    s2_exp_q     <= big_exp;
    s2_dsh_q     <= exp_diff;
    s2_sgn_q     <= big_sgn;
    s2_sub_q     <= s1_sub_q;
    s2_nan_q     <= s1_nan_q;
    s2_inf_q     <= s1_inf_q;
  end

  // ---------------------------------------------------------------------------
  // Stages 3 and 4: align
  // ---------------------------------------------------------------------------
  // The small significand, then guard, round, sticky: x = {sig, 000} shifted right by dsh,
  // where every bit shifted out is OR-ed into bit 0 (the sticky bit). Shifting in two steps
  // (dsh[4:3] * 8 places, then dsh[2:0]) and OR-ing the bits each step loses gives the same
  // word as one shift: a bit is lost in total exactly when it is lost in one of the steps.
  // A shift of 32 or more moves every bit of x (27 bits) into the sticky bit.
  wire [26:0] al_x      = {s2_sml_sig_q, 3'b000};
  wire        al_all    = |s2_dsh_q[7:5];
  wire [4:0]  al_c      = {s2_dsh_q[4:3], 3'b000};
  wire [26:0] al_c_sh   = al_all ? 27'd0 : (al_x >> al_c);
  wire        al_c_lost = al_all ? (|al_x) : (|(al_x & ~({27{1'b1}} << al_c)));

  reg [23:0] s3_big_sig_q;
  reg [26:0] s3_sml_q;
  reg        s3_sticky_q;
  reg [2:0]  s3_dsh_q;
  reg [7:0]  s3_exp_q;
  reg        s3_sgn_q;
  reg        s3_sub_q;
  reg        s3_nan_q;
  reg        s3_inf_q;

  always @(posedge clk_i) begin
    s3_big_sig_q <= s2_big_sig_q;
    s3_sml_q     <= al_c_sh;
    s3_sticky_q  <= al_c_lost;
    s3_dsh_q     <= s2_dsh_q[2:0];
    s3_exp_q     <= s2_exp_q;
    s3_sgn_q     <= s2_sgn_q;
    s3_sub_q     <= s2_sub_q;
    s3_nan_q     <= s2_nan_q;
    s3_inf_q     <= s2_inf_q;
  end

  wire [26:0] al_f_sh   = s3_sml_q >> s3_dsh_q;
  wire        al_f_lost = |(s3_sml_q & ~({27{1'b1}} << s3_dsh_q));
  wire [26:0] sml_al    = {al_f_sh[26:1], al_f_sh[0] | al_f_lost | s3_sticky_q};

  reg [23:0] s4_big_sig_q;
  reg [26:0] s4_sml_al_q;
  reg [7:0]  s4_exp_q;
  reg        s4_sgn_q;
  reg        s4_sub_q;
  reg        s4_nan_q;
  reg        s4_inf_q;

  always @(posedge clk_i) begin
    s4_big_sig_q <= s3_big_sig_q;
    s4_sml_al_q  <= sml_al;
    s4_exp_q     <= s3_exp_q;
    s4_sgn_q     <= s3_sgn_q;
    s4_sub_q     <= s3_sub_q;
    s4_nan_q     <= s3_nan_q;
    s4_inf_q     <= s3_inf_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 5: add or subtract
  // ---------------------------------------------------------------------------
  wire [27:0] big_ex = {1'b0, s4_big_sig_q, 3'b000};
  wire [27:0] sum    = s4_sub_q ? (big_ex - {1'b0, s4_sml_al_q})
                                : (big_ex + {1'b0, s4_sml_al_q});
  // Stage 6 may shift the sum left by at most lim = exp places (the result exponent
  // exp + 1 - cnt stays >= 1); a sum needs at most 27 places, so lim > 27 is no limit. The
  // limit as a marker bit for stage 6: a one at bit 27 - lim stops the leading-zero count
  // at lim (see there). Decoded here, beside the adder, from a register.
  wire [27:0] lim_bit = (s4_exp_q <= 8'd27) ? (28'd1 << (5'd27 - s4_exp_q[4:0])) : 28'd0;

  reg [27:0] s5_sum_q;
  reg [27:0] s5_lim_bit_q;
  reg [7:0]  s5_exp_q;
  reg        s5_sgn_q;
  reg        s5_sub_q;
  reg        s5_nan_q;
  reg        s5_inf_q;

  always @(posedge clk_i) begin
    s5_sum_q     <= sum;
    s5_lim_bit_q <= lim_bit;
    s5_exp_q     <= s4_exp_q;
    s5_sgn_q     <= s4_sgn_q;
    s5_sub_q     <= s4_sub_q;
    s5_nan_q     <= s4_nan_q;
    s5_inf_q     <= s4_inf_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 6: leading-zero count, limited by the exponent
  // ---------------------------------------------------------------------------
  // s5_sum_q has the big operand's hidden bit at bit 26 and a possible carry at
  // bit 27. After shifting left by cnt the leading one is at bit 27, and the
  // result exponent is exp + 1 - cnt. Limiting cnt to lim = exp keeps that >= 1;
  // when the limit bites, bit 27 stays clear and the result is subnormal.
  // The leading zeros of sum | (1 << (27 - lim)) are min(lz(sum), lim): the marker is a one
  // after exactly lim zeros. For lim > 27 there is no marker and none is needed (a non-zero
  // sum has at most 27 leading zeros). A zero sum gives some count; it shifts to zero anyway.
  wire [4:0] cnt;

  qmlp_fp32_lzc #(.W(28)) u_lzc (
    .d_i   (s5_sum_q | s5_lim_bit_q),
    .cnt_o (cnt)
  );

  // Exact cancellation is +0 in round-to-nearest. An exact zero from an
  // effective addition can only be (+-0)+(+-0) of equal signs: keep that sign.
  wire sum_zero = (s5_sum_q == 28'd0);
  wire sgn_res  = s5_sgn_q & ~(sum_zero & s5_sub_q);

  reg [27:0] s6_sum_q;
  reg [4:0]  s6_cnt_q;
  reg [7:0]  s6_exp_q;
  reg        s6_sgn_q;
  reg        s6_nan_q;
  reg        s6_inf_q;

  always @(posedge clk_i) begin
    s6_sum_q <= s5_sum_q;
    s6_cnt_q <= cnt;
    s6_exp_q <= s5_exp_q;
    s6_sgn_q <= sgn_res;
    s6_nan_q <= s5_nan_q;
    s6_inf_q <= s5_inf_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 7: normalise
  // ---------------------------------------------------------------------------
  wire [27:0] nrm     = s6_sum_q << s6_cnt_q;
  // 1..255; 255 only with a carry out of the binade of FLT_MAX (overflow).
  wire [7:0]  exp_res = s6_exp_q + 8'd1 - {3'd0, s6_cnt_q};

  reg [23:0] s7_sig_q;
  reg        s7_guard_q;
  reg        s7_sticky_q;
  reg [7:0]  s7_exp_q;
  reg        s7_sgn_q;
  reg        s7_nan_q;
  reg        s7_inf_q;

  always @(posedge clk_i) begin
    s7_sig_q    <= nrm[27:4];
    s7_guard_q  <= nrm[3];
    s7_sticky_q <= |nrm[2:0];
    s7_exp_q    <= exp_res;
    s7_sgn_q    <= s6_sgn_q;
    s7_nan_q    <= s6_nan_q;
    s7_inf_q    <= s6_inf_q;
  end

  // ---------------------------------------------------------------------------
  // Stage 8: round and pack
  // ---------------------------------------------------------------------------
  // A clear hidden bit means subnormal (or zero): exponent field 0. Adding the
  // rounding increment to the packed magnitude carries into the exponent
  // (subnormal -> FLT_MIN, 1.11..1 -> next binade, FLT_MAX binade -> inf).
  wire [7:0]  exp_fld = s7_sig_q[23] ? s7_exp_q : 8'd0;
  wire [30:0] mag     = {exp_fld, s7_sig_q[22:0]};
  wire        rnd_up  = s7_guard_q & (s7_sticky_q | mag[0]);
  wire [30:0] mag_r   = mag + {30'd0, rnd_up};
  wire        ovf     = s7_sig_q[23] & (&s7_exp_q);

  reg [31:0] s8_s_q;

  always @(posedge clk_i) begin
    if (s7_nan_q) begin
      s8_s_q <= 32'h7FC0_0000;
    end else if (s7_inf_q | ovf) begin
      s8_s_q <= {s7_sgn_q, 8'hFF, 23'd0};
    end else begin
      s8_s_q <= {s7_sgn_q, mag_r};
    end
  end

  assign s_o = s8_s_q;

endmodule

`default_nettype wire
