"""Simulation models of the ECP5 primitives that Yosys 0.23
ships without behaviour (DP16KD is a black box in its ecp5/cells_sim.v) or not at all (DCCA,
which nextpnr puts on the clock; TRELLIS_COMB, the half-slice cell of nextpnr's routed netlist).
Written from the blocks' documented behaviour and Yosys' own ECP5 mapping (ecp5/brams_map.v,
brams.txt, cells_sim.v's CCU2C/PFUMX/L6MUX21), not from Lattice's models. The 64 INITVAL
parameters are why this is generated: `text()`, which the sim_pnr_ecp5 build writes into its work
root (qmlp_netlist/qmlp_ecp5_prims.v) and compiles.
"""

ROWS = "\n".join(f"      {i}: init_row = INITVAL_{i:02X};" for i in range(64))
PARAMS = "\n".join(f"  parameter [319:0] INITVAL_{i:02X} = 320'h0;" for i in range(64))


def port(p: str, clk: str) -> str:
    """The always block of port p (A or B)."""
    lo = p.lower()
    return f"""  // port {p}: RST clears the output latch ungated by CE and blocks the write (Yosys: rdsrst
  // zero ungated block_wr); the output register (REGMODE OUTREG) loads on OCE
  reg [17:0] q{lo}, r{lo};
  initial begin q{lo} = 0; r{lo} = 0; end
  generate
    if (DATA_WIDTH_{p} == 36) begin : g_{lo}_wide
      // the 36-bit mode below
    end else if (RESETMODE == "ASYNC") begin : g_{lo}_async
      always @(posedge ck{lo} or posedge RST{p}) begin : b_{lo}
        reg [17:0] old;
        if (RST{p}) begin
          q{lo} <= 0;
          r{lo} <= 0;
        end else begin
          if (en{lo}) begin
            old = mem[ad{lo}[13:4]];
            if (WE{p}) mem[ad{lo}[13:4]] <= merge(DATA_WIDTH_{p}, ad{lo}, old, di{lo});
            if (!WE{p} || WRITEMODE_{p} == "READBEFOREWRITE") q{lo} <= word(DATA_WIDTH_{p}, ad{lo}, old);
            else if (WRITEMODE_{p} == "WRITETHROUGH") q{lo} <= word(DATA_WIDTH_{p}, ad{lo}, merge(DATA_WIDTH_{p}, ad{lo}, old, di{lo}));
          end
          if (OCE{p}) r{lo} <= q{lo};
        end
      end
    end else begin : g_{lo}_sync
      always @(posedge ck{lo}) begin : b_{lo}
        reg [17:0] old;
        if (RST{p}) begin
          q{lo} <= 0;
        end else if (en{lo}) begin
          old = mem[ad{lo}[13:4]];
          if (WE{p}) mem[ad{lo}[13:4]] <= merge(DATA_WIDTH_{p}, ad{lo}, old, di{lo});
          if (!WE{p} || WRITEMODE_{p} == "READBEFOREWRITE") q{lo} <= word(DATA_WIDTH_{p}, ad{lo}, old);
          else if (WRITEMODE_{p} == "WRITETHROUGH") q{lo} <= word(DATA_WIDTH_{p}, ad{lo}, merge(DATA_WIDTH_{p}, ad{lo}, old, di{lo}));
        end
        if (RST{p} && OCE{p}) r{lo} <= 0;
        else if (OCE{p}) r{lo} <= q{lo};
      end
    end
  endgenerate
  assign do{lo} = (REGMODE_{p} == "OUTREG") ? r{lo} : q{lo};
"""


def pins(kind: str, p: str, n: int) -> str:
    return ", ".join(f"{kind}{p}{i}" for i in range(n - 1, -1, -1))


