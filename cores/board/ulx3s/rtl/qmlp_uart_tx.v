`default_nettype none
// UART transmitter, 8N1, LSB first. CLKS_PER_BIT = clock / baud. A byte is taken when
// valid_i && ready_o; ready_o is high again after its stop bit.
module qmlp_uart_tx #(
  parameter integer CLKS_PER_BIT = 25
) (
  input  wire       clk_i,
  input  wire       rst_i,        // synchronous, active high
  input  wire [7:0] data_i,
  input  wire       valid_i,
  output wire       ready_o,
  output reg        tx_o          // the line, idle high
);
  localparam integer CW = $clog2(CLKS_PER_BIT + 1);
  localparam integer BIT_LAST_I = CLKS_PER_BIT - 1;
  localparam [CW-1:0] BIT_LAST = BIT_LAST_I[CW-1:0];

  reg          active;
  reg [8:0]    sh;                // data bits still to send, then the stop bit
  reg [3:0]    left;              // bits after the one on the line
  reg [CW-1:0] cnt;

  assign ready_o = !active;

  always @(posedge clk_i) begin
    if (rst_i) begin
      active <= 1'b0;
      tx_o   <= 1'b1;
      left   <= 4'd0;
      cnt    <= {CW{1'b0}};
    end else if (!active) begin
      if (valid_i) begin
        active <= 1'b1;
        tx_o   <= 1'b0;               // start bit
        sh     <= {1'b1, data_i};
        left   <= 4'd9;
        cnt    <= BIT_LAST;
      end
    end else if (cnt != 0) begin
      cnt <= cnt - 1'b1;
    end else if (left != 0) begin
      tx_o <= sh[0];
      sh   <= {1'b1, sh[8:1]};
      left <= left - 1'b1;
      cnt  <= BIT_LAST;
    end else begin
      active <= 1'b0;                 // the stop bit has lasted a whole bit
    end
  end
endmodule
`default_nettype wire
