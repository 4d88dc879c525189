`default_nettype none
// Transfer control shared by qmlp_axi_mlp and qmlp_axi_matmul: what happens to a start of the
// register block (qmlp_axi_ctrl) between ap_start and ap_done, apart from the wrapper's own data
// path. The error protocol is the register map's contract (python/qmlp/driver/regs.py, docs/axi.md):
//
//   start_i   (qmlp_axi_ctrl's start, only while idle_o) clears CYCLES, BEATS_IN, BEATS_OUT and
//             latches last_in_i, the index of the transfer's last input word; cfg_err_i (COUNT = 0,
//             or the wrapper's own reason) ends it at once with STATUS.CONFIG, else busy_o rises.
//   input     while busy_o and want_i (the data path is in an input phase) and the last word is not
//             in yet, a word offered with take_i (the data path has room) is taken (word_o, one
//             cycle). Checked as it comes: TLAST before the last word (SHORT), the last word without
//             TLAST (NOLAST), no word offered for TIMEOUT cycles while wanted (TIMEOUT; 0 = off), or
//             abort_i while busy (ABORT) end the transfer: err_o for one cycle (the offending word is
//             counted in BEATS_IN but word_o stays low: it never reaches the data path).
//             ready_o (ap_ready) when the last word is taken. Not busy (idle, or ending with an
//             error), every word offered is taken and dropped (DROPPED, STATUS.DRAINED): a long
//             transfer's rest never blocks the DMA.
//   output    one register (o_valid_q / o_data_q / o_last_q): the wrapper loads it with load_i only
//             when o_free_o (it is empty or empties in this cycle: one word per cycle under no
//             back-pressure) and never changes TVALID/TDATA before a handshake. The word loaded
//             with load_last_i, once sent, ends the transfer: done_o (ap_done), idle again.
//   error     after err_o (or a CONFIG error) the word in the register is finished first, then the
//             error beat ERROR_BEAT | STATUS (32'hBAD0_0000 | the error bits) goes out with TLAST, so
//             the DMA's S2MM completes, and STATUS takes the bits; flush_o holds the wrapper's data
//             path in reset until the error beat is taken: then done_o and ready_o, idle again.
//
// The wrapper keeps its data path and the state machine inside busy_o; on err_o it leaves that
// state machine (the data path is reset by flush_o). An error has priority over the normal end
// in the same cycle (no ap_done for a transfer that then sends an error beat).
module qmlp_axi_xfer (
  input  wire        clk_i,
  input  wire        rst_i,              // synchronous, active high
  // qmlp_axi_ctrl
  input  wire        start_i,            // one cycle, only while idle_o
  input  wire        abort_i,            // one cycle: the ABORT register was written
  input  wire [31:0] timeout_i,          // TIMEOUT: watchdog limit in cycles, 0 = off
  output wire        idle_o,             // ap_idle
  output reg         done_o,             // one cycle: ap_done
  output reg         ready_o,            // one cycle: ap_ready (every input word read, or the end of an error)
  output reg  [15:0] status_set_o,       // STATUS bits to set (one cycle)
  output reg  [31:0] cycles_o,           // CYCLES, BEATS_IN, BEATS_OUT, DROPPED
  output reg  [31:0] beats_in_o,
  output reg  [31:0] beats_out_o,
  output reg  [31:0] dropped_o,
  // the wrapper's side
  input  wire        cfg_err_i,          // with start_i: the configuration is unusable (STATUS.CONFIG)
  input  wire [31:0] last_in_i,          // with start_i: index of the last input word (words - 1)
  output wire        busy_o,             // the data path runs (between a good start and its end or error)
  output wire        err_o,              // one cycle: the transfer ends with an error
  output wire        flush_o,            // the error beat is out: hold the data path in reset
  // input stream (s_axis)
  input  wire        s_tvalid_i,
  input  wire        s_tlast_i,
  output wire        s_tready_o,
  input  wire        want_i,             // the data path is in an input phase (the watchdog runs)
  input  wire        take_i,             // the data path can take a word in this cycle
  output wire        word_o,             // one cycle: a good word is taken into the data path
  // output stream (m_axis)
  input  wire        load_i,             // load the output register (only when o_free_o)
  input  wire [31:0] load_data_i,
  input  wire        load_last_i,        // the transfer's last word (TLAST)
  output wire        o_free_o,
  output wire [31:0] m_tdata_o,
  output wire        m_tvalid_o,
  input  wire        m_tready_i,
  output wire        m_tlast_o
);
  localparam [1:0] IDLE = 2'd0, BUSY = 2'd1, ERR = 2'd2, FLUSH = 2'd3;
  localparam [31:0] ERROR_BEAT = 32'hBAD0_0000;        // regs.ERROR_BEAT
  localparam integer DRAINED = 8;                      // regs.STATUS_BITS["DRAINED"]
  localparam integer CONFIG  = 4;                      // regs.STATUS_BITS["CONFIG"]

  reg  [1:0]  phase_q;
  reg  [31:0] in_cnt_q;                  // input words taken
  reg  [31:0] last_in_q;                 // index of the last input word
  reg         in_done_q;                 // the last input word has been taken
  reg  [31:0] wd_q;                      // watchdog: cycles with no word offered while one is wanted
  reg  [15:0] err_q;                     // this transfer's error bits (into the error beat and STATUS)
  reg         o_valid_q, o_last_q;
  reg  [31:0] o_data_q;

  wire busy     = (phase_q == BUSY);
  wire wanted   = busy && want_i && !in_done_q;              // a word is wanted
  wire in_fire  = wanted && take_i && s_tvalid_i;
  wire is_last  = (in_cnt_q == last_in_q);
  wire e_short  = in_fire && s_tlast_i && !is_last;
  wire e_nolast = in_fire && !s_tlast_i && is_last;
  wire e_time   = wanted && !s_tvalid_i && timeout_i != 32'd0 && wd_q >= timeout_i - 32'd1;
  wire e_any    = e_short || e_nolast || e_time || (abort_i && busy);
  wire drain    = !busy && s_tvalid_i;                       // taken and dropped
  wire out_fire = o_valid_q && m_tready_i;

  assign idle_o     = (phase_q == IDLE);
  assign busy_o     = busy;
  assign err_o      = e_any;
  assign flush_o    = (phase_q == FLUSH);
  assign s_tready_o = !busy || (wanted && take_i);
  assign word_o     = in_fire && !e_any;
  assign o_free_o   = !o_valid_q || m_tready_i;
  assign m_tdata_o  = o_data_q;
  assign m_tvalid_o = o_valid_q;
  assign m_tlast_o  = o_last_q;

  always @(posedge clk_i) begin
    done_o       <= 1'b0;
    ready_o      <= 1'b0;
    status_set_o <= 16'd0;
    if (rst_i) begin
      phase_q <= IDLE;
      in_cnt_q <= 32'd0; last_in_q <= 32'd0; in_done_q <= 1'b0; wd_q <= 32'd0; err_q <= 16'd0;
      o_valid_q <= 1'b0; o_last_q <= 1'b0; o_data_q <= 32'd0;
      cycles_o <= 32'd0; beats_in_o <= 32'd0; beats_out_o <= 32'd0; dropped_o <= 32'd0;
    end else begin
      // statistics
      if (!idle_o) cycles_o <= cycles_o + 32'd1;
      if (in_fire) beats_in_o <= beats_in_o + 32'd1;         // the offending word of an error too
      if (drain) begin
        dropped_o              <= dropped_o + 32'd1;
        status_set_o[DRAINED]  <= 1'b1;
      end
      wd_q <= (wanted && !s_tvalid_i) ? wd_q + 32'd1 : 32'd0;
      if (word_o) begin
        in_cnt_q <= in_cnt_q + 32'd1;
        if (is_last) begin
          in_done_q <= 1'b1;
          ready_o   <= 1'b1;                                 // every input word read: ap_ready
        end
      end
      // output register: the data path's words; emptied by the handshake
      if (out_fire) begin
        o_valid_q   <= 1'b0;
        beats_out_o <= beats_out_o + 32'd1;
      end
      if (load_i) begin
        o_valid_q <= 1'b1;
        o_data_q  <= load_data_i;
        o_last_q  <= load_last_i;
      end
      case (phase_q)
        IDLE: if (start_i) begin
          cycles_o <= 32'd0; beats_in_o <= 32'd0; beats_out_o <= 32'd0;
          in_cnt_q <= 32'd0; in_done_q <= 1'b0; err_q <= 16'd0;
          last_in_q <= last_in_i;
          if (cfg_err_i) begin
            err_q[CONFIG] <= 1'b1;
            phase_q       <= ERR;
          end else begin
            phase_q <= BUSY;
          end
        end
        BUSY: if (e_any) begin
          err_q   <= {12'd0, abort_i, e_time, e_nolast, e_short};
          phase_q <= ERR;
        end else if (out_fire && o_last_q) begin
          phase_q <= IDLE;                                   // the last word is out
          done_o  <= 1'b1;
        end
        ERR: if (o_free_o) begin                             // the word in the register has gone
          o_valid_q    <= 1'b1;
          o_data_q     <= ERROR_BEAT | {16'd0, err_q};
          o_last_q     <= 1'b1;
          status_set_o <= err_q;
          phase_q      <= FLUSH;
        end
        FLUSH: if (out_fire) begin                           // the error beat is taken
          phase_q <= IDLE;
          done_o  <= 1'b1;
          ready_o <= 1'b1;
        end
        default: phase_q <= IDLE;
      endcase
    end
  end
endmodule
`default_nettype wire
