`default_nettype none
// Testbench of the ULX3S board top: a UART model on the FTDI pins.
//
// The host side is a byte stream in a file (+UART_IN=path, default qmlp_uart/host_tx.bin,
// written by the pre-build hook with qmlp.eda.uart, the encoder `qmlp board classify` uses;
// a named pipe works too: the run then waits for its writer). Its bytes go onto ftdi_txd as
// 8N1 frames at the board's bit rate, back to back. Every byte the board sends on ftdi_rxd is
// decoded, written to +UART_OUT=path (default qmlp_uart/board_rx.hex, one hex byte a line,
// flushed at once) and compared with the golden model's class for that image
// (qmlp_roms/expected.hex: the C logits and the class per image). K1 and C come from the
// model header (qmlp_roms/qmlp_mlp_model.vh), as in the board top. The accuracy is the board's
// classes against qmlp_roms/labels.hex.
// Plusargs: +IMAGES=n (the images the host sends; default 100), +UART_IN, +UART_OUT.
// Last line: RESULT pass=<0|1> images=<n> mismatches=<m> accuracy=<%> cycles_per_image=<c>
// (cycles_per_image: clock cycles per image over the UART, in the steady state).
module qmlp_tb_ulx3s;
  parameter [8*64-1:0] PE   = "auto";
  parameter [8*64-1:0] SIMD = "auto";
  parameter [8*64-1:0] WBITS = "8";
  parameter [8*64-1:0] ABITS = "8";
  parameter [8*64-1:0] MAC   = "dsp";
  parameter [8*64-1:0] LUTPE = "0";   // PEs per layer in LUT multipliers (mixed layers)
  parameter integer BAUD       = 1000000;
  parameter integer IDLE_RESET = 2500000;

`include "qmlp_mlp_list.vh"
  /* verilator lint_off UNUSEDPARAM */
`include "qmlp_roms/qmlp_mlp_model.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam integer CLK_HZ = 25000000;
  localparam integer CPB = CLK_HZ / BAUD;     // clock cycles per bit
  localparam integer K1 = L_K[31:0];          // bytes per image
  localparam integer NOUT = L_N[32*NL-1 -: 32];   // classes: expected.hex holds NOUT logits + class per image
  localparam integer MAX_IMAGES = 10000;

  reg clk = 1'b0;
  always #20 clk = ~clk;                       // 25 MHz

  reg        txd = 1'b1;                       // host -> board
  wire       rxd;                              // board -> host
  wire [7:0] led;
  wire       wifi_gpio0;

  qmlp_ulx3s_top #(.PE(PE), .SIMD(SIMD), .WBITS(WBITS), .ABITS(ABITS), .MAC(MAC), .LUTPE(LUTPE), .CLK_HZ(CLK_HZ), .BAUD(BAUD), .IDLE_RESET(IDLE_RESET)) u_dut (
    .clk_25mhz(clk), .ftdi_txd(txd), .ftdi_rxd(rxd), .led(led), .wifi_gpio0(wifi_gpio0)
  );

  integer images, fd_in, fd_out, fd_exp, fd_lab, r, i, k, c;
  integer sent, received, mismatches, correct, shown, cycle, last_progress, t_half, t_last;
  reg [31:0] word, label;
  reg [7:0]  expected_class [0:MAX_IMAGES-1];
  reg [7:0]  labels [0:MAX_IMAGES-1];
  reg [8*256-1:0] in_name, out_name;
  real acc;

  task finish_fail;
    begin
`ifdef VERILATOR
      $c("std::exit(1);");
