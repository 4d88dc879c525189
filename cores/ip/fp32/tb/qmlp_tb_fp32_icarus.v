`default_nettype none
// Icarus top: free-running clock around the shared harness.

module qmlp_tb_fp32_icarus #(
  parameter integer MAXN = 32768
);
  reg clk = 1'b0;
  always #5 clk = ~clk;

  qmlp_tb_fp32_units #(.MAXN(MAXN)) u_tb (.clk_i(clk));
endmodule

`default_nettype wire
