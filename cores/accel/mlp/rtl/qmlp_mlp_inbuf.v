`default_nettype none
// Input side of the accelerator: an AXI4-Stream slave filling two image slots.
//
// One beat carries one word of the first layer's input, SIMD1 pixel codes (byte s at bits
// 8s), so an image is WORDS = K1/SIMD1 beats. The stream is accepted while the slot being
// filled is free; the first layer reads whole words (one cycle of read latency) and releases
// a slot when it has issued its last read. Two slots suffice: loading an image takes WORDS
// cycles, far fewer than the first layer spends on one.
// tlast is not needed (images have a fixed length) and is ignored.
module qmlp_mlp_inbuf #(
  parameter integer WORDS = 16,
  parameter integer W     = 392
) (
  input  wire                         clk_i,
  input  wire                         rst_i,
  input  wire [W-1:0]                 s_tdata_i,
  input  wire                         s_tvalid_i,
  output wire                         s_tready_o,
  // first layer
  input  wire                         rslot_i,
  input  wire [$clog2(WORDS > 1 ? WORDS : 2)-1:0] raddr_i,
  output reg  [W-1:0]                 rdata_o,
  input  wire                         release_i,
  input  wire                         release_slot_i,
  output reg  [1:0]                   full_o
);
  localparam integer AW = $clog2(WORDS > 1 ? WORDS : 2);
  localparam integer LAST_I = WORDS - 1;
  localparam [AW-1:0] LAST = LAST_I[AW-1:0];

  localparam integer MAW = $clog2(2 * WORDS);
  localparam [MAW-1:0] SLOT1 = WORDS[MAW-1:0];     // slot 1 starts at word WORDS

  reg [W-1:0]  mem [0:2*WORDS-1];
  reg          wslot_q;
  reg [AW-1:0] wcnt_q;

  wire accept = s_tvalid_i & ~full_o[wslot_q];
  assign s_tready_o = ~full_o[wslot_q];

  always @(posedge clk_i) begin
    if (accept) mem[(wslot_q ? SLOT1 : {MAW{1'b0}}) + {{(MAW - AW){1'b0}}, wcnt_q}] <= s_tdata_i;
    rdata_o <= mem[(rslot_i ? SLOT1 : {MAW{1'b0}}) + {{(MAW - AW){1'b0}}, raddr_i}];
  end

  always @(posedge clk_i) begin
    if (rst_i) begin
      wslot_q <= 1'b0;
      wcnt_q  <= {AW{1'b0}};
      full_o  <= 2'b00;
    end else begin
      if (accept) begin
        if (wcnt_q == LAST) begin
          wcnt_q  <= {AW{1'b0}};
          wslot_q <= ~wslot_q;
        end else begin
          wcnt_q <= wcnt_q + 1'b1;
        end
      end
      // a slot becomes full with its last beat and free when layer 1 releases it
      if (accept && wcnt_q == LAST) full_o[wslot_q] <= 1'b1;
      if (release_i) full_o[release_slot_i] <= 1'b0;
    end
  end
endmodule
`default_nettype wire
