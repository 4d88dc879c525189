`default_nettype none
// AXI4-Lite register block shared by qmlp_axi_mlp and qmlp_axi_matmul. The map is defined in
// python/qmlp/driver/regs.py (names below are its names) and tabled in README.md:
//   0x00 CTRL    ap_start (bit 0, R/W: set by writing 1, cleared when the core starts), ap_done
//                (bit 1, clear on read), ap_idle (bit 2), ap_ready (bit 3, clear on read): the
//                Vitis HLS ap_ctrl_hs layout, so pynq's conventions apply
//   0x04 GIE, 0x08 IER (bit 0 done, bit 1 ready), 0x0C ISR (write 1 to clear)
//   0x10 STATUS  error/information bits, set by the core, write 1 to clear
//   0x14 ABORT   write bit 0 = 1: a one-cycle abort pulse to the core
//   0x18 COUNT, 0x1C MODE, 0x20 TIMEOUT   R/W, read by the core at start (and by its watchdog)
//   0x24 CYCLES, 0x28 BEATS_IN, 0x2C BEATS_OUT, 0x30 DROPPED   counters from the core (RO)
//   0x34 LAYER   R/W: which layer the per-layer configuration words describe (map version 2;
//                the core decodes it, cfg_i follows it: an MLP of any depth in a fixed window)
//   0x40 + 4i    CFG word i (read only): what the hardware was built with (cfg_i, a port so that
//                a core can make words depend on LAYER; constant words fold away in synthesis)
// One write and one read are in flight at a time (AW and W are taken together): AXI-Lite
// masters such as the Zynq's GP port and PYNQ's MMIO never need more.
module qmlp_axi_ctrl #(
  parameter integer        NCFG = 9,                // at most 16 (the window 0x40..0x7C)
  parameter [31:0]         TIMEOUT_RESET = 32'h0100_0000
) (
  input  wire        clk_i,
  input  wire        rst_i,              // synchronous, active high
  // AXI4-Lite slave
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [6:0]  awaddr_i,           // bits [1:0]: byte in word (word accesses only)
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire        awvalid_i,
  output wire        awready_o,
  input  wire [31:0] wdata_i,
  input  wire [3:0]  wstrb_i,
  input  wire        wvalid_i,
  output wire        wready_o,
  output wire [1:0]  bresp_o,
  output reg         bvalid_o,
  input  wire        bready_i,
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [6:0]  araddr_i,
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire        arvalid_i,
  output wire        arready_o,
  output reg  [31:0] rdata_o,
  output wire [1:0]  rresp_o,
  output reg         rvalid_o,
  input  wire        rready_i,
  // the core
  output wire        start_o,            // one cycle: the core leaves idle now
  input  wire        idle_i,
  input  wire        done_i,             // one cycle: the transfer ended (normally or not)
  input  wire        ready_i,            // one cycle: every input word has been read
  input  wire [15:0] status_set_i,       // bits to set in STATUS (one cycle each)
  output wire        abort_o,
  output wire [31:0] count_o,
  output wire [31:0] mode_o,
  output wire [31:0] timeout_o,
  input  wire [31:0] cycles_i,
  input  wire [31:0] beats_in_i,
  input  wire [31:0] beats_out_i,
  input  wire [31:0] dropped_i,
  input  wire [NCFG*32-1:0] cfg_i,       // CFG word i at bits [32i +: 32]
  output wire [31:0] layer_o,            // the LAYER register
  output wire        interrupt_o
);
  reg        start_q, done_q, ready_q, gie_q;
  reg [1:0]  ier_q, isr_q;
  reg [15:0] status_q;
  reg [31:0] count_q, mode_q, timeout_q, layer_q;
  reg        abort_q;

  // ---- write channel: address and data together, then the response
  wire       wr = awvalid_i && wvalid_i && !bvalid_o;
  wire [4:0] wa = awaddr_i[6:2];
  assign awready_o = wr;
  assign wready_o  = wr;
  assign bresp_o   = 2'b00;

  // byte enables: registers take the bytes the master writes (pynq writes whole words)
  function [31:0] merge(input [31:0] old, input [31:0] d, input [3:0] s);
    integer b;
    begin
      merge = old;
      for (b = 0; b < 4; b = b + 1) if (s[b]) merge[8*b +: 8] = d[8*b +: 8];
    end
  endfunction

  wire [15:0] wmask = {wstrb_i[1] ? wdata_i[15:8] : 8'd0, wstrb_i[0] ? wdata_i[7:0] : 8'd0};  // STATUS bits written as 1

  // ---- read channel
  wire       rd = arvalid_i && !rvalid_o;
  wire [4:0] ra = araddr_i[6:2];
  assign arready_o = rd;
  // configuration words at 0x40 + 4i (word addresses 16 + i)
  localparam integer CI_W = 4;
  wire [CI_W-1:0] ci = ra[CI_W-1:0];
  wire [31:0] cfg_word = (ra[4] && {28'd0, ra[3:0]} < NCFG) ? cfg_i[32 * ci +: 32] : 32'd0;
  assign rresp_o   = 2'b00;

  assign start_o     = start_q && idle_i;
  assign abort_o     = abort_q;
  assign count_o     = count_q;
  assign mode_o      = mode_q;
  assign timeout_o   = timeout_q;
  assign layer_o     = layer_q;
  assign interrupt_o = gie_q && |(isr_q & ier_q);

  always @(posedge clk_i) begin
    if (rst_i) begin
      start_q <= 1'b0; done_q <= 1'b0; ready_q <= 1'b0; gie_q <= 1'b0;
      ier_q <= 2'b00; isr_q <= 2'b00; status_q <= 16'd0; abort_q <= 1'b0;
      count_q <= 32'd1; mode_q <= 32'd0; timeout_q <= TIMEOUT_RESET; layer_q <= 32'd0;
      bvalid_o <= 1'b0; rvalid_o <= 1'b0; rdata_o <= 32'd0;
    end else begin
      abort_q <= 1'b0;
      if (start_o) start_q <= 1'b0;
      // core events; a clear-on-read in the same cycle loses to a new event (never lost)
      if (bvalid_o && bready_i) bvalid_o <= 1'b0;
      if (rvalid_o && rready_i) rvalid_o <= 1'b0;
      if (rd) begin
        rvalid_o <= 1'b1;
        case (ra)
          5'h00: rdata_o <= {28'd0, ready_q, idle_i, done_q, start_q};
          5'h01: rdata_o <= {31'd0, gie_q};
          5'h02: rdata_o <= {30'd0, ier_q};
          5'h03: rdata_o <= {30'd0, isr_q};
          5'h04: rdata_o <= {16'd0, status_q};
          5'h06: rdata_o <= count_q;
          5'h07: rdata_o <= mode_q;
          5'h08: rdata_o <= timeout_q;
          5'h09: rdata_o <= cycles_i;
          5'h0A: rdata_o <= beats_in_i;
          5'h0B: rdata_o <= beats_out_i;
          5'h0C: rdata_o <= dropped_i;
          5'h0D: rdata_o <= layer_q;
          default: rdata_o <= cfg_word;
        endcase
        if (ra == 5'h00) begin
          done_q  <= 1'b0;      // ap_done and ap_ready clear on read, as in HLS
          ready_q <= 1'b0;
        end
      end
      if (wr) begin
        bvalid_o <= 1'b1;
        case (wa)
          5'h00: if (wstrb_i[0] && wdata_i[0]) start_q <= 1'b1;
          5'h01: if (wstrb_i[0]) gie_q <= wdata_i[0];
          5'h02: if (wstrb_i[0]) ier_q <= wdata_i[1:0];
          5'h03: if (wstrb_i[0]) isr_q <= isr_q & ~wdata_i[1:0];
          5'h05: if (wstrb_i[0] && wdata_i[0]) abort_q <= 1'b1;
          5'h06: count_q <= merge(count_q, wdata_i, wstrb_i);
          5'h07: mode_q <= merge(mode_q, wdata_i, wstrb_i);
          5'h08: timeout_q <= merge(timeout_q, wdata_i, wstrb_i);
          5'h0D: layer_q <= merge(layer_q, wdata_i, wstrb_i);
          default: ;
        endcase
      end
      if (done_i) begin
        done_q   <= 1'b1;
        isr_q[0] <= 1'b1;
      end
      if (ready_i) begin
        ready_q  <= 1'b1;
        isr_q[1] <= 1'b1;
      end
      status_q <= ((wr && wa == 5'h04) ? status_q & ~wmask : status_q) | status_set_i;
    end
  end
endmodule
`default_nettype wire
