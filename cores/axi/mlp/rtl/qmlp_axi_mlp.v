`default_nettype none
// qmlp:axi:mlp - qmlp_mlp_accel behind AXI4-Lite control and 32-bit AXI4-Streams, for AXI DMA in
// simple mode (PYNQ-Z2). Register map and stream layouts: python/qmlp/driver/regs.py.
// The network is the model's (qmlp_roms/qmlp_mlp_model.vh): K1 inputs, NOUT classes, NL layers.
//
//   s_axis: COUNT images x WPI = ceil(K1/4) words (4 input codes per word, byte 0 first; an
//     image's last word is zero-padded when K1 is not a multiple of 4), TLAST on the very last word
//     -> qmlp_axi_gear (32 bits -> SIMD1 bytes, the padding bytes dropped) -> qmlp_mlp_accel
//     -> its m_axis (NOUT logits + class per image, tlast per image) -> output register
//   m_axis: COUNT x OPI = NOUT + 1 words, TLAST only on the last image's class word
//
// A transfer: write COUNT, write CTRL.ap_start; the core takes exactly COUNT*WPI words. Words are
// checked as they come (qmlp_axi_xfer, shared with qmlp_axi_matmul): TLAST early (SHORT), the
// last word without TLAST (NOLAST), no word offered for TIMEOUT cycles (TIMEOUT), a write to
// ABORT, or COUNT = 0 (CONFIG) end the transfer: the output register finishes the word it holds,
// then sends ERROR_BEAT | STATUS with TLAST (so the DMA's S2MM completes), the accelerator is
// reset (its half-read image discarded) and the core is idle again with ap_done set. While idle (and while ending with an error) input words are
// accepted and dropped (DROPPED, STATUS.DRAINED): a long transfer's rest never blocks the DMA.
// The output register has its own valid bit, so TVALID/TDATA never change before a handshake,
// and it is loaded in the cycle it empties (one word per cycle under no back-pressure).
// Configuration (register map version 2): NET/INPUTS/CLASSES/LAYOUT describe the network and the
// streams; the per-layer words L_* describe the layer the LAYER register selects, so a driver
// reads any depth of network through the same fixed window.
module qmlp_axi_mlp (
  ap_clk, ap_rst_n, interrupt,
  s_axi_control_awaddr, s_axi_control_awvalid, s_axi_control_awready,
  s_axi_control_wdata, s_axi_control_wstrb, s_axi_control_wvalid, s_axi_control_wready,
  s_axi_control_bresp, s_axi_control_bvalid, s_axi_control_bready,
  s_axi_control_araddr, s_axi_control_arvalid, s_axi_control_arready,
  s_axi_control_rdata, s_axi_control_rresp, s_axi_control_rvalid, s_axi_control_rready,
  s_axis_tdata, s_axis_tvalid, s_axis_tready, s_axis_tlast, s_axis_tkeep,
  m_axis_tdata, m_axis_tvalid, m_axis_tready, m_axis_tlast, m_axis_tkeep
);
  // the accelerator's list parameters, passed through unchanged (see qmlp_mlp_accel); "auto" =
  // the model's default folding (MODEL_PE / MODEL_SIMD of the model header)
  parameter [8*64-1:0] PE    = "auto";
  parameter [8*64-1:0] SIMD  = "auto";
  parameter [8*64-1:0] WBITS = "8";
  parameter [8*64-1:0] ABITS = "8";
  parameter [8*64-1:0] MAC   = "dsp";
  parameter [8*64-1:0] LUTPE = "0";   // PEs per layer in LUT multipliers (mixed layers)

`include "qmlp_mlp_list.vh"
  // the network (NL, L_K, L_N, per-layer formats), the default folding and ROM_CHECKSUM
  /* verilator lint_off UNUSEDPARAM */
