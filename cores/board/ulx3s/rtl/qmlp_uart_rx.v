`default_nettype none
// UART receiver, 8N1, LSB first. CLKS_PER_BIT = clock / baud (at least 4).
// A falling edge on the (synchronized) line starts a frame; the start bit is checked at its
// middle (a glitch shorter than half a bit is ignored), data bits and the stop bit are sampled
// at their middles. A byte with a good stop bit pulses valid_o for one cycle; a bad stop bit
// pulses frame_err_o instead.
module qmlp_uart_rx #(
  parameter integer CLKS_PER_BIT = 25
) (
  input  wire       clk_i,
  input  wire       rst_i,        // synchronous, active high
  input  wire       rx_i,         // the line, idle high (asynchronous to clk_i)
  output reg  [7:0] data_o,
  output reg        valid_o,
  output reg        frame_err_o
);
  localparam integer CW = $clog2(CLKS_PER_BIT + 1);
  localparam integer BIT_LAST_I = CLKS_PER_BIT - 1;
  localparam [CW-1:0] BIT_LAST = BIT_LAST_I[CW-1:0];
  localparam integer HALF_LAST_I = CLKS_PER_BIT / 2 - 1;
  localparam [CW-1:0] HALF_LAST = HALF_LAST_I[CW-1:0];
  localparam [1:0] IDLE = 2'd0, START = 2'd1, DATA = 2'd2, STOP = 2'd3;

  reg [2:0]    sync;              // two flops against metastability, one for the edge
  reg [1:0]    state;
  reg [CW-1:0] cnt;
  reg [2:0]    bitn;
  reg [7:0]    sh;
  wire         rx = sync[1];

  always @(posedge clk_i) begin
    sync        <= {sync[1:0], rx_i};
    valid_o     <= 1'b0;
    frame_err_o <= 1'b0;
    if (rst_i) begin
      sync  <= 3'b111;
      state <= IDLE;
      cnt   <= {CW{1'b0}};
      bitn  <= 3'd0;
    end else begin
      case (state)
        IDLE:
          if (sync[2] && !rx) begin          // falling edge
            state <= START;
            cnt   <= HALF_LAST;            // to the middle of the start bit
          end
        START:
          if (cnt != 0) cnt <= cnt - 1'b1;
          else if (rx) state <= IDLE;        // a glitch, not a start bit
          else begin
            state <= DATA;
            cnt   <= BIT_LAST;
            bitn  <= 3'd0;
          end
        DATA:
          if (cnt != 0) cnt <= cnt - 1'b1;
          else begin
            sh   <= {rx, sh[7:1]};
            cnt  <= BIT_LAST;
            bitn <= bitn + 1'b1;
            if (bitn == 3'd7) state <= STOP;
          end
        default:  // STOP
          if (cnt != 0) cnt <= cnt - 1'b1;
          else begin
            state <= IDLE;
            if (rx) begin
              data_o  <= sh;
              valid_o <= 1'b1;
            end else begin
              frame_err_o <= 1'b1;
            end
          end
      endcase
    end
  end
endmodule
`default_nettype wire
