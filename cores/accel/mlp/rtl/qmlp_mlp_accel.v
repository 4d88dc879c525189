`default_nettype none
// qmlp:accel:mlp — the whole 784-128-64-10 MLP in integers, weights in block-RAM ROMs.
//
//   s_axis (K1/SIMD1 beats per image) -> input slots -> layer 1 (PE1 x SIMD1 MACs/cycle)
//     -> 3 activation slots -> layer 2 -> 3 slots -> layer 3 -> 2 logit slots
//     -> m_axis (10 int32 logits, then the class with tlast)
//
// The layers overlap: each works on its own image, so one image leaves every
// max_l (N_l/PE_l)*(K_l/SIMD_l) cycles. The design point is the parameters PE and SIMD, one
// number per layer as a comma-separated string ("4,16,2"): FuseSoC passes `--PE=4,16,2`
// straight through, and any design point elaborates from the same source.
// What comes from the trained model is data, written into the run's work root by the
// `qmlp hook accel` pre-build hook: the ROM files and qmlp_roms/qmlp_mlp_model.vh, which holds
// the requantization shifts and the tanh table's index width (constants of the model's fixed
// point formats, not of the design point). The arithmetic is intnet.py's, bit for bit.
// WBITS and ABITS set the weight and activation widths per layer (8, 4, 2): the ROM words pack
// PE*SIMD weight codes of WB bits; activations stay in byte containers (sign-extended codes),
// and each multiplier takes only the bits it needs, so synthesis sizes it to WB x AB.
// MAC picks per layer how the products are built (qmlp_mlp_layer): dsp, dsp2 (two per DSP48),
// lut; the results are the same bit for bit.
// ROM files: qmlp_roms/<name>.mem relative to the run (simulators, Yosys); Vivado finds the
// files it read with read_mem by their bare name (define QMLP_ROMS_BY_NAME).
// The port list is in the Verilog-1995 style so that port widths can use the localparams
// decoded from the list parameters.
`ifdef QMLP_ROMS_BY_NAME
`define QMLP_ROM(f) f
`else
`define QMLP_ROM(f) {"qmlp_roms/", f}
`endif

module qmlp_mlp_accel (
  ap_clk, ap_rst,
  s_axis_tdata, s_axis_tvalid, s_axis_tready,
  m_axis_tdata, m_axis_tvalid, m_axis_tready, m_axis_tlast
);
  // list parameters are 64-character strings (qmlp_mlp_list.vh); a shorter value is zero-padded
  parameter [8*64-1:0] PE   = "4,16,2";    // neurons computed in parallel, per layer
  parameter [8*64-1:0] SIMD = "49,1,1";    // inputs consumed per cycle, per layer
  parameter [8*64-1:0] WBITS = "8";        // weight bits per layer (8, 4, 2; one value = every layer)
  parameter [8*64-1:0] ABITS = "8";        // activation bits per hidden layer (8, 4, 2; one value = both)
  parameter [8*64-1:0] MAC  = "dsp";       // MAC style per layer: dsp, dsp2, lut (one value = every layer)

`include "qmlp_mlp_list.vh"
`include "qmlp_roms/qmlp_mlp_model.vh"

  localparam integer K1 = 784, N1 = 128, PE1 = qmlp_list_item(PE, 0), SIMD1 = qmlp_list_item(SIMD, 0);
  localparam integer K2 = 128, N2 = 64,  PE2 = qmlp_list_item(PE, 1), SIMD2 = qmlp_list_item(SIMD, 1);
  localparam integer K3 = 64,  N3 = 10,  PE3 = qmlp_list_item(PE, 2), SIMD3 = qmlp_list_item(SIMD, 2);
  localparam integer WB1 = qmlp_list_at(WBITS, 0), WB2 = qmlp_list_at(WBITS, 1), WB3 = qmlp_list_at(WBITS, 2);
  localparam integer AB1 = qmlp_list_at(ABITS, 0), AB2 = qmlp_list_at(ABITS, 1);
  localparam integer MAC1 = qmlp_mac_code(qmlp_list_word_at(MAC, 0)), MAC2 = qmlp_mac_code(qmlp_list_word_at(MAC, 1)),
                     MAC3 = qmlp_mac_code(qmlp_list_word_at(MAC, 2));
  localparam integer W1 = K1 / SIMD1;
  localparam integer NB = 3;          // activation slots between layers
  localparam integer SW = 2;          // slot index width for NB = 3

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
  initial begin
    if (qmlp_list_len(PE) != 3 || qmlp_list_len(SIMD) != 3 || PE1 < 1 || PE2 < 1 || PE3 < 1 ||
        SIMD1 < 1 || SIMD2 < 1 || SIMD3 < 1) begin
      $display("ERROR: qmlp_mlp_accel: PE=%0s and SIMD=%0s must each be 3 positive numbers", PE, SIMD);
      $finish;
    end
    if (WB1 < 2 || WB2 < 2 || WB3 < 2 || WB1 > 8 || WB2 > 8 || WB3 > 8 || AB1 < 2 || AB2 < 2 || AB1 > 8 || AB2 > 8) begin
      $display("ERROR: qmlp_mlp_accel: WBITS=%0s and ABITS=%0s must be 8, 4 or 2 bits", WBITS, ABITS);
      $finish;
    end
    if ((qmlp_list_len(MAC) != 1 && qmlp_list_len(MAC) != 3) || MAC1 < 0 || MAC2 < 0 || MAC3 < 0) begin
      $display("ERROR: qmlp_mlp_accel: MAC=%0s must be one or 3 of dsp, dsp2, lut", MAC);
      $finish;
    end
    if ((MAC1 == 1 && PE1 % 2 != 0) || (MAC2 == 1 && PE2 % 2 != 0) || (MAC3 == 1 && PE3 % 2 != 0)) begin
      $display("ERROR: qmlp_mlp_accel: MAC=%0s: a dsp2 layer packs two neurons per DSP48 and needs an even PE (PE=%0s)", MAC, PE);
      $finish;
    end
    if ((MAC1 == 2 && WB1 > 4) || (MAC2 == 2 && WB2 > 4) || (MAC3 == 2 && WB3 > 4)) begin
      $display("ERROR: qmlp_mlp_accel: MAC=%0s: a lut layer needs weights of 4 or 2 bits (WBITS=%0s)", MAC, WBITS);
      $finish;
    end
  end