MODEL = f"""`default_nettype none
// qmlp: ECP5 primitive models for netlist simulation (sim_pnr_ecp5), written by
// qmlp.eda.netlist.ecp5_prims (a sim_pnr_ecp5 build writes it) - edit that, not this file.
//
// DP16KD (Yosys 0.23 has it only as a black box): 1024 rows of 18 bits; INITVAL_xx holds rows
// 16*xx .. 16*xx+15, row j in bits [20*j +: 18] (Yosys' init_slice). A port of DATA_WIDTH W
// addresses words of W bits: x18 AD[13:4] (AD[1:0] byte enables for writes), x9 AD[13:3],
// x4 AD[13:2], x2 AD[13:1], x1 AD[13:0]; words narrower than 9 bits sit in the 8 data bits of
// each 9-bit byte; x36 (pseudo dual port: A writes, B reads) AD[13:5], rows 2w and 2w + 1. CE enables the port, CS must equal CSDECODE, WE writes (WRITEMODE NORMAL
// keeps the output, WRITETHROUGH shows the new word, READBEFOREWRITE the old one).
module DP16KD (
  input wire {pins('DI', 'A', 18)},
  input wire {pins('AD', 'A', 14)},
  input wire CEA, OCEA, CLKA, WEA, RSTA,
  input wire CSA2, CSA1, CSA0,
  output wire {pins('DO', 'A', 18)},
  input wire {pins('DI', 'B', 18)},
  input wire {pins('AD', 'B', 14)},
  input wire CEB, OCEB, CLKB, WEB, RSTB,
  input wire CSB2, CSB1, CSB0,
  output wire {pins('DO', 'B', 18)}
);
  parameter integer DATA_WIDTH_A = 18;
  parameter integer DATA_WIDTH_B = 18;
  parameter REGMODE_A = "NOREG";
  parameter REGMODE_B = "NOREG";
  parameter RESETMODE = "SYNC";
  parameter ASYNC_RESET_RELEASE = "SYNC";
  parameter [8*5-1:0] CSDECODE_A = "0b000";
  parameter [8*5-1:0] CSDECODE_B = "0b000";
  parameter [8*16-1:0] WRITEMODE_A = "NORMAL";
  parameter [8*16-1:0] WRITEMODE_B = "NORMAL";
  parameter CLKAMUX = "CLKA";
  parameter CLKBMUX = "CLKB";
  parameter GSR = "ENABLED";
  parameter INITVAL_DATA = "NONE";
{PARAMS}

  function [319:0] init_row(input integer idx);
    case (idx)
{ROWS}
      default: init_row = 320'h0;
    endcase
  endfunction

  reg [17:0] mem [0:1023];
  integer ir, ij;
  initial
    for (ir = 0; ir < 64; ir = ir + 1)
      for (ij = 0; ij < 16; ij = ij + 1)
        mem[ir * 16 + ij] = init_row(ir) >> (20 * ij);

  // first bit of a W-bit word at address ad, in its 18-bit row
  function integer pos(input integer w, input [13:0] ad);
    case (w)
      18: pos = 0;
      9: pos = 9 * ad[3];
      4: pos = 9 * ad[3] + 4 * ad[2];
      2: pos = 9 * ad[3] + 2 * ad[2:1];
      default: pos = 9 * ad[3] + ad[2:0];
    endcase
  endfunction

  function [17:0] word(input integer w, input [13:0] ad, input [17:0] row);
    word = (w == 18) ? row : ((row >> pos(w, ad)) & ((18'd1 << w) - 18'd1));
  endfunction

  function [17:0] merge(input integer w, input [13:0] ad, input [17:0] row, input [17:0] di);
    reg [17:0] m;
    begin
      if (w == 18) begin
        merge = row;
        if (ad[0]) merge[8:0] = di[8:0];
        if (ad[1]) merge[17:9] = di[17:9];
      end else begin
        m = ((18'd1 << w) - 18'd1) << pos(w, ad);
        merge = (row & ~m) | ((di << pos(w, ad)) & m);
      end
    end
  endfunction

  wire [17:0] dia = {{{pins('DI', 'A', 18)}}};
  wire [17:0] dib = {{{pins('DI', 'B', 18)}}};
  wire [13:0] ada = {{{pins('AD', 'A', 14)}}};
  wire [13:0] adb = {{{pins('AD', 'B', 14)}}};
  wire [17:0] doa, dob;
  wire cka = (CLKAMUX == "INV") ? ~CLKA : CLKA;
  wire ckb = (CLKBMUX == "INV") ? ~CLKB : CLKB;
  // CSDECODE "0bXYZ": X for CS2 (the last three characters)
  wire ena = CEA && ({{CSA2, CSA1, CSA0}} == {{CSDECODE_A[16], CSDECODE_A[8], CSDECODE_A[0]}});
  wire enb = CEB && ({{CSB2, CSB1, CSB0}} == {{CSDECODE_B[16], CSDECODE_B[8], CSDECODE_B[0]}});

{port('A', 'CLKA')}
{port('B', 'CLKB')}
  // pseudo dual port, 36 bits (Yosys' $__ECP5_PDPW16KD_ mapping): port A writes {{DIB, DIA}}
  // at AD[13:5] with byte enables AD[3:0]; port B reads rows 2w (on DOA) and 2w + 1 (on DOB)
  reg [35:0] q36, r36;
  initial begin q36 = 0; r36 = 0; end
  generate
    if (DATA_WIDTH_A == 36) begin : g_a36
      always @(posedge cka) begin : b_a36
        reg [17:0] lo, hi;
        if (ena && !RSTA && WEA) begin
          lo = mem[{{ada[13:5], 1'b0}}];
          hi = mem[{{ada[13:5], 1'b1}}];
          if (ada[0]) lo[8:0] = dia[8:0];
          if (ada[1]) lo[17:9] = dia[17:9];
          if (ada[2]) hi[8:0] = dib[8:0];
          if (ada[3]) hi[17:9] = dib[17:9];
          mem[{{ada[13:5], 1'b0}}] <= lo;
          mem[{{ada[13:5], 1'b1}}] <= hi;
        end
      end
    end
    if (DATA_WIDTH_B == 36) begin : g_b36
      if (RESETMODE == "ASYNC") begin : g_async
        always @(posedge ckb or posedge RSTB)
          if (RSTB) begin q36 <= 0; r36 <= 0; end
          else begin
            if (enb) q36 <= {{mem[{{adb[13:5], 1'b1}}], mem[{{adb[13:5], 1'b0}}]}};
            if (OCEB) r36 <= q36;
          end
      end else begin : g_sync
        always @(posedge ckb) begin
          if (RSTB) q36 <= 0;
          else if (enb) q36 <= {{mem[{{adb[13:5], 1'b1}}], mem[{{adb[13:5], 1'b0}}]}};
          if (RSTB && OCEB) r36 <= 0;
          else if (OCEB) r36 <= q36;
        end
      end
    end
  endgenerate
  wire [35:0] do36 = (REGMODE_B == "OUTREG") ? r36 : q36;
  assign {{{pins('DO', 'A', 18)}}} = (DATA_WIDTH_B == 36) ? do36[17:0] : doa;
  assign {{{pins('DO', 'B', 18)}}} = (DATA_WIDTH_B == 36) ? do36[35:18] : dob;
endmodule

// DCCA, the global clock buffer nextpnr puts on the clock (no model in Yosys 0.23)
module DCCA (input wire CLKI, input wire CE, output wire CLKO);
  assign CLKO = CLKI & CE;
endmodule

`default_nettype wire
"""

