`default_nettype none
// 32-bit stream words (4 bytes, byte 0 first) to BYTES-byte words (byte 0 in bits [7:0]): the
// gearbox between a 32-bit AXI DMA stream and qmlp_mlp_accel's SIMD1-byte input word, for any
// BYTES (49 is not a multiple of 4: a word may take bytes from two stream words).
// A buffer of BYTES + 4 bytes holds n bytes; a stream word is taken when its 4 bytes fit
// after this cycle's output, so the input runs at one word per cycle while the output keeps up
// (at BYTES = 49: one output word per 12.25 cycles, far more than the 512-cycle image needs).
// Each buffer byte chooses among the 4 input bytes by its position: 4 comparators per byte.
// s_nbytes_i (1..4) says how many of the word's bytes count, from byte 0: an image of K1 bytes
// travels as ceil(K1/4) whole words, and its last word's padding bytes are written beyond n
// and never counted (later bytes overwrite them), so the output words hold K1 bytes per image.
module qmlp_axi_gear #(
  parameter integer BYTES = 49
) (
  input  wire               clk_i,
  input  wire               rst_i,      // synchronous, active high
  input  wire [31:0]        s_tdata_i,
  input  wire               s_tvalid_i,
  input  wire [2:0]         s_nbytes_i, // bytes of this word that count: 1..4 (4 but at an image's end)
  output wire               s_tready_o,
  output wire [BYTES*8-1:0] m_tdata_o,
  output wire               m_tvalid_o,
  input  wire               m_tready_i
);
  localparam integer CAP = BYTES + 4;
  localparam integer NW  = $clog2(CAP + 5);    // n + 4 must not wrap: up to CAP + 4
  localparam [NW-1:0] NB = BYTES[NW-1:0];
  localparam [NW-1:0] N4 = 4;
  localparam [NW-1:0] NCAP = CAP[NW-1:0];

  reg  [CAP*8-1:0] buf_q;
  reg  [NW-1:0]    n_q;
  wire             out_fire = (n_q >= NB) && m_tready_i;
  wire [NW-1:0]    n_after  = out_fire ? n_q - NB : n_q;
  wire             in_fire  = s_tvalid_i && s_tready_o;

  assign s_tready_o = (n_after + N4 <= NCAP);
  assign m_tvalid_o = (n_q >= NB);
  assign m_tdata_o  = buf_q[BYTES*8-1:0];

  // the buffer after this cycle's output, then the new word's bytes at n_after .. n_after+3
  wire [CAP*8-1:0] shifted = out_fire ? {{(BYTES*8){1'b0}}, buf_q[CAP*8-1:BYTES*8]} : buf_q;
  reg  [CAP*8-1:0] next;
  integer b, i;
  always @* begin
    next = shifted;
    if (in_fire)
      for (b = 0; b < CAP; b = b + 1)
        for (i = 0; i < 4; i = i + 1)
          if ({{(32 - NW){1'b0}}, n_after} + i == b) next[8*b +: 8] = s_tdata_i[8*i +: 8];
  end

  // the data bytes need no reset (n_q says which are valid)
  always @(posedge clk_i) buf_q <= next;
  always @(posedge clk_i) begin
    if (rst_i) n_q <= {NW{1'b0}};
    else       n_q <= n_after + (in_fire ? {{(NW - 3){1'b0}}, s_nbytes_i} : {NW{1'b0}});
  end
endmodule
`default_nettype wire
