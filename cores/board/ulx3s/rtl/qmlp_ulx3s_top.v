`default_nettype none
// qmlp:board:ulx3s — the MLP accelerator behind a UART on the ULX3S-85F (LFE5U-85F-6BG381C).
//
// The network is the model's (qmlp_roms/qmlp_mlp_model.vh, written by the pre-build hook):
// K1 inputs, C classes (at most 256, qmlp.spec).
// Protocol (8N1 at BAUD over the board's FTDI USB-serial port, no flow control):
//   host -> board: per image K1 bytes, the Q(8, 7) input codes in input order
//                  (qmlp.numerics.intnet.inputs_to_codes: quantize(pixel / 255, 8, 7) or
//                  quantize(feature, 8, 7), as two's-complement bytes)
//   board -> host: per image 1 byte, the class (0..C-1), in image order; the C logits stay here
// The accelerator computes an image in far fewer cycles than its K1 bytes take on the line,
// so the host may stream images back to back. A partial image followed by IDLE_RESET cycles of
// silence is dropped (the accelerator and the byte packer are reset), so a host that stopped
// mid-image is back in step with the next image it sends.
// LEDs: 0 heartbeat, 1 receiving, 2 image in progress, 3 error (sticky: bad stop bit, byte
// overrun or a dropped partial image), 7..4 the last class sent.
// The accelerator runs on the 25 MHz oscillator: at 1 Mbaud every input byte takes 250 clock
// cycles on the line, far more than the accelerator needs per image.
module qmlp_ulx3s_top #(
  parameter [8*64-1:0] PE     = "auto",   // auto: the hook's board default (qmlp.params.auto_fold)
  parameter [8*64-1:0] SIMD   = "auto",
  parameter [8*64-1:0] WBITS  = "8",
  parameter [8*64-1:0] ABITS  = "8",
  parameter [8*64-1:0] MAC    = "dsp",
  parameter [8*64-1:0] LUTPE  = "0",   // PEs per layer in LUT multipliers (mixed layers)
  parameter integer CLK_HZ     = 25000000,
  parameter integer BAUD       = 1000000,
  parameter integer IDLE_RESET = 2500000     // cycles (100 ms at 25 MHz)
) (
  input  wire       clk_25mhz,
  input  wire       ftdi_txd,       // FTDI transmits, the FPGA receives
  output wire       ftdi_rxd,       // the FPGA transmits
  output wire [7:0] led,
  output wire       wifi_gpio0      // held high: the ESP32 must not reset or reprogram the FPGA
);
`include "qmlp_mlp_list.vh"
  // the network and the model's default folding (SIMD = "auto")
  /* verilator lint_off UNUSEDPARAM */
