`default_nettype none
// Input side of the accelerator: an AXI4-Stream slave that writes images into the input
// slots (qmlp_mlp_slots with two slots).
//
// One beat carries one word of the first layer's input, SIMD1 pixel codes (byte s at bits
// 8s), so an image is WORDS = K1/SIMD1 beats. The stream is accepted while the slot being
// filled is free; its last beat commits the slot. Two slots suffice: loading an image takes
// WORDS cycles, far fewer than the first layer spends on one.
// tlast is not needed (images have a fixed length) and is ignored.
module qmlp_mlp_in #(
  parameter integer WORDS = 16
) (
  input  wire                 clk_i,
  input  wire                 rst_i,
  input  wire                 s_tvalid_i,
  output wire                 s_tready_o,
  input  wire [1:0]           full_i,
  output wire                 we_o,
  output wire                 wslot_o,
  output wire [$clog2(WORDS > 1 ? WORDS : 2)-1:0] waddr_o,
  output wire                 commit_o
);
  localparam integer AW = $clog2(WORDS > 1 ? WORDS : 2);
  localparam integer LAST_I = WORDS - 1;
  localparam [AW-1:0] LAST = LAST_I[AW-1:0];

  reg          wslot_q;
  reg [AW-1:0] wcnt_q;

  assign s_tready_o = ~full_i[wslot_q];
  assign we_o       = s_tvalid_i & ~full_i[wslot_q];
  assign wslot_o    = wslot_q;
  assign waddr_o    = wcnt_q;
  assign commit_o   = we_o & (wcnt_q == LAST);

  always @(posedge clk_i) begin
    if (rst_i) begin
      wslot_q <= 1'b0;
      wcnt_q  <= {AW{1'b0}};
    end else if (we_o) begin
      if (wcnt_q == LAST) begin
        wcnt_q  <= {AW{1'b0}};
        wslot_q <= ~wslot_q;
      end else begin
        wcnt_q <= wcnt_q + 1'b1;
      end
    end
  end
endmodule
`default_nettype wire
