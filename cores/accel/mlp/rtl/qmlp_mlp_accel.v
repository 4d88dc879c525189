`default_nettype none
// qmlp:accel:mlp — any MLP of the network spec in integers, weights in block-RAM ROMs.
//
//   s_axis (K1/SIMD1 beats per image) -> input slots -> layer 1 (PE1 x SIMD1 MACs/cycle)
//     -> 3 activation slots -> layer 2 -> ... -> layer NL -> 2 logit slots
//     -> m_axis (N_NL int32 logits, then the class with tlast)
//
// The layers overlap: each works on its own image, so one image leaves every
// max_l (N_l/PE_l)*(K_l/SIMD_l) cycles. The design point is the parameters PE and SIMD, one
// number per layer as a comma-separated string ("4,16,2"; "auto" takes the model's default
// folding, written by the hook): FuseSoC passes `--PE=4,16,2` straight through, and any design
// point elaborates from the same source.
// What comes from the trained model is data, written into the run's work root by the
// `qmlp hook accel` pre-build hook: the ROM files and qmlp_roms/qmlp_mlp_model.vh, which holds
// the network (layer count NL; per layer its inputs, outputs, activation kind, output format,
// requantization shift and bias flag) and the constants of its fixed-point formats. The chain
// below is a generate loop over those layers; the arithmetic is intnet.py's, bit for bit.
// WBITS sets the weight bits per layer (8, 4, 2): the ROM words pack PE*SIMD weight codes of WB
// bits. Activations stay in byte containers (sign-extended codes); each multiplier takes only
// the bits of its layer's input format (L_XB), so synthesis sizes it to WB x XB. ABITS is
// checked against the model by the hook; the hardware takes the formats from the header.
// MAC picks per layer how the products are built (qmlp_mlp_layer): dsp, dsp2 (two per DSP48),
// lut; the results are the same bit for bit. LUTPE moves the last LUTPE PEs of a layer into
// LUT multipliers whatever its MAC style (a mixed layer: DSP48s and LUTs side by side).
// ROM files: qmlp_roms/<name>.mem relative to the run (simulators, Yosys); Vivado finds the
// files it read with read_mem by their bare name (define QMLP_ROMS_BY_NAME; qmlp_file()).
// The port list is in the Verilog-1995 style so that port widths can use the localparams
// decoded from the list parameters and the model header.
module qmlp_mlp_accel (
  ap_clk, ap_rst,
  s_axis_tdata, s_axis_tvalid, s_axis_tready,
  m_axis_tdata, m_axis_tvalid, m_axis_tready, m_axis_tlast
);
  // list parameters are 64-character strings (qmlp_mlp_list.vh); a shorter value is zero-padded
  parameter [8*64-1:0] PE   = "auto";      // neurons computed in parallel, per layer
  parameter [8*64-1:0] SIMD = "auto";      // inputs consumed per cycle, per layer
  parameter [8*64-1:0] WBITS = "8";        // weight bits per layer (8, 4, 2, 1 = bipolar; one value = every layer)
  /* verilator lint_off UNUSEDPARAM */
  parameter [8*64-1:0] ABITS = "8";        // activation bits per hidden layer (checked by the hook; formats: L_XB)
  /* verilator lint_on UNUSEDPARAM */
  parameter [8*64-1:0] MAC  = "dsp";       // MAC style per layer: dsp, dsp2, lut (one value = every layer)
  parameter [8*64-1:0] LUTPE = "0";        // PEs per layer in lut lanes whatever MAC says (mixed layers; one value = every layer)

`include "qmlp_mlp_list.vh"
`include "qmlp_roms/qmlp_mlp_model.vh"

  // the design point: as given, or the model's default folding (MODEL_PE, MODEL_SIMD)
  localparam [8*64-1:0] PE_S   = (PE == "auto") ? MODEL_PE : PE;
  localparam [8*64-1:0] SIMD_S = (SIMD == "auto") ? MODEL_SIMD : SIMD;
  localparam integer K1    = qmlp_vec_item(L_K, 0);
  localparam integer SIMD1 = qmlp_list_item(SIMD_S, 0);
  localparam integer NOUT  = qmlp_vec_item(L_N, NL - 1);
  localparam integer PEL   = qmlp_list_item(PE_S, NL - 1);
  localparam integer W1    = K1 / SIMD1;
  localparam integer NB    = 3;          // activation slots between layers
`ifdef QMLP_ECP5_MULT
  localparam integer ECP5  = `QMLP_ECP5_MULT;   // set by the pnr_ecp5 targets (qmlp:accel:mac)
`else
  localparam integer ECP5  = 0;
