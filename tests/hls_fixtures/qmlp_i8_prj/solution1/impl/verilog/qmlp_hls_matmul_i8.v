// ==============================================================
// qmlp TEST FIXTURE, written by hand: NOT Vitis HLS output. It imitates the layout and port
// style of a Vitis HLS solution folder (see tests/hls_fixtures/README.md) so that the packaging
// step can be tested, and the packaged core simulated, on a machine without Vitis HLS.
//
// What Vitis HLS would emit for cores/hls/src/matmul_i8.cpp with
//   -DROWS=4 -DINNER=8 -DCOLS=4 -DLANES=2 -DACC_W=16 -DSHIFT=0   (the lab's int16 accumulator)
// as far as the interface goes: ap_ctrl_hs, ap_memory with one cycle of read latency, B and C
// cyclically partitioned into banks B_0/B_1 and C_0/C_1, non-ANSI port declarations. Inside it
// is a plain state machine (two cycles per MAC step, not pipelined): a small, real design.
// ==============================================================
`timescale 1 ns / 1 ps

module qmlp_hls_matmul_i8 (
        ap_clk,
        ap_rst,
        ap_start,
        ap_done,
        ap_idle,
        ap_ready,
        A_address0,
        A_ce0,
        A_q0,
        B_0_address0,
        B_0_ce0,
        B_0_q0,
        B_1_address0,
        B_1_ce0,
        B_1_q0,
        C_0_address0,
        C_0_ce0,
        C_0_we0,
        C_0_d0,
        C_1_address0,
        C_1_ce0,
        C_1_we0,
        C_1_d0
);

parameter    ap_ST_fsm_state1 = 4'd1;  // idle
parameter    ap_ST_fsm_state2 = 4'd2;  // read A[i][k], B[k][2g+l]
parameter    ap_ST_fsm_state3 = 4'd4;  // multiply-accumulate
parameter    ap_ST_fsm_state4 = 4'd8;  // write C[i][2g+l], next output group

input   ap_clk;
input   ap_rst;
input   ap_start;
output   ap_done;
output   ap_idle;
output   ap_ready;
output  [4:0] A_address0;
output   A_ce0;
input  [7:0] A_q0;
output  [3:0] B_0_address0;
output   B_0_ce0;
input  [7:0] B_0_q0;
output  [3:0] B_1_address0;
output   B_1_ce0;
input  [7:0] B_1_q0;
output  [2:0] C_0_address0;
output   C_0_ce0;
output   C_0_we0;
output  [7:0] C_0_d0;
output  [2:0] C_1_address0;
output   C_1_ce0;
output   C_1_we0;
output  [7:0] C_1_d0;

(* fsm_encoding = "none" *) reg   [3:0] ap_CS_fsm;
reg   [1:0] i_reg;        // row 0..3
reg         g_reg;        // column group 0..1 (columns 2g and 2g+1, one per bank)
reg   [2:0] k_reg;        // 0..7
reg   [15:0] acc_0_reg;   // int16 accumulators: wrap, as the lab's `int16 sum`
reg   [15:0] acc_1_reg;
reg         ap_done_reg;
wire  [15:0] prod_0;
wire  [15:0] prod_1;
wire  [15:0] sum_0;
wire  [15:0] sum_1;
wire         last_k;
wire         last_out;

initial begin
#0 ap_CS_fsm = 4'd1;
end

qmlp_hls_matmul_i8_mul_8s_8s_16_1_1 #(
    .ID( 1 ),
    .NUM_STAGE( 1 ),
    .din0_WIDTH( 8 ),
    .din1_WIDTH( 8 ),
    .dout_WIDTH( 16 ))
mul_8s_8s_16_1_1_U1(
    .din0(A_q0),
    .din1(B_0_q0),
    .dout(prod_0)
);

qmlp_hls_matmul_i8_mul_8s_8s_16_1_1 #(
    .ID( 2 ),
    .NUM_STAGE( 1 ),
    .din0_WIDTH( 8 ),
    .din1_WIDTH( 8 ),
    .dout_WIDTH( 16 ))
mul_8s_8s_16_1_1_U2(
    .din0(A_q0),
    .din1(B_1_q0),
    .dout(prod_1)
);

assign last_k   = (k_reg == 3'd7);
assign last_out = (i_reg == 2'd3) & g_reg;
assign sum_0 = ((k_reg == 3'd0) ? 16'd0 : acc_0_reg) + prod_0;
assign sum_1 = ((k_reg == 3'd0) ? 16'd0 : acc_1_reg) + prod_1;

always @ (posedge ap_clk) begin
    if (ap_rst == 1'b1) begin
        ap_CS_fsm <= ap_ST_fsm_state1;
        ap_done_reg <= 1'b0;
    end else begin
        ap_done_reg <= 1'b0;
        case (ap_CS_fsm)
            ap_ST_fsm_state1 : if (ap_start == 1'b1) ap_CS_fsm <= ap_ST_fsm_state2;
            ap_ST_fsm_state2 : ap_CS_fsm <= ap_ST_fsm_state3;
            ap_ST_fsm_state3 : ap_CS_fsm <= last_k ? ap_ST_fsm_state4 : ap_ST_fsm_state2;
            ap_ST_fsm_state4 : begin
                ap_CS_fsm <= last_out ? ap_ST_fsm_state1 : ap_ST_fsm_state2;
                ap_done_reg <= last_out;
            end
            default : ap_CS_fsm <= ap_ST_fsm_state1;
        endcase
    end
end

always @ (posedge ap_clk) begin
    if ((ap_CS_fsm == ap_ST_fsm_state1) & (ap_start == 1'b1)) begin
        i_reg <= 2'd0;
        g_reg <= 1'b0;
        k_reg <= 3'd0;
    end else if (ap_CS_fsm == ap_ST_fsm_state3) begin
        acc_0_reg <= sum_0;
        acc_1_reg <= sum_1;
        if (!last_k) k_reg <= k_reg + 3'd1;
    end else if (ap_CS_fsm == ap_ST_fsm_state4) begin
        k_reg <= 3'd0;
        g_reg <= ~g_reg;
        if (g_reg) i_reg <= i_reg + 2'd1;
    end
end

// sat8 of the wrapped int16 sum (SHIFT = 0)
function [7:0] sat8;
    input [15:0] v;
    begin
        if ($signed(v) > 16'sd127)       sat8 = 8'h7f;
        else if ($signed(v) < -16'sd128) sat8 = 8'h80;
        else                             sat8 = v[7:0];
    end
endfunction

assign A_address0 = {i_reg, k_reg};            // i * 8 + k
assign A_ce0 = (ap_CS_fsm == ap_ST_fsm_state2);
assign B_0_address0 = {k_reg, g_reg};          // (k * 4 + 2g) / 2
assign B_0_ce0 = (ap_CS_fsm == ap_ST_fsm_state2);
assign B_1_address0 = {k_reg, g_reg};
assign B_1_ce0 = (ap_CS_fsm == ap_ST_fsm_state2);
assign C_0_address0 = {i_reg, g_reg};          // (i * 4 + 2g) / 2
assign C_0_ce0 = (ap_CS_fsm == ap_ST_fsm_state4);
assign C_0_we0 = (ap_CS_fsm == ap_ST_fsm_state4);
assign C_0_d0 = sat8(acc_0_reg);
assign C_1_address0 = {i_reg, g_reg};
assign C_1_ce0 = (ap_CS_fsm == ap_ST_fsm_state4);
assign C_1_we0 = (ap_CS_fsm == ap_ST_fsm_state4);
assign C_1_d0 = sat8(acc_1_reg);

assign ap_done = ap_done_reg;
assign ap_ready = ap_done_reg;
assign ap_idle = (ap_CS_fsm == ap_ST_fsm_state1) & ~ap_done_reg;

endmodule //qmlp_hls_matmul_i8