`include "qmlp_roms/qmlp_mlp_model.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam [8*64-1:0] PE_S   = (PE == "auto") ? MODEL_PE : PE;
  localparam [8*64-1:0] SIMD_S = (SIMD == "auto") ? MODEL_SIMD : SIMD;
  localparam integer SIMD1 = qmlp_list_item(SIMD_S, 0);
  localparam integer MAXL  = QMLP_MAX_LAYERS;

  // read-only configuration words (regs.py mlp_config): MAGIC, ID, NET, INPUTS, CLASSES, 0,
  // CHECKSUM, LAYOUT, LAYOUT_B = 0, then the selected layer's L_K, L_N, L_PE, L_SIMD, L_BITS, L_SHIFT
  // the header's per-layer vectors: MAXL items each, zero beyond NL (qmlp.hw.roms.model_header)
  localparam [32*MAXL-1:0] V_K = L_K, V_N = L_N, V_XB = L_XB, V_OB = L_OB, V_OUNS = L_OUNS, V_BIAS = L_BIAS,
    V_ACT = L_ACT, V_SHIFT = L_SHIFT;
  localparam integer K1    = qmlp_vec_item(V_K, 0);            // input codes per image
  localparam integer NOUT  = qmlp_vec_item(V_N, NL - 1);       // classes = logits per image
  localparam integer WPI   = (K1 + 3) / 4;                     // input words per image
  localparam integer OPI   = NOUT + 1;                         // output words per image
  localparam integer LASTB = K1 - 4 * (WPI - 1);               // bytes that count in an image's last word
  localparam integer IWW   = $clog2(WPI > 1 ? WPI : 2);        // image word counter width
  localparam [IWW-1:0] WPI_LAST = WPI[IWW-1:0] - 1'b1;
  localparam [2:0]     LASTB3   = LASTB[2:0];
  localparam [31:0] C_NET    = NL;
  localparam [31:0] C_LAYOUT = WPI | (OPI << 16);
  localparam [31:0] C_ID     = 32'h0000_0200;                  // kind 0 (mlp), map version 2

  // per-layer tables, layer l at bits [32l +: 32] (zero beyond NL)
  wire [32*MAXL-1:0] t_k, t_n, t_pe, t_simd, t_bits, t_shift;
  genvar g;
  generate
    for (g = 0; g < MAXL; g = g + 1) begin : g_tab
      if (g < NL) begin : g_on
        assign t_k[32*g +: 32]     = qmlp_vec_item(V_K, g);
        assign t_n[32*g +: 32]     = qmlp_vec_item(V_N, g);
        assign t_pe[32*g +: 32]    = qmlp_list_item(PE_S, g);
        assign t_simd[32*g +: 32]  = qmlp_list_item(SIMD_S, g);
        // WBITS [3:0], input code bits [7:4], output bits [13:8] (32 for the logits), output
        // unsigned [14], bias [15], activation kind [19:16] (L_ACT), MAC style [23:20]
        assign t_bits[32*g +: 32]  = qmlp_list_at(WBITS, g) | (qmlp_vec_item(V_XB, g) << 4)
                                   | (qmlp_vec_item(V_OB, g) << 8) | (qmlp_vec_item(V_OUNS, g) << 14)
                                   | (qmlp_vec_item(V_BIAS, g) << 15) | (qmlp_vec_item(V_ACT, g) << 16)
                                   | (qmlp_mac_code(qmlp_list_word_at(MAC, g)) << 20);
        assign t_shift[32*g +: 32] = qmlp_vec_item(V_SHIFT, g);
      end else begin : g_off
        assign t_k[32*g +: 32] = 32'd0;
        assign t_n[32*g +: 32] = 32'd0;
        assign t_pe[32*g +: 32] = 32'd0;
        assign t_simd[32*g +: 32] = 32'd0;
        assign t_bits[32*g +: 32] = 32'd0;
        assign t_shift[32*g +: 32] = 32'd0;
      end
    end
  endgenerate

  input  wire        ap_clk;
  input  wire        ap_rst_n;             // synchronous, active low
  /* verilator lint_off SYMRSVDWORD */
  output wire        interrupt;          // the port name Vivado's IP integrator expects
  /* verilator lint_on SYMRSVDWORD */
  input  wire [6:0]  s_axi_control_awaddr;
  input  wire        s_axi_control_awvalid;
  output wire        s_axi_control_awready;
  input  wire [31:0] s_axi_control_wdata;
  input  wire [3:0]  s_axi_control_wstrb;
  input  wire        s_axi_control_wvalid;
  output wire        s_axi_control_wready;
  output wire [1:0]  s_axi_control_bresp;
  output wire        s_axi_control_bvalid;
  input  wire        s_axi_control_bready;
  input  wire [6:0]  s_axi_control_araddr;
  input  wire        s_axi_control_arvalid;
  output wire        s_axi_control_arready;
  output wire [31:0] s_axi_control_rdata;
  output wire [1:0]  s_axi_control_rresp;
  output wire        s_axi_control_rvalid;
  input  wire        s_axi_control_rready;
  input  wire [31:0] s_axis_tdata;
  input  wire        s_axis_tvalid;
  output wire        s_axis_tready;
  input  wire        s_axis_tlast;
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [3:0]  s_axis_tkeep;         // whole words only (the DMA sends whole words)
  /* verilator lint_on UNUSEDSIGNAL */
  output wire [31:0] m_axis_tdata;
  output wire        m_axis_tvalid;
  input  wire        m_axis_tready;
  output wire        m_axis_tlast;
  output wire [3:0]  m_axis_tkeep;

  wire rst = !ap_rst_n;

  // ---------------------------------------------------------------- control registers
  wire        start, abort, idle, done, ready;
  wire [31:0] count, timeout;
  wire [15:0] status_set;
  wire [31:0] cycles, beats_in, beats_out, dropped;

  /* verilator lint_off UNUSEDSIGNAL */
  wire [31:0] mode;                        // no mode bits in this core
  /* verilator lint_on UNUSEDSIGNAL */

  // the LAYER register picks the per-layer words; a layer beyond the network reads zeros
  wire [31:0] layer;
  wire        l_ok = layer < NL;
  wire [3:0]  ls   = layer[3:0];
  wire [31:0] l_k     = l_ok ? t_k[32*ls +: 32] : 32'd0;
  wire [31:0] l_n     = l_ok ? t_n[32*ls +: 32] : 32'd0;
  wire [31:0] l_pe    = l_ok ? t_pe[32*ls +: 32] : 32'd0;
  wire [31:0] l_simd  = l_ok ? t_simd[32*ls +: 32] : 32'd0;
  wire [31:0] l_bits  = l_ok ? t_bits[32*ls +: 32] : 32'd0;
  wire [31:0] l_shift = l_ok ? t_shift[32*ls +: 32] : 32'd0;
  wire [15*32-1:0] cfg = {l_shift, l_bits, l_simd, l_pe, l_n, l_k, 32'd0, C_LAYOUT, ROM_CHECKSUM, 32'd0,
                          NOUT[31:0], K1[31:0], C_NET, C_ID, 32'h514D_4C50};

  qmlp_axi_ctrl #(.NCFG(15)) u_ctrl (
    .clk_i(ap_clk), .rst_i(rst),
    .awaddr_i(s_axi_control_awaddr), .awvalid_i(s_axi_control_awvalid), .awready_o(s_axi_control_awready),
    .wdata_i(s_axi_control_wdata), .wstrb_i(s_axi_control_wstrb), .wvalid_i(s_axi_control_wvalid),
    .wready_o(s_axi_control_wready), .bresp_o(s_axi_control_bresp), .bvalid_o(s_axi_control_bvalid),
    .bready_i(s_axi_control_bready), .araddr_i(s_axi_control_araddr), .arvalid_i(s_axi_control_arvalid),
    .arready_o(s_axi_control_arready), .rdata_o(s_axi_control_rdata), .rresp_o(s_axi_control_rresp),
    .rvalid_o(s_axi_control_rvalid), .rready_i(s_axi_control_rready),
    .start_o(start), .idle_i(idle), .done_i(done), .ready_i(ready), .status_set_i(status_set),
    .abort_o(abort), .count_o(count), .mode_o(mode), .timeout_o(timeout),
    .cycles_i(cycles), .beats_in_i(beats_in), .beats_out_i(beats_out), .dropped_i(dropped),
    .cfg_i(cfg), .layer_o(layer), .interrupt_o(interrupt)
  );

  // ---------------------------------------------------------------- transfer control
  // COUNT images of WPI words in, OPI words out each; busy = the accelerator runs. The checks,
  // the watchdog, the drain, the error beat and the output register: qmlp_axi_xfer.
  wire        busy, flush, word, o_free;
  /* verilator lint_off UNUSEDSIGNAL */
  wire        err;                         // the accelerator is reset by flush
  /* verilator lint_on UNUSEDSIGNAL */
  wire        gear_rdy;
  wire [31:0] r_tdata;
  wire        r_tvalid, r_tready, r_tlast;
  reg  [31:0] img_out_q;                   // images sent
  reg  [31:0] last_img_q;                  // COUNT - 1

  qmlp_axi_xfer u_xfer (
    .clk_i(ap_clk), .rst_i(rst),
    .start_i(start), .abort_i(abort), .timeout_i(timeout), .idle_o(idle), .done_o(done), .ready_o(ready),
    .status_set_o(status_set), .cycles_o(cycles), .beats_in_o(beats_in), .beats_out_o(beats_out),
    .dropped_o(dropped),
    .cfg_err_i(count == 32'd0), .last_in_i(count * WPI - 32'd1), .busy_o(busy), .err_o(err), .flush_o(flush),
    .s_tvalid_i(s_axis_tvalid), .s_tlast_i(s_axis_tlast), .s_tready_o(s_axis_tready),
    .want_i(1'b1), .take_i(gear_rdy), .word_o(word),
    .load_i(r_tvalid && r_tready), .load_data_i(r_tdata), .load_last_i(r_tlast && (img_out_q == last_img_q)),
    .o_free_o(o_free), .m_tdata_o(m_axis_tdata), .m_tvalid_o(m_axis_tvalid), .m_tready_i(m_axis_tready),
    .m_tlast_o(m_axis_tlast)
  );
  assign m_axis_tkeep = 4'hF;

  // ---------------------------------------------------------------- accelerator
  wire [SIMD1*8-1:0] a_tdata;
  wire               a_tvalid, a_tready;
  wire               acc_rst  = rst || flush;     // an error's half-read image is discarded
  reg  [IWW-1:0]     img_w_q;                     // word of the current image: 0 .. WPI-1
  assign r_tready = busy && o_free;

  // an image's last word carries LASTB codes (4 when K1 is a multiple of 4), the rest is padding
  wire [2:0] in_nbytes = (img_w_q == WPI_LAST) ? LASTB3 : 3'd4;

  qmlp_axi_gear #(.BYTES(SIMD1)) u_gear (
    .clk_i(ap_clk), .rst_i(acc_rst),
    .s_tdata_i(s_axis_tdata), .s_tvalid_i(word), .s_nbytes_i(in_nbytes), .s_tready_o(gear_rdy),
    .m_tdata_o(a_tdata), .m_tvalid_o(a_tvalid), .m_tready_i(a_tready)
  );

  qmlp_mlp_accel #(.PE(PE_S), .SIMD(SIMD_S), .WBITS(WBITS), .ABITS(ABITS), .MAC(MAC), .LUTPE(LUTPE)) u_accel (
    .ap_clk(ap_clk), .ap_rst(acc_rst),
    .s_axis_tdata(a_tdata), .s_axis_tvalid(a_tvalid), .s_axis_tready(a_tready),
    .m_axis_tdata(r_tdata), .m_axis_tvalid(r_tvalid), .m_axis_tready(r_tready), .m_axis_tlast(r_tlast)
  );

  // the image counters: where in an image the input is (padding), which image the output is at (TLAST)
  always @(posedge ap_clk) begin
    if (rst) begin
      img_w_q <= {IWW{1'b0}}; img_out_q <= 32'd0; last_img_q <= 32'd0;
    end else if (start) begin
      img_w_q <= {IWW{1'b0}}; img_out_q <= 32'd0; last_img_q <= count - 32'd1;
    end else begin
      if (word) img_w_q <= (img_w_q == WPI_LAST) ? {IWW{1'b0}} : img_w_q + 1'b1;
      if (r_tvalid && r_tready && r_tlast) img_out_q <= img_out_q + 32'd1;
    end
  end
endmodule
`default_nettype wire
