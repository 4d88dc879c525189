`default_nettype none
// Testbench glue of sim_pnr_ecp5 (not part of the design under test): the pnr_ecp5 flow routes
// qmlp_mlp_accel_bytes (byte-wide input, 45 pins), but qmlp:accel:mlp's testbench drives
// qmlp_mlp_accel with SIMD1-byte beats. This module, named like the accelerator so that the
// testbench compiles unchanged, takes each beat and hands its bytes, lowest first (the order
// qmlp_mlp_bytes reassembles them in), to the routed netlist, one per cycle; outputs pass
// straight through. The testbench's cycles_per_image is then that of the byte-input design.
// The parameters are the testbench's override; only SIMD's first number (the beat width) is
// used, and it is taken from the port width of the netlist instead.
module qmlp_mlp_accel (
  ap_clk, ap_rst,
  s_axis_tdata, s_axis_tvalid, s_axis_tready,
  m_axis_tdata, m_axis_tvalid, m_axis_tready, m_axis_tlast
);
  parameter [8*64-1:0] PE    = "4,16,2";
  parameter [8*64-1:0] SIMD  = "49,1,1";
  parameter [8*64-1:0] WBITS = "8";
  parameter [8*64-1:0] ABITS = "8";
  parameter [8*64-1:0] MAC   = "dsp";
  // bytes per beat: the first number of SIMD
  function integer first_num(input [8*64-1:0] s);
    integer i, v, seen;
    begin
      v = 0; seen = 0; first_num = 0;
      for (i = 63; i >= 0; i = i - 1) begin
        if (s[i*8 +: 8] >= "0" && s[i*8 +: 8] <= "9") begin v = v * 10 + (s[i*8 +: 8] - "0"); seen = 1; end
        else if (seen && first_num == 0) first_num = v;
      end
      if (first_num == 0) first_num = v;
    end
  endfunction
  localparam integer NB = first_num(SIMD);

  input  wire              ap_clk;
  input  wire              ap_rst;
  input  wire [NB*8-1:0]   s_axis_tdata;
  input  wire              s_axis_tvalid;
  output wire              s_axis_tready;
  output wire [31:0]       m_axis_tdata;
  output wire              m_axis_tvalid;
  input  wire              m_axis_tready;
  output wire              m_axis_tlast;

  reg  [NB*8-1:0] word;
  reg  [31:0]     left;          // bytes of `word` still to hand over
  wire            b_tready;
  wire            b_tvalid = left != 0;

  // the next beat is taken as the last byte of this one goes: no gap between beats
  assign s_axis_tready = !ap_rst && (left == 0 || (left == 1 && b_tready));

  always @(posedge ap_clk) begin
    if (ap_rst) begin
      left <= 0;
    end else if (s_axis_tvalid && s_axis_tready) begin
      word <= s_axis_tdata;
      left <= NB;
    end else if (b_tvalid && b_tready) begin
      word <= word >> 8;
      left <= left - 1;
    end
  end

  qmlp_mlp_accel_bytes u_netlist (
    .ap_clk(ap_clk), .ap_rst(ap_rst),
    .s_axis_tdata(word[7:0]), .s_axis_tvalid(b_tvalid), .s_axis_tready(b_tready),
    .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast)
  );
endmodule
`default_nettype wire
