`default_nettype none
// Testbench top of qmlp_axi_mlp: the wrapper and qmlp_axi_host, which replays the AXI-Lite and
// stream traffic that qmlp.driver's simulation backend recorded (see qmlp_axi_host.v).
module qmlp_tb_axi_mlp;
  parameter [8*64-1:0] PE    = "auto";
  parameter [8*64-1:0] SIMD  = "auto";
  parameter [8*64-1:0] WBITS = "8";
  parameter [8*64-1:0] ABITS = "8";
  parameter [8*64-1:0] MAC   = "dsp";
  parameter [8*64-1:0] LUTPE = "0";   // PEs per layer in LUT multipliers (mixed layers)

  wire        clk, rst_n, irq;
  wire [6:0]  awaddr, araddr;
  wire        awvalid, awready, wvalid, wready, bvalid, bready, arvalid, arready, rvalid, rready;
  wire [31:0] wdata, rdata;
  wire [3:0]  wstrb;
  wire [1:0]  bresp, rresp;
  wire [31:0] s_tdata, m_tdata;
  wire        s_tvalid, s_tready, s_tlast, m_tvalid, m_tready, m_tlast;
  wire [3:0]  s_tkeep, m_tkeep;

  qmlp_axi_host u_host (
    .clk(clk), .rst_n(rst_n),
    .awaddr(awaddr), .awvalid(awvalid), .awready(awready), .wdata(wdata), .wstrb(wstrb), .wvalid(wvalid),
    .wready(wready), .bresp(bresp), .bvalid(bvalid), .bready(bready), .araddr(araddr), .arvalid(arvalid),
    .arready(arready), .rdata(rdata), .rresp(rresp), .rvalid(rvalid), .rready(rready),
    .s_tdata(s_tdata), .s_tvalid(s_tvalid), .s_tready(s_tready), .s_tlast(s_tlast), .s_tkeep(s_tkeep),
    .m_tdata(m_tdata), .m_tvalid(m_tvalid), .m_tready(m_tready), .m_tlast(m_tlast), .m_tkeep(m_tkeep),
    .irq(irq)
  );

  qmlp_axi_mlp #(.PE(PE), .SIMD(SIMD), .WBITS(WBITS), .ABITS(ABITS), .MAC(MAC), .LUTPE(LUTPE)) u_dut (
    .ap_clk(clk), .ap_rst_n(rst_n), .interrupt(irq),
    .s_axi_control_awaddr(awaddr), .s_axi_control_awvalid(awvalid), .s_axi_control_awready(awready),
    .s_axi_control_wdata(wdata), .s_axi_control_wstrb(wstrb), .s_axi_control_wvalid(wvalid),
    .s_axi_control_wready(wready), .s_axi_control_bresp(bresp), .s_axi_control_bvalid(bvalid),
    .s_axi_control_bready(bready), .s_axi_control_araddr(araddr), .s_axi_control_arvalid(arvalid),
    .s_axi_control_arready(arready), .s_axi_control_rdata(rdata), .s_axi_control_rresp(rresp),
    .s_axi_control_rvalid(rvalid), .s_axi_control_rready(rready),
    .s_axis_tdata(s_tdata), .s_axis_tvalid(s_tvalid), .s_axis_tready(s_tready), .s_axis_tlast(s_tlast),
    .s_axis_tkeep(s_tkeep),
    .m_axis_tdata(m_tdata), .m_axis_tvalid(m_tvalid), .m_axis_tready(m_tready), .m_axis_tlast(m_tlast),
    .m_axis_tkeep(m_tkeep)
  );
endmodule
`default_nettype wire
