// qmlp_list_item(list, i): the i-th (0-based) decimal number of a comma-separated string
// parameter such as "4,16,2", or -1 when the list has fewer items; qmlp_list_len(list): how
// many items it has. FuseSoC passes list parameters (--PE=4,16,2) to the RTL as strings, so a
// design point needs no generated header. Included inside a module: constant functions.
// A Verilog string is a bit vector, last character in the lowest byte, unused bytes zero.
localparam integer QMLP_LIST_BYTES = 64;

function automatic integer qmlp_list_item(input [8*QMLP_LIST_BYTES-1:0] list, input integer idx);
  integer i, item, value, seen;
  reg [7:0] ch;
  begin
    item = 0; value = 0; seen = 0; qmlp_list_item = -1;
    for (i = QMLP_LIST_BYTES - 1; i >= 0; i = i - 1) begin
      ch = list[i*8 +: 8];
      if (ch == ",") begin
        if (item == idx) qmlp_list_item = value;
        item = item + 1;
        value = 0;
      end else if (ch >= "0" && ch <= "9") begin
        value = value * 10 + {24'd0, ch} - 48;
        seen = 1;
      end
    end
    if (seen != 0 && item == idx) qmlp_list_item = value;
  end
endfunction

function automatic integer qmlp_list_len(input [8*QMLP_LIST_BYTES-1:0] list);
  integer i, n, seen;
  begin
    n = 1; seen = 0;
    for (i = 0; i < QMLP_LIST_BYTES; i = i + 1) begin
      if (list[i*8 +: 8] == ",") n = n + 1;
      if (list[i*8 +: 8] != 8'd0) seen = 1;
    end
    qmlp_list_len = (seen != 0) ? n : 0;
  end
endfunction

// qmlp_list_at(list, i): item i, or item 0 when the list has one item ("4" = 4 for every layer).
function automatic integer qmlp_list_at(input [8*QMLP_LIST_BYTES-1:0] list, input integer idx);
  begin
    qmlp_list_at = (qmlp_list_len(list) == 1) ? qmlp_list_item(list, 0) : qmlp_list_item(list, idx);
  end
endfunction

// qmlp_list_word(list, i): item i of a comma-separated list of words ("dsp2,dsp2,dsp") as a
// string of up to 8 characters, last character in the lowest byte like a Verilog string
// literal, so it compares equal to "dsp2"; 0 when the list has fewer items.
function automatic [63:0] qmlp_list_word(input [8*QMLP_LIST_BYTES-1:0] list, input integer idx);
  integer i, item;
  reg [7:0] ch;
  begin
    item = 0; qmlp_list_word = 64'd0;
    for (i = QMLP_LIST_BYTES - 1; i >= 0; i = i - 1) begin
      ch = list[i*8 +: 8];
      if (ch == ",") item = item + 1;
      else if (ch != 8'd0 && item == idx) qmlp_list_word = {qmlp_list_word[55:0], ch};
    end
  end
endfunction

// qmlp_list_word_at(list, i): word i, or word 0 when the list has one item.
function automatic [63:0] qmlp_list_word_at(input [8*QMLP_LIST_BYTES-1:0] list, input integer idx);
  begin
    qmlp_list_word_at = (qmlp_list_len(list) == 1) ? qmlp_list_word(list, 0) : qmlp_list_word(list, idx);
  end
endfunction

// qmlp_mac_code(word): the MAC style of a layer (--MAC) as qmlp_mlp_layer's MAC parameter:
// 0 dsp (one product per DSP48), 1 dsp2 (two products per DSP48), 2 lut; -1 for an unknown word.
function automatic integer qmlp_mac_code(input [63:0] word);
  begin
    qmlp_mac_code = (word == "dsp") ? 0 : (word == "dsp2") ? 1 : (word == "lut") ? 2 : -1;
  end
endfunction

// qmlp_vec_item(vec, i): item i of a vector of 32-bit integers, item 0 in the lowest bits (the
// per-layer constants of qmlp_roms/qmlp_mlp_model.vh, e.g. L_K = {32'd64, 32'd128, 32'd784}),
// as a signed integer. Vectors up to QMLP_MAX_LAYERS items.
localparam integer QMLP_MAX_LAYERS = 16;

function automatic integer qmlp_vec_item(input [32*QMLP_MAX_LAYERS-1:0] vec, input integer idx);
  begin
    qmlp_vec_item = vec[idx*32 +: 32];
  end
endfunction

// qmlp_file(kind, l): the init file of layer l (0-based) as a string: kind 0 "fc<l+1>.mem"
// (weights), 1 "act<l+1>.mem" (activation table), 2 "bias<l+1>.mem", 3 "thr<l+1>.mem"
// (thresholds), under qmlp_roms/ relative
// to the run, or by bare name for Vivado (QMLP_ROMS_BY_NAME: read_mem adds them to the project).
// Whole strings per case: a string concatenated from a wider vector would hold NUL bytes.
/* verilator lint_off WIDTH */   // strings of different lengths, zero-extended on the left
function automatic [8*32-1:0] qmlp_file(input integer kind, input integer l);
  reg [7:0] d1, d0;
  begin
    d1 = 8'd48 + (l + 1) / 10;
    d0 = 8'd48 + (l + 1) % 10;
`ifdef QMLP_ROMS_BY_NAME
    if (l >= 9) qmlp_file = (kind == 0) ? {"fc", d1, d0, ".mem"} : (kind == 1) ? {"act", d1, d0, ".mem"} :
                            (kind == 2) ? {"bias", d1, d0, ".mem"} : {"thr", d1, d0, ".mem"};
    else        qmlp_file = (kind == 0) ? {"fc", d0, ".mem"} : (kind == 1) ? {"act", d0, ".mem"} :
                            (kind == 2) ? {"bias", d0, ".mem"} : {"thr", d0, ".mem"};
`else
    if (l >= 9) qmlp_file = (kind == 0) ? {"qmlp_roms/fc", d1, d0, ".mem"} :
                            (kind == 1) ? {"qmlp_roms/act", d1, d0, ".mem"} :
                            (kind == 2) ? {"qmlp_roms/bias", d1, d0, ".mem"} : {"qmlp_roms/thr", d1, d0, ".mem"};
    else        qmlp_file = (kind == 0) ? {"qmlp_roms/fc", d0, ".mem"} :
                            (kind == 1) ? {"qmlp_roms/act", d0, ".mem"} :
                            (kind == 2) ? {"qmlp_roms/bias", d0, ".mem"} : {"qmlp_roms/thr", d0, ".mem"};
`endif
  end
endfunction
/* verilator lint_on WIDTH */
