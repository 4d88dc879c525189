`default_nettype none
// Self-checking testbench of qmlp:accel:mlp.
//
// Streams test images (qmlp_roms/images.hex, written by the `qmlp hook accel` pre-build hook
// with the golden model's expected outputs in expected.hex) into the accelerator back to back,
// and compares every output word - the int32 logits and the class per image - bit for bit. The
// accuracy printed is computed from the hardware's own class outputs against labels.hex.
// Before the run it checks that every ROM file has the depth and width that the design point
// (PE, SIMD) needs, so a wrong file fails with a message, not with X. The network (layer count,
// widths) comes from the model header the hook wrote (qmlp_roms/qmlp_mlp_model.vh).
// Parameters PE, SIMD: the design point, passed to the accelerator as they are ("auto": the
// model's default folding, MODEL_PE / MODEL_SIMD).
// Plusargs: +IMAGES=n (default: all in the file), +STALL=p (percent of cycles with input
// gaps and output back-pressure), +TIMEOUT=cycles without progress.
// Last line: RESULT pass=<0|1> images=<n> mismatches=<m> accuracy=<%> cycles_per_image=<c>
module qmlp_tb_mlp_accel;
  parameter [8*64-1:0] PE   = "auto";
  parameter [8*64-1:0] SIMD = "auto";
  parameter [8*64-1:0] WBITS = "8";
  parameter [8*64-1:0] ABITS = "8";
  parameter [8*64-1:0] MAC   = "dsp";
  parameter [8*64-1:0] LUTPE = "0";   // PEs per layer in LUT multipliers (mixed layers)

`include "qmlp_mlp_list.vh"
`include "qmlp_roms/qmlp_mlp_model.vh"

  localparam [8*64-1:0] PE_S   = (PE == "auto") ? MODEL_PE : PE;
  localparam [8*64-1:0] SIMD_S = (SIMD == "auto") ? MODEL_SIMD : SIMD;
  localparam integer K1 = qmlp_vec_item(L_K, 0), SIMD1 = qmlp_list_item(SIMD_S, 0);
  localparam integer NOUT = qmlp_vec_item(L_N, NL - 1);
  // a layer's cycles per image: (N/PE)*(K/SIMD), one ROM word per cycle
  function automatic integer layer_cycles(input integer l);
    begin
      layer_cycles = (qmlp_vec_item(L_N, l) / qmlp_list_item(PE_S, l)) * (qmlp_vec_item(L_K, l) / qmlp_list_item(SIMD_S, l));
    end
  endfunction
  function automatic integer max_cycles(input integer dummy);
    integer l, c;
    begin
      max_cycles = dummy;
      for (l = 0; l < NL; l = l + 1) begin
        c = layer_cycles(l);
        if (c > max_cycles) max_cycles = c;
      end
    end
  endfunction
  localparam integer CYCLES_PER_IMAGE = max_cycles(0);
  localparam integer W1 = K1 / SIMD1;          // input beats per image
  localparam integer IW = SIMD1 * 8;
  localparam integer BEATS = NOUT + 1;         // output beats per image
  localparam integer MAX_IMAGES = 10000;
  localparam integer MAX_REPORT = 10;

  reg clk = 1'b0;
  reg rst = 1'b1;
  always #5 clk = ~clk;

  reg  [IW-1:0] s_tdata;
  reg           s_tvalid;
  wire          s_tready;
  wire [31:0]   m_tdata;
  wire          m_tvalid, m_tlast;
  reg           m_tready;

  qmlp_mlp_accel #(.PE(PE), .SIMD(SIMD), .WBITS(WBITS), .ABITS(ABITS), .MAC(MAC), .LUTPE(LUTPE)) u_dut (
    .ap_clk(clk), .ap_rst(rst),
    .s_axis_tdata(s_tdata), .s_axis_tvalid(s_tvalid), .s_axis_tready(s_tready),
    .m_axis_tdata(m_tdata), .m_axis_tvalid(m_tvalid), .m_axis_tready(m_tready), .m_axis_tlast(m_tlast)
  );

  integer images, stall, timeout, errors, mismatches, correct, n_files;
  integer t_first_in = -1;
  integer cycle, last_progress, fd_img, fd_exp, fd_lab, r;
  integer t_out [0:MAX_IMAGES-1];     // each image's last beat (the class): the latency
  integer t_beat0 [0:MAX_IMAGES-1];   // each image's first beat: the interval (the class beat may wait a
                                      // cycle for a pending argmax candidate, the logits never do)
  reg [31:0] expected [0:BEATS-1];
  reg [31:0] label;

  task finish_fail;
    begin
`ifdef VERILATOR
      $c("std::exit(1);");