EXTRA = """
// TRELLIS_COMB: half a slice in nextpnr's routed netlist (nextpnr splits each SLICE into two
// of these, TRELLIS_FF and TRELLIS_RAMW; Yosys 0.23 models only the whole TRELLIS_SLICE).
//   LOGIC: F = LUT4(INITVAL)(A, B, C, D)
//   CCU2 : one half of a CCU2C - F = LUT4 ^ (INJECT1 ? 0 : FCI),
//          FCO = LUT4 ? FCI : (INJECT1 ? 0 : LUT2(INITVAL[3:0])(A, B))
//   DPRAM: 16x1 RAM read at {A, C, B, D}, written at WAD on WCK when WRE
//   RAMW_BLOCK: the half that a TRELLIS_RAMW occupies (no output of its own)
// OFX: the slice's wide-function mux - in the first half (IS_Z1 = 0) M ? F1 : F (PFUMX, F1 the
// other half's LUT), in the second M ? FXB : FXA (L6MUX21).
module TRELLIS_COMB (
  input wire A, B, C, D, M,
  input wire FCI, F1, FXA, FXB,
  input wire WD,
  input wire WAD0, WAD1, WAD2, WAD3,
  input wire WRE, WCK,
  input wire DI0, DI1,
  output wire F, FCO, OFX
);
  parameter MODE = "LOGIC";
  parameter WCKMUX = "WCK";
  parameter [15:0] INITVAL = 16'h0;
  parameter CCU2_INJECT1 = "NO";
  parameter WREMUX = "WRE";
  parameter IS_Z1 = 1'b0;

  wire [3:0] i = {D, C, B, A};
  wire l4 = INITVAL[i];
  wire l2 = INITVAL[{2'b00, B, A}];
  wire inj = (CCU2_INJECT1 == "YES");
  reg [15:0] ram;
  initial ram = INITVAL;
  wire wre = (WREMUX == "INV") ? ~WRE : (WREMUX == "1") ? 1'b1 : (WREMUX == "0") ? 1'b0 : WRE;
  generate
    if (MODE == "DPRAM") begin : g_ram
      wire wck = (WCKMUX == "INV") ? ~WCK : WCK;
      always @(posedge wck) if (wre) ram[{WAD3, WAD2, WAD1, WAD0}] <= WD;
      assign F = ram[{A, C, B, D}];
      assign FCO = 1'b0;
    end else if (MODE == "CCU2") begin : g_ccu2
      assign F = l4 ^ (inj ? 1'b0 : FCI);
      assign FCO = l4 ? FCI : (inj ? 1'b0 : l2);
    end else if (MODE == "RAMW_BLOCK") begin : g_ramw
      assign F = 1'b0;
      assign FCO = 1'b0;
    end else begin : g_logic
      assign F = l4;
      assign FCO = 1'b0;
    end
  endgenerate
  assign OFX = (IS_Z1 != 0) ? (M ? FXB : FXA) : (M ? F1 : F);
endmodule

// TRELLIS_RAMW: the write-port half of a distributed-RAM slice in nextpnr's routed netlist (its
// LUT inputs carry the write data and address to the DPRAM halves)
module TRELLIS_RAMW (
  input wire A0, B0, C0, D0, A1, B1, C1, D1,
  output wire WDO0, WDO1, WDO2, WDO3, WADO0, WADO1, WADO2, WADO3
);
  assign {WDO3, WDO2, WDO1, WDO0} = {B1, D1, A1, C1};
  assign {WADO3, WADO2, WADO1, WADO0} = {A0, C0, B0, D0};
endmodule
"""

def text() -> str:
    """The models' Verilog."""
    head, tail = MODEL.rsplit("`default_nettype wire", 1)
    return head + EXTRA + "`default_nettype wire" + tail
