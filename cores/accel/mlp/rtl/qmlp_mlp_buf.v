`default_nettype none
// Multi-slot activation buffer between two layers (ping-pong generalised to NBUF slots).
//
// Each slot holds one image's K activations (bytes). The producing layer writes WR bytes at
// a time (its PE outputs) into its current slot and commits it; the consuming layer reads RD
// bytes at a time (its SIMD inputs, one cycle of read latency) and releases it. Slots are
// used in order by both sides, so a full flag per slot is all the bookkeeping needed.
// With NBUF = 3 a producer whose image takes as long as the consumer's can start the next
// image while the consumer still reads the previous-but-one: no bubble from pipeline latency.
// Storage is registers: several bytes are written and read per cycle at unrelated offsets.
module qmlp_mlp_buf #(
  parameter integer K    = 128,
  parameter integer WR   = 4,     // bytes written per cycle (divides K)
  parameter integer RD   = 1,     // bytes read per cycle (divides K)
  parameter integer NBUF = 3,
  parameter integer SW   = (NBUF > 1) ? $clog2(NBUF) : 1
) (
  input  wire                 clk_i,
  input  wire                 rst_i,
  // producer
  input  wire                 we_i,
  input  wire [SW-1:0]        wslot_i,
  input  wire [$clog2(K/WR > 1 ? K/WR : 2)-1:0] waddr_i,   // in units of WR bytes
  input  wire [WR*8-1:0]      wdata_i,
  input  wire                 commit_i,
  input  wire [SW-1:0]        commit_slot_i,
  // consumer
  input  wire [SW-1:0]        rslot_i,
  input  wire [$clog2(K/RD > 1 ? K/RD : 2)-1:0] raddr_i,   // in units of RD bytes
  output reg  [RD*8-1:0]      rdata_o,
  input  wire                 release_i,
  input  wire [SW-1:0]        release_slot_i,
  // slot states
  output reg  [NBUF-1:0]      full_o
);
  reg [7:0] mem [0:NBUF*K-1];
  integer b;

  always @(posedge clk_i) begin
    if (we_i)
      for (b = 0; b < WR; b = b + 1)
        mem[wslot_i * K + waddr_i * WR + b] <= wdata_i[b*8 +: 8];
    for (b = 0; b < RD; b = b + 1)
      rdata_o[b*8 +: 8] <= mem[rslot_i * K + raddr_i * RD + b];
  end

  genvar g;
  generate
    for (g = 0; g < NBUF; g = g + 1) begin : g_slot
      localparam integer GI = g;
      localparam [SW-1:0] SLOT = GI[SW-1:0];
      always @(posedge clk_i) begin
        if (rst_i)                                    full_o[g] <= 1'b0;
        else if (commit_i && commit_slot_i == SLOT)   full_o[g] <= 1'b1;
        else if (release_i && release_slot_i == SLOT) full_o[g] <= 1'b0;
      end
    end
  endgenerate
endmodule
`default_nettype wire
