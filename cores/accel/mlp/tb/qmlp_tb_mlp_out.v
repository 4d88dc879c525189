`default_nettype none
// qmlp_mlp_out on its own: a last-layer model writes each image's N logits (PE per cycle) into
// the free slot and commits it; the stream is read with random back-pressure (STALL percent).
// Prints one line per output beat, "B <image> <beat> <data as signed> <tlast> <cycle>", and
// DONE; tests/test_mlp_out.py checks the logits and the class (numpy's argmax: the first
// maximum) bit for bit and the cycles between images.
module qmlp_tb_mlp_out;
  parameter integer N      = 10;
  parameter integer PE     = 2;
  parameter integer IMAGES = 4;
  parameter integer STALL  = 0;       // percent of cycles with tready low
  parameter integer SEED   = 1;
  localparam integer G  = N / PE;     // writes per image
  localparam integer AW = $clog2(G > 1 ? G : 2);

  reg clk = 1'b0, rst = 1'b1;
  always #5 clk = ~clk;

  reg [31:0] logits [0:IMAGES*N-1];
  initial $readmemh("logits.hex", logits);

  reg             we = 1'b0, wslot = 1'b0, commit = 1'b0, commit_slot = 1'b0;
  reg [AW-1:0]    waddr = {AW{1'b0}};
  reg [PE*32-1:0] wdata = {PE*32{1'b0}};
  wire [1:0]      full;
  wire [31:0]     tdata;
  wire            tvalid, tlast;
  reg             tready = 1'b0;

  qmlp_mlp_out #(.N(N), .PE(PE)) dut (
    .clk_i(clk), .rst_i(rst),
    .we_i(we), .wslot_i(wslot), .waddr_i(waddr), .wdata_i(wdata),
    .commit_i(commit), .commit_slot_i(commit_slot), .full_o(full),
    .m_tdata_o(tdata), .m_tvalid_o(tvalid), .m_tready_i(tready), .m_tlast_o(tlast)
  );

  integer cycle = 0, seed = SEED;
  always @(posedge clk) cycle <= cycle + 1;

  // writer: image i into slot i % 2, as soon as that slot is free
  integer wi, g, b;
  initial begin
    repeat (3) @(posedge clk);
    rst <= 1'b0;
    for (wi = 0; wi < IMAGES; wi = wi + 1) begin
      @(posedge clk);
      while (full[wi % 2]) @(posedge clk);
      for (g = 0; g < G; g = g + 1) begin
        we <= 1'b1; wslot <= wi % 2; waddr <= g[AW-1:0];
        for (b = 0; b < PE; b = b + 1) wdata[b*32 +: 32] <= logits[wi * N + g * PE + b];
        @(posedge clk);
      end
      we <= 1'b0;
      commit <= 1'b1; commit_slot <= wi % 2;
      @(posedge clk);
      commit <= 1'b0;
    end
  end

  // reader
  integer ri = 0, beat = 0;
  always @(posedge clk) begin
    tready <= ($unsigned($random(seed)) % 100) >= STALL;
    if (!rst && tvalid && tready) begin
      $display("B %0d %0d %0d %0d %0d", ri, beat, $signed(tdata), tlast, cycle);
      if (beat == N) begin
        beat = 0;
        ri = ri + 1;
        if (ri == IMAGES) begin
          $display("DONE");
          $finish;
        end
      end else
        beat = beat + 1;
    end
    if (cycle > 200 + IMAGES * (N + 8) * (STALL > 0 ? 20 : 2)) begin
      $display("ERROR timeout after %0d images", ri);
      $finish;
    end
  end
endmodule
`default_nettype wire