`else
      $stop;  // `vvp -N` turns this into exit status 1
`endif
    end
  endtask

  task fail_now;
    begin
      $display("RESULT pass=0 images=%0d mismatches=%0d accuracy=0.00 cycles_per_image=0", received, mismatches);
      finish_fail;
    end
  endtask

  always @(posedge clk) cycle <= cycle + 1;

  // ---------------------------------------------------------------- host -> board
  task send_byte(input [7:0] b);
    integer j;
    begin
      @(negedge clk) txd = 1'b0;
      repeat (CPB) @(negedge clk);
      for (j = 0; j < 8; j = j + 1) begin
        txd = b[j];
        repeat (CPB) @(negedge clk);
      end
      txd = 1'b1;
      repeat (CPB - 1) @(negedge clk);
    end
  endtask

  // ---------------------------------------------------------------- board -> host
  reg [7:0] rx_byte;
  task recv_byte;
    integer j;
    begin
      @(negedge rxd);
      repeat (CPB / 2) @(posedge clk);
      if (rxd !== 1'b0) begin $display("ERROR: board UART: start bit not low at its middle"); fail_now; end
      for (j = 0; j < 8; j = j + 1) begin
        repeat (CPB) @(posedge clk);
        rx_byte[j] = rxd;
      end
      repeat (CPB) @(posedge clk);
      if (rxd !== 1'b1) begin $display("ERROR: board UART: stop bit not high"); fail_now; end
    end
  endtask

  initial begin
    cycle = 0; sent = 0; received = 0; mismatches = 0; correct = 0; shown = 0; last_progress = 0;
    t_half = 0; t_last = 0;
    if (CPB < 4) begin $display("ERROR: BAUD=%0d leaves %0d clock cycles per bit (at least 4)", BAUD, CPB); fail_now; end
    if (!$value$plusargs("IMAGES=%d", images) || images <= 0) images = 100;
    if (images > MAX_IMAGES) images = MAX_IMAGES;
    if (!$value$plusargs("UART_IN=%s", in_name)) in_name = "qmlp_uart/host_tx.bin";
    if (!$value$plusargs("UART_OUT=%s", out_name)) out_name = "qmlp_uart/board_rx.hex";
    fd_exp = $fopen("qmlp_roms/expected.hex", "r");
    fd_lab = $fopen("qmlp_roms/labels.hex", "r");
    if (fd_exp == 0 || fd_lab == 0) begin $display("ERROR: cannot open qmlp_roms/expected.hex or labels.hex"); fail_now; end
    for (i = 0; i < images; i = i + 1) begin
      for (k = 0; k < NOUT + 1; k = k + 1) begin
        r = $fscanf(fd_exp, "%h\n", word);
        if (r != 1) begin $display("ERROR: expected.hex ends before image %0d", i); fail_now; end
      end
      expected_class[i] = word[7:0];
      r = $fscanf(fd_lab, "%h\n", label);
      if (r != 1) begin $display("ERROR: labels.hex ends before image %0d", i); fail_now; end
      labels[i] = label[7:0];
    end
    $fclose(fd_exp);
    $fclose(fd_lab);
    $display("qmlp_tb_ulx3s: %0d images over the UART at %0d baud (%0d clock cycles per bit)", images, BAUD, CPB);
    fd_out = $fopen(out_name, "w");
    fd_in = $fopen(in_name, "rb");
    if (fd_in == 0 || fd_out == 0) begin $display("ERROR: cannot open %0s or %0s", in_name, out_name); fail_now; end
    repeat (40) @(negedge clk);                  // past the power-on reset
    fork
      begin : host_tx
        for (i = 0; i < images * K1; i = i + 1) begin
          c = $fgetc(fd_in);
          if (c < 0) begin $display("ERROR: %0s ended after %0d bytes (%0d images need %0d)", in_name, i, images, images * K1); fail_now; end
          send_byte(c[7:0]);
          sent = i + 1;
          last_progress = cycle;
        end
      end
      begin : host_rx
        while (received < images) begin
          recv_byte;
          $fwrite(fd_out, "%02x\n", rx_byte);
          $fflush(fd_out);
          if (rx_byte !== expected_class[received]) begin
            mismatches = mismatches + 1;
            if (shown < 10) begin
              $display("MISMATCH image %0d: board sent class %0d, golden model %0d", received, rx_byte, expected_class[received]);
              shown = shown + 1;
            end
          end
          if (rx_byte == labels[received]) correct = correct + 1;
          received = received + 1;
          if (received == images / 2) t_half = cycle;
          t_last = cycle;
          last_progress = cycle;
        end
      end
      begin : watchdog
        while (received < images) begin
          @(posedge clk);
          if (cycle - last_progress > 4 * K1 * 10 * CPB + 100000) begin
            $display("ERROR: timeout: no UART progress for %0d cycles (%0d bytes sent, %0d classes received)",
                     cycle - last_progress, sent, received);
            fail_now;
          end
        end
      end
    join
    $fclose(fd_in);
    $fclose(fd_out);
    acc = 100.0 * correct / images;
    $display("qmlp_tb_ulx3s: %0d classes received, %0d correct (labels), LEDs %b", received, correct, led);
    $display("RESULT pass=%0d images=%0d mismatches=%0d accuracy=%0.2f cycles_per_image=%0d", mismatches == 0,
             images, mismatches, acc, images >= 4 ? (t_last - t_half) / (images - images / 2) : t_last / images);
    if (mismatches != 0) finish_fail;
    $finish;
  end
endmodule
`default_nettype wire
