`default_nettype none
// Testbench top of every matmul IP, handwritten (qmlp:ip:matmul_<kind>) or HLS-generated
// (qmlp:hls:matmul_<kind>): KIND picks the DUT, qmlp_matmul_<KIND>. Both kinds of core
// provide a module of that name with the same parameters and ports, so that this one
// self-checking bench drives them all.
//
// It plays the role of the HLS caller: ap_ctrl_hs block protocol, ap_memory arrays with one
// cycle of read latency, B and C cyclically partitioned into LANES banks (bank l holds the
// elements whose column j has j % LANES == l, at address (row * COLS + j) / LANES).
// Packed B (i8 with WBITS = 4 or 2, qmlp_matmul_i8): B.hex holds bytes of PER = 8/WBITS codes
// (INNER x COLS/PER bytes, row-major, qmlp.hw.roms.pack order), cyclically partitioned into
// B_BANKS = max(1, LANES/PER) banks: byte jb in bank jb % B_BANKS at address jb / B_BANKS of
// the flat array. C keeps its LANES banks. WBITS = 8 (the default) is the unpacked bench, the
// only one the HLS-generated cores take (their wrapper stops a simulation with another).
//
// Vectors come from Python (qmlp.hw.vectors, written by the cores' `qmlp hook vectors <kind>`
// pre-build hook) in qmlp_vectors/ of the working directory:
//   meta.txt   "<vectors> <ROWS> <INNER> <COLS> <A_W> <B_W> <C_W>"  (B_W: bits of B's elements,
//              WBITS for packed B; the B.hex words are then bytes)
//   A.hex, B.hex, C.hex   one hex word per line, vector after vector, row-major;
//                         C.hex holds the golden model's expected outputs.
// Blocks are read one at a time, so memory stays one block deep whatever the vector count.
// Every C word is compared bit for bit; X on a control output, an X written to C, an
// out-of-range address or a timeout fail the run. The last line is the SPEC 3 RESULT line,
// and a failing run exits non-zero (Verilator: exit(1); Icarus: $stop under `vvp -N`).
// Address checks compare port values with integer bounds, and KIND is compared with strings
// of other lengths, on purpose: hence no WIDTH warnings here.
/* verilator lint_off WIDTH */
module qmlp_tb_matmul #(
  parameter        KIND  = "i8",  // i8 | f32i8 | f32: the DUT is qmlp_matmul_<KIND>
  parameter integer ROWS  = 64,
  parameter integer INNER = 128,
  parameter integer COLS  = 64,
  parameter integer LANES = 1,
  parameter integer ACC_W = 32,   // i8 only
  parameter integer SHIFT = 0,    // i8 only
  parameter integer FL_B  = 4,    // f32i8 only
  parameter integer WBITS = 8     // i8 only: bits per B code, 8/WBITS codes per B byte
);
  // word widths of A, B and C for the kind (SPEC 5: int8 or float32 arrays)
  localparam integer A_W = (KIND == "i8") ? 8 : 32;
  localparam integer B_W = (KIND == "f32") ? 32 : 8;       // B word (memory) width
  localparam integer B_EW = (KIND == "i8") ? WBITS : B_W;   // B element width (meta.txt)
  localparam integer PER  = 8 / WBITS;                      // B elements per word (i8 only)
  localparam integer B_BANKS = (LANES >= PER) ? LANES / PER : 1;
  localparam integer C_W = (KIND == "i8") ? 8 : 32;
  localparam integer A_AW = $clog2(ROWS * INNER);
  localparam integer A_N  = ROWS * INNER;
  localparam integer B_N  = INNER * COLS / PER;
  localparam integer C_N  = ROWS * COLS;
  localparam integer B_AW = $clog2(B_N / B_BANKS);
  localparam integer C_AW = $clog2(ROWS * COLS / LANES);
  localparam integer MAX_REPORT = 10;

  // ---- the DUT and its ports
  reg                      clk, rst, start;
  wire                     done, idle, ready;
  wire [A_AW-1:0]          A_address0;
  wire                     A_ce0;
  reg  [A_W-1:0]           A_q0;
  wire [B_BANKS*B_AW-1:0]  B_address0;
  wire [B_BANKS-1:0]       B_ce0;
  wire [B_BANKS*B_W-1:0]   B_q0;
  wire [LANES*C_AW-1:0]    C_address0;
  wire [LANES-1:0]         C_ce0, C_we0;
  wire [LANES*C_W-1:0]     C_d0;

  generate
    if (KIND == "i8") begin : g_i8
      qmlp_matmul_i8 #(
        .ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES), .ACC_W(ACC_W), .SHIFT(SHIFT),
        .WBITS(WBITS)
      ) u_dut (
        .ap_clk(clk), .ap_rst(rst), .ap_start(start), .ap_done(done), .ap_idle(idle), .ap_ready(ready),
        .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
        .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
        .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0)
      );
    end else if (KIND == "f32i8") begin : g_f32i8
      qmlp_matmul_f32i8 #(
        .ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES), .FL_B(FL_B)
      ) u_dut (
        .ap_clk(clk), .ap_rst(rst), .ap_start(start), .ap_done(done), .ap_idle(idle), .ap_ready(ready),
        .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
        .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
        .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0)
      );
    end else if (KIND == "f32") begin : g_f32
      qmlp_matmul_f32 #(
        .ROWS(ROWS), .INNER(INNER), .COLS(COLS), .LANES(LANES)
      ) u_dut (
        .ap_clk(clk), .ap_rst(rst), .ap_start(start), .ap_done(done), .ap_idle(idle), .ap_ready(ready),
        .A_address0(A_address0), .A_ce0(A_ce0), .A_q0(A_q0),
        .B_address0(B_address0), .B_ce0(B_ce0), .B_q0(B_q0),
        .C_address0(C_address0), .C_ce0(C_ce0), .C_we0(C_we0), .C_d0(C_d0)
      );
    end else begin : g_unknown_kind
      assign {done, idle, ready, A_ce0, B_ce0, C_ce0, C_we0} = {(4 + B_BANKS + 2 * LANES){1'b0}};
      assign {A_address0, B_address0, C_address0, C_d0} = {(A_AW + B_BANKS * B_AW + LANES * (C_AW + C_W)){1'b0}};
      initial begin
        $display("ERROR: qmlp_tb_matmul: KIND=%0s is not one of i8, f32i8, f32", KIND);
        $display("RESULT pass=0 vectors=0 mismatches=0 cycles=0");
        finish_fail;
      end
    end
  endgenerate

  // ---- memories
  reg [A_W-1:0] a_mem [0:A_N-1];
  reg [B_W-1:0] b_mem [0:B_N-1];
  reg [C_W-1:0] c_mem [0:C_N-1];
  reg [C_W-1:0] c_exp [0:C_N-1];

  integer errors;       // protocol errors: X, bad addresses, timeouts, bad files
  integer mismatches;   // C words that differ from the golden model

  initial clk = 1'b0;
  always #5 clk = ~clk;

  // ---- memories: one read port per bank, one cycle of latency, as ap_memory expects
  always @(posedge clk) begin
    if (A_ce0 === 1'b1) begin
      if (^A_address0 === 1'bx || A_address0 >= A_N) begin
        $display("ERROR: A_address0=%0d out of range or X at %0t", A_address0, $time);
        errors = errors + 1;
      end else begin
        A_q0 <= a_mem[A_address0];
      end
    end
  end

  genvar l;
  generate
    for (l = 0; l < B_BANKS; l = l + 1) begin : g_bbank
      reg  [B_W-1:0]  b_q;
      wire [B_AW-1:0] b_addr = B_address0[l*B_AW +: B_AW];
      assign B_q0[l*B_W +: B_W] = b_q;
      always @(posedge clk) begin
        if (B_ce0[l] === 1'b1) begin
          if (^b_addr === 1'bx || b_addr * B_BANKS + l >= B_N) begin
            $display("ERROR: B bank %0d address %0d out of range or X at %0t", l, b_addr, $time);
            errors = errors + 1;
          end else begin
            b_q <= b_mem[b_addr * B_BANKS + l];
          end
        end
      end
    end
    for (l = 0; l < LANES; l = l + 1) begin : g_bank
      wire [C_AW-1:0] c_addr = C_address0[l*C_AW +: C_AW];
      wire [C_W-1:0]  c_d    = C_d0[l*C_W +: C_W];
      always @(posedge clk) begin
        if (C_ce0[l] === 1'b1 && C_we0[l] === 1'b1) begin
          if (^c_addr === 1'bx || c_addr * LANES + l >= C_N) begin
            $display("ERROR: C bank %0d address %0d out of range or X at %0t", l, c_addr, $time);
            errors = errors + 1;
          end else begin
            if (^c_d === 1'bx) begin
              $display("ERROR: X written to C[%0d] (bank %0d) at %0t", c_addr * LANES + l, l, $time);
              errors = errors + 1;
            end
            c_mem[c_addr * LANES + l] <= c_d;
          end
        end
      end
    end
  endgenerate

  // ---- no X on any control output once reset is over; with +STRICT_X=1 (the handwritten
  // IP) no X on any output at all, data and addresses included, even between accesses.
  integer strict_x;
  initial if (!$value$plusargs("STRICT_X=%d", strict_x)) strict_x = 0;
  always @(negedge clk) begin
    if (!rst && (^{done, idle, ready, A_ce0, B_ce0, C_ce0, C_we0} === 1'bx)) begin
      $display("ERROR: X on a control output at %0t: done=%b idle=%b ready=%b A_ce0=%b B_ce0=%b C_ce0=%b C_we0=%b",
               $time, done, idle, ready, A_ce0, B_ce0, C_ce0, C_we0);
      errors = errors + 1;
    end
    if (!rst && strict_x != 0 && (^{A_address0, B_address0, C_address0, C_d0} === 1'bx)) begin
      $display("ERROR: X on an address or data output at %0t (STRICT_X): A_address0=%h B_address0=%h C_address0=%h C_d0=%h",
               $time, A_address0, B_address0, C_address0, C_d0);
      errors = errors + 1;
    end
  end

  // ---- vector files
  integer fa, fb, fc, fm, nvec, r, i, v;
  integer m_rows, m_inner, m_cols, m_aw, m_bw, m_cw;
  reg [63:0] word;

  task fail_now;
    begin
      $display("RESULT pass=0 vectors=%0d mismatches=%0d cycles=%0d", v, mismatches, max_cycles);
      finish_fail;
    end
  endtask

  task finish_fail;
    begin
`ifdef VERILATOR
      $c("std::exit(1);");
