`default_nettype none
// Leading-zero normaliser shared by the binary32 units.
//
// Shifts d_i left until its MSB is set and reports the shift in cnt_o, but never
// by more than lim_i. The limit is what lets the adder produce subnormal results
// without a second shifter: the shift stops where the exponent would reach the
// subnormal band. Callers that need no limit tie lim_i to all ones.
//
// It is a logarithmic (binary-search) normaliser: stage s tests the top 2**s
// bits of the partially shifted value and shifts by 2**s when they are all zero.
// Counting and shifting happen in the same stage, so the depth is CW small
// stages instead of a priority encoder followed by a barrel shifter.
//
// Limit: stage s may only shift if the count decided so far plus 2**s stays
// <= lim_i. Because the stages run from large to small, the greedy choice
// yields exactly min(lz(d_i), lim_i) as long as that is < 2**CW. For an all-zero
// d_i without a limit the count is 2**CW-1 and d_o is zero; callers treat zero
// operands separately.

module qmlp_fp32_norm #(
  parameter integer W = 24    // data width
) (
  input  wire [W-1:0]         d_i,
  input  wire [$clog2(W)-1:0] lim_i,
  output wire [W-1:0]         d_o,
  output wire [$clog2(W)-1:0] cnt_o
);
  // Count width: a non-zero d_i has at most W-1 leading zeros, which fit $clog2(W) bits, and
  // the largest stage shifts by 2**(CW-1) < W.
  localparam integer CW = $clog2(W);

  // Written as one combinational block (not a chain of generate stages through
  // a flat vector), so Verilator sees no false combinational loop (UNOPTFLAT).
  // The loop is unrolled at elaboration; every shift amount is a constant.
  reg [W-1:0]  v;
  reg [CW-1:0] c;
  reg [CW-1:0] trial;
  integer      s;

  always @* begin
    v = d_i;
    c = {CW{1'b0}};
    for (s = CW - 1; s >= 0; s = s - 1) begin
      // Higher count bits are already decided and lower ones are still zero,
      // so setting bit s is the same as adding 2**s.
      trial = c | ({{(CW-1){1'b0}}, 1'b1} << s);
      if ((v >> (W - (1 << s))) == {W{1'b0}} && trial <= lim_i) begin
        v = v << (1 << s);
        c = trial;
      end
    end
  end

  assign d_o   = v;
  assign cnt_o = c;

endmodule

`default_nettype wire
