`default_nettype none
// Testbench glue of sim_pnr_ecp5 (not part of the design under test): the pnr_ecp5 flow routes
// qmlp_mlp_accel_bytes (byte-wide input, 45 pins), but qmlp:accel:mlp's testbench drives
// qmlp_mlp_accel with SIMD1-byte beats. This module, named like the accelerator so that the
// testbench compiles unchanged, takes each beat and hands its bytes, lowest first (the order
// qmlp_mlp_bytes reassembles them in), to the routed netlist, one per cycle; outputs pass
// straight through. The testbench's cycles_per_image is then that of the byte-input design.
// The parameters are the testbench's override; only SIMD's first number (the beat width) is
// used, "auto" resolved from the model header as in qmlp_mlp_accel_bytes.
module qmlp_mlp_accel (
  ap_clk, ap_rst,
  s_axis_tdata, s_axis_tvalid, s_axis_tready,
  m_axis_tdata, m_axis_tvalid, m_axis_tready, m_axis_tlast
);
  parameter [8*64-1:0] PE    = "auto";
  parameter [8*64-1:0] SIMD  = "auto";
  parameter [8*64-1:0] WBITS = "8";
  parameter [8*64-1:0] ABITS = "8";
  parameter [8*64-1:0] MAC   = "dsp";
  parameter [8*64-1:0] LUTPE = "0";

  // bytes per beat: layer 1's SIMD, resolved like qmlp_mlp_accel_bytes does ("auto": the
  // model header's MODEL_SIMD)
`include "qmlp_mlp_list.vh"
  /* verilator lint_off UNUSEDPARAM */
`include "qmlp_roms/qmlp_mlp_model.vh"
  /* verilator lint_on UNUSEDPARAM */
  localparam [8*64-1:0] SIMD_S = (SIMD == "auto") ? MODEL_SIMD : SIMD;
  localparam integer NB = qmlp_list_item(SIMD_S, 0);

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