`else
      $stop;  // with `vvp -N` (set in the core files) this exits with status 1
`endif
    end
  endtask

  task open_file(output integer fd, input [8*32-1:0] name);
    begin
      fd = $fopen(name, "r");
      if (fd == 0) begin
        $display("ERROR: cannot open %0s (the `qmlp hook vectors <kind>` pre-build hook writes the vectors)", name);
        fail_now;
      end
    end
  endtask

  // Read n words of width w into memory `which` (0 = A, 1 = B, 2 = C expected).
  task read_block(input integer fd, input integer which, input integer n, input integer w, input [8*16-1:0] name);
    integer k, got;
    begin
      for (k = 0; k < n; k = k + 1) begin
        got = $fscanf(fd, "%h\n", word);
        if (got != 1) begin
          $display("ERROR: %0s ended (or holds a non-hex word) after %0d words of vector %0d; meta.txt promises %0d vectors of %0d words",
                   name, k, v, nvec, n);
          fail_now;
        end
        if (^word === 1'bx) begin
          $display("ERROR: %0s word %0d of vector %0d is not a hex number", name, k, v);
          fail_now;
        end
        if (word >> w != 0) begin
          $display("ERROR: %0s word %0d of vector %0d (%0h) is wider than %0d bits", name, k, v, word, w);
          fail_now;
        end
        case (which)
          0: a_mem[k] = word[A_W-1:0];
          1: b_mem[k] = word[B_W-1:0];
          default: c_exp[k] = word[C_W-1:0];
        endcase
      end
    end
  endtask

  task expect_eof(input integer fd, input [8*16-1:0] name, input integer n);
    integer got;
    begin
      got = $fscanf(fd, "%h\n", word);
      if (got == 1) begin
        $display("ERROR: %0s holds more than the %0d vectors x %0d words that meta.txt declares", name, nvec, n);
        fail_now;
      end
    end
  endtask

  // ---- the run
  integer cycles, max_cycles, timeout, vec_mism, shown;
  initial begin
    errors = 0; mismatches = 0; max_cycles = 0; shown = 0; v = 0;
    rst = 1'b1; start = 1'b0;
    open_file(fm, "qmlp_vectors/meta.txt");
    r = $fscanf(fm, "%d %d %d %d %d %d %d", nvec, m_rows, m_inner, m_cols, m_aw, m_bw, m_cw);
    if (r != 7) begin
      $display("ERROR: qmlp_vectors/meta.txt must hold 7 integers: vectors ROWS INNER COLS A_W B_W C_W");
      fail_now;
    end
    if (m_rows != ROWS || m_inner != INNER || m_cols != COLS || m_aw != A_W || m_bw != B_EW || m_cw != C_W) begin
      $display("ERROR: vectors are for ROWS=%0d INNER=%0d COLS=%0d widths %0d/%0d/%0d, the simulation has ROWS=%0d INNER=%0d COLS=%0d widths %0d/%0d/%0d",
               m_rows, m_inner, m_cols, m_aw, m_bw, m_cw, ROWS, INNER, COLS, A_W, B_EW, C_W);
      fail_now;
    end
    if (nvec < 1) begin
      $display("ERROR: meta.txt declares %0d vectors", nvec);
      fail_now;
    end
    open_file(fa, "qmlp_vectors/A.hex");
    open_file(fb, "qmlp_vectors/B.hex");
    open_file(fc, "qmlp_vectors/C.hex");
    if (!$value$plusargs("timeout=%d", timeout))
      timeout = 4 * (ROWS * INNER * COLS / LANES) + 10000;

    repeat (5) @(negedge clk);
    rst = 1'b0;
    @(negedge clk);

    for (v = 0; v < nvec; v = v + 1) begin
      read_block(fa, 0, A_N, A_W, "A.hex");
      read_block(fb, 1, B_N, B_W, "B.hex");
      read_block(fc, 2, C_N, C_W, "C.hex");
      for (i = 0; i < C_N; i = i + 1) c_mem[i] = {C_W{1'bx}};  // unwritten outputs must fail
      if (idle !== 1'b1) begin
        $display("ERROR: ap_idle is %b before vector %0d", idle, v);
        errors = errors + 1;
      end
      // ap_ctrl_hs: hold ap_start until ap_ready, then wait for ap_done. Inputs change on the
      // falling edge (Verilator 5.006 runs initial-block NBAs as blocking: avoid the race).
      start = 1'b1;
      cycles = 0;
      while (done !== 1'b1 && cycles <= timeout) begin
        @(negedge clk);
        cycles = cycles + 1;
        if (ready === 1'b1) start = 1'b0;
      end
      start = 1'b0;
      if (cycles > timeout) begin
        $display("ERROR: timeout: no ap_done within %0d cycles in vector %0d", timeout, v);
        errors = errors + 1;
        v = nvec;  // stop here: the design is stuck
      end else begin
        @(negedge clk);  // the last C write lands on the edge that raised ap_done
        vec_mism = 0;
        for (i = 0; i < C_N; i = i + 1) begin
          if (c_mem[i] !== c_exp[i]) begin
            vec_mism = vec_mism + 1;
            if (shown < MAX_REPORT) begin
              $display("MISMATCH vector %0d C[%0d][%0d]: got %h expected %h", v, i / COLS, i % COLS, c_mem[i], c_exp[i]);
              shown = shown + 1;
            end
          end
        end
        mismatches = mismatches + vec_mism;
        if (cycles > max_cycles) max_cycles = cycles;
        $display("vector %0d/%0d: cycles=%0d mismatches=%0d", v + 1, nvec, cycles, vec_mism);
      end
    end
    if (errors == 0) begin
      expect_eof(fa, "A.hex", A_N);
      expect_eof(fb, "B.hex", B_N);
      expect_eof(fc, "C.hex", C_N);
    end
    if (errors == 0 && mismatches == 0) begin
      $display("RESULT pass=1 vectors=%0d mismatches=0 cycles=%0d", nvec, max_cycles);
      $finish;
    end else begin
      $display("RESULT pass=0 vectors=%0d mismatches=%0d cycles=%0d", nvec, mismatches, max_cycles);
      finish_fail;
    end
  end
endmodule
/* verilator lint_on WIDTH */
`default_nettype wire
