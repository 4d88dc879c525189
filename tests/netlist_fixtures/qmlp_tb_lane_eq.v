`default_nettype none
`timescale 1ns/1ps
// One accelerator lane as Yosys wrote it (qmlp_lane_netlist, synth_xilinx) beside the RTL lane
// (qmlp_mlp_lane), both driven with the same random inputs every cycle and compared cycle by
// cycle in Icarus (4-state: an x that the netlist takes for a real bit shows up as X here).
// The lane is an output lane (ACT 2: its int32 accumulators are its outputs), so the products,
// the adder tree and the accumulator are all compared, with no table file.
// Prints `RESULT pass=<0|1> cycles=<n> mismatches=<m>`.
module qmlp_tb_lane_eq #(
  parameter integer SIMD   = 32,
  parameter integer WB     = 4,
  parameter integer AB     = 4,
  parameter integer MAC    = 1,        // qmlp_mac_code: 0 dsp, 1 dsp2, 2 lut
  parameter integer CYCLES = 2000,
  parameter integer SEED   = 1
);
  localparam integer NL = (MAC == 1) ? 2 : 1;
  localparam integer D  = (SIMD > 1) ? $clog2(SIMD) : 0;
  localparam integer WARM = 4 * (D + 12);   // the pipeline fills and every accumulator restarts

  reg clk = 1'b0;
  always #5 clk = ~clk;

  reg  [SIMD*8-1:0]       x;
  reg  [NL*SIMD*WB-1:0]   w;
  reg                     acc_en, acc_first;
  wire [NL*32-1:0]        y_rtl, y_nl;

  qmlp_mlp_lane #(.SIMD(SIMD), .WB(WB), .AB(AB), .MAC(MAC), .ACT(2)) u_rtl (
    .clk_i(clk), .x_i(x), .w_i(w), .xp_i({((SIMD + 1) / 2)*(3*AB + 1){1'b0}}), .sx_i({(AB + D + 1){1'b0}}),
    .b_i({NL*24{1'b0}}), .t_i({NL{1'b0}}), .acc_en_i(acc_en), .acc_first_i(acc_first), .y_o(y_rtl)
  );
  qmlp_lane_netlist u_nl (
    .clk_i(clk), .x_i(x), .w_i(w), .xp_i({((SIMD + 1) / 2)*(3*AB + 1){1'b0}}), .sx_i({(AB + D + 1){1'b0}}),
    .b_i({NL*24{1'b0}}), .t_i({NL{1'b0}}), .acc_en_i(acc_en), .acc_first_i(acc_first), .y_o(y_nl)
  );

  integer cyc, s, bad, seed;
  reg [7:0] c;
  initial begin
    bad = 0;
    seed = SEED;
    x = {SIMD*8{1'b0}};
    w = {NL*SIMD*WB{1'b0}};
    acc_en = 1'b0;
    acc_first = 1'b0;
    for (cyc = 0; cyc < CYCLES; cyc = cyc + 1) begin
      @(negedge clk);
      // an AB-bit code sign-extended into its byte (1 bit: 0x01 = +1, 0xFF = -1); every tenth
      // cycle of a hundred the extremes (most negative weights and inputs, or most positive)
      for (s = 0; s < SIMD; s = s + 1) begin
        c = $random(seed);
        if (cyc % 100 < 10)
          c = (cyc % 2) ? (8'h80 >> (8 - AB)) : ~(8'h80 >> (8 - AB)) & ((8'h1 << AB) - 1);
        if (AB == 1)
          x[s*8 +: 8] = c[0] ? 8'h01 : 8'hFF;
        else
          x[s*8 +: 8] = (c[AB-1] ? (8'hFF << AB) : 8'h00) | (c & ((8'h1 << AB) - 8'h1));
      end
      for (s = 0; s < NL * SIMD; s = s + 1) begin
        c = $random(seed);
        if (cyc % 100 < 10)
          c = (cyc % 3 == 0) ? (8'h80 >> (8 - WB)) : ~(8'h80 >> (8 - WB));
        w[s*WB +: WB] = c[WB-1:0];
      end
      acc_en = ($random(seed) % 8) != 0;        // now and then a cycle without a tree output
      acc_first = (cyc % 4 == 0);
      if (cyc >= WARM && y_rtl !== y_nl) begin
        bad = bad + 1;
        if (bad <= 5)
          $display("MISMATCH cycle %0d: rtl %h netlist %h", cyc, y_rtl, y_nl);
      end
    end
    $display("RESULT pass=%0d cycles=%0d mismatches=%0d", bad == 0, CYCLES - WARM, bad);
    $finish;
  end
endmodule
`default_nettype wire
