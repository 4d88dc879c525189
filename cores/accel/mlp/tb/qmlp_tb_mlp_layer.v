`default_nettype none
// Self-checking testbench of one qmlp_mlp_layer as an output layer (ACT=2: int32 sums), for
// the MAC styles on chosen operands - most negative weights and inputs, long sums (K=784).
//
// Files in the current folder (written by the test, tests/test_mac.py, with numpy):
//   layer_rom.mem   the weight ROM, qmlp's layout (word n*K/SIMD + c holds PE*SIMD codes of
//                   WB bits, code p*SIMD + s at bits WB*(p*SIMD + s))
//   layer_x.hex     IMAGES*K/SIMD words of SIMD bytes (input c*SIMD + s at byte s)
//   layer_acc.hex   IMAGES*N int32 sums, the golden model's
// Images follow each other back to back through one input slot and two output slots, which an
// instant reader empties the cycle after their commit (the layer claims an output slot from an
// image's first read until it sees the slot full: one slot that never showed full would stall it).
// Last line: RESULT pass=<0|1> vectors=<images> mismatches=<wrong sums> cycles=<cycles per image>
module qmlp_tb_mlp_layer;
  parameter integer K    = 784;
  parameter integer N    = 8;
  parameter integer PE   = 4;
  parameter integer SIMD = 16;
  parameter integer WB   = 8;
  parameter integer AB   = 8;
  parameter integer MAC  = 0;
  parameter integer LUTPE = 0;        // mixed layer: the last LUTPE neurons of a group in lut lanes
  parameter integer IMAGES = 4;
  localparam integer CHUNKS = K / SIMD;
  localparam integer CAW = $clog2(CHUNKS > 1 ? CHUNKS : 2);
  localparam integer GAW = $clog2(N / PE > 1 ? N / PE : 2);

  reg clk = 1'b0;
  reg rst = 1'b1;
  always #5 clk = ~clk;

  reg  [SIMD*8-1:0] xmem [0:IMAGES*CHUNKS-1];
  reg  [31:0]       expect_acc [0:IMAGES*N-1];
  reg  [31:0]       got [0:IMAGES*N-1];
  reg  [SIMD*8-1:0] in_data;
  wire [0:0]        in_slot, in_release_slot, out_slot, out_commit_slot;
  wire [CAW-1:0]    in_addr;
  wire              in_release, out_we, out_commit;
  wire [GAW-1:0]    out_addr;
  wire [PE*32-1:0]  out_data;
  integer in_img = 0, out_img = 0, cycles = 0, t_first = -1, t_last = 0;
  reg  [1:0]        out_full = 2'b00;

  qmlp_mlp_layer #(
    .K(K), .N(N), .PE(PE), .SIMD(SIMD), .WB(WB), .AB(AB), .MAC(MAC), .LUTPE(LUTPE), .SHIFT(0), .ACT(2),
    .NBUF_IN(1), .NBUF_OUT(2), .ROM_FILE("layer_rom.mem"), .LUT_FILE("layer_rom.mem")
  ) u_dut (
    .clk_i(clk), .rst_i(rst),
    .in_full_i(in_img < IMAGES), .in_slot_o(in_slot), .in_addr_o(in_addr), .in_data_i(in_data),
    .in_release_o(in_release), .in_release_slot_o(in_release_slot),
    .out_full_i(out_full), .out_we_o(out_we), .out_slot_o(out_slot), .out_addr_o(out_addr),
    .out_data_o(out_data), .out_commit_o(out_commit), .out_commit_slot_o(out_commit_slot)
  );

  // the input buffer: one cycle of read latency, like qmlp_mlp_slots
  integer p;
  always @(posedge clk) begin
    cycles <= cycles + 1;
    in_data <= xmem[(in_img < IMAGES ? in_img : 0) * CHUNKS + in_addr];
    if (in_release) in_img <= in_img + 1;
    out_full <= out_commit ? (2'b01 << out_commit_slot) : 2'b00;   // full for one cycle, then read
    if (out_we)
      for (p = 0; p < PE; p = p + 1) got[out_img * N + out_addr * PE + p] <= out_data[p*32 +: 32];
    if (out_commit) begin
      out_img <= out_img + 1;
      if (t_first < 0) t_first <= cycles;
      t_last <= cycles;
    end
  end

  integer i, bad, cpi;
  initial begin
    $readmemh("layer_x.hex", xmem);
    $readmemh("layer_acc.hex", expect_acc);
    repeat (3) @(posedge clk);
    rst <= 1'b0;
    while (out_img < IMAGES && cycles < (IMAGES + 4) * (CHUNKS * (N / PE) + 40)) @(posedge clk);
    @(posedge clk);
    bad = 0;
    for (i = 0; i < IMAGES * N; i = i + 1)
      if (got[i] !== expect_acc[i]) begin
        if (bad < 10) $display("MISMATCH image %0d neuron %0d: got %0d expected %0d", i / N, i % N,
                               $signed(got[i]), $signed(expect_acc[i]));
        bad = bad + 1;
      end
    cpi = (IMAGES > 1) ? (t_last - t_first) / (IMAGES - 1) : 0;
    $display("qmlp_tb_mlp_layer: K=%0d N=%0d PE=%0d SIMD=%0d WB=%0d AB=%0d MAC=%0d, %0d images out", K, N, PE, SIMD,
             WB, AB, MAC, out_img);
    if (bad == 0 && out_img == IMAGES) begin
      $display("RESULT pass=1 vectors=%0d mismatches=0 cycles=%0d", IMAGES, cpi);
      $finish;
    end else begin
      $display("RESULT pass=0 vectors=%0d mismatches=%0d cycles=%0d", IMAGES, bad + (IMAGES - out_img) * N, cpi);
`ifdef VERILATOR
      $c("std::exit(1);");
`else
      $stop;
`endif
    end
  end
endmodule
`default_nettype wire
