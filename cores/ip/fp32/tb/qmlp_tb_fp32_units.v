`default_nettype none
// Vector-driven harness for the binary32 units, shared by Verilator (clocked
// from qmlp_tb_fp32_units_main.cpp) and Icarus (clocked by qmlp_tb_fp32_icarus.v).
//
// Plusargs: +vec=<file> with one 64-bit hex word {a, b} per line, +n=<count>.
// Every vector goes to both qmlp_fp32_mul and qmlp_fp32_add; the results are
// written, one hex word per line and in vector order, to mul.out and add.out in
// the current directory. Alignment uses the latencies from qmlp_fp32_lat.vh,
// so a wrong latency constant shows up as mismatches on every vector.
//
// In parallel the converters, one instance per FL in fl_of(), see the codes
// 0..255 (code = cycle number); cvt.out gets one line per code with NFL words.
// Nothing here compares: the Python test does, so it can print mismatches and
// check that its own checker fails when it should. X/Z values are printed as
// such by %h and rejected by the parser.
`include "qmlp_fp32_lat.vh"

module qmlp_tb_fp32_units #(
  parameter integer MAXN = 2097152
) (
  input wire clk_i
);

  localparam integer NFL = 20;

  function integer fl_of(input integer i);
    begin
      case (i)
        0:  fl_of = 0;
        1:  fl_of = 1;
        2:  fl_of = 4;
        3:  fl_of = 7;
        4:  fl_of = 8;
        5:  fl_of = -1;
        6:  fl_of = -5;
        7:  fl_of = -8;
        8:  fl_of = -120;
        9:  fl_of = -119;
        10: fl_of = 100;
        11: fl_of = 126;
        12: fl_of = 127;
        13: fl_of = 128;
        14: fl_of = 133;
        15: fl_of = 134;
        16: fl_of = 135;
        17: fl_of = 140;
        18: fl_of = 148;
        default: fl_of = 149;
      endcase
    end
  endfunction

  reg [63:0]   vec [0:MAXN-1];
  reg [8*512-1:0] vec_file;
  integer      n;
  integer      last;
  integer      cyc;
  integer      fd_mul;
  integer      fd_add;
  integer      fd_cvt;
  integer      k;

  reg  [31:0] a_q;
  reg  [31:0] b_q;
  reg  [7:0]  q_q;
  wire [31:0] p;
  wire [31:0] s;
  wire [32*NFL-1:0] f;

  qmlp_fp32_mul u_mul (.clk_i(clk_i), .a_i(a_q), .b_i(b_q), .p_o(p));
  qmlp_fp32_add u_add (.clk_i(clk_i), .a_i(a_q), .b_i(b_q), .s_o(s));

  genvar g;
  generate
    for (g = 0; g < NFL; g = g + 1) begin : g_cvt
      qmlp_fp32_from_int8 #(.FL(fl_of(g))) u_cvt (
        .clk_i (clk_i),
        .q_i   (q_q),
        .f_o   (f[32*g +: 32])
      );
    end
  endgenerate

  initial begin
    if (!$value$plusargs("vec=%s", vec_file)) begin
      $display("qmlp_tb_fp32_units: missing +vec=<file>");
      $finish;
    end
    if (!$value$plusargs("n=%d", n)) begin
      $display("qmlp_tb_fp32_units: missing +n=<count>");
      $finish;
    end
    if (n < 1 || n > MAXN) begin
      $display("qmlp_tb_fp32_units: n=%0d outside 1..%0d", n, MAXN);
      $finish;
    end
    $readmemh(vec_file, vec, 0, n - 1);
    fd_mul = $fopen("mul.out", "w");
    fd_add = $fopen("add.out", "w");
    fd_cvt = $fopen("cvt.out", "w");
    last = n + `QMLP_FP32_ADD_LAT + 1;
    if (n + `QMLP_FP32_MUL_LAT + 1 > last) last = n + `QMLP_FP32_MUL_LAT + 1;
    if (256 + `QMLP_FP32_CVT_LAT + 1 > last) last = 256 + `QMLP_FP32_CVT_LAT + 1;
    cyc = 0;
  end

  // Vector j is on the DUT inputs in the cycle after clock edge j, is sampled
  // at edge j+1 and, after LAT registers, is readable here at edge j+LAT+1.
  always @(posedge clk_i) begin
    if (cyc < n) begin
      a_q <= vec[cyc][63:32];
      b_q <= vec[cyc][31:0];
    end else begin
      a_q <= 32'd0;
      b_q <= 32'd0;
    end
    q_q <= cyc[7:0];

    if (cyc >= `QMLP_FP32_MUL_LAT + 1 && cyc - `QMLP_FP32_MUL_LAT - 1 < n)
      $fwrite(fd_mul, "%h\n", p);
    if (cyc >= `QMLP_FP32_ADD_LAT + 1 && cyc - `QMLP_FP32_ADD_LAT - 1 < n)
      $fwrite(fd_add, "%h\n", s);
    if (cyc >= `QMLP_FP32_CVT_LAT + 1 && cyc - `QMLP_FP32_CVT_LAT - 1 < 256) begin
      for (k = 0; k < NFL; k = k + 1)
        $fwrite(fd_cvt, "%h ", f[32*k +: 32]);
      $fwrite(fd_cvt, "\n");
    end

    if (cyc == last) begin
      $fclose(fd_mul);
      $fclose(fd_add);
      $fclose(fd_cvt);
      $finish;
    end
    cyc <= cyc + 1;
  end

endmodule

`default_nettype wire