`else
      $stop;  // `vvp -N` (set in the core) turns this into exit status 1
`endif
    end
  endtask

  task fail_now;
    begin
      $display("RESULT pass=0 images=%0d mismatches=%0d accuracy=0.00 cycles_per_image=0", out_img, mismatches);
      finish_fail;
    end
  endtask

  // A ROM file must hold exactly `depth` words of exactly width/4 hex digits (+ an @0 line).
  // $fgets returns a line longer than the buffer in pieces (a ROM word of PE*SIMD*WBITS bits
  // can be wider than 4,096: 6,272 at PE=16 SIMD=49 w8): the pieces are counted as one line.
  reg [8*1024-1:0] line;
  task check_rom(input [8*32-1:0] name, input integer depth, input integer width);
    integer fd, n, len, words, lineno;
    reg [7:0] first;
    begin
      fd = $fopen(name, "r");
      if (fd == 0) begin
        $display("ERROR: cannot open ROM file %0s (written by the `qmlp hook accel` pre-build hook)", name);
        fail_now;
      end
      words = 0; lineno = 0;
      n = $fgets(line, fd);
      while (n > 0) begin
        lineno = lineno + 1;
        len = n;
        first = line[n*8-1 -: 8];
        while (n == 1024 && line[7:0] != 8'h0a) begin       // a full buffer without the newline
          n = $fgets(line, fd);
          len = len + n;
        end
        if (n > 0 && line[7:0] == 8'h0a) len = len - 1;    // without the newline
        if (len > 0 && first != "@") begin                  // first character
          if (len != (width + 3) / 4) begin
            $display("ERROR: %0s line %0d has %0d hex digits; the hardware's ROM is %0d bits wide (%0d digits)",
                     name, lineno, len, width, (width + 3) / 4);
            fail_now;
          end
          words = words + 1;
        end
        n = $fgets(line, fd);
      end
      $fclose(fd);
      if (words != depth) begin
        $display("ERROR: %0s holds %0d words; the hardware's ROM is %0d deep (PE=%0s SIMD=%0s WBITS=%0s)",
                 name, words, depth, PE, SIMD, WBITS);
        fail_now;
      end
    end
  endtask

  // ---- input: the next beat is presented on the falling edge after the last was taken
  integer in_img, in_word;
  reg     taken;
  reg [IW-1:0] word;
  always @(negedge clk) begin
    if (!rst) begin
      if (taken) begin
        in_word = in_word + 1;
        if (in_word == W1) begin in_word = 0; in_img = in_img + 1; end
        s_tvalid = 1'b0;
      end
      if (in_img < images && !s_tvalid && ($urandom % 100) >= stall) begin
        r = $fscanf(fd_img, "%h\n", word);
        if (r != 1) begin
          $display("ERROR: images.hex ended at image %0d word %0d", in_img, in_word);
          fail_now;
        end
        s_tdata = word;
        s_tvalid = 1'b1;
      end
      taken = s_tvalid & s_tready;   // s_tready only changes on rising edges
      if (taken && t_first_in < 0) t_first_in = cycle;   // the first beat goes in at the next edge
    end
  end

  // ---- output: every beat is checked on the falling edge before the edge that takes it
  integer out_img, out_beat, b, img_bad, shown;
  always @(negedge clk) begin
    if (!rst) begin
      m_tready = ($urandom % 100) >= stall;   // what the next rising edge will see
      if (m_tvalid === 1'bx || m_tlast === 1'bx || s_tready === 1'bx) begin
        $display("ERROR: X on a handshake output at cycle %0d", cycle);
        errors = errors + 1;
      end
      if (m_tvalid === 1'b1 && m_tready) begin
        if (out_beat == 0) begin
          t_beat0[out_img] = cycle;
          for (b = 0; b < BEATS; b = b + 1) begin
            r = $fscanf(fd_exp, "%h\n", expected[b]);
            if (r != 1) begin
              $display("ERROR: expected.hex ended at image %0d", out_img);
              fail_now;
            end
          end
          r = $fscanf(fd_lab, "%h\n", label);
          img_bad = 0;
        end
        if (m_tdata !== expected[out_beat] || m_tlast !== (out_beat == BEATS - 1)) begin
          if (shown < MAX_REPORT)
            $display("MISMATCH image %0d %0s %0d: got %h expected %h (tlast %b)", out_img,
                     out_beat == BEATS - 1 ? "class" : "logit", out_beat, m_tdata, expected[out_beat], m_tlast);
          shown = shown + 1;
          img_bad = 1;
        end
        if (out_beat == BEATS - 1) begin
          if (m_tdata == label) correct = correct + 1;
          mismatches = mismatches + img_bad;
          t_out[out_img] = cycle;
          out_img = out_img + 1;
          out_beat = 0;
          last_progress = cycle;
        end else begin
          out_beat = out_beat + 1;
        end
      end
    end
  end

  always @(posedge clk) begin
    cycle = cycle + 1;
    if (!rst && cycle - last_progress > timeout) begin
      $display("ERROR: timeout: no image for %0d cycles (%0d of %0d done)", timeout, out_img, images);
      fail_now;
    end
  end

  integer cpi, latency, half, l;
  real acc;
  initial begin
    cycle = 0; errors = 0; mismatches = 0; correct = 0; out_img = 0; out_beat = 0; shown = 0;
    in_img = 0; in_word = 0; taken = 1'b0; s_tvalid = 1'b0; s_tdata = {IW{1'b0}}; m_tready = 1'b1;
    last_progress = 0;
    if (!$value$plusargs("STALL=%d", stall)) stall = 0;
    if (!$value$plusargs("TIMEOUT=%d", timeout)) timeout = 20 * CYCLES_PER_IMAGE + 10000;

    for (l = 0; l < NL; l = l + 1) begin
      check_rom(qmlp_file(0, l), layer_cycles(l), qmlp_list_item(PE_S, l) * qmlp_list_item(SIMD_S, l) *
                qmlp_list_at(WBITS, l));
      if (qmlp_vec_item(L_ACT, l) == 0) check_rom(qmlp_file(1, l), 1 << IDX_BITS, 8);
      if (qmlp_vec_item(L_BIAS, l) != 0)
        check_rom(qmlp_file(2, l), (qmlp_vec_item(L_N, l) / qmlp_list_item(PE_S, l) > 1) ?
                  qmlp_vec_item(L_N, l) / qmlp_list_item(PE_S, l) : 2, 24 * qmlp_list_item(PE_S, l));
    end

    fd_img = $fopen("qmlp_roms/vectors.txt", "r");
    if (fd_img == 0) begin $display("ERROR: cannot open qmlp_roms/vectors.txt"); fail_now; end
    r = $fscanf(fd_img, "%d %d %d", n_files, b, half);
    $fclose(fd_img);
    if (r != 3 || b != W1 || half != IW) begin
      $display("ERROR: qmlp_roms/vectors.txt describes %0d-word images of %0d-bit beats; the hardware takes %0d x %0d",
               b, half, W1, IW);
      fail_now;
    end
    if (!$value$plusargs("IMAGES=%d", images) || images <= 0 || images > n_files) images = n_files;
    if (images > MAX_IMAGES) images = MAX_IMAGES;
    fd_img = $fopen("qmlp_roms/images.hex", "r");
    fd_exp = $fopen("qmlp_roms/expected.hex", "r");
    fd_lab = $fopen("qmlp_roms/labels.hex", "r");
    if (fd_img == 0 || fd_exp == 0 || fd_lab == 0) begin
      $display("ERROR: cannot open qmlp_roms/images.hex, expected.hex or labels.hex");
      fail_now;
    end
    $display("qmlp_tb_mlp_accel: %0d images, %0d layers, PE=%0s SIMD=%0s, %0d cycles per image, stall %0d %%",
             images, NL, PE_S, SIMD_S, CYCLES_PER_IMAGE, stall);

    repeat (4) @(negedge clk);
    rst = 1'b0;
    wait (out_img == images);
    @(negedge clk);

    latency = t_out[0] - t_first_in + 1;
    if (images >= 3) begin
      // steady state: the second half of the run, first beat to first beat, rounded to the
      // nearest cycle
      half = images / 2;
      cpi = (t_beat0[images - 1] - t_beat0[half] + (images - 1 - half) / 2) / (images - 1 - half);
    end else if (images == 2) begin
      cpi = t_beat0[1] - t_beat0[0];
    end else begin
      cpi = latency;
    end
    acc = 100.0 * correct / images;
    $display("latency=%0d cycles (first input beat to last output beat of image 0); %0d cycles for %0d images",
             latency, t_out[images - 1] - t_first_in + 1, images);
    if (errors == 0 && mismatches == 0) begin
      $display("RESULT pass=1 images=%0d mismatches=0 accuracy=%.2f cycles_per_image=%0d", images, acc, cpi);
      $finish;
    end else begin
      $display("RESULT pass=0 images=%0d mismatches=%0d accuracy=%.2f cycles_per_image=%0d", images, mismatches, acc, cpi);
      finish_fail;
    end
  end
endmodule
`default_nettype wire
