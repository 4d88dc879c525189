`default_nettype none
// Exact conversion of an int8 code q of fixed point Q(8, FL) to IEEE-754
// binary32: f = q * 2**-FL.
//
// Legal FL range: -120..149. Within it every value is exactly representable
// (|q| <= 128 = 2**7 needs 8 significant bits; -128 * 2**120 = -2**127 is the
// largest magnitude, 1 * 2**-149 the smallest subnormal), so no rounding logic
// exists. Outside it the result is wrong; simulation stops at time 0 with an
// error message (the check is skipped for synthesis).
//
// q = 0 gives +0. A code on q_i in cycle c gives f_o in cycle c+LATENCY
// (combinational conversion, then one register).

module qmlp_fp32_from_int8 #(
  parameter integer FL = 0
) (
  input  wire        clk_i,
  input  wire [7:0]  q_i,
  output wire [31:0] f_o
);

  /* verilator lint_off UNUSEDPARAM */
  // Read by instantiating modules (and mirrored by QMLP_FP32_CVT_LAT in
  // qmlp_fp32_lat.vh); nothing inside this module needs it.
  localparam integer LATENCY = 1;
  /* verilator lint_on UNUSEDPARAM */

`ifndef SYNTHESIS
  initial begin
    if (FL < -120 || FL > 149) begin
      $display("ERROR: qmlp_fp32_from_int8: FL=%0d is outside -120..149, results would not be exact",
               FL);
      $finish;
    end
  end
`endif

  // Biased exponent of the result if the leading one of |q| is code bit 7:
  // 2**7 * 2**-FL = 2**(134 - FL - 127).
  localparam integer ETOP = 134 - FL;

  wire       sgn = q_i[7];
  // |q| as unsigned 8 bits; |-128| = 8'h80 still fits.
  wire [7:0] mag = sgn ? (~q_i + 8'd1) : q_i;

  wire [30:0] mag_f;

  generate
    if (ETOP >= 1) begin : g_norm
      // Normalise |q| so its leading one moves to the hidden-bit position,
      // but stop where the exponent would drop below 1: what is left is a
      // subnormal (leading bit clear, exponent field 0). For FL <= 126 the
      // limit never bites.
      localparam integer LIM = (ETOP - 1 > 7) ? 7 : ETOP - 1;
      localparam [2:0]   LIM3 = LIM[2:0];
      localparam [7:0]   ETOP8 = ETOP[7:0];

      wire [7:0] nrm;
      wire [2:0] cnt;

      qmlp_fp32_norm #(.W(8)) u_norm (
        .d_i   (mag),
        .lim_i (LIM3),
        .d_o   (nrm),
        .cnt_o (cnt)
      );

      wire [7:0] exp_res = ETOP8 - {5'd0, cnt};
      assign mag_f = {nrm[7] ? exp_res : 8'd0, nrm[6:0], 16'd0};
    end else begin : g_subnormal
      // FL >= 134: every code is subnormal (|q| * 2**-FL < 2**-126). The
      // fraction field is |q| * 2**(149 - FL), a constant shift of at least
      // 1 place right of {|q|, 16'b0}, so no set bit is lost and bit 23 is 0.
      wire [23:0] sig = {mag, 16'd0} >> (FL - 133);
      wire        unused_sig_msb = sig[23];
      assign mag_f = {8'd0, sig[22:0]};
    end
  endgenerate

  reg [31:0] f_q;

  always @(posedge clk_i) begin
    f_q <= {sgn, mag_f};
  end

  assign f_o = f_q;

endmodule

`default_nettype wire
