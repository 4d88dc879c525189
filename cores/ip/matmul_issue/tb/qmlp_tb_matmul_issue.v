`default_nettype none
// Testbench of qmlp_matmul_issue alone: it starts blocks and prints the generator's outputs
// cycle by cycle, one line per cycle in which run_o is set:
//   I <block> <issue> <first> <last> <end> <a_addr> <b_addr> <c_addr>
// tests/test_matmul_issue.py compares the lines with the loop nest written out in Python.
// Block 0 is stopped by a reset after STOP cycles (0: not stopped): it must end at once, and
// block 1 must then start from the beginning and run to its end. Start is held high for one
// cycle only, and low while a block runs, as the engines do (they gate it with their idle).
module qmlp_tb_matmul_issue #(
  parameter integer ROWS   = 3,
  parameter integer INNER  = 5,
  parameter integer GROUPS = 2,
  parameter integer SLOTS  = 4,
  parameter integer STOP   = 0
);
  reg  clk = 1'b0, rst = 1'b1, start = 1'b0;
  wire run, issue, first, last, blk_end;
  wire [$clog2(ROWS*INNER)-1:0]   a_addr;
  wire [$clog2(INNER*GROUPS)-1:0] b_addr;
  wire [$clog2(ROWS*GROUPS)-1:0]  c_addr;

  qmlp_matmul_issue #(.ROWS(ROWS), .INNER(INNER), .GROUPS(GROUPS), .SLOTS(SLOTS)) u_dut (
    .clk_i(clk), .rst_i(rst), .start_i(start),
    .run_o(run), .issue_o(issue), .first_o(first), .last_o(last), .end_o(blk_end),
    .a_addr_o(a_addr), .b_addr_o(b_addr), .c_addr_o(c_addr)
  );

  always #5 clk = ~clk;

  integer block = 0, n = 0, limit;
  always @(posedge clk) begin
    if (!rst && run) begin
      $display("I %0d %0d %0d %0d %0d %0d %0d %0d", block, issue, first, last, blk_end, a_addr, b_addr, c_addr);
      n = n + 1;
    end
  end

  initial begin
    limit = 4 * ROWS * GROUPS * INNER * SLOTS + 100;
    repeat (3) @(negedge clk);
    rst = 1'b0;
    for (block = 0; block < 2; block = block + 1) begin
      @(negedge clk);
      if (run !== 1'b0) begin
        $display("ERROR: run_o is %b before block %0d", run, block);
        $finish;
      end
      start = 1'b1;
      @(negedge clk);
      start = 1'b0;
      n = 0;
      while (run === 1'b1 && n < limit && !(block == 0 && STOP > 0 && n >= STOP)) @(negedge clk);
      if (block == 0 && STOP > 0) begin
        rst = 1'b1;                          // stop the walk in the middle
        @(negedge clk);
        rst = 1'b0;
        if (run !== 1'b0) begin
          $display("ERROR: run_o is %b after a reset", run);
          $finish;
        end
      end
      if (n >= limit) begin
        $display("ERROR: block %0d did not end within %0d cycles", block, limit);
        $finish;
      end
      $display("B %0d cycles=%0d", block, n);
    end
    $display("DONE");
    $finish;
  end
endmodule
`default_nettype wire
