`default_nettype none
// The host side of the AXI wrappers in simulation: an AXI4-Lite master, an AXI4-Stream master
// (the DMA's MM2S) and slave (S2MM), replaying what qmlp.driver's simulation backend recorded.
// Not synthesizable; used by qmlp_tb_axi_mlp and qmlp_tb_axi_matmul.
//
// +OPS=<file>   one operation per line, numbers in hex:
//   1 <addr> <data>      AXI-Lite write (waits for the response)
//   2 <addr> 0           AXI-Lite read; writes "r <addr> <data>" to +OUT
//   3 <n> <m>            a DMA transfer pair: send the next n beats of +BEATS on s_axis while
//                        receiving up to m beats of m_axis; ends when every beat is sent and
//                        TLAST (or the m-th beat) arrived, or after +LIMIT cycles; writes
//                        "o <data> <last>" per beat received, then
//                        "x <sent> <received> <tlast> <timeout> <cycles>"
//   4 <cycles> 0         wait
// +BEATS=<file> "<data> <last>" per line, hex. +OUT=<file> the results.
// +STALL_IN=<pct>, +STALL_OUT=<pct>: random gaps in TVALID (MM2S) and TREADY (S2MM), +SEED=<n>;
// AXI-Lite handshakes get random delays too. Ends with "end <cycle>" and $finish.
// Inputs of the DUT are driven on the falling edge (Verilator 5.006 runs non-blocking
// assignments in initial blocks as blocking ones: NOTES.md).
module qmlp_axi_host (
  output reg         clk,
  output reg         rst_n,
  output reg  [6:0]  awaddr,
  output reg         awvalid,
  input  wire        awready,
  output reg  [31:0] wdata,
  output reg  [3:0]  wstrb,
  output reg         wvalid,
  input  wire        wready,
  input  wire [1:0]  bresp,
  input  wire        bvalid,
  output reg         bready,
  output reg  [6:0]  araddr,
  output reg         arvalid,
  input  wire        arready,
  input  wire [31:0] rdata,
  input  wire [1:0]  rresp,
  input  wire        rvalid,
  output reg         rready,
  output reg  [31:0] s_tdata,
  output reg         s_tvalid,
  input  wire        s_tready,
  output reg         s_tlast,
  output wire [3:0]  s_tkeep,
  input  wire [31:0] m_tdata,
  input  wire        m_tvalid,
  output reg         m_tready,
  input  wire        m_tlast,
  input  wire [3:0]  m_tkeep,
  input  wire        irq
);
  assign s_tkeep = 4'hF;

  initial clk = 1'b0;
  always #5 clk = ~clk;

  reg [31:0] cycle;
  initial cycle = 0;
  always @(posedge clk) cycle <= cycle + 1;

  // xorshift32: the same random gaps in Icarus and Verilator
  reg [31:0] rng;
  function [31:0] xs(input [31:0] x);
    reg [31:0] y;
    begin
      y = x ^ (x << 13); y = y ^ (y >> 17); xs = y ^ (y << 5);
    end
  endfunction
  integer stall_in, stall_out, seed, limit;
  task next_rng;
    begin
      rng = xs(rng);
    end
  endtask

  integer fo, fb, fops, rc, op;
  reg [31:0] a1, a2;
  reg [31:0] bd, bl;
  integer sent, recvd, want_s, want_r, t0, got_last, tmo;

  // ---- AXI-Lite
  task lite_write(input [6:0] a, input [31:0] d);
    integer n;
    begin
      @(negedge clk);
      next_rng; n = rng[1:0];
      repeat (n) @(negedge clk);
      awaddr = a; awvalid = 1'b1; wdata = d; wstrb = 4'hF; wvalid = 1'b1;
      @(posedge clk);
      while (!(awready && wready)) @(posedge clk);
      @(negedge clk);
      awvalid = 1'b0; wvalid = 1'b0;
      next_rng; bready = rng[0];
      while (!bready || !bvalid) begin
        @(posedge clk);
        @(negedge clk);
        next_rng; if (rng[2:0] != 0) bready = 1'b1;
      end
      @(posedge clk);
      @(negedge clk);
      bready = 1'b0;
      if (bresp != 2'b00) $display("ERROR: write to %h answered %b", a, bresp);
    end
  endtask

  task lite_read(input [6:0] a, output [31:0] d);
    begin
      @(negedge clk);
      araddr = a; arvalid = 1'b1;
      @(posedge clk);
      while (!arready) @(posedge clk);
      @(negedge clk);
      arvalid = 1'b0;
      next_rng; rready = rng[0];
      while (!rready || !rvalid) begin
        @(posedge clk);
        @(negedge clk);
        next_rng; if (rng[2:0] != 0) rready = 1'b1;
      end
      d = rdata;
      @(posedge clk);
      @(negedge clk);
      rready = 1'b0;
    end
  endtask

  // ---- the stream pair: one step per falling edge, inside the op loop (one process reads the
  // files: Verilator 5.006 lost $fscanf results in a second process)
  task xfer_step;
    begin
      // a beat offered before the last rising edge and taken there is done
      if (s_tvalid && s_tready_q) begin
        sent = sent + 1;
        s_tvalid = 1'b0;
      end
      if (!s_tvalid && sent < want_s) begin
        next_rng;
        if ((rng % 100) >= stall_in) begin
          rc = $fscanf(fb, "%h %h\n", bd, bl);
          if (rc != 2) begin
            $display("ERROR: qmlp_axi_host: +BEATS=%0s ends before beat %0d", beats_name, sent);
            want_s = sent;
          end else begin
            s_tdata = bd; s_tlast = bl[0]; s_tvalid = 1'b1;
          end
        end
      end
      // receiver
      if (m_tready && m_tvalid_q) begin
        recvd = recvd + 1;
        $fdisplay(fo, "o %h %0d", m_tdata_q, m_tlast_q);
        if (m_tlast_q) got_last = 1;
      end
      next_rng;
      m_tready = !got_last && recvd < want_r && ((rng % 100) >= stall_out);
    end
  endtask

  // what the rising edge saw (the handshake happens there)
  reg s_tready_q, m_tvalid_q, m_tlast_q;
  reg [31:0] m_tdata_q;
  always @(posedge clk) begin
    s_tready_q <= s_tready;
    m_tvalid_q <= m_tvalid;
    m_tlast_q  <= m_tlast;
    m_tdata_q  <= m_tdata;
  end

  reg [1023:0] ops_name, beats_name, out_name;
  reg [31:0] d;
  initial begin
    awaddr = 0; awvalid = 0; wdata = 0; wstrb = 0; wvalid = 0; bready = 0;
    araddr = 0; arvalid = 0; rready = 0;
    s_tdata = 0; s_tvalid = 0; s_tlast = 0; m_tready = 0;
    rst_n = 1'b0;
    if (!$value$plusargs("STALL_IN=%d", stall_in)) stall_in = 0;
    if (!$value$plusargs("STALL_OUT=%d", stall_out)) stall_out = 0;
    if (!$value$plusargs("SEED=%d", seed)) seed = 1;
    if (!$value$plusargs("LIMIT=%d", limit)) limit = 50000000;
    rng = 32'h9E3779B9 ^ seed;
    if (!$value$plusargs("OPS=%s", ops_name)) ops_name = "qmlp_axi/ops.txt";
    if (!$value$plusargs("BEATS=%s", beats_name)) beats_name = "qmlp_axi/beats.txt";
    if (!$value$plusargs("OUT=%s", out_name)) out_name = "qmlp_axi/out.txt";
    fops = $fopen(ops_name, "r");
    fb = $fopen(beats_name, "r");
    fo = $fopen(out_name, "w");
    if (fops == 0 || fo == 0) begin
      $display("ERROR: qmlp_axi_host: cannot open +OPS=%0s or +OUT=%0s (the driver's sim backend writes them)",
               ops_name, out_name);
      $finish;
    end
    repeat (4) @(negedge clk);
    rst_n = 1'b1;
    @(negedge clk);
    while (!$feof(fops)) begin
      op = 0;
      rc = $fscanf(fops, "%h %h %h\n", op, a1, a2);
      if (rc == 3) begin
        if (op == 1) lite_write(a1[6:0], a2);
        else if (op == 2) begin
          lite_read(a1[6:0], d);
          $fdisplay(fo, "r %h %h", a1, d);
        end else if (op == 3) begin
          want_s = a1; want_r = a2; sent = 0; recvd = 0; got_last = 0; tmo = 0; t0 = cycle;
          @(negedge clk);
          xfer_step;
          while ((sent < want_s || (!got_last && recvd < want_r)) && !tmo) begin
            @(negedge clk);
            xfer_step;
            if (cycle - t0 > limit) tmo = 1;
          end
          s_tvalid = 1'b0; m_tready = 1'b0;
          $fdisplay(fo, "x %0d %0d %0d %0d %0d", sent, recvd, got_last, tmo, cycle - t0);
        end else if (op == 4) repeat (a1) @(negedge clk);
      end
    end
    $fdisplay(fo, "end %0d", cycle);
    $fclose(fo);
    $display("qmlp_axi_host: done at cycle %0d", cycle);
    $finish;
  end
endmodule
`default_nettype wire