`endif

  // ---------------------------------------------------------------- input
  wire [1:0]              in_full;
  wire                    l1_rslot;
  wire [$clog2(W1 > 1 ? W1 : 2)-1:0] l1_raddr;
  wire [SIMD1*8-1:0]      l1_rdata;
  wire                    l1_release, l1_release_slot;

  wire                    in_we, in_wslot, in_commit;
  wire [$clog2(W1 > 1 ? W1 : 2)-1:0] in_waddr;

  qmlp_mlp_in #(.WORDS(W1)) u_in (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .s_tvalid_i(s_axis_tvalid), .s_tready_o(s_axis_tready), .full_i(in_full),
    .we_o(in_we), .wslot_o(in_wslot), .waddr_o(in_waddr), .commit_o(in_commit)
  );

  qmlp_mlp_slots #(.K(K1), .WR(SIMD1), .RD(SIMD1), .NBUF(2)) u_b1 (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .we_i(in_we), .wslot_i(in_wslot), .waddr_i(in_waddr), .wdata_i(s_axis_tdata),
    .commit_i(in_commit), .commit_slot_i(in_wslot),
    .rslot_i(l1_rslot), .raddr_i(l1_raddr), .rdata_o(l1_rdata),
    .release_i(l1_release), .release_slot_i(l1_release_slot), .full_o(in_full)
  );

  // ---------------------------------------------------------------- layer 1 -> buffer 2
  wire [NB-1:0] b2_full;
  wire          l1_we, l1_commit;
  wire [SW-1:0] l1_wslot, l1_commit_slot;
  wire [$clog2(N1 / PE1 > 1 ? N1 / PE1 : 2)-1:0] l1_waddr;
  wire [PE1*8-1:0] l1_wdata;

  qmlp_mlp_layer #(
    .K(K1), .N(N1), .PE(PE1), .SIMD(SIMD1), .WB(WB1), .AB(8), .MAC(MAC1), .SHIFT(SHIFT1), .IDX_BITS(IDX_BITS),
    .LAST(0), .NBUF_IN(2), .NBUF_OUT(NB), .ROM_FILE(`QMLP_ROM("fc1.mem")), .LUT_FILE(`QMLP_ROM("tanh1.mem"))
  ) u_l1 (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .in_full_i(in_full), .in_slot_o(l1_rslot), .in_addr_o(l1_raddr), .in_data_i(l1_rdata),
    .in_release_o(l1_release), .in_release_slot_o(l1_release_slot),
    .out_full_i(b2_full), .out_we_o(l1_we), .out_slot_o(l1_wslot), .out_addr_o(l1_waddr),
    .out_data_o(l1_wdata), .out_commit_o(l1_commit), .out_commit_slot_o(l1_commit_slot)
  );

  wire [SW-1:0] l2_rslot, l2_release_slot;
  wire [$clog2(K2 / SIMD2 > 1 ? K2 / SIMD2 : 2)-1:0] l2_raddr;
  wire [SIMD2*8-1:0] l2_rdata;
  wire          l2_release;

  qmlp_mlp_slots #(.K(K2), .WR(PE1), .RD(SIMD2), .NBUF(NB)) u_b2 (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .we_i(l1_we), .wslot_i(l1_wslot), .waddr_i(l1_waddr), .wdata_i(l1_wdata),
    .commit_i(l1_commit), .commit_slot_i(l1_commit_slot),
    .rslot_i(l2_rslot), .raddr_i(l2_raddr), .rdata_o(l2_rdata),
    .release_i(l2_release), .release_slot_i(l2_release_slot), .full_o(b2_full)
  );

  // ---------------------------------------------------------------- layer 2 -> buffer 3
  wire [NB-1:0] b3_full;
  wire          l2_we, l2_commit;
  wire [SW-1:0] l2_wslot, l2_commit_slot;
  wire [$clog2(N2 / PE2 > 1 ? N2 / PE2 : 2)-1:0] l2_waddr;
  wire [PE2*8-1:0] l2_wdata;

  qmlp_mlp_layer #(
    .K(K2), .N(N2), .PE(PE2), .SIMD(SIMD2), .WB(WB2), .AB(AB1), .MAC(MAC2), .SHIFT(SHIFT2), .IDX_BITS(IDX_BITS),
    .LAST(0), .NBUF_IN(NB), .NBUF_OUT(NB), .ROM_FILE(`QMLP_ROM("fc2.mem")), .LUT_FILE(`QMLP_ROM("tanh2.mem"))
  ) u_l2 (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .in_full_i(b2_full), .in_slot_o(l2_rslot), .in_addr_o(l2_raddr), .in_data_i(l2_rdata),
    .in_release_o(l2_release), .in_release_slot_o(l2_release_slot),
    .out_full_i(b3_full), .out_we_o(l2_we), .out_slot_o(l2_wslot), .out_addr_o(l2_waddr),
    .out_data_o(l2_wdata), .out_commit_o(l2_commit), .out_commit_slot_o(l2_commit_slot)
  );

  wire [SW-1:0] l3_rslot, l3_release_slot;
  wire [$clog2(K3 / SIMD3 > 1 ? K3 / SIMD3 : 2)-1:0] l3_raddr;
  wire [SIMD3*8-1:0] l3_rdata;
  wire          l3_release;

  qmlp_mlp_slots #(.K(K3), .WR(PE2), .RD(SIMD3), .NBUF(NB)) u_b3 (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .we_i(l2_we), .wslot_i(l2_wslot), .waddr_i(l2_waddr), .wdata_i(l2_wdata),
    .commit_i(l2_commit), .commit_slot_i(l2_commit_slot),
    .rslot_i(l3_rslot), .raddr_i(l3_raddr), .rdata_o(l3_rdata),
    .release_i(l3_release), .release_slot_i(l3_release_slot), .full_o(b3_full)
  );

  // ---------------------------------------------------------------- layer 3 -> output
  wire [1:0]    out_full;
  wire          l3_we, l3_commit, l3_wslot, l3_commit_slot;
  wire [$clog2(N3 / PE3 > 1 ? N3 / PE3 : 2)-1:0] l3_waddr;
  wire [PE3*32-1:0] l3_wdata;

  qmlp_mlp_layer #(
    .K(K3), .N(N3), .PE(PE3), .SIMD(SIMD3), .WB(WB3), .AB(AB2), .MAC(MAC3), .SHIFT(0), .IDX_BITS(IDX_BITS),
    .LAST(1), .NBUF_IN(NB), .NBUF_OUT(2), .ROM_FILE(`QMLP_ROM("fc3.mem")), .LUT_FILE(`QMLP_ROM("tanh2.mem"))
  ) u_l3 (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .in_full_i(b3_full), .in_slot_o(l3_rslot), .in_addr_o(l3_raddr), .in_data_i(l3_rdata),
    .in_release_o(l3_release), .in_release_slot_o(l3_release_slot),
    .out_full_i(out_full), .out_we_o(l3_we), .out_slot_o(l3_wslot), .out_addr_o(l3_waddr),
    .out_data_o(l3_wdata), .out_commit_o(l3_commit), .out_commit_slot_o(l3_commit_slot)
  );

  qmlp_mlp_out #(.N(N3), .PE(PE3)) u_out (
    .clk_i(ap_clk), .rst_i(ap_rst),
    .we_i(l3_we), .wslot_i(l3_wslot), .waddr_i(l3_waddr), .wdata_i(l3_wdata),
    .commit_i(l3_commit), .commit_slot_i(l3_commit_slot), .full_o(out_full),
    .m_tdata_o(m_axis_tdata), .m_tvalid_o(m_axis_tvalid), .m_tready_i(m_axis_tready), .m_tlast_o(m_axis_tlast)
  );
endmodule
`default_nettype wire
