`default_nettype none
// qmlp_mlp_accel with a byte-wide input stream (qmlp_mlp_bytes in front): the top that the
// accelerator's pnr_ecp5 target places and routes. qmlp_mlp_accel's own input is SIMD1 bytes
// wide (392 bits at SIMD1 = 49), more than the 197 user pins of the LFE5U-85F in CABGA381;
// with bytes in and 32-bit words out the design has 45 pins. Parameters as qmlp_mlp_accel's
// ("auto": the model's default folding, from the model header the pre-build hook writes).
module qmlp_mlp_accel_bytes (
  ap_clk, ap_rst,
  s_axis_tdata, s_axis_tvalid, s_axis_tready,
  m_axis_tdata, m_axis_tvalid, m_axis_tready, m_axis_tlast
);
  parameter [8*64-1:0] PE   = "auto";
  parameter [8*64-1:0] SIMD = "auto";
  parameter [8*64-1:0] WBITS = "8";
  parameter [8*64-1:0] ABITS = "8";
  parameter [8*64-1:0] MAC   = "dsp";
  parameter [8*64-1:0] LUTPE = "0";       // PEs per layer in LUT multipliers (qmlp_mlp_accel)

`include "qmlp_mlp_list.vh"
  /* verilator lint_off UNUSEDPARAM */
`include "qmlp_roms/qmlp_mlp_model.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam [8*64-1:0] SIMD_S = (SIMD == "auto") ? MODEL_SIMD : SIMD;
  localparam integer SIMD1 = qmlp_list_item(SIMD_S, 0);

  input  wire        ap_clk;
  input  wire        ap_rst;      // synchronous, active high
  input  wire [7:0]  s_axis_tdata;
  input  wire        s_axis_tvalid;
  output wire        s_axis_tready;
  output wire [31:0] m_axis_tdata;
  output wire        m_axis_tvalid;
  input  wire        m_axis_tready;
  output wire        m_axis_tlast;

  wire [SIMD1*8-1:0] w_tdata;
  wire               w_tvalid, w_tready;

  qmlp_mlp_bytes #(.BYTES(SIMD1)) u_bytes (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .s_tdata_i(s_axis_tdata), .s_tvalid_i(s_axis_tvalid), .s_tready_o(s_axis_tready),
    .m_tdata_o(w_tdata), .m_tvalid_o(w_tvalid), .m_tready_i(w_tready)
  );

  qmlp_mlp_accel #(.PE(PE), .SIMD(SIMD), .WBITS(WBITS), .ABITS(ABITS), .MAC(MAC), .LUTPE(LUTPE)) u_accel (
    .ap_clk(ap_clk), .ap_rst(ap_rst),
    .s_axis_tdata(w_tdata), .s_axis_tvalid(w_tvalid), .s_axis_tready(w_tready),
    .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
    .m_axis_tlast(m_axis_tlast)
  );
endmodule
`default_nettype wire
