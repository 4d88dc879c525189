`default_nettype none
// Leading-zero counter shared by the binary32 units (combinational).
//
// cnt_o is the number of zeros above the most significant set bit of d_i. For an all-zero d_i
// it is W when W is not a power of two and W-1 when it is; callers treat zero operands
// separately (a zero significand shifts to zero whatever the count).
//
// Why a tree and not qmlp_fp32_norm: the normaliser decides its shift one binary step after
// the other, and each step waits for the shifted value of the step before (a chain of OR
// reductions and muxes, the critical path of the old 4-stage adder on ECP5). A count on its
// own needs no shifted data, so it can be a balanced tree: the leaves are single bits, and a
// node of 2**l bits has the count of its upper half if that half holds a one, else 2**(l-1)
// plus the count of its lower half. Depth log2(W) small muxes; the shift by the count is the
// caller's next pipeline stage.
//
// d_i is padded to N = 2**CW bits with ones below its LSB, so that every node is full and a
// zero d_i counts W (the first padding one).

module qmlp_fp32_lzc #(
  parameter integer W = 28    // data width, 2..32
) (
  input  wire [W-1:0]         d_i,
  output wire [$clog2(W)-1:0] cnt_o
);
  // A power-of-two W has no padding bit: its zero count W - 1 still fits $clog2(W) bits.
  localparam integer CW = $clog2(W);
  localparam integer N  = 1 << CW;

  // Level l of the tree as flat vectors, node j of the level at bit j (zero flag) and at
  // [j*CW +: CW] (count). One combinational block with blocking assignments, so Verilator sees
  // no false combinational loop (UNOPTFLAT); the loops unroll at elaboration.
  reg [N-1:0]    pad;
  reg [N-1:0]    z_lvl, z_nxt;
  reg [N*CW-1:0] c_lvl, c_nxt;
  integer        l, j;

  always @* begin
    pad = {N{1'b1}};
    pad[N-1 -: W] = d_i;
    z_lvl = ~pad;
    c_lvl = {(N * CW){1'b0}};
    for (l = 1; l <= CW; l = l + 1) begin
      z_nxt = {N{1'b0}};
      c_nxt = {(N * CW){1'b0}};
      for (j = 0; j < (N >> l); j = j + 1) begin
        // children: 2j (lower half) and 2j+1 (upper half); a child's count is < 2**(l-1), so
        // adding 2**(l-1) is setting bit l-1
        z_nxt[j] = z_lvl[2*j] & z_lvl[2*j+1];
        if (z_lvl[2*j+1]) begin
          c_nxt[j*CW +: CW] = c_lvl[2*j*CW +: CW] | ({{(CW-1){1'b0}}, 1'b1} << (l - 1));
        end else begin
          c_nxt[j*CW +: CW] = c_lvl[(2*j+1)*CW +: CW];
        end
      end
      z_lvl = z_nxt;
      c_lvl = c_nxt;
    end
  end

  assign cnt_o = c_lvl[CW-1:0];

endmodule

`default_nettype wire