`include "qmlp_roms/qmlp_mlp_model.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam [8*64-1:0] SIMD_S = (SIMD == "auto") ? MODEL_SIMD : SIMD;
  localparam integer CLKS_PER_BIT = CLK_HZ / BAUD;
  localparam integer SIMD1 = qmlp_list_item(SIMD_S, 0);
  localparam integer K1 = L_K[31:0];                    // bytes per image: layer 1's inputs
  localparam integer IW = $clog2(IDLE_RESET + 1);
  localparam integer BW = $clog2(K1 + 1);               // byte-in-image counter
  localparam integer LAST_BYTE_I = K1 - 1;
  localparam [BW-1:0] LAST_BYTE = LAST_BYTE_I[BW-1:0];
  localparam integer IDLE_LAST_I = IDLE_RESET - 1;
  localparam [IW-1:0] IDLE_LAST = IDLE_LAST_I[IW-1:0];

  wire clk = clk_25mhz;
  assign wifi_gpio0 = 1'b1;

  // power-on reset: the flops start at 0 after configuration
  reg [3:0] por = 4'd0;
  wire      rst_por = ~&por;
  always @(posedge clk) if (rst_por) por <= por + 1'b1;

  // ---------------------------------------------------------------- UART in
  wire [7:0] rx_data;
  wire       rx_valid, rx_err;
  qmlp_uart_rx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_rx (
    .clk_i(clk), .rst_i(rst_por), .rx_i(ftdi_txd),
    .data_o(rx_data), .valid_o(rx_valid), .frame_err_o(rx_err)
  );

  // bytes of the current image; silence in the middle of an image drops it
  reg [BW-1:0] nbyte;
  reg [IW-1:0] idle;
  reg          drop;                // one cycle: reset the packer and the accelerator
  always @(posedge clk) begin
    drop <= 1'b0;
    if (rst_por) begin
      nbyte <= {BW{1'b0}};
      idle  <= {IW{1'b0}};
    end else if (rx_valid) begin
      idle  <= {IW{1'b0}};
      nbyte <= (nbyte == LAST_BYTE) ? {BW{1'b0}} : nbyte + 1'b1;
    end else if (nbyte != 0) begin
      if (idle == IDLE_LAST) begin
        drop  <= 1'b1;
        nbyte <= {BW{1'b0}};
        idle  <= {IW{1'b0}};
      end else begin
        idle <= idle + 1'b1;
      end
    end
  end
  wire rst_core = rst_por | drop;

  // ---------------------------------------------------------------- accelerator
  wire [SIMD1*8-1:0] w_tdata;
  wire               w_tvalid, w_tready, b_tready;
  qmlp_mlp_bytes #(.BYTES(SIMD1)) u_bytes (
    .clk_i(clk), .rst_i(rst_core),
    .s_tdata_i(rx_data), .s_tvalid_i(rx_valid), .s_tready_o(b_tready),
    .m_tdata_o(w_tdata), .m_tvalid_o(w_tvalid), .m_tready_i(w_tready)
  );

  wire [31:0] m_tdata;            // logits (dropped) and the class in bits 7:0
  wire        unused_ok = &{1'b0, m_tdata[31:8]};
  wire        m_tvalid, m_tlast, m_tready;
  qmlp_mlp_accel #(.PE(PE), .SIMD(SIMD), .WBITS(WBITS), .ABITS(ABITS), .MAC(MAC), .LUTPE(LUTPE)) u_accel (
    .ap_clk(clk), .ap_rst(rst_core),
    .s_axis_tdata(w_tdata), .s_axis_tvalid(w_tvalid), .s_axis_tready(w_tready),
    .m_axis_tdata(m_tdata), .m_axis_tvalid(m_tvalid), .m_axis_tready(m_tready), .m_axis_tlast(m_tlast)
  );

  // ---------------------------------------------------------------- UART out: the class byte
  // the logits are dropped; the class (the beat with tlast) waits for the transmitter
  wire tx_ready;
  assign m_tready = !m_tlast || tx_ready;
  qmlp_uart_tx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_tx (
    .clk_i(clk), .rst_i(rst_por), .data_i(m_tdata[7:0]), .valid_i(m_tvalid && m_tlast),
    .ready_o(tx_ready), .tx_o(ftdi_rxd)
  );

  // ---------------------------------------------------------------- LEDs
  reg [23:0] beat;
  reg [21:0] rx_seen;               // stretches receive activity to ~170 ms
  reg        err;
  reg [3:0]  last_class;
  always @(posedge clk) begin
    beat <= beat + 1'b1;
    if (rst_por) begin
      beat       <= 24'd0;
      rx_seen    <= 22'd0;
      err        <= 1'b0;
      last_class <= 4'd0;
    end else begin
      if (rx_valid) rx_seen <= {22{1'b1}};
      else if (rx_seen != 0) rx_seen <= rx_seen - 1'b1;
      if (rx_err || drop || (rx_valid && !b_tready)) err <= 1'b1;
      if (m_tvalid && m_tlast && tx_ready) last_class <= m_tdata[3:0];
    end
  end
  assign led = {last_class, err, nbyte != 0, rx_seen != 0, beat[23]};
endmodule
`default_nettype wire
