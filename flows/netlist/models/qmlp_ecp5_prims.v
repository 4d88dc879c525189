`default_nettype none
// qmlp: ECP5 primitive models for netlist simulation (sim_pnr_ecp5), written by
// flows/netlist/gen_ecp5_prims.py - edit that, not this file.
//
// DP16KD (Yosys 0.23 has it only as a black box): 1024 rows of 18 bits; INITVAL_xx holds rows
// 16*xx .. 16*xx+15, row j in bits [20*j +: 18] (Yosys' init_slice). A port of DATA_WIDTH W
// addresses words of W bits: x18 AD[13:4] (AD[1:0] byte enables for writes), x9 AD[13:3],
// x4 AD[13:2], x2 AD[13:1], x1 AD[13:0]; words narrower than 9 bits sit in the 8 data bits of
// each 9-bit byte; x36 (pseudo dual port: A writes, B reads) AD[13:5], rows 2w and 2w + 1. CE enables the port, CS must equal CSDECODE, WE writes (WRITEMODE NORMAL
// keeps the output, WRITETHROUGH shows the new word, READBEFOREWRITE the old one).
module DP16KD (
  input wire DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0,
  input wire ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0,
  input wire CEA, OCEA, CLKA, WEA, RSTA,
  input wire CSA2, CSA1, CSA0,
  output wire DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0,
  input wire DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0,
  input wire ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0,
  input wire CEB, OCEB, CLKB, WEB, RSTB,
  input wire CSB2, CSB1, CSB0,
  output wire DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0
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
  parameter [319:0] INITVAL_00 = 320'h0;
  parameter [319:0] INITVAL_01 = 320'h0;
  parameter [319:0] INITVAL_02 = 320'h0;
  parameter [319:0] INITVAL_03 = 320'h0;
  parameter [319:0] INITVAL_04 = 320'h0;
  parameter [319:0] INITVAL_05 = 320'h0;
  parameter [319:0] INITVAL_06 = 320'h0;
  parameter [319:0] INITVAL_07 = 320'h0;
  parameter [319:0] INITVAL_08 = 320'h0;
  parameter [319:0] INITVAL_09 = 320'h0;
  parameter [319:0] INITVAL_0A = 320'h0;
  parameter [319:0] INITVAL_0B = 320'h0;
  parameter [319:0] INITVAL_0C = 320'h0;
  parameter [319:0] INITVAL_0D = 320'h0;
  parameter [319:0] INITVAL_0E = 320'h0;
  parameter [319:0] INITVAL_0F = 320'h0;
  parameter [319:0] INITVAL_10 = 320'h0;
  parameter [319:0] INITVAL_11 = 320'h0;
  parameter [319:0] INITVAL_12 = 320'h0;
  parameter [319:0] INITVAL_13 = 320'h0;
  parameter [319:0] INITVAL_14 = 320'h0;
  parameter [319:0] INITVAL_15 = 320'h0;
  parameter [319:0] INITVAL_16 = 320'h0;
  parameter [319:0] INITVAL_17 = 320'h0;
  parameter [319:0] INITVAL_18 = 320'h0;
  parameter [319:0] INITVAL_19 = 320'h0;
  parameter [319:0] INITVAL_1A = 320'h0;
  parameter [319:0] INITVAL_1B = 320'h0;
  parameter [319:0] INITVAL_1C = 320'h0;
  parameter [319:0] INITVAL_1D = 320'h0;
  parameter [319:0] INITVAL_1E = 320'h0;
  parameter [319:0] INITVAL_1F = 320'h0;
  parameter [319:0] INITVAL_20 = 320'h0;
  parameter [319:0] INITVAL_21 = 320'h0;
  parameter [319:0] INITVAL_22 = 320'h0;
  parameter [319:0] INITVAL_23 = 320'h0;
  parameter [319:0] INITVAL_24 = 320'h0;
  parameter [319:0] INITVAL_25 = 320'h0;
  parameter [319:0] INITVAL_26 = 320'h0;
  parameter [319:0] INITVAL_27 = 320'h0;
  parameter [319:0] INITVAL_28 = 320'h0;
  parameter [319:0] INITVAL_29 = 320'h0;
  parameter [319:0] INITVAL_2A = 320'h0;
  parameter [319:0] INITVAL_2B = 320'h0;
  parameter [319:0] INITVAL_2C = 320'h0;
  parameter [319:0] INITVAL_2D = 320'h0;
  parameter [319:0] INITVAL_2E = 320'h0;
  parameter [319:0] INITVAL_2F = 320'h0;
  parameter [319:0] INITVAL_30 = 320'h0;
  parameter [319:0] INITVAL_31 = 320'h0;
  parameter [319:0] INITVAL_32 = 320'h0;
  parameter [319:0] INITVAL_33 = 320'h0;
  parameter [319:0] INITVAL_34 = 320'h0;
  parameter [319:0] INITVAL_35 = 320'h0;
  parameter [319:0] INITVAL_36 = 320'h0;
  parameter [319:0] INITVAL_37 = 320'h0;
  parameter [319:0] INITVAL_38 = 320'h0;
  parameter [319:0] INITVAL_39 = 320'h0;
  parameter [319:0] INITVAL_3A = 320'h0;
  parameter [319:0] INITVAL_3B = 320'h0;
  parameter [319:0] INITVAL_3C = 320'h0;
  parameter [319:0] INITVAL_3D = 320'h0;
  parameter [319:0] INITVAL_3E = 320'h0;
  parameter [319:0] INITVAL_3F = 320'h0;

  function [319:0] init_row(input integer idx);
    case (idx)
      0: init_row = INITVAL_00;
      1: init_row = INITVAL_01;
      2: init_row = INITVAL_02;
      3: init_row = INITVAL_03;
      4: init_row = INITVAL_04;
      5: init_row = INITVAL_05;
      6: init_row = INITVAL_06;
      7: init_row = INITVAL_07;
      8: init_row = INITVAL_08;
      9: init_row = INITVAL_09;
      10: init_row = INITVAL_0A;
      11: init_row = INITVAL_0B;
      12: init_row = INITVAL_0C;
      13: init_row = INITVAL_0D;
      14: init_row = INITVAL_0E;
      15: init_row = INITVAL_0F;
      16: init_row = INITVAL_10;
      17: init_row = INITVAL_11;
      18: init_row = INITVAL_12;
      19: init_row = INITVAL_13;
      20: init_row = INITVAL_14;
      21: init_row = INITVAL_15;
      22: init_row = INITVAL_16;
      23: init_row = INITVAL_17;
      24: init_row = INITVAL_18;
      25: init_row = INITVAL_19;
      26: init_row = INITVAL_1A;
      27: init_row = INITVAL_1B;
      28: init_row = INITVAL_1C;
      29: init_row = INITVAL_1D;
      30: init_row = INITVAL_1E;
      31: init_row = INITVAL_1F;
      32: init_row = INITVAL_20;
      33: init_row = INITVAL_21;
      34: init_row = INITVAL_22;
      35: init_row = INITVAL_23;
      36: init_row = INITVAL_24;
      37: init_row = INITVAL_25;
      38: init_row = INITVAL_26;
      39: init_row = INITVAL_27;
      40: init_row = INITVAL_28;
      41: init_row = INITVAL_29;
      42: init_row = INITVAL_2A;
      43: init_row = INITVAL_2B;
      44: init_row = INITVAL_2C;
      45: init_row = INITVAL_2D;
      46: init_row = INITVAL_2E;
      47: init_row = INITVAL_2F;
      48: init_row = INITVAL_30;
      49: init_row = INITVAL_31;
      50: init_row = INITVAL_32;
      51: init_row = INITVAL_33;
      52: init_row = INITVAL_34;
      53: init_row = INITVAL_35;
      54: init_row = INITVAL_36;
      55: init_row = INITVAL_37;
      56: init_row = INITVAL_38;
      57: init_row = INITVAL_39;
      58: init_row = INITVAL_3A;
      59: init_row = INITVAL_3B;
      60: init_row = INITVAL_3C;
      61: init_row = INITVAL_3D;
      62: init_row = INITVAL_3E;
      63: init_row = INITVAL_3F;
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

  wire [17:0] dia = {DIA17, DIA16, DIA15, DIA14, DIA13, DIA12, DIA11, DIA10, DIA9, DIA8, DIA7, DIA6, DIA5, DIA4, DIA3, DIA2, DIA1, DIA0};
  wire [17:0] dib = {DIB17, DIB16, DIB15, DIB14, DIB13, DIB12, DIB11, DIB10, DIB9, DIB8, DIB7, DIB6, DIB5, DIB4, DIB3, DIB2, DIB1, DIB0};
  wire [13:0] ada = {ADA13, ADA12, ADA11, ADA10, ADA9, ADA8, ADA7, ADA6, ADA5, ADA4, ADA3, ADA2, ADA1, ADA0};
  wire [13:0] adb = {ADB13, ADB12, ADB11, ADB10, ADB9, ADB8, ADB7, ADB6, ADB5, ADB4, ADB3, ADB2, ADB1, ADB0};
  wire [17:0] doa, dob;
  wire cka = (CLKAMUX == "INV") ? ~CLKA : CLKA;
  wire ckb = (CLKBMUX == "INV") ? ~CLKB : CLKB;
  // CSDECODE "0bXYZ": X for CS2 (the last three characters)
  wire ena = CEA && ({CSA2, CSA1, CSA0} == {CSDECODE_A[16], CSDECODE_A[8], CSDECODE_A[0]});
  wire enb = CEB && ({CSB2, CSB1, CSB0} == {CSDECODE_B[16], CSDECODE_B[8], CSDECODE_B[0]});

  // port A: RST clears the output latch ungated by CE and blocks the write (Yosys: rdsrst
  // zero ungated block_wr); the output register (REGMODE OUTREG) loads on OCE
  reg [17:0] qa, ra;
  initial begin qa = 0; ra = 0; end
  generate
    if (DATA_WIDTH_A == 36) begin : g_a_wide
      // the 36-bit mode below
    end else if (RESETMODE == "ASYNC") begin : g_a_async
      always @(posedge cka or posedge RSTA) begin : b_a
        reg [17:0] old;
        if (RSTA) begin
          qa <= 0;
          ra <= 0;
        end else begin
          if (ena) begin
            old = mem[ada[13:4]];
            if (WEA) mem[ada[13:4]] <= merge(DATA_WIDTH_A, ada, old, dia);
            if (!WEA || WRITEMODE_A == "READBEFOREWRITE") qa <= word(DATA_WIDTH_A, ada, old);
            else if (WRITEMODE_A == "WRITETHROUGH") qa <= word(DATA_WIDTH_A, ada, merge(DATA_WIDTH_A, ada, old, dia));
          end
          if (OCEA) ra <= qa;
        end
      end
    end else begin : g_a_sync
      always @(posedge cka) begin : b_a
        reg [17:0] old;
        if (RSTA) begin
          qa <= 0;
        end else if (ena) begin
          old = mem[ada[13:4]];
          if (WEA) mem[ada[13:4]] <= merge(DATA_WIDTH_A, ada, old, dia);
          if (!WEA || WRITEMODE_A == "READBEFOREWRITE") qa <= word(DATA_WIDTH_A, ada, old);
          else if (WRITEMODE_A == "WRITETHROUGH") qa <= word(DATA_WIDTH_A, ada, merge(DATA_WIDTH_A, ada, old, dia));
        end
        if (RSTA && OCEA) ra <= 0;
        else if (OCEA) ra <= qa;
      end
    end
  endgenerate
  assign doa = (REGMODE_A == "OUTREG") ? ra : qa;

  // port B: RST clears the output latch ungated by CE and blocks the write (Yosys: rdsrst
  // zero ungated block_wr); the output register (REGMODE OUTREG) loads on OCE
  reg [17:0] qb, rb;
  initial begin qb = 0; rb = 0; end
  generate
    if (DATA_WIDTH_B == 36) begin : g_b_wide
      // the 36-bit mode below
    end else if (RESETMODE == "ASYNC") begin : g_b_async
      always @(posedge ckb or posedge RSTB) begin : b_b
        reg [17:0] old;
        if (RSTB) begin
          qb <= 0;
          rb <= 0;
        end else begin
          if (enb) begin
            old = mem[adb[13:4]];
            if (WEB) mem[adb[13:4]] <= merge(DATA_WIDTH_B, adb, old, dib);
            if (!WEB || WRITEMODE_B == "READBEFOREWRITE") qb <= word(DATA_WIDTH_B, adb, old);
            else if (WRITEMODE_B == "WRITETHROUGH") qb <= word(DATA_WIDTH_B, adb, merge(DATA_WIDTH_B, adb, old, dib));
          end
          if (OCEB) rb <= qb;
        end
      end
    end else begin : g_b_sync
      always @(posedge ckb) begin : b_b
        reg [17:0] old;
        if (RSTB) begin
          qb <= 0;
        end else if (enb) begin
          old = mem[adb[13:4]];
          if (WEB) mem[adb[13:4]] <= merge(DATA_WIDTH_B, adb, old, dib);
          if (!WEB || WRITEMODE_B == "READBEFOREWRITE") qb <= word(DATA_WIDTH_B, adb, old);
          else if (WRITEMODE_B == "WRITETHROUGH") qb <= word(DATA_WIDTH_B, adb, merge(DATA_WIDTH_B, adb, old, dib));
        end
        if (RSTB && OCEB) rb <= 0;
        else if (OCEB) rb <= qb;
      end
    end
  endgenerate
  assign dob = (REGMODE_B == "OUTREG") ? rb : qb;

  // pseudo dual port, 36 bits (Yosys' $__ECP5_PDPW16KD_ mapping): port A writes {DIB, DIA}
  // at AD[13:5] with byte enables AD[3:0]; port B reads rows 2w (on DOA) and 2w + 1 (on DOB)
  reg [35:0] q36, r36;
  initial begin q36 = 0; r36 = 0; end
  generate
    if (DATA_WIDTH_A == 36) begin : g_a36
      always @(posedge cka) begin : b_a36
        reg [17:0] lo, hi;
        if (ena && !RSTA && WEA) begin
          lo = mem[{ada[13:5], 1'b0}];
          hi = mem[{ada[13:5], 1'b1}];
          if (ada[0]) lo[8:0] = dia[8:0];
          if (ada[1]) lo[17:9] = dia[17:9];
          if (ada[2]) hi[8:0] = dib[8:0];
          if (ada[3]) hi[17:9] = dib[17:9];
          mem[{ada[13:5], 1'b0}] <= lo;
          mem[{ada[13:5], 1'b1}] <= hi;
        end
      end
    end
    if (DATA_WIDTH_B == 36) begin : g_b36
      if (RESETMODE == "ASYNC") begin : g_async
        always @(posedge ckb or posedge RSTB)
          if (RSTB) begin q36 <= 0; r36 <= 0; end
          else begin
            if (enb) q36 <= {mem[{adb[13:5], 1'b1}], mem[{adb[13:5], 1'b0}]};
            if (OCEB) r36 <= q36;
          end
      end else begin : g_sync
        always @(posedge ckb) begin
          if (RSTB) q36 <= 0;
          else if (enb) q36 <= {mem[{adb[13:5], 1'b1}], mem[{adb[13:5], 1'b0}]};
          if (RSTB && OCEB) r36 <= 0;
          else if (OCEB) r36 <= q36;
        end
      end
    end
  endgenerate
  wire [35:0] do36 = (REGMODE_B == "OUTREG") ? r36 : q36;
  assign {DOA17, DOA16, DOA15, DOA14, DOA13, DOA12, DOA11, DOA10, DOA9, DOA8, DOA7, DOA6, DOA5, DOA4, DOA3, DOA2, DOA1, DOA0} = (DATA_WIDTH_B == 36) ? do36[17:0] : doa;
  assign {DOB17, DOB16, DOB15, DOB14, DOB13, DOB12, DOB11, DOB10, DOB9, DOB8, DOB7, DOB6, DOB5, DOB4, DOB3, DOB2, DOB1, DOB0} = (DATA_WIDTH_B == 36) ? do36[35:18] : dob;
endmodule

// DCCA, the global clock buffer nextpnr puts on the clock (no model in Yosys 0.23)
module DCCA (input wire CLKI, input wire CE, output wire CLKO);
  assign CLKO = CLKI & CE;
endmodule


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
`default_nettype wire
