`default_nettype none
// Byte stream to the accelerator's input words: BYTES bytes make one word, the first byte in
// bits [7:0] (the order of qmlp.hw.roms.image_words: input k*BYTES+s at bits 8*s of beat k).
// AXI-Stream style handshakes on both sides; one word is buffered.
module qmlp_mlp_bytes #(
  parameter integer BYTES = 49
) (
  input  wire               clk_i,
  input  wire               rst_i,      // synchronous, active high
  input  wire [7:0]         s_tdata_i,
  input  wire               s_tvalid_i,
  output wire               s_tready_o,
  output wire [BYTES*8-1:0] m_tdata_o,
  output wire               m_tvalid_o,
  input  wire               m_tready_i
);
  localparam integer NW = $clog2(BYTES + 1);
  localparam integer LAST_I = BYTES - 1;
  localparam [NW-1:0] LAST = LAST_I[NW-1:0];

  reg [BYTES*8-1:0] word;
  reg               full;
  reg [NW-1:0]      n;
  wire              take = s_tvalid_i && !full;

  assign s_tready_o = !full;
  assign m_tvalid_o = full;
  assign m_tdata_o  = word;

  generate
    if (BYTES == 1) begin : g_one
      always @(posedge clk_i) if (take) word <= s_tdata_i;
    end else begin : g_shift
      always @(posedge clk_i) if (take) word <= {s_tdata_i, word[BYTES*8-1:8]};
    end
  endgenerate

  always @(posedge clk_i) begin
    if (rst_i) begin
      full <= 1'b0;
      n    <= {NW{1'b0}};
    end else begin
      if (full && m_tready_i) full <= 1'b0;
      if (take) begin
        if (n == LAST) begin
          n    <= {NW{1'b0}};
          full <= 1'b1;
        end else begin
          n <= n + 1'b1;
        end
      end
    end
  end
endmodule
`default_nettype wire
