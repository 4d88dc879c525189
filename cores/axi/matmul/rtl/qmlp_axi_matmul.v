`default_nettype none
// qmlp:axi:matmul - one of the three matmul IPs (KIND = "i8", "f32i8", "f32") behind AXI4-Lite
// control and 32-bit AXI4-Streams, for AXI DMA in simple mode. Register map and stream layouts:
// python/qmlp/driver/regs.py. The IP's ap_memory ports are served by block RAMs in here.
//
//   s_axis: [B: INNER x COLS elements (MODE.LOAD_B)] then COUNT blocks of A (ROWS x INNER each),
//           row-major; int8 elements 4 per word (byte 0 first), float32 one per word;
//           TLAST on the very last word
//   m_axis: COUNT blocks of C (ROWS x COLS each), same element packing, TLAST on the last word
//
// Per block: load A (one element per cycle) -> ap_start the IP -> wait ap_done -> stream C out ->
// next block. B stays in its RAM between starts (MODE.LOAD_B = 0 reuses it; a start without any B
// loaded since reset is a CONFIG error). The schedule is sequential on purpose: at the lab's block
// (64 x 128 x 64) the IP computes for 64*128*64/LANES cycles, loading A takes 8,192 cycles and C
// 2 cycles per element, so overlap would gain little below LANES = 8 and cost a second A and C
// RAM. Errors (regs.STATUS_BITS) end a transfer as in qmlp_axi_mlp (both use qmlp_axi_xfer): the
// output register finishes its word, ERROR_BEAT | STATUS goes out with TLAST, the IP is reset, the
// core is idle again.
//
// Memories, as the IP expects them (SPEC 5, one cycle of read latency): A one bank; B in B_BANKS
// banks (element e in bank e % B_BANKS at address e / B_BANKS; i8 with WBITS < 8: the packed
// bytes); C in LANES banks (element e in bank e % LANES at e / LANES).
/* verilator lint_off WIDTH */
module qmlp_axi_matmul (
  ap_clk, ap_rst_n, interrupt,
  s_axi_control_awaddr, s_axi_control_awvalid, s_axi_control_awready,
  s_axi_control_wdata, s_axi_control_wstrb, s_axi_control_wvalid, s_axi_control_wready,
  s_axi_control_bresp, s_axi_control_bvalid, s_axi_control_bready,
  s_axi_control_araddr, s_axi_control_arvalid, s_axi_control_arready,
  s_axi_control_rdata, s_axi_control_rresp, s_axi_control_rvalid, s_axi_control_rready,
  s_axis_tdata, s_axis_tvalid, s_axis_tready, s_axis_tlast, s_axis_tkeep,
  m_axis_tdata, m_axis_tvalid, m_axis_tready, m_axis_tlast, m_axis_tkeep
);
  parameter        KIND  = "i8";   // i8 | f32i8 | f32: the IP qmlp_matmul_<KIND>
  parameter integer ROWS  = 64;
  parameter integer INNER = 128;
  parameter integer COLS  = 64;
  parameter integer LANES = 1;
  parameter integer ACC_W = 32;    // i8
  parameter integer SHIFT = 0;     // i8
  parameter integer WBITS = 8;     // i8: bits per B code (8/WBITS codes per B byte)
  parameter integer FL_B  = 4;     // f32i8

  localparam integer IS_I8   = (KIND == "i8");
  localparam integer IS_F32  = (KIND == "f32");
  localparam integer A_W     = IS_I8 ? 8 : 32;
  localparam integer B_W     = IS_F32 ? 32 : 8;
  localparam integer C_W     = IS_I8 ? 8 : 32;
  localparam integer PER     = IS_I8 ? 8 / WBITS : 1;
  localparam integer B_BANKS = IS_I8 ? ((LANES >= PER) ? LANES / PER : 1) : LANES;
  localparam integer A_N     = ROWS * INNER;
  localparam integer B_N     = INNER * COLS / PER;
  localparam integer C_N     = ROWS * COLS;
  localparam integer A_AW    = $clog2(A_N);
  localparam integer B_AW    = $clog2(B_N / B_BANKS);
  localparam integer C_AW    = $clog2(C_N / LANES);
  localparam integer A_WORDS = A_N * A_W / 32;
  localparam integer B_WORDS = B_N * B_W / 32;
  localparam integer C_WORDS = C_N * C_W / 32;
  localparam integer BB_W    = (B_BANKS > 1) ? $clog2(B_BANKS) : 1;
  localparam integer CB_W    = (LANES > 1) ? $clog2(LANES) : 1;
  localparam [7:0]   KCODE   = IS_I8 ? 8'd1 : (IS_F32 ? 8'd3 : 8'd2);

  // read-only configuration words (regs.py matmul_config)
  localparam [31:0] C_CFG0 = ROWS | (INNER << 16);
  localparam [31:0] C_CFG1 = COLS | (LANES << 16);
  localparam [31:0] C_CFG2 = IS_I8 ? (WBITS | (ACC_W << 8) | (SHIFT << 16)) : 0;
  localparam [31:0] C_CFG3 = (KIND == "f32i8") ? FL_B : 0;
  localparam [31:0] C_LAY  = A_WORDS | (C_WORDS << 16);
  localparam [31:0] C_ID   = {16'd0, 8'd2, KCODE};     // register-map version 2 (regs.MAP_VERSION)
  localparam [31:0] C_BW   = B_WORDS;
  /* verilator lint_off WIDTHCONCAT */
  localparam [9*32-1:0] CFG = {C_BW, C_LAY, 32'd0, C_CFG3, C_CFG2, C_CFG1, C_CFG0, C_ID, 32'h514D_4C50};
  /* verilator lint_on WIDTHCONCAT */

`ifndef SYNTHESIS
  initial begin
    if (!IS_I8 && !IS_F32 && KIND != "f32i8") begin
      $display("ERROR: qmlp_axi_matmul: KIND=%0s is not one of i8, f32i8, f32", KIND);
      $finish;
    end
    if ((A_N * A_W) % 32 != 0 || (B_N * B_W) % 32 != 0 || (C_N * C_W) % 32 != 0) begin
      $display("ERROR: qmlp_axi_matmul: int8 arrays must fill whole 32-bit words (A %0d, B %0d, C %0d bytes)",
               A_N, B_N, C_N);
      $finish;
    end
  end
