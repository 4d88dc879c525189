`default_nettype none
// Multi-slot image buffer between two stages of the accelerator (ping-pong generalised to
// NBUF slots); the one buffer module of the design, used for the input and between layers.
//
// Each slot holds one image's K bytes. The producer writes WR bytes at a time into its current
// slot and commits it; the consumer reads RD bytes at a time (one cycle of read latency) and
// releases it. Slots are used in order by both sides, so a full flag per slot is all the
// bookkeeping needed. With NBUF = 3 a producer whose image takes as long as the consumer's
// can start the next image while the consumer still reads the previous-but-one.
// Storage: where both sides move whole words (WR == RD, the input stream) it is one word-wide
// memory; otherwise registers of bytes, since several bytes are written and read per cycle at
// unrelated offsets.
module qmlp_mlp_slots #(
  parameter integer K    = 128,
  parameter integer WR   = 4,     // bytes written per cycle (divides K)
  parameter integer RD   = 1,     // bytes read per cycle (divides K)
  parameter integer NBUF = 3
) (
  input  wire                 clk_i,
  input  wire                 rst_i,
  // producer
  input  wire                 we_i,
  input  wire [$clog2(NBUF > 1 ? NBUF : 2)-1:0] wslot_i,
  input  wire [$clog2(K / WR > 1 ? K / WR : 2)-1:0] waddr_i,   // in units of WR bytes
  input  wire [WR*8-1:0]      wdata_i,
  input  wire                 commit_i,
  input  wire [$clog2(NBUF > 1 ? NBUF : 2)-1:0] commit_slot_i,
  // consumer
  input  wire [$clog2(NBUF > 1 ? NBUF : 2)-1:0] rslot_i,
  input  wire [$clog2(K / RD > 1 ? K / RD : 2)-1:0] raddr_i,   // in units of RD bytes
  output reg  [RD*8-1:0]      rdata_o,
  input  wire                 release_i,
  input  wire [$clog2(NBUF > 1 ? NBUF : 2)-1:0] release_slot_i,
  // slot states
  output reg  [NBUF-1:0]      full_o
);
  localparam integer SW = $clog2(NBUF > 1 ? NBUF : 2);

  generate
    if (WR == RD) begin : g_words
      localparam integer WPS = K / WR;        // words per slot
      localparam integer MAW = $clog2(NBUF * WPS > 1 ? NBUF * WPS : 2);
      reg [WR*8-1:0] mem [0:NBUF*WPS-1];
      // word index slot * WPS + word: sized to the memory, narrower than its integer operands
      /* verilator lint_off WIDTH */
      wire [MAW-1:0] wi = wslot_i * WPS + waddr_i;
      wire [MAW-1:0] ri = rslot_i * WPS + raddr_i;
      /* verilator lint_on WIDTH */
      always @(posedge clk_i) begin
        if (we_i) mem[wi] <= wdata_i;
        rdata_o <= mem[ri];
      end
    end else begin : g_bytes
      reg [7:0] mem [0:NBUF*K-1];
      integer b;
      always @(posedge clk_i) begin
        if (we_i)
          for (b = 0; b < WR; b = b + 1)
            mem[wslot_i * K + waddr_i * WR + b] <= wdata_i[b*8 +: 8];
        for (b = 0; b < RD; b = b + 1)
          rdata_o[b*8 +: 8] <= mem[rslot_i * K + raddr_i * RD + b];
      end
    end
  endgenerate

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