`endif

  input  wire                 ap_clk;
  input  wire                 ap_rst;     // synchronous, active high
  input  wire [SIMD1*8-1:0]   s_axis_tdata;
  input  wire                 s_axis_tvalid;
  output wire                 s_axis_tready;
  output wire [31:0]          m_axis_tdata;
  output wire                 m_axis_tvalid;
  input  wire                 m_axis_tready;
  output wire                 m_axis_tlast;

`ifndef SYNTHESIS
  integer c;
  initial begin
    if (NL < 1 || NL > QMLP_MAX_LAYERS || qmlp_list_len(PE_S) != NL || qmlp_list_len(SIMD_S) != NL) begin
      $display("ERROR: qmlp_mlp_accel: PE=%0s and SIMD=%0s must each be %0d positive numbers (one per layer)",
               PE_S, SIMD_S, NL);
      $finish;
    end
    if ((qmlp_list_len(WBITS) != 1 && qmlp_list_len(WBITS) != NL) ||
        (qmlp_list_len(MAC) != 1 && qmlp_list_len(MAC) != NL) ||
        (qmlp_list_len(LUTPE) != 1 && qmlp_list_len(LUTPE) != NL)) begin
      $display("ERROR: qmlp_mlp_accel: WBITS=%0s, MAC=%0s and LUTPE=%0s need one value or %0d", WBITS, MAC, LUTPE, NL);
      $finish;
    end
    for (c = 0; c < NL; c = c + 1) begin
      if (qmlp_list_item(PE_S, c) < 1 || qmlp_list_item(SIMD_S, c) < 1 || qmlp_list_at(WBITS, c) < 1 ||
          qmlp_list_at(WBITS, c) > 8 || qmlp_mac_code(qmlp_list_word_at(MAC, c)) < 0) begin
        $display("ERROR: qmlp_mlp_accel: layer %0d: PE=%0s SIMD=%0s WBITS=%0s MAC=%0s", c + 1, PE_S, SIMD_S, WBITS, MAC);
        $finish;
      end
    end
  end