`endif

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
  wire [31:0] mode;                        // bit 0 LOAD_B
  /* verilator lint_on UNUSEDSIGNAL */

  /* verilator lint_off UNUSEDSIGNAL */
  wire [31:0] layer_sel;                   // LAYER: the matmul has no per-layer words
  /* verilator lint_on UNUSEDSIGNAL */

  qmlp_axi_ctrl #(.NCFG(9)) u_ctrl (
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
    .cfg_i(CFG), .layer_o(layer_sel), .interrupt_o(interrupt)
  );

  // ---------------------------------------------------------------- transfer control
  // [B] then COUNT blocks of A in, COUNT blocks of C out. The checks, the watchdog, the drain, the
  // error beat and the output register: qmlp_axi_xfer; the blocks' schedule: state_q below, which
  // runs while busy (IDLE: no transfer, or the last word of C is on its way out).
  localparam [2:0] IDLE = 3'd0, LOADB = 3'd1, LOADA = 3'd2, GO = 3'd3, COMP = 3'd4, RD = 3'd5, CAP = 3'd6,
                   OUT = 3'd7;
  reg  [2:0]  state_q;
  reg         b_valid_q;                   // B in its RAM (loaded since reset, not cut by an error)
  wire        err, flush, word, o_free, take;
  /* verilator lint_off UNUSEDSIGNAL */
  wire        busy;                        // state_q != IDLE says more here
  /* verilator lint_on UNUSEDSIGNAL */
  reg  [31:0] acc_q;                       // the output word being assembled from C's elements
  reg  [31:0] blk_q, last_blk_q;
  reg  [31:0] c_e_q;                       // elements of this block's C read so far
  wire        loading = (state_q == LOADB) || (state_q == LOADA);
  wire        cfg_err = count == 32'd0 || (!mode[0] && !b_valid_q);   // STATUS.CONFIG

  qmlp_axi_xfer u_xfer (
    .clk_i(ap_clk), .rst_i(rst),
    .start_i(start), .abort_i(abort), .timeout_i(timeout), .idle_o(idle), .done_o(done), .ready_o(ready),
    .status_set_o(status_set), .cycles_o(cycles), .beats_in_o(beats_in), .beats_out_o(beats_out),
    .dropped_o(dropped),
    .cfg_err_i(cfg_err),
    .last_in_i((mode[0] ? B_WORDS : 0) + count * A_WORDS - 32'd1), .busy_o(busy), .err_o(err), .flush_o(flush),
    .s_tvalid_i(s_axis_tvalid), .s_tlast_i(s_axis_tlast), .s_tready_o(s_axis_tready),
    .want_i(loading), .take_i(take), .word_o(word),
    .load_i(state_q == OUT && o_free), .load_data_i(acc_q), .load_last_i((c_e_q == C_N) && (blk_q == last_blk_q)),
    .o_free_o(o_free), .m_tdata_o(m_axis_tdata), .m_tvalid_o(m_axis_tvalid), .m_tready_i(m_axis_tready),
    .m_tlast_o(m_axis_tlast)
  );
  assign m_axis_tkeep = 4'hF;

  // ---------------------------------------------------------------- input words -> elements
  // A word is held in w_q and split into its elements, one per cycle (4 for int8, 1 for float32);
  // the next word is taken in the cycle the last element is written.
  reg  [31:0] w_q;
  reg         w_valid_q;
  reg  [1:0]  sub_q;
  reg  [31:0] e_q;

  wire        ew8      = (state_q == LOADB) ? (B_W == 8) : (A_W == 8);       // this phase's element width
  wire [31:0] e_last   = (state_q == LOADB) ? B_N - 1 : A_N - 1;             // last element of the phase
  wire        w_last   = !ew8 || sub_q == 2'd3;                               // w_q's last element
  wire        e_fire   = loading && w_valid_q;                                // an element is written
  wire        phase_end = e_fire && e_q == e_last;
  assign take = !w_valid_q || (w_last && !phase_end);                       // w_q is free for a word

  /* verilator lint_off UNUSEDSIGNAL */
  wire [31:0] elem = ew8 ? {24'd0, w_q[8*sub_q +: 8]} : w_q;
  /* verilator lint_on UNUSEDSIGNAL */

  // ---------------------------------------------------------------- memories and the IP
  wire                    ip_start = (state_q == GO);
  wire                    ip_done, ip_idle, ip_ready;
  wire                    ip_rst = rst || flush;
  wire [A_AW-1:0]         A_address0;
  wire                    A_ce0;
  reg  [A_W-1:0]          A_q0;
  wire [B_BANKS*B_AW-1:0] B_address0;
  wire [B_BANKS-1:0]      B_ce0;
  wire [B_BANKS*B_W-1:0]  B_q0;
  wire [LANES*C_AW-1:0]   C_address0;
  wire [LANES-1:0]        C_ce0, C_we0;
  wire [LANES*C_W-1:0]    C_d0;

  reg [A_W-1:0] amem [0:A_N-1];
  always @(posedge ap_clk) begin
    if (e_fire && state_q == LOADA) amem[e_q[A_AW-1:0]] <= elem[A_W-1:0];
    if (A_ce0) A_q0 <= amem[A_address0];
  end

  // B: the loader walks bank 0, 1, .. B_BANKS-1 at one address, then the next address
  reg [BB_W-1:0] bb_q;
  reg [B_AW-1:0] ba_q;
  genvar l;
  generate
    for (l = 0; l < B_BANKS; l = l + 1) begin : g_b
      reg [B_W-1:0] bmem [0:B_N/B_BANKS-1];
      reg [B_W-1:0] b_q;
      always @(posedge ap_clk) begin
        if (e_fire && state_q == LOADB && bb_q == l) bmem[ba_q] <= elem[B_W-1:0];
        if (B_ce0[l]) b_q <= bmem[B_address0[l*B_AW +: B_AW]];
      end
      assign B_q0[l*B_W +: B_W] = b_q;
    end
  endgenerate

  // C: written by the IP, read back bank after bank (element e = address * LANES + bank)
  reg  [CB_W-1:0] cb_q, cb_rd_q;
  reg  [C_AW-1:0] ca_q;
  wire [LANES*C_W-1:0] c_rd;
  generate
    for (l = 0; l < LANES; l = l + 1) begin : g_c
      reg [C_W-1:0] cmem [0:C_N/LANES-1];
      reg [C_W-1:0] c_q;
      always @(posedge ap_clk) begin
        if (C_ce0[l] && C_we0[l]) cmem[C_address0[l*C_AW +: C_AW]] <= C_d0[l*C_W +: C_W];
        if (state_q == RD) c_q <= cmem[ca_q];
      end
      assign c_rd[l*C_W +: C_W] = c_q;
    end
  endgenerate
  wire [C_W-1:0] c_elem = c_rd[cb_rd_q*C_W +: C_W];

  generate
    if (IS_I8) begin : g_i8
      qmlp_matmul_i8 #(.ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES), .ACC_W(ACC_W), .SHIFT(SHIFT),
                       .WBITS(WBITS)) u_ip (
        .ap_clk(ap_clk), .ap_rst(ip_rst), .ap_start(ip_start), .ap_done(ip_done), .ap_idle(ip_idle),
        .ap_ready(ip_ready), .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
        .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
        .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0));
    end else if (IS_F32) begin : g_f32
      qmlp_matmul_f32 #(.ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES)) u_ip (
        .ap_clk(ap_clk), .ap_rst(ip_rst), .ap_start(ip_start), .ap_done(ip_done), .ap_idle(ip_idle),
        .ap_ready(ip_ready), .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
        .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
        .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0));
    end else begin : g_f32i8
      qmlp_matmul_f32i8 #(.ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES), .FL_B(FL_B)) u_ip (
        .ap_clk(ap_clk), .ap_rst(ip_rst), .ap_start(ip_start), .ap_done(ip_done), .ap_idle(ip_idle),
        .ap_ready(ip_ready), .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
        .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
        .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0));
    end
  endgenerate

  // ---------------------------------------------------------------- the blocks' schedule
  reg  [1:0]  c_sub_q;
  wire        c_w_last = (C_W == 32) || c_sub_q == 2'd3;     // the element completes a word

  /* verilator lint_off UNUSEDSIGNAL */
  wire unused = ip_idle | ip_ready;
  /* verilator lint_on UNUSEDSIGNAL */

  always @(posedge ap_clk) begin
    if (rst) begin
      state_q <= IDLE;
      acc_q <= 32'd0;
      w_q <= 32'd0; w_valid_q <= 1'b0; sub_q <= 2'd0; e_q <= 32'd0;
      blk_q <= 32'd0; last_blk_q <= 32'd0; b_valid_q <= 1'b0;
      bb_q <= {BB_W{1'b0}}; ba_q <= {B_AW{1'b0}};
      cb_q <= {CB_W{1'b0}}; cb_rd_q <= {CB_W{1'b0}}; ca_q <= {C_AW{1'b0}}; c_e_q <= 32'd0; c_sub_q <= 2'd0;
    end else begin
      // element splitter (load phases)
      if (e_fire) begin
        e_q   <= phase_end ? 32'd0 : e_q + 32'd1;
        sub_q <= (w_last || phase_end) ? 2'd0 : sub_q + 2'd1;
        if (w_last || phase_end) w_valid_q <= 1'b0;
        if (state_q == LOADB) begin
          if (bb_q == B_BANKS - 1) begin
            bb_q <= {BB_W{1'b0}};
            ba_q <= ba_q + 1'b1;
          end else begin
            bb_q <= bb_q + 1'b1;
          end
        end
      end
      if (word) begin
        w_q       <= s_axis_tdata;
        w_valid_q <= 1'b1;
      end

      case (state_q)
        IDLE: if (start) begin                 // qmlp_axi_xfer ends a CONFIG error on its own
          blk_q <= 32'd0; e_q <= 32'd0; sub_q <= 2'd0;
          w_valid_q <= 1'b0; bb_q <= {BB_W{1'b0}}; ba_q <= {B_AW{1'b0}};
          last_blk_q <= count - 32'd1;
          if (!cfg_err) begin
            if (mode[0]) b_valid_q <= 1'b0;    // B is loaded again
            state_q <= mode[0] ? LOADB : LOADA;
          end
        end
        LOADB: if (phase_end) begin
          b_valid_q <= 1'b1;
          state_q   <= LOADA;
        end
        LOADA: if (phase_end) state_q <= GO;
        GO: state_q <= COMP;                   // one cycle of ap_start: the IP is idle here
        COMP: if (ip_done) begin
          state_q <= RD;
          c_e_q <= 32'd0; c_sub_q <= 2'd0; cb_q <= {CB_W{1'b0}}; ca_q <= {C_AW{1'b0}};
        end
        RD: begin                              // read element c_e_q (bank cb_q, address ca_q)
          cb_rd_q <= cb_q;
          if (cb_q == LANES - 1) begin
            cb_q <= {CB_W{1'b0}};
            ca_q <= ca_q + 1'b1;
          end else begin
            cb_q <= cb_q + 1'b1;
          end
          state_q <= CAP;
        end
        CAP: begin                             // it is in c_elem now
          if (C_W == 32) acc_q <= c_elem;
          else           acc_q[8*c_sub_q +: 8] <= c_elem[7:0];
          c_sub_q <= c_w_last ? 2'd0 : c_sub_q + 2'd1;
          c_e_q   <= c_e_q + 32'd1;
          state_q <= c_w_last ? OUT : RD;
        end
        OUT: if (o_free) begin                 // acc_q goes into the output register (load_i)
          if (c_e_q != C_N)              state_q <= RD;
          else if (blk_q != last_blk_q) begin
            blk_q   <= blk_q + 32'd1;
            state_q <= LOADA;
          end else                       state_q <= IDLE;   // qmlp_axi_xfer ends when it is out
        end
        default: state_q <= IDLE;
      endcase
      if (err) begin                           // the data path stops; qmlp_axi_xfer sends the error beat
        if (state_q == LOADB) b_valid_q <= 1'b0;
        w_valid_q <= 1'b0;
        state_q   <= IDLE;
      end
    end
  end
endmodule
/* verilator lint_on WIDTH */
`default_nettype wire