`endif

  // ---------------------------------------------------------------- input
  wire [1:0]              in_full;
  wire                    in_we, in_wslot, in_commit;
  wire [$clog2(W1 > 1 ? W1 : 2)-1:0] in_waddr;

  qmlp_mlp_in #(.WORDS(W1)) u_in (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .s_tvalid_i(s_axis_tvalid), .s_tready_o(s_axis_tready), .full_i(in_full),
    .we_o(in_we), .wslot_o(in_wslot), .waddr_o(in_waddr), .commit_o(in_commit)
  );

  // ---------------------------------------------------------------- output side (last layer's logits)
  wire [1:0]    out_full;
  wire          out_we, out_commit, out_wslot, out_commit_slot;
  wire [$clog2(NOUT / PEL > 1 ? NOUT / PEL : 2)-1:0] out_waddr;
  wire [PEL*32-1:0] out_wdata;

  // ---------------------------------------------------------------- the layers
  // Iteration l holds the buffer layer l reads (the input slots for l = 0, else the slots layer
  // l-1 writes) and layer l. The buffer's full flags go to both sides: its reader here, its
  // writer as g_l[l+1].full_w (a copy of the same flags).
  genvar l;
  generate
    for (l = 0; l < NL; l = l + 1) begin : g_l
      localparam integer K    = qmlp_vec_item(L_K, l);
      localparam integer N    = qmlp_vec_item(L_N, l);
      localparam integer P    = qmlp_list_item(PE_S, l);
      localparam integer S    = qmlp_list_item(SIMD_S, l);
      localparam integer LST  = (l == NL - 1) ? 1 : 0;
      localparam integer NBI  = (l == 0) ? 2 : NB;
      localparam integer NBO  = (LST != 0) ? 2 : NB;
      localparam integer SWI  = $clog2(NBI);
      localparam integer SWO  = $clog2(NBO);
      localparam integer CAW  = $clog2(K / S > 1 ? K / S : 2);
      localparam integer GAW  = $clog2(N / P > 1 ? N / P : 2);
      localparam integer OW   = (LST != 0) ? 32 : 8;
      // the bytes the buffer is written with, and on ECP5 the copies of its read address: one
      // per 16 bits of a word that is read a piece at a time (qmlp_mlp_slots g_dist, r24 of
      // docs/fmax.md), so that no copy drives more than a few distributed-RAM read ports
      localparam integer WRB  = (l == 0) ? S : qmlp_list_item(PE_S, l - 1);
      localparam integer RCP  = (ECP5 != 0 && WRB > S) ? ((WRB % 2 == 0) ? WRB / 2 : WRB) : 1;

      // the buffer this layer reads (full: its flags for this layer; full_w: the same flags,
      // a copy for the buffer's writer)
      wire [NBI-1:0] full, full_w;
      wire [SWI-1:0] rslot, rel_slot;
      wire [RCP*CAW-1:0] raddr;
      wire [S*8-1:0] rdata;
      wire           rel;
      // what this layer writes
      wire           we, commit;
      wire [SWO-1:0] wslot, cslot;
      wire [GAW-1:0] waddr;
      wire [P*OW-1:0] wdata;
      wire [NBO-1:0] ofull;

      if (l == 0) begin : g_buf
        qmlp_mlp_slots #(.K(K), .WR(S), .RD(S), .NBUF(2), .WREG(1)) u_buf (
          .clk_i(ap_clk), .rst_i(ap_rst),
          .we_i(in_we), .wslot_i(in_wslot), .waddr_i(in_waddr), .wdata_i(s_axis_tdata),
          .commit_i(in_commit), .commit_slot_i(in_wslot),
          .rslot_i(rslot), .raddr_i(raddr), .rdata_o(rdata),
          .release_i(rel), .release_slot_i(rel_slot), .full_o(full), .full_w_o(full_w)
        );
      end else begin : g_buf
        qmlp_mlp_slots #(.K(K), .WR(WRB), .RD(S), .NBUF(NB), .RCP(RCP)) u_buf (
          .clk_i(ap_clk), .rst_i(ap_rst),
          .we_i(g_l[l-1].we), .wslot_i(g_l[l-1].wslot), .waddr_i(g_l[l-1].waddr), .wdata_i(g_l[l-1].wdata),
          .commit_i(g_l[l-1].commit), .commit_slot_i(g_l[l-1].cslot),
          .rslot_i(rslot), .raddr_i(raddr), .rdata_o(rdata),
          .release_i(rel), .release_slot_i(rel_slot), .full_o(full), .full_w_o(full_w)
        );
      end

      if (LST != 0) begin : g_of
        assign ofull           = out_full;
        assign out_we          = we;
        assign out_wslot       = wslot;
        assign out_waddr       = waddr;
        assign out_wdata       = wdata;
        assign out_commit      = commit;
        assign out_commit_slot = cslot;
      end else begin : g_of
        assign ofull = g_l[l+1].full_w;
      end

      qmlp_mlp_layer #(
        .K(K), .N(N), .PE(P), .SIMD(S), .WB(qmlp_list_at(WBITS, l)), .AB(qmlp_vec_item(L_XB, l)),
        .MAC(qmlp_mac_code(qmlp_list_word_at(MAC, l))), .LUTPE(qmlp_list_at(LUTPE, l)), .ACT(qmlp_vec_item(L_ACT, l)),
        .SHIFT(qmlp_vec_item(L_SHIFT, l)), .OB(qmlp_vec_item(L_OB, l)), .OUNS(qmlp_vec_item(L_OUNS, l)),
        .IDX_BITS(IDX_BITS), .BIAS(qmlp_vec_item(L_BIAS, l)), .NBUF_IN(NBI), .NBUF_OUT(NBO), .RCP(RCP),
        .NT(qmlp_vec_item(L_NT, l) > 0 ? qmlp_vec_item(L_NT, l) : 1),      // thresholds (ACT 3)
        .THW(qmlp_vec_item(L_TW, l) > 0 ? qmlp_vec_item(L_TW, l) : 1),
        .ROM_FILE(qmlp_file(0, l)), .LUT_FILE(qmlp_file(1, l)), .BIAS_FILE(qmlp_file(2, l)),
        .THR_FILE(qmlp_file(3, l))
      ) u_layer (
        .clk_i(ap_clk), .rst_i(ap_rst),
        .in_full_i(full), .in_slot_o(rslot), .in_addr_o(raddr), .in_data_i(rdata),
        .in_release_o(rel), .in_release_slot_o(rel_slot),
        .out_full_i(ofull), .out_we_o(we), .out_slot_o(wslot), .out_addr_o(waddr),
        .out_data_o(wdata), .out_commit_o(commit), .out_commit_slot_o(cslot)
      );
    end
  endgenerate

  assign in_full = g_l[0].full_w;

  qmlp_mlp_out #(.N(NOUT), .PE(PEL)) u_out (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .we_i(out_we), .wslot_i(out_wslot), .waddr_i(out_waddr), .wdata_i(out_wdata),
    .commit_i(out_commit), .commit_slot_i(out_commit_slot), .full_o(out_full),
    .m_tdata_o(m_axis_tdata), .m_tvalid_o(m_axis_tvalid), .m_tready_i(m_axis_tready), .m_tlast_o(m_axis_tlast)
  );
endmodule
`default_nettype wire
